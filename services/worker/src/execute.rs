//! One attempt of one job: start it under the lease, keep the lease alive, run the pipeline
//! until it ends, is cancelled or times out, and record the outcome with a guarded write.

use crate::event_writer::{Pending, outcome};
use crate::pipeline::{Failure, Pipeline};
use crate::{Running, Worker};
use specdoc_core::{Job, JobId, JobState, now_millis};
use specdoc_queue::Leased;
use specdoc_runtime::metrics::{JobTypeLabels, metrics};
use specdoc_runtime::telemetry;
use specdoc_store::{StartWrite, Started};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

impl Worker {
    /// Reads freshly leased jobs and their specs in one database round trip; returns the jobs
    /// that can start, each with the write that records its start (handed to the event writer
    /// when it runs). A job that cannot start (cancelled while queued, already finished, a
    /// duplicate dispatch) is dropped from the queue. If the database fails, the leases expire
    /// and the jobs are reclaimed.
    pub(crate) async fn start_leased(
        &self,
        leased: Vec<Leased>,
    ) -> Vec<(Leased, Started, StartWrite)> {
        let ids: Vec<_> = leased.iter().map(|l| l.job_id).collect();
        let startable = match self.store.startable(&ids).await {
            Ok(startable) => startable,
            Err(error) => {
                tracing::warn!(jobs = ids.len(), %error, "cannot read the leased jobs");
                return Vec::new();
            }
        };
        let mut runnable = Vec::with_capacity(leased.len());
        for (leased, startable) in leased.into_iter().zip(startable) {
            match startable {
                Some(startable) => {
                    let (started, write) = startable.start(&leased.lease, &self.config.worker_id);
                    runnable.push((leased, started, write));
                }
                None => {
                    tracing::debug!(job_id = %leased.job_id, "job not startable; dropping the delivery");
                    self.ack(&leased).await;
                }
            }
        }
        runnable
    }

    /// Runs one started job to its end, in `slot` until it hands over its completion. The attempt
    /// is a span that continues the trace of the job's submission (its traceparent rides in the
    /// envelope).
    pub(crate) async fn execute(
        self: Arc<Self>,
        leased: Leased,
        started: Started,
        start: StartWrite,
        slot: OwnedSemaphorePermit,
    ) {
        let span = tracing::info_span!(
            "job",
            otel.name = "run job",
            job_id = %leased.job_id,
            worker_id = %self.config.worker_id,
        );
        let traceparent = Some(leased.envelope.traceparent.as_str()).filter(|t| !t.is_empty());
        telemetry::continue_trace(&span, traceparent);
        self.run_attempt(leased, started, start, slot)
            .instrument(span)
            .await;
    }

    async fn run_attempt(
        self: Arc<Self>,
        leased: Leased,
        started: Started,
        start: StartWrite,
        slot: OwnedSemaphorePermit,
    ) {
        let id = leased.job_id;
        let lease = leased.lease.clone();
        let Started { job, spec } = started;
        let job = Arc::new(job);
        // Recorded with the attempt's first events; the pipeline does not wait for it.
        let start = self.events.start_attempt(&job, start);
        tracing::info!(job_id = %id, attempt = job.attempt, job_type = %job.job_type, "job started");
        if job.attempt == 1
            && let Some(traceparent) = &job.traceparent
        {
            telemetry::record_span("queue wait", traceparent, job.created_at, now_millis());
        }
        let cancel = CancellationToken::new();
        if let Ok(mut running) = self.running.lock() {
            let (lease, cancel, completing) = (lease.clone(), cancel.clone(), false);
            running.insert(
                id,
                Running {
                    lease,
                    cancel,
                    completing,
                },
            );
        }

        let pipeline = Pipeline {
            worker: self.clone(),
            job: job.clone(),
            lease: lease.clone(),
            unsettled: Default::default(),
            slot: Mutex::new(Some(slot)),
        };
        let outcome = tokio::select! {
            biased;
            failure = start_failed(start) => Err(failure),
            outcome = pipeline.run(spec) => outcome,
            () = cancel.cancelled() => Err(Failure::Interrupted),
            () = tokio::time::sleep(self.config.job_timeout) => Err(Failure::TimedOut),
        };
        if let Ok(mut running) = self.running.lock() {
            running.remove(&id);
        }
        if outcome.is_err() {
            // Events the pipeline handed over precede the outcome in the record. (A completion
            // was settled after them already.)
            self.events.flush().await;
        }
        self.record_outcome(&job, &leased, outcome).await;
        self.finished.fetch_add(1, Ordering::Relaxed);
    }

