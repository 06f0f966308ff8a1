//! Prometheus metrics, in the text exposition format via `prometheus-client`. One registry per
//! process, so `specdoc up` exposes the metrics of all three services on one `/metrics`.
//!
//! Every name starts with `specdoc_`. Labels are bounded: job types, states, steps, priorities
//! and gRPC methods are closed sets, and teams are capped at [`MAX_TEAM_LABELS`] distinct values
//! per process (later teams are counted under `team="_other"`), so a deployment with thousands
//! of teams cannot blow up the time-series count.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::fmt::Display;
use std::sync::atomic::AtomicU64;
use std::sync::{LazyLock, Mutex};

/// Distinct `team` label values one process reports before folding the rest into `_other`.
pub const MAX_TEAM_LABELS: usize = 100;

/// The `job_type` label values.
pub const JOB_TYPES: [&str; 2] = ["documentation", "quality_score"];
/// The `priority` label values.
pub const PRIORITIES: [&str; 3] = ["high", "normal", "low"];
/// The `outcome` label values of LLM calls.
pub const LLM_OUTCOMES: [&str; 5] = ["ok", "error", "timeout", "rejected", "rate_limited"];

/// Labels of per-job counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
    /// The owning team (bounded, see [`MAX_TEAM_LABELS`]).
    pub team: String,
}

impl JobLabels {
    /// Labels for a job of `job_type` owned by `team`.
    pub fn new(job_type: impl Display, team: &str) -> Self {
        Self {
            job_type: job_type.to_string(),
            team: team_label(team),
        }
    }
}

/// Labels of per-team counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TeamLabels {
    /// The team (bounded, see [`MAX_TEAM_LABELS`]).
    pub team: String,
}

/// Labels of finished-job counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
    /// The owning team (bounded).
    pub team: String,
    /// `completed`, `failed` or `cancelled`.
    pub state: String,
}

impl OutcomeLabels {
    /// Labels for a job of `job_type` owned by `team` that ended in `state`.
    pub fn new(job_type: impl Display, team: &str, state: &str) -> Self {
        Self {
            job_type: job_type.to_string(),
            team: team_label(team),
            state: state.to_owned(),
        }
    }
}

/// Labels of end-to-end durations.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DurationLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
    /// `completed`, `failed` or `cancelled`.
    pub state: String,
}

/// Labels of metrics kept per job type only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobTypeLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
}

/// Labels of step histograms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    /// The pipeline step.
    pub step: String,
}

/// Labels of queue gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PriorityLabels {
    /// `high`, `normal` or `low`.
    pub priority: String,
}

/// Labels of LLM call counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LlmLabels {
    /// `ok`, `error` or `timeout`.
    pub outcome: String,
}

/// Labels of the open-stream gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamLabels {
    /// `WatchJob` or `WatchJobs`.
    pub rpc: String,
}

/// Labels of gRPC request counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrpcLabels {
    /// Fully qualified service, e.g. `specdoc.scheduler.v1.SchedulerService`.
    pub service: String,
    /// Method, e.g. `SubmitJob`.
    pub method: String,
    /// gRPC status code name, e.g. `OK`, `INVALID_ARGUMENT`.
    pub code: String,
}

/// Labels of gRPC latency histograms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrpcMethodLabels {
    /// Fully qualified service.
    pub service: String,
    /// Method.
    pub method: String,
}

