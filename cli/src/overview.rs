//! Commands that look at the system as a whole: `active`, `stats` and `health`.

use crate::client::{Target, explain};
use crate::output::{self, Output};
use anyhow::Result;
use serde_json::json;
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

pub async fn active(args: ActiveArgs, out: Output) -> Result<ExitCode> {
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
    if out == Output::Json {
        output::print(&json!({ "jobs": jobs.iter().map(output::job).collect::<Vec<_>>() }));
        return Ok(ExitCode::SUCCESS);
    }
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

pub async fn stats(args: StatsArgs, out: Output) -> Result<ExitCode> {
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
    if out == Output::Json {
        let counts = |counts: &[specdoc_proto::tracker::v1::Count]| {
            counts
                .iter()
                .map(|c| (c.key.clone(), json!(c.count)))
                .collect::<serde_json::Map<_, _>>()
        };
        output::print(&json!({
            "team_id": args.team_id,
            "days": args.days,
            "total_jobs": stats.total_jobs,
            "success_rate": stats.success_rate,
            "degraded_jobs": stats.degraded_jobs,
            "by_state": counts(&stats.by_state),
            "by_type": counts(&stats.by_type),
        }));
        return Ok(ExitCode::SUCCESS);
    }
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

/// One component's health: whether it is up, its latency, and why not.
struct Check {
    name: &'static str,
    ok: bool,
    ms: f64,
    detail: Option<String>,
}

/// One health probe: a gRPC health check of `service` at the target, with its latency.
async fn probe(name: &'static str, url: &str, service: &str) -> Check {
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
    let (ok, detail) = match outcome {
        Ok(true) => (true, None),
        Ok(false) => (false, Some("not serving".to_owned())),
        Err(error) => (false, Some(error.to_string())),
    };
    Check {
        name,
        ok,
        ms,
        detail,
    }
}

pub async fn health(args: HealthArgs, out: Output) -> Result<ExitCode> {
    let target = &args.target;
    let mut checks = Vec::new();
    let probes = [
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
    for (name, url, service) in probes {
        checks.push(probe(name, url, service).await);
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
    let (ok, detail) = match workers {
        Ok(0) => (false, "no worker has sent a heartbeat".to_owned()),
        Ok(n) => (true, format!("{n} alive")),
        Err(status) => (false, status.message().to_owned()),
    };
    checks.push(Check {
        name: "workers",
        ok,
        ms,
        detail: Some(detail),
    });
    let healthy = checks.iter().all(|c| c.ok);
    match out {
        Output::Json => output::print(&json!({
            "healthy": healthy,
            "components": checks.iter().map(|c| json!({
                "name": c.name, "ok": c.ok, "latency_ms": c.ms, "detail": c.detail,
            })).collect::<Vec<_>>(),
        })),
        Output::Text => {
            for c in &checks {
                let status = if c.ok { "ok  " } else { "DOWN" };
                let detail = c
                    .detail
                    .as_ref()
                    .map_or(String::new(), |d| format!(" ({d})"));
                println!("{:<10} {status}      {:>7.1} ms{detail}", c.name, c.ms);
            }
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
