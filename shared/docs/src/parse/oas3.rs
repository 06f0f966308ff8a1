//! Reads OpenAPI 3.0 and 3.1 documents into the model: info, servers, security schemes, tags,
//! paths and webhooks (with path-level parameters merged and `$ref`s followed), and schemas.

use serde_json::Value;

use super::SpecFormat;
use super::convert::{Ctx, bool_of, entries, items, servers, str_of, string_of, text_of};
use super::refs::escape;
use crate::model::{
    Contact, DeclaredParameter, Header, License, MediaType, Method, OAuthFlow, Operation,
    Parameter, RequestBody, Response, SchemaDoc, SecurityScheme, Spec, Tag,
};

const NULL: Value = Value::Null;

pub(crate) fn build(root: &Value, format: SpecFormat, version: String) -> Spec {
    let mut ctx = Ctx::new(root, false);
    let components = root.get("components").unwrap_or(&NULL);
    let mut spec = info(root, format, version);
    spec.servers = servers(root);
    spec.security = ctx.security(root, "security").unwrap_or_default();
    for (name, s) in entries(components, "securitySchemes") {
        let ptr = format!("/components/securitySchemes/{}", escape(name));
        if let Some((s, _)) = ctx.deref(s, &ptr) {
            spec.security_schemes.push(security_scheme(name, s));
        }
    }
    spec.operations = path_items(&mut ctx, root, "paths");
    spec.webhooks = path_items(&mut ctx, root, "webhooks");
    for (name, s) in entries(components, "schemas") {
        let pointer = format!("/components/schemas/{}", escape(name));
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

/// The version-independent top of the model: info, declared tags, external docs.
pub(crate) fn info(root: &Value, format: SpecFormat, version: String) -> Spec {
    let info = root.get("info").unwrap_or(&NULL);
    let contact = info
        .get("contact")
        .filter(|c| c.is_object())
        .map(|c| Contact {
            name: string_of(c, "name"),
            url: string_of(c, "url"),
            email: string_of(c, "email"),
        });
    let license = info
        .get("license")
        .filter(|l| l.is_object())
        .map(|l| License {
            name: string_of(l, "name").unwrap_or_default(),
            url: string_of(l, "url"),
            identifier: string_of(l, "identifier"),
        });
    let tags = items(root, "tags")
        .filter_map(|t| {
            Some(Tag {
                name: str_of(t, "name")?.to_string(),
                description: text_of(t, "description"),
                declared: true,
            })
        })
        .collect();
    Spec {
        format,
        version,
        title: string_of(info, "title").unwrap_or_else(|| "Untitled API".to_string()),
        api_version: string_of(info, "version").unwrap_or_default(),
        summary: string_of(info, "summary"),
        description: text_of(info, "description"),
        terms_of_service: string_of(info, "termsOfService"),
        contact,
        license,
        servers: Vec::new(),
        security_schemes: Vec::new(),
        security: Vec::new(),
        tags,
        operations: Vec::new(),
        webhooks: Vec::new(),
        schemas: Vec::new(),
        unresolved_refs: Vec::new(),
        external_docs: root.get("externalDocs").and_then(|d| string_of(d, "url")),
    }
}

/// Adds tags used by operations but not declared, in first-use order.
pub(crate) fn finish_tags(spec: &mut Spec) {
    let mut extra: Vec<Tag> = Vec::new();
    for op in spec.operations.iter().chain(&spec.webhooks) {
        for t in &op.tags {
            if spec.tags.iter().chain(&extra).all(|x| &x.name != t) {
                extra.push(Tag {
                    name: t.clone(),
                    description: None,
                    declared: false,
                });
            }
        }
    }
    spec.tags.extend(extra);
}

fn security_scheme(name: &str, s: &Value) -> SecurityScheme {
    let flows = entries(s, "flows")
        .map(|(kind, f)| OAuthFlow {
            kind: kind.clone(),
            authorization_url: string_of(f, "authorizationUrl"),
            token_url: string_of(f, "tokenUrl"),
            refresh_url: string_of(f, "refreshUrl"),
            scopes: entries(f, "scopes")
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect(),
        })
        .collect();
    SecurityScheme {
        name: name.to_string(),
        kind: string_of(s, "type").unwrap_or_default(),
        description: string_of(s, "description"),
        scheme: string_of(s, "scheme"),
        bearer_format: string_of(s, "bearerFormat"),
        location: string_of(s, "in"),
        param_name: string_of(s, "name"),
        flows,
        open_id_connect_url: string_of(s, "openIdConnectUrl"),
    }
}

fn path_items<'a>(ctx: &mut Ctx<'a>, root: &'a Value, key: &str) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in entries(root, key) {
        if path.starts_with("x-") {
            continue;
        }
        let base = format!("/{key}/{}", escape(path));
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
            if !op.is_object() {
                continue;
            }
            let pointer = format!("{base}/{m}");
            out.push(operation(ctx, item, &item_ptr, op, method, path, pointer));
        }
    }
    out
}

