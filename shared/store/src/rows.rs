//! Reading rows back into domain types. A value this version cannot read is reported as
//! [`Error::Corrupt`](crate::Error::Corrupt) rather than guessed at.

use crate::{Error, Result};
use specdoc_core::{
    Generation, Job, JobEvent, JobId, JobState, JobType, NewEvent, OutputFormat, Priority,
    ServiceName, SpecFormat, Step, StepStatus, TeamId,
};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The columns of `jobs`, in the order [`job`] reads them.
pub(crate) const JOB_COLUMNS: &str = "id, team_id, service_name, job_type, spec_format, \
    output_formats, priority, state, attempt, max_attempts, current_step, progress, error, \
    created_at, started_at, finished_at, last_seq, spec_bytes, quality_score, degraded, \
    idempotency_key, spec_version, lease_token, traceparent, generation, degraded_reason";

/// The columns of `job_events` that hold one event, in the order [`event`] reads them.
pub(crate) const EVENT_COLUMNS: &str =
    "job_id, seq, attempt, step, status, state, progress, message, created_at";

/// The columns of `job_events` with the rest of a run ([`event_run`] reads them): its later
/// events as [`run_rest`] text, and the number of its last event.
pub(crate) const EVENT_RUN_COLUMNS: &str = "job_id, seq, attempt, step, status, state, progress, \
    message, created_at, more_events, through_seq";

fn corrupt(table: &'static str, detail: impl Into<String>) -> Error {
    Error::Corrupt {
        table,
        detail: detail.into(),
    }
}

fn named<T>(
    table: &'static str,
    column: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T> {
    parse(text).ok_or_else(|| corrupt(table, format!("{column} = {text:?}")))
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

pub(crate) fn job(row: &AnyRow) -> Result<Job> {
    const T: &str = "jobs";
    let id: String = row.try_get("id")?;
    let team: String = row.try_get("team_id")?;
    let service: String = row.try_get("service_name")?;
    let formats: String = row.try_get("output_formats")?;
    let current_step: Option<String> = row.try_get("current_step")?;
    Ok(Job {
        id: named(T, "id", &id, |s| s.parse::<JobId>().ok())?,
        team: TeamId::parse_field(&team).map_err(|e| corrupt(T, e.to_string()))?,
        service: ServiceName::parse_field(&service).map_err(|e| corrupt(T, e.to_string()))?,
        job_type: named(
            T,
            "job_type",
            &row.try_get::<String, _>("job_type")?,
            JobType::from_name,
        )?,
        spec_format: named(
            T,
            "spec_format",
            &row.try_get::<String, _>("spec_format")?,
            SpecFormat::from_name,
        )?,
        output_formats: formats
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| named(T, "output_formats", s, OutputFormat::from_name))
            .collect::<Result<_>>()?,
        priority: named(
            T,
            "priority",
            &row.try_get::<String, _>("priority")?,
            Priority::from_name,
        )?,
        state: named(
            T,
            "state",
            &row.try_get::<String, _>("state")?,
            JobState::from_name,
        )?,
        attempt: count(row.try_get("attempt")?),
        max_attempts: count(row.try_get("max_attempts")?),
        current_step: current_step
            .map(|s| named(T, "current_step", &s, Step::from_name))
            .transpose()?,
        progress: count(row.try_get("progress")?),
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        last_seq: u64::try_from(row.try_get::<i64, _>("last_seq")?).unwrap_or(0),
        spec_bytes: u64::try_from(row.try_get::<i64, _>("spec_bytes")?).unwrap_or(0),
        quality_score: row.try_get::<Option<i64>, _>("quality_score")?.map(count),
        degraded: row.try_get::<i64, _>("degraded")? != 0,
        degraded_reason: row.try_get("degraded_reason")?,
        generation: named(
            T,
            "generation",
            &row.try_get::<String, _>("generation")?,
            Generation::from_name,
        )?,
        idempotency_key: row.try_get("idempotency_key")?,
        spec_version: row.try_get("spec_version")?,
        lease_token: row.try_get("lease_token")?,
        traceparent: row.try_get("traceparent")?,
    })
}

pub(crate) fn event(row: &AnyRow) -> Result<JobEvent> {
    const T: &str = "job_events";
    let id: String = row.try_get("job_id")?;
    Ok(JobEvent {
        job_id: named(T, "job_id", &id, |s| s.parse::<JobId>().ok())?,
        seq: u64::try_from(row.try_get::<i64, _>("seq")?).unwrap_or(0),
        attempt: count(row.try_get("attempt")?),
        time: row.try_get("created_at")?,
        event: NewEvent {
            step: named(
                T,
                "step",
                &row.try_get::<String, _>("step")?,
                Step::from_name,
            )?,
            status: named(
                T,
                "status",
                &row.try_get::<String, _>("status")?,
                StepStatus::from_name,
            )?,
            state: named(
                T,
                "state",
                &row.try_get::<String, _>("state")?,
                JobState::from_name,
            )?,
            progress: count(row.try_get("progress")?),
            message: row.try_get("message")?,
        },
    })
}

/// The events of a `job_events` row read with [`EVENT_RUN_COLUMNS`]: the first, then the rest of
/// its run, numbered on from the first.
pub(crate) fn event_run(row: &AnyRow) -> Result<Vec<JobEvent>> {
    let first = event(row)?;
    let Some(more) = row.try_get::<Option<String>, _>("more_events")? else {
        return Ok(vec![first]);
    };
    let rest: Vec<(String, String, String, u32, String)> = serde_json::from_str(&more)
        .map_err(|e| corrupt("job_events", format!("more_events: {e}")))?;
    const T: &str = "job_events";
    let mut run = Vec::with_capacity(rest.len() + 1);
    for (seq, (step, status, state, progress, message)) in (first.seq + 1..).zip(rest) {
        run.push(JobEvent {
            job_id: first.job_id,
            seq,
            attempt: first.attempt,
            time: first.time,
            event: NewEvent {
                step: named(T, "more_events", &step, Step::from_name)?,
                status: named(T, "more_events", &status, StepStatus::from_name)?,
                state: named(T, "more_events", &state, JobState::from_name)?,
                progress,
                message,
            },
        });
    }
    run.insert(0, first);
    Ok(run)
}

/// The stored form of the events after a run's first (`job_events.more_events`); `None` when
/// there are none.
pub(crate) fn run_rest<'e>(events: impl IntoIterator<Item = &'e NewEvent>) -> Option<String> {
    let rest: Vec<_> = events
        .into_iter()
        .map(|e| {
            (
                e.step.as_str(),
                e.status.as_str(),
                e.state.as_str(),
                e.progress,
                e.message.as_str(),
            )
        })
        .collect();
    (!rest.is_empty()).then(|| serde_json::to_string(&rest).unwrap_or_default())
}

/// The stored form of a list of output formats.
pub(crate) fn formats_text(formats: &[OutputFormat]) -> String {
    formats
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A statement's JSON input. Serializing these rows cannot fail; should it, it is reported as
/// the parameter's encoding error.
pub(crate) fn json_input<T: serde::Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)).into())
}

/// A query over SQL this crate assembled from its own constants and `$N` placeholders; values
/// are always bound, never formatted in.
pub(crate) fn query(
    sql: String,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
}

/// A statement built once ([`rows::query`](query) without formatting it at each call), for the
/// workers' batch statements.
pub(crate) fn query_once(
    sql: &'static std::sync::LazyLock<String>,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(std::sync::LazyLock::force(sql).as_str())
}
