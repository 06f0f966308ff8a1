//! Job events: appended inside the transaction of the state change they describe, and read back
//! by sequence number for WatchJob. A row may hold a run of a job's events (see migration 0010).

use crate::rows::{self, EVENT_RUN_COLUMNS};
use crate::{Result, Store};
use specdoc_core::{JobEvent, JobId, NewEvent, UnixMillis};
use sqlx::{Any, Row, Transaction};

/// Inserts event `seq` of a job. Callers obtain `seq` by incrementing `jobs.last_seq` in the same
/// transaction, which serialises appends per job and keeps the numbering gap-free.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    job_id: JobId,
    seq: i64,
    attempt: i64,
    time: UnixMillis,
    event: &NewEvent,
) -> Result<JobEvent> {
    sqlx::query(
        "INSERT INTO job_events (job_id, seq, attempt, step, status, state, progress, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(job_id.to_string())
    .bind(seq)
    .bind(attempt)
    .bind(event.step.as_str())
    .bind(event.status.as_str())
    .bind(event.state.as_str())
    .bind(i64::from(event.progress))
    .bind(event.message.as_str())
    .bind(time)
    .execute(&mut **tx)
    .await?;
    Ok(JobEvent {
        job_id,
        seq: u64::try_from(seq).unwrap_or(0),
        attempt: u32::try_from(attempt).unwrap_or(0),
        time,
        event: event.clone(),
    })
}

impl Store {
    /// The lowest seq still stored for a job (retention prunes a finished job's step events);
    /// `None` when it has none.
    pub async fn first_event_seq(&self, job_id: JobId) -> Result<Option<u64>> {
        let row =
            rows::query("SELECT MIN(seq) AS first FROM job_events WHERE job_id = $1".to_owned())
                .bind(job_id.to_string())
                .fetch_one(&self.pool)
                .await?;
        let first: Option<i64> = row.try_get("first")?;
        Ok(first.and_then(|seq| u64::try_from(seq).ok()))
    }

    /// Events of a job with `seq > after_seq`, in order, at most `limit` of them.
    pub async fn events_after(
        &self,
        job_id: JobId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<JobEvent>> {
        // Each row holds at least one event, so `limit` rows reaching past `after_seq` hold at
        // least `limit` such events when the job has them.
        let rows = rows::query(format!(
            "SELECT {EVENT_RUN_COLUMNS} FROM job_events \
             WHERE job_id = $1 AND COALESCE(through_seq, seq) > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(job_id.to_string())
        .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::new();
        for row in &rows {
            events.extend(
                rows::event_run(row)?
                    .into_iter()
                    .filter(|event| event.seq > after_seq),
            );
        }
        events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(events)
    }
}