fn operation<'a>(
    ctx: &mut Ctx<'a>,
    item: &'a Value,
    item_ptr: &str,
    op: &'a Value,
    method: Method,
    path: &str,
    pointer: String,
) -> Operation {
    let mut parameters: Vec<Parameter> = Vec::new();
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
            let param = parameter(ctx, p, &pptr);
            declared.push(DeclaredParameter {
                name: param.name.clone(),
                location: param.location.clone(),
                pointer: entry,
                path_level: *path_level,
            });
            match parameters
                .iter_mut()
                .find(|x| x.name == param.name && x.location == param.location)
            {
                Some(existing) => *existing = param,
                None => parameters.push(param),
            }
        }
    }
    let request_body = op.get("requestBody").and_then(|rb| {
        let (rb, ptr) = ctx.deref(rb, &format!("{pointer}/requestBody"))?;
        Some(RequestBody {
            description: text_of(rb, "description"),
            required: bool_of(rb, "required"),
            content: content(ctx, rb, &ptr),
        })
    });
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
        let mut headers = Vec::new();
        for (name, h) in entries(r, "headers") {
            let Some((h, hptr)) = ctx.deref(h, &format!("{rptr}/headers/{}", escape(name))) else {
                continue;
            };
            let schema = h
                .get("schema")
                .map(|s| ctx.schema(s, &format!("{hptr}/schema")));
            headers.push(Header {
                name: name.clone(),
                description: string_of(h, "description"),
                schema,
            });
        }
        responses.push(Response {
            status: status.clone(),
            description: text_of(r, "description"),
            content: content(ctx, r, &rptr),
            headers,
        });
    }
    let servers = match servers(op) {
        s if !s.is_empty() => s,
        _ => servers(item),
    };
    Operation {
        method,
        path: path.to_string(),
        operation_id: string_of(op, "operationId"),
        summary: text_of(op, "summary"),
        description: text_of(op, "description"),
        deprecated: bool_of(op, "deprecated"),
        tags: items(op, "tags")
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        parameters,
        request_body,
        responses,
        security: ctx.security(op, "security"),
        servers,
        callbacks: entries(op, "callbacks").map(|(k, _)| k.clone()).collect(),
        declared_parameters: declared,
        pointer,
    }
}

fn parameter<'a>(ctx: &mut Ctx<'a>, p: &'a Value, ptr: &str) -> Parameter {
    // The schema and its pointer: `schema`, or the first media type's under `content`.
    let found = match (p.get("schema"), p.get("content").and_then(Value::as_object)) {
        (Some(s), _) => Some((s, format!("{ptr}/schema"))),
        (None, Some(c)) => c.iter().next().and_then(|(mt, m)| {
            let s = m.get("schema")?;
            Some((s, format!("{ptr}/content/{}/schema", escape(mt))))
        }),
        _ => None,
    };
    let (schema, schema_pointer) = match found {
        Some((s, sptr)) => (Some(ctx.schema(s, &sptr)), Some(sptr)),
        None => (None, None),
    };
    let (example, example_pointer) = match p.get("example") {
        Some(ex) => (Some(ex.clone()), Some(format!("{ptr}/example"))),
        None => entries(p, "examples")
            .find_map(|(name, ex)| {
                let v = ex.get("value")?.clone();
                Some((v, format!("{ptr}/examples/{}/value", escape(name))))
            })
            .map_or((None, None), |(v, at)| (Some(v), Some(at))),
    };
    Parameter {
        name: string_of(p, "name").unwrap_or_default(),
        location: string_of(p, "in").unwrap_or_default(),
        required: bool_of(p, "required"),
        deprecated: bool_of(p, "deprecated"),
        description: text_of(p, "description"),
        schema,
        example,
        pointer: ptr.to_string(),
        schema_pointer,
        example_pointer,
    }
}

fn content<'a>(ctx: &mut Ctx<'a>, holder: &'a Value, ptr: &str) -> Vec<MediaType> {
    let mut out = Vec::new();
    for (mt, m) in entries(holder, "content") {
        let mptr = format!("{ptr}/content/{}", escape(mt));
        let schema = m
            .get("schema")
            .map(|s| ctx.schema(s, &format!("{mptr}/schema")));
        let mut examples = Vec::new();
        if let Some(ex) = m.get("example") {
            examples.push(("example".to_string(), ex.clone()));
        }
        for (name, ex) in entries(m, "examples") {
            let Some((ex, _)) = ctx.deref(ex, &format!("{mptr}/examples/{}", escape(name))) else {
                continue;
            };
            if let Some(v) = ex.get("value") {
                examples.push((name.clone(), v.clone()));
            }
        }
        out.push(MediaType {
            media_type: mt.clone(),
            schema,
            examples,
        });
    }
    out
}
