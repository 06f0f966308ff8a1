//! `specdoc submit`: one spec file as one job (SubmitJob, optionally followed to its end), or
//! several files in one SubmitJobs call, all accepted or none.

use crate::client::Target;
use crate::output::{self, Output};
use anyhow::{Context, Result, bail};
use serde_json::json;
use specdoc_client::{DocumentationJob, QualityJob, SubmitJobRequest, Submitted};
use specdoc_core::{Generation, JobState, OutputFormat, Priority};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `submit` arguments.
#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// The spec files (OpenAPI 3.0/3.1 or Swagger 2.0, JSON or YAML), one job each; several
    /// are submitted in one call (at most 1000), accepted all or none.
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
    /// The owning team.
    #[arg(long)]
    pub team_id: String,
    /// The service the spec describes (default: each file's name without its extension).
    #[arg(long)]
    pub service_name: Option<String>,
    /// What to produce.
    #[arg(long = "type", value_parser = ["documentation", "quality-score"], default_value = "documentation")]
    pub job_type: String,
    /// Documents to render, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = ["markdown", "html"], default_value = "markdown,html")]
    pub format: Vec<String>,
    /// Dispatch priority.
    #[arg(long, value_parser = ["high", "normal", "low"], default_value = "normal")]
    pub priority: String,
    /// How missing prose is written: not at all, only what the spec lacks, or all of it
    /// (rewrite-all needs an LLM on the workers).
    #[arg(long, value_parser = ["off", "fill-missing", "rewrite-all"], default_value = "fill-missing")]
    pub generation: String,
    /// Submitting again with the same key returns the same job (one spec file only).
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Follow the job until it ends (one spec file only).
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub target: Target,
}

pub async fn submit(args: SubmitArgs, out: Output) -> Result<ExitCode> {
    if args.specs.len() > 1 {
        return submit_many(args, out).await;
    }
    let path = &args.specs[0];
    let request = request(&args, path)?;
    let client = args.target.client()?;
    let response = client.submit(request).await?;
    let state = state(&response);
    if out == Output::Json {
        let accepted = json!({
            "job_id": response.job_id,
            "state": state,
            "queue_position": response.queue_position,
            "deduplicated": response.deduplicated,
        });
        // With --watch the events follow as NDJSON, so this line is compact too.
        if args.watch {
            println!("{accepted}");
        } else {
            output::print(&accepted);
        }
    } else if response.deduplicated {
        println!(
            "job {} ({state}; same idempotency key as an earlier submission)",
            response.job_id
        );
    } else {
        println!(
            "job {} {state} (position {})",
            response.job_id, response.queue_position
        );
    }
    if args.watch {
        return crate::jobs::follow(&client, &response.job_id, 0, out).await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Several files in one SubmitJobs call: every job is accepted, or none is and the error
/// names the file at fault.
async fn submit_many(args: SubmitArgs, out: Output) -> Result<ExitCode> {
    if args.idempotency_key.is_some() {
        bail!("--idempotency-key names one submission; give one spec file with it");
    }
    if args.watch {
        bail!("--watch follows one job; give one spec file, or `specdoc watch` each job id");
    }
    let requests = args
        .specs
        .iter()
        .map(|path| request(&args, path))
        .collect::<Result<Vec<_>>>()?;
    let client = args.target.client()?;
    let responses = match client.submit_jobs(requests).await {
        Ok(responses) => responses,
        Err(error) => {
            let message = error.to_string();
            return Err(match refused_file(&message, &args.specs) {
                Some(path) => anyhow::Error::new(error).context(format!(
                    "{} was refused; no spec was submitted",
                    path.display()
                )),
                None => error.into(),
            });
        }
    };
    if out == Output::Json {
        let jobs: Vec<_> = args
            .specs
            .iter()
            .zip(&responses)
            .map(|(path, response)| {
                json!({
                    "spec": path.display().to_string(),
                    "job_id": response.job_id,
                    "state": state(response),
                    "queue_position": response.queue_position,
                    "deduplicated": response.deduplicated,
                })
            })
            .collect();
        output::print(&json!({ "jobs": jobs }));
    } else {
        for (path, response) in args.specs.iter().zip(&responses) {
            println!(
                "job {} {} (position {}) {}",
                response.job_id,
                state(response),
                response.queue_position,
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The request for one spec file.
fn request(args: &SubmitArgs, path: &Path) -> Result<SubmitJobRequest> {
    let spec = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let service = match &args.service_name {
        Some(name) => name.clone(),
        None => path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .with_context(|| {
                format!(
                    "cannot name a service after {}; pass --service-name",
                    path.display()
                )
            })?
            .to_owned(),
    };
    let priority = Priority::from_name(&args.priority).unwrap_or(Priority::Normal);
    Ok(if args.job_type == "quality-score" {
        let mut job = QualityJob::new(&args.team_id, &service, spec);
        job.priority = priority;
        job.idempotency_key.clone_from(&args.idempotency_key);
        job.into()
    } else {
        let mut job = DocumentationJob::new(&args.team_id, &service, spec);
        job.formats = args
            .format
            .iter()
            .filter_map(|f| OutputFormat::from_name(f))
            .collect();
        job.priority = priority;
        job.generation = Generation::from_name(&args.generation.replace('-', "_"))
            .unwrap_or(Generation::FillMissing);
        job.idempotency_key.clone_from(&args.idempotency_key);
        job.into()
    })
}

fn state(response: &Submitted) -> &'static str {
    response.state.map_or("unknown", JobState::as_str)
}

/// The file whose job an error names (`jobs[3].spec: ...` is the fourth file).
fn refused_file<'a>(message: &str, files: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let (_, rest) = message.split_once("jobs[")?;
    let (index, _) = rest.split_once(']')?;
    files.get(index.parse::<usize>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_naming_a_job_names_its_file() {
        let files = [PathBuf::from("a.yaml"), PathBuf::from("b.json")];
        let message = "the request was rejected: jobs[1].spec: not valid JSON or YAML";
        assert_eq!(refused_file(message, &files), Some(&files[1]));
        assert_eq!(refused_file("jobs: holds 1200 jobs", &files), None);
        assert_eq!(refused_file("jobs[7].spec: x", &files), None);
    }
}
