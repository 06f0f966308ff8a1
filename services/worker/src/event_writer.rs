//! Group commit of step events across a worker's running jobs.
//!
//! Every step writes a started and a finished event under its job's lease. One transaction per
//! event makes the database's commit the cost of a small job; instead, the jobs hand their
//! events to a few writer loops, and each loop takes every event waiting at that moment and
//! records them all in one transaction ([`specdoc_store::Store::record_steps`]). Alone, an event
//! is written at once; under load, one commit carries as many events as arrived during the
//! previous one. Each write is still its own compare-and-set on its lease, so a job that lost its
//! lease gets `None` without affecting the others. The committed events then go to the Redis
//! stream in one pipelined round trip, before their jobs hear back, so each job's events still
//! reach the stream in order.

use specdoc_core::{Job, JobEvent, LeaseToken, NewEvent};
use specdoc_queue::Queue;
use specdoc_store::{StepWrite, Store};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Writer loops: while one commits, the next collects the events that arrive meanwhile.
const WRITERS: usize = 2;

/// Most events in one transaction.
const MAX_BATCH: usize = 128;

type Reply = oneshot::Sender<Result<Option<JobEvent>, String>>;

/// An event waiting to be written: the write, its job (for the stream record) and who waits.
type Pending = (StepWrite, Job, Reply);

/// The worker's handle on its writer loops; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct EventWriter {
    waiting: mpsc::UnboundedSender<Pending>,
}

impl EventWriter {
    /// Starts the writer loops on the current runtime. They end when the last handle drops.
    pub(crate) fn start(store: Store, queue: Queue) -> Self {
        let (sender, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..WRITERS {
            tokio::spawn(write_batches(store.clone(), queue.clone(), waiting.clone()));
        }
        Self { waiting: sender }
    }

    /// Records `event` of `job` under `lease` and publishes it: the recorded event, or `None`
    /// when the lease no longer holds; an error says why the database refused.
    pub(crate) async fn record(
        &self,
        job: &Job,
        lease: &LeaseToken,
        event: NewEvent,
    ) -> Result<Option<JobEvent>, String> {
        let (reply, answer) = oneshot::channel();
        let write = StepWrite {
            job: job.id,
            lease: lease.clone(),
            event,
        };
        self.waiting
            .send((write, job.clone(), reply))
            .map_err(|_| "the event writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the event writer stopped".to_owned())?
    }
}

async fn write_batches(
    store: Store,
    queue: Queue,
    waiting: Arc<Mutex<mpsc::UnboundedReceiver<Pending>>>,
) {
    loop {
        let mut batch = Vec::new();
        {
            // Only collecting holds the lock; the commit below runs while another loop collects.
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match waiting.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        let mut writes = Vec::with_capacity(batch.len());
        let mut waiters = Vec::with_capacity(batch.len());
        for (write, job, reply) in batch {
            writes.push(write);
            waiters.push((job, reply));
        }
        match store.record_steps(&writes).await {
            Ok(recorded) => {
                let records: Vec<_> = waiters
                    .iter()
                    .zip(&recorded)
                    .filter_map(|((job, _), event)| Some(job.event_record(event.as_ref()?)))
                    .collect();
                // A lost publish delays watchers, who also read the database, but loses nothing.
                if let Err(error) = queue.publish_events(&records).await {
                    tracing::warn!(events = records.len(), %error, "could not publish events");
                }
                for ((_, reply), recorded) in waiters.into_iter().zip(recorded) {
                    let _ = reply.send(Ok(recorded));
                }
            }
            Err(error) => {
                let error = error.to_string();
                for (_, reply) in waiters {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
