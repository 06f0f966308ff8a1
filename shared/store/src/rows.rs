//! Reading rows back into domain types. A value this version cannot read is reported as
//! [`Error::Corrupt`](crate::Error::Corrupt) rather than guessed at.

use crate::{Error, Result};
use specdoc_core::{
    Generation, Job, JobEvent, JobId, JobState, JobType, NewEvent, OutputFormat, Priority,
    ServiceName, SpecFormat, Step, StepStatus, TeamId,
};
use sqlx::any::AnyRow;
use sqlx::postgres::PgRow;
use sqlx::{Any, Decode, Postgres, Row, Type};

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

/// A row of either driver ([`AnyRow`], or [`PgRow`] from the typed pool), read by column name.
pub(crate) trait Columns {
    /// The column's value.
    fn get<T: Readable>(&self, column: &str) -> Result<T>;
}

/// A type both drivers decode.
pub(crate) trait Readable:
    for<'r> Decode<'r, Any> + Type<Any> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Readable for T where
    T: for<'r> Decode<'r, Any> + Type<Any> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl Columns for AnyRow {
    fn get<T: Readable>(&self, column: &str) -> Result<T> {
        Ok(self.try_get(column)?)
    }
}

impl Columns for PgRow {
    fn get<T: Readable>(&self, column: &str) -> Result<T> {
        Ok(self.try_get(column)?)
    }
}

pub(crate) fn job(row: &impl Columns) -> Result<Job> {
    const T: &str = "jobs";
    let id: String = row.get("id")?;
    let team: String = row.get("team_id")?;
    let service: String = row.get("service_name")?;
    let formats: String = row.get("output_formats")?;
    let current_step: Option<String> = row.get("current_step")?;
    Ok(Job {
        id: named(T, "id", &id, |s| s.parse::<JobId>().ok())?,
        team: TeamId::parse_field(&team).map_err(|e| corrupt(T, e.to_string()))?,
        service: ServiceName::parse_field(&service).map_err(|e| corrupt(T, e.to_string()))?,
        job_type: named(
            T,
            "job_type",
            &row.get::<String>("job_type")?,
            JobType::from_name,
        )?,
        spec_format: named(
            T,
            "spec_format",
            &row.get::<String>("spec_format")?,
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
            &row.get::<String>("priority")?,
            Priority::from_name,
        )?,
        state: named(
            T,
            "state",
            &row.get::<String>("state")?,
            JobState::from_name,
        )?,
        attempt: count(row.get("attempt")?),
        max_attempts: count(row.get("max_attempts")?),
        current_step: current_step
            .map(|s| named(T, "current_step", &s, Step::from_name))
            .transpose()?,
        progress: count(row.get("progress")?),
        error: row.get("error")?,
        created_at: row.get("created_at")?,
        started_at: row.get("started_at")?,
        finished_at: row.get("finished_at")?,
        last_seq: u64::try_from(row.get::<i64>("last_seq")?).unwrap_or(0),
        spec_bytes: u64::try_from(row.get::<i64>("spec_bytes")?).unwrap_or(0),
        quality_score: row.get::<Option<i64>>("quality_score")?.map(count),
        degraded: row.get::<i64>("degraded")? != 0,
        degraded_reason: row.get("degraded_reason")?,
        generation: named(
            T,
            "generation",
            &row.get::<String>("generation")?,
            Generation::from_name,
        )?,
        idempotency_key: row.get("idempotency_key")?,
        spec_version: row.get("spec_version")?,
        lease_token: row.get("lease_token")?,
        traceparent: row.get("traceparent")?,
    })
}

pub(crate) fn event(row: &impl Columns) -> Result<JobEvent> {
    const T: &str = "job_events";
    let id: String = row.get("job_id")?;
    Ok(JobEvent {
        job_id: named(T, "job_id", &id, |s| s.parse::<JobId>().ok())?,
        seq: u64::try_from(row.get::<i64>("seq")?).unwrap_or(0),
        attempt: count(row.get("attempt")?),
        time: row.get("created_at")?,
        event: NewEvent {
            step: named(T, "step", &row.get::<String>("step")?, Step::from_name)?,
            status: named(
                T,
                "status",
                &row.get::<String>("status")?,
                StepStatus::from_name,
            )?,
            state: named(
                T,
                "state",
                &row.get::<String>("state")?,
                JobState::from_name,
            )?,
            progress: count(row.get("progress")?),
            message: row.get("message")?,
        },
    })
}

/// The events of a `job_events` row read with [`EVENT_RUN_COLUMNS`]: the first, then the rest of
/// its run, numbered on from the first.
pub(crate) fn event_run(row: &impl Columns) -> Result<Vec<JobEvent>> {
    let first = event(row)?;
    let Some(more) = row.get::<Option<String>>("more_events")? else {
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

/// A query over SQL this crate assembled from its own constants and `$N` placeholders; values
/// are always bound, never formatted in.
pub(crate) fn query(
    sql: String,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
}
