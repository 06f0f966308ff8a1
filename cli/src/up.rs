//! `specdoc up`: scheduler, worker and tracker in one process, all gRPC services on one port.
//!
//! Data lives under `--data-dir`: the SQLite database, and the private Redis's append-only file
//! when one is needed. Redis comes from `REDIS_URL`; otherwise a Redis answering on
//! 127.0.0.1:6379 is used; otherwise a private `redis-server` child is started and stopped on
//! exit.

use anyhow::{Context, Result, bail};
use specdoc_queue::Queue;
use specdoc_runtime::config::{Connections, ServerTls, SpecLimits};
use specdoc_runtime::{Dependencies, GrpcHost, tasks};
use specdoc_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tokio::process::{Child, Command};

/// `up` arguments.
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// Where the SQLite database (and a private Redis's data) live.
    #[arg(long, env = "SPECDOC_DATA_DIR", default_value = "./.specdoc")]
    pub data_dir: PathBuf,
    /// gRPC address for all services.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub listen: std::net::SocketAddr,
    /// HTTP address for the web monitor, /metrics and /healthz.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http_listen: std::net::SocketAddr,
    /// Redis URL; unset means the local default or a private redis-server.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// The local Redis tried when REDIS_URL is unset (tests point it elsewhere).
    #[arg(
        long,
        env = "SPECDOC_LOCAL_REDIS",
        default_value = "redis://127.0.0.1:6379",
        hide = true
    )]
    pub local_redis: String,
    /// Prefix of every Redis key.
    #[arg(long, env = "REDIS_PREFIX", default_value = "specdoc")]
    pub redis_prefix: String,
    /// Jobs run at once.
    #[arg(long, env = "MAX_CONCURRENT_JOBS", default_value_t = 4)]
    pub max_concurrent_jobs: usize,
    /// Seconds a job may run.
    #[arg(long, env = "JOB_TIMEOUT", default_value_t = 300)]
    pub job_timeout: u64,
    /// The LLM that writes missing prose (unset: the deterministic writer).
    #[command(flatten)]
    pub genai: specdoc_genai::GenAiArgs,
    /// Limits on submitted specs.
    #[command(flatten)]
    pub limits: SpecLimits,
    /// Per-team submission quotas.
    #[command(flatten)]
    pub quotas: specdoc_scheduler::quota::QuotaArgs,
    /// TLS (and mTLS) for the gRPC port.
    #[command(flatten)]
    pub tls: ServerTls,
    /// Static API tokens, besides the admin token `up` keeps in the data dir.
    #[command(flatten)]
    pub auth: specdoc_runtime::auth::AuthArgs,
}

/// The file in the data dir holding the local admin token `up` creates on first start; the
/// CLI reads it when `SPECDOC_TOKEN` is unset.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";

