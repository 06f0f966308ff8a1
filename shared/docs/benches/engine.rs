//! Criterion micro-benchmarks of the documentation engine's hot paths on one spec: parse,
//! score, Markdown and HTML rendering. `cargo bench -p specdoc-docs --bench engine`; the spec is
//! `$SPECDOC_BENCH_SPEC` (the suite, `benches/suite.sh`, passes a mid-size spec of about
//! 300 KB), else the bundled petstore example. The suite runs them in a short mode and reports
//! the medians.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use specdoc_docs::{Limits, html, markdown, parse, score};
use std::hint::black_box;
use std::path::PathBuf;

fn spec_path() -> PathBuf {
    std::env::var_os("SPECDOC_BENCH_SPEC").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/petstore.yaml"),
        PathBuf::from,
    )
}

fn engine(c: &mut Criterion) {
    let path = spec_path();
    let bytes = std::fs::read(&path).expect("read the benchmark spec");
    let limits = Limits::default();
    let spec = parse(&bytes, &limits).expect("parse the benchmark spec");
    let sc = score::score(&spec);
    let mut group = c.benchmark_group("engine");
    group.throughput(criterion::Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| parse(black_box(&bytes), &limits).unwrap())
    });
    group.bench_function("score", |b| b.iter(|| score::score(black_box(&spec))));
    group.bench_function("markdown", |b| {
        b.iter(|| markdown::render(black_box(&spec), Some(&sc)))
    });
    group.bench_function("html", |b| {
        b.iter(|| html::render(black_box(&spec), Some(&sc)))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
