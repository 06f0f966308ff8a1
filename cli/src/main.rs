//! `specdoc`: the command line of specdoc.
//!
//! `specdoc up` runs scheduler, worker and tracker in one process; `submit`, `watch`, `status`,
//! `result`, `cancel`, `list-jobs`, `queue` and `admin token …` talk to a running system over gRPC; `render` and
//! `score` run the docs engine locally with no services.

mod admin;
mod client;
mod engine;
mod jobs;
mod output;
mod overview;
mod progress;
mod submit;
mod up;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// specdoc turns API specs into documentation and a quality score.
#[derive(Debug, Parser)]
#[command(version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// `text` for people, `json` for scripts (field names are stable; see the README).
    #[arg(long, global = true, value_enum, default_value_t = output::Output::Text)]
    output: output::Output,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scheduler, worker and tracker in one process (SQLite, and Redis at REDIS_URL or a private redis-server).
    #[command(
        after_help = "Examples:\n  specdoc up\n  GENAI_BASE_URL=http://127.0.0.1:11434/v1 GENAI_MODEL=llama3.1:8b specdoc up --data-dir /var/lib/specdoc"
    )]
    Up(up::UpArgs),
    /// Submit a spec and print the job id (--watch follows it to the end), or several specs at
    /// once, one job each, all accepted or none.
    #[command(
        after_help = "Examples:\n  specdoc submit examples/petstore.yaml --team-id demo --service-name petstore --format markdown,html --watch\n  specdoc submit specs/*.yaml --team-id demo --type quality-score"
    )]
    Submit(submit::SubmitArgs),
    /// Follow a job's steps until it ends. Exit code 0: completed, 2: failed, 3: cancelled.
    #[command(
        after_help = "Examples:\n  specdoc watch 0190c6e4-...\n  specdoc watch 0190c6e4-... --after-seq 7 --output json"
    )]
    Watch(jobs::WatchArgs),
    /// Show a job's state.
    #[command(
        after_help = "Examples:\n  specdoc status 0190c6e4-...\n  specdoc status 0190c6e4-... --output json | jq -r .state"
    )]
    Status(jobs::JobArgs),
    /// Write a completed job's documents into a directory.
    #[command(after_help = "Example:\n  specdoc result 0190c6e4-... --out docs/")]
    Result(jobs::ResultArgs),
    /// Cancel a queued or running job.
    #[command(after_help = "Example:\n  specdoc cancel 0190c6e4-...")]
    Cancel(jobs::JobArgs),
    /// List jobs, newest first.
    #[command(
        after_help = "Examples:\n  specdoc list-jobs --team-id payments --status failed --limit 50\n  specdoc list-jobs --output json"
    )]
    ListJobs(jobs::ListArgs),
    /// Show queue depth, workers and throughput.
    #[command(after_help = "Example:\n  specdoc queue --team-id payments")]
    Queue(jobs::QueueArgs),
    /// List the jobs running now, with their step and progress.
    #[command(after_help = "Example:\n  specdoc active --team-id payments")]
    Active(overview::ActiveArgs),
    /// Show a team's statistics over a window of days.
    #[command(after_help = "Example:\n  specdoc stats --team-id payments --days 30")]
    Stats(overview::StatsArgs),
    /// Check the scheduler, the tracker, the workers, Redis and the database. Exit code: 0 all
    /// healthy, 1 something is down.
    #[command(after_help = "Example:\n  specdoc health || echo \"something is down\"")]
    Health(overview::HealthArgs),
    /// Administer a deployment: create, revoke and list API tokens (needs an admin token).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Render a spec to Markdown and HTML locally, with no services.
    #[command(
        after_help = "Example:\n  specdoc render examples/petstore.yaml --format markdown,html --out docs/"
    )]
    Render(engine::RenderArgs),
    /// Score a spec's quality locally, with no services.
    #[command(after_help = "Example:\n  specdoc score openapi.yaml --min-score 70")]
    Score(engine::ScoreArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  specdoc completions bash > ~/.local/share/bash-completion/completions/specdoc\n  specdoc completions zsh > \"${fpath[1]}/_specdoc\""
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let out = cli.output;
    let result = runtime.block_on(async {
        match cli.command {
            Command::Up(args) => up::run(args).await,
            Command::Submit(args) => submit::submit(args, out).await,
            Command::Watch(args) => jobs::watch(args, out).await,
            Command::Status(args) => jobs::status(args, out).await,
            Command::Result(args) => jobs::result(args, out).await,
            Command::Cancel(args) => jobs::cancel(args, out).await,
            Command::ListJobs(args) => jobs::list(args, out).await,
            Command::Queue(args) => jobs::queue(args, out).await,
            Command::Active(args) => overview::active(args, out).await,
            Command::Stats(args) => overview::stats(args, out).await,
            Command::Health(args) => overview::health(args, out).await,
            Command::Admin(command) => admin::run(command, out).await,
            Command::Render(args) => engine::render(args, out),
            Command::Score(args) => engine::score(args, out),
            Command::Completions { shell } => {
                use clap::CommandFactory;
                use std::io::Write;
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "specdoc", &mut script);
                // A closed pipe (`| head`) is not an error worth a message.
                let _ = std::io::stdout().write_all(&script);
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
