//! Commands that look at the system as a whole: `active`, `stats` and `health`.

use crate::client::{Target, explain};
use anyhow::Result;
use specdoc_core::{JobState, Step};
use specdoc_proto::scheduler::v1::GetQueueStatusRequest;
use specdoc_proto::tracker::v1::{GetStatsRequest, JobFilter, ListJobsRequest};
use std::process::ExitCode;
use std::time::Instant;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// `active` arguments.
#[derive(Debug, clap::Args)]
pub struct ActiveArgs {
    /// Only this team's jobs.
    #[arg(long)]
    pub team_id: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

/// `stats` arguments.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The team.
    #[arg(long)]
    pub team_id: String,
    /// Window in days.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    #[command(flatten)]
    pub target: Target,
}

/// `health` arguments.
#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub target: Target,
}

pub async fn active(args: ActiveArgs) -> Result<ExitCode> {
    let request = ListJobsRequest {
        filter: Some(JobFilter {
            team_id: args.team_id.unwrap_or_default(),
            states: vec![JobState::Processing.to_proto()],
            ..Default::default()
        }),
        page_size: 500,
        page_token: String::new(),
    };
    let jobs = args
        .target
        .tracker()
        .await?
        .list_jobs(request)
        .await
        .map_err(explain)?
        .into_inner()
        .jobs;
    if jobs.is_empty() {
        println!("no job is running");
    }
    for job in jobs {
        let step = Step::from_proto(job.current_step).map_or("-", Step::as_str);
        println!(
            "{}  {:<16} {:<20} {step:<8} {:>3}%  attempt {}",
            job.job_id, job.team_id, job.service_name, job.progress_percent, job.attempt
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stats(args: StatsArgs) -> Result<ExitCode> {
    let request = GetStatsRequest {
        team_id: args.team_id.clone(),
        days: args.days,
    };
    let stats = args
        .target
        .tracker()
        .await?
        .get_stats(request)
        .await
        .map_err(explain)?
        .into_inner();
    println!(
        "team {} over {} days: {} jobs",
        args.team_id, args.days, stats.total_jobs
    );
    println!("success rate  {:.1}%", stats.success_rate * 100.0);
    println!("degraded      {}", stats.degraded_jobs);
    for count in &stats.by_state {
        println!("  {:<12} {}", count.key, count.count);
    }
    for count in &stats.by_type {
        println!("  {:<14} {}", count.key, count.count);
    }
    Ok(ExitCode::SUCCESS)
}

/// One health probe: a gRPC health check of `service` at the target, with its latency.
async fn probe(url: &str, service: &str) -> (bool, String) {
    let started = Instant::now();
    let outcome = async {
        let channel = tonic::transport::Endpoint::from_shared(url.to_owned())?
            .connect_timeout(std::time::Duration::from_secs(3))
            .connect()
            .await?;
        let reply = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await?;
        anyhow::Ok(reply.into_inner().status == ServingStatus::Serving as i32)
    }
    .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(true) => (true, format!("ok        {ms:>7.1} ms")),
        Ok(false) => (false, format!("DOWN      {ms:>7.1} ms (not serving)")),
        Err(error) => (false, format!("DOWN      {ms:>7.1} ms ({error})")),
    }
}

pub async fn health(args: HealthArgs) -> Result<ExitCode> {
    let target = &args.target;
    let mut healthy = true;
    let checks = [
        (
            "scheduler",
            target.scheduler_url.as_str(),
            "specdoc.scheduler.v1.SchedulerService",
        ),
        (
            "tracker",
            target.tracker_url.as_str(),
            "specdoc.tracker.v1.TrackerService",
        ),
        (
            "redis",
            target.scheduler_url.as_str(),
            specdoc_runtime::host::REDIS_HEALTH,
        ),
        (
            "database",
            target.scheduler_url.as_str(),
            specdoc_runtime::host::DATABASE_HEALTH,
        ),
    ];
    for (name, url, service) in checks {
        let (ok, line) = probe(url, service).await;
        healthy &= ok;
        println!("{name:<10} {line}");
    }
    let started = Instant::now();
    let workers = match target.scheduler().await {
        Ok(mut client) => client
            .get_queue_status(GetQueueStatusRequest::default())
            .await
            .map(|r| r.into_inner().workers.len()),
        Err(_) => Ok(0),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match workers {
        Ok(0) => {
            healthy = false;
            println!(
                "{:<10} DOWN      {ms:>7.1} ms (no worker has sent a heartbeat)",
                "workers"
            );
        }
        Ok(n) => println!("{:<10} ok        {ms:>7.1} ms ({n} alive)", "workers"),
        Err(status) => {
            healthy = false;
            println!(
                "{:<10} DOWN      {ms:>7.1} ms ({})",
                "workers",
                status.message()
            );
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
