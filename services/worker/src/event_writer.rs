//! Group commit of the writes running jobs make under their leases: starts, step events and
//! completions.
//!
//! One transaction per event would make the database's commit the cost of a small job, and a job
//! that waited for each of its events would spend its life in round trips. Instead a job hands
//! its writes to a writer loop of the worker and goes on; the loop takes every write waiting at
//! that moment and records them all at once ([`specdoc_store::Store::record_leased`]: on
//! Postgres one statement).
//! Alone, a write is committed at once; under load, one commit carries as many writes as arrived
//! during the previous one. Jobs hear of their writes when the commit returns; behind it, the
//! committed events go to the Redis stream and the completed jobs leave the queue, in one
//! pipelined round trip that carries every group committed meanwhile.
//!
//! A worker of 64 slots or more has two loops, each owning the jobs whose ids hash to it: while
//! one loop waits on its commit, the other builds and sends its own, so the database's and the
//! worker's work of consecutive groups overlap instead of taking turns. A job's writes all go
//! through its loop, so each job's writes keep their order; two loops never touch the same job's
//! row, and they lock the rollup rows they share in the same key order. Measured (`just
//! bench-queue`, one worker, 20,000 jobs): one loop was busy nine tenths of the run and held the
//! worker to 4,800–4,900 jobs/s at 64 slots, where two did 5,700–6,600 at the same CPU per job
//! (at 32 slots 5,000–5,500 against 4,600–4,900); four did worse (5,000: twice the database's
//! CPU per job, in groups a quarter the size). A statement's cost is still mostly fixed, which
//! is why there are not more, and why fewer slots keep one loop: at 4 and 8 slots, groups are
//! small already, and two loops cost the database half as much again per job for less
//! throughput. Since a group is one statement instead of four, a loop's commit returns sooner
//! and its groups are smaller, so 32 slots keep one loop too: at 32 slots two loops made groups
//! of 15 jobs, where one makes them larger. Measured against the four statements with
//! two loops from 32 slots up: 2–12% more jobs/s at 32 and at 64 slots, ahead in all ten
//! interleaved pairs.
//!
//! A loop handles writes in the order they came, so a job's events are committed and published
//! in the order it made them, and its completion after them. A job learns of a write's outcome (a
//! lost lease, a database error) through the [`Pending`] handle, at its next write or at the
//! latest when it completes; [`EventWriter::flush`] waits until everything written so far is
//! settled and published, before an attempt ends another way.

use specdoc_core::{Job, JobEvent, JobId, LeaseToken, NewEvent};
use specdoc_proto::queue::v1::EventRecord;
use specdoc_queue::Queue;
use specdoc_store::{Completion, LeasedWrite, StartWrite, StepWrite, Store};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most writes in one group.
const MAX_BATCH: usize = 512;

/// Job slots per writer loop, up to [`MAX_LOOPS`] loops (see the module's doc): with fewer slots
/// the groups are small already, and splitting them costs the database more per job than the
/// overlap buys.
const SLOTS_PER_LOOP: usize = 32;

/// Most writer loops per worker.
const MAX_LOOPS: usize = 2;

/// Tries of a group whose transaction collided with another (a deadlock) before its jobs hear
/// of the error. Other errors are not retried here: a commit whose outcome is unknown must not
/// run twice.
const TRIES: u32 = 3;

/// The outcome of a write: its event, `None` when the lease no longer held, or why it failed.
pub(crate) type Outcome = Result<Option<JobEvent>, String>;

/// A write handed to a loop and not settled yet.
pub(crate) type Pending = oneshot::Receiver<Outcome>;

enum Request {
    /// A write of `job`, answered on the sender.
    Write(LeasedWrite, Arc<Job>, oneshot::Sender<Outcome>),
    /// An event committed elsewhere (an attempt's end), published after the job's own writes.
    Publish(EventRecord),
    /// Answered once every earlier request of the loop is settled and published.
    Flush(oneshot::Sender<()>),
}

