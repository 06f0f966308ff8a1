//! Helpers for the integration tests: the spec corpus, and an independent reading of each
//! spec's raw `paths` and schema names (not through the engine's model).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::PathBuf;

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/specs");

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every edge-case spec file, sorted.
pub fn edge_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["edge/2.0", "edge/3.0", "edge/3.1"] {
        let dir = PathBuf::from(CORPUS).join(dir);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = entry.unwrap().path();
            if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 50,
        "corpus looks incomplete: {} files",
        files.len()
    );
    files
}

/// The raw document as JSON, read with serde directly.
pub fn raw(bytes: &[u8]) -> serde_json::Value {
    let text = std::str::from_utf8(bytes).unwrap();
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).unwrap()
    } else {
        let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).unwrap();
        yaml_to_json(y)
    }
}

fn yaml_to_json(y: serde_yaml_ng::Value) -> serde_json::Value {
    use serde_yaml_ng::Value as Y;
    match y {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => b.into(),
        Y::Number(n) => serde_json::to_value(&n).unwrap(),
        Y::String(s) => s.into(),
        Y::Sequence(s) => s.into_iter().map(yaml_to_json).collect(),
        Y::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let k = match k {
                    Y::String(s) => s,
                    other => serde_yaml_ng::to_string(&other).unwrap().trim().to_string(),
                };
                out.insert(k, yaml_to_json(v));
            }
            serde_json::Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

/// `(METHOD, path)` for every operation directly under `paths` in the raw document.
pub fn raw_operations(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for m in METHODS {
                if item.get(m).is_some_and(|o| o.is_object()) {
                    out.push((m.to_uppercase(), path.clone()));
                }
            }
        }
    }
    out
}

/// Names of the named schemas in the raw document.
pub fn raw_schema_names(doc: &serde_json::Value) -> Vec<String> {
    let holder = doc
        .get("definitions")
        .or_else(|| doc.get("components").and_then(|c| c.get("schemas")));
    holder
        .and_then(|h| h.as_object())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// All Markdown headings (without the `#`s).
pub fn md_headings(md: &str) -> HashSet<&str> {
    md.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect()
}

/// The anchors GitHub gives the headings of a Markdown document (its slugger, written
/// independently of the engine's).
pub fn md_anchors(md: &str) -> HashSet<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut in_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let base: String = text
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut slug = base.clone();
        let mut n = 0;
        while seen.contains(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        seen.insert(slug);
    }
    seen
}

/// Targets of the in-document links (`](#anchor)`) of a Markdown document, in order.
pub fn md_links(md: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](#") {
        let after = &rest[i + 3..];
        let end = after.find(')').unwrap();
        out.push(&after[..end]);
        rest = &after[end..];
    }
    out
}

/// Asserts every in-document Markdown link lands on a heading; returns how many were checked.
pub fn assert_md_links_resolve(name: &str, md: &str) -> usize {
    let anchors = md_anchors(md);
    let links = md_links(md);
    for l in &links {
        assert!(anchors.contains(*l), "{name}: broken link #{l}");
    }
    links.len()
}

/// Asserts every `id` in the page is unique and every `href="#..."` lands on one.
pub fn assert_html_links_resolve(name: &str, page: &str) {
    let mut ids = HashSet::new();
    let mut rest = page;
    while let Some(i) = rest.find(" id=\"") {
        let after = &rest[i + 5..];
        let end = after.find('"').unwrap();
        assert!(
            ids.insert(&after[..end]),
            "{name}: duplicate id {}",
            &after[..end]
        );
        rest = &after[end..];
    }
    for href in attr_values(page, "href") {
        if let Some(id) = href.strip_prefix('#') {
            assert!(ids.contains(id), "{name}: broken link {href}");
        }
    }
}

/// Values of an attribute (`data-op="..."`) in the HTML, still escaped.
pub fn attr_values<'a>(html: &'a str, attr: &str) -> HashSet<&'a str> {
    let needle = format!("{attr}=\"");
    let mut out = HashSet::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap();
        out.insert(&after[..end]);
        rest = &after[end..];
    }
    out
}

/// Checks that every raw operation and schema appears in both outputs.
pub fn check_coverage(name: &str, raw_doc: &serde_json::Value, md: &str, html: &str) {
    let headings = md_headings(md);
    let ops = attr_values(html, "data-op");
    let schemas = attr_values(html, "data-schema");
    for (m, p) in raw_operations(raw_doc) {
        let label = format!("{m} {p}");
        assert!(
            headings.contains(label.as_str()),
            "{name}: Markdown lacks heading `{label}`"
        );
        assert!(md.contains(&label), "{name}: Markdown lacks `{label}`");
        assert!(
            ops.contains(html_escape(&label).as_str()),
            "{name}: HTML lacks data-op `{label}`"
        );
    }
    for s in raw_schema_names(raw_doc) {
        assert!(
            headings.contains(s.trim()),
            "{name}: Markdown lacks schema heading `{s}`"
        );
        assert!(
            schemas.contains(html_escape(&s).as_str()),
            "{name}: HTML lacks schema `{s}`"
        );
    }
}
