//! Shared scoring machinery: the context every category function gets (the spec, a name index of
//! named schemas, the findings being collected), ratio arithmetic, and a walk over every schema
//! node in the spec with the JSON pointer of each node.

use std::collections::HashMap;
use std::rc::Rc;

use super::catalogue::{Category, Rule};
use super::formats::Patterns;
use super::{CategoryScore, Finding};
use crate::model::{AdditionalProperties, Operation, Schema, Spec, Text};
use crate::parse::SpecFormat;
use crate::parse::refs::escape;

/// What every category function works with.
pub(super) struct Ctx<'s> {
    pub spec: &'s Spec,
    pub swagger: bool,
    named: HashMap<&'s str, &'s Schema>,
    /// Every schema node, built once.
    pub nodes: Rc<Nodes<'s>>,
    /// `pattern`s compiled so far, shared by every example check.
    pub patterns: Patterns,
    pub findings: Vec<Finding>,
}

impl<'s> Ctx<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        Ctx {
            spec,
            swagger: spec.format == SpecFormat::Swagger20,
            named: spec
                .schemas
                .iter()
                .map(|d| (d.name.as_str(), &d.schema))
                .collect(),
            nodes: Rc::new(Nodes::new(spec)),
            patterns: Patterns::default(),
            findings: Vec::new(),
        }
    }

    /// The named schema `name`.
    pub fn named(&self, name: &str) -> Option<&'s Schema> {
        self.named.get(name).copied()
    }

    /// Records a finding of `rule` at `pointer`.
    pub fn add(&mut self, rule: &'static Rule, pointer: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            rule_id: rule.id.to_string(),
            severity: rule.severity,
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }

    /// Picks the Swagger 2.0 or the OpenAPI 3 variant of a rule.
    pub fn pick(&self, oas2: &'static Rule, oas3: &'static Rule) -> &'static Rule {
        if self.swagger { oas2 } else { oas3 }
    }
}

/// `n / d` in 0.0..=1.0; `None` (nothing to measure) when `d` is 0.
pub(super) fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Weighted mix of ratios → 0..=100. Parts with nothing to measure are left out and the other
/// weights renormalised; when nothing at all can be measured the score is 100 (nothing is wrong).
pub(super) fn mix(parts: &[(f64, Option<f64>)]) -> u32 {
    let measured = parts.iter().filter_map(|(w, r)| r.map(|r| (*w, r)));
    let (total, sum) = measured.fold((0.0, 0.0), |(t, s), (w, r)| (t + w, s + w * r));
    if total <= 0.0 {
        return 100;
    }
    (sum / total * 100.0).round().clamp(0.0, 100.0) as u32
}

/// A pass/fail part of a mix.
pub(super) fn flag(ok: bool) -> Option<f64> {
    Some(if ok { 1.0 } else { 0.0 })
}

/// Authored (not generated, not blank) prose.
pub(super) fn authored(t: &Option<Text>) -> bool {
    t.as_ref().is_some_and(|t| !t.generated)
}

pub(super) fn category(category: Category, score: u32, detail: String) -> CategoryScore {
    CategoryScore {
        category: category.id().to_string(),
        weight: category.weight(),
        score,
        detail,
    }
}

/// 2xx or 3xx (including `2XX`).
pub(super) fn is_success(status: &str) -> bool {
    status.starts_with('2') || status.starts_with('3')
}

/// 4xx, 5xx or `default`.
pub(super) fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5') || status == "default"
}

/// Where a schema sits, for rules that care (property descriptions, constraints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Site {
    /// The root of a named schema.
    Named,
    /// An object property.
    Property,
    /// Anything else (items, compositions, bodies, parameters, headers).
    Other,
}

/// How a node hangs off its parent, for rebuilding its pointer only when a finding needs it.
enum Seg<'s> {
    /// A root: index into `Nodes::roots`.
    Root(usize),
    Prop(&'s str),
    Items,
    Additional,
    Composition(&'static str, usize),
    Not,
}

/// One schema node and where it is.
pub(super) struct Node<'s> {
    pub schema: &'s Schema,
    pub site: Site,
    parent: usize,
    seg: Seg<'s>,
}

/// Every schema node of the spec (named schemas, then operations' parameters, bodies and
/// headers), depth first, built once per score. `$ref`s to named schemas are not followed (the
/// named schema is walked once on its own). Pointers are rebuilt on demand by [`Nodes::pointer`].
pub(super) struct Nodes<'s> {
    pub list: Vec<Node<'s>>,
    /// Root pointers, and whether the pointer can be extended into the schema.
    roots: Vec<(String, bool)>,
}

