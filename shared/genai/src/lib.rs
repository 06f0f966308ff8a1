//! specdoc's LLM writer: fills the prose a spec lacks (an API overview, tag descriptions,
//! operation summaries and descriptions, parameter and schema descriptions) through an
//! OpenAI-compatible chat-completions API, and degrades instead of failing.
//!
//! The worker builds one [`Writer`] per process from [`GenAiArgs`] (environment variables
//! `GENAI_*`) and calls [`Writer::enrich`] in its generate step, before the deterministic
//! writer (`specdoc_docs::prose::fill_missing`) fills whatever is still missing. `enrich` never
//! fails: when the model is unreachable, slow, rate-limited, answers garbage, exhausts the job's
//! budget or the circuit breaker is open, it stops and says why in [`Enrichment::degraded`].
//!
//! How it keeps the worker fast and safe:
//! - requests are batched ([`prompt`]): the overview and tags, then about twenty operations
//!   with their parameters, then schemas, packed into as few calls as the size limits allow;
//! - answers are cached through the caller's [`Cache`] under [`cache_key`] (model,
//!   [`PROMPT_VERSION`], SHA-256 of the request), so a resubmitted spec costs no call;
//! - each HTTP call is cut off by `GENAI_TIMEOUT`, retried with backoff on 429, 5xx and
//!   connection errors (honouring `Retry-After`), limited by a per-worker semaphore and a
//!   per-job budget, and guarded by a per-writer circuit breaker ([`breaker`]);
//! - spec text goes to the model as delimited, length-capped JSON data under a system prompt
//!   that calls it untrusted, with no tools; the answer must be one JSON object keyed by the
//!   ids asked for, and every text is cleaned and length-capped ([`answer`]) before it lands
//!   in the spec marked generated, where the renderers' sanitiser still applies;
//! - the API key is sent only in the auth header and never appears in logs, errors or
//!   `Debug` output.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod answer;
pub mod breaker;
mod budget;
mod client;
mod config;
pub mod prompt;
mod writer;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

pub use config::{ApiKey, Config, ConfigError, GenAiArgs};
pub use prompt::PROMPT_VERSION;
pub use writer::{Writer, cache_key};

/// What the LLM may write in a job (the job option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// No LLM: the deterministic writer alone fills the gaps.
    Off,
    /// Write only the prose the spec lacks; the authors' text stays as it is.
    #[default]
    FillMissing,
    /// Rewrite all prose the writer covers, including the authors' own.
    RewriteAll,
}

impl Mode {
    /// The option's spelling: `off`, `fill-missing` or `rewrite-all`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::FillMissing => "fill-missing",
            Mode::RewriteAll => "rewrite-all",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job option that is not one of `off`, `fill-missing`, `rewrite-all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown LLM mode {0:?}: expected off, fill-missing or rewrite-all")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    /// Accepts the spellings of [`Mode::as_str`], case-insensitively, with `_` for `-`.
    fn from_str(s: &str) -> Result<Mode, UnknownMode> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "off" => Ok(Mode::Off),
            "fill-missing" => Ok(Mode::FillMissing),
            "rewrite-all" => Ok(Mode::RewriteAll),
            _ => Err(UnknownMode(s.to_string())),
        }
    }
}

/// What one [`Writer::enrich`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Enrichment {
    /// Texts written into the spec (each marked generated).
    pub filled: usize,
    /// HTTP calls made, retries included.
    pub requests: u32,
    /// Batches answered from the cache, without a call.
    pub cache_hits: u32,
    /// Tokens spent, as the server reported them (estimated when it did not).
    pub tokens: u64,
    /// Why the writer stopped early, in words fit for the job's events (never the API key or
    /// spec text); `None` when every batch was answered.
    pub degraded: Option<String>,
}

/// Where model answers are cached between jobs (the worker implements it over its database).
///
/// Keys come from [`cache_key`] (64 hex digits); values are the validated answers, small JSON
/// objects. Implementations should swallow their own errors: a failed `get` is a miss and a
/// failed `put` is forgotten, since the cache only saves calls.
pub trait Cache: Send + Sync {
    /// The value stored under `key`, if any.
    fn get(&self, key: &str) -> impl Future<Output = Option<String>> + Send;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: &str, value: &str) -> impl Future<Output = ()> + Send;
}

/// A cache that never holds anything: every batch goes to the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

impl Cache for NoCache {
    async fn get(&self, _key: &str) -> Option<String> {
        None
    }

    async fn put(&self, _key: &str, _value: &str) {}
}

/// An in-process cache, for tests and single-process runs without a database.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryCache {
    /// How many answers it holds.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether it holds no answer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Option<String> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    async fn put(&self, key: &str, value: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key.to_string(), value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for m in [Mode::Off, Mode::FillMissing, Mode::RewriteAll] {
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        }
        assert_eq!("REWRITE_ALL".parse::<Mode>(), Ok(Mode::RewriteAll));
        assert!("all".parse::<Mode>().is_err());
        assert_eq!(Mode::default(), Mode::FillMissing);
    }
}
