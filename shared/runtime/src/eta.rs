//! ETAs for GetJob, SubmitJob and WatchJob events, from the record (recent run times, the jobs
//! ahead) and Redis (the live worker slots). See [`specdoc_core::eta`] for the model.
//!
//! Typical run times and slots change slowly, so they are cached for a few seconds: a thousand
//! watchers of busy jobs cost a few queries a second, not one per event per watcher.

use specdoc_core::eta::{EtaInputs, EtaProgress, remaining};
use specdoc_core::{Job, JobId, JobState, JobType, UnixMillis, now_millis, timestamp};
use specdoc_proto::job::v1 as pb;
use specdoc_queue::Queue;
use specdoc_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long cached figures are used.
const FRESH_FOR: Duration = Duration::from_secs(5);
/// Assumed run time before any job of a type completed.
const DEFAULT_RUN: Duration = Duration::from_secs(5);
/// How long that assumption is used before the record is asked again: briefly, so the first
/// completed job soon replaces it, yet a burst of submissions asks once, not once each.
const GUESS_FRESH_FOR: Duration = Duration::from_secs(1);
/// A worker whose heartbeat is older than this is not counted.
const HEARTBEAT_MAX_AGE_MS: i64 = 15_000;

/// Estimates ETAs; cheap to clone.
#[derive(Clone)]
pub struct EtaEstimator {
    store: Store,
    queue: Queue,
    cache: Arc<Mutex<Cache>>,
}

#[derive(Default)]
struct Cache {
    /// Job → its latest ETA, so many watchers of one job share one estimate.
    jobs: HashMap<JobId, (Instant, Option<pb::Eta>)>,
    /// (type, log2 of spec size) → median run time, and until when to use it.
    runs: HashMap<(JobType, u32), (Instant, Duration)>,
    slots: Option<(Instant, u32)>,
    /// The running jobs' (type, spec size, start), read at most once a second: every queued
    /// job's estimate (each SubmitJob's, too) needs them.
    running: Option<(Instant, RunningJobs)>,
}

/// Each running job's type, spec size and start time.
type RunningJobs = Vec<(JobType, u64, UnixMillis)>;

impl std::fmt::Debug for EtaEstimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtaEstimator").finish_non_exhaustive()
    }
}

fn fresh(at: Instant) -> bool {
    at.elapsed() < FRESH_FOR
}

impl EtaEstimator {
    /// An estimator over the record and the queue.
    pub fn new(store: Store, queue: Queue) -> Self {
        Self {
            store,
            queue,
            cache: Arc::default(),
        }
    }

    /// The ETA of the job with this id, estimated at most once a second per job.
    pub async fn eta_of(&self, id: JobId) -> Option<pb::Eta> {
        if let Some((at, eta)) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.jobs.get(&id).cloned())
            && at.elapsed() < Duration::from_secs(1)
        {
            return eta;
        }
        let job = self.store.get_job(id).await.ok()??;
        let eta = self.eta(&job).await;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.jobs.len() > 10_000 {
                cache
                    .jobs
                    .retain(|_, (at, _)| at.elapsed() < Duration::from_secs(1));
            }
            cache.jobs.insert(id, (Instant::now(), eta));
        }
        eta
    }

    /// The job's ETA, or `None` for a finished job (or when the figures cannot be read).
    pub async fn eta(&self, job: &Job) -> Option<pb::Eta> {
        self.estimate(job, None).await
    }

    /// The ETA of a job just dispatched at `position` (1-based, in dispatch order, as the
    /// enqueue script counts it): the jobs ahead are known without reading the queued jobs,
    /// which keeps SubmitJob's cost flat however long the queue is.
    pub async fn eta_at_position(&self, job: &Job, position: u64) -> Option<pb::Eta> {
        self.estimate(job, Some(position.saturating_sub(1))).await
    }

    async fn estimate(&self, job: &Job, ahead: Option<u64>) -> Option<pb::Eta> {
        let progress = match job.state {
            JobState::Queued | JobState::Retrying => EtaProgress::Queued {
                ahead: match ahead {
                    Some(ahead) => ahead,
                    None => self.store.queued_ahead(job).await.ok()?,
                },
                running_left: self.running_left().await.ok()?,
            },
            JobState::Processing => EtaProgress::Running {
                elapsed: Duration::from_millis(
                    u64::try_from(now_millis() - job.started_at.unwrap_or(job.created_at))
                        .unwrap_or(0),
                ),
                percent: job.progress,
            },
            _ => return None,
        };
        let inputs = EtaInputs {
            typical_run: self.typical_run(job.job_type, job.spec_bytes).await,
            slots: self.slots().await,
            progress,
        };
        let left = remaining(&inputs);
        let left_ms = i64::try_from(left.as_millis()).unwrap_or(i64::MAX);
        Some(pb::Eta {
            completes_at: Some(timestamp(now_millis().saturating_add(left_ms))),
            seconds_remaining: left.as_secs_f64(),
        })
    }

    /// What is left of each running job: its typical run minus the time it has run.
    async fn running_left(&self) -> Result<Vec<Duration>, specdoc_store::Error> {
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.running.clone())
            .filter(|(at, _)| at.elapsed() < Duration::from_secs(1));
        let running = match cached {
            Some((_, running)) => running,
            None => {
                let running = self.store.running_jobs().await?;
                if let Ok(mut cache) = self.cache.lock() {
                    cache.running = Some((Instant::now(), running.clone()));
                }
                running
            }
        };
        let now = now_millis();
        let mut left = Vec::new();
        for (job_type, spec_bytes, started_at) in running {
            let elapsed = Duration::from_millis(u64::try_from(now - started_at).unwrap_or(0));
            left.push(
                self.typical_run(job_type, spec_bytes)
                    .await
                    .saturating_sub(elapsed),
            );
        }
        Ok(left)
    }

    async fn typical_run(&self, job_type: JobType, spec_bytes: u64) -> Duration {
        let key = (job_type, u64::BITS - spec_bytes.leading_zeros());
        if let Some((until, run)) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.runs.get(&key).copied())
            && Instant::now() < until
        {
            return run;
        }
        let (run, fresh_for) = match self.store.typical_run_millis(job_type, spec_bytes).await {
            Ok(Some(ms)) => (
                Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                FRESH_FOR,
            ),
            _ => (DEFAULT_RUN, GUESS_FRESH_FOR),
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.runs.insert(key, (Instant::now() + fresh_for, run));
        }
        run
    }

    async fn slots(&self) -> u32 {
        if let Some((at, slots)) = self.cache.lock().ok().and_then(|c| c.slots)
            && fresh(at)
        {
            return slots;
        }
        let slots = match self.queue.live_workers(HEARTBEAT_MAX_AGE_MS).await {
            Ok(workers) => workers
                .iter()
                .filter(|w| !w.draining)
                .map(|w| w.slots)
                .sum(),
            Err(_) => 0,
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.slots = Some((Instant::now(), slots));
        }
        slots
    }
}
