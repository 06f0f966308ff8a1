//! Snapshot tests over the edge corpus: the Markdown of every spec (rendered without a score, so
//! scorer changes do not churn it) must equal the committed file under `tests/snapshots/`, and
//! the HTML page must match the size and FNV-1a hash listed in `tests/snapshots/html.txt`.
//! `UPDATE_SNAPSHOTS=1 cargo test -p specdoc-docs --test snapshots` (or `just
//! snapshots-update`) rewrites them; review the diff before committing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use specdoc_docs::{Limits, html, markdown, parse};
use support::{CORPUS, edge_files};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
const HTML_INDEX: &str = "html.txt";

fn update() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// 64-bit FNV-1a: enough to notice any change in a page.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `edge/3.0/petstore.yaml` → `3.0/petstore.md`.
fn snapshot_name(spec: &Path) -> String {
    let rel = spec.strip_prefix(format!("{CORPUS}/edge")).unwrap();
    rel.with_extension("md").display().to_string()
}

/// The first differing line, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}:\n  expected: {w}\n  rendered: {g}", i + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, rendered {}",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn edge_corpus_matches_snapshots() {
    let mut index = String::new();
    let mut failures = Vec::new();
    let mut names = Vec::new();
    for path in edge_files() {
        let name = snapshot_name(&path);
        let bytes = std::fs::read(&path).unwrap();
        let spec = parse(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let md = markdown::render(&spec, None);
        let page = html::render(&spec, None);
        writeln!(
            index,
            "{name} {} {:016x}",
            page.len(),
            fnv1a(page.as_bytes())
        )
        .unwrap();
        let file = PathBuf::from(DIR).join(&name);
        if update() {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &md).unwrap();
        } else {
            match std::fs::read_to_string(&file) {
                Ok(want) if want == md => {}
                Ok(want) => failures.push(format!("{name}: {}", first_difference(&want, &md))),
                Err(e) => failures.push(format!("{name}: no snapshot ({e})")),
            }
        }
        names.push(name);
    }
    let index_file = PathBuf::from(DIR).join(HTML_INDEX);
    if update() {
        std::fs::write(&index_file, &index).unwrap();
        // Snapshots of specs that left the corpus would go stale unnoticed: remove them.
        for dir in ["2.0", "3.0", "3.1"] {
            for entry in std::fs::read_dir(PathBuf::from(DIR).join(dir)).unwrap() {
                let p = entry.unwrap().path();
                let rel = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
                if !names.contains(&rel) {
                    std::fs::remove_file(p).unwrap();
                }
            }
        }
        return;
    }
    let want_index = std::fs::read_to_string(&index_file).unwrap_or_default();
    for (w, g) in want_index.lines().zip(index.lines()) {
        if w != g {
            failures.push(format!(
                "HTML changed: expected `{w}`, rendered `{g}` (size, FNV-1a)"
            ));
        }
    }
    if want_index.lines().count() != index.lines().count() {
        failures.push("HTML index lists a different set of specs".to_string());
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ; if the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review \
         the diff:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn snapshots_are_real_renderings() {
    // Guards against an emptied or truncated snapshot set being "updated" into passing.
    let md = std::fs::read_to_string(format!("{DIR}/3.0/petstore.md")).unwrap();
    assert!(md.starts_with("# Swagger Petstore"), "{}", &md[..40]);
    assert!(md.contains("\n### GET /pet/{petId}\n"));
    assert!(md.contains("\n### POST /pet\n"));
    assert!(md.contains("\n### Pet\n"));
    let index = std::fs::read_to_string(format!("{DIR}/{HTML_INDEX}")).unwrap();
    assert_eq!(index.lines().count(), edge_files().len());
}
