//! Commands that talk to a running specdoc about jobs: watch, status, result, cancel,
//! list-jobs, queue (submit has a file of its own).

use crate::client::Target;
use crate::output::{self, Output};
use anyhow::{Context, Result, bail};
use serde_json::json;
use specdoc_client::Client;
use specdoc_core::{JobState, JobType, OutputFormat, Priority, Step, StepStatus};
use specdoc_proto::job::v1 as pb;
use specdoc_proto::tracker::v1::{JobFilter, ListJobsRequest};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_stream::StreamExt;

/// Arguments naming one job.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    /// The job id.
    pub job_id: String,
    #[command(flatten)]
    pub target: Target,
}

/// `watch` arguments.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The job id.
    pub job_id: String,
    /// Show only events after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after_seq: u64,
    #[command(flatten)]
    pub target: Target,
}

/// `result` arguments.
#[derive(Debug, clap::Args)]
pub struct ResultArgs {
    /// The job id.
    pub job_id: String,
    /// Directory to write the documents into (created if missing).
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    #[command(flatten)]
    pub target: Target,
}

/// `list-jobs` arguments.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this team's jobs.
    #[arg(long)]
    pub team_id: Option<String>,
    /// Only jobs in this state.
    #[arg(long, value_parser = ["queued", "processing", "completed", "failed", "cancelled", "retrying"])]
    pub status: Option<String>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    #[command(flatten)]
    pub target: Target,
}

/// `queue` arguments.
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// Only this team's queue.
    #[arg(long)]
    pub team_id: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

pub async fn watch(args: WatchArgs, out: Output) -> Result<ExitCode> {
    follow(&args.target.client()?, &args.job_id, args.after_seq, out).await
}

/// Prints the job's events until it ends (the client's stream resumes by itself after a
/// broken connection). The exit code tells how the job ended. Ctrl-C stops watching, not the
/// job.
pub(crate) async fn follow(
    client: &Client,
    job_id: &str,
    after_seq: u64,
    out: Output,
) -> Result<ExitCode> {
    let mut events = client.watch_job(job_id, after_seq);
    let mut progress = crate::progress::Progress::new(out);
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            _ = tokio::signal::ctrl_c() => {
                progress.finish();
                eprintln!("stopped watching; job {job_id} goes on (`specdoc watch {job_id}` to follow it again)");
                return Ok(ExitCode::from(130));
            }
        };
        let Some(event) = event else {
            progress.finish();
            bail!("the watch of job {job_id} ended before the job did");
        };
        let event = event?;
        match out {
            Output::Text => progress.show(&event, &event_line(&event)),
            Output::Json => println!("{}", output::event(&event)),
        }
        if let Some(state) = JobState::from_proto(event.state).filter(|s| s.is_terminal()) {
            progress.finish();
            return Ok(exit_code(state));
        }
    }
}

fn exit_code(state: JobState) -> ExitCode {
    match state {
        JobState::Completed => ExitCode::SUCCESS,
        JobState::Failed => ExitCode::from(2),
        JobState::Cancelled => ExitCode::from(3),
        _ => ExitCode::FAILURE,
    }
}

/// One event as a line: `[seq] step status progress% message`.
pub fn event_line(event: &pb::JobEvent) -> String {
    let step = Step::from_proto(event.step).map_or("?", Step::as_str);
    let status = StepStatus::from_proto(event.status).map_or("?", StepStatus::as_str);
    let state = JobState::from_proto(event.state).map_or("?", JobState::as_str);
    format!(
        "[{:>3}] {step:<8} {status:<9} {state:<10} {:>3}%  {}",
        event.seq, event.progress_percent, event.message
    )
}

