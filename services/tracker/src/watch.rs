//! WatchJob: everything after the client's cursor, then live events, ending after the terminal
//! event, with no gap and no duplicate.
//!
//! The watcher subscribes to the fan-out *before* reading the database, so no event can fall
//! between the two. It forwards a live event only when it is exactly the next seq; anything else
//! (a jump, a lagged channel, a quiet period) sends it back to the database, which holds every
//! event. The cursor `last` only grows, so nothing is sent twice.

use specdoc_core::JobId;
use specdoc_proto::job::v1::JobEvent;
use specdoc_proto::queue::v1::EventRecord;
use specdoc_proto::tracker::v1::WatchJobResponse;
use specdoc_runtime::eta::EtaEstimator;
use specdoc_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tonic::Status;

/// With no live event for this long, the watcher re-reads the database, in case Redis lost one.
const QUIET_RESYNC: Duration = Duration::from_secs(3);

/// Events read from the database per round trip.
const PAGE: u32 = 500;

/// Streams the job's events after `after_seq` into `out` until the terminal event.
pub(crate) async fn watch_job(
    store: Store,
    eta: EtaEstimator,
    mut live: broadcast::Receiver<Arc<EventRecord>>,
    job_id: JobId,
    after_seq: u64,
    out: mpsc::Sender<Result<WatchJobResponse, Status>>,
) {
    let id_text = job_id.to_string();
    let mut watcher = Watcher {
        store,
        eta,
        job_id,
        last: after_seq,
        out,
    };
    if watcher.catch_up().await.unwrap_or(true) {
        return;
    }
    loop {
        tokio::select! {
            received = live.recv() => {
                let ended = match received {
                    Ok(record) => match record.event.as_ref() {
                        Some(event) if event.job_id == id_text => watcher.offer(event).await,
                        _ => continue,
                    },
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::debug!(job_id = %job_id, skipped, "watcher lagged; resynchronising");
                        watcher.catch_up().await
                    }
                    Err(broadcast::error::RecvError::Closed) => Ok(true),
                };
                if ended.unwrap_or(true) {
                    return;
                }
            }
            () = tokio::time::sleep(QUIET_RESYNC) => {
                if watcher.catch_up().await.unwrap_or(true) {
                    return;
                }
            }
            () = watcher.out.closed() => return,
        }
    }
}

struct Watcher {
    store: Store,
    eta: EtaEstimator,
    job_id: JobId,
    /// The highest seq sent (or the client's cursor).
    last: u64,
    out: mpsc::Sender<Result<WatchJobResponse, Status>>,
}

/// `Ok(true)` when the stream is over (terminal event sent, or the client left).
type Ended = Result<bool, ()>;

impl Watcher {
    /// Sends one event, with the job's current ETA; `Ok(true)` when it was terminal or the
    /// client is gone.
    async fn send(&mut self, mut event: JobEvent) -> Ended {
        let terminal =
            specdoc_core::JobState::from_proto(event.state).is_some_and(|s| s.is_terminal());
        if !terminal {
            event.eta = self.eta.eta_of(self.job_id).await;
        }
        self.last = event.seq;
        if self
            .out
            .send(Ok(WatchJobResponse { event: Some(event) }))
            .await
            .is_err()
        {
            return Ok(true);
        }
        Ok(terminal)
    }

    /// A live event: forwarded if it is the next one, ignored if already sent, and a reason to
    /// read the database if it skips ahead.
    async fn offer(&mut self, event: &JobEvent) -> Ended {
        if event.seq <= self.last {
            Ok(false)
        } else if event.seq == self.last + 1 {
            self.send(event.clone()).await
        } else {
            self.catch_up().await
        }
    }

    /// Sends every stored event after `last`.
    async fn catch_up(&mut self) -> Ended {
        loop {
            let events = match self.store.events_after(self.job_id, self.last, PAGE).await {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(job_id = %self.job_id, %error, "cannot read events; ending the watch");
                    let _ = self
                        .out
                        .send(Err(Status::unavailable(format!(
                            "cannot read job events: {error}"
                        ))))
                        .await;
                    return Err(());
                }
            };
            let full_page = events.len() == PAGE as usize;
            for event in events {
                if self.send(event.to_proto(None)).await? {
                    return Ok(true);
                }
            }
            if !full_page {
                return Ok(false);
            }
        }
    }
}
