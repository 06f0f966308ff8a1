//! Hygiene: unused named schemas, dangling and remote `$ref`s, `$ref` siblings (before 3.1),
//! path keys (trailing slash, query string, parameters matching the template) and Markdown that
//! carries script tags or `eval(`.

use std::collections::HashSet;

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, category, flag, mix, ratio};
use crate::common::referenced_names;
use crate::model::{Operation, Schema, Spec, Text};
use crate::parse::SpecFormat;
use crate::parse::refs::{escape, unescape};

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let used = used_schemas(spec);
    let unused_rule = ctx.pick(&c::OAS2_UNUSED_DEFINITION, &c::OAS3_UNUSED_COMPONENT);
    let mut unused = 0;
    for s in spec
        .schemas
        .iter()
        .filter(|s| !used.contains(s.name.as_str()))
    {
        unused += 1;
        ctx.add(
            unused_rule,
            &s.pointer,
            format!("schema `{}` is never used", s.name),
        );
    }
    for r in &spec.unresolved_refs {
        if r.dangling {
            ctx.add(
                &c::DANGLING_REF,
                &r.pointer,
                format!("`$ref: {}` points at nothing", r.reference),
            );
        } else {
            ctx.add(
                &c::UNRESOLVED_REF,
                &r.pointer,
                format!("`$ref: {}` is remote and was not fetched", r.reference),
            );
        }
    }
    let dangling = spec.unresolved_refs.iter().filter(|r| r.dangling).count();
    let mut flagged = 0;
    if spec.format != SpecFormat::OpenApi31 {
        let nodes = ctx.nodes.clone();
        for (i, node) in nodes.list.iter().enumerate() {
            if node.schema.ref_name().is_some() && node.schema.description.is_some() {
                flagged += 1;
                ctx.add(
                    &c::NO_REF_SIBLINGS,
                    &format!("{}/description", nodes.pointer(i)),
                    "`description` next to `$ref` is ignored",
                );
            }
        }
    }
    flagged += markdown(ctx);
    let (paths, clean) = path_keys(ctx);
    let (mut consistent, ops) = (0, spec.operations.len());
    for op in &spec.operations {
        consistent += usize::from(path_params(ctx, op));
    }
    let n = spec.schemas.len();
    let score = mix(&[
        (30.0, ratio(n - unused, n)),
        (20.0, flag(dangling == 0)),
        (20.0, ratio(clean, paths)),
        (15.0, ratio(consistent, ops)),
        (15.0, flag(flagged == 0)),
    ]);
    let detail = format!(
        "{} of {n} schemas are used; {dangling} dangling references; {clean} of {paths} paths are clean; {consistent} of {ops} operations match their path template; {flagged} $ref-sibling and Markdown problems",
        n - unused
    );
    category(Category::Hygiene, score, detail)
}

/// Counts distinct paths and the clean ones, reporting trailing slashes and query strings.
fn path_keys(ctx: &mut Ctx<'_>) -> (usize, usize) {
    let mut seen = HashSet::new();
    let mut clean = 0;
    for op in &ctx.spec.operations {
        let p = op.path.as_str();
        if !seen.insert(p) {
            continue;
        }
        let ptr = format!("/paths/{}", escape(p));
        let mut ok = true;
        if p.len() > 1 && p.ends_with('/') {
            ctx.add(
                &c::PATH_KEYS_NO_TRAILING_SLASH,
                &ptr,
                format!("path `{p}` ends with a slash"),
            );
            ok = false;
        }
        if p.contains('?') {
            ctx.add(
                &c::PATH_NOT_INCLUDE_QUERY,
                &ptr,
                format!("path `{p}` includes a query string"),
            );
            ok = false;
        }
        clean += usize::from(ok);
    }
    (seen.len(), clean)
}

/// Template variables and path parameters agree, and path parameters are required.
fn path_params(ctx: &mut Ctx<'_>, op: &Operation) -> bool {
    let vars: Vec<&str> = op
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(v, _)| v))
        .collect();
    let mut ok = true;
    for (i, v) in vars.iter().enumerate() {
        if vars[..i].contains(v) {
            ok = false;
            let ptr = format!("/paths/{}", escape(&op.path));
            ctx.add(
                &c::PATH_PARAMS,
                &ptr,
                format!("path `{}` uses `{{{v}}}` more than once", op.path),
            );
        }
    }
    for v in &vars {
        if !op
            .parameters
            .iter()
            .any(|p| p.location == "path" && p.name == *v)
        {
            ok = false;
            ctx.add(
                &c::PATH_PARAMS,
                &op.pointer,
                format!("{} has no path parameter for `{{{v}}}`", op.label()),
            );
        }
    }
    for p in op.parameters.iter().filter(|p| p.location == "path") {
        if !vars.contains(&p.name.as_str()) {
            ok = false;
            ctx.add(
                &c::PATH_PARAMS,
                &op.pointer,
                format!("path parameter `{}` is not in the path template", p.name),
            );
        } else if !p.required {
            ok = false;
            ctx.add(
                &c::PATH_PARAMS,
                &op.pointer,
                format!("path parameter `{}` must be required", p.name),
            );
        }
    }
    ok
}

/// Reports script tags and `eval(` in authored prose; returns how many were found.
fn markdown(ctx: &mut Ctx<'_>) -> usize {
    let spec = ctx.spec;
    let mut texts: Vec<(String, &str)> = Vec::new();
    let mut push = |ptr: String, t: &'_ Option<Text>| {
        if let Some(t) = t.as_ref().filter(|t| !t.generated) {
            let kind = unsafe_kind(&t.value);
            if !kind.is_empty() {
                texts.push((ptr, kind));
            }
        }
    };
    push("/info/description".into(), &spec.description);
    for (i, t) in spec.tags.iter().enumerate().filter(|(_, t)| t.declared) {
        push(format!("/tags/{i}/description"), &t.description);
    }
    for op in &spec.operations {
        push(format!("{}/description", op.pointer), &op.description);
        push(format!("{}/summary", op.pointer), &op.summary);
        for p in &op.parameters {
            push(op.pointer.clone(), &p.description);
        }
        for r in &op.responses {
            push(
                format!("{}/responses/{}/description", op.pointer, escape(&r.status)),
                &r.description,
            );
        }
    }
    let nodes = ctx.nodes.clone();
    for (i, node) in nodes.list.iter().enumerate() {
        let d = &node.schema.description;
        if d.as_ref()
            .is_some_and(|t| !unsafe_kind(&t.value).is_empty())
        {
            push(format!("{}/description", nodes.pointer(i)), d);
        }
    }
    let mut found = 0;
    for (ptr, kind) in texts {
        if kind.contains('s') {
            found += 1;
            ctx.add(
                &c::NO_SCRIPT_TAGS_IN_MARKDOWN,
                &ptr,
                "description contains a <script> tag",
            );
        }
        if kind.contains('e') {
            found += 1;
            ctx.add(
                &c::NO_EVAL_IN_MARKDOWN,
                &ptr,
                "description contains `eval(`",
            );
        }
    }
    found
}

/// "s" for a script tag, "e" for `eval(`, both, or "".
fn unsafe_kind(text: &str) -> &'static str {
    let script = text
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"<script"));
    let eval = text.contains("eval(");
    match (script, eval) {
        (true, true) => "se",
        (true, false) => "s",
        (false, true) => "e",
        (false, false) => "",
    }
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
        let Some(doc) = spec.schema(&name) else {
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
            out.push(unescape(name));
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
