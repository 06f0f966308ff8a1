//! The worker's side of cross-process signals: it listens for cancel requests of the jobs it
//! runs, and announces itself with heartbeats (slots, running jobs) for queue status and ETAs.

use crate::Worker;
use specdoc_core::{now_millis, timestamp};
use specdoc_proto::queue::v1::WorkerHeartbeat;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often a worker sends a heartbeat.
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);

impl Worker {
    /// Interrupts the running job named by each cancel signal; resubscribes when Redis drops.
    pub(crate) async fn listen_for_cancels(self: Arc<Self>) {
        loop {
            match self.queue.subscribe_cancels().await {
                Ok(mut subscription) => {
                    while let Some(job_id) = subscription.next().await {
                        let token = self
                            .running
                            .lock()
                            .ok()
                            .and_then(|r| r.get(&job_id).map(|job| job.cancel.clone()));
                        if let Some(token) = token {
                            tracing::info!(%job_id, "cancel signal received; interrupting");
                            token.cancel();
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot subscribe to cancel signals"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Sends a heartbeat every couple of seconds.
    pub(crate) async fn send_heartbeats(self: Arc<Self>) {
        let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
        loop {
            tick.tick().await;
            let beat = self.heartbeat();
            if let Err(error) = self.queue.heartbeat(&beat).await {
                tracing::debug!(%error, "heartbeat failed");
            }
        }
    }

    /// This worker's current heartbeat.
    pub fn heartbeat(&self) -> WorkerHeartbeat {
        WorkerHeartbeat {
            worker_id: self.config.worker_id.clone(),
            slots: u32::try_from(self.config.max_concurrent_jobs).unwrap_or(u32::MAX),
            running_job_ids: self
                .running_jobs()
                .iter()
                .map(ToString::to_string)
                .collect(),
            sent_at: Some(timestamp(now_millis())),
            draining: self.draining.load(Ordering::SeqCst),
        }
    }
}
