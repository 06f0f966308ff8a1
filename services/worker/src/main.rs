//! `specdoc-worker`: parse config, init logging, connect, run jobs until SIGTERM, drain.

use clap::Parser;
use specdoc_queue::Queue;
use specdoc_runtime::config::{Connections, SpecLimits};
use specdoc_runtime::{Dependencies, GrpcHost};
use std::time::Duration;

/// mimalloc rather than glibc's malloc: a job's many small, short-lived allocations (rows,
/// events, spans) spent a third of the worker's CPU in glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The specdoc worker: leases jobs and runs their pipeline.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    connections: Connections,
    /// Jobs this worker runs at once.
    #[arg(long, env = "MAX_CONCURRENT_JOBS", default_value_t = 4)]
    max_concurrent_jobs: usize,
    /// Seconds a job may run before it fails with "timeout".
    #[arg(long, env = "JOB_TIMEOUT", default_value_t = 300)]
    job_timeout: u64,
    /// Seconds of a lease; renewed every third of it.
    #[arg(long, env = "LEASE_SECONDS", default_value_t = 20)]
    lease_seconds: u64,
    /// Seconds in-flight jobs get to finish on shutdown.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value_t = 25)]
    shutdown_grace: u64,
    /// Milliseconds of backoff before the first retry of a transient failure; doubles per attempt.
    #[arg(long, env = "RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
    /// Longest backoff between retries, in milliseconds.
    #[arg(long, env = "RETRY_MAX_MS", default_value_t = 60_000)]
    retry_max_ms: u64,
    /// This worker's id; random by default.
    #[arg(long, env = "WORKER_ID")]
    worker_id: Option<String>,
    #[command(flatten)]
    limits: SpecLimits,
    #[command(flatten)]
    genai: specdoc_genai::GenAiArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _telemetry = specdoc_runtime::telemetry::init("specdoc-worker");
    let conns = &args.connections;
    let store = conns.open_store().await?;
    let queue = Queue::connect(&conns.redis_url, &conns.redis_prefix).await?;
    let config = specdoc_worker::Config {
        worker_id: args
            .worker_id
            .clone()
            .unwrap_or_else(specdoc_worker::default_worker_id),
        max_concurrent_jobs: args.max_concurrent_jobs,
        job_timeout: Duration::from_secs(args.job_timeout),
        lease: Duration::from_secs(args.lease_seconds.max(3)),
        grace: Duration::from_secs(args.shutdown_grace),
        retry_base: Duration::from_millis(args.retry_base_ms),
        retry_max: Duration::from_millis(args.retry_max_ms),
        limits: (&args.limits).into(),
        genai: args.genai.build()?,
    };
    let worker = specdoc_worker::Worker::new(store.clone(), queue.clone(), config);
    let stop = specdoc_runtime::shutdown_token();
    // gRPC stops with the process; the job loop drains first.
    let serving_stop = specdoc_runtime::CancellationToken::new();
    let mut host = GrpcHost::new(conns.authenticator(&store)?);
    host.add_service(specdoc_worker::WorkerApi(worker.clone()).into_service());
    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue),
    };
    let mut server = tokio::spawn({
        let conns = conns.clone();
        let serving_stop = serving_stop.clone();
        async move {
            specdoc_runtime::serve(
                &conns,
                host,
                dependencies,
                axum::Router::new(),
                serving_stop,
            )
            .await
        }
    });
    let mut jobs = tokio::spawn(worker.run(stop.clone()));
    tokio::select! {
        // The server ended on its own (it could not bind, or failed): stop taking jobs, drain,
        // and exit with its error rather than run jobs nobody can see.
        served = &mut server => {
            stop.cancel();
            let _ = jobs.await;
            served??;
        }
        _ = &mut jobs => {
            serving_stop.cancel();
            server.await??;
        }
    }
    store.close().await;
    Ok(())
}
