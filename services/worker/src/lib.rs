//! The worker: leases jobs from Redis and runs each job's pipeline.
//!
//! [`Worker::run`] runs at most `max_concurrent_jobs` jobs at once, filling its free slots with one
//! dequeue and one database read (the jobs and their specs; each attempt's start is recorded with
//! its first writes), which runs beside the next dequeue; a job's slot frees as soon as it has
//! handed its completion to the event writer, whose commit it then awaits outside the slot. Each
//! job runs under a lease it renews (`execute.rs`); every step emits a started and a finished
//! event, committed to the database under the lease in groups with other jobs' writes and then
//! published to Redis (`pipeline.rs`, `event_writer.rs`). Cancellation (a signal from the
//! scheduler, a lost lease, or `JOB_TIMEOUT`) interrupts the running step. On shutdown the worker
//! stops leasing and lets in-flight jobs finish within the grace period.

mod api;
mod event_writer;
mod execute;
mod llm_cache;
mod pipeline;
mod quality;
mod signals;

pub use api::WorkerApi;

use specdoc_core::{JobId, LeaseToken};
use specdoc_queue::Queue;
use specdoc_store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Worker settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// This worker's id in heartbeats and events.
    pub worker_id: String,
    /// Jobs run at once (`MAX_CONCURRENT_JOBS`).
    pub max_concurrent_jobs: usize,
    /// Longest a job may run (`JOB_TIMEOUT`).
    pub job_timeout: Duration,
    /// Lease length; renewed every third of it.
    pub lease: Duration,
    /// Time in-flight jobs get to finish on shutdown.
    pub grace: Duration,
    /// Limits on parsing untrusted specs.
    pub limits: specdoc_docs::Limits,
    /// Backoff before the first retry; doubles with each attempt.
    pub retry_base: Duration,
    /// Longest backoff.
    pub retry_max: Duration,
    /// The LLM writer; `None` means the deterministic writer alone (degraded generation).
    pub genai: Option<specdoc_genai::Writer>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            worker_id: default_worker_id(),
            max_concurrent_jobs: 4,
            job_timeout: Duration::from_secs(300),
            lease: Duration::from_secs(20),
            grace: Duration::from_secs(25),
            limits: specdoc_docs::Limits::default(),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            genai: None,
        }
    }
}

