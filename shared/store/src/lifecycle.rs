//! Every state change of a job after admission. Each one is a single conditional UPDATE (a
//! compare-and-set on the job's state or on its lease token) that also bumps `last_seq`, plus the
//! event it describes, in one transaction. A change whose condition no longer holds changes
//! nothing and returns `None`: the caller lost its lease, or the job was cancelled meanwhile.

use crate::rows::{self, EVENT_COLUMNS, JOB_COLUMNS};
use crate::{Backend, Result, Store, events, rollups};
use specdoc_core::{
    Job, JobEvent, JobId, JobState, LeaseToken, NewEvent, OutputFormat, Step, now_millis,
};
use sqlx::{Any, Transaction};

/// What a successful job leaves behind.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Rendered documents.
    pub documents: Vec<(OutputFormat, Vec<u8>)>,
    /// Overall score and the encoded `specdoc.job.v1.QualityScore` report.
    pub quality: Option<(u32, Vec<u8>)>,
    /// Why generation fell back to the deterministic writer, when it did.
    pub degraded: Option<String>,
    /// The distinct ids of the quality rules with findings, for the statistics.
    pub failing_rules: Vec<String>,
}

/// One step event to record under a job's lease.
#[derive(Debug, Clone)]
pub struct StepWrite {
    /// The job.
    pub job: JobId,
    /// The lease the writer holds.
    pub lease: LeaseToken,
    /// The event.
    pub event: NewEvent,
}

/// The outcome of a cancellation request.
#[derive(Debug, Clone)]
pub enum CancelOutcome {
    /// The job is now CANCELLED. `was_running` tells whether a worker must be interrupted.
    Cancelled {
        /// The job after the change.
        job: Box<Job>,
        /// The cancellation event.
        event: JobEvent,
        /// True when the job was PROCESSING.
        was_running: bool,
    },
    /// The job had already finished in this state.
    AlreadyFinished(JobState),
    /// No such job.
    NotFound,
}

/// Runs the conditional update and, when it matched, appends `event` numbered by the new
/// `last_seq`.
async fn change(
    tx: &mut Transaction<'_, Any>,
    update: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    now: i64,
    event: &NewEvent,
) -> Result<Option<(Job, JobEvent)>> {
    let Some(row) = update.fetch_optional(&mut **tx).await? else {
        return Ok(None);
    };
    let job = rows::job(&row)?;
    let seq = i64::try_from(job.last_seq).unwrap_or(i64::MAX);
    let recorded = events::insert(tx, job.id, seq, i64::from(job.attempt), now, event).await?;
    Ok(Some((job, recorded)))
}

