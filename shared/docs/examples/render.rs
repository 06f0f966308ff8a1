//! Renders one spec to Markdown and HTML and prints timings:
//! `cargo run --release -p specdoc-docs --example render -- SPEC [OUT_DIR] [--only md|html]`.
//! With `--only`, just that output is rendered (and written), as the render benchmark
//! (benches/render/) compares each output with a tool that makes only that one.

use std::time::Instant;

use specdoc_docs::{Limits, html, markdown, parse, score};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let only = match args.iter().position(|a| a == "--only") {
        Some(i) => {
            let v = args.get(i + 1).cloned().ok_or("--only needs md or html")?;
            args.drain(i..i + 2);
            Some(v)
        }
        None => None,
    };
    let (want_md, want_html) = match only.as_deref() {
        None => (true, true),
        Some("md") => (true, false),
        Some("html") => (false, true),
        Some(other) => return Err(format!("--only {other}: expected md or html").into()),
    };
    let mut args = args.into_iter();
    let path = args
        .next()
        .ok_or("usage: render SPEC [OUT_DIR] [--only md|html]")?;
    let out_dir = args.next();
    let bytes = std::fs::read(&path)?;
    let t0 = Instant::now();
    let spec = parse(&bytes, &Limits::default())?;
    let t1 = Instant::now();
    let sc = score::score(&spec);
    let t2 = Instant::now();
    let md = if want_md {
        markdown::render(&spec, Some(&sc))
    } else {
        String::new()
    };
    let t3 = Instant::now();
    let page = if want_html {
        html::render(&spec, Some(&sc))
    } else {
        String::new()
    };
    let t4 = Instant::now();
    println!(
        "{path}: {} bytes, {} operations, {} schemas, score {}",
        bytes.len(),
        spec.operations.len(),
        spec.schemas.len(),
        sc.overall
    );
    println!(
        "parse {:?}, score {:?}, markdown {:?} ({} bytes), html {:?} ({} bytes), total {:?}",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        md.len(),
        t4 - t3,
        page.len(),
        t4 - t0
    );
    if let Some(dir) = out_dir {
        if want_md {
            std::fs::write(format!("{dir}/out.md"), &md)?;
        }
        if want_html {
            std::fs::write(format!("{dir}/out.html"), &page)?;
        }
        for f in sc.findings.iter().take(15) {
            println!(
                "{} {} {} {}",
                f.severity.as_str(),
                f.rule_id,
                f.pointer,
                f.message
            );
        }
    }
    Ok(())
}
