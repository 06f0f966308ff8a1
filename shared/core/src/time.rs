//! Wall-clock times as milliseconds since the Unix epoch: what the database stores and what
//! every event carries.

use specdoc_proto::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub type UnixMillis = i64;

/// The current wall-clock time.
pub fn now_millis() -> UnixMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A protobuf timestamp for a time in milliseconds.
pub fn timestamp(millis: UnixMillis) -> Timestamp {
    Timestamp {
        seconds: millis.div_euclid(1000),
        nanos: i32::try_from(millis.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}

/// Milliseconds for a protobuf timestamp.
pub fn from_timestamp(ts: &Timestamp) -> UnixMillis {
    ts.seconds * 1000 + i64::from(ts.nanos / 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_including_before_the_epoch() {
        for millis in [0, 1, 999, 1_700_000_000_123, -1, -1001] {
            assert_eq!(from_timestamp(&timestamp(millis)), millis);
        }
    }
}