/// `worker-<short random>`: unique per process, stable for its life.
pub fn default_worker_id() -> String {
    format!("worker-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A job running on this worker: the lease it runs under, renewed with all the others
/// ([`Worker::renew_leases`]), and its cancellation handle.
#[derive(Debug, Clone)]
pub(crate) struct Running {
    pub(crate) lease: LeaseToken,
    pub(crate) cancel: CancellationToken,
    /// Set once the job has handed over its completion: its lease then ends with the commit
    /// (the ack drops it), which a renewal in between finds gone.
    pub(crate) completing: bool,
}

/// A worker process's state, shared by its job tasks, signal loops and gRPC API.
#[derive(Debug)]
pub struct Worker {
    pub(crate) store: Store,
    pub(crate) queue: Queue,
    /// Step events of all running jobs, committed together.
    pub(crate) events: event_writer::EventWriter,
    pub(crate) config: Config,
    /// The jobs running now.
    pub(crate) running: Mutex<HashMap<JobId, Running>>,
    pub(crate) draining: AtomicBool,
    /// Set when the grace period ran out: interrupted jobs are released, not abandoned.
    pub(crate) releasing: AtomicBool,
    pub(crate) finished: AtomicU64,
    drain: CancellationToken,
}

impl Worker {
    /// A worker over a store and a queue. Call it on a Tokio runtime: it starts the loop that
    /// writes step events.
    pub fn new(store: Store, queue: Queue, config: Config) -> Arc<Self> {
        Arc::new(Self {
            events: event_writer::EventWriter::start(
                store.clone(),
                queue.clone(),
                config.max_concurrent_jobs,
            ),
            store,
            queue,
            config,
            running: Mutex::new(HashMap::new()),
            draining: AtomicBool::new(false),
            releasing: AtomicBool::new(false),
            finished: AtomicU64::new(0),
            drain: CancellationToken::new(),
        })
    }

    /// Ids of the jobs running now.
    pub fn running_jobs(&self) -> Vec<JobId> {
        let mut ids: Vec<JobId> = self
            .running
            .lock()
            .map(|r| r.keys().copied().collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// Stops leasing new jobs; in-flight jobs go on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.drain.cancel();
    }

    /// Leases and runs jobs until `stop` fires or the worker drains, then waits up to the grace
    /// period for in-flight jobs. Jobs still running after it are released back to the queue.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let signals = stop.child_token();
        specdoc_runtime::tasks::spawn(
            "cancel-listener",
            signals.clone(),
            self.clone().listen_for_cancels(),
        );
        specdoc_runtime::tasks::spawn("heartbeat", signals.clone(), self.clone().send_heartbeats());
        specdoc_runtime::tasks::spawn(
            "lease-renewal",
            signals.clone(),
            self.clone().renew_leases(),
        );
        let slots = Arc::new(Semaphore::new(self.config.max_concurrent_jobs.max(1)));
        // One task per leased batch: it reads the batch's jobs and runs them, each in a task of
        // its own, which a batch's abort aborts with it.
        let mut batches = JoinSet::new();
        let mut doorbell = None;
        let leasing_stopped = async {
            tokio::select! {
                () = stop.cancelled() => {}
                () = self.drain.cancelled() => {}
            }
        };
        tokio::pin!(leasing_stopped);
        loop {
            while batches.try_join_next().is_some() {}
            let first = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
                () = &mut leasing_stopped => break,
            };
            // Every free slot is filled in one round trip to Redis, then one to the database
            // that runs in the batch's task: the next dequeue does not wait for it.
            let mut permits = vec![first];
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                permits.push(permit);
            }
            match self
                .queue
                .dequeue_many(self.config.lease, permits.len())
                .await
            {
                Ok(leased) if !leased.is_empty() => {
                    permits.truncate(leased.len());
                    let worker = self.clone();
                    batches.spawn(async move {
                        let started = worker.start_leased(leased).await;
                        let mut jobs = JoinSet::new();
                        for ((leased, started, start), permit) in started.into_iter().zip(permits) {
                            jobs.spawn(worker.clone().execute(leased, started, start, permit));
                        }
                        // Not `join_all`, which would cancel the batch's other jobs if one panicked.
                        while jobs.join_next().await.is_some() {}
                    });
                }
                Ok(_) => {
                    drop(permits);
                    if doorbell.is_none() {
                        doorbell = self.queue.doorbell().await.ok();
                    }
                    let wait = async {
                        match doorbell.as_mut() {
                            Some(bell) => {
                                if bell.wait().await.is_err() {
                                    doorbell = None;
                                    tokio::time::sleep(Duration::from_millis(500)).await;
                                }
                            }
                            None => tokio::time::sleep(Duration::from_millis(500)).await,
                        }
                    };
                    tokio::select! {
                        () = wait => {}
                        () = &mut leasing_stopped => break,
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot lease jobs; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = &mut leasing_stopped => break,
                    }
                }
            }
        }
        self.draining.store(true, Ordering::SeqCst);
        while batches.try_join_next().is_some() {}
        tracing::info!(
            in_flight = self.running_jobs().len(),
            "worker stopped leasing; draining"
        );
        let drained = tokio::time::timeout(self.config.grace, async {
            while batches.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            // Out of time: interrupt what still runs and hand it back to the queue now, so
            // another worker continues at once instead of after the lease expires.
            tracing::warn!(
                in_flight = self.running_jobs().len(),
                "grace period over; releasing the jobs still running"
            );
            self.releasing.store(true, Ordering::SeqCst);
            if let Ok(running) = self.running.lock() {
                running.values().for_each(|job| job.cancel.cancel());
            }
            let released = tokio::time::timeout(Duration::from_secs(5), async {
                while batches.join_next().await.is_some() {}
            })
            .await;
            if released.is_err() {
                batches.abort_all();
            }
        }
        signals.cancel();
        self.events.flush().await;
        if let Err(error) = self.queue.forget_worker(&self.config.worker_id).await {
            tracing::debug!(%error, "could not remove heartbeat");
        }
    }
}
