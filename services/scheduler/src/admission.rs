//! Admission: turn a SubmitJob request into a committed, dispatched job.

use crate::api::SchedulerApi;
use specdoc_core::{Invalid, Job, JobEvent, NewJob, SpecFormat};
use specdoc_proto::scheduler::v1::{SubmitJobRequest, SubmitJobResponse};
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::metrics::{JobLabels, metrics};

fn engine_format(format: specdoc_docs::SpecFormat) -> SpecFormat {
    match format {
        specdoc_docs::SpecFormat::OpenApi30 => SpecFormat::Openapi30,
        specdoc_docs::SpecFormat::OpenApi31 => SpecFormat::Openapi31,
        specdoc_docs::SpecFormat::Swagger20 => SpecFormat::Swagger20,
    }
}

impl SchedulerApi {
    /// Validates, commits, then dispatches a job for `caller`: a team submits for itself (an
    /// empty `team_id` means its own), an admin for any team it names.
    pub async fn submit(
        &self,
        caller: &Caller,
        mut request: SubmitJobRequest,
        traceparent: Option<String>,
    ) -> Result<SubmitJobResponse, ApiError> {
        let config = &self.config;
        let team = caller.team("team_id", &request.team_id)?;
        // Before any parsing: a team over its quota costs one Redis round trip.
        config.quotas.admit(&self.queue, &team).await?;
        request.team_id = team.to_string();
        let (mut new, declared) =
            NewJob::from_request(request, config.max_spec_bytes, config.max_attempts)?;
        // Parsing a large spec is CPU work: keep it off the async threads.
        let limits = config.limits.clone();
        let spec = std::mem::take(&mut new.spec);
        let (spec, inspected) = tokio::task::spawn_blocking(move || {
            let inspected = specdoc_docs::inspect(&spec, &limits);
            (spec, inspected)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("spec inspection panicked: {e}")))?;
        new.spec = spec;
        let info = inspected?;
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
        new.traceparent = traceparent;

        let inserted = self.store.insert_job(&new).await?;
        let job = inserted.job;
        if inserted.deduplicated {
            return Ok(SubmitJobResponse {
                job_id: job.id.to_string(),
                state: job.state.to_proto(),
                deduplicated: true,
                ..Default::default()
            });
        }
        metrics()
            .jobs_submitted
            .get_or_create(&JobLabels::new(job.job_type, job.team.as_str()))
            .inc();
        tracing::info!(job_id = %job.id, team = %job.team, job_type = %job.job_type, spec_bytes = job.spec_bytes, "job accepted");
        let position = self.dispatch(&job, inserted.accepted.as_ref()).await;
        Ok(SubmitJobResponse {
            job_id: job.id.to_string(),
            state: job.state.to_proto(),
            queue_position: position.unwrap_or(0),
            eta: match position {
                Some(position) => self.eta.eta_at_position(&job, position).await,
                None => self.eta.eta(&job).await,
            },
            deduplicated: false,
        })
    }

    /// Publishes the job's first event and puts it on the queue. Failures are logged, not
    /// returned: the job is committed, and the reconciler dispatches it once Redis is back.
    pub(crate) async fn dispatch(&self, job: &Job, accepted: Option<&JobEvent>) -> Option<u64> {
        if let Some(accepted) = accepted
            && let Err(error) = self.queue.publish_event(&job.event_record(accepted)).await
        {
            tracing::warn!(job_id = %job.id, %error, "could not publish the accepted event");
        }
        match self
            .queue
            .enqueue(&job.envelope(), &job.team, job.priority)
            .await
        {
            Ok(position) => position,
            Err(error) => {
                tracing::warn!(job_id = %job.id, %error, "dispatch failed; the reconciler will retry");
                None
            }
        }
    }
}
