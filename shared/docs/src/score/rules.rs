//! Scoring helpers and the content rules (documentation, examples, responses, schema quality);
//! the structural rules live in `structure`. One function per category. Each returns a 0–100 score built from ratios
//! (so API size does not matter), a human-readable raw metric, and its findings.

use super::{CategoryScore, Finding, Severity, structure};
use crate::model::{Schema, Spec, Text};
use crate::parse::refs::escape;

/// Rules whose findings trigger the validity gate.
pub(crate) const GATING_RULES: [&str; 2] = ["dangling-ref", "operation-operationId-unique"];

pub(super) struct Out<'f> {
    findings: &'f mut Vec<Finding>,
}

impl Out<'_> {
    pub(super) fn add(
        &mut self,
        rule: &str,
        severity: Severity,
        pointer: &str,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule_id: rule.to_string(),
            severity,
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }
}

/// `n / d` in 0.0..=1.0; an empty denominator counts as fully satisfied.
pub(super) fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 1.0 } else { n as f64 / d as f64 }
}

/// Weighted mix of ratios → 0..=100.
pub(super) fn mix(parts: &[(f64, f64)]) -> u32 {
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    let v: f64 = parts.iter().map(|(w, r)| w * r).sum::<f64>() / total.max(f64::EPSILON);
    (v * 100.0).round().clamp(0.0, 100.0) as u32
}

pub(super) fn authored(t: &Option<Text>) -> bool {
    t.as_ref().is_some_and(|t| !t.generated)
}

pub(super) fn cat(category: &str, weight: u32, score: u32, detail: String) -> CategoryScore {
    CategoryScore {
        category: category.to_string(),
        weight,
        score,
        detail,
    }
}

pub(crate) fn categories(spec: &Spec, findings: &mut Vec<Finding>) -> Vec<CategoryScore> {
    let mut out = Out { findings };
    vec![
        documentation(spec, &mut out),
        examples(spec, &mut out),
        responses(spec, &mut out),
        schema_quality(spec, &mut out),
        structure::naming(spec, &mut out),
        structure::security(spec, &mut out),
        structure::metadata(spec, &mut out),
        structure::hygiene(spec, &mut out),
    ]
}

fn documentation(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let ops = &spec.operations;
    let mut described = 0;
    let mut summarised = 0;
    let (mut params, mut params_described) = (0, 0);
    for op in ops {
        if authored(&op.description) {
            described += 1;
        } else {
            out.add(
                "operation-description",
                Severity::Warning,
                &op.pointer,
                format!("{} has no description", op.label()),
            );
        }
        if authored(&op.summary) {
            summarised += 1;
        } else {
            out.add(
                "operation-summary",
                Severity::Info,
                &op.pointer,
                format!("{} has no summary", op.label()),
            );
        }
        for p in &op.parameters {
            params += 1;
            if authored(&p.description) {
                params_described += 1;
            } else {
                out.add(
                    "parameter-description",
                    Severity::Hint,
                    &op.pointer,
                    format!("{} parameter `{}` has no description", p.location, p.name),
                );
            }
        }
    }
    let info_described = authored(&spec.description);
    if !info_described {
        out.add(
            "info-description",
            Severity::Warning,
            "/info",
            "info has no description",
        );
    }
    let declared: Vec<_> = spec.tags.iter().filter(|t| t.declared).collect();
    let tags_described = declared.iter().filter(|t| authored(&t.description)).count();
    for (i, t) in spec
        .tags
        .iter()
        .enumerate()
        .filter(|(_, t)| t.declared && !authored(&t.description))
    {
        out.add(
            "tag-description",
            Severity::Warning,
            &format!("/tags/{i}"),
            format!("tag `{}` has no description", t.name),
        );
    }
    let score = mix(&[
        (45.0, ratio(described, ops.len())),
        (20.0, ratio(summarised, ops.len())),
        (20.0, ratio(params_described, params)),
        (10.0, if info_described { 1.0 } else { 0.0 }),
        (5.0, ratio(tags_described, declared.len())),
    ]);
    let detail = format!(
        "{described} of {} operations have a description, {summarised} a summary; {params_described} of {params} parameters are described",
        ops.len()
    );
    cat("documentation_coverage", 25, score, detail)
}

/// Whether a schema carries an example itself or through the named schema it refers to.
fn schema_has_example(s: &Schema, spec: &Spec) -> bool {
    s.example.is_some()
        || s.ref_name()
            .and_then(|n| spec.schema(n))
            .is_some_and(|d| d.schema.example.is_some())
        || (s.types.first().is_some_and(|t| t == "array")
            && s.items
                .as_deref()
                .is_some_and(|i| schema_has_example(i, spec)))
}