/// The worker's handle on its writer loops; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct EventWriter {
    loops: Vec<mpsc::UnboundedSender<Request>>,
}

impl EventWriter {
    /// Starts the writer loops for a worker of `slots` job slots on the current runtime. They
    /// end when the last handle drops.
    pub(crate) fn start(store: Store, queue: Queue, slots: usize) -> Self {
        let loops = (0..(slots / SLOTS_PER_LOOP).clamp(1, MAX_LOOPS))
            .map(|_| {
                let (writer, requests) = mpsc::unbounded_channel();
                tokio::spawn(write_groups(store.clone(), queue.clone(), requests));
                writer
            })
            .collect();
        Self { loops }
    }

    /// The loop that owns `job`'s writes.
    fn loop_of(&self, job: JobId) -> &mpsc::UnboundedSender<Request> {
        let mut hasher = std::hash::DefaultHasher::new();
        job.hash(&mut hasher);
        &self.loops[(hasher.finish() % self.loops.len() as u64) as usize]
    }

    fn send(&self, job: &Arc<Job>, write: LeasedWrite) -> Pending {
        let (reply, pending) = oneshot::channel();
        // A stopped loop drops the sender, which the job reads as an error.
        let _ = self
            .loop_of(job.id)
            .send(Request::Write(write, job.clone(), reply));
        pending
    }

    /// Queues the start of `job`'s attempt, ahead of every write the attempt makes.
    pub(crate) fn start_attempt(&self, job: &Arc<Job>, start: StartWrite) -> Pending {
        self.send(job, LeasedWrite::Start(start))
    }

    /// Queues step `event` of `job` under `lease`; the handle tells how it went.
    pub(crate) fn record(&self, job: &Arc<Job>, lease: &LeaseToken, event: NewEvent) -> Pending {
        let write = StepWrite {
            job: job.id,
            lease: lease.clone(),
            event,
        };
        self.send(job, LeasedWrite::Step(write))
    }

    /// Queues the completion of `job`, after every write it queued before.
    pub(crate) fn complete(&self, job: &Arc<Job>, completion: Completion) -> Pending {
        self.send(job, LeasedWrite::Complete(Box::new(completion)))
    }

    /// Publishes `record`, an event of `job` already committed, before anything the job writes
    /// next.
    pub(crate) fn publish(&self, job: JobId, record: EventRecord) {
        let _ = self.loop_of(job).send(Request::Publish(record));
    }

    /// Waits until every write queued so far is settled and published: before a job's attempt
    /// ends another way than by its completion, and before the worker exits.
    pub(crate) async fn flush(&self) {
        // Every loop hears of the flush first, so they settle theirs at the same time.
        let settled: Vec<_> = self
            .loops
            .iter()
            .filter_map(|writer| {
                let (reply, settled) = oneshot::channel();
                writer.send(Request::Flush(reply)).ok().map(|()| settled)
            })
            .collect();
        for loop_settled in settled {
            let _ = loop_settled.await;
        }
    }
}

/// Reads a settled write: `Err` when it is not settled yet.
pub(crate) fn settled(pending: &mut Pending) -> Result<Outcome, ()> {
    match pending.try_recv() {
        Ok(outcome) => Ok(outcome),
        Err(oneshot::error::TryRecvError::Empty) => Err(()),
        Err(oneshot::error::TryRecvError::Closed) => Ok(Err(STOPPED.to_owned())),
    }
}

/// Waits for a write to settle.
pub(crate) async fn outcome(pending: Pending) -> Outcome {
    pending.await.unwrap_or_else(|_| Err(STOPPED.to_owned()))
}

const STOPPED: &str = "the event writer stopped";

/// What a writer loop hands to its publisher once a group is committed.
enum Committed {
    /// The group's events, and the jobs it completed (each under its lease).
    Group(Vec<EventRecord>, Vec<(JobId, LeaseToken)>),
    /// Answered once everything committed before it is published.
    Flush(oneshot::Sender<()>),
}