pub async fn run(args: UpArgs) -> Result<ExitCode> {
    let _telemetry = specdoc_runtime::telemetry::init("specdoc");
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create data dir {}", args.data_dir.display()))?;
    let data_dir = args
        .data_dir
        .canonicalize()
        .unwrap_or_else(|_| args.data_dir.clone());
    let (redis_url, mut redis_child) =
        resolve_redis(args.redis_url.clone(), &args.local_redis, &data_dir).await?;
    let outcome = serve(&args, &data_dir, &redis_url).await;
    if let Some(child) = redis_child.as_mut() {
        stop_redis(&redis_url, child).await;
    }
    outcome?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: &UpArgs, data_dir: &Path, redis_url: &str) -> Result<()> {
    let database_url = format!("sqlite://{}", data_dir.join("specdoc.db").display());
    let store = Store::connect(&database_url)
        .await
        .context("cannot open the SQLite database")?;
    let queue = Queue::connect(redis_url, &args.redis_prefix)
        .await
        .with_context(|| {
            format!(
                "cannot connect to Redis at {}",
                specdoc_store::redact(redis_url)
            )
        })?;
    let stop = specdoc_runtime::shutdown_token();

    let scheduler = specdoc_scheduler::SchedulerApi::new(
        store.clone(),
        queue.clone(),
        specdoc_scheduler::Config {
            max_spec_bytes: args.limits.max_spec_bytes,
            limits: (&args.limits).into(),
            quotas: args.quotas.quotas().map_err(anyhow::Error::msg)?,
            ..Default::default()
        },
    );
    tasks::spawn(
        "periodic-tasks",
        stop.clone(),
        scheduler.clone().run_periodic_tasks(),
    );
    tasks::spawn(
        "queue-gauges",
        stop.clone(),
        scheduler.clone().run_queue_gauges(),
    );
    let fanout = specdoc_tracker::fanout::Fanout::new();
    tasks::spawn(
        "event-fanout",
        stop.clone(),
        fanout.clone().run_reader(queue.clone()),
    );
    let worker_config = specdoc_worker::Config {
        max_concurrent_jobs: args.max_concurrent_jobs,
        job_timeout: Duration::from_secs(args.job_timeout),
        limits: (&args.limits).into(),
        genai: args.genai.build()?,
        ..Default::default()
    };
    let worker = specdoc_worker::Worker::new(store.clone(), queue.clone(), worker_config);
    let worker_done = tokio::spawn(worker.clone().run(stop.clone()));

    let authenticator = args.auth.authenticator(Some(store.clone()))?;
    let token_file = ensure_admin_token(&authenticator, data_dir).await?;
    let eta = specdoc_runtime::eta::EtaEstimator::new(store.clone(), queue.clone());
    let monitor = specdoc_tracker::monitor::Monitor::new(
        store.clone(),
        queue.clone(),
        fanout.clone(),
        eta.clone(),
        authenticator.clone(),
        stop.clone(),
    );
    let mut host = GrpcHost::new(authenticator.clone());
    host.add_service(scheduler.into_service());
    host.add_service(specdoc_scheduler::AdminApi(authenticator).into_service());
    host.add_service(specdoc_tracker::TrackerApi::new(store.clone(), fanout, eta).into_service());
    host.add_service(specdoc_worker::WorkerApi(worker).into_service());
    let connections = Connections {
        listen: args.listen,
        http_listen: args.http_listen,
        redis_url: redis_url.to_owned(),
        redis_prefix: args.redis_prefix.clone(),
        database_url,
        skip_migrations: false,
        tls: args.tls.clone(),
        auth: args.auth.clone(),
    };
    let scheme = if args.tls.enabled() { "https" } else { "http" };
    eprintln!(
        "specdoc is up: gRPC on {scheme}://{}, web monitor on http://{}/ (metrics at /metrics), data in {}",
        args.listen,
        args.http_listen,
        data_dir.display()
    );
    eprintln!(
        "admin token in {} (the CLI reads it from there; elsewhere: export SPECDOC_TOKEN=$(cat {}))",
        token_file.display(),
        token_file.display()
    );
    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue),
    };
    let served = specdoc_runtime::serve(
        &connections,
        host,
        dependencies,
        specdoc_tracker::monitor::router(monitor),
        stop.clone(),
    )
    .await;
    stop.cancel();
    let _ = worker_done.await;
    store.close().await;
    served.context("specdoc up stopped with an error")
}

/// The local admin token: created (in the database, hashed) on first start and written to
/// `data_dir/admin-token`, readable by the owner only; kept as long as the database knows it.
async fn ensure_admin_token(
    authenticator: &specdoc_runtime::auth::Authenticator,
    data_dir: &Path,
) -> Result<PathBuf> {
    let path = data_dir.join(ADMIN_TOKEN_FILE);
    // Kept while it still works: a database deleted without its token file gets a new token.
    if let Ok(kept) = std::fs::read_to_string(&path)
        && authenticator.authenticate(kept.trim()).await.is_ok()
    {
        return Ok(path);
    }
    let (token, _) = authenticator
        .create_token(&specdoc_store::TokenRole::Admin, "specdoc up")
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the local admin token: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{token}\n").as_bytes())?;
    Ok(path)
}

/// Picks the Redis to use, starting a private one when needed.
async fn resolve_redis(
    configured: Option<String>,
    local: &str,
    data_dir: &Path,
) -> Result<(String, Option<Child>)> {
    if let Some(url) = configured.filter(|url| !url.is_empty()) {
        return Ok((url, None));
    }
    if answers(local).await {
        return Ok((local.to_owned(), None));
    }
    let Some(binary) = which("redis-server") else {
        bail!(
            "no Redis is reachable: REDIS_URL is unset, nothing answers at {local}, and \
             `redis-server` is not on PATH.\nInstall Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; \
             macOS: `brew install redis`) or set REDIS_URL to a running server."
        );
    };
    let redis_dir = data_dir.join("redis");
    std::fs::create_dir_all(&redis_dir)
        .with_context(|| format!("cannot create {}", redis_dir.display()))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = Command::new(binary)
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
        ])
        .arg("--dir")
        .arg(&redis_dir)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start redis-server")?;
    let url = format!("redis://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !answers(&url).await {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("the private redis-server exited at start ({status}); see its log above");
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the private redis-server did not answer within 10s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "started a private redis-server on 127.0.0.1:{port} with data in {}",
        redis_dir.display()
    );
    Ok((url, Some(child)))
}

async fn answers(url: &str) -> bool {
    let probe = async {
        let queue = Queue::connect(url, "specdoc-probe").await.ok()?;
        queue.ping().await.ok()
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Some(()))
    )
}

/// Asks the private Redis to shut down (flushing its append-only file), then reaps it.
async fn stop_redis(url: &str, child: &mut Child) {
    if let Ok(queue) = Queue::connect(url, "specdoc").await {
        queue.shutdown_server().await;
    }
    if tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}
