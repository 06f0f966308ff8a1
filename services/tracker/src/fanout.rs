//! One reader of the Redis event stream per tracker, fanning events out in process.
//!
//! Live events are routed by job: a WatchJob stream subscribes to its own job's channel, so an
//! event wakes the watchers of that job and no others. (With one channel for every event, 10,000
//! watchers meant 10,000 wake-ups per event, and latency in seconds.) WatchJobs streams, which
//! filter across jobs, subscribe to every event. Channels are bounded: a watcher that falls
//! behind loses its place (its memory stays bounded) and resynchronises from the database.
//!
//! The reader resumes after the last entry it saw when it reconnects, but entries in between can
//! be gone (the stream is capped; Redis may have restarted), so each start of the reader tells
//! every job watcher to re-read the database (`Live::Missed`). Watchers therefore need no
//! frequent timer of their own to stay gap-free.

use specdoc_proto::queue::v1::EventRecord;
use specdoc_queue::Queue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Events buffered for the subscribers to every event before one must resynchronise.
const ALL_CAPACITY: usize = 1024;

/// Events buffered per job. A job records a dozen or so events; a watcher further behind than
/// this re-reads the database.
const JOB_CAPACITY: usize = 32;

/// The in-process distribution point of live events.
#[derive(Clone, Debug)]
pub struct Fanout {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    all: broadcast::Sender<Arc<EventRecord>>,
    /// Job id (as events spell it) → the channel of that job's watchers; present while the job
    /// has at least one.
    jobs: Mutex<HashMap<String, Arc<JobChannel>>>,
    /// Bumped each time the reader (re)starts reading: live events may have been missed.
    restarts: watch::Sender<u64>,
}

#[derive(Debug)]
struct JobChannel {
    job_id: String,
    sender: broadcast::Sender<Arc<EventRecord>>,
    /// Lets one watcher of the job estimate its ETA at a time, so the others find the estimate
    /// cached instead of all querying the database for the same event.
    eta_turn: tokio::sync::Mutex<()>,
}

impl Default for Fanout {
    fn default() -> Self {
        Self::new()
    }
}

