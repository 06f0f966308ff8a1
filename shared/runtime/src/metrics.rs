//! Prometheus metrics, in the text exposition format via `prometheus-client`. One registry per
//! process, so `specdoc up` exposes the metrics of all three services on one `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;

/// Labels of job counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
}

/// Labels of finished-job counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `documentation` or `quality_score`.
    pub job_type: String,
    /// `completed`, `failed` or `cancelled`.
    pub state: String,
}

/// Labels of step histograms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    /// The pipeline step.
    pub step: String,
}

/// Every metric specdoc exports.
pub struct Metrics {
    /// Jobs accepted by SubmitJob.
    pub jobs_submitted: Family<JobLabels, Counter>,
    /// Jobs that reached a terminal state.
    pub jobs_finished: Family<OutcomeLabels, Counter>,
    /// Duration of pipeline steps in seconds.
    pub step_seconds: Family<StepLabels, Histogram>,
    registry: Registry,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("specdoc");
        let jobs_submitted = Family::<JobLabels, Counter>::default();
        let jobs_finished = Family::<OutcomeLabels, Counter>::default();
        let step_seconds = Family::<StepLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        registry.register(
            "jobs_submitted",
            "Jobs accepted by SubmitJob",
            jobs_submitted.clone(),
        );
        registry.register(
            "jobs_finished",
            "Jobs that reached a terminal state",
            jobs_finished.clone(),
        );
        registry.register(
            "step_duration_seconds",
            "Duration of pipeline steps",
            step_seconds.clone(),
        );
        Self {
            jobs_submitted,
            jobs_finished,
            step_seconds,
            registry,
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
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}
