//! The docs engine's score in its wire form, as stored with the job.

use specdoc_docs::{Score, Severity};
use specdoc_proto::job::v1 as pb;

/// The `specdoc.job.v1.QualityScore` of a score.
pub(crate) fn to_proto(score: &Score) -> pb::QualityScore {
    pb::QualityScore {
        overall: score.overall,
        categories: score
            .categories
            .iter()
            .map(|c| pb::CategoryScore {
                category: c.category.clone(),
                weight: c.weight,
                score: c.score,
                detail: c.detail.clone(),
            })
            .collect(),
        findings: score
            .findings
            .iter()
            .map(|f| pb::Finding {
                rule_id: f.rule_id.clone(),
                severity: match f.severity {
                    Severity::Error => pb::Severity::Error,
                    Severity::Warning => pb::Severity::Warning,
                    Severity::Info => pb::Severity::Info,
                    Severity::Hint => pb::Severity::Hint,
                } as i32,
                pointer: f.pointer.clone(),
                message: f.message.clone(),
            })
            .collect(),
    }
}
