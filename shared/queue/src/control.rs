//! Signals between processes: cancel requests for running jobs (pub/sub, because only the
//! worker running the job needs them and only while it runs) and worker heartbeats (a hash the
//! scheduler and tracker read for queue status and ETA).

use crate::{Queue, Result, decode};
use futures::StreamExt;
use specdoc_core::{JobId, from_timestamp, now_millis};
use specdoc_proto::Message;
use specdoc_proto::queue::v1::{CancelSignal, WorkerHeartbeat};
use std::sync::LazyLock;
use std::time::Duration;

static LEAD: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
-- KEYS: leader.  ARGV: holder, ttl ms.  Take the lock if free, or renew it if ours.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
",
    )
});

impl Queue {
    /// Tells whichever worker runs `job` to interrupt it.
    pub async fn publish_cancel(&self, signal: &CancelSignal) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("PUBLISH")
            .arg(self.keys.cancel())
            .arg(signal.encode_to_vec())
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Subscribes to cancel signals on a dedicated connection.
    pub async fn subscribe_cancels(&self) -> Result<CancelSubscription> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.keys.cancel()).await?;
        Ok(CancelSubscription { pubsub })
    }

    /// Takes or renews the leader lock for `holder` for `ttl`. True while `holder` leads; a
    /// holder that stops renewing loses the lock when the ttl runs out.
    pub async fn lead(&self, holder: &str, ttl: Duration) -> Result<bool> {
        let mut conn = self.conn.clone();
        let led: i64 = LEAD
            .key(self.keys.leader())
            .arg(holder)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut conn)
            .await?;
        Ok(led == 1)
    }

    /// Records a worker's heartbeat.
    pub async fn heartbeat(&self, beat: &WorkerHeartbeat) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("HSET")
            .arg(self.keys.workers())
            .arg(&beat.worker_id)
            .arg(beat.encode_to_vec())
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Removes a worker that stopped cleanly.
    pub async fn forget_worker(&self, worker_id: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("HDEL")
            .arg(self.keys.workers())
            .arg(worker_id)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Workers whose last heartbeat is younger than `max_age_ms`; older entries are deleted.
    pub async fn live_workers(&self, max_age_ms: i64) -> Result<Vec<WorkerHeartbeat>> {
        let mut conn = self.conn.clone();
        let all: Vec<(String, Vec<u8>)> = redis::cmd("HGETALL")
            .arg(self.keys.workers())
            .query_async(&mut conn)
            .await?;
        let now = now_millis();
        let mut live = Vec::new();
        for (id, bytes) in all {
            let beat: Option<WorkerHeartbeat> = decode("worker heartbeat", &bytes).ok();
            let fresh = beat
                .as_ref()
                .and_then(|b| b.sent_at.as_ref())
                .is_some_and(|t| now - from_timestamp(t) <= max_age_ms);
            match beat {
                Some(beat) if fresh => live.push(beat),
                _ => {
                    redis::cmd("HDEL")
                        .arg(self.keys.workers())
                        .arg(&id)
                        .query_async::<()>(&mut conn)
                        .await?;
                }
            }
        }
        live.sort_by(|a, b| a.worker_id.cmp(&b.worker_id));
        Ok(live)
    }
}

/// A stream of cancel signals.
pub struct CancelSubscription {
    pubsub: redis::aio::PubSub,
}

impl CancelSubscription {
    /// The next job to cancel; `None` when the connection closed (resubscribe).
    pub async fn next(&mut self) -> Option<JobId> {
        let mut messages = self.pubsub.on_message();
        while let Some(message) = messages.next().await {
            let bytes = message.get_payload_bytes();
            match decode::<CancelSignal>("cancel signal", bytes) {
                Ok(signal) => match signal.job_id.parse() {
                    Ok(id) => return Some(id),
                    Err(_) => {
                        tracing::warn!(job_id = %signal.job_id, "cancel signal for a malformed job id")
                    }
                },
                Err(error) => tracing::warn!(%error, "skipping undecodable cancel signal"),
            }
        }
        None
    }
}

impl Queue {
    /// Asks the Redis server to shut down, saving its append-only file. Only for a private
    /// server this process started (`specdoc up`).
    pub async fn shutdown_server(&self) {
        let mut conn = self.conn.clone();
        // The server closes the connection instead of answering.
        let _ = redis::cmd("SHUTDOWN").query_async::<()>(&mut conn).await;
    }
}
