//! Behaviour of the model and renderers on specific features: Swagger 2.0 upgrade, 3.1
//! webhooks, `$ref` resolution (cycles, refs to refs, escapes, dangling and remote refs),
//! Markdown anchors, and the generated-prose markers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;

use specdoc_docs::{Limits, SchemaRef, Spec, SpecFormat, html, markdown, parse, prose, score};
use support::{
    CORPUS, assert_html_links_resolve, assert_md_links_resolve, attr_values, md_headings,
};

fn spec(text: &str) -> Spec {
    parse(text.as_bytes(), &Limits::default()).unwrap()
}

fn corpus(file: &str) -> Spec {
    parse(
        &std::fs::read(format!("{CORPUS}/{file}")).unwrap(),
        &Limits::default(),
    )
    .unwrap()
}

#[test]
fn swagger_body_params_become_request_bodies_and_host_becomes_a_server() {
    let s = corpus("edge/2.0/petstore-expanded.yaml");
    assert_eq!(s.format, SpecFormat::Swagger20);
    assert_eq!(s.version, "2.0");
    assert_eq!(s.servers.len(), 1);
    assert_eq!(s.servers[0].url, "http://petstore.swagger.io/api");
    let add = s
        .operations
        .iter()
        .find(|o| o.operation_id.as_deref() == Some("addPet"))
        .unwrap();
    assert!(
        add.parameters.is_empty(),
        "the body parameter is not a parameter any more"
    );
    let body = add.request_body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(
        body.description.as_ref().unwrap().value,
        "Pet to add to the store"
    );
    assert_eq!(body.content[0].media_type, "application/json");
    assert_eq!(
        body.content[0].schema.as_ref().unwrap().ref_name(),
        Some("NewPet")
    );
    assert!(s.schema("NewPet").is_some() && s.schema("Pet").is_some());
    let ok = &add.responses[0];
    assert_eq!(ok.status, "200");
    assert_eq!(
        ok.content[0].schema.as_ref().unwrap().ref_name(),
        Some("Pet")
    );
    let md = markdown::render(&s, None);
    assert!(md.contains("**Request body** (required)"));
    assert!(md.contains("http://petstore.swagger.io/api"));
}

#[test]
fn swagger_form_data_security_and_schemes() {
    let s = spec(
        r##"
swagger: "2.0"
info: {title: Forms, version: "1"}
host: api.forms.dev
basePath: /v2
schemes: [https, http]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key}
  basic: {type: basic}
  oauth: {type: oauth2, flow: accessCode, authorizationUrl: "https://a.dev/auth", tokenUrl: "https://a.dev/token", scopes: {read: Read things}}
paths:
  /upload:
    post:
      consumes: [multipart/form-data]
      security: [{oauth: [read]}]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string, description: A note}
        - {name: X-Trace, in: header, type: string}
      responses:
        "201": {description: Created, headers: {Location: {type: string, description: Where}}}
"##,
    );
    let urls: Vec<&str> = s.servers.iter().map(|x| x.url.as_str()).collect();
    assert_eq!(
        urls,
        ["https://api.forms.dev/v2", "http://api.forms.dev/v2"]
    );
    let kinds: Vec<(&str, Option<&str>)> = s
        .security_schemes
        .iter()
        .map(|x| (x.kind.as_str(), x.scheme.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [("apiKey", None), ("http", Some("basic")), ("oauth2", None)]
    );
    assert_eq!(s.security_schemes[2].flows[0].kind, "authorizationCode");
    let op = &s.operations[0];
    assert_eq!(op.parameters.len(), 1);
    let body = op.request_body.as_ref().unwrap();
    assert_eq!(body.content[0].media_type, "multipart/form-data");
    let form = body.content[0].schema.as_ref().unwrap();
    let file = &form.properties[0];
    assert!(
        file.required
            && file.schema.types == ["string"]
            && file.schema.format.as_deref() == Some("binary")
    );
    assert_eq!(op.responses[0].headers[0].name, "Location");
    let md = markdown::render(&s, None);
    assert!(md.contains("-F 'file="), "{md}");
}

#[test]
fn openapi_31_webhooks_appear_in_both_outputs() {
    let s = corpus("edge/3.1/webhooks.yaml");
    assert_eq!(s.format, SpecFormat::OpenApi31);
    let hooks: Vec<String> = s.webhooks.iter().map(|w| w.label()).collect();
    assert_eq!(hooks, ["DELETE newPet", "POST newPet"]);
    let md = markdown::render(&s, None);
    let headings = md_headings(&md);
    assert!(
        headings.contains("Webhooks")
            && headings.contains("POST newPet")
            && headings.contains("DELETE newPet")
    );
    let page = html::render(&s, None);
    let ops = attr_values(&page, "data-op");
    assert!(ops.contains("POST newPet") && ops.contains("DELETE newPet"));
    assert!(page.contains("<h2>Webhooks</h2>"));
}

const REFS: &str = r##"
openapi: 3.1.0
info: {title: Refs, version: "1"}
paths:
  /a~b/{id}:
    parameters: [{$ref: "#/components/parameters/Alias"}]
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Node"}
        "404": {$ref: "#/components/responses/Missing"}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/paths/~1a~0b~1%7Bid%7D/get/responses/200/content/application~1json/schema"}
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Gone"}
        "202":
          description: remote
          content:
            application/json:
              schema: {$ref: "https://schemas.example/remote.json#/Thing"}