pub async fn status(args: JobArgs, out: Output) -> Result<ExitCode> {
    let job = args.target.client()?.get_job_status(&args.job_id).await?;
    if out == Output::Json {
        output::print(&output::job(&job));
        return Ok(ExitCode::SUCCESS);
    }
    let state = JobState::from_proto(job.state).map_or("unknown", JobState::as_str);
    println!("job        {}", job.job_id);
    println!("team       {}", job.team_id);
    println!("service    {}", job.service_name);
    println!(
        "type       {}",
        JobType::from_proto(job.job_type).map_or("unknown", JobType::as_str)
    );
    println!("state      {state}");
    println!(
        "step       {}",
        Step::from_proto(job.current_step).map_or("-", Step::as_str)
    );
    println!("progress   {}%", job.progress_percent);
    println!("attempt    {} of {}", job.attempt, job.max_attempts);
    if let Some(score) = job.quality_score {
        println!("quality    {score}/100");
    }
    if job.degraded {
        println!(
            "degraded   {} (the deterministic writer filled in)",
            if job.degraded_reason.is_empty() {
                "yes"
            } else {
                &job.degraded_reason
            }
        );
    }
    if !job.error.is_empty() {
        println!("error      {}", job.error);
    }
    if !job.trace_id.is_empty() {
        println!("trace      {}", job.trace_id);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn result(args: ResultArgs, out: Output) -> Result<ExitCode> {
    let result = args.target.client()?.result(&args.job_id).await?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut written = Vec::new();
    for document in &result.documents {
        // The server names files after the validated service name; keep only the last
        // component anyway, so nothing is written outside --out.
        let name = std::path::Path::new(&document.file_name)
            .file_name()
            .context("document without a file name")?;
        let path = args.out.join(name);
        std::fs::write(&path, &document.content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(json!({
            "format": OutputFormat::from_proto(document.format).map(OutputFormat::as_str),
            "path": path.display().to_string(),
            "bytes": document.content.len(),
        }));
        if out == Output::Text {
            println!(
                "wrote {} ({} bytes)",
                path.display(),
                document.content.len()
            );
        }
    }
    if out == Output::Json {
        output::print(&json!({
            "job_id": args.job_id,
            "documents": written,
            "quality_score": result.quality.as_ref().map(|q| q.overall),
            "findings": result.quality.as_ref().map_or(0, |q| q.findings.len()),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(quality) = &result.quality {
        println!(
            "quality score {}/100 with {} findings",
            quality.overall,
            quality.findings.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn cancel(args: JobArgs, out: Output) -> Result<ExitCode> {
    let state = args
        .target
        .client()?
        .cancel(&args.job_id, "cancelled from the CLI")
        .await?
        .map_or("unknown", JobState::as_str);
    match out {
        Output::Text => println!("job {} {state}", args.job_id),
        Output::Json => output::print(&json!({"job_id": args.job_id, "state": state})),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(args: ListArgs, out: Output) -> Result<ExitCode> {
    let states = args
        .status
        .as_deref()
        .and_then(JobState::from_name)
        .map(|s| vec![s.to_proto()])
        .unwrap_or_default();
    let request = ListJobsRequest {
        filter: Some(JobFilter {
            team_id: args.team_id.unwrap_or_default(),
            states,
            ..Default::default()
        }),
        page_size: args.limit,
        page_token: String::new(),
    };
    let jobs = args.target.client()?.list_jobs(request).await?;
    if out == Output::Json {
        output::print(&json!({ "jobs": jobs.iter().map(output::job).collect::<Vec<_>>() }));
        return Ok(ExitCode::SUCCESS);
    }
    if jobs.is_empty() {
        println!("no jobs");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<36}  {:<16} {:<20} {:<14} {:<10} {:>5}",
        "JOB", "TEAM", "SERVICE", "TYPE", "STATE", "SCORE"
    );
    for job in jobs {
        println!(
            "{:<36}  {:<16} {:<20} {:<14} {:<10} {:>5}",
            job.job_id,
            job.team_id,
            job.service_name,
            JobType::from_proto(job.job_type).map_or("?", JobType::as_str),
            JobState::from_proto(job.state).map_or("?", JobState::as_str),
            job.quality_score
                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn queue(args: QueueArgs, out: Output) -> Result<ExitCode> {
    let status = args.target.client()?.queue(args.team_id.as_deref()).await?;
    if out == Output::Json {
        output::print(&output::queue(&status));
    } else {
        print_queue(&status);
    }
    if status.workers.is_empty() && status.queued > 0 {
        bail!("jobs are queued but no worker is alive");
    }
    Ok(ExitCode::SUCCESS)
}

fn print_queue(status: &specdoc_proto::scheduler::v1::GetQueueStatusResponse) {
    println!("queued      {}", status.queued);
    println!("processing  {}", status.processing);
    println!("oldest      {:.1}s", status.oldest_queued_age_seconds);
    println!(
        "throughput  {:.2} jobs/s (last minute)",
        status.throughput_per_second
    );
    for depth in &status.depths {
        let priority = Priority::from_proto(depth.priority).map_or("?", Priority::as_str);
        println!("  {priority:<7} {:<20} {}", depth.team_id, depth.queued);
    }
    println!("workers     {}", status.workers.len());
    for worker in &status.workers {
        println!(
            "  {:<20} slots {:<3} running {}{}",
            worker.worker_id,
            worker.slots,
            worker.running_job_ids.len(),
            if worker.draining { " (draining)" } else { "" }
        );
    }
}