impl<'s> Nodes<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        let mut n = Nodes {
            list: Vec::new(),
            roots: Vec::new(),
        };
        let swagger = spec.format == SpecFormat::Swagger20;
        for doc in &spec.schemas {
            n.root(&doc.schema, doc.pointer.clone(), Site::Named, true);
        }
        for op in &spec.operations {
            for p in &op.parameters {
                if let (Some(s), Some(ptr)) = (&p.schema, &p.schema_pointer) {
                    n.root(s, ptr.clone(), Site::Other, true);
                }
            }
            for (s, ptr, exact) in body_schemas(swagger, op) {
                n.root(s, ptr, Site::Other, exact);
            }
        }
        n
    }

    fn root(&mut self, s: &'s Schema, pointer: String, site: Site, exact: bool) {
        self.roots.push((pointer, exact));
        let seg = Seg::Root(self.roots.len() - 1);
        self.walk(s, usize::MAX, seg, site);
    }

    fn walk(&mut self, s: &'s Schema, parent: usize, seg: Seg<'s>, site: Site) {
        let me = self.list.len();
        self.list.push(Node {
            schema: s,
            site,
            parent,
            seg,
        });
        for p in &s.properties {
            self.walk(&p.schema, me, Seg::Prop(&p.name), Site::Property);
        }
        if let Some(i) = &s.items {
            self.walk(i, me, Seg::Items, Site::Other);
        }
        if let Some(AdditionalProperties::Schema(a)) = &s.additional_properties {
            self.walk(a, me, Seg::Additional, Site::Other);
        }
        for (key, list) in [
            ("oneOf", &s.one_of),
            ("anyOf", &s.any_of),
            ("allOf", &s.all_of),
        ] {
            for (i, x) in list.iter().enumerate() {
                self.walk(x, me, Seg::Composition(key, i), Site::Other);
            }
        }
        if let Some(n) = &s.not {
            self.walk(n, me, Seg::Not, Site::Other);
        }
    }

    /// The JSON pointer of node `i`.
    pub fn pointer(&self, i: usize) -> String {
        let mut segs: Vec<&Seg<'s>> = Vec::new();
        let mut at = i;
        loop {
            let node = &self.list[at];
            if let Seg::Root(r) = node.seg {
                let (base, exact) = &self.roots[r];
                if !exact {
                    return base.clone();
                }
                let mut p = base.clone();
                for seg in segs.iter().rev() {
                    match *seg {
                        Seg::Prop(name) => {
                            p.push_str("/properties/");
                            p.push_str(&escape(name));
                        }
                        Seg::Items => p.push_str("/items"),
                        Seg::Additional => p.push_str("/additionalProperties"),
                        Seg::Composition(key, i) => p.push_str(&format!("/{key}/{i}")),
                        Seg::Not => p.push_str("/not"),
                        Seg::Root(_) => {}
                    }
                }
                return p;
            }
            segs.push(&node.seg);
            at = node.parent;
        }
    }
}

/// Request and response body schemas (and response header schemas) of an operation, with their
/// pointers and whether the pointer can be extended into the schema.
fn body_schemas(swagger: bool, op: &Operation) -> Vec<(&Schema, String, bool)> {
    let mut out = Vec::new();
    if let Some(body) = &op.request_body {
        for mt in &body.content {
            if let Some(s) = &mt.schema {
                out.push((s, media_ptr(swagger, op, None, &mt.media_type), !swagger));
            }
        }
    }
    for r in &op.responses {
        for mt in &r.content {
            if let Some(s) = &mt.schema {
                out.push((
                    s,
                    media_ptr(swagger, op, Some(&r.status), &mt.media_type),
                    true,
                ));
            }
        }
        for h in &r.headers {
            if let Some(s) = &h.schema {
                let base = format!(
                    "{}/responses/{}/headers/{}",
                    op.pointer,
                    escape(&r.status),
                    escape(&h.name)
                );
                let ptr = if swagger {
                    base
                } else {
                    format!("{base}/schema")
                };
                out.push((s, ptr, true));
            }
        }
    }
    out
}

/// Pointer to the schema of a body: the request body (`status` None) or a response.
/// Swagger 2.0 body parameters are reported at the operation.
pub(super) fn media_pointer(
    ctx: &Ctx<'_>,
    op: &Operation,
    status: Option<&str>,
    media: &str,
) -> String {
    media_ptr(ctx.swagger, op, status, media)
}

fn media_ptr(swagger: bool, op: &Operation, status: Option<&str>, media: &str) -> String {
    match (status, swagger) {
        (None, true) => op.pointer.clone(),
        (None, false) => format!(
            "{}/requestBody/content/{}/schema",
            op.pointer,
            escape(media)
        ),
        (Some(s), true) => format!("{}/responses/{}/schema", op.pointer, escape(s)),
        (Some(s), false) => format!(
            "{}/responses/{}/content/{}/schema",
            op.pointer,
            escape(s),
            escape(media)
        ),
    }
}
