//! specdoc's domain types, independent of transport and storage.
//!
//! The services speak protobuf at their edges (`specdoc-proto`) and store rows (`specdoc-store`),
//! but reason in these types: [`JobId`], [`JobState`] with its legal transitions, [`Step`],
//! [`JobEvent`], and the validated [`NewJob`] a submission becomes. Conversions from protobuf
//! validate (`TryFrom`) and report the offending field ([`Invalid`]); conversions back are total.

mod enums;
pub mod eta;
mod event;
mod ids;
mod job;
mod time;

pub use enums::{
    Generation, JobState, JobType, OutputFormat, Priority, SpecFormat, Step, StepStatus,
};
pub use event::{JobEvent, NewEvent};
pub use ids::{JobId, LeaseToken, ServiceName, TeamId};
pub use job::{Job, NewJob};
pub use time::{UnixMillis, from_timestamp, now_millis, timestamp};

/// A request field that failed validation: which field, and why. Becomes `INVALID_ARGUMENT`
/// with a `google.rpc.BadRequest` field violation at the gRPC edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The request field, e.g. `team_id`.
    pub field: &'static str,
    /// What is wrong with it, e.g. "must be 1-64 characters of A-Z a-z 0-9 . _ -".
    pub reason: String,
}

impl Invalid {
    /// An invalid-field error.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
