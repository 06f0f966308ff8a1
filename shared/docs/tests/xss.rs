//! Script injection through every field the HTML page shows: each field of a 3.1 spec holds a
//! numbered probe (script, event handlers, `javascript:`/`data:` links, frames, style, tag
//! breakers), the 3.1 / JSON Schema 2020-12 keywords included. The page must show every probe as inert text, keep only its own script, style
//! and ids, and still render the Markdown of descriptions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;

use specdoc_docs::{Limits, html, parse, prose, score};
use support::page::{attributes, tags, url_scheme};

/// Every field the renderer shows, each with a numbered probe `P<n>` (or a short one, `S<n>`).
const TEMPLATE: &str = r##"{
  "openapi": "3.1.0",
  "info": {
    "title": "P1", "version": "P2", "summary": "P3",
    "description": "**Bold intro** with [a safe link](https://ok.example/docs). P4",
    "termsOfService": "P5",
    "contact": {"name": "P6", "url": "P7", "email": "P8"},
    "license": {"name": "P9", "identifier": "P10"}
  },
  "externalDocs": {"url": "P11"},
  "servers": [{"url": "https://x.dev/P12", "description": "P13",
    "variables": {"P14": {"default": "P15", "enum": ["P15", "P16"], "description": "P17"}}}],
  "tags": [{"name": "P18", "description": "P19"}, {"name": "second"}],
  "security": [{"P20": ["P21"]}],
  "paths": {
    "/pets/P22/{id}": {
      "get": {
        "tags": ["P18", "second"], "summary": "P23", "description": "P24", "operationId": "P25",
        "servers": [{"url": "P26"}],
        "parameters": [
          {"name": "P27", "in": "query", "description": "P28", "example": "P29",
           "schema": {"type": "string", "enum": ["P30"], "default": "P31", "const": "P32",
                      "pattern": "P33", "format": "P34"}},
          {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}
        ],
        "requestBody": {"description": "P35", "content": {"P36": {
          "schema": {"type": "object", "properties": {"P37": {"type": "string", "description": "P38",
            "example": "S39"}}},
          "examples": {"P40": {"value": {"k": "P41"}}}}}},
        "responses": {
          "200": {"description": "P42",
            "headers": {"P43": {"description": "P44", "schema": {"type": "string"}}},
            "content": {"application/json": {
              "schema": {"$ref": "#/components/schemas/Pet"},
              "example": {"a": "P45"}}}},
          "P46": {"description": "P47"}
        },
        "callbacks": {"P48": {}}
      }
    }
  },
  "webhooks": {"P49": {"post": {"summary": "P50", "description": "P51",
    "responses": {"200": {"description": "P52"}}}}},
  "components": {
    "securitySchemes": {
      "P20": {"type": "oauth2", "description": "P53", "flows": {"authorizationCode": {
        "authorizationUrl": "P54", "tokenUrl": "P55", "scopes": {"P21": "P56"}}}},
      "key": {"type": "apiKey", "in": "header", "name": "P57", "description": "P58"},
      "oidc": {"type": "openIdConnect", "openIdConnectUrl": "P59"},
      "bearer": {"type": "http", "scheme": "P60", "bearerFormat": "P61"}
    },
    "schemas": {
      "Pet": {"title": "P62", "description": "P63", "type": "object", "required": ["P64"],
        "discriminator": {"propertyName": "P65", "mapping": {"P66": "#/components/schemas/P67"}},
        "properties": {
          "P64": {"type": ["string", "null"], "description": "P68", "enum": ["P69", null],
                  "examples": ["S70"], "default": "P71"},
          "nested": {"type": "object", "properties": {"P72": {"type": "string", "description": "P73"}}},
          "list": {"type": "array", "items": {"type": "object", "properties": {"P74": {"type": "boolean"}}}},
          "map": {"type": "object", "additionalProperties": {"type": "string", "description": "S75"}},
          "modern": {"type": "object", "patternProperties": {"P80": {"type": "string"}},
            "propertyNames": {"pattern": "P81"}, "dependentRequired": {"P82": ["P83"]},
            "if": {"properties": {"k": {"const": "P84"}}}, "then": {"required": ["P85"]},
            "contentMediaType": "P86", "contentEncoding": "P87"},
          "tuple": {"type": "array", "prefixItems": [{"$ref": "#/components/schemas/P67"}],
            "contains": {"const": "P88"}, "examples": ["S89", "S90"]}
        },
        "oneOf": [{"$ref": "#/components/schemas/P67"},
          {"type": "object", "title": "P79", "properties": {"P76": {"type": "string"}}}]
      },
      "P67": {"type": "string", "description": "P77", "example": "S78", "deprecated": true}
    }
  }
}"##;

const PROBES: usize = 90;

/// The probe for field `n`: raw script, an image with a handler, `javascript:` and `data:`
/// links (Markdown and HTML), a frame, style, and tags that try to close the page's elements.
fn probe(n: usize) -> String {
    format!(
        "<script>alert({n})</script> <img src=x onerror=alert({n})> [j{n}](javascript:alert({n})) \
         <a href=\"&#106;avascript:alert({n})\" onclick=\"alert({n})\">a{n}</a> \
         <a href=\"data:text/html;base64,PHNjcmlwdD4=\">d{n}</a> ![i](https://evil.example/{n}.png) \
         <iframe src=\"https://evil.example/\"></iframe><b style=\"position:fixed\" onmouseover=alert({n})>b{n}</b> \
         <svg onload=alert({n})></svg></td></tr></table></section></main><base href=\"https://evil.example/\">\
         \"'><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">"
    )
}

/// A short probe, for fields shown only when short (inline examples).
fn short_probe(n: usize) -> String {
    format!("<img src=x onerror=alert({n})>\"'</td>")
}

fn json_string_body(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

fn hostile_spec() -> String {
    let mut doc = TEMPLATE.to_string();
    // Highest first, so `P1` never matches the start of `P12`.
    for n in (1..=PROBES).rev() {
        doc = doc.replace(&format!("P{n}"), &json_string_body(&probe(n)));
        doc = doc.replace(&format!("S{n}"), &json_string_body(&short_probe(n)));
    }
    doc
}

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
