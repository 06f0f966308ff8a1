//! Where the CLI finds a running specdoc: flags or `SPECDOC_SCHEDULER_URL` /
//! `SPECDOC_TRACKER_URL` (defaults match `specdoc up`), `SPECDOC_TOKEN` (or a token file,
//! by default the admin token `specdoc up` writes), and for `https://`
//! URLs `TLS_CA`, `TLS_CLIENT_CERT` and `TLS_CLIENT_KEY`, turned into a
//! [`specdoc_client::Client`].

use specdoc_client::{Client, ClientConfig, ClientTls, DEFAULT_URL};
use std::path::PathBuf;

/// Where the services are.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// Scheduler address.
    #[arg(long, env = "SPECDOC_SCHEDULER_URL", default_value = DEFAULT_URL, global = true)]
    pub scheduler_url: String,
    /// Tracker address.
    #[arg(long, env = "SPECDOC_TRACKER_URL", default_value = DEFAULT_URL, global = true)]
    pub tracker_url: String,
    /// Bearer token presented to the services (default: the token file, then the admin token
    /// `specdoc up` keeps in ./.specdoc/admin-token).
    #[arg(long, env = "SPECDOC_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// A file holding the bearer token.
    #[arg(long, env = "SPECDOC_TOKEN_FILE", global = true)]
    pub token_file: Option<String>,
    /// PEM CA bundle trusted for `https://` URLs (default: the platform's roots).
    #[arg(long, env = "TLS_CA", global = true)]
    pub tls_ca: Option<PathBuf>,
    /// PEM client certificate, for servers that require one (mTLS).
    #[arg(
        long,
        env = "TLS_CLIENT_CERT",
        requires = "tls_client_key",
        global = true
    )]
    pub tls_client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate.
    #[arg(
        long,
        env = "TLS_CLIENT_KEY",
        requires = "tls_client_cert",
        global = true
    )]
    pub tls_client_key: Option<PathBuf>,
}

impl Target {
    /// A client of these services.
    pub fn client(&self) -> Result<Client, specdoc_client::Error> {
        Client::new(&ClientConfig {
            scheduler_url: self.scheduler_url.clone(),
            tracker_url: self.tracker_url.clone(),
            token: self
                .token
                .clone()
                .filter(|t| !t.is_empty())
                .or_else(|| specdoc_client::token_from_file(self.token_file.clone())),
            tls: ClientTls {
                ca: self.tls_ca.clone(),
                cert: self.tls_client_cert.clone(),
                key: self.tls_client_key.clone(),
            },
        })
    }
}
