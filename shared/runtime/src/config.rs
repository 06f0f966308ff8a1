//! Settings every service binary reads, from flags or the environment (`clap` with `env`).

use std::net::SocketAddr;

pub use crate::tls::ServerTls;

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
    /// TLS (and mTLS) for the gRPC port.
    #[command(flatten)]
    pub tls: ServerTls,
    /// Static API tokens (database tokens need no setting).
    #[command(flatten)]
    pub auth: crate::auth::AuthArgs,
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

    /// The authenticator of this process: the static tokens, then `store`'s.
    pub fn authenticator(
        &self,
        store: &specdoc_store::Store,
    ) -> Result<crate::auth::Authenticator, crate::auth::ConfigError> {
        self.auth.authenticator(Some(store.clone()))
    }
}

/// Limits on untrusted specs (`MAX_SPEC_BYTES`, `MAX_SPEC_DEPTH`, `MAX_SPEC_NODES`,
/// `MAX_YAML_ALIASES`, `MAX_OPERATIONS`), read by the scheduler (refused at submission with
/// INVALID_ARGUMENT) and the worker (which parses again with the same limits).
#[derive(Debug, Clone, clap::Args)]
pub struct SpecLimits {
    /// Largest accepted spec, in bytes; the gRPC message limit follows it.
    #[arg(long, env = "MAX_SPEC_BYTES", default_value_t = specdoc_docs::Limits::default().max_bytes)]
    pub max_spec_bytes: usize,
    /// Deepest nesting of mappings and sequences.
    #[arg(long, env = "MAX_SPEC_DEPTH", default_value_t = specdoc_docs::Limits::default().max_depth)]
    pub max_spec_depth: usize,
    /// Most values a spec may hold, after YAML alias expansion.
    #[arg(long, env = "MAX_SPEC_NODES", default_value_t = specdoc_docs::Limits::default().max_nodes)]
    pub max_spec_nodes: usize,
    /// Most YAML alias uses (`*name`).
    #[arg(long, env = "MAX_YAML_ALIASES", default_value_t = specdoc_docs::Limits::default().max_yaml_aliases)]
    pub max_yaml_aliases: usize,
    /// Most operations under `paths`.
    #[arg(long, env = "MAX_OPERATIONS", default_value_t = specdoc_docs::Limits::default().max_operations)]
    pub max_operations: usize,
}

impl Default for SpecLimits {
    fn default() -> Self {
        specdoc_docs::Limits::default().into()
    }
}

impl From<specdoc_docs::Limits> for SpecLimits {
    fn from(limits: specdoc_docs::Limits) -> Self {
        Self {
            max_spec_bytes: limits.max_bytes,
            max_spec_depth: limits.max_depth,
            max_spec_nodes: limits.max_nodes,
            max_yaml_aliases: limits.max_yaml_aliases,
            max_operations: limits.max_operations,
        }
    }
}

impl From<&SpecLimits> for specdoc_docs::Limits {
    fn from(limits: &SpecLimits) -> Self {
        Self {
            max_bytes: limits.max_spec_bytes,
            max_depth: limits.max_spec_depth,
            max_nodes: limits.max_spec_nodes,
            max_yaml_aliases: limits.max_yaml_aliases,
            max_operations: limits.max_operations,
        }
    }
}
