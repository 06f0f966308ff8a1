//! The system of record: jobs, their specs, events and results.
//!
//! One [`Store`] speaks to Postgres (production) or SQLite (`specdoc up`, tests) through sqlx's
//! `Any` driver, with one migration set per backend under `migrations/`. SQL is written once with
//! `$N` placeholders, which both backends accept. On Postgres, the hot path's batch statements
//! (admission, and the workers' reads and writes of leased jobs) take a second pool of the
//! Postgres driver itself, binding one array per column.
//!
//! Every change a worker makes to a job is a compare-and-set on the job's current lease token, so
//! a worker that lost its lease cannot overwrite a newer attempt; every change also appends an
//! event numbered by the job's `last_seq`, in the same transaction, so events are gap-free and
//! ordered. See `lifecycle.rs`, and `leased.rs` for the writes running jobs make in groups.

mod events;
mod figures;
mod genai_cache;
mod jobs;
mod leased;
mod lifecycle;
mod planner;
mod results;
mod rollups;
mod rows;
mod tokens;

pub use figures::QueueFigures;
pub use jobs::{Inserted, JobFilter, Page};
pub use leased::{Completion, LeasedWrite, Results, StartWrite, Startable, Started, StepWrite};
pub use lifecycle::CancelOutcome;
pub use results::{Document, StoredResults};
pub use rollups::{DailyCount, Percentiles, ScorePoint, Stats, date_of_day, day_of};
pub use tokens::{TokenRecord, TokenRole};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// Every driver error passes here, so `specdoc_database_errors_total` counts them all.
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        specdoc_metrics::metrics().database_errors.inc();
        Error::Database(error)
    }
}

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed or is unreachable (transient).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row holds a value this version cannot read.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What could not be read.
        detail: String,
    },
    /// The URL names no supported database.
    #[error("unsupported DATABASE_URL scheme (expected postgres:// or sqlite://): {0}")]
    UnsupportedUrl(String),
}

impl Error {
    /// Whether the database rolled the transaction back for colliding with another one (a
    /// deadlock or a serialization failure): trying it again is safe and likely to succeed.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("40P01" | "40001")))
    }

    /// Whether retrying later may succeed (connection trouble, not a logic error).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Database(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::Protocol(_)
            )
        )
    }
}

/// The result type of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

/// Connections of the typed pool: a process makes its batch statements from a few tasks (the
/// scheduler's four group-commit loops and its SubmitJobs calls; a worker's lease loop and two
/// writer loops), each one statement at a time. Opened on demand.
const TYPED_CONNECTIONS: u32 = 8;

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// On Postgres, a pool of the Postgres driver itself for the hot path's batch statements
    /// (admission, and the workers' reads and writes of leased jobs): those bind arrays, which
    /// `Any` cannot, and read their rows without converting each value to `Any`'s.
    typed: Option<PgPool>,
}

impl Store {
    /// Connects to `postgres://...` or `sqlite://path` (the SQLite file is created if missing)
    /// and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let store = Self::open(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema: for deployments where one migration job (the Helm
    /// pre-install hook running `specdoc-scheduler migrate`) owns schema changes.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(Error::UnsupportedUrl(redact(url)));
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => format!("{url}{sep}mode=rwc"),
            // Without an `sslmode`, sqlx would use `prefer`: TLS whenever the server offers it,
            // with no check of who answers. That protects against nothing an attacker on the
            // path cannot downgrade, yet costs a handshake per connection; so TLS is asked for
            // explicitly (`sslmode=verify-full` in production), as it was before TLS support.
            Backend::Postgres
                if !url.contains("sslmode=") && std::env::var_os("PGSSLMODE").is_none() =>
            {
                format!("{url}{sep}sslmode=disable")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let typed = match backend {
            Backend::Postgres => Some(
                PgPoolOptions::new()
                    .max_connections(TYPED_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET plan_cache_mode = force_generic_plan")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_lazy_with(PgConnectOptions::from_str(&url)?),
            ),
            Backend::Sqlite => None,
        };
        let pool = match backend {
            // One connection: SQLite serialises writers anyway, and a single connection avoids
            // SQLITE_BUSY on lock upgrades inside transactions. Its operations take microseconds.
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Self { pool, typed })
    }

    /// Applies pending migrations. Safe to run from several processes at once: on Postgres sqlx
    /// holds an advisory lock while it migrates.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend() {
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        // Only Postgres has the typed pool.
        match self.typed {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections in use.
    pub async fn close(&self) {
        if let Some(typed) = &self.typed {
            typed.close().await;
        }
        self.pool.close().await;
    }
}

/// A database or Redis URL with its password replaced, safe to log: the password in the user
/// info (`postgres://app:***@db/x`, `rediss://:***@cache`) and the value of any query
/// parameter that names one (`?password=***`, `?sslpassword=***`).
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &base[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &base[..scheme_end + 3],
                    &userinfo[..colon],
                    &base[at..]
                ),
                None => base.to_owned(),
            }
        }
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(super::redact("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            super::redact("rediss://:p4ss@cache:6380/0"),
            "rediss://:***@cache:6380/0"
        );
        assert_eq!(
            super::redact("postgres://db/x?sslmode=verify-full&password=s3cret&sslpassword=k3y"),
            "postgres://db/x?sslmode=verify-full&password=***&sslpassword=***"
        );
    }
}
