//! Submitting, reading and cancelling jobs; a team's history and statistics; the queue.

use crate::{Client, Error, Job, JobResult, QueueStatus, Stats};
use specdoc_core::{Generation, JobState, OutputFormat, Priority};
use specdoc_proto::job::v1 as pb;
use specdoc_proto::scheduler::v1::{
    CancelJobRequest, GetQueueStatusRequest, SubmitJobRequest, SubmitJobResponse, SubmitJobsRequest,
};
use specdoc_proto::tracker::v1::{
    GetJobHistoryRequest, GetJobRequest, GetJobResultRequest, GetStatsRequest, ListJobsRequest,
};

/// A documentation job to submit: documents (Markdown, HTML) and a quality score.
#[derive(Debug, Clone)]
pub struct DocumentationJob {
    /// Owning team.
    pub team_id: String,
    /// The service the spec describes.
    pub service_name: String,
    /// The spec's bytes (OpenAPI 3.0/3.1 or Swagger 2.0, JSON or YAML).
    pub spec: Vec<u8>,
    /// Documents to render; empty means Markdown and HTML.
    pub formats: Vec<OutputFormat>,
    /// Dispatch priority.
    pub priority: Priority,
    /// How missing prose is written.
    pub generation: Generation,
    /// A second submission with the same key returns the first job.
    pub idempotency_key: Option<String>,
}

impl DocumentationJob {
    /// A job with the defaults: both formats, normal priority, fill missing prose.
    pub fn new(team_id: &str, service_name: &str, spec: Vec<u8>) -> Self {
        Self {
            team_id: team_id.into(),
            service_name: service_name.into(),
            spec,
            formats: Vec::new(),
            priority: Priority::Normal,
            generation: Generation::FillMissing,
            idempotency_key: None,
        }
    }
}

/// A quality-score job to submit: the score and its findings, no documents.
#[derive(Debug, Clone)]
pub struct QualityJob {
    /// Owning team.
    pub team_id: String,
    /// The service the spec describes.
    pub service_name: String,
    /// The spec's bytes.
    pub spec: Vec<u8>,
    /// Dispatch priority.
    pub priority: Priority,
    /// A second submission with the same key returns the first job.
    pub idempotency_key: Option<String>,
}

impl QualityJob {
    /// A job at normal priority.
    pub fn new(team_id: &str, service_name: &str, spec: Vec<u8>) -> Self {
        Self {
            team_id: team_id.into(),
            service_name: service_name.into(),
            spec,
            priority: Priority::Normal,
            idempotency_key: None,
        }
    }
}

/// An accepted job.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Its id.
    pub job_id: String,
    /// Its state (QUEUED, or the earlier job's state for a repeated idempotency key).
    pub state: Option<JobState>,
    /// 1-based position among queued jobs of its priority; 0 when not queued.
    pub queue_position: u64,
    /// True when this is an earlier job with the same idempotency key.
    pub deduplicated: bool,
}

impl From<DocumentationJob> for SubmitJobRequest {
    fn from(job: DocumentationJob) -> Self {
        Self {
            team_id: job.team_id,
            service_name: job.service_name,
            job_type: pb::JobType::Documentation as i32,
            spec: job.spec,
            output_formats: job.formats.iter().map(|f| f.to_proto()).collect(),
            priority: job.priority.to_proto(),
            generation: job.generation.to_proto(),
            idempotency_key: job.idempotency_key.unwrap_or_default(),
            ..Default::default()
        }
    }
}

impl From<QualityJob> for SubmitJobRequest {
    fn from(job: QualityJob) -> Self {
        Self {
            team_id: job.team_id,
            service_name: job.service_name,
            job_type: pb::JobType::QualityScore as i32,
            spec: job.spec,
            priority: job.priority.to_proto(),
            idempotency_key: job.idempotency_key.unwrap_or_default(),
            ..Default::default()
        }
    }
}

impl From<SubmitJobResponse> for Submitted {
    fn from(response: SubmitJobResponse) -> Self {
        Self {
            job_id: response.job_id,
            state: JobState::from_proto(response.state),
            queue_position: response.queue_position,
            deduplicated: response.deduplicated,
        }
    }
}

/// A request carrying the `TRACEPARENT` environment variable, when it holds one.
fn traced<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(traceparent) = std::env::var("TRACEPARENT")
        .ok()
        .and_then(|tp| tp.parse().ok())
    {
        request.metadata_mut().insert("traceparent", traceparent);
    }
    request
}

