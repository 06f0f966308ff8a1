//! The reconciler: the database is the record, so a job it holds as QUEUED but Redis lost (a
//! restart without persistence, a flush, a failover) is dispatched again. Dispatch is
//! idempotent (a job already queued or leased is left alone), so running this on a job Redis
//! still holds does nothing. It also reaps expired leases: the attempt of a worker that died or
//! stalled is ended in the record and the job dispatched again.

use crate::SchedulerApi;
use specdoc_core::{JobState, now_millis};
use specdoc_runtime::ApiError;

impl SchedulerApi {
    /// Ends the attempts whose leases expired and dispatches their jobs again. Returns how many
    /// jobs went back to the queue.
    pub async fn reap_expired_leases(&self) -> Result<usize, ApiError> {
        let mut requeued = 0;
        for (id, token) in self.queue.reclaim_expired(1000).await? {
            // A job whose workers keep dying (a poison pill) ends after its last attempt.
            let exhausted = self
                .store
                .get_job(id)
                .await?
                .is_some_and(|j| j.attempt >= j.max_attempts);
            let (next, message) = if exhausted {
                (
                    JobState::Failed,
                    "failed: the worker of every attempt stopped (crash, kill or stall)",
                )
            } else {
                (
                    JobState::Queued,
                    "lease expired: the worker stopped renewing it; retrying",
                )
            };
            if let Some(event) = self.store.end_attempt(id, &token, next, message).await? {
                tracing::warn!(job_id = %id, state = %next, "lease expired; attempt ended");
                if let Some(job) = self.store.get_job(id).await? {
                    let _ = self.queue.publish_event(&job.event_record(&event)).await;
                }
            }
            // Queued in the record (just now, or because the holder never started it): dispatch.
            if let Some(job) = self
                .store
                .get_job(id)
                .await?
                .filter(|j| j.state == JobState::Queued)
            {
                self.queue
                    .enqueue(&job.envelope(), &job.team, job.priority)
                    .await?;
                requeued += 1;
            }
        }
        Ok(requeued)
    }

    /// One pass: re-dispatches QUEUED jobs older than the grace period. Returns how many were
    /// dispatched again.
    pub async fn reconcile_once(&self) -> Result<usize, ApiError> {
        let grace = i64::try_from(self.config.reconcile_grace().as_millis()).unwrap_or(i64::MAX);
        let candidates = self.store.queued_before(now_millis() - grace, 1000).await?;
        let mut redispatched = 0;
        for job in candidates {
            if self
                .queue
                .enqueue(&job.envelope(), &job.team, job.priority)
                .await?
                .is_some()
            {
                tracing::warn!(job_id = %job.id, "re-dispatched a queued job redis did not hold");
                redispatched += 1;
            }
        }
        Ok(redispatched)
    }

    /// Runs [`reconcile_once`](Self::reconcile_once) on its interval until stopped.
    pub async fn run_reconciler(self) {
        let mut tick = tokio::time::interval(self.config.reconcile_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = self.reap_expired_leases().await {
                tracing::warn!(%error, "lease reaping failed");
            }
            if let Err(error) = self.reconcile_once().await {
                tracing::warn!(%error, "reconcile pass failed");
            }
        }
    }
}
