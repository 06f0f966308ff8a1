//! Renders one spec to Markdown and HTML and prints timings:
//! `cargo run --release -p specdoc-docs --example render -- SPEC [OUT_DIR]`.

use std::time::Instant;

use specdoc_docs::{Limits, html, markdown, parse, score};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: render SPEC [OUT_DIR]")?;
    let out_dir = args.next();
    let bytes = std::fs::read(&path)?;
    let t0 = Instant::now();
    let spec = parse(&bytes, &Limits::default())?;
    let t1 = Instant::now();
    let sc = score::score(&spec);
    let t2 = Instant::now();
    let md = markdown::render(&spec, Some(&sc));
    let t3 = Instant::now();
    let page = html::render(&spec, Some(&sc));
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
        std::fs::write(format!("{dir}/out.md"), &md)?;
        std::fs::write(format!("{dir}/out.html"), &page)?;
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