async fn write_groups(store: Store, queue: Queue, mut requests: mpsc::UnboundedReceiver<Request>) {
    // Jobs hear of their writes as soon as the commit returns; the Redis round trip that
    // publishes the events and acks the completed jobs runs behind, in commit order, and
    // carries every group committed meanwhile.
    let (committed, published) = mpsc::unbounded_channel();
    let publisher = tokio::spawn(publish_groups(queue, published));
    let mut waiting = Vec::new();
    while requests.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        let mut writes = Vec::with_capacity(waiting.len());
        let mut waiters = Vec::with_capacity(waiting.len());
        let mut flushes = Vec::new();
        let mut announced = Vec::new();
        for request in waiting.drain(..) {
            match request {
                Request::Write(write, job, reply) => {
                    writes.push(write);
                    waiters.push((job, reply));
                }
                Request::Publish(record) => announced.push(record),
                Request::Flush(reply) => flushes.push(reply),
            }
        }
        // Their jobs' writes in this group publish after the commit, so after these.
        if !announced.is_empty() {
            let _ = committed.send(Committed::Group(announced, Vec::new()));
        }
        if !writes.is_empty() {
            let outcomes = match commit(&store, &writes).await {
                Ok(recorded) => {
                    let _ = committed.send(committed_group(&writes, &waiters, &recorded));
                    recorded.into_iter().map(Ok).collect()
                }
                Err(error) => vec![Err(error); writes.len()],
            };
            for ((_, reply), outcome) in waiters.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        for reply in flushes {
            let _ = committed.send(Committed::Flush(reply));
        }
    }
    drop(committed);
    let _ = publisher.await;
}

/// Commits a group, trying again a few times if its transaction collided with another.
async fn commit(store: &Store, writes: &[LeasedWrite]) -> Result<Vec<Option<JobEvent>>, String> {
    let mut tries = 0;
    loop {
        tries += 1;
        match store.record_leased(writes).await {
            Ok(recorded) => return Ok(recorded),
            Err(error) if error.is_conflict() && tries < TRIES => {
                tracing::warn!(writes = writes.len(), %error, "group commit collided; trying again");
                tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
            }
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// The stream records of a committed group's events, and the jobs it completed.
fn committed_group(
    writes: &[LeasedWrite],
    waiters: &[(Arc<Job>, oneshot::Sender<Outcome>)],
    recorded: &[Option<JobEvent>],
) -> Committed {
    let records = waiters
        .iter()
        .zip(recorded)
        .filter_map(|((job, _), event)| Some(job.event_record(event.as_ref()?)))
        .collect();
    let completed = writes
        .iter()
        .zip(recorded)
        .filter_map(|(write, event)| match (write, event) {
            (LeasedWrite::Complete(c), Some(_)) => Some((c.job, c.lease.clone())),
            _ => None,
        })
        .collect();
    Committed::Group(records, completed)
}

/// Publishes committed groups in order, all those waiting in one round trip.
async fn publish_groups(queue: Queue, mut committed: mpsc::UnboundedReceiver<Committed>) {
    let mut waiting = Vec::new();
    while committed.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        let mut records = Vec::new();
        let mut completed = Vec::new();
        let mut flushes = Vec::new();
        for item in waiting.drain(..) {
            match item {
                Committed::Group(r, c) => {
                    records.extend(r);
                    completed.extend(c);
                }
                Committed::Flush(reply) => flushes.push(reply),
            }
        }
        // A lost publish delays watchers, who also read the database, but loses nothing; a lost
        // ack leaves a lease to expire, and the reaper then finds the job already completed.
        if let Err(error) = queue.publish_and_ack(&records, &completed).await {
            tracing::warn!(events = records.len(), %error, "could not publish events or ack jobs");
        }
        for reply in flushes {
            let _ = reply.send(());
        }
    }
}
