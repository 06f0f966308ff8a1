//! Every spec in the shared corpus parses and renders to Markdown and HTML that mention every
//! operation and schema (read independently from the raw documents), deterministically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Instant;

use specdoc_docs::{Limits, html, markdown, parse, prose, score};
use support::{CORPUS, check_coverage, edge_files, raw};

#[test]
fn edge_corpus_parses_renders_and_covers_everything() {
    for path in edge_files() {
        let name = path.strip_prefix(CORPUS).unwrap().display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let info = specdoc_docs::inspect(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let spec = parse(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.format, spec.format, "{name}");
        let sc = score::score(&spec);
        assert!(sc.overall <= 100 && sc.categories.len() == 8, "{name}");
        let md = markdown::render(&spec, Some(&sc));
        let page = html::render(&spec, Some(&sc));
        let raw_doc = raw(&bytes);
        check_coverage(&name, &raw_doc, &md, &page);
        // Deterministic: a second parse and render gives identical bytes.
        let again = parse(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            markdown::render(&again, Some(&score::score(&again))),
            md,
            "{name}: Markdown differs"
        );
        assert_eq!(
            html::render(&again, Some(&sc)),
            page,
            "{name}: HTML differs"
        );
        // Filling prose keeps everything and marks what it wrote.
        let mut filled = again;
        let n = prose::fill_missing(&mut filled);
        let md2 = markdown::render(&filled, None);
        let page2 = html::render(&filled, None);
        check_coverage(&name, &raw_doc, &md2, &page2);
        if n > 0 {
            assert!(md2.contains(" _(generated)_"), "{name}");
            assert!(page2.contains("class=\"generated\""), "{name}");
        }
    }
}

fn big(file: &str) {
    let bytes = std::fs::read(format!("{CORPUS}/real/{file}")).unwrap();
    let start = Instant::now();
    let spec = parse(&bytes, &Limits::default()).unwrap();
    let sc = score::score(&spec);
    let md = markdown::render(&spec, Some(&sc));
    let page = html::render(&spec, Some(&sc));
    let took = start.elapsed();
    let raw_doc = raw(&bytes);
    check_coverage(file, &raw_doc, &md, &page);
    assert!(
        spec.operations.len() > 400,
        "{file}: {} operations",
        spec.operations.len()
    );
    assert!(!page.contains("<script>alert"), "{file}");
    eprintln!(
        "{file}: {} ops, {} schemas, score {}, md {} KB, html {} KB, {took:?} (debug build)",
        spec.operations.len(),
        spec.schemas.len(),
        sc.overall,
        md.len() / 1024,
        page.len() / 1024
    );
}

#[test]
fn stripe_renders_completely() {
    big("stripe-spec3.json");
}

#[test]
fn kubernetes_swagger_renders_completely() {
    big("k8s-swagger.json");
}
