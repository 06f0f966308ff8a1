//! Group commit of single admissions.
//!
//! One transaction per SubmitJob makes the database's commit the cost of every submission.
//! Instead, each validated job without an idempotency key is handed to a few writer loops, and
//! each loop takes every job waiting at that moment, commits them all in one transaction
//! ([`specdoc_store::Store::insert_jobs`]) and dispatches them in two Redis round trips. Alone,
//! a job is written at once; under load, one commit carries as many jobs as arrived during the
//! previous one. Clients see no difference: each call still answers after its job is
//! committed. (Keyed jobs go their own way: each must first look for its key's earlier job.)

use specdoc_core::{Job, NewJob};
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument;

/// Writer loops: while some commit, another collects the jobs that arrive meanwhile. Commits
/// of new jobs touch disjoint rows, so they run side by side.
const WRITERS: usize = 4;

/// Most jobs in one transaction, so that no commit keeps its callers waiting long.
const MAX_BATCH: usize = 500;

/// The committed job and its queue position, or why it could not be committed.
type Reply = oneshot::Sender<Result<(Job, Option<u64>), ApiError>>;

/// The scheduler's handle on its writer loops; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AdmissionWriter {
    waiting: mpsc::UnboundedSender<(NewJob, Reply)>,
}

impl AdmissionWriter {
    /// Starts the writer loops on the current runtime. They end when the last handle drops.
    pub(crate) fn start(store: Store, queue: Queue) -> Self {
        let (sender, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..WRITERS {
            let span = tracing::info_span!("task", name = "admission-writer");
            tokio::spawn(
                write_batches(store.clone(), queue.clone(), waiting.clone()).instrument(span),
            );
        }
        Self { waiting: sender }
    }

    /// Commits and dispatches `new` with whatever else is waiting: the job as recorded and
    /// its queue position (`None` when it could not be dispatched yet).
    pub(crate) async fn admit(&self, new: NewJob) -> Result<(Job, Option<u64>), ApiError> {
        // The loops live as long as this handle, so only a panic in one can stop them.
        let stopped = || ApiError::Internal("the admission writer stopped".into());
        let (reply, answer) = oneshot::channel();
        self.waiting.send((new, reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn write_batches(
    store: Store,
    queue: Queue,
    waiting: Arc<Mutex<mpsc::UnboundedReceiver<(NewJob, Reply)>>>,
) {
    loop {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        {
            // Only collecting holds the lock; the commit below runs while another loop collects.
            let mut waiting = waiting.lock().await;
            if waiting.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
        }
        let (news, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        match super::commit_and_dispatch(&store, &queue, &news).await {
            Ok(admitted) => {
                for (reply, admitted) in replies.into_iter().zip(admitted) {
                    let _ = reply.send(Ok(admitted));
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(ApiError::from(&error)));
                }
            }
        }
    }
}