impl Fanout {
    /// A fan-out with no reader yet.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                all: broadcast::channel(ALL_CAPACITY).0,
                jobs: Mutex::default(),
                restarts: watch::Sender::new(0),
            }),
        }
    }

    /// A receiver of every live event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRecord>> {
        self.inner.all.subscribe()
    }

    /// The live events of one job from now on. `job_id` must be spelled as events spell it
    /// (`JobId`'s display form).
    pub fn subscribe_job(&self, job_id: &str) -> JobSubscription {
        let mut jobs = self.inner.jobs();
        let channel = jobs
            .entry(job_id.to_owned())
            .or_insert_with(|| {
                Arc::new(JobChannel {
                    job_id: job_id.to_owned(),
                    sender: broadcast::channel(JOB_CAPACITY).0,
                    eta_turn: tokio::sync::Mutex::new(()),
                })
            })
            .clone();
        // Subscribed under the lock, so an unsubscribing watcher never removes a channel that
        // has just gained a receiver.
        let receiver = channel.sender.subscribe();
        drop(jobs);
        JobSubscription {
            receiver,
            restarts: self.inner.restarts.subscribe(),
            registration: Registration {
                inner: self.inner.clone(),
                channel,
            },
        }
    }

    /// Reads the Redis stream for as long as it runs, reconnecting and resuming after the last
    /// entry it saw.
    pub async fn run_reader(self, queue: Queue) {
        let mut resume_after: Option<String> = None;
        loop {
            match queue.event_reader(resume_after.clone()).await {
                Ok(mut reader) => {
                    // Whatever was published while no reader ran reaches watchers from the
                    // database.
                    self.inner.restarts.send_modify(|n| *n += 1);
                    loop {
                        match reader.next_batch().await {
                            Ok(batch) => {
                                resume_after = Some(batch.last_id);
                                for record in batch.records {
                                    self.dispatch(record);
                                }
                            }
                            Err(error) => {
                                tracing::warn!(%error, "event stream read failed; reconnecting");
                                break;
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot open the event stream"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Hands one event to the subscribers to every event and to its job's watchers.
    fn dispatch(&self, record: EventRecord) {
        let record = Arc::new(record);
        let job = record
            .event
            .as_ref()
            .and_then(|event| self.inner.jobs().get(&event.job_id).cloned());
        // No subscriber is fine: nobody is watching.
        if let Some(job) = job {
            let _ = job.sender.send(record.clone());
        }
        let _ = self.inner.all.send(record);
    }
}

impl Inner {
    fn jobs(&self) -> MutexGuard<'_, HashMap<String, Arc<JobChannel>>> {
        // The map stays consistent whatever panicked while holding it.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a job watcher hears next.
#[derive(Debug)]
pub(crate) enum Live {
    /// An event of the job.
    Event(Arc<EventRecord>),
    /// Events may have been missed (the watcher fell behind, or the reader reconnected to
    /// Redis): re-read the database.
    Missed,
}

/// One watcher's subscription to a job's live events; unsubscribes when dropped.
#[derive(Debug)]
pub struct JobSubscription {
    receiver: broadcast::Receiver<Arc<EventRecord>>,
    restarts: watch::Receiver<u64>,
    // Declared after `receiver`, so it is dropped after it and sees the receiver count without
    // this one.
    registration: Registration,
}

impl JobSubscription {
    /// The next event of the job, or news that events may have been missed; `None` once the
    /// fan-out is gone.
    pub(crate) async fn recv(&mut self) -> Option<Live> {
        tokio::select! {
            received = self.receiver.recv() => match received {
                Ok(record) => Some(Live::Event(record)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some(Live::Missed),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            changed = self.restarts.changed() => changed.ok().map(|()| Live::Missed),
        }
    }

    /// Waits for this job's turn to estimate an ETA (see [`JobChannel::eta_turn`]).
    pub(crate) async fn eta_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.registration.channel.eta_turn.lock().await
    }
}

/// Removes the job's channel when its last watcher leaves.
#[derive(Debug)]
struct Registration {
    inner: Arc<Inner>,
    channel: Arc<JobChannel>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut jobs = self.inner.jobs();
        let job_id = &self.channel.job_id;
        // The map may hold a newer channel for the job, created after this one emptied.
        if jobs
            .get(job_id)
            .is_some_and(|c| Arc::ptr_eq(c, &self.channel) && c.sender.receiver_count() == 0)
        {
            jobs.remove(job_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use specdoc_proto::job::v1::JobEvent;

    fn record(job_id: &str, seq: u64) -> EventRecord {
        EventRecord {
            event: Some(JobEvent {
                job_id: job_id.into(),
                seq,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn seq_of(live: Option<Live>) -> u64 {
        match live {
            Some(Live::Event(record)) => record.event.as_ref().map_or(0, |e| e.seq),
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_watcher_hears_its_own_job_only() {
        let fanout = Fanout::new();
        let mut a = fanout.subscribe_job("a");
        let mut every = fanout.subscribe();
        fanout.dispatch(record("b", 1));
        fanout.dispatch(record("a", 7));
        assert_eq!(seq_of(a.recv().await), 7);
        assert_eq!(every.recv().await.unwrap().event.as_ref().unwrap().seq, 1);
        assert_eq!(every.recv().await.unwrap().event.as_ref().unwrap().seq, 7);
    }

    #[tokio::test]
    async fn a_job_channel_lives_exactly_as_long_as_its_watchers() {
        let fanout = Fanout::new();
        let first = fanout.subscribe_job("a");
        let mut second = fanout.subscribe_job("a");
        drop(first);
        fanout.dispatch(record("a", 1));
        assert_eq!(seq_of(second.recv().await), 1);
        drop(second);
        assert!(fanout.inner.jobs().is_empty());
    }

    #[tokio::test]
    async fn a_reader_restart_tells_every_watcher_to_resynchronise() {
        let fanout = Fanout::new();
        let mut a = fanout.subscribe_job("a");
        let mut b = fanout.subscribe_job("b");
        fanout.inner.restarts.send_modify(|n| *n += 1);
        assert!(matches!(a.recv().await, Some(Live::Missed)));
        assert!(matches!(b.recv().await, Some(Live::Missed)));
        // Told once: the next thing heard is the next event.
        fanout.dispatch(record("a", 2));
        assert_eq!(seq_of(a.recv().await), 2);
    }

    #[tokio::test]
    async fn a_watcher_that_falls_behind_is_told_it_missed_events() {
        let fanout = Fanout::new();
        let mut a = fanout.subscribe_job("a");
        for seq in 1..=(JOB_CAPACITY as u64 + 1) {
            fanout.dispatch(record("a", seq));
        }
        assert!(matches!(a.recv().await, Some(Live::Missed)));
    }
}
