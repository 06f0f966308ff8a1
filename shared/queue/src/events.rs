//! The live event stream. Workers append every job event to one Redis stream after committing
//! it to the database; each tracker replica reads the stream once and fans events out in
//! process. The stream is capped (MAXLEN ~): the database keeps the full history, so a reader
//! that falls behind the cap catches up from there.

use crate::{Queue, Result, decode};
use specdoc_proto::Message;
use specdoc_proto::queue::v1::EventRecord;
use std::time::Duration;

/// Stream entries as redis-rs decodes them: (id, [(field, value)]).
type Entries = Vec<(String, Vec<(String, Vec<u8>)>)>;

/// Approximate number of entries the stream keeps.
const STREAM_CAP: usize = 2_000;

/// Most events in one entry. An entry holds events published together (a worker's committed
/// group: one entry costs Redis a fraction of an entry per event), so the cap in entries keeps
/// at least 2,000 events and at most 128,000 (some 25 MB): readers follow the stream as it
/// grows, and one that reconnects re-reads the database anyway.
const EVENTS_PER_ENTRY: usize = 64;

/// Events read from the stream, and the id to read after next.
#[derive(Debug, Default)]
pub struct EventBatch {
    /// Stream id of the last entry read; pass it to the next read.
    pub last_id: String,
    /// The decoded records; undecodable entries are skipped (and logged).
    pub records: Vec<EventRecord>,
}

impl Queue {
    /// Appends an event to the live stream.
    pub async fn publish_event(&self, record: &EventRecord) -> Result<()> {
        self.publish_events(std::slice::from_ref(record)).await
    }

    /// Publishes several events in one round trip (a pipeline), in order.
    pub async fn publish_events(&self, records: &[EventRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        self.add_events(&mut pipe, records);
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }

    /// Adds `records` to a pipeline as stream entries of up to [`EVENTS_PER_ENTRY`] events, a
    /// field per record, in order.
    pub(crate) fn add_events(&self, pipe: &mut redis::Pipeline, records: &[EventRecord]) {
        for chunk in records.chunks(EVENTS_PER_ENTRY) {
            let entry = pipe
                .cmd("XADD")
                .arg(self.keys.events())
                .arg("MAXLEN")
                .arg("~")
                .arg(STREAM_CAP)
                .arg("*");
            for record in chunk {
                entry.arg("e").arg(record.encode_to_vec());
            }
            entry.ignore();
        }
    }

    /// A dedicated reader of the event stream, starting after stream id `after` (to resume
    /// after a reconnect), or after the newest entry now when `None`.
    pub async fn event_reader(&self, after: Option<String>) -> Result<EventReader> {
        let block = Duration::from_secs(2);
        let mut conn = self.blocking_connection(block).await?;
        if let Some(last_id) = after {
            return Ok(EventReader {
                conn,
                key: self.keys.events(),
                block,
                last_id,
            });
        }
        // The newest id now, not `$`: with `$` the events appended between this call and the
        // first XREAD would be missed.
        let newest: Entries = redis::cmd("XREVRANGE")
            .arg(self.keys.events())
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await?;
        let last_id = newest
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id);
        Ok(EventReader {
            conn,
            key: self.keys.events(),
            block,
            last_id,
        })
    }
}

/// Reads the event stream in order with XREAD BLOCK on its own connection.
pub struct EventReader {
    conn: redis::aio::MultiplexedConnection,
    key: String,
    block: Duration,
    last_id: String,
}

impl EventReader {
    /// The next batch of events; empty after the block time passes with nothing new.
    pub async fn next_batch(&mut self) -> Result<EventBatch> {
        let reply: Option<Vec<(String, Entries)>> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1000)
            .arg("BLOCK")
            .arg(u64::try_from(self.block.as_millis()).unwrap_or(2000))
            .arg("STREAMS")
            .arg(&self.key)
            .arg(&self.last_id)
            .query_async(&mut self.conn)
            .await?;
        let mut batch = EventBatch {
            last_id: self.last_id.clone(),
            records: Vec::new(),
        };
        for (_, entries) in reply.unwrap_or_default() {
            for (id, fields) in entries {
                for (_, bytes) in fields {
                    match decode::<EventRecord>("event record", &bytes) {
                        Ok(record) => batch.records.push(record),
                        Err(error) => {
                            tracing::warn!(%error, stream_id = %id, "skipping undecodable event")
                        }
                    }
                }
                batch.last_id = id;
            }
        }
        self.last_id.clone_from(&batch.last_id);
        Ok(batch)
    }
}
