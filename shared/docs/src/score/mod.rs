//! Quality score (0–100) for a spec: eight weighted categories, each a mix of ratios so big and
//! small APIs compare fairly, plus findings from a fixed rule catalogue ([`rules`]) whose ids are
//! Spectral's where the rule is the same. A validity gate caps the overall score when the spec
//! has structural errors (findings of a gating rule). `docs/quality-rules.md` is rendered from
//! the catalogue by [`catalogue_markdown`].

mod catalogue;
mod differences;
mod docs;
mod examples;
mod formats;
mod hygiene;
mod metadata;
mod naming;
mod render;
mod responses;
mod schemas;
mod security;
mod util;
mod validate;

pub use catalogue::{Category, Origin, RULES, Rule, rule};
pub use render::catalogue_markdown;

use crate::model::Spec;

/// Overall score is capped at this when the spec has structural errors.
pub const VALIDITY_CAP: u32 = 40;

/// Every rule the scorer can report, grouped by category.
pub fn rules() -> &'static [Rule] {
    RULES
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Structural problem; triggers the validity gate for some rules.
    Error,
    /// Should be fixed.
    Warning,
    /// Worth knowing.
    Info,
    /// Nice to have.
    Hint,
}

impl Severity {
    /// Lower-case name: "error", "warning", "info", "hint".
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// One problem found in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Rule id, Spectral's where equivalent, e.g. "operation-description".
    pub rule_id: String,
    /// Severity.
    pub severity: Severity,
    /// JSON pointer into the source spec, e.g. "/paths/~1pets/get".
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// The score of one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryScore {
    /// Category id, e.g. "documentation_coverage".
    pub category: String,
    /// Weight in the overall score (weights sum to 100).
    pub weight: u32,
    /// 0..=100.
    pub score: u32,
    /// The raw metric, e.g. "312 of 417 operations have a description".
    pub detail: String,
}

/// The quality score of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// 0..=100, the weighted mean of the categories, capped by the validity gate.
    pub overall: u32,
    /// Category scores, in a fixed order.
    pub categories: Vec<CategoryScore>,
    /// Findings, ordered by severity, rule id, pointer, message.
    pub findings: Vec<Finding>,
}

impl Score {
    /// Whether the validity gate capped the overall score.
    pub fn gated(&self) -> bool {
        self.findings.iter().any(is_gating)
    }
}

fn is_gating(f: &Finding) -> bool {
    rule(&f.rule_id).is_some_and(|r| r.gating)
}

/// Scores a spec. Deterministic; generated prose (see [`crate::prose`]) does not count as documented.
pub fn score(spec: &Spec) -> Score {
    let mut ctx = util::Ctx::new(spec);
    let categories = vec![
        docs::score(&mut ctx),
        examples::score(&mut ctx),
        responses::score(&mut ctx),
        schemas::score(&mut ctx),
        naming::score(&mut ctx),
        security::score(&mut ctx),
        metadata::score(&mut ctx),
        hygiene::score(&mut ctx),
    ];
    let mut findings = ctx.findings;
    let total_weight: u32 = categories.iter().map(|c| c.weight).sum();
    let weighted: u32 = categories.iter().map(|c| c.weight * c.score).sum();
    let mut overall = (weighted + total_weight / 2)
        .checked_div(total_weight)
        .unwrap_or(0);
    findings.sort_by(|a, b| {
        (a.severity, &a.rule_id, &a.pointer, &a.message)
            .cmp(&(b.severity, &b.rule_id, &b.pointer, &b.message))
    });
    findings.dedup();
    if findings.iter().any(is_gating) {
        overall = overall.min(VALIDITY_CAP);
    }
    Score {
        overall: overall.min(100),
        categories,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Limits, parse};

    fn spec(yaml: &str) -> Spec {
        parse(yaml.as_bytes(), &Limits::default()).unwrap()
    }

    const GOOD: &str = r##"
openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
  description: A pet store.
  contact: {email: a@b.c}
  license: {name: MIT}
servers: [{url: "https://pets.dev/v1"}]
security: [{key: []}]
tags: [{name: pets, description: Pets.}]
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      description: Lists pets.
      tags: [pets]
      parameters:
        - {name: limit, in: query, description: Max items, schema: {type: integer}, example: 3}
      responses:
        "200":
          description: The pets.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
              example: [{id: 1}]
        default: {description: Error}
components:
  securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}
  schemas:
    Pet:
      description: A pet.
      properties:
        id: {type: integer, description: Id}
"##;

    #[test]
    fn good_spec_scores_high_and_bad_spec_is_gated() {
        let good = score(&spec(GOOD));
        assert!(good.overall >= 90, "{good:#?}");
        assert_eq!(good.categories.len(), 8);
        assert_eq!(good.categories.iter().map(|c| c.weight).sum::<u32>(), 100);
        assert!(!good.gated());

        let bad = GOOD.replace("#/components/schemas/Pet", "#/components/schemas/Missing");
        let bad = score(&spec(&bad));
        assert!(bad.overall <= VALIDITY_CAP);
        assert!(
            bad.findings
                .iter()
                .any(|f| f.rule_id == "dangling-ref" && f.severity == Severity::Error)
        );
        assert_eq!(bad.findings[0].severity, Severity::Error);
    }

    #[test]
    fn duplicate_operation_ids_gate_and_findings_are_sorted() {
        let dup = GOOD.replace("  /pets:\n", "  /dogs:\n    get: {operationId: listPets, responses: {\"200\": {description: ok}}}\n  /pets:\n");
        let s = score(&spec(&dup));
        assert!(
            s.findings
                .iter()
                .any(|f| f.rule_id == "operation-operationId-unique")
        );
        assert!(s.overall <= VALIDITY_CAP);
        let mut sorted = s.findings.clone();
        sorted.sort_by(|a, b| {
            (a.severity, &a.rule_id, &a.pointer).cmp(&(b.severity, &b.rule_id, &b.pointer))
        });
        assert_eq!(sorted, s.findings);
        assert_eq!(score(&spec(&dup)), s, "deterministic");
    }

    #[test]
    fn bare_spec_scores_low() {
        let s = score(&spec(
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /a/:\n    get:\n      responses: {}\n",
        ));
        assert!(s.overall < 50, "{s:#?}");
        for rule in [
            "operation-description",
            "operation-operationId",
            "info-contact",
            "oas3-api-servers",
            "operation-success-response",
            "path-keys-no-trailing-slash",
        ] {
            assert!(
                s.findings.iter().any(|f| f.rule_id == rule),
                "missing {rule}"
            );
        }
    }
}
