//! WatchJob: everything after the client's cursor, then live events, ending after the terminal
//! event, with no gap and no duplicate.
//!
//! The watcher subscribes to its job's live events *before* reading the database, so no event
//! can fall between the two. It forwards a live event only when it is exactly the next seq;
//! anything else sends it back to the database, which holds every event: a jump in seq, a lagged
//! channel, the fan-out's reader reconnecting to Redis (see [`crate::fanout`]), or a long quiet
//! spell (a safety net for an event committed but never published, say the terminal one). The
//! cursor `last` only grows, so nothing is sent twice.
//!
//! The response stream *is* the watcher: it runs when the client's HTTP/2 stream asks for the
//! next message and is dropped when the client leaves. A watcher thus costs no task and no
//! buffer of its own, and a slow client is held back by flow control: its live channel lags and
//! it catches up from the database, so its memory stays bounded.

use crate::fanout::{JobSubscription, Live};
use futures::Stream;
use specdoc_core::{JobId, JobState};
use specdoc_proto::job::v1::JobEvent;
use specdoc_proto::tracker::v1::WatchJobResponse;
use specdoc_runtime::eta::EtaEstimator;
use specdoc_runtime::metrics::OpenStream;
use specdoc_store::Store;
use std::time::Duration;
use tokio::time::Instant;
use tonic::Status;

/// With no event for about this long, the watcher re-reads the database in case an event was
/// committed but never published. Publishing rarely fails (and is logged), and a reconnect of
/// the fan-out's reader resynchronises every watcher at once, so this can be long: 10,000 quiet
/// watchers cost some 300 small queries a second.
const QUIET_RESYNC: Duration = Duration::from_secs(30);

/// The quiet spell varies by up to this much either way per watcher, so watchers opened
/// together do not query together.
const QUIET_JITTER: Duration = Duration::from_secs(10);

/// Events read from the database per round trip.
const PAGE: u32 = 500;

/// Streams the job's events after `after_seq` until the terminal event. `live` must have been
/// subscribed before the caller read the job; `open` is held until the stream ends.
pub(crate) fn watch_job(
    store: Store,
    eta: EtaEstimator,
    live: JobSubscription,
    job_id: JobId,
    after_seq: u64,
    open: OpenStream,
) -> impl Stream<Item = Result<WatchJobResponse, Status>> + Send + 'static {
    let watcher = Watcher {
        store,
        eta,
        live,
        job_id,
        last: after_seq,
        stored: Vec::new().into_iter(),
        stale: true,
        done: false,
        quiet_until: quiet_deadline(),
        _open: open,
    };
    futures::stream::unfold(watcher, |mut watcher| async move {
        let item = watcher.next().await?;
        Some((item, watcher))
    })
}

struct Watcher {
    store: Store,
    eta: EtaEstimator,
    live: JobSubscription,
    job_id: JobId,
    /// The highest seq sent (or the client's cursor).
    last: u64,
    /// Events read from the database and not sent yet.
    stored: std::vec::IntoIter<specdoc_core::JobEvent>,
    /// Whether the database may hold events after `last` that `stored` lacks.
    stale: bool,
    /// Set once the terminal event was sent, or the watch failed.
    done: bool,
    /// When to re-read the database if nothing happens.
    quiet_until: Instant,
    _open: OpenStream,
}

impl Watcher {
    /// The next message, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Result<WatchJobResponse, Status>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(event) = self.stored.next() {
                return Some(Ok(self.respond(event.to_proto(None)).await));
            }
            // Frees what the last page held.
            self.stored = Vec::new().into_iter();
            if self.stale {
                if let Err(status) = self.read_stored().await {
                    self.done = true;
                    return Some(Err(status));
                }
                continue;
            }
            tokio::select! {
                live = self.live.recv() => match live {
                    Some(Live::Event(record)) => match record.event.as_ref() {
                        Some(event) if event.seq == self.last + 1 => {
                            return Some(Ok(self.respond(event.clone()).await));
                        }
                        // It skips ahead: the database has the events in between.
                        Some(event) if event.seq > self.last => self.stale = true,
                        _ => {}
                    },
                    Some(Live::Missed) => self.stale = true,
                    // The tracker is stopping.
                    None => return None,
                },
                () = tokio::time::sleep_until(self.quiet_until) => self.stale = true,
            }
        }
    }

    /// The message carrying `event`, with the job's current ETA unless it is terminal.
    async fn respond(&mut self, mut event: JobEvent) -> WatchJobResponse {
        if JobState::from_proto(event.state).is_some_and(JobState::is_terminal) {
            self.done = true;
        } else {
            let _turn = self.live.eta_turn().await;
            // Boxed: the estimate's database futures are large, and a watcher waits idle far
            // longer than it estimates.
            event.eta = Box::pin(self.eta.eta_of(self.job_id)).await;
        }
        self.last = event.seq;
        self.quiet_until = quiet_deadline();
        WatchJobResponse { event: Some(event) }
    }

    /// Reads the next page of stored events after `last`.
    async fn read_stored(&mut self) -> Result<(), Status> {
        let read = Box::pin(self.store.events_after(self.job_id, self.last, PAGE)).await;
        let events = read.map_err(|error| {
            tracing::warn!(job_id = %self.job_id, %error, "cannot read events; ending the watch");
            Status::unavailable(format!("cannot read job events: {error}"))
        })?;
        self.stale = events.len() == PAGE as usize;
        self.stored = events.into_iter();
        self.quiet_until = quiet_deadline();
        Ok(())
    }
}

fn quiet_deadline() -> Instant {
    let spread = QUIET_JITTER.mul_f64(2.0 * rand::random::<f64>());
    Instant::now() + QUIET_RESYNC - QUIET_JITTER + spread
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_spells_spread_around_the_interval() {
        let now = Instant::now();
        let spells: Vec<Duration> = (0..200).map(|_| quiet_deadline() - now).collect();
        let low = QUIET_RESYNC - QUIET_JITTER;
        let high = QUIET_RESYNC + QUIET_JITTER + Duration::from_secs(1);
        assert!(spells.iter().all(|s| (low..high).contains(s)));
        assert!(spells.iter().any(|s| *s < QUIET_RESYNC));
        assert!(spells.iter().any(|s| *s > QUIET_RESYNC));
    }
}
