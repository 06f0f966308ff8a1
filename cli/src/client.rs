//! Where the CLI finds a running specdoc: flags or `SPECDOC_SCHEDULER_URL` /
//! `SPECDOC_TRACKER_URL` (defaults match `specdoc up`) and `SPECDOC_TOKEN`, turned into a
//! [`specdoc_client::Client`].

use specdoc_client::{Client, ClientConfig, DEFAULT_URL};

/// Where the services are.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// Scheduler address.
    #[arg(long, env = "SPECDOC_SCHEDULER_URL", default_value = DEFAULT_URL, global = true)]
    pub scheduler_url: String,
    /// Tracker address.
    #[arg(long, env = "SPECDOC_TRACKER_URL", default_value = DEFAULT_URL, global = true)]
    pub tracker_url: String,
    /// Bearer token presented to the services.
    #[arg(long, env = "SPECDOC_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

impl Target {
    /// A client of these services.
    pub fn client(&self) -> Result<Client, specdoc_client::Error> {
        Client::new(&ClientConfig {
            scheduler_url: self.scheduler_url.clone(),
            tracker_url: self.tracker_url.clone(),
            token: self.token.clone(),
        })
    }
}
