//! The docs engine's score in its wire form, as stored with the job.

use specdoc_docs::{Score, Severity};
use specdoc_proto::job::v1 as pb;

/// The `specdoc.job.v1.QualityScore` of a score (taking its strings rather than copying them).
pub(crate) fn to_proto(score: Score) -> pb::QualityScore {
    pb::QualityScore {
        overall: score.overall,
        categories: score
            .categories
            .into_iter()
            .map(|c| pb::CategoryScore {
                category: c.category,
                weight: c.weight,
                score: c.score,
                detail: c.detail,
            })
            .collect(),
        findings: score
            .findings
            .into_iter()
            .map(|f| pb::Finding {
                rule_id: f.rule_id,
                severity: match f.severity {
                    Severity::Error => pb::Severity::Error,
                    Severity::Warning => pb::Severity::Warning,
                    Severity::Info => pb::Severity::Info,
                    Severity::Hint => pb::Severity::Hint,
                } as i32,
                pointer: f.pointer,
                message: f.message,
            })
            .collect(),
    }
}
