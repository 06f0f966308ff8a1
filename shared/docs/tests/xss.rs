//! Script injection through every field the HTML page shows: each field of a 3.1 spec holds a
//! numbered probe (script, event handlers, `javascript:`/`data:` links, frames, style, tag
//! breakers), the 3.1 / JSON Schema 2020-12 keywords included. The page must show every probe as inert text, keep only its own script, style
//! and ids, and still render the Markdown of descriptions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use specdoc_docs::{Limits, html, parse, prose, score};
use specdoc_testkit::hostile::{XSS_PROBES as PROBES, xss_spec as hostile_spec};
use specdoc_testkit::page::{attributes, tags, url_scheme};

/// Tags our page is built from; anything else came from the spec.
const PAGE_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "a", "div", "nav", "input", "ul",
    "ol", "li", "main", "header", "footer", "section", "h1", "h2", "h3", "h4", "h5", "h6", "p",
    "br", "code", "pre", "span", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
    "strong", "em", "b", "i", "script",
];

#[test]
fn probes_in_every_field_render_inert() {
    let doc = hostile_spec();
    let mut spec = parse(doc.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(spec.webhooks.len(), 1, "the webhook is read");
    prose::fill_missing(&mut spec);
    let sc = score::score(&spec);
    let page = html::render(&spec, Some(&sc));
    let lower = page.to_ascii_lowercase();

    // Only our own script, style, search box and head metadata.
    assert_eq!(lower.matches("<script").count(), 1, "only our own script");
    assert_eq!(
        lower.matches("</script").count(),
        1,
        "only our own script end"
    );
    assert_eq!(lower.matches("<style").count(), 1, "only our own style");
    assert_eq!(lower.matches("<meta").count(), 4, "only our own meta tags");
    assert_eq!(
        lower.matches("<input").count(),
        1,
        "only our own search box"
    );
    assert_eq!(
        lower.matches("</main").count(),
        1,
        "spec text cannot close <main>"
    );
    assert!(page.contains("Content-Security-Policy"));

    let mut ids = HashSet::new();
    for tag in tags(&page) {
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(PAGE_TAGS.contains(&name.as_str()), "foreign tag {tag}");
        let attrs = attributes(tag);
        for (attr, value) in &attrs {
            assert!(!attr.starts_with("on"), "event handler in {tag}");
            assert!(
                !matches!(
                    attr.as_str(),
                    "style" | "src" | "srcset" | "action" | "formaction"
                ),
                "{attr} in {tag}"
            );
            assert!(
                !value.contains('<') && !value.contains('"'),
                "unescaped attribute value in {tag}"
            );
            if attr == "href" {
                let scheme = url_scheme(value);
                assert!(
                    matches!(scheme.as_deref(), None | Some("http" | "https" | "mailto")),
                    "{scheme:?} URL in {tag}"
                );
                if scheme.is_some() {
                    let rel = attrs.iter().find(|(a, _)| a == "rel").map(|(_, v)| v);
                    assert_eq!(
                        rel.map(String::as_str),
                        Some("noopener noreferrer nofollow"),
                        "external link without rel in {tag}"
                    );
                }
            }
            if attr == "id" {
                assert!(ids.insert(value.clone()), "duplicate id {value}: {tag}");
            }
        }
    }

    // Every probe reached the page, as text the reader can see.
    // (The value schema of a map has no place of its own on the page.)
    let missing: Vec<usize> = (1..=PROBES)
        .filter(|&n| n != 75)
        .filter(|n| !page.contains(&format!("alert({n})")))
        .collect();
    assert!(missing.is_empty(), "probes not shown: {missing:?}");
    // Descriptions are still Markdown.
    assert!(
        page.contains("<strong>Bold intro</strong>"),
        "Markdown bold"
    );
    assert!(
        page.contains(
            "<a href=\"https://ok.example/docs\" rel=\"noopener noreferrer nofollow\">a safe link</a>"
        ),
        "Markdown link"
    );
}

#[test]
fn markdown_descriptions_render_as_html() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "T", "version": "1",
      "description": "# Intro\n\nUse `GET /pets` to list *all* pets:\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<details><summary>More</summary>Hidden <em>text</em></details>"},
      "paths": {"/pets": {"get": {"responses": {"200": {"description": "A **list** of pets; see [docs](https://x.dev)."}},
        "parameters": [{"name": "limit", "in": "query", "description": "At most `n` <id> items.", "schema": {"type": "integer"}}]}}}}"##;
    let spec = parse(doc.as_bytes(), &Limits::default()).unwrap();
    let page = html::render(&spec, None);
    for want in [
        "<h4>Intro</h4>",
        "<code>GET /pets</code> to list <em>all</em> pets",
        "<ol>\n<li>one</li>\n<li>two</li>\n</ol>",
        "<th>a</th>",
        "<details><summary>More</summary>Hidden <em>text</em></details>",
        "A <strong>list</strong> of pets; see <a href=\"https://x.dev\" rel=\"noopener noreferrer nofollow\">docs</a>.",
        "At most <code>n</code> &lt;id&gt; items.",
    ] {
        assert!(page.contains(want), "missing {want}");
    }
    assert!(!page.contains("# Intro"), "heading marks are not shown raw");
}
