//! Group commit of step events across a worker's running jobs.
//!
//! Every step writes a started and a finished event under its job's lease. One transaction per
//! event makes the database's commit the cost of a small job; instead, the jobs hand their
//! events to a few writer loops, and each loop takes every event waiting at that moment and
//! records them all in one transaction ([`specdoc_store::Store::record_steps`]). Alone, an event
//! is written at once; under load, one commit carries as many events as arrived during the
//! previous one. Each write is still its own compare-and-set on its lease, so a job that lost its
//! lease gets `None` without affecting the others.

use specdoc_core::{JobEvent, JobId, LeaseToken, NewEvent};
use specdoc_store::{StepWrite, Store};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Writer loops: while one commits, the next collects the events that arrive meanwhile.
const WRITERS: usize = 2;

/// Most events in one transaction.
const MAX_BATCH: usize = 128;

type Reply = oneshot::Sender<Result<Option<JobEvent>, String>>;

/// The worker's handle on its writer loops; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct EventWriter {
    queue: mpsc::UnboundedSender<(StepWrite, Reply)>,
}

impl EventWriter {
    /// Starts the writer loops on the current runtime. They end when the last handle drops.
    pub(crate) fn start(store: Store) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..WRITERS {
            tokio::spawn(write_batches(store.clone(), waiting.clone()));
        }
        Self { queue }
    }

    /// Records `event` of job `job` under `lease`: the recorded event, or `None` when the lease
    /// no longer holds; an error says why the database refused.
    pub(crate) async fn record(
        &self,
        job: JobId,
        lease: &LeaseToken,
        event: NewEvent,
    ) -> Result<Option<JobEvent>, String> {
        let (reply, answer) = oneshot::channel();
        let write = StepWrite {
            job,
            lease: lease.clone(),
            event,
        };
        self.queue
            .send((write, reply))
            .map_err(|_| "the event writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the event writer stopped".to_owned())?
    }
}

async fn write_batches(
    store: Store,
    waiting: Arc<Mutex<mpsc::UnboundedReceiver<(StepWrite, Reply)>>>,
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
        let (writes, replies): (Vec<StepWrite>, Vec<Reply>) = batch.into_iter().unzip();
        match store.record_steps(&writes).await {
            Ok(recorded) => {
                for (reply, recorded) in replies.into_iter().zip(recorded) {
                    let _ = reply.send(Ok(recorded));
                }
            }
            Err(error) => {
                let error = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
