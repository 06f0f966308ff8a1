//! Admission: turn SubmitJob and SubmitJobs requests into committed, dispatched jobs.
//!
//! Every job is validated the same way ([`decode`], then [`inspect_all`] on the blocking pool).
//! Keyed (idempotent) submissions are committed one by one, since each must first look for the
//! job its key may already name. The others share commits: a single SubmitJob hands its job to
//! the [`writer`] loops, which commit whatever is waiting together, and a SubmitJobs call
//! ([`batch`]) commits its jobs at once. Either way a batch is dispatched in two Redis round
//! trips ([`commit_and_dispatch`]).

mod batch;
pub(crate) mod writer;

pub use batch::MAX_JOBS_PER_CALL;

use crate::Config;
use crate::api::SchedulerApi;
use specdoc_core::{Invalid, Job, JobEvent, NewJob, SpecFormat, TeamId};
use specdoc_proto::job::v1::Eta;
use specdoc_proto::scheduler::v1::{SubmitJobRequest, SubmitJobResponse};
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::metrics::{JobLabels, metrics};
use specdoc_store::Store;

fn engine_format(format: specdoc_docs::SpecFormat) -> SpecFormat {
    match format {
        specdoc_docs::SpecFormat::OpenApi30 => SpecFormat::Openapi30,
        specdoc_docs::SpecFormat::OpenApi31 => SpecFormat::Openapi31,
        specdoc_docs::SpecFormat::Swagger20 => SpecFormat::Swagger20,
    }
}

/// A request's fields checked and decoded for `team` (already authorized), with the format it
/// declares; the spec's content is inspected by [`inspect_all`].
fn decode(
    config: &Config,
    mut request: SubmitJobRequest,
    team: &TeamId,
) -> Result<(NewJob, Option<SpecFormat>), ApiError> {
    request.team_id = team.to_string();
    Ok(NewJob::from_request(
        request,
        config.max_spec_bytes,
        config.max_attempts,
    )?)
}

/// Parses a job's spec within `limits` and records its format, which must match the declared
/// one. CPU work: runs on the blocking pool.
fn inspect(
    limits: &specdoc_docs::Limits,
    new: &mut NewJob,
    declared: Option<SpecFormat>,
) -> Result<(), ApiError> {
    let info = specdoc_docs::inspect(&new.spec, limits)?;
    let detected = engine_format(info.format);
    if let Some(declared) = declared.filter(|d| *d != detected) {
        return Err(Invalid::new(
            "spec_format",
            format!(
                "declared {declared} but the spec is {} {}",
                info.format.label(),
                info.version
            ),
        )
        .into());
    }
    new.spec_format = detected;
    Ok(())
}

/// Inspects every job's spec off the async threads, split over the cores. The first invalid
/// job's error comes with its index.
async fn inspect_all(
    limits: &specdoc_docs::Limits,
    decoded: Vec<(NewJob, Option<SpecFormat>)>,
) -> Result<Vec<NewJob>, (usize, ApiError)> {
    let total = decoded.len();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut pending = decoded.into_iter();
    let mut parts = Vec::new();
    loop {
        let part: Vec<_> = pending.by_ref().take(total.div_ceil(cores)).collect();
        if part.is_empty() {
            break;
        }
        let limits = limits.clone();
        parts.push(tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|(mut new, declared)| inspect(&limits, &mut new, declared).map(|()| new))
                .collect::<Vec<_>>()
        }));
    }
    let mut news = Vec::with_capacity(total);
    for part in parts {
        let inspected = part.await.map_err(|e| {
            let error = ApiError::Internal(format!("spec inspection panicked: {e}"));
            (news.len(), error)
        })?;
        for new in inspected {
            let index = news.len();
            news.push(new.map_err(|e| (index, e))?);
        }
    }
    Ok(news)
}

/// Commits jobs without idempotency keys in one transaction, then dispatches them: each job
/// with its queue position, in the order given (`None` when dispatch failed; the reconciler
/// dispatches it later).
pub(crate) async fn commit_and_dispatch(
    store: &Store,
    queue: &Queue,
    news: &[NewJob],
) -> Result<Vec<(Job, Option<u64>)>, specdoc_store::Error> {
    let inserted = store.insert_jobs(news).await?;
    for (job, _) in &inserted {
        accepted(job);
    }
    let positions = dispatch(queue, &inserted).await;
    Ok(inserted
        .into_iter()
        .map(|(job, _)| job)
        .zip(positions)
        .collect())
}