impl Client {
    /// Submits a documentation job.
    pub async fn submit_documentation_job(
        &self,
        job: DocumentationJob,
    ) -> Result<Submitted, Error> {
        self.submit(job.into()).await
    }

    /// Submits a quality-score job.
    pub async fn submit_quality_job(&self, job: QualityJob) -> Result<Submitted, Error> {
        self.submit(job.into()).await
    }

    /// Submits a request as built by the caller. A W3C `traceparent` in the `TRACEPARENT`
    /// environment variable is passed on, so the job joins the caller's trace.
    pub async fn submit(&self, request: SubmitJobRequest) -> Result<Submitted, Error> {
        let response = self
            .scheduler
            .clone()
            .submit_job(traced(request))
            .await
            .map_err(|s| self.scheduler_error(s))?
            .into_inner();
        Ok(response.into())
    }

    /// Submits up to 1000 requests in one call (`SubmitJobs`), all or none: if any is
    /// invalid, none is accepted, and the error names it (`jobs[3].spec: ...`). Answers in
    /// request order. `TRACEPARENT` is passed on as for [`submit`](Self::submit).
    pub async fn submit_jobs(
        &self,
        requests: Vec<SubmitJobRequest>,
    ) -> Result<Vec<Submitted>, Error> {
        let request = SubmitJobsRequest { jobs: requests };
        let response = self
            .scheduler
            .clone()
            .submit_jobs(traced(request))
            .await
            .map_err(|s| self.scheduler_error(s))?
            .into_inner();
        Ok(response.jobs.into_iter().map(Submitted::from).collect())
    }

    /// A job's record: state, step, progress, score, trace id…
    pub async fn get_job_status(&self, job_id: &str) -> Result<Job, Error> {
        let request = GetJobRequest {
            job_id: job_id.to_owned(),
        };
        let response = self.tracker.clone().get_job(request).await;
        let response = response.map_err(|s| self.tracker_error(s))?;
        Ok(response.into_inner().job.unwrap_or_default())
    }

    /// A completed job's documents and quality report.
    pub async fn result(&self, job_id: &str) -> Result<JobResult, Error> {
        let request = GetJobResultRequest {
            job_id: job_id.to_owned(),
            formats: Vec::new(),
        };
        let response = self.tracker.clone().get_job_result(request).await;
        Ok(response.map_err(|s| self.tracker_error(s))?.into_inner())
    }

    /// Cancels a queued or running job; returns its state after the call.
    pub async fn cancel(&self, job_id: &str, reason: &str) -> Result<Option<JobState>, Error> {
        let request = CancelJobRequest {
            job_id: job_id.to_owned(),
            reason: reason.to_owned(),
        };
        let response = self.scheduler.clone().cancel_job(request).await;
        let response = response.map_err(|s| self.scheduler_error(s))?;
        Ok(JobState::from_proto(response.into_inner().state))
    }

    /// A team's latest jobs, newest first (at most `limit`, 1 to 500).
    pub async fn get_job_history(&self, team_id: &str, limit: u32) -> Result<Vec<Job>, Error> {
        let request = GetJobHistoryRequest {
            team_id: team_id.to_owned(),
            limit,
        };
        let response = self.tracker.clone().get_job_history(request).await;
        Ok(response
            .map_err(|s| self.tracker_error(s))?
            .into_inner()
            .jobs)
    }

    /// Jobs matching a filter, newest first; one page.
    pub async fn list_jobs(&self, request: ListJobsRequest) -> Result<Vec<Job>, Error> {
        let response = self.tracker.clone().list_jobs(request).await;
        Ok(response
            .map_err(|s| self.tracker_error(s))?
            .into_inner()
            .jobs)
    }

    /// A team's statistics over the last `days` days.
    pub async fn stats(&self, team_id: &str, days: u32) -> Result<Stats, Error> {
        let request = GetStatsRequest {
            team_id: team_id.to_owned(),
            days,
        };
        let response = self.tracker.clone().get_stats(request).await;
        Ok(response.map_err(|s| self.tracker_error(s))?.into_inner())
    }

    /// Queue depth per priority and team, the workers alive, and throughput; one team's
    /// share when `team_id` is given.
    pub async fn queue(&self, team_id: Option<&str>) -> Result<QueueStatus, Error> {
        let request = GetQueueStatusRequest {
            team_id: team_id.unwrap_or_default().to_owned(),
        };
        let response = self.scheduler.clone().get_queue_status(request).await;
        Ok(response.map_err(|s| self.scheduler_error(s))?.into_inner())
    }
}
