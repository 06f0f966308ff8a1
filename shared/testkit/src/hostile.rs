//! Generators of hostile and malformed specs, shared by the docs engine's tests and the
//! end-to-end corpus that goes through a real scheduler and worker: script injection in every
//! rendered field, nesting and alias bombs, and outward references (SSRF canaries).

/// Every field the renderer shows, each with a numbered probe `P<n>` (or a short one, `S<n>`).
const XSS_TEMPLATE: &str = r##"{
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

/// How many probes [`xss_spec`] holds (`alert(1)` to `alert(90)`).
pub const XSS_PROBES: usize = 90;

/// The probe for field `n`: raw script, an image with a handler, `javascript:` and `data:`
/// links (Markdown and HTML), a frame, style, and tags that try to close the page's elements.
pub fn xss_probe(n: usize) -> String {
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
pub fn xss_short_probe(n: usize) -> String {
    format!("<img src=x onerror=alert({n})>\"'</td>")
}

fn json_string_body(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("a string serialises");
    quoted[1..quoted.len() - 1].to_string()
}

/// An OpenAPI 3.1 JSON spec with a numbered injection probe in every field the renderer shows.
pub fn xss_spec() -> String {
    let mut doc = XSS_TEMPLATE.to_string();
    // Highest first, so `P1` never matches the start of `P12`.
    for n in (1..=XSS_PROBES).rev() {
        doc = doc.replace(&format!("P{n}"), &json_string_body(&xss_probe(n)));
        doc = doc.replace(&format!("S{n}"), &json_string_body(&xss_short_probe(n)));
    }
    doc
}

/// `[[[[...]]]]` nested `depth` levels: a nesting bomb for the JSON parser.
pub fn json_nesting_bomb(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A 3.0 spec whose `x-deep` extension is a YAML flow mapping nested `depth` levels.
pub fn yaml_nesting_bomb(depth: usize) -> String {
    format!(
        "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nx-deep: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    )
}

/// The "billion laughs": nine levels of anchors, each alias list nine times the last.
pub fn billion_laughs() -> String {
    let mut doc = String::from(
        "openapi: 3.0.0\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        doc.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    doc
}

/// A small valid 3.0 spec whose references, external docs, servers and links all point at
/// `base` (e.g. a canary listener's `http://127.0.0.1:PORT`) or at files: none may be fetched.
pub fn outward_refs_spec(base: &str) -> String {
    format!(
        r##"openapi: 3.0.3
info:
  title: Outward
  version: "1"
  description: "See [the guide]({base}/guide) and ![logo]({base}/logo.png)"
  termsOfService: "{base}/terms"
  contact: {{url: "{base}/contact"}}
externalDocs: {{url: "{base}/docs"}}
servers: [{{url: "{base}/api"}}]
paths:
  /remote:
    get:
      parameters:
        - $ref: "{base}/params.yaml#/Limit"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "{base}/schemas.yaml#/Pet"}}
  /tls:
    get:
      responses:
        "200": {{$ref: "https://{host}/responses.yaml#/Ok"}}
  /file:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "file:///etc/passwd#/root"}}
  /relative:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "./other.yaml#/components/schemas/Other"}}
components:
  schemas:
    Remote: {{$ref: "{base}/remote.json"}}
    Parent: {{$ref: "../secrets.yaml"}}
"##,
        host = base
            .trim_start_matches("http://")
            .trim_start_matches("https://")
    )
}
