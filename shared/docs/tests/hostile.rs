//! Hostile input: nesting bombs, YAML alias bombs, garbage bytes, missing versions, size limits
//! and script injection through spec text. Everything must fail fast or render inert HTML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use specdoc_docs::{Limits, ParseError, html, inspect, markdown, parse, score};
use specdoc_testkit::hostile::{billion_laughs, json_nesting_bomb, yaml_nesting_bomb};
use specdoc_testkit::page::{attributes, tags};

const FAST: Duration = Duration::from_secs(5);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let v = f();
    assert!(start.elapsed() < FAST, "took {:?}", start.elapsed());
    v
}

fn err(bytes: &[u8]) -> ParseError {
    timed(|| parse(bytes, &Limits::default()).expect_err("must be refused"))
}

fn is_depth_or_syntax(e: &ParseError) -> bool {
    matches!(e, ParseError::TooDeep { .. } | ParseError::Syntax { .. })
}

#[test]
fn json_nesting_bomb_fails_fast() {
    let n = 100_000;
    let arrays = json_nesting_bomb(n);
    let e = err(arrays.as_bytes());
    assert!(is_depth_or_syntax(&e), "{e:?}");
    assert_eq!(e.reason(), "too_deep");
    let objects = format!(
        "{{\"openapi\":\"3.0.0\",\"x\":{}1{}}}",
        "{\"a\":".repeat(n),
        "}".repeat(n)
    );
    assert!(is_depth_or_syntax(&err(objects.as_bytes())));
    // inspect goes through the same loader.
    assert!(is_depth_or_syntax(&timed(|| inspect(
        arrays.as_bytes(),
        &Limits::default()
    )
    .unwrap_err())));
}

#[test]
fn yaml_nesting_bomb_fails_fast() {
    let n = 100_000;
    let flow = format!("openapi: 3.0.0\nx: {}{}\n", "[".repeat(n), "]".repeat(n));
    let e = err(flow.as_bytes());
    assert!(is_depth_or_syntax(&e), "{e:?}");
    let maps = yaml_nesting_bomb(n);
    assert!(is_depth_or_syntax(&err(maps.as_bytes())));
    // Compact block sequences on one line: `- - - - ... 1`.
    let dashes = format!("openapi: 3.0.0\nx: {}1\n", "- ".repeat(n));
    let e = err(dashes.as_bytes());
    assert!(is_depth_or_syntax(&e), "{e:?}");
    // Block style, 200 levels (just past the limit).
    let mut block = String::from("openapi: 3.0.0\nx:\n");
    for i in 0..200 {
        block.push_str(&" ".repeat(2 * (i + 1)));
        block.push_str("a:\n");
    }
    assert!(is_depth_or_syntax(&err(block.as_bytes())));
}

#[test]
fn billion_laughs_fails_fast() {
    let doc = billion_laughs();
    let e = err(doc.as_bytes());
    assert!(matches!(e, ParseError::TooManyAliases { .. }), "{e:?}");
    assert!(
        e.to_string().contains("YAML alias expansion exceeds"),
        "{e}"
    );
}