    async fn record_outcome(&self, job: &Job, leased: &Leased, outcome: Result<(), Failure>) {
        let id = job.id;
        let lease = &leased.lease;
        let (next, message) = match outcome {
            Ok(()) => {
                // The event writer acked it with the completion.
                self.count(job, "completed");
                tracing::info!(job_id = %id, "job completed");
                return;
            }
            Err(Failure::Interrupted) if self.releasing.load(Ordering::SeqCst) => (
                JobState::Queued,
                "released: the worker running it shut down; continuing elsewhere".to_owned(),
            ),
            Err(Failure::Interrupted) => {
                // Cancelled (the record already says so) or the lease moved on: nothing to write.
                tracing::info!(job_id = %id, "job interrupted");
                self.ack(leased).await;
                return;
            }
            Err(Failure::Unstarted(error)) => {
                // The record still says QUEUED: the lease expires and the reaper dispatches the
                // job again, counting this attempt.
                tracing::warn!(job_id = %id, %error, "cannot record the start; the lease will expire");
                return;
            }
            Err(Failure::Permanent(message)) => (JobState::Failed, message),
            Err(Failure::TimedOut) => (
                JobState::Failed,
                format!(
                    "timeout: the job ran longer than JOB_TIMEOUT ({}s)",
                    self.config.job_timeout.as_secs()
                ),
            ),
            Err(Failure::Transient(message)) if job.attempt < job.max_attempts => (
                JobState::Retrying,
                format!(
                    "attempt {} of {} failed, retrying: {message}",
                    job.attempt, job.max_attempts
                ),
            ),
            Err(Failure::Transient(message)) => (
                JobState::Failed,
                format!("failed after {} attempts: {message}", job.attempt),
            ),
        };
        match self.store.end_attempt(id, lease, next, &message).await {
            Ok(Some((_, event))) => {
                self.events.publish(job.id, job.event_record(&event));
                if next == JobState::Failed {
                    self.count(job, "failed");
                }
                tracing::info!(job_id = %id, state = %next, reason = %message, "attempt ended");
            }
            Ok(None) => tracing::info!(job_id = %id, "lease lost before the outcome was recorded"),
            Err(error) => {
                // The lease expires and the job is reclaimed: nothing is lost.
                tracing::warn!(job_id = %id, %error, "cannot record the outcome");
                return;
            }
        }
        self.ack(leased).await;
        let (envelope, team, priority) = (job.envelope(), &job.team, job.priority);
        let redispatched = match next {
            JobState::Queued => self
                .queue
                .enqueue(&envelope, team, priority)
                .await
                .map(drop),
            JobState::Retrying => {
                metrics()
                    .retries
                    .get_or_create(&JobTypeLabels {
                        job_type: job.job_type.to_string(),
                    })
                    .inc();
                let delay = self.backoff(job.attempt);
                tracing::info!(job_id = %id, delay_ms = delay.as_millis() as u64, "retry scheduled");
                self.queue
                    .enqueue_delayed(&envelope, team, priority, delay)
                    .await
                    .map(drop)
            }
            _ => Ok(()),
        };
        if let Err(error) = redispatched {
            tracing::warn!(job_id = %id, %error, "re-dispatch failed; the reconciler will retry");
        }
    }

    /// Exponential backoff with jitter: half of `base * 2^(attempt-1)` (capped) is fixed, the
    /// other half random, so retries of many jobs failing together spread out.
    fn backoff(&self, attempt: u32) -> std::time::Duration {
        let exponential = self
            .config
            .retry_base
            .saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let capped = exponential.min(self.config.retry_max);
        capped / 2 + capped.mul_f64(rand::random::<f64>() / 2.0)
    }

    fn count(&self, job: &Job, state: &str) {
        metrics().job_finished(job.job_type, job.team.as_str(), state, job.created_at);
    }

    async fn ack(&self, leased: &Leased) {
        if let Err(error) = self.queue.ack(leased.job_id, &leased.lease).await {
            tracing::warn!(job_id = %leased.job_id, %error, "ack failed; the lease will expire");
        }
    }

    /// Renews the leases of all running jobs every third of a lease, in one round trip, so a
    /// job holds at least two thirds of its lease at any time; a job whose lease is lost
    /// (reclaimed after a stall) is cancelled. One loop for the worker, not a task and a timer
    /// per job: most jobs end before their first renewal.
    pub(crate) async fn renew_leases(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.config.lease / 3);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let held: Vec<(JobId, Running)> = match self.running.lock() {
                Ok(running) => running.iter().map(|(id, job)| (*id, job.clone())).collect(),
                Err(_) => continue,
            };
            let leases: Vec<_> = held
                .iter()
                .map(|(id, job)| (*id, job.lease.clone()))
                .collect();
            let renewed = match self.queue.renew_many(&leases, self.config.lease).await {
                Ok(renewed) => renewed,
                Err(error) => {
                    tracing::warn!(jobs = leases.len(), %error, "lease renewal failed");
                    continue;
                }
            };
            for ((job_id, job), renewed) in held.into_iter().zip(renewed) {
                // A job that ended meanwhile gave its lease back, and one completing gives it back
                // with its commit: nothing was lost. (Its completion is fenced by the lease all
                // the same.)
                let still_running = self.running.lock().is_ok_and(|running| {
                    running
                        .get(&job_id)
                        .is_some_and(|r| r.lease == job.lease && !r.completing)
                });
                if !renewed && still_running {
                    tracing::warn!(%job_id, "lease lost; stopping the job");
                    job.cancel.cancel();
                }
            }
        }
    }
}

/// Resolves only if the attempt's start was not recorded: `Interrupted` when the job could not
/// start any more (cancelled while queued, started by another worker), `Unstarted` when the
/// database failed.
async fn start_failed(start: Pending) -> Failure {
    match outcome(start).await {
        Ok(Some(_)) => std::future::pending().await,
        Ok(None) => Failure::Interrupted,
        Err(error) => Failure::Unstarted(error),
    }
}
