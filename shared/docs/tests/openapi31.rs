//! OpenAPI 3.1 as a reader sees it in both outputs: type arrays with `null`, `const`,
//! `examples` arrays, `prefixItems`, `$ref` siblings, `$defs` references, the JSON Schema
//! 2020-12 keywords, exclusive bounds in both dialects, and webhooks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use specdoc_docs::{Limits, Spec, html, markdown, parse};
use support::{assert_html_links_resolve, assert_md_links_resolve, attr_values, md_headings};

fn spec(text: &str) -> Spec {
    parse(text.as_bytes(), &Limits::default()).unwrap()
}

/// The Markdown table row of property `name` (the first one).
fn md_row<'a>(md: &'a str, name: &str) -> &'a str {
    let start = format!("| `{name}` |");
    md.lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no row for `{name}` in:\n{md}"))
}

/// The HTML table row of property `name` (the first one).
fn html_row<'a>(page: &'a str, name: &str) -> &'a str {
    let start = format!("<tr><td><code>{name}</code></td>");
    page.lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no row for `{name}`"))
}

const MODERN: &str = r##"
openapi: 3.1.0
info: {title: Modern, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
      responses: {"204": {description: done}}
components:
  schemas:
    Owner:
      type: object
      description: Someone who owns things.
      properties:
        name: {type: string}
    Thing:
      type: object
      properties:
        nickname: {type: [string, "null"]}
        code: {type: [string, integer, "null"]}
        owner_or_null:
          anyOf:
            - {$ref: "#/components/schemas/Owner"}
            - {type: "null"}
        kind: {const: gadget}
        lives: {type: integer, const: 9}
        age: {type: integer, exclusiveMinimum: 0, exclusiveMaximum: 30, examples: [3, 7]}
        point: {type: array, prefixItems: [{type: number}, {type: string}], items: false}
        open_tuple: {type: array, prefixItems: [{type: number}]}
        typed_tuple:
          type: array
          prefixItems: [{type: string}]
          items: {$ref: "#/components/schemas/Owner"}
        owner: {$ref: "#/components/schemas/Owner", description: The thing's owner, readOnly: true}
        extra:
          $ref: "#/components/schemas/Thing/$defs/Extra"
          description: The sibling description wins.
        tags:
          type: array
          items: {type: string}
          contains: {type: string, const: good}
          minContains: 1
          maxContains: 3
        labels:
          type: object
          patternProperties: {"^x-": {type: string}}
          propertyNames: {pattern: "^[a-z-]+$"}
          unevaluatedProperties: false
        card:
          type: object
          properties: {number: {type: string}, cvv: {type: string}}
          dependentRequired: {number: [cvv]}
          dependentSchemas: {cvv: {required: [number]}}
        shape:
          type: object
          if: {properties: {kind: {const: circle}}}
          then: {required: [radius]}
          else: {required: [width]}
        photo: {type: string, contentMediaType: image/png, contentEncoding: base64}
      $defs:
        Extra:
          type: object
          description: The target's own description.
          properties:
            note: {type: string}
"##;

#[test]
fn type_arrays_with_null_read_as_unions() {
    let s = spec(MODERN);
    let thing = &s.schema("Thing").unwrap().schema;
    let nickname = &thing.properties[0].schema;
    assert_eq!(
        (nickname.types.as_slice(), nickname.nullable),
        (&["string".to_string()][..], true)
    );
    let md = markdown::render(&s, None);
    assert!(md_row(&md, "nickname").contains("| string \\| null |"));
    assert!(md_row(&md, "code").contains("| string \\| integer \\| null |"));
    assert!(
        md_row(&md, "owner_or_null").contains("| [Owner](#owner) \\| null |"),
        "anyOf [X, null] reads as X or null: {}",
        md_row(&md, "owner_or_null")
    );
    let page = html::render(&s, None);
    assert!(html_row(&page, "nickname").contains("<td>string | null</td>"));
    assert!(
        html_row(&page, "owner_or_null")
            .contains("<td><a href=\"#schema-owner\">Owner</a> | null</td>")
    );
}

#[test]
fn const_examples_and_exclusive_bounds_are_shown() {
    let s = spec(MODERN);
    let md = markdown::render(&s, None);
    let kind = md_row(&md, "kind");
    assert!(
        kind.contains("| string |") && kind.contains("Always `gadget`."),
        "a const-only schema has the const's type: {kind}"
    );
    assert!(md_row(&md, "lives").contains("Always `9`."));
    let age = md_row(&md, "age");
    assert!(
        age.contains("Constraints: greater than `0`, less than `30`.")
            && age.contains("Examples: `3`, `7`."),
        "{age}"
    );
    let page = html::render(&s, None);
    let age = html_row(&page, "age");
    assert!(age.contains("greater than <code>0</code>, less than <code>30</code>"));
    assert!(age.contains("Examples: <code>3</code>, <code>7</code>."));

    // 3.0's boolean exclusive bounds read the same as 3.1's numeric ones.
    let old = spec(
        r#"
openapi: 3.0.3
info: {title: Old, version: "1"}
paths: {}
components:
  schemas:
    N:
      type: object
      properties:
        n: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false}
"#,
    );
    let md = markdown::render(&old, None);
    let n = md_row(&md, "n");
    assert!(
        n.contains("Constraints: greater than `0`, maximum `10`.") && !n.contains("true"),
        "{n}"
    );
}

#[test]
fn prefix_items_are_listed_by_position() {
    let s = spec(MODERN);
    let md = markdown::render(&s, None);
    assert!(md_row(&md, "point").contains("| tuple (number, string) |"));
    assert!(md_row(&md, "open_tuple").contains("| tuple (number), then any items |"));
    assert!(md_row(&md, "typed_tuple").contains("| tuple (string), then [Owner](#owner) items |"));
    let page = html::render(&s, None);
    assert!(html_row(&page, "point").contains("<td>tuple (number, string)</td>"));
}

#[test]
fn ref_siblings_win_over_the_target() {
    let s = spec(MODERN);
    let md = markdown::render(&s, None);
    let owner = md_row(&md, "owner");
    assert!(
        owner.contains("| [Owner](#owner) |")
            && owner.contains("The thing's owner")
            && owner.contains("Read-only."),
        "{owner}"
    );
    // A reference into `$defs` is followed (the definition's properties are listed), and
    // the description next to it replaces the definition's own.
    let extra = md_row(&md, "extra");
    assert!(
        extra.contains("The sibling description wins.")
            && !extra.contains("The target's own description."),
        "{extra}"
    );
    assert!(md.contains("| `extra.note` | string | no |"));
    assert!(s.unresolved_refs.is_empty(), "{:?}", s.unresolved_refs);
    let page = html::render(&s, None);
    assert!(html_row(&page, "extra").contains("The sibling description wins."));
}

#[test]
fn json_schema_2020_keywords_are_described() {
    let s = spec(MODERN);
    let md = markdown::render(&s, None);
    for (name, says) in [
        (
            "tags",
            "Must contain from `1` to `3` items matching: string, always `good`.",
        ),
        ("labels", "Properties matching `^x-`: string."),
        ("labels", "Property names: pattern `^[a-z-]+$`."),
        (
            "labels",
            "No properties beyond those the schema declares (unevaluatedProperties).",
        ),
        ("card", "If `number` is present, `cvv` is required too."),
        ("card", "If `cvv` is present, `number` is required."),
        (
            "shape",
            "If the value matches object with `kind` = `circle`, `radius` is required; otherwise `width` is required.",
        ),
        ("photo", "Content: `image/png`, `base64`-encoded."),
    ] {
        let row = md_row(&md, name);
        assert!(row.contains(says), "`{name}` should say {says:?}: {row}");
    }
    let page = html::render(&s, None);
    assert!(
        html_row(&page, "tags").contains(
            "Must contain from <code>1</code> to <code>3</code> items matching: string, always <code>good</code>."
        )
    );
    assert!(html_row(&page, "labels").contains("Properties matching <code>^x-</code>: string."));
    assert!(html_row(&page, "photo").contains("Content: <code>image/png</code>"));
}

#[test]
fn webhooks_render_in_both_outputs() {
    let s = spec(
        r##"
openapi: 3.1.0
info: {title: Hooks, version: "1"}
servers: [{url: "https://api.example.dev"}]
paths: {}
webhooks:
  petAdded:
    post:
      summary: A pet was added
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {id: {type: integer}}}
      responses: {"200": {description: ok}}
"##,
    );
    let md = markdown::render(&s, None);
    let headings = md_headings(&md);
    assert!(headings.contains("Webhooks") && headings.contains("POST petAdded"));
    // The webhook's name is not a path on the API's server: the example targets the
    // consumer's endpoint.
    assert!(md.contains("curl -X POST \"$WEBHOOK_URL\""), "{md}");
    assert!(!md.contains("api.example.devpetAdded"));
    assert_md_links_resolve("webhooks", &md);
    let page = html::render(&s, None);
    assert!(attr_values(&page, "data-op").contains("POST petAdded"));
    assert!(page.contains("<h2>Webhooks</h2>") && page.contains("A pet was added"));
    assert_html_links_resolve("webhooks", &page);
}
