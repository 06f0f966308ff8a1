//! The Redis side of specdoc: dispatch, leases, live events, cancel signals and heartbeats.
//!
//! Redis is the fast path, never the record: the database holds every job, and Redis holds only
//! ids and small protobuf envelopes (never specs), so a lost Redis loses no accepted job.
//!
//! # Key layout
//!
//! Every key starts with a configurable prefix `P` (default `specdoc`; tests use a unique one).
//! All of them are built in [`keys::Keys`].
//!
//! | key | type | written by | holds |
//! |---|---|---|---|
//! | `P:env:{job}` | string | scheduler (enqueue), worker (ack) | the job's `queue.v1.JobEnvelope` |
//! | `P:ready:{prio}:{team}` | list | enqueue (RPUSH), dequeue (LPOP) | ids of one team's queued jobs, FIFO |
//! | `P:teams:{prio}` | list | enqueue, dequeue | ring of teams with queued jobs; dequeue rotates it (round-robin fairness) |
//! | `P:active:{prio}` | set | enqueue, dequeue | the teams in the ring, so each appears once |
//! | `P:backlog:{prio}` | list of `1`s | enqueue (RPUSH), dequeue (LPOP) | one entry per queued job at that priority: a list rather than a counter so that KEDA's Redis list scaler (`LLEN`) can scale workers on it |
//! | `P:leases` | sorted set | dequeue, renew (all of a worker's at once), ack | job id → lease deadline (ms since epoch) |
//! | `P:lease-tokens` | hash | dequeue, ack | job id → token of its current lease |
//! | `P:delayed` | sorted set | worker (retry), dequeue (promotes due entries) | `prio|team|job` → time the retry may start (ms) |
//! | `P:doorbell` | list | enqueue (LPUSH, trimmed to 64) | wakes idle workers blocked in BLPOP |
//! | `P:events` | stream | workers, scheduler (XADD, MAXLEN ~ 2,000 entries) | entries of up to 64 `queue.v1.EventRecord`s published together (a field `e` each, in order), read once per tracker replica |
//! | `P:cancel` | pub/sub channel | scheduler | `queue.v1.CancelSignal`s for running jobs |
//! | `P:leader` | string (PX ttl) | schedulers | id of the scheduler running the periodic tasks; renewed by its holder |
//! | `P:workers` | hash | workers | worker id → latest `queue.v1.WorkerHeartbeat` |
//! | `P:quota:{team}` | string (PX ttl) | scheduler (admission) | the team's submission-rate state: the GCRA's theoretical arrival time (µs, Redis clock) |
//!
//! # Atomicity
//!
//! Enqueue, delayed enqueue, dequeue (with lease, after promoting due retries), renew, ack,
//! reclaim and removal are each one Lua script (for a batch of jobs, one call of it), so a job
//! is in exactly one of "ready list" or "leased" at any time and the ring, set and depth
//! counters never drift from the lists. Scripts build per-team keys from the prefix, so they
//! assume a single Redis (or a cluster where the prefix is a hash tag such as `{specdoc}`).

mod control;
mod dispatch;
mod events;
pub mod keys;
mod quota;

pub use control::CancelSubscription;
pub use dispatch::{Backlog, Leased, QueueDepths};
pub use events::{EventBatch, EventReader};
pub use quota::{Quota, Refusal};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// What can go wrong talking to Redis.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Redis failed or is unreachable (transient).
    #[error("redis error: {0}")]
    Redis(redis::RedisError),
    /// Bytes in Redis did not decode as the expected protobuf message.
    #[error("undecodable {what} in redis: {source}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        source: specdoc_proto::prost::DecodeError,
    },
    /// A job id in Redis is not a UUID.
    #[error("malformed job id in redis: {0:?}")]
    BadJobId(String),
}

/// Every Redis error passes here, so `specdoc_redis_errors_total` counts them all.
impl From<redis::RedisError> for Error {
    fn from(error: redis::RedisError) -> Self {
        specdoc_metrics::metrics().redis_errors.inc();
        Error::Redis(error)
    }
}

/// The result type of queue operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A handle on the queue; cheap to clone. Commands share one multiplexed, self-reconnecting
/// connection; blocking reads open their own connections so they never stall the shared one.
#[derive(Clone)]
pub struct Queue {
    client: redis::Client,
    conn: ConnectionManager,
    keys: keys::Keys,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

impl Queue {
    /// Connects to Redis at `url` with keys under `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let conn = client.get_connection_manager_with_config(config).await?;
        Ok(Self {
            client,
            conn,
            keys: keys::Keys::new(prefix),
        })
    }

    /// The key builder.
    pub fn keys(&self) -> &keys::Keys {
        &self.keys
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await?;
        Ok(())
    }

    /// A dedicated connection for a blocking command (BLPOP, XREAD BLOCK), whose response timeout
    /// leaves room for the block.
    async fn blocking_connection(
        &self,
        block: Duration,
    ) -> Result<redis::aio::MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(block + Duration::from_secs(5)));
        Ok(self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?)
    }
}

fn decode<M: specdoc_proto::Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M> {
    M::decode(bytes).map_err(|source| Error::Decode { what, source })
}
