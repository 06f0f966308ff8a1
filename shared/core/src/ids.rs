//! Identifiers with their validation rules: a [`JobId`] is a UUID, team and service names are
//! short, printable and safe to use in Redis keys, metric labels and file names.

use crate::Invalid;
use std::fmt;
use std::str::FromStr;

/// A job's id: a UUIDv7, so ids sort by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(uuid::Uuid);

impl JobId {
    /// A new, time-ordered id.
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    /// When the id was made (its UUIDv7 timestamp), in Unix milliseconds; `None` for ids of
    /// another UUID version.
    pub fn created_at_millis(&self) -> Option<i64> {
        let (secs, nanos) = self.0.get_timestamp()?.to_unix();
        i64::try_from(secs * 1000 + u64::from(nanos / 1_000_000)).ok()
    }

    /// Parses a request's `job_id` field.
    pub fn parse_field(value: &str) -> Result<Self, Invalid> {
        if value.is_empty() {
            return Err(Invalid::new("job_id", "is required"));
        }
        value
            .parse()
            .map_err(|_| Invalid::new("job_id", format!("{value:?} is not a job id (a UUID)")))
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl FromStr for JobId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(Self)
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The token of one lease on a job. Every state change a worker makes is conditional on it, so
/// a worker whose lease was taken over cannot overwrite the newer attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken(pub String);

impl LeaseToken {
    /// A fresh random token.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl Default for LeaseToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn validate_name(field: &'static str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(Invalid::new(field, "is required"));
    }
    let ok_chars = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if value.len() > max || !ok_chars || value.starts_with('.') {
        return Err(Invalid::new(
            field,
            format!("must be 1-{max} characters of A-Z a-z 0-9 . _ - not starting with '.'"),
        ));
    }
    Ok(())
}

/// A team's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TeamId(String);

impl TeamId {
    /// Validates a request's `team_id`.
    pub fn parse_field(value: &str) -> Result<Self, Invalid> {
        Self::parse_field_named("team_id", value)
    }

    /// Validates a team id found in the request field `field` (e.g. `filter.team_id`).
    pub fn parse_field_named(field: &'static str, value: &str) -> Result<Self, Invalid> {
        validate_name(field, value, 64)?;
        Ok(Self(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of the service a spec describes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl ServiceName {
    /// Validates a request's `service_name`.
    pub fn parse_field(value: &str) -> Result<Self, Invalid> {
        validate_name("service_name", value, 128)?;
        Ok(Self(value.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_what_would_be_unsafe_in_keys_and_paths() {
        assert!(TeamId::parse_field("payments-team_1.eu").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "a:b", "é", &"x".repeat(65)] {
            let err = TeamId::parse_field(bad).unwrap_err();
            assert_eq!(err.field, "team_id", "{bad:?}");
        }
        assert!(ServiceName::parse_field(&"s".repeat(128)).is_ok());
        assert!(ServiceName::parse_field(&"s".repeat(129)).is_err());
    }

    #[test]
    fn job_ids_round_trip_and_name_the_field_when_bad() {
        let id = JobId::new();
        assert_eq!(JobId::parse_field(&id.to_string()).unwrap(), id);
        let err = JobId::parse_field("nope").unwrap_err();
        assert_eq!(err.field, "job_id");
        assert!(err.reason.contains("\"nope\""));
    }
}
