//! The reconciler: the database is the record, so a job it holds as QUEUED but Redis lost (a
//! restart without persistence, a flush, a failover) is dispatched again. Dispatch is
//! idempotent (a job already queued or leased is left alone), so running this on a job Redis
//! still holds does nothing. It also reaps expired leases: the attempt of a worker that died or
//! stalled is ended in the record and the job dispatched again.

use crate::SchedulerApi;
use specdoc_core::{JobId, JobState, LeaseToken, now_millis};
use specdoc_runtime::ApiError;
use specdoc_runtime::metrics::{PriorityLabels, metrics};
use std::time::Duration;

/// How often the queue gauges are refreshed.
const QUEUE_GAUGE_INTERVAL: Duration = Duration::from_secs(5);

impl SchedulerApi {
    /// Ends the attempts whose leases expired and dispatches their jobs again. Returns how many
    /// jobs went back to the queue.
    pub async fn reap_expired_leases(&self) -> Result<usize, ApiError> {
        let reclaimed = self.queue.reclaim_expired(1000).await?;
        let mut requeued = 0;
        for (done, (id, token)) in reclaimed.iter().enumerate() {
            metrics().lease_reclaims.inc();
            match self.reap(*id, token).await {
                Ok(again) => requeued += usize::from(again),
                Err(error) => {
                    // The database or Redis failed: the leases not yet handled go back, already
                    // expired, so the next pass takes them again. Dropped here, they would be
                    // in no worker's hands and nowhere in Redis, and their jobs stuck.
                    if let Err(restore) =
                        self.queue.restore_expired_leases(&reclaimed[done..]).await
                    {
                        tracing::error!(%restore, "cannot hand reclaimed leases back");
                    }
                    return Err(error);
                }
            }
        }
        Ok(requeued)
    }