impl Store {
    /// Starts a new attempt of a QUEUED (or RETRYING) job under `lease`. `None` when the job is
    /// not startable any more (cancelled, finished, or taken by another worker).
    pub async fn start_attempt(
        &self,
        id: JobId,
        lease: &LeaseToken,
        worker: &str,
    ) -> Result<Option<(Job, JobEvent)>> {
        let now = now_millis();
        let mut tx = self.pool.begin().await?;
        let update = rows::query(format!(
            "UPDATE jobs SET state = 'processing', attempt = attempt + 1, lease_token = $2, \
             started_at = $3, current_step = NULL, progress = 0, last_seq = last_seq + 1 \
             WHERE id = $1 AND state IN ('queued', 'retrying') RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(lease.0.clone())
        .bind(now);
        let event = NewEvent::lifecycle(
            JobState::Processing,
            0,
            format!("started by worker {worker}"),
        );
        let changed = change(&mut tx, update, now, &event).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Records a step event of a running job. `None` when `lease` is no longer the job's lease.
    pub async fn record_step(
        &self,
        id: JobId,
        lease: &LeaseToken,
        event: &NewEvent,
    ) -> Result<Option<JobEvent>> {
        let write = StepWrite {
            job: id,
            lease: lease.clone(),
            event: event.clone(),
        };
        let mut recorded = self.record_steps(std::slice::from_ref(&write)).await?;
        Ok(recorded.pop().flatten())
    }

    /// Records step events of running jobs, in order, in one transaction: a worker's running
    /// jobs share one commit instead of paying one each. Each write is its own compare-and-set
    /// on its job's lease, so one job's lost lease (`None` in its place) does not affect the
    /// others; a database error fails them all, and each job treats it as transient.
    pub async fn record_steps(&self, writes: &[StepWrite]) -> Result<Vec<Option<JobEvent>>> {
        let now = now_millis();
        let mut tx = self.pool.begin().await?;
        let mut recorded = Vec::with_capacity(writes.len());
        for write in writes {
            let event = match self.backend {
                // One statement, one round trip: the guarded update feeds the event insert.
                Backend::Postgres => {
                    let row = rows::query(format!(
                        "WITH changed AS (UPDATE jobs SET last_seq = last_seq + 1, current_step = $3, progress = $4 \
                           WHERE id = $1 AND lease_token = $2 AND state = 'processing' \
                           RETURNING id, last_seq, attempt) \
                         INSERT INTO job_events ({EVENT_COLUMNS}) \
                         SELECT id, last_seq, attempt, $3, $5, $6, $4, $7, $8 FROM changed \
                         RETURNING {EVENT_COLUMNS}"
                    ))
                    .bind(write.job.to_string())
                    .bind(write.lease.0.clone())
                    .bind(write.event.step.as_str())
                    .bind(i64::from(write.event.progress))
                    .bind(write.event.status.as_str())
                    .bind(write.event.state.as_str())
                    .bind(write.event.message.as_str())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    row.as_ref().map(rows::event).transpose()?
                }
                // SQLite allows no UPDATE inside a WITH: the update, then the insert.
                Backend::Sqlite => {
                    let update = rows::query(format!(
                        "UPDATE jobs SET last_seq = last_seq + 1, current_step = $3, progress = $4 \
                         WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
                    ))
                    .bind(write.job.to_string())
                    .bind(write.lease.0.clone())
                    .bind(write.event.step.as_str())
                    .bind(i64::from(write.event.progress));
                    change(&mut tx, update, now, &write.event)
                        .await?
                        .map(|(_, e)| e)
                }
            };
            recorded.push(event);
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Completes a running job with its results, exactly once: only the holder of the current
    /// lease can, and only while the job is PROCESSING.
    pub async fn complete(
        &self,
        id: JobId,
        lease: &LeaseToken,
        results: &Results,
        message: &str,
    ) -> Result<Option<JobEvent>> {
        let now = now_millis();
        let mut tx = self.pool.begin().await?;
        let update = rows::query(format!(
            "UPDATE jobs SET state = 'completed', finished_at = $3, progress = 100, \
             current_step = $4, quality_score = $5, degraded = $6, degraded_reason = $7, \
             lease_token = NULL, \
             last_seq = last_seq + 1 \
             WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(lease.0.clone())
        .bind(now)
        .bind(Step::Store.as_str())
        .bind(
            results
                .quality
                .as_ref()
                .map(|(overall, _)| i64::from(*overall)),
        )
        .bind(i64::from(results.degraded.is_some()))
        .bind(results.degraded.as_deref());
        let event = NewEvent {
            step: Step::Store,
            status: specdoc_core::StepStatus::Succeeded,
            state: JobState::Completed,
            progress: 100,
            message: message.to_owned(),
        };
        let Some((job, recorded)) = change(&mut tx, update, now, &event).await? else {
            return Ok(None);
        };
        for (format, content) in &results.documents {
            sqlx::query("INSERT INTO job_documents (job_id, format, content) VALUES ($1, $2, $3)")
                .bind(id.to_string())
                .bind(format.as_str())
                .bind(content.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        if let Some((_, report)) = &results.quality {
            sqlx::query("INSERT INTO job_quality (job_id, report) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(report.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        rollups::record_finished(&mut tx, &job, &results.failing_rules).await?;
        tx.commit().await?;
        Ok(Some(recorded))
    }

    /// Ends a running attempt without results: FAILED for good, or back to QUEUED (released, or
    /// to be retried). Returns the job after the change and its event; `None` when `lease` is no
    /// longer the job's lease.
    pub async fn end_attempt(
        &self,
        id: JobId,
        lease: &LeaseToken,
        next: JobState,
        error: &str,
    ) -> Result<Option<(Job, JobEvent)>> {
        let now = now_millis();
        let mut tx = self.pool.begin().await?;
        let finished_at = next.is_terminal().then_some(now);
        let update = rows::query(format!(
            "UPDATE jobs SET state = $3, error = $4, finished_at = $5, lease_token = NULL, \
             last_seq = last_seq + 1 \
             WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(lease.0.clone())
        .bind(next.as_str())
        .bind(error.to_owned())
        .bind(finished_at);
        let progress = if next.is_terminal() { 100 } else { 0 };
        let event = NewEvent::lifecycle(next, progress, error);
        let changed = change(&mut tx, update, now, &event).await?;
        if let Some((job, _)) = &changed {
            rollups::record_finished(&mut tx, job, &[]).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Cancels a job that has not finished. A running job's lease is revoked in the same
    /// statement, so its worker can record nothing more.
    pub async fn cancel(&self, id: JobId, reason: &str) -> Result<CancelOutcome> {
        let now = now_millis();
        // Read the state first to tell a running job from a queued one (the update re-checks
        // it). Outside the transaction: SQLite's pool has a single connection.
        let Some(before) = self.get_job(id).await? else {
            return Ok(CancelOutcome::NotFound);
        };
        if before.state.is_terminal() {
            return Ok(CancelOutcome::AlreadyFinished(before.state));
        }
        let message = if reason.is_empty() {
            "cancelled".to_owned()
        } else {
            format!("cancelled: {reason}")
        };
        let update = rows::query(format!(
            "UPDATE jobs SET state = 'cancelled', error = $2, finished_at = $3, lease_token = NULL, \
             last_seq = last_seq + 1 \
             WHERE id = $1 AND state IN ('queued', 'retrying', 'processing') RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(message.clone())
        .bind(now);
        let event = NewEvent::lifecycle(JobState::Cancelled, before.progress, message);
        let mut tx = self.pool.begin().await?;
        match change(&mut tx, update, now, &event).await? {
            Some((job, event)) => {
                rollups::record_finished(&mut tx, &job, &[]).await?;
                tx.commit().await?;
                Ok(CancelOutcome::Cancelled {
                    job: Box::new(job),
                    event,
                    was_running: before.state == JobState::Processing,
                })
            }
            None => {
                drop(tx);
                // It finished between the read and the update.
                let state = self
                    .get_job(id)
                    .await?
                    .map_or(JobState::Cancelled, |j| j.state);
                Ok(CancelOutcome::AlreadyFinished(state))
            }
        }
    }
}
