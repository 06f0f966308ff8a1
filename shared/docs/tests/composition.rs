//! How both outputs present `oneOf`/`anyOf`/`allOf`, discriminators and inheritance, and
//! operations carrying several tags; every in-document link must land on a heading or id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use specdoc_docs::{Limits, Spec, html, markdown, parse};
use support::{
    CORPUS, assert_html_links_resolve, assert_md_links_resolve, attr_values, edge_files, md_anchors,
};

fn spec(text: &str) -> Spec {
    parse(text.as_bytes(), &Limits::default()).unwrap()
}

/// The Markdown of one schema's section (its `### name` heading up to the next heading).
fn md_section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("\n### {heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let body = &md[start + 1..];
    let end = body[4..].find("\n#").map_or(body.len(), |e| e + 4);
    &body[..end]
}

/// The HTML of one element with `id`, up to the next one of the same kind (`tag`).
fn html_element<'a>(page: &'a str, id: &str, tag: &str) -> &'a str {
    let start = page
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let end = page[start..]
        .find(&format!("</{tag}>"))
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

const PETS: &str = r##"
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema:
              oneOf:
                - {$ref: "#/components/schemas/Cat"}
                - {type: string, format: email}
                - {type: object, title: Fish, properties: {fins: {type: integer}}}
      responses: {"204": {description: done}}
components:
  schemas:
    Pet:
      oneOf:
        - {$ref: "#/components/schemas/Cat"}
        - {$ref: "#/components/schemas/Dog"}
        - {$ref: "#/components/schemas/Lizard"}
      discriminator:
        propertyName: pet_type
        mapping:
          kitty: "#/components/schemas/Cat"
          doggo: Dog
    Base:
      type: object
      required: [pet_type]
      properties:
        pet_type: {type: string}
      discriminator: {propertyName: pet_type}
    Cat:
      allOf:
        - {$ref: "#/components/schemas/Base"}
        - type: object
          properties:
            lives: {type: integer}
    Dog:
      allOf:
        - {$ref: "#/components/schemas/Base"}
        - {required: [pet_type]}
    Lizard:
      type: object
      properties:
        scales: {type: integer}
    Choice:
      anyOf:
        - {$ref: "#/components/schemas/Cat"}
        - {type: integer, minimum: 1}
"##;

#[test]
fn one_of_lists_linked_variants_and_the_discriminator_mapping() {
    let s = spec(PETS);
    let md = markdown::render(&s, None);
    let pet = md_section(&md, "Pet");
    assert!(
        pet.contains(
            "**One of** (exactly one applies):\n\n- [Cat](#cat)\n- [Dog](#dog)\n- [Lizard](#lizard)\n"
        ),
        "{pet}"
    );
    assert!(pet.contains("**Discriminator:** the `pet_type` property tells which schema applies."));
    // The explicit mapping, then the variant the mapping leaves out under its schema name.
    assert!(
        pet.contains(
            "| `pet_type` value | Schema |\n|---|---|\n| `kitty` | [Cat](#cat) |\n| `doggo` | [Dog](#dog) |\n| `Lizard` | [Lizard](#lizard) |\n"
        ),
        "{pet}"
    );
    let anchors = md_anchors(&md);
    for a in ["cat", "dog", "lizard"] {
        assert!(anchors.contains(a), "no heading for #{a}");
    }
    assert_md_links_resolve("pets", &md);

    let page = html::render(&s, None);
    let pet = html_element(&page, "schema-pet", "details");
    assert!(
        pet.contains("<li><a href=\"#schema-cat\">Cat</a></li>"),
        "{pet}"
    );
    assert!(
        pet.contains(
            "<tr><td><code>kitty</code></td><td><a href=\"#schema-cat\">Cat</a></td></tr>"
        )
    );
    assert!(pet.contains(
        "<tr><td><code>Lizard</code></td><td><a href=\"#schema-lizard\">Lizard</a></td></tr>"
    ));
    assert_html_links_resolve("pets", &page);
}

#[test]
fn all_of_shows_what_is_inherited_and_bases_list_their_subtypes() {
    let s = spec(PETS);
    let md = markdown::render(&s, None);
    let cat = md_section(&md, "Cat");
    assert!(
        cat.contains(
            "**All of** (every one applies):\n\n- [Base](#base) — inherited\n- object with `lives` (properties below)\n"
        ),
        "{cat}"
    );
    assert!(cat.contains("| `lives` | integer | no |"));
    let dog = md_section(&md, "Dog");
    assert!(dog.contains("- requiring `pet_type`\n"), "{dog}");
    let base = md_section(&md, "Base");
    assert!(
        base.contains("Extended by: [Cat](#cat), [Dog](#dog)"),
        "{base}"
    );
    // A discriminator without mapping or variants takes its values from the subtypes.
    assert!(
        base.contains("| `Cat` | [Cat](#cat) |\n| `Dog` | [Dog](#dog) |"),
        "{base}"
    );
    let page = html::render(&s, None);
    let cat = html_element(&page, "schema-cat", "details");
    assert!(cat.contains("<li><a href=\"#schema-base\">Base</a> — inherited</li>"));
    let base = html_element(&page, "schema-base", "details");
    assert!(
        base.contains(
            "Extended by: <a href=\"#schema-cat\">Cat</a>, <a href=\"#schema-dog\">Dog</a>"
        )
    );
}