/// The answer for a job just accepted at `position` (`None`: not dispatched yet).
fn answer(job: &Job, position: Option<u64>, eta: Option<Eta>) -> SubmitJobResponse {
    SubmitJobResponse {
        job_id: job.id.to_string(),
        state: job.state.to_proto(),
        queue_position: position.unwrap_or(0),
        eta,
        deduplicated: false,
    }
}

/// Counts and logs a newly accepted job.
fn accepted(job: &Job) {
    metrics()
        .jobs_submitted
        .get_or_create(&JobLabels::new(job.job_type, job.team.as_str()))
        .inc();
    tracing::info!(job_id = %job.id, team = %job.team, job_type = %job.job_type, spec_bytes = job.spec_bytes, "job accepted");
}

/// Publishes committed jobs' first events, then puts the jobs on the queue, each step one
/// round trip for all of them. Failures are logged, not returned: the jobs are committed, and
/// the reconciler dispatches them once Redis is back. Each job's position, or `None`.
async fn dispatch(queue: &Queue, jobs: &[(Job, JobEvent)]) -> Vec<Option<u64>> {
    let records: Vec<_> = jobs
        .iter()
        .map(|(job, accepted)| job.event_record(accepted))
        .collect();
    if let Err(error) = queue.publish_events(&records).await {
        tracing::warn!(jobs = jobs.len(), %error, "could not publish the accepted events");
    }
    let envelopes: Vec<_> = jobs.iter().map(|(job, _)| job.envelope()).collect();
    let targets: Vec<_> = jobs
        .iter()
        .zip(&envelopes)
        .map(|((job, _), envelope)| (envelope, &job.team, job.priority))
        .collect();
    match queue.enqueue_many(&targets).await {
        Ok(positions) => positions,
        Err(error) => {
            tracing::warn!(jobs = jobs.len(), %error, "dispatch failed; the reconciler will retry");
            vec![None; jobs.len()]
        }
    }
}

impl SchedulerApi {
    /// Validates, commits, then dispatches a job for `caller`: a team submits for itself (an
    /// empty `team_id` means its own), an admin for any team it names.
    pub async fn submit(
        &self,
        caller: &Caller,
        request: SubmitJobRequest,
        traceparent: Option<String>,
    ) -> Result<SubmitJobResponse, ApiError> {
        let config = &self.config;
        let team = caller.team("team_id", &request.team_id)?;
        // Before any parsing: a team over its quota costs one Redis round trip.
        config.quotas.admit(&self.queue, &team, 1).await?;
        let decoded = decode(config, request, &team)?;
        let mut new = inspect_all(&config.limits, vec![decoded])
            .await
            .map_err(|(_, error)| error)?
            .pop()
            .ok_or_else(|| ApiError::Internal("a validated job went missing".into()))?;
        new.traceparent = traceparent;
        if new.idempotency_key.is_some() {
            return self.submit_keyed(&new).await;
        }
        let (job, position) = self.admissions.admit(new).await?;
        Ok(answer(&job, position, self.eta_at(&job, position).await))
    }

    /// Commits and dispatches a job with an idempotency key on its own: a key the team already
    /// used answers the earlier job, not dispatched again.
    async fn submit_keyed(&self, new: &NewJob) -> Result<SubmitJobResponse, ApiError> {
        let inserted = self.store.insert_job(new).await?;
        let job = inserted.job;
        let Some(event) = inserted.accepted else {
            return Ok(SubmitJobResponse {
                job_id: job.id.to_string(),
                state: job.state.to_proto(),
                deduplicated: true,
                ..Default::default()
            });
        };
        accepted(&job);
        let jobs = [(job, event)];
        let position = dispatch(&self.queue, &jobs).await.pop().flatten();
        let [(job, _)] = jobs;
        Ok(answer(&job, position, self.eta_at(&job, position).await))
    }

    /// A job's ETA at `position` (`None`: not dispatched yet, so the jobs ahead are read).
    async fn eta_at(&self, job: &Job, position: Option<u64>) -> Option<Eta> {
        match position {
            Some(position) => self.eta.eta_at_position(job, position).await,
            None => self.eta.eta(job).await,
        }
    }
}