#[test]
fn quadratic_alias_bombs_fail_fast() {
    // Many alias uses: refused by the alias count.
    let mut many = String::from("openapi: 3.0.0\nbase: &x [1]\nlist: [");
    many.push_str(&vec!["*x"; 20_000].join(","));
    many.push_str("]\n");
    assert_eq!(
        err(many.as_bytes()),
        ParseError::TooManyAliases { limit: 10_000 }
    );
    // Under the alias count, but each alias expands to 5,000 nodes: refused by the node budget.
    let mut wide = String::from("openapi: 3.0.0\nbase: &x [");
    wide.push_str(&vec!["1"; 5_000].join(","));
    wide.push_str("]\nlist: [");
    wide.push_str(&vec!["*x"; 9_000].join(","));
    wide.push_str("]\n");
    let e = err(wide.as_bytes());
    assert!(
        matches!(
            e,
            ParseError::TooManyAliases { .. } | ParseError::TooManyNodes { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn garbage_is_a_syntax_error_with_location() {
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for bytes in [
        &binary[..],
        b"openapi: 3.0.0\ninfo: [unclosed\n",
        b"{\n  \"openapi\": \"3.0.0\",\n  \"info\" {}\n}",
        b"\x00\x01\x02garbage: : :",
    ] {
        match err(bytes) {
            ParseError::Syntax {
                line,
                column,
                message,
            } => {
                assert!(line.is_some() && column.is_some(), "{message}");
                assert!(!message.is_empty());
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }
    let e = err(b"{\n  \"openapi\": \"3.0.0\",\n  \"info\" {}\n}");
    assert!(
        e.to_string()
            .starts_with("spec is not valid JSON or YAML: "),
        "{e}"
    );
    assert!(e.to_string().contains("at line 3 column"), "{e}");
}

#[test]
fn missing_or_unsupported_versions_are_named() {
    let e = err(br#"{"info": {"title": "x"}, "paths": {}}"#);
    assert_eq!(e, ParseError::UnsupportedVersion { found: None });
    assert_eq!(e.reason(), "unsupported_version");
    assert_eq!(
        err(b"openapi: 4.0.0\n"),
        ParseError::UnsupportedVersion {
            found: Some("4.0.0".into())
        }
    );
    assert_eq!(
        err(b"swagger: '1.2'\n"),
        ParseError::UnsupportedVersion {
            found: Some("1.2".into())
        }
    );
    assert_eq!(err(b"- openapi: 3.0.0\n"), ParseError::NotAMapping);
    assert_eq!(err(b""), ParseError::Empty);
    assert_eq!(err(b"   \n\t\n"), ParseError::Empty);
    let small = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"openapi: 3.0.0\n", &small).unwrap_err(),
        ParseError::TooLarge {
            size: 15,
            limit: 10
        }
    );
}

#[test]
fn too_many_operations_are_refused_with_the_count() {
    let spec = specdoc_testkit::synthetic_spec(12);
    let few = Limits {
        max_operations: 10,
        ..Limits::default()
    };
    let e = parse(&spec, &few).unwrap_err();
    assert_eq!(
        e,
        ParseError::TooManyOperations {
            count: 12,
            limit: 10
        }
    );
    assert_eq!(e.reason(), "too_many_operations");
    assert_eq!(
        e.to_string(),
        "spec has 12 operations, more than the limit of 10"
    );
    assert_eq!(inspect(&spec, &few).unwrap_err(), e);
    assert_eq!(
        inspect(&spec, &Limits::default()).unwrap().operation_count,
        12
    );
}

const XSS: &str = r##"
openapi: 3.0.0
info:
  title: "<script>alert(1)</script>"
  version: "<img src=x onerror=alert(1)>"
  description: "<img src=x onerror=alert(1)> and <script>alert(2)</script>"
  contact: {name: "<b onmouseover=alert(1)>", url: "javascript:alert(1)", email: "\"><script>alert(3)</script>"}
  license: {name: "<script>alert(4)</script>", url: "javascript:alert(1)"}
  termsOfService: "javascript:alert(1)"
externalDocs: {url: "javascript:alert(1)"}
servers: [{url: "https://x.dev/<script>alert(5)</script>", description: "<img src=x onerror=alert(1)>"}]
tags: [{name: "<script>alert(6)</script>", description: "<img src=x onerror=alert(1)>"}]
paths:
  "/pets/<script>alert(7)</script>/{id}":
    get:
      tags: ["<script>alert(6)</script>"]
      summary: "<img src=x onerror=alert(1)>"
      description: "</script><script>alert(8)</script>"
      operationId: "\"onmouseover=\"alert(1)"
      parameters:
        - name: "<script>alert(9)</script>"
          in: query
          description: "<img src=x onerror=alert(1)>"
          schema: {type: string, enum: ["<script>alert(10)</script>"], default: "<img src=x onerror=alert(1)>"}
      responses:
        "200":
          description: "<img src=x onerror=alert(1)>"
          content:
            application/json:
              schema: {$ref: "#/components/schemas/<img src=x onerror=alert(1)>"}
              example: {"a": "</script><script>alert(11)</script>"}
components:
  securitySchemes:
    "<script>alert(12)</script>": {type: apiKey, in: header, name: "<img src=x onerror=alert(1)>", description: "<script>alert(13)</script>"}
  schemas:
    "<img src=x onerror=alert(1)>":
      description: "<script>alert(14)</script>"
      properties:
        "<script>alert(15)</script>": {type: string, description: "<img src=x onerror=alert(1)>", example: "</script>"}
"##;

#[test]
fn spec_text_cannot_inject_html() {
    let mut spec = parse(XSS.as_bytes(), &Limits::default()).unwrap();
    specdoc_docs::prose::fill_missing(&mut spec);
    let sc = score::score(&spec);
    let page = html::render(&spec, Some(&sc));
    assert!(!page.contains("<script>alert"), "script injected");
    assert!(!page.contains("<img"), "img injected");
    assert!(!page.contains("<b "), "b injected");
    assert_eq!(page.matches("<script").count(), 1, "only our own script");
    assert_eq!(
        page.matches("</script").count(),
        1,
        "only our own script end"
    );
    for tag in tags(&page) {
        for (name, value) in attributes(tag) {
            assert!(!name.starts_with("on"), "event handler attribute in {tag}");
            if name == "href" || name == "src" || name == "action" {
                assert!(
                    !value.to_ascii_lowercase().trim().starts_with("javascript:"),
                    "javascript URL in {tag}"
                );
            }
            assert!(
                !value.contains('<') && !value.contains('"'),
                "unescaped attribute value in {tag}"
            );
        }
    }
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "title shown as text"
    );
    assert!(page.contains("data-op=\"GET /pets/&lt;script&gt;alert(7)&lt;/script&gt;/{id}\""));
    assert!(page.contains("Content-Security-Policy"));
    assert!(!page.contains("http-equiv=\"refresh\""));
    // No external resources are referenced.
    for attr in ["src=\"", "srcset=", "<link", "@import", "url("] {
        assert!(!page.contains(attr), "external resource via {attr}");
    }
    // Markdown still names the operation verbatim.
    let md = markdown::render(&spec, Some(&sc));
    assert!(md.contains("GET /pets/<script>alert(7)</script>/{id}"));
}

#[test]
fn nested_refs_to_schema_parts_do_not_explode() {
    // Each level's ten properties all point at a part of the next schema: inlining every
    // reference would build 10^8 nodes (seen in the wild in bundled Azure specs).
    let levels = 8;
    let mut schemas = Vec::new();
    for l in 0..levels {
        let props: Vec<String> = (0..10)
            .map(|i| {
                if l + 1 < levels {
                    format!(
                        "\"p{i}\": {{\"$ref\": \"#/components/schemas/S{}/properties/x\"}}",
                        l + 1
                    )
                } else {
                    format!("\"p{i}\": {{\"type\": \"string\"}}")
                }
            })
            .collect();
        schemas.push(format!(
            "\"S{l}\": {{\"type\": \"object\", \"properties\": {{\"x\": {{\"type\": \"object\", \"properties\": {{{}}}}}}}}}",
            props.join(", ")
        ));
    }
    let doc = format!(
        "{{\"openapi\": \"3.0.0\", \"info\": {{\"title\": \"t\", \"version\": \"1\"}}, \"paths\": {{}}, \"components\": {{\"schemas\": {{{}}}}}}}",
        schemas.join(", ")
    );
    let (md, page) = timed(|| {
        let spec = parse(doc.as_bytes(), &Limits::default()).unwrap();
        let sc = score::score(&spec);
        (
            markdown::render(&spec, Some(&sc)),
            html::render(&spec, Some(&sc)),
        )
    });
    // Parts that were not inlined again are shown as links to the schema holding them.
    assert!(
        md.contains("`#/components/schemas/S7/properties/x` (part of [S7](#s7))"),
        "Markdown names the part and links its schema"
    );
    assert!(page.contains("(part of <a href=\"#schema-s7\">S7</a>)"));
}
