//! Upgrades Swagger 2.0 on the fly into the same model as OpenAPI 3: `body`/`formData`
//! parameters become request bodies (per `consumes` media type), `definitions` become schemas,
//! `securityDefinitions` become security schemes, and `schemes`/`host`/`basePath` become servers.

use serde_json::Value;

use super::SpecFormat;
use super::convert::{Ctx, bool_of, entries, items, str_of, string_of, strings, text_of};
use super::oas3::{finish_tags, info};
use super::refs::escape;
use crate::model::{
    DeclaredParameter, Header, MediaType, Method, OAuthFlow, Operation, Parameter, Property,
    RequestBody, Response, Schema, SchemaDoc, SecurityScheme, Server, Spec,
};

pub(crate) fn build(root: &Value, version: String) -> Spec {
    let mut ctx = Ctx::new(root, true);
    let mut spec = info(root, SpecFormat::Swagger20, version);
    spec.servers = servers(root);
    spec.security = ctx.security(root, "security").unwrap_or_default();
    spec.security_schemes = entries(root, "securityDefinitions")
        .map(|(n, s)| security_scheme(n, s))
        .collect();
    for (path, item) in entries(root, "paths") {
        if path.starts_with("x-") {
            continue;
        }
        let base = format!("/paths/{}", escape(path));
        let Some((item, item_ptr)) = ctx.deref(item, &base) else {
            continue;
        };
        let Some(map) = item.as_object() else {
            continue;
        };
        for (m, op) in map {
            let Some(method) = Method::from_key(m) else {
                continue;
            };
            if op.is_object() {
                let pointer = format!("{base}/{m}");
                let o = operation(&mut ctx, root, item, &item_ptr, op, method, path, pointer);
                spec.operations.push(o);
            }
        }
    }
    for (name, s) in entries(root, "definitions") {
        let pointer = format!("/definitions/{}", escape(name));
        let schema = ctx.schema(s, &pointer);
        spec.schemas.push(SchemaDoc {
            name: name.clone(),
            pointer,
            schema,
        });
    }
    finish_tags(&mut spec);
    spec.unresolved_refs = ctx.unresolved;
    spec
}

fn servers(root: &Value) -> Vec<Server> {
    let base = str_of(root, "basePath").unwrap_or("");
    let base = if base == "/" { "" } else { base };
    let Some(host) = str_of(root, "host") else {
        return if base.is_empty() {
            Vec::new()
        } else {
            vec![Server {
                url: base.to_string(),
                description: None,
                variables: vec![],
            }]
        };
    };
    let mut schemes = strings(root, "schemes");
    if schemes.is_empty() {
        schemes.push("https".to_string());
    }
    schemes
        .iter()
        .map(|s| Server {
            url: format!("{s}://{host}{base}"),
            description: None,
            variables: vec![],
        })
        .collect()
}

fn security_scheme(name: &str, s: &Value) -> SecurityScheme {
    let kind = str_of(s, "type").unwrap_or("");
    let mut out = SecurityScheme {
        name: name.to_string(),
        kind: kind.to_string(),
        description: string_of(s, "description"),
        ..SecurityScheme::default()
    };
    match kind {
        "basic" => {
            out.kind = "http".to_string();
            out.scheme = Some("basic".to_string());
        }
        "apiKey" => {
            out.location = string_of(s, "in");
            out.param_name = string_of(s, "name");
        }
        "oauth2" => {
            let flow = match str_of(s, "flow").unwrap_or("") {
                "accessCode" => "authorizationCode",
                "application" => "clientCredentials",
                other => other,
            };
            out.flows.push(OAuthFlow {
                kind: flow.to_string(),
                authorization_url: string_of(s, "authorizationUrl"),
                token_url: string_of(s, "tokenUrl"),
                refresh_url: None,
                scopes: entries(s, "scopes")
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect(),
            });
        }
        _ => {}
    }
    out
}

