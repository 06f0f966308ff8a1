//! Hygiene: unused named schemas, dangling and remote `$ref`s, `$ref` siblings (before 3.1),
//! path keys (trailing slash, query string), parameters (matching the template, declared once,
//! one body) and Markdown that carries script tags or `eval(`.

use std::collections::HashSet;

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, category, flag, mix, ratio};
use crate::common::referenced_names;
use crate::model::{DeclaredParameter, Operation, Schema, Spec, Text};
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
        // Both run, so every problem is reported.
        let template = path_params(ctx, op);
        let lists = parameter_lists(ctx, op);
        consistent += usize::from(template && lists);
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
        "{} of {n} schemas are used; {dangling} dangling references; {clean} of {paths} paths are clean; {consistent} of {ops} operations have consistent parameters; {flagged} $ref-sibling and Markdown problems",
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
                &p.pointer,
                format!("path parameter `{}` is not in the path template", p.name),
            );
        } else if !p.required {
            ok = false;
            ctx.add(
                &c::PATH_PARAMS,
                &p.pointer,
                format!("path parameter `{}` must be required", p.name),
            );
        }
    }
    for d in duplicates(op).filter(|d| d.location == "path") {
        ok = false;
        ctx.add(
            &c::PATH_PARAMS,
            &d.pointer,
            format!("path parameter `{}` is defined more than once", d.name),
        );
    }
    ok
}

/// Entries of the path item's or the operation's `parameters` list that repeat an earlier
/// entry of the same list (same `name` and `in`). The two lists may share a parameter: the
/// operation's entry overrides the path item's.
fn duplicates(op: &Operation) -> impl Iterator<Item = &DeclaredParameter> {
    let all = &op.declared_parameters;
    all.iter().enumerate().filter_map(|(i, d)| {
        all[..i]
            .iter()
            .any(|e| e.path_level == d.path_level && e.name == d.name && e.location == d.location)
            .then_some(d)
    })
}

/// Spectral's `operation-parameters`: no parameter twice in one list, and (Swagger 2.0) at most
/// one `body` parameter and never `body` together with `formData`, counted over the parameters
/// that apply to the operation. Messages do not name the operation, so a problem in a path
/// item's list that several operations share is one finding. Returns whether the operation is
/// clean.
fn parameter_lists(ctx: &mut Ctx<'_>, op: &Operation) -> bool {
    let mut ok = true;
    for d in duplicates(op) {
        ok = false;
        ctx.add(
            &c::OPERATION_PARAMETERS,
            &d.pointer,
            format!(
                "{} parameter `{}` is declared more than once in the same list",
                d.location, d.name
            ),
        );
    }
    let all = &op.declared_parameters;
    // What applies: the operation's own entries, and the path item's it does not override.
    let applies = all.iter().filter(|d| {
        !d.path_level
            || !all
                .iter()
                .any(|e| !e.path_level && e.name == d.name && e.location == d.location)
    });
    let bodies: Vec<&DeclaredParameter> =
        applies.clone().filter(|d| d.location == "body").collect();
    for extra in bodies.iter().skip(1) {
        ok = false;
        ctx.add(
            &c::OPERATION_PARAMETERS,
            &extra.pointer,
            "a second body parameter: an operation takes at most one",
        );
    }
    if let Some(body) = bodies.first()
        && applies.clone().any(|d| d.location == "formData")
    {
        ok = false;
        // At the list holding the body parameter: `…/parameters`.
        let list = body.pointer.rsplit_once('/').map_or("", |(l, _)| l);
        ctx.add(
            &c::OPERATION_PARAMETERS,
            list,
            "body and formData parameters together: an operation sends one or the other",
        );
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
            push(format!("{}/description", p.pointer), &p.description);
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

#[cfg(test)]
mod tests {
    use crate::parse::{Limits, parse};
    use crate::score::score;

    fn found(yaml: &str, rule: &str) -> Vec<String> {
        let spec = parse(yaml.as_bytes(), &Limits::default()).expect("parses");
        score(&spec)
            .findings
            .into_iter()
            .filter(|f| f.rule_id == rule)
            .map(|f| f.pointer)
            .collect()
    }

    #[test]
    fn openapi_3_duplicates_are_found_in_each_list_once() {
        // The path-level duplicate is shared by two operations but reported once.
        let yaml = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /pets:
    parameters:
      - {name: X-Trace, in: header, schema: {type: string}}
      - {name: X-Trace, in: header, schema: {type: string}}
    get:
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: q, in: query, schema: {type: integer}}
      responses: {'200': {description: ok}}
    post:
      responses: {'200': {description: ok}}
"#;
        assert_eq!(
            found(yaml, "operation-parameters"),
            [
                "/paths/~1pets/get/parameters/1",
                "/paths/~1pets/parameters/1"
            ]
        );
    }

    #[test]
    fn body_and_form_data_conflict_across_the_path_item_and_operation() {
        let yaml = r#"
swagger: '2.0'
info: {title: T, version: '1'}
paths:
  /pets:
    parameters: [{name: pet, in: body, schema: {type: object}}]
    post:
      parameters: [{name: name, in: formData, type: string}]
      responses: {'200': {description: ok}}
    put:
      # Overrides the path-level body parameter: one body.
      parameters: [{name: pet, in: body, schema: {type: string}}]
      responses: {'200': {description: ok}}
"#;
        assert_eq!(
            found(yaml, "operation-parameters"),
            ["/paths/~1pets/parameters"]
        );
    }
}