#[test]
fn inline_variants_get_a_summary() {
    let s = spec(PETS);
    let md = markdown::render(&s, None);
    assert!(
        md.contains(
            "- [Cat](#cat)\n- Option 2: string (email)\n- Option 3 (_Fish_): object with `fins` (see below)\n"
        ),
        "{md}"
    );
    assert!(md.contains("Option 3 (_Fish_):\n\n| Property |"));
    let choice = md_section(&md, "Choice");
    assert!(
        choice.contains("**Any of** (at least one applies):\n\n- [Cat](#cat)\n- Option 2: integer, minimum `1`\n"),
        "{choice}"
    );
    let page = html::render(&s, None);
    assert!(page.contains("<li>Option 2: string (email)</li>"));
    assert!(
        page.contains(
            "<li>Option 3 (<em>Fish</em>): object with <code>fins</code> (see below)</li>"
        )
    );
}

const TAGS: &str = r##"
openapi: 3.0.3
info: {title: Tagged, version: "1"}
tags:
  - {name: pets}
  - {name: admin}
  - {name: unused}
paths:
  /pets:
    get:
      tags: [pets, admin, audit]
      summary: List pets
      responses: {"200": {description: ok}}
    post:
      tags: [admin]
      responses: {"201": {description: created}}
  /health:
    get:
      responses: {"200": {description: ok}}
"##;

#[test]
fn operations_with_several_tags_are_listed_under_each_tag() {
    let s = spec(TAGS);
    let md = markdown::render(&s, None);
    // Documented once, under its first tag.
    assert_eq!(md.matches("\n### GET /pets\n").count(), 1);
    let contents = &md[md.find("## Contents").unwrap()..md.find("## Servers").unwrap()];
    assert!(
        contents.contains(
            "- [pets](#pets)\n  - [GET /pets](#get-pets) — List pets\n- [admin](#admin)\n  - [GET /pets](#get-pets) — List pets\n  - [POST /pets](#post-pets)\n- [audit](#audit)\n  - [GET /pets](#get-pets) — List pets\n- [Default](#default)\n  - [GET /health](#get-health)\n"
        ),
        "{contents}"
    );
    assert!(
        !contents.contains("unused"),
        "a tag without operations has no section"
    );
    // Under its other tags, a link to the full entry.
    let admin = &md[md.find("\n## admin\n").unwrap()..md.find("\n### POST /pets\n").unwrap()];
    assert!(
        admin.contains("- [GET /pets](#get-pets) — List pets (under [pets](#pets))"),
        "{admin}"
    );
    let audit = &md[md.find("\n## audit\n").unwrap()..md.find("\n## Default\n").unwrap()];
    assert!(audit.contains("- [GET /pets](#get-pets)"), "{audit}");
    assert!(md_anchors(&md).contains("get-pets"));
    assert_md_links_resolve("tags", &md);

    let page = html::render(&s, None);
    assert_html_links_resolve("tags", &page);
    assert_eq!(
        page.matches("data-op=\"GET /pets\"").count(),
        1,
        "the operation's section is rendered once"
    );
    let nav = &page[page.find("<nav").unwrap()..page.find("</nav>").unwrap()];
    assert_eq!(nav.matches("href=\"#op-get-pets\"").count(), 3, "{nav}");
    for tag in ["tag-admin", "tag-audit"] {
        let section = html_element(&page, tag, "section");
        assert!(
            section.contains("<a href=\"#op-get-pets\">"),
            "{tag} links to the operation: {section}"
        );
    }
    assert!(attr_values(&page, "id").contains("tag-default"));
}

#[test]
fn links_resolve_across_the_edge_corpus() {
    for path in edge_files() {
        let name = path.strip_prefix(CORPUS).unwrap().display().to_string();
        let s = parse(&std::fs::read(&path).unwrap(), &Limits::default()).unwrap();
        assert_md_links_resolve(&name, &markdown::render(&s, None));
        assert_html_links_resolve(&name, &html::render(&s, None));
    }
}
