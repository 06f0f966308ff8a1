//! Structural scoring rules: naming (operationIds, path hygiene), security coverage, server and
//! info metadata, and hygiene (tags, unused schemas, dangling and remote references).

use std::collections::{HashMap, HashSet};

use super::CategoryScore;
use super::Severity;
use super::rules::{Out, cat, mix, ratio};
use crate::common::referenced_names;
use crate::model::{Operation, Schema, Spec};
use crate::parse::SpecFormat;
use crate::parse::refs::escape;

fn valid_in_url(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c))
}

pub(super) fn naming(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let ops = &spec.operations;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in ops.iter().filter_map(|o| o.operation_id.as_deref()) {
        *counts.entry(id).or_default() += 1;
    }
    let (mut with_id, mut unique, mut valid) = (0, 0, 0);
    for op in ops {
        let Some(id) = op.operation_id.as_deref() else {
            out.add(
                "operation-operationId",
                Severity::Warning,
                &op.pointer,
                format!("{} has no operationId", op.label()),
            );
            continue;
        };
        with_id += 1;
        if counts.get(id).copied().unwrap_or(0) > 1 {
            out.add(
                "operation-operationId-unique",
                Severity::Error,
                &op.pointer,
                format!("operationId `{id}` is used by more than one operation"),
            );
        } else {
            unique += 1;
        }
        if valid_in_url(id) {
            valid += 1;
        } else {
            out.add(
                "operation-operationId-valid-in-url",
                Severity::Warning,
                &op.pointer,
                format!("operationId `{id}` has characters not valid in a URL"),
            );
        }
    }
    let mut paths: Vec<&str> = ops.iter().map(|o| o.path.as_str()).collect();
    paths.dedup();
    let mut clean_paths = 0;
    for p in &paths {
        let ptr = format!("/paths/{}", escape(p));
        let mut clean = true;
        if p.len() > 1 && p.ends_with('/') {
            out.add(
                "path-keys-no-trailing-slash",
                Severity::Warning,
                &ptr,
                format!("path `{p}` ends with a slash"),
            );
            clean = false;
        }
        if p.contains('?') {
            out.add(
                "path-not-include-query",
                Severity::Warning,
                &ptr,
                format!("path `{p}` includes a query string"),
            );
            clean = false;
        }
        clean_paths += usize::from(clean);
    }
    let score = mix(&[
        (50.0, ratio(with_id, ops.len())),
        (20.0, ratio(unique, with_id)),
        (15.0, ratio(valid, with_id)),
        (15.0, ratio(clean_paths, paths.len())),
    ]);
    let detail = format!(
        "{with_id} of {} operations have an operationId, {unique} unique; {clean_paths} of {} paths are clean",
        ops.len(),
        paths.len()
    );
    cat("naming", 10, score, detail)
}

pub(super) fn security(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let ops = &spec.operations;
    let defined: HashSet<&str> = spec
        .security_schemes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let rule = if spec.format == SpecFormat::Swagger20 {
        "oas2-operation-security-defined"
    } else {
        "oas3-operation-security-defined"
    };
    let (mut covered, mut undefined) = (0, 0);
    for op in ops {
        let reqs = op.security.as_ref().unwrap_or(&spec.security);
        if reqs.iter().any(|r| !r.schemes.is_empty()) {
            covered += 1;
        }
        let mut bad = false;
        for (name, _) in reqs.iter().flat_map(|r| &r.schemes) {
            if !defined.contains(name.as_str()) {
                bad = true;
                out.add(
                    rule,
                    Severity::Warning,
                    &op.pointer,
                    format!("{} uses undefined security scheme `{name}`", op.label()),
                );
            }
        }
        undefined += usize::from(bad);
    }
    if defined.is_empty() && !ops.is_empty() {
        let ptr = if spec.format == SpecFormat::Swagger20 {
            "/securityDefinitions"
        } else {
            "/components/securitySchemes"
        };
        out.add(
            "security-schemes-defined",
            Severity::Warning,
            ptr,
            "the spec declares no security scheme",
        );
    }
    let score = if ops.is_empty() {
        100
    } else {
        let base = mix(&[
            (40.0, if defined.is_empty() { 0.0 } else { 1.0 }),
            (60.0, ratio(covered, ops.len())),
        ]);
        (f64::from(base) * (1.0 - ratio(undefined, ops.len()))).round() as u32
    };
    let detail = format!(
        "{} security schemes; {covered} of {} operations require authentication",
        defined.len(),
        ops.len()
    );
    cat("security", 10, score, detail)
}

