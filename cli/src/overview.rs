//! Commands that look at the system as a whole: `active`, `stats` and `health`.

use crate::client::Target;
use crate::output::{self, Output};
use anyhow::Result;
use serde_json::json;
use specdoc_core::{JobState, Step};
use specdoc_proto::tracker::v1::{JobFilter, ListJobsRequest};
use std::process::ExitCode;

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
    let jobs = args.target.client()?.list_jobs(request).await?;
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
    let stats = args
        .target
        .client()?
        .stats(&args.team_id, args.days)
        .await?;
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

pub async fn health(args: HealthArgs, out: Output) -> Result<ExitCode> {
    let checks = args.target.client()?.health().await;
    let healthy = checks.iter().all(|c| c.ok);
    match out {
        Output::Json => output::print(&json!({
            "healthy": healthy,
            "components": checks.iter().map(|c| json!({
                "name": c.name, "ok": c.ok, "latency_ms": millis(c.latency), "detail": c.detail,
            })).collect::<Vec<_>>(),
        })),
        Output::Text => {
            for c in &checks {
                let status = if c.ok { "ok  " } else { "DOWN" };
                let detail = c
                    .detail
                    .as_ref()
                    .map_or(String::new(), |d| format!(" ({d})"));
                println!(
                    "{:<10} {status}      {:>7.1} ms{detail}",
                    c.name,
                    millis(c.latency)
                );
            }
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