    /// Ends the attempt of one expired lease and dispatches its job again; true when it went
    /// back to the queue.
    async fn reap(&self, id: JobId, token: &LeaseToken) -> Result<bool, ApiError> {
        let Some(job) = self.store.get_job(id).await? else {
            return Ok(false);
        };
        // The holder's attempt ends in the record. If its start never reached the record (the
        // worker stopped before its first group commit), the record holds the job as startable
        // under another lease's token, and the attempt is counted all the same.
        let unstarted = matches!(job.state, JobState::Queued | JobState::Retrying)
            && job.lease_token.as_deref() != Some(token.0.as_str());
        let attempts = job.attempt + u32::from(unstarted);
        // A job whose workers keep dying (a poison pill) ends after its last attempt.
        let (next, message) = if attempts >= job.max_attempts {
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
        let ended = if unstarted {
            self.store
                .count_unstarted_attempt(id, job.attempt, next, message)
                .await?
        } else {
            self.store.end_attempt(id, token, next, message).await?
        };
        let job = match ended {
            Some((ended, event)) => {
                tracing::warn!(job_id = %id, state = %next, "lease expired; attempt ended");
                if next == JobState::Failed {
                    metrics().job_finished(
                        ended.job_type,
                        ended.team.as_str(),
                        "failed",
                        ended.created_at,
                    );
                }
                let _ = self.queue.publish_event(&ended.event_record(&event)).await;
                ended
            }
            None => job,
        };
        if job.state == JobState::Queued {
            self.queue
                .enqueue(&job.envelope(), &job.team, job.priority)
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// One pass: re-dispatches QUEUED jobs older than the grace period that Redis does not
    /// hold. Returns how many were dispatched again.
    pub async fn reconcile_once(&self) -> Result<usize, ApiError> {
        let grace = i64::try_from(self.config.reconcile_grace().as_millis()).unwrap_or(i64::MAX);
        let candidates = self.store.queued_before(now_millis() - grace, 1000).await?;
        let ids: Vec<_> = candidates.iter().map(|job| job.id).collect();
        let held = self.queue.holds(&ids).await?;
        let mut redispatched = 0;
        for (candidate, held) in candidates.into_iter().zip(held) {
            if held {
                continue;
            }
            // Missing from Redis: lost, or finished and acked since the list was read (a job
            // leaves Redis only after the record says it ended). The record, read again now,
            // tells which; re-dispatching a finished job would only run its start for nothing.
            let Some(job) = self.store.get_job(candidate.id).await? else {
                continue;
            };
            if job.state != JobState::Queued {
                continue;
            }
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

    /// Deletes jobs that finished more than `retention_days` ago, with their events and
    /// results, and the step events of jobs that finished more than `event_retention_days` ago
    /// (their terminal events stay). Returns how many jobs were deleted.
    pub async fn apply_retention(&self) -> Result<u64, ApiError> {
        let days_ago = |days: u32| now_millis() - i64::from(days) * 86_400_000;
        if self.config.event_retention_days > 0 {
            let pruned = self
                .store
                .prune_events_finished_before(days_ago(self.config.event_retention_days))
                .await?;
            if pruned > 0 {
                tracing::info!(
                    pruned,
                    days = self.config.event_retention_days,
                    "retention pruned the step events of old jobs"
                );
            }
        }
        if self.config.retention_days == 0 {
            return Ok(0);
        }
        let deleted = self
            .store
            .delete_finished_before(days_ago(self.config.retention_days))
            .await?;
        if deleted > 0 {
            tracing::info!(
                deleted,
                days = self.config.retention_days,
                "retention removed old jobs"
            );
        }
        Ok(deleted)
    }

    /// The periodic tasks ("beat"): lease reaping, re-dispatch and planner statistics of tables
    /// that grew on every interval, retention hourly. Any number of schedulers may run this; a
    /// leader lock in Redis makes exactly one of them do the work at a time, and another takes
    /// over when the leader stops.
    pub async fn run_periodic_tasks(self) {
        let holder = format!("scheduler-{}", uuid::Uuid::new_v4().simple());
        let lock_ttl = self.config.reconcile_interval * 3;
        let mut tick = tokio::time::interval(self.config.reconcile_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_retention: Option<tokio::time::Instant> = None;
        let mut leading = false;
        loop {
            tick.tick().await;
            match self.queue.lead(&holder, lock_ttl).await {
                Ok(now_leading) => {
                    if now_leading != leading {
                        tracing::info!(holder = %holder, leading = now_leading, "periodic-task leadership changed");
                    }
                    leading = now_leading;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot reach the leader lock");
                    leading = false;
                }
            }
            if !leading {
                continue;
            }
            if let Err(error) = self.reap_expired_leases().await {
                tracing::warn!(%error, "lease reaping failed");
            }
            if let Err(error) = self.reconcile_once().await {
                tracing::warn!(%error, "reconcile pass failed");
            }
            match self.store.refresh_statistics().await {
                Ok(tables) if !tables.is_empty() => {
                    tracing::debug!(?tables, "analysed tables that grew");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot refresh planner statistics"),
            }
            if last_retention.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(3600)) {
                last_retention = Some(tokio::time::Instant::now());
                if let Err(error) = self.apply_retention().await {
                    tracing::warn!(%error, "retention failed");
                }
            }
        }
    }

    /// Keeps the queue gauges (`specdoc_queue_depth`, `specdoc_queue_oldest_job_age_seconds`)
    /// current. Every replica runs it (it only reads), so whichever one is scraped is right.
    pub async fn run_queue_gauges(self) {
        let mut tick = tokio::time::interval(QUEUE_GAUGE_INTERVAL);
        loop {
            tick.tick().await;
            let backlog = match self.queue.backlog().await {
                Ok(backlog) => backlog,
                Err(error) => {
                    tracing::debug!(%error, "cannot read the backlog for the queue gauges");
                    continue;
                }
            };
            let now = now_millis();
            for entry in backlog {
                let labels = PriorityLabels {
                    priority: entry.priority.to_string(),
                };
                let age_ms = entry
                    .oldest
                    .and_then(|id| id.created_at_millis())
                    .map_or(0, |created| (now - created).max(0));
                let m = metrics();
                m.queue_depth
                    .get_or_create(&labels)
                    .set(i64::try_from(entry.queued).unwrap_or(i64::MAX));
                m.queue_oldest_seconds
                    .get_or_create(&labels)
                    .set(age_ms as f64 / 1000.0);
            }
        }
    }
}
