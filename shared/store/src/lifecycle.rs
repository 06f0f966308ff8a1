//! Every state change of a job after admission. Each one is a single conditional UPDATE (a
//! compare-and-set on the job's state or on its lease token) that also bumps `last_seq`, plus the
//! event it describes, in one transaction. A change whose condition no longer holds changes
//! nothing and returns `None`: the caller lost its lease, or the job was cancelled meanwhile.

use crate::rows::{self, JOB_COLUMNS};
use crate::{LeasedWrite, Result, Store, events, rollups};
use specdoc_core::{Job, JobEvent, JobId, JobState, LeaseToken, NewEvent, now_millis};
use sqlx::{Any, Transaction};

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
pub(crate) async fn change(
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
    /// Starts a new attempt of a QUEUED (or RETRYING) job under `lease`, on its own: the
    /// workers' path ([`Store::startable`], [`crate::Startable::start`], then
    /// [`Store::record_leased`]) for one job. `None` when the job is not startable any more
    /// (cancelled, finished, or taken by another worker).
    pub async fn start_attempt(
        &self,
        id: JobId,
        lease: &LeaseToken,
        worker: &str,
    ) -> Result<Option<(Job, JobEvent)>> {
        let Some(Some(startable)) = self.startable(&[id]).await?.pop() else {
            return Ok(None);
        };
        let (started, start) = startable.start(lease, worker);
        let recorded = self.record_leased(&[LeasedWrite::Start(start)]).await?;
        Ok(recorded
            .into_iter()
            .next()
            .flatten()
            .map(|event| (started.job, event)))
    }

    /// Ends a running attempt without results: FAILED for good, or back to QUEUED (released, or
    /// to be retried). Returns the job after the change and its event; `None` when `lease` is no
    /// longer the job's lease. A job that goes back keeps the ended lease's token, so that the
    /// reaper can tell an attempt that ended in the record from one that never started there
    /// ([`Store::count_unstarted_attempt`]); only a start under a new lease makes it current.
    pub async fn end_attempt(
        &self,
        id: JobId,
        lease: &LeaseToken,
        next: JobState,
        error: &str,
    ) -> Result<Option<(Job, JobEvent)>> {
        let now = now_millis();
        let finished_at = next.is_terminal().then_some(now);
        let update = rows::query(format!(
            "UPDATE jobs SET state = $3, error = $4, finished_at = $5, \
             lease_token = CASE WHEN $5 IS NULL THEN lease_token END, last_seq = last_seq + 1 \
             WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(lease.0.clone())
        .bind(next.as_str())
        .bind(error.to_owned())
        .bind(finished_at);
        self.end(update, next, error, now).await
    }

    /// Counts an attempt whose worker stopped (a crash, a kill, a stall past its lease) before
    /// its start was recorded: workers record a start with the attempt's first events, so the
    /// record still holds the job as startable on the attempt before, `attempt`. It goes on to
    /// `next`, QUEUED or (after the last attempt) FAILED, one attempt further, so a spec that
    /// kills its worker at once still runs out of attempts. `None` when the record moved on.
    pub async fn count_unstarted_attempt(
        &self,
        id: JobId,
        attempt: u32,
        next: JobState,
        message: &str,
    ) -> Result<Option<(Job, JobEvent)>> {
        let now = now_millis();
        let finished_at = next.is_terminal().then_some(now);
        let update = rows::query(format!(
            "UPDATE jobs SET state = $3, attempt = attempt + 1, error = $4, finished_at = $5, \
             lease_token = NULL, last_seq = last_seq + 1 \
             WHERE id = $1 AND attempt = $2 AND state IN ('queued', 'retrying') \
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(id.to_string())
        .bind(i64::from(attempt))
        .bind(next.as_str())
        .bind(message.to_owned())
        .bind(finished_at);
        self.end(update, next, message, now).await
    }

    /// Runs `update`, an attempt's end taking its job to `next`, with its event and rollups.
    async fn end(
        &self,
        update: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
        next: JobState,
        message: &str,
        now: i64,
    ) -> Result<Option<(Job, JobEvent)>> {
        let mut tx = self.pool.begin().await?;
        let progress = if next.is_terminal() { 100 } else { 0 };
        let event = NewEvent::lifecycle(next, progress, message);
        let changed = change(&mut tx, update, now, &event).await?;
        if let Some((job, _)) = &changed {
            rollups::record_finished(&mut tx, self.backend(), &[(job.clone(), &[])]).await?;
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
                rollups::record_finished(&mut tx, self.backend(), &[(job.clone(), &[])]).await?;
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
