//! The scheduler: the write side of job admission.
//!
//! `SubmitJob` validates the request and the spec (it must parse as JSON or YAML and declare a
//! supported version), commits the job, its spec and its first event to the database, and only
//! then dispatches it to Redis: the database is the record, Redis the fast path. If dispatch
//! fails the job is still accepted; the [`reconcile`] loop re-dispatches committed jobs that
//! Redis does not hold. Submissions that arrive together share one commit (group commit), and
//! `SubmitJobs` admits up to 1000 jobs in one call. `CancelJob` and `GetQueueStatus` complete
//! the API; [`AdminApi`] manages API tokens. The periodic tasks (reaping, re-dispatch,
//! retention) run under a leader lock, so any number of replicas is safe.

pub mod admin;
mod admission;
mod api;
pub mod cancel;
pub mod quota;
pub mod reconcile;

pub use admin::AdminApi;
pub use admission::MAX_JOBS_PER_CALL;
pub use api::{SchedulerApi, queue_status};
pub use cancel::cancel_job;

use std::time::Duration;

/// Scheduler settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest accepted spec in bytes.
    pub max_spec_bytes: usize,
    /// Attempts a job gets before it fails.
    pub max_attempts: u32,
    /// Limits on parsing untrusted specs.
    pub limits: specdoc_docs::Limits,
    /// How often to look for committed jobs Redis lost and expired leases.
    pub reconcile_interval: Duration,
    /// Days finished jobs are kept; 0 keeps them forever.
    pub retention_days: u32,
    /// Per-team submission quotas.
    pub quotas: quota::Quotas,
    /// Days a finished job keeps all its events; after that only the terminal one stays, and a
    /// WatchJob cursor before it answers OUT_OF_RANGE. 0 keeps them as long as the job.
    pub event_retention_days: u32,
}

impl Config {
    /// How old a QUEUED job must be before the reconciler re-dispatches it: long enough that a
    /// submission still dispatching is not raced (dispatch is idempotent anyway).
    pub fn reconcile_grace(&self) -> Duration {
        self.reconcile_interval * 2
    }
}

impl Default for Config {
    fn default() -> Self {
        let limits = specdoc_docs::Limits::default();
        Self {
            max_spec_bytes: limits.max_bytes,
            max_attempts: 3,
            limits,
            reconcile_interval: Duration::from_secs(5),
            retention_days: 30,
            event_retention_days: 7,
            quotas: quota::Quotas::default(),
        }
    }
}
