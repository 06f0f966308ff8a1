//! Queue benchmark driver: no-op-sized QUALITY_SCORE jobs through a running scheduler (the full
//! path: scheduler → Redis → worker → database, with events), in two phases.
//!
//! 1. Throughput: `jobs` jobs submitted with SubmitJobs in batches of 1000 from a few
//!    concurrent callers (as BullMQ's `addBulk`), the clock stopped when the database records
//!    the last one COMPLETED: `specdoc: N jobs/s`.
//! 2. Latency: `latency_jobs` single SubmitJob calls from `callers` concurrent callers (the
//!    group commit's case), each call timed; then it waits for those jobs to complete too:
//!    `specdoc submit latency (single SubmitJob, 64 callers): p50 … ms, …`.
//!
//! Usage: `bench_queue SCHEDULER_URL DATABASE_URL [jobs=5000] [callers=64] [latency_jobs=2000]`.
//! `benches/queue/run.sh` starts the services and runs it beside BullMQ and Celery.

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::scheduler::v1::{SubmitJobRequest, SubmitJobsRequest};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const TINY_SPEC: &[u8] = br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

/// Jobs per SubmitJobs call: BullMQ's customary `addBulk` size, and the most one call takes.
const BATCH: usize = specdoc_scheduler::MAX_JOBS_PER_CALL;

/// Concurrent SubmitJobs callers in the throughput phase.
const BATCH_CALLERS: usize = 4;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() >= 3,
        "usage: bench_queue SCHEDULER_URL DATABASE_URL [jobs] [callers] [latency_jobs]"
    );
    let (scheduler_url, database_url) = (args[1].clone(), args[2].clone());
    let jobs: usize = args.get(3).map_or(Ok(5000), |n| n.parse())?;
    let callers: usize = args.get(4).map_or(Ok(64), |n| n.parse())?;
    let latency_jobs: usize = args.get(5).map_or(Ok(2000), |n| n.parse())?;
    let channel = tonic::transport::Endpoint::from_shared(scheduler_url)?
        .connect()
        .await?;
    // The schema is the scheduler's to migrate; the driver only reads the completed count.
    let database = PgPool::connect(&database_url).await?;

    let team = format!("bench-{}", std::process::id());
    let started = Instant::now();
    let submitted = submit_in_batches(&channel, &team, jobs).await?;
    let admitted = started.elapsed();
    wait_completed(&database, &team, submitted).await?;
    let elapsed = started.elapsed();
    println!(
        "specdoc: {:.0} jobs/s",
        submitted as f64 / elapsed.as_secs_f64()
    );
    println!(
        "specdoc admission (SubmitJobs, batches of {BATCH}, {BATCH_CALLERS} callers): {submitted} jobs in {:.2}s, {:.0} jobs/s",
        admitted.as_secs_f64(),
        submitted as f64 / admitted.as_secs_f64()
    );

    if latency_jobs == 0 {
        return Ok(());
    }
    let team = format!("bench-{}-latency", std::process::id());
    let mut latencies = submit_singly(&channel, &team, latency_jobs, callers).await;
    anyhow::ensure!(!latencies.is_empty(), "no single submission succeeded");
    wait_completed(&database, &team, latencies.len()).await?;
    latencies.sort();
    let ms = |p: f64| {
        let at = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[at].as_secs_f64() * 1000.0
    };
    println!(
        "specdoc submit latency (single SubmitJob, {callers} callers): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(0.50),
        ms(0.90),
        ms(0.99),
        ms(1.0)
    );
    Ok(())
}

fn tiny_job(team: &str) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: team.to_owned(),
        service_name: "bench".into(),
        job_type: job_pb::JobType::QualityScore as i32,
        spec: TINY_SPEC.to_vec(),
        ..Default::default()
    }
}

/// Submits `jobs` jobs of `team` in SubmitJobs calls of [`BATCH`], [`BATCH_CALLERS`] calls at a
/// time. Returns how many were accepted.
async fn submit_in_batches(channel: &Channel, team: &str, jobs: usize) -> anyhow::Result<usize> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut callers = Vec::new();
    for _ in 0..BATCH_CALLERS {
        let mut client =
            SchedulerServiceClient::new(specdoc_testkit::authed_from_env(channel.clone()));
        let (next, team) = (next.clone(), team.to_owned());
        callers.push(tokio::spawn(async move {
            let mut accepted = 0;
            loop {
                let start = next.fetch_add(BATCH, Ordering::Relaxed);
                if start >= jobs {
                    return Ok::<_, tonic::Status>(accepted);
                }
                let batch = (start..jobs.min(start + BATCH))
                    .map(|_| tiny_job(&team))
                    .collect();
                let request = SubmitJobsRequest { jobs: batch };
                accepted += client.submit_jobs(request).await?.into_inner().jobs.len();
            }
        }));
    }
    let mut accepted = 0;
    for caller in callers {
        accepted += caller.await??;
    }
    Ok(accepted)
}

/// Submits `jobs` jobs of `team` one SubmitJob call each from `callers` concurrent callers.
/// Returns each successful call's latency.
async fn submit_singly(
    channel: &Channel,
    team: &str,
    jobs: usize,
    callers: usize,
) -> Vec<Duration> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Duration>(jobs.max(1));
    let per_caller = jobs.div_ceil(callers.max(1));
    for caller in 0..callers {
        let mut client =
            SchedulerServiceClient::new(specdoc_testkit::authed_from_env(channel.clone()));
        let (tx, team) = (tx.clone(), team.to_owned());
        let count = per_caller.min(jobs.saturating_sub(caller * per_caller));
        tokio::spawn(async move {
            for _ in 0..count {
                let sent = Instant::now();
                if client.submit_job(tiny_job(&team)).await.is_ok() {
                    let _ = tx.send(sent.elapsed()).await;
                }
            }
        });
    }
    drop(tx);
    let mut latencies = Vec::with_capacity(jobs);
    while let Some(latency) = rx.recv().await {
        latencies.push(latency);
    }
    latencies
}

/// Waits until the database records `jobs` of `team`'s jobs as completed.
async fn wait_completed(database: &PgPool, team: &str, jobs: usize) -> anyhow::Result<()> {
    let waiting = Instant::now();
    let deadline = waiting + Duration::from_secs(600);
    loop {
        // The completed count from the statistics rollup, which the transaction completing a job
        // updates: a few rows to sum, where `Store::stats` would also count the unfinished
        // backlog (a scan of every queued job, a tenth of a second of the database's time per
        // run, taken from the system measured).
        let completed: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(jobs), 0)::bigint FROM stats_daily \
             WHERE team_id = $1 AND state = 'completed'",
        )
        .bind(team)
        .fetch_one(database)
        .await?;
        let completed = usize::try_from(completed)?;
        if completed >= jobs {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {completed} of {jobs} jobs of {team} completed"
        );
        // Ask again after half the time the rest should take at the rate so far, and every
        // 10 ms near the end, so the clock stops within 10 ms of the last one.
        let left = (jobs - completed) as f64;
        let rate = completed as f64 / waiting.elapsed().as_secs_f64().max(0.001);
        let pause = if rate > 0.0 { left / rate / 2.0 } else { 0.1 };
        tokio::time::sleep(Duration::from_secs_f64(pause.clamp(0.01, 0.5))).await;
    }
}