pub(super) fn metadata(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let swagger = spec.format == SpecFormat::Swagger20;
    let mut passed = 0;
    let mut check = |ok: bool, rule: &str, sev: Severity, ptr: &str, msg: &str| {
        if ok {
            passed += 1;
        } else {
            out.add(rule, sev, ptr, msg);
        }
    };
    let (servers_rule, servers_ptr) = if swagger {
        ("oas2-api-host", "/host")
    } else {
        ("oas3-api-servers", "/servers")
    };
    check(
        !spec.servers.is_empty(),
        servers_rule,
        Severity::Warning,
        servers_ptr,
        "no server is declared",
    );
    let example_host = spec.servers.iter().any(|s| s.url.contains("example.com"));
    check(
        !example_host,
        "oas3-server-not-example.com",
        Severity::Warning,
        servers_ptr,
        "a server points at example.com",
    );
    let trailing = spec
        .servers
        .iter()
        .any(|s| s.url.len() > 1 && s.url.ends_with('/'));
    check(
        !trailing,
        "oas3-server-trailing-slash",
        Severity::Warning,
        servers_ptr,
        "a server URL ends with a slash",
    );
    check(
        spec.contact.is_some(),
        "info-contact",
        Severity::Warning,
        "/info",
        "info has no contact",
    );
    check(
        spec.license.as_ref().is_some_and(|l| !l.name.is_empty()),
        "info-license",
        Severity::Warning,
        "/info",
        "info has no license",
    );
    check(
        !spec.api_version.is_empty(),
        "info-version",
        Severity::Warning,
        "/info",
        "info has no version",
    );
    let score = mix(&[(1.0, ratio(passed, 6))]);
    cat(
        "servers_and_metadata",
        5,
        score,
        format!("{passed} of 6 server and metadata checks pass"),
    )
}

pub(super) fn hygiene(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let ops = &spec.operations;
    let mut tagged = 0;
    let (mut tag_uses, mut tag_defined) = (0, 0);
    for op in ops {
        if op.tags.is_empty() {
            out.add(
                "operation-tags",
                Severity::Warning,
                &op.pointer,
                format!("{} has no tags", op.label()),
            );
        } else {
            tagged += 1;
        }
        for t in &op.tags {
            tag_uses += 1;
            if spec.tag(t).is_some_and(|t| t.declared) {
                tag_defined += 1;
            } else {
                out.add(
                    "operation-tag-defined",
                    Severity::Warning,
                    &op.pointer,
                    format!("tag `{t}` is not declared in the top-level tags"),
                );
            }
        }
    }
    let used = used_schemas(spec);
    let unused: Vec<_> = spec
        .schemas
        .iter()
        .filter(|s| !used.contains(s.name.as_str()))
        .collect();
    let rule = if spec.format == SpecFormat::Swagger20 {
        "oas2-unused-definition"
    } else {
        "oas3-unused-component"
    };
    for s in &unused {
        out.add(
            rule,
            Severity::Warning,
            &s.pointer,
            format!("schema `{}` is never used", s.name),
        );
    }
    for r in &spec.unresolved_refs {
        if r.dangling {
            out.add(
                "dangling-ref",
                Severity::Error,
                &r.pointer,
                format!("`$ref: {}` points at nothing", r.reference),
            );
        } else {
            out.add(
                "unresolved-ref",
                Severity::Info,
                &r.pointer,
                format!("`$ref: {}` is remote and was not fetched", r.reference),
            );
        }
    }
    let dangling = spec.unresolved_refs.iter().filter(|r| r.dangling).count();
    let n = spec.schemas.len();
    let score = mix(&[
        (35.0, ratio(tagged, ops.len())),
        (15.0, ratio(tag_defined, tag_uses)),
        (30.0, ratio(n - unused.len(), n)),
        (20.0, if dangling == 0 { 1.0 } else { 0.0 }),
    ]);
    let detail = format!(
        "{tagged} of {} operations are tagged; {} of {n} schemas are used; {dangling} dangling references",
        ops.len(),
        n - unused.len()
    );
    cat("hygiene", 5, score, detail)
}

/// Named schemas reachable from operations and webhooks (through refs and discriminator mappings).
fn used_schemas(spec: &Spec) -> HashSet<&str> {
    let mut queue: Vec<String> = Vec::new();
    for op in spec.operations.iter().chain(&spec.webhooks) {
        for s in op_schemas(op) {
            referenced_names(s, &mut queue);
        }
    }
    let mut used: HashSet<&str> = HashSet::new();
    while let Some(name) = queue.pop() {
        let Some(doc) = spec.schemas.iter().find(|s| s.name == name) else {
            continue;
        };
        if !used.insert(doc.name.as_str()) {
            continue;
        }
        let mut next = Vec::new();
        referenced_names(&doc.schema, &mut next);
        mapping_names(&doc.schema, &mut next);
        queue.extend(next.into_iter().filter(|n| !used.contains(n.as_str())));
    }
    used
}

fn mapping_names(s: &Schema, out: &mut Vec<String>) {
    if let Some(d) = &s.discriminator {
        for (_, target) in &d.mapping {
            let name = target.rsplit('/').next().unwrap_or(target);
            out.push(crate::parse::refs::unescape(name));
        }
    }
}

fn op_schemas(op: &Operation) -> impl Iterator<Item = &Schema> {
    let params = op.parameters.iter().filter_map(|p| p.schema.as_ref());
    let body = op
        .request_body
        .iter()
        .flat_map(|b| &b.content)
        .filter_map(|m| m.schema.as_ref());
    let resp = op.responses.iter().flat_map(|r| {
        r.content
            .iter()
            .filter_map(|m| m.schema.as_ref())
            .chain(r.headers.iter().filter_map(|h| h.schema.as_ref()))
    });
    params.chain(body).chain(resp)
}
