//! Logging through `tracing`, filtered by `RUST_LOG` (default `info`). Messages are lowercase
//! with structured fields; spec bodies, tokens and passwords are never logged.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Safe to call more than once (later calls do nothing), so
/// in-process tests and `specdoc up` can share it.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