/// A non-body parameter is its own schema (type, format, items, enum, ...).
fn param_schema<'a>(ctx: &mut Ctx<'a>, p: &'a Value, ptr: &str) -> Schema {
    let mut s = match p.get("schema") {
        Some(inner) => ctx.schema(inner, &format!("{ptr}/schema")),
        None => ctx.schema(p, ptr),
    };
    if p.get("schema").is_none() {
        s.description = None;
    }
    if s.types.iter().any(|t| t == "file") {
        s.types = vec!["string".to_string()];
        s.format = Some("binary".to_string());
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn operation<'a>(
    ctx: &mut Ctx<'a>,
    root: &'a Value,
    item: &'a Value,
    item_ptr: &str,
    op: &'a Value,
    method: Method,
    path: &str,
    pointer: String,
) -> Operation {
    // Path-level parameters first, overridden by operation-level ones with the same name+in.
    let mut raw: Vec<(&'a Value, String)> = Vec::new();
    let mut declared = Vec::new();
    let sources = [
        (item, item_ptr.to_string(), true),
        (op, pointer.clone(), false),
    ];
    for (holder, hptr, path_level) in &sources {
        for (i, p) in items(holder, "parameters").enumerate() {
            let entry = format!("{hptr}/parameters/{i}");
            let Some((p, pptr)) = ctx.deref(p, &entry) else {
                continue;
            };
            declared.push(DeclaredParameter {
                name: string_of(p, "name").unwrap_or_default(),
                location: string_of(p, "in").unwrap_or_default(),
                pointer: entry,
                path_level: *path_level,
            });
            let key = (str_of(p, "name"), str_of(p, "in"));
            match raw
                .iter_mut()
                .find(|(x, _)| (str_of(x, "name"), str_of(x, "in")) == key)
            {
                Some(slot) => *slot = (p, pptr),
                None => raw.push((p, pptr)),
            }
        }
    }
    let consumes = media_list(op, root, "consumes");
    let produces = media_list(op, root, "produces");
    let mut parameters = Vec::new();
    let mut request_body: Option<RequestBody> = None;
    let mut form = Schema {
        types: vec!["object".to_string()],
        ..Schema::default()
    };
    let mut has_file = false;
    for (p, pptr) in raw {
        match str_of(p, "in").unwrap_or("") {
            "body" => {
                let schema = p
                    .get("schema")
                    .map(|s| ctx.schema(s, &format!("{pptr}/schema")));
                request_body = Some(RequestBody {
                    description: text_of(p, "description"),
                    required: bool_of(p, "required"),
                    content: consumes
                        .iter()
                        .map(|mt| MediaType {
                            media_type: mt.clone(),
                            schema: schema.clone(),
                            examples: vec![],
                        })
                        .collect(),
                });
            }
            "formData" => {
                has_file |= str_of(p, "type") == Some("file");
                let mut schema = param_schema(ctx, p, &pptr);
                schema.description = text_of(p, "description");
                form.properties.push(Property {
                    name: string_of(p, "name").unwrap_or_default(),
                    required: bool_of(p, "required"),
                    schema,
                });
            }
            loc => parameters.push(Parameter {
                name: string_of(p, "name").unwrap_or_default(),
                location: loc.to_string(),
                required: bool_of(p, "required"),
                deprecated: bool_of(p, "x-deprecated"),
                description: text_of(p, "description"),
                schema: Some(param_schema(ctx, p, &pptr)),
                example: p.get("x-example").cloned(),
                schema_pointer: Some(match p.get("schema") {
                    Some(_) => format!("{pptr}/schema"),
                    None => pptr.clone(),
                }),
                example_pointer: p.get("x-example").map(|_| format!("{pptr}/x-example")),
                pointer: pptr,
            }),
        }
    }
    if request_body.is_none() && !form.properties.is_empty() {
        let mt = if has_file || consumes.iter().any(|c| c == "multipart/form-data") {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        let required = form.properties.iter().any(|p| p.required);
        request_body = Some(RequestBody {
            description: None,
            required,
            content: vec![MediaType {
                media_type: mt.to_string(),
                schema: Some(form),
                examples: vec![],
            }],
        });
    }
    let mut responses = Vec::new();
    for (status, r) in entries(op, "responses") {
        if status.starts_with("x-") {
            continue;
        }
        let Some((r, rptr)) = ctx.deref(r, &format!("{pointer}/responses/{}", escape(status)))
        else {
            responses.push(Response {
                status: status.clone(),
                description: None,
                content: vec![],
                headers: vec![],
            });
            continue;
        };
        let schema = r
            .get("schema")
            .map(|s| ctx.schema(s, &format!("{rptr}/schema")));
        let mut content: Vec<MediaType> = match &schema {
            Some(s) => produces
                .iter()
                .map(|mt| MediaType {
                    media_type: mt.clone(),
                    schema: Some(s.clone()),
                    examples: vec![],
                })
                .collect(),
            None => Vec::new(),
        };
        for (mt, ex) in entries(r, "examples") {
            match content.iter_mut().find(|c| &c.media_type == mt) {
                Some(c) => c.examples.push(("example".to_string(), ex.clone())),
                None => content.push(MediaType {
                    media_type: mt.clone(),
                    schema: schema.clone(),
                    examples: vec![("example".to_string(), ex.clone())],
                }),
            }
        }
        let mut headers = Vec::new();
        for (name, h) in entries(r, "headers") {
            let hptr = format!("{rptr}/headers/{}", escape(name));
            let mut schema = ctx.schema(h, &hptr);
            schema.description = None;
            headers.push(Header {
                name: name.clone(),
                description: string_of(h, "description"),
                schema: Some(schema),
            });
        }
        responses.push(Response {
            status: status.clone(),
            description: text_of(r, "description"),
            content,
            headers,
        });
    }
    Operation {
        method,
        path: path.to_string(),
        operation_id: string_of(op, "operationId"),
        summary: text_of(op, "summary"),
        description: text_of(op, "description"),
        deprecated: bool_of(op, "deprecated"),
        tags: strings(op, "tags"),
        parameters,
        request_body,
        responses,
        security: ctx.security(op, "security"),
        servers: Vec::new(),
        callbacks: Vec::new(),
        declared_parameters: declared,
        pointer,
    }
}

/// `consumes`/`produces` of the operation, else of the spec, else JSON.
fn media_list(op: &Value, root: &Value, key: &str) -> Vec<String> {
    let own = strings(op, key);
    if !own.is_empty() {
        return own;
    }
    let global = strings(root, key);
    if !global.is_empty() {
        return global;
    }
    vec!["application/json".to_string()]
}
