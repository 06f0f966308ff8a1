//! The reconciler: the database is the record, so a job it holds as QUEUED but Redis lost (a
//! restart without persistence, a flush, a failover) is dispatched again. Dispatch is
//! idempotent (a job already queued or leased is left alone), so running this on a job Redis
//! still holds does nothing.

use crate::SchedulerApi;
use specdoc_core::now_millis;
use specdoc_runtime::ApiError;

impl SchedulerApi {
    /// One pass: re-dispatches QUEUED jobs older than the grace period. Returns how many were
    /// dispatched again.
    pub async fn reconcile_once(&self) -> Result<usize, ApiError> {
        let grace = i64::try_from(self.config.reconcile_grace.as_millis()).unwrap_or(i64::MAX);
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
            if let Err(error) = self.reconcile_once().await {
                tracing::warn!(%error, "reconcile pass failed");
            }
        }
    }
}