fn examples(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let (mut bodies, mut with_example) = (0, 0);
    let (mut params, mut params_ex) = (0, 0);
    for op in &spec.operations {
        let request = op
            .request_body
            .iter()
            .flat_map(|b| b.content.iter().map(|m| (m, "request body".to_string())));
        let response = op
            .responses
            .iter()
            .filter(|r| is_success(&r.status))
            .flat_map(|r| {
                r.content
                    .iter()
                    .map(move |m| (m, format!("response {}", r.status)))
            });
        for (mt, what) in request.chain(response) {
            if mt.schema.is_none() && mt.examples.is_empty() {
                continue;
            }
            bodies += 1;
            if !mt.examples.is_empty()
                || mt
                    .schema
                    .as_ref()
                    .is_some_and(|s| schema_has_example(s, spec))
            {
                with_example += 1;
            } else {
                out.add(
                    "media-example",
                    Severity::Hint,
                    &op.pointer,
                    format!("{} {what} `{}` has no example", op.label(), mt.media_type),
                );
            }
        }
        for p in &op.parameters {
            params += 1;
            if p.example.is_some()
                || p.schema.as_ref().is_some_and(|s| {
                    s.example.is_some() || !s.enum_values.is_empty() || s.default.is_some()
                })
            {
                params_ex += 1;
            }
        }
    }
    let score = mix(&[
        (75.0, ratio(with_example, bodies)),
        (25.0, ratio(params_ex, params)),
    ]);
    let detail = format!(
        "{with_example} of {bodies} request/response bodies have an example; {params_ex} of {params} parameters"
    );
    cat("examples", 15, score, detail)
}

pub(super) fn is_success(status: &str) -> bool {
    status.starts_with('2') || status.starts_with('3')
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5') || status == "default"
}

fn responses(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let ops = &spec.operations;
    let (mut success, mut errors, mut resp, mut resp_desc) = (0, 0, 0, 0);
    for op in ops {
        if op.responses.iter().any(|r| is_success(&r.status)) {
            success += 1;
        } else {
            out.add(
                "operation-success-response",
                Severity::Warning,
                &op.pointer,
                format!("{} has no 2xx or 3xx response", op.label()),
            );
        }
        if op.responses.iter().any(|r| is_error(&r.status)) {
            errors += 1;
        } else {
            out.add(
                "operation-error-response",
                Severity::Info,
                &op.pointer,
                format!("{} documents no error response", op.label()),
            );
        }
        for r in &op.responses {
            resp += 1;
            if authored(&r.description) {
                resp_desc += 1;
            } else {
                let p = format!("{}/responses/{}", op.pointer, escape(&r.status));
                out.add(
                    "response-description",
                    Severity::Warning,
                    &p,
                    format!("response {} has no description", r.status),
                );
            }
        }
    }
    let score = mix(&[
        (50.0, ratio(success, ops.len())),
        (30.0, ratio(errors, ops.len())),
        (20.0, ratio(resp_desc, resp)),
    ]);
    let detail = format!(
        "{success} of {n} operations have a success response, {errors} of {n} document errors; {resp_desc} of {resp} responses are described",
        n = ops.len()
    );
    cat("responses_and_errors", 15, score, detail)
}

fn schema_quality(spec: &Spec, out: &mut Out<'_>) -> CategoryScore {
    let mut described = 0;
    let (mut props, mut typed, mut props_described) = (0, 0, 0);
    for doc in &spec.schemas {
        let s = &doc.schema;
        if authored(&s.description) || s.reference.is_some() {
            described += 1;
        } else {
            out.add(
                "schema-description",
                Severity::Hint,
                &doc.pointer,
                format!("schema `{}` has no description", doc.name),
            );
        }
        for p in s
            .properties
            .iter()
            .chain(s.all_of.iter().flat_map(|m| &m.properties))
        {
            props += 1;
            let ps = &p.schema;
            let has_type = !ps.types.is_empty()
                || ps.reference.is_some()
                || !ps.one_of.is_empty()
                || !ps.any_of.is_empty()
                || !ps.all_of.is_empty()
                || !ps.enum_values.is_empty()
                || ps.const_value.is_some();
            if has_type {
                typed += 1;
            } else {
                let ptr = format!("{}/properties/{}", doc.pointer, escape(&p.name));
                out.add(
                    "schema-property-type",
                    Severity::Hint,
                    &ptr,
                    format!("property `{}.{}` has no type", doc.name, p.name),
                );
            }
            if authored(&ps.description) {
                props_described += 1;
            }
        }
    }
    let n = spec.schemas.len();
    let score = mix(&[
        (35.0, ratio(described, n)),
        (35.0, ratio(typed, props)),
        (30.0, ratio(props_described, props)),
    ]);
    let detail = format!(
        "{described} of {n} schemas are described; {typed} of {props} properties have a type, {props_described} a description"
    );
    cat("schema_quality", 15, score, detail)
}