components:
  parameters:
    Alias: {$ref: "#/components/parameters/Id"}
    Id: {name: id, in: path, required: true, schema: {type: string}}
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
        self: {$ref: "#/components/schemas/Node/properties/children"}
        loop: {$ref: "#/components/schemas/Loop/properties/next"}
    Loop:
      properties:
        next: {$ref: "#/components/schemas/Loop/properties/next"}
"##;

#[test]
fn refs_resolve_cycles_terminate_and_dangling_refs_are_visible() {
    let s = spec(REFS);
    let get = &s.operations[0];
    assert_eq!(get.path, "/a~b/{id}");
    assert_eq!(get.parameters[0].name, "id", "ref to ref to parameter");
    assert_eq!(
        get.responses[0].content[0]
            .schema
            .as_ref()
            .unwrap()
            .ref_name(),
        Some("Node")
    );
    let post = &s.operations[1];
    let body = post.request_body.as_ref().unwrap().content[0]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(
        body.ref_name(),
        Some("Node"),
        "escaped pointer into paths resolved"
    );
    let node = &s.schema("Node").unwrap().schema;
    assert_eq!(node.properties[1].schema.types, ["array"]);
    assert!(
        matches!(
            node.properties[2].schema.reference,
            Some(SchemaRef::Recursive(_))
        ),
        "{:?}",
        node.properties[2]
    );

    let dangling: HashSet<&str> = s
        .unresolved_refs
        .iter()
        .filter(|r| r.dangling)
        .map(|r| r.reference.as_str())
        .collect();
    assert_eq!(
        dangling,
        HashSet::from([
            "#/components/responses/Missing",
            "#/components/schemas/Gone"
        ])
    );
    assert!(
        s.unresolved_refs
            .iter()
            .any(|r| !r.dangling && r.reference.starts_with("https://"))
    );

    let sc = score::score(&s);
    let rules: Vec<&str> = sc.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(rules.contains(&"dangling-ref") && rules.contains(&"unresolved-ref"));
    assert!(sc.overall <= specdoc_docs::score::VALIDITY_CAP);
    let md = markdown::render(&s, Some(&sc));
    assert!(md.contains("⚠ dangling reference `#/components/schemas/Gone`"));
    assert!(
        md.contains(
            "external reference `https://schemas.example/remote.json#/Thing` (not fetched)"
        )
    );
    assert!(md.contains("capped at 40"));
    let page = html::render(&s, Some(&sc));
    assert!(page.contains("dangling reference <code>#/components/schemas/Gone</code>"));
}

#[test]
fn recursive_corpus_schemas_render_once_and_link() {
    for file in [
        "edge/3.0/circular.yaml",
        "edge/3.0/schema-circular.yaml",
        "edge/2.0/schema-circular.yaml",
        "edge/3.0/circular-paths.yaml",
    ] {
        let s = corpus(file);
        let md = markdown::render(&s, None);
        for d in &s.schemas {
            let heading = format!("### {}\n", d.name);
            assert_eq!(md.matches(&heading).count(), 1, "{file}: {}", d.name);
        }
    }
    let md = markdown::render(&corpus("edge/2.0/schema-circular.yaml"), None);
    assert!(
        md.contains("| `children` | array of [node](#node) |"),
        "{md}"
    );
}

#[test]
fn markdown_links_point_at_headings() {
    for file in [
        "edge/3.0/petstore.yaml",
        "edge/3.0/discriminators.yaml",
        "edge/3.1/train-travel.yaml",
        "edge/2.0/petstore.yaml",
    ] {
        let s = corpus(file);
        let md = markdown::render(&s, Some(&score::score(&s)));
        let checked = assert_md_links_resolve(file, &md);
        assert!(checked > 5, "{file}: only {checked} links");
    }
}

#[test]
fn html_links_point_at_ids() {
    for file in ["edge/3.0/petstore.yaml", "edge/3.0/discriminators.yaml"] {
        let s = corpus(file);
        let page = html::render(&s, Some(&score::score(&s)));
        assert_html_links_resolve(file, &page);
    }
}

#[test]
fn generated_prose_is_marked_in_both_outputs() {
    let mut s = spec(
        "openapi: 3.0.0\ninfo: {title: Bare, version: '1'}\npaths:\n  /pets/{petId}:\n    get:\n      responses: {'200': {description: ok}}\n",
    );
    let before = score::score(&s);
    assert_eq!(prose::fill_missing(&mut s), 3);
    let md = markdown::render(&s, None);
    assert!(md.contains("**Get pet by pet id** _(generated)_"), "{md}");
    assert!(md.contains("Sends `GET /pets/{petId}`"));
    let page = html::render(&s, None);
    assert!(page.contains("Get pet by pet id<span class=\"generated\" title=\"written by specdoc, not by the spec&#39;s authors\">") || page.contains("Get pet by pet id<span class=\"generated\""));
    // Generated prose does not improve the score.
    assert_eq!(score::score(&s).overall, before.overall);
}
