//! One reader of the Redis event stream per tracker, fanning events out in process.
//!
//! Watchers subscribe to a bounded broadcast channel. A watcher that falls behind loses its
//! place in the channel (its memory stays bounded) and resynchronises from the database.

use specdoc_proto::queue::v1::EventRecord;
use specdoc_queue::Queue;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Events buffered per subscriber before it must resynchronise.
const CHANNEL_CAPACITY: usize = 1024;

/// The in-process distribution point of live events.
#[derive(Clone, Debug)]
pub struct Fanout {
    sender: broadcast::Sender<Arc<EventRecord>>,
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
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }

    /// A receiver of every live event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRecord>> {
        self.sender.subscribe()
    }

    /// Reads the Redis stream for as long as it runs, reconnecting and resuming after the last
    /// entry it saw.
    pub async fn run_reader(self, queue: Queue) {
        let mut resume_after: Option<String> = None;
        loop {
            match queue.event_reader(resume_after.clone()).await {
                Ok(mut reader) => loop {
                    match reader.next_batch().await {
                        Ok(batch) => {
                            resume_after = Some(batch.last_id);
                            for record in batch.records {
                                // No subscribers is fine: nobody is watching.
                                let _ = self.sender.send(Arc::new(record));
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "event stream read failed; reconnecting");
                            break;
                        }
                    }
                },
                Err(error) => tracing::warn!(%error, "cannot open the event stream"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