/// Every metric specdoc exports.
pub struct Metrics {
    /// Jobs accepted by SubmitJob.
    pub jobs_submitted: Family<JobLabels, Counter>,
    /// Jobs that reached a terminal state.
    pub jobs_finished: Family<OutcomeLabels, Counter>,
    /// Submissions refused with RESOURCE_EXHAUSTED by a team quota.
    pub quota_refusals: Family<TeamLabels, Counter>,
    /// Submission to terminal state, in seconds.
    pub job_seconds: Family<DurationLabels, Histogram>,
    /// Duration of pipeline steps in seconds.
    pub step_seconds: Family<StepLabels, Histogram>,
    /// Queued jobs per priority (refreshed by the scheduler every few seconds).
    pub queue_depth: Family<PriorityLabels, Gauge>,
    /// Age of the oldest queued job per priority, in seconds (0 when none is queued).
    pub queue_oldest_seconds: Family<PriorityLabels, Gauge<f64, AtomicU64>>,
    /// Attempts that failed transiently and were scheduled again.
    pub retries: Family<JobTypeLabels, Counter>,
    /// Expired leases taken back from dead or stalled workers.
    pub lease_reclaims: Counter,
    /// Calls to the LLM, by outcome.
    pub llm_requests: Family<LlmLabels, Counter>,
    /// LLM call latency in seconds.
    pub llm_seconds: Histogram,
    /// Documentation jobs whose prose came from the deterministic writer instead of the LLM.
    pub jobs_degraded: Family<JobTypeLabels, Counter>,
    /// Server streams (WatchJob, WatchJobs) open now.
    pub watch_streams: Family<StreamLabels, Gauge>,
    /// gRPC requests handled, by method and status code.
    pub grpc_requests: Family<GrpcLabels, Counter>,
    /// gRPC handling time in seconds (for streams: until the response headers).
    pub grpc_seconds: Family<GrpcMethodLabels, Histogram>,
    /// Errors returned by Redis (connection, script, protocol).
    pub redis_errors: Counter,
    /// Errors returned by the database driver (connection, query).
    pub database_errors: Counter,
    registry: Registry,
}

/// Buckets doubling from 10 ms (jobs: up to ~5 min).
fn job_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 16))
}

