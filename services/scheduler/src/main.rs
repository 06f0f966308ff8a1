//! `specdoc-scheduler`: parse config, init logging, connect, serve until SIGTERM.

use clap::Parser;
use specdoc_queue::Queue;
use specdoc_runtime::config::{Connections, SpecLimits};
use specdoc_runtime::{Dependencies, GrpcHost, tasks};
use specdoc_store::Store;
use std::time::Duration;

/// mimalloc rather than glibc's malloc, as in the worker: admission builds and drops many small
/// values per job.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The specdoc scheduler: admission, dispatch, cancellation, queue status.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    connections: Connections,
    #[command(flatten)]
    limits: SpecLimits,
    #[command(flatten)]
    quotas: specdoc_scheduler::quota::QuotaArgs,
    /// Milliseconds between passes of the reconciler and lease reaper.
    #[arg(long, env = "RECONCILE_INTERVAL_MS", default_value_t = 5000)]
    reconcile_interval_ms: u64,
    /// Attempts a job gets before it fails.
    #[arg(long, env = "MAX_ATTEMPTS", default_value_t = 3)]
    max_attempts: u32,
    /// Days finished jobs are kept (0: forever).
    #[arg(long, env = "RETENTION_DAYS", default_value_t = 30)]
    retention_days: u32,
    /// Days a finished job keeps its step events; then only the terminal event stays (0: as long as the job).
    #[arg(long, env = "EVENT_RETENTION_DAYS", default_value_t = 7)]
    event_retention_days: u32,
    /// `all`: the API and the periodic tasks; `api`: the API only; `beat`: the periodic tasks only.
    #[arg(long, env = "SCHEDULER_MODE", value_enum, default_value_t = Mode::All)]
    mode: Mode,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Apply pending database migrations, then exit (run once per release, before the services).
    Migrate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    All,
    Api,
    Beat,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _telemetry = specdoc_runtime::telemetry::init("specdoc-scheduler");
    let conns = &args.connections;
    if let Some(Command::Migrate) = args.command {
        Store::connect(&conns.database_url).await?.close().await;
        tracing::info!("migrations applied");
        return Ok(());
    }
    let store = conns.open_store().await?;
    let queue = Queue::connect(&conns.redis_url, &conns.redis_prefix).await?;
    let config = specdoc_scheduler::Config {
        max_spec_bytes: args.limits.max_spec_bytes,
        limits: (&args.limits).into(),
        max_attempts: args.max_attempts,
        reconcile_interval: Duration::from_millis(args.reconcile_interval_ms.max(100)),
        retention_days: args.retention_days,
        event_retention_days: args.event_retention_days,
        quotas: args.quotas.quotas().map_err(anyhow::Error::msg)?,
    };
    let api = specdoc_scheduler::SchedulerApi::new(store.clone(), queue.clone(), config);
    let stop = specdoc_runtime::shutdown_token();
    tasks::spawn("queue-gauges", stop.clone(), api.clone().run_queue_gauges());
    if args.mode != Mode::Api {
        tasks::spawn(
            "periodic-tasks",
            stop.clone(),
            api.clone().run_periodic_tasks(),
        );
    }

    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue),
    };
    let authenticator = conns.authenticator(&store)?;
    let mut host = GrpcHost::new(authenticator.clone());
    if args.mode != Mode::Beat {
        host.add_service(api.into_service());
        host.add_service(specdoc_scheduler::AdminApi(authenticator).into_service());
    }
    specdoc_runtime::serve(conns, host, dependencies, axum::Router::new(), stop).await?;
    tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .ok();
    Ok(())
}
