//! `--output json`: every command can print JSON for scripts instead of text for people.
//!
//! The field names are stable and documented in the README ("Scripting with --output json"):
//! snake_case, enums as their lowercase names (`completed`, `documentation`, `parse`), times as
//! Unix milliseconds (`*_ms`). Commands print one pretty JSON document; `watch` and
//! `submit --watch` print one compact JSON event per line (NDJSON), as they arrive.

use serde_json::{Value, json};
use specdoc_core::{Generation, JobState, JobType, OutputFormat, Priority, Step, StepStatus};
use specdoc_proto::job::v1 as pb;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Output {
    /// Tables and lines for people.
    #[default]
    Text,
    /// JSON for scripts.
    Json,
}

/// Prints one JSON document.
pub fn print(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

fn millis(ts: Option<&specdoc_proto::Timestamp>) -> Value {
    ts.map_or(Value::Null, |t| {
        json!(t.seconds * 1000 + i64::from(t.nanos) / 1_000_000)
    })
}

fn name<T: Copy>(value: Option<T>, as_str: fn(T) -> &'static str) -> Value {
    value.map_or(Value::Null, |v| json!(as_str(v)))
}

/// A job record.
pub fn job(job: &pb::Job) -> Value {
    json!({
        "job_id": job.job_id,
        "team_id": job.team_id,
        "service_name": job.service_name,
        "job_type": name(JobType::from_proto(job.job_type), JobType::as_str),
        "state": name(JobState::from_proto(job.state), JobState::as_str),
        "current_step": name(Step::from_proto(job.current_step), Step::as_str),
        "progress_percent": job.progress_percent,
        "priority": name(Priority::from_proto(job.priority), Priority::as_str),
        "output_formats": job.output_formats.iter()
            .filter_map(|f| OutputFormat::from_proto(*f)).map(OutputFormat::as_str).collect::<Vec<_>>(),
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "quality_score": job.quality_score,
        "degraded": job.degraded,
        "degraded_reason": (!job.degraded_reason.is_empty()).then_some(&job.degraded_reason),
        "generation": name(Generation::from_proto(job.generation), Generation::as_str),
        "error": (!job.error.is_empty()).then_some(&job.error),
        "created_at_ms": millis(job.created_at.as_ref()),
        "started_at_ms": millis(job.started_at.as_ref()),
        "finished_at_ms": millis(job.finished_at.as_ref()),
        "last_seq": job.last_seq,
        "spec_bytes": job.spec_bytes,
        "idempotency_key": (!job.idempotency_key.is_empty()).then_some(&job.idempotency_key),
        "trace_id": (!job.trace_id.is_empty()).then_some(&job.trace_id),
    })
}

/// One event of a job.
pub fn event(event: &pb::JobEvent) -> Value {
    json!({
        "job_id": event.job_id,
        "seq": event.seq,
        "attempt": event.attempt,
        "step": name(Step::from_proto(event.step), Step::as_str),
        "status": name(StepStatus::from_proto(event.status), StepStatus::as_str),
        "state": name(JobState::from_proto(event.state), JobState::as_str),
        "progress_percent": event.progress_percent,
        "message": event.message,
        "time_ms": millis(event.time.as_ref()),
    })
}

/// The queue's depth, workers and throughput.
pub fn queue(status: &specdoc_proto::scheduler::v1::GetQueueStatusResponse) -> Value {
    json!({
        "queued": status.queued,
        "processing": status.processing,
        "oldest_queued_age_seconds": status.oldest_queued_age_seconds,
        "throughput_per_second": status.throughput_per_second,
        "depths": status.depths.iter().map(|d| json!({
            "priority": name(Priority::from_proto(d.priority), Priority::as_str),
            "team_id": d.team_id,
            "queued": d.queued,
        })).collect::<Vec<_>>(),
        "workers": status.workers.iter().map(|w| json!({
            "worker_id": w.worker_id,
            "slots": w.slots,
            "running_job_ids": w.running_job_ids,
            "draining": w.draining,
            "last_heartbeat_ms": millis(w.last_heartbeat.as_ref()),
        })).collect::<Vec<_>>(),
    })
}