/// Buckets doubling from 1 ms (steps: up to ~30 s).
fn step_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Buckets doubling from 0.5 ms (RPCs: up to ~16 s).
fn rpc_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("specdoc");
        let metrics = Self {
            jobs_submitted: Family::default(),
            jobs_finished: Family::default(),
            quota_refusals: Family::default(),
            job_seconds: Family::new_with_constructor(job_buckets),
            step_seconds: Family::new_with_constructor(step_buckets),
            queue_depth: Family::default(),
            queue_oldest_seconds: Family::default(),
            retries: Family::default(),
            lease_reclaims: Counter::default(),
            llm_requests: Family::default(),
            llm_seconds: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            jobs_degraded: Family::default(),
            watch_streams: Family::default(),
            grpc_requests: Family::default(),
            grpc_seconds: Family::new_with_constructor(rpc_buckets),
            redis_errors: Counter::default(),
            database_errors: Counter::default(),
            registry: Registry::default(),
        };
        metrics.zero_closed_series();
        let m = &metrics;
        let r = &mut registry;
        r.register(
            "jobs_submitted",
            "Jobs accepted by SubmitJob",
            m.jobs_submitted.clone(),
        );
        r.register(
            "jobs_finished",
            "Jobs that reached a terminal state",
            m.jobs_finished.clone(),
        );
        r.register(
            "quota_refusals",
            "Submissions refused by a team quota",
            m.quota_refusals.clone(),
        );
        r.register(
            "job_duration_seconds",
            "Submission to terminal state",
            m.job_seconds.clone(),
        );
        r.register(
            "step_duration_seconds",
            "Duration of pipeline steps",
            m.step_seconds.clone(),
        );
        r.register(
            "queue_depth",
            "Queued jobs per priority",
            m.queue_depth.clone(),
        );
        r.register(
            "queue_oldest_job_age_seconds",
            "Age of the oldest queued job per priority",
            m.queue_oldest_seconds.clone(),
        );
        r.register(
            "job_retries",
            "Attempts scheduled again after a transient failure",
            m.retries.clone(),
        );
        r.register(
            "lease_reclaims",
            "Expired leases taken back from dead or stalled workers",
            m.lease_reclaims.clone(),
        );
        r.register(
            "llm_requests",
            "Calls to the LLM by outcome",
            m.llm_requests.clone(),
        );
        r.register(
            "llm_request_duration_seconds",
            "LLM call latency",
            m.llm_seconds.clone(),
        );
        r.register(
            "jobs_degraded",
            "Jobs documented by the deterministic writer instead of the LLM",
            m.jobs_degraded.clone(),
        );
        r.register(
            "watch_streams_open",
            "Server streams open now",
            m.watch_streams.clone(),
        );
        r.register(
            "grpc_server_requests",
            "gRPC requests handled, by method and status code",
            m.grpc_requests.clone(),
        );
        r.register(
            "grpc_server_request_duration_seconds",
            "gRPC handling time (streams: until the response headers)",
            m.grpc_seconds.clone(),
        );
        r.register(
            "redis_errors",
            "Errors returned by Redis",
            m.redis_errors.clone(),
        );
        r.register(
            "database_errors",
            "Errors returned by the database driver",
            m.database_errors.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// Creates every series whose labels are a closed set at zero, so dashboards and alerts
    /// see `0` rather than no data before the first event (`rate()` needs both points).
    fn zero_closed_series(&self) {
        for job_type in JOB_TYPES {
            let job_type = JobTypeLabels {
                job_type: job_type.into(),
            };
            let _ = self.retries.get_or_create(&job_type);
            let _ = self.jobs_degraded.get_or_create(&job_type);
        }
        for outcome in LLM_OUTCOMES {
            let _ = self.llm_requests.get_or_create(&LlmLabels {
                outcome: outcome.into(),
            });
        }
        for priority in PRIORITIES {
            let priority = PriorityLabels {
                priority: priority.into(),
            };
            let _ = self.queue_depth.get_or_create(&priority);
            let _ = self.queue_oldest_seconds.get_or_create(&priority);
        }
        for rpc in ["WatchJob", "WatchJobs"] {
            let _ = self
                .watch_streams
                .get_or_create(&StreamLabels { rpc: rpc.into() });
        }
    }

    /// The exposition text for `/metrics`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%error, "encoding metrics failed");
        }
        out
    }

    /// Counts a submission of `team` refused by its quota.
    pub fn quota_refused(&self, team: &str) {
        self.quota_refusals
            .get_or_create(&TeamLabels {
                team: team_label(team),
            })
            .inc();
    }

    /// Counts a job that reached `state` (`completed`, `failed` or `cancelled`), and its time
    /// from submission (`submitted_at_ms`, Unix milliseconds) to now.
    pub fn job_finished(
        &self,
        job_type: impl Display,
        team: &str,
        state: &str,
        submitted_at_ms: i64,
    ) {
        let job_type = job_type.to_string();
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.jobs_finished
            .get_or_create(&OutcomeLabels::new(&job_type, team, state))
            .inc();
        self.job_seconds
            .get_or_create(&DurationLabels {
                job_type,
                state: state.to_owned(),
            })
            .observe((now_ms - submitted_at_ms).max(0) as f64 / 1000.0);
    }

    /// Counts one open stream of `rpc` until the returned guard is dropped.
    pub fn stream_opened(&self, rpc: &str) -> OpenStream {
        let gauge = self
            .watch_streams
            .get_or_create(&StreamLabels { rpc: rpc.into() })
            .clone();
        gauge.inc();
        OpenStream(gauge)
    }
}

/// Decrements the open-streams gauge when the stream ends (however it ends).
#[derive(Debug)]
pub struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The `team` label for `team`: itself for the first [`MAX_TEAM_LABELS`] teams this process
/// sees, `_other` after that.
pub fn team_label(team: &str) -> String {
    static SEEN: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);
    let Ok(mut seen) = SEEN.lock() else {
        return "_other".into();
    };
    if seen.contains(team) {
        return team.to_owned();
    }
    if seen.len() < MAX_TEAM_LABELS {
        seen.insert(team.to_owned());
        return team.to_owned();
    }
    "_other".into()
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}
