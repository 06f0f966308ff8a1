//! Scores specs and prints the result:
//! `cargo run --release -p specdoc-docs --example score -- [--json | --time N] SPEC...`,
//! or `--rules` for the catalogue as `id<TAB>origin<TAB>category` lines.
//! Default: overall and category scores. `--json`: one JSON object per spec with the categories
//! and every finding (used by benches/score/compare.sh). `--time N`: parses once, scores N
//! times, and prints the parse time and the best and median score times (benches/score/bench.sh).

use std::time::{Duration, Instant};

use serde_json::json;
use specdoc_docs::{Limits, parse, score};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--rules") {
        for r in score::rules() {
            println!("{}\t{}\t{}", r.id, r.origin.label(), r.category.id());
        }
        return Ok(());
    }
    let json = args.first().is_some_and(|a| a == "--json");
    let mut runs = 0;
    if json {
        args.remove(0);
    } else if args.first().is_some_and(|a| a == "--time") {
        runs = args.get(1).ok_or("--time needs a count")?.parse()?;
        args.drain(..2);
    }
    if args.is_empty() {
        return Err("usage: score [--json | --time N] SPEC...".into());
    }
    for path in &args {
        let bytes = std::fs::read(path)?;
        let t0 = Instant::now();
        let spec = parse(&bytes, &Limits::default())?;
        let parsed = t0.elapsed();
        let sc = score::score(&spec);
        if json {
            let v = json!({
                "path": path,
                "overall": sc.overall,
                "categories": sc.categories.iter().map(|c| json!({
                    "category": c.category, "weight": c.weight, "score": c.score, "detail": c.detail,
                })).collect::<Vec<_>>(),
                "findings": sc.findings.iter().map(|f| json!({
                    "rule": f.rule_id, "severity": f.severity.as_str(), "pointer": f.pointer,
                    "message": f.message,
                })).collect::<Vec<_>>(),
            });
            println!("{v}");
        } else if runs > 0 {
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(score::score(&spec));
                    t.elapsed()
                })
                .collect();
            times.sort();
            println!(
                "{path}\tbytes={}\toperations={}\tparse_ms={:.1}\tscore_best_ms={:.1}\tscore_median_ms={:.1}\tparse_plus_score_ms={:.1}\tfindings={}",
                bytes.len(),
                spec.operations.len(),
                ms(parsed),
                ms(times[0]),
                ms(times[times.len() / 2]),
                ms(parsed + times[times.len() / 2]),
                sc.findings.len()
            );
        } else {
            println!("{path}: {} ({} findings)", sc.overall, sc.findings.len());
            for c in &sc.categories {
                println!(
                    "  {:<24} {:>3} x{:<3} {}",
                    c.category, c.score, c.weight, c.detail
                );
            }
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
