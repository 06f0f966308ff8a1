//! Settings every service binary reads, from flags or the environment (`clap` with `env`).

use std::net::SocketAddr;

/// Where a service listens and what it connects to.
#[derive(Debug, Clone, clap::Args)]
pub struct Connections {
    /// gRPC address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// HTTP address for /metrics and /healthz.
    #[arg(long, env = "HTTP_LISTEN", default_value = "127.0.0.1:8080")]
    pub http_listen: SocketAddr,
    /// Redis URL (redis:// or rediss://).
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: String,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    #[arg(long, env = "REDIS_PREFIX", default_value = "specdoc")]
    pub redis_prefix: String,
    /// Database URL: postgres://... or sqlite://path.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Leave the schema alone at start-up (a separate `specdoc-scheduler migrate` applies it).
    #[arg(long, env = "SKIP_MIGRATIONS", default_value_t = false)]
    pub skip_migrations: bool,
}

impl Connections {
    /// Opens the database, applying pending migrations unless `skip_migrations` is set.
    pub async fn open_store(&self) -> Result<specdoc_store::Store, specdoc_store::Error> {
        if self.skip_migrations {
            specdoc_store::Store::open(&self.database_url).await
        } else {
            specdoc_store::Store::connect(&self.database_url).await
        }
    }
}
