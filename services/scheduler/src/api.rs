//! The `SchedulerService` gRPC API. Handlers decode, call a domain function and map errors
//! through [`ApiError`].

use crate::Config;
use specdoc_core::{JobId, TeamId, now_millis, timestamp};
use specdoc_proto::queue::v1::CancelSignal;
use specdoc_proto::scheduler::v1::scheduler_service_server::{
    SchedulerService, SchedulerServiceServer,
};
use specdoc_proto::scheduler::v1::{
    CancelJobRequest, CancelJobResponse, GetQueueStatusRequest, GetQueueStatusResponse, QueueDepth,
    SubmitJobRequest, SubmitJobResponse, WorkerInfo,
};
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_runtime::metrics::metrics;
use specdoc_store::{CancelOutcome, Store};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Heartbeats older than this mean the worker is gone.
const WORKER_STALE_MS: i64 = 15_000;

/// The scheduler's state, shared by its handlers and its periodic tasks.
#[derive(Clone, Debug)]
pub struct SchedulerApi {
    pub(crate) store: Store,
    pub(crate) queue: Queue,
    pub(crate) config: Arc<Config>,
    pub(crate) eta: specdoc_runtime::eta::EtaEstimator,
}

impl SchedulerApi {
    /// A scheduler over a store and a queue.
    pub fn new(store: Store, queue: Queue, config: Config) -> Self {
        Self {
            eta: specdoc_runtime::eta::EtaEstimator::new(store.clone(), queue.clone()),
            store,
            queue,
            config: Arc::new(config),
        }
    }

    /// The gRPC service, accepting messages big enough for the largest allowed spec.
    pub fn into_service(self) -> SchedulerServiceServer<Self> {
        let max = self.config.max_spec_bytes + 1024 * 1024;
        SchedulerServiceServer::new(self).max_decoding_message_size(max)
    }

    /// Cancels a job: a queued one leaves the queue at once; a running one is interrupted.
    pub async fn cancel(&self, request: CancelJobRequest) -> Result<CancelJobResponse, ApiError> {
        let id = JobId::parse_field(&request.job_id)?;
        match self.store.cancel(id, &request.reason).await? {
            CancelOutcome::NotFound => Err(ApiError::NotFound(format!("job {id}"))),
            CancelOutcome::AlreadyFinished(state) => Err(ApiError::FailedPrecondition(format!(
                "job {id} already finished: {state}"
            ))),
            CancelOutcome::Cancelled {
                job,
                event,
                was_running,
            } => {
                metrics().job_finished(
                    job.job_type,
                    job.team.as_str(),
                    "cancelled",
                    job.created_at,
                );
                // Best effort from here: the record already says CANCELLED, which the worker's
                // next guarded write will see even if these signals are lost.
                if was_running {
                    let signal = CancelSignal {
                        job_id: id.to_string(),
                        reason: request.reason.clone(),
                    };
                    if let Err(error) = self.queue.publish_cancel(&signal).await {
                        tracing::warn!(job_id = %id, %error, "could not signal the worker");
                    }
                } else if let Err(error) =
                    self.queue.remove_queued(id, &job.team, job.priority).await
                {
                    tracing::warn!(job_id = %id, %error, "could not remove the job from the queue");
                }
                if let Err(error) = self.queue.publish_event(&job.event_record(&event)).await {
                    tracing::warn!(job_id = %id, %error, "could not publish the cancel event");
                }
                tracing::info!(job_id = %id, was_running, "job cancelled");
                Ok(CancelJobResponse {
                    state: job.state.to_proto(),
                })
            }
        }
    }

    /// Queue depth, oldest job, live workers and throughput.
    pub async fn queue_status(
        &self,
        request: GetQueueStatusRequest,
    ) -> Result<GetQueueStatusResponse, ApiError> {
        let team = match request.team_id.as_str() {
            "" => None,
            team => Some(TeamId::parse_field(team)?),
        };
        let now = now_millis();
        let depths = self.queue.depths().await?;
        let figures = self
            .store
            .queue_figures(team.as_ref(), now - 60_000)
            .await?;
        let workers = self.queue.live_workers(WORKER_STALE_MS).await?;
        let slices: Vec<QueueDepth> = depths
            .slices
            .into_iter()
            .filter(|(_, t, _)| team.as_ref().is_none_or(|team| team.as_str() == t))
            .map(|(priority, team_id, queued)| QueueDepth {
                priority: priority.to_proto(),
                team_id,
                queued,
            })
            .collect();
        Ok(GetQueueStatusResponse {
            queued: slices.iter().map(|d| d.queued).sum(),
            depths: slices,
            oldest_queued_age_seconds: figures
                .oldest_queued
                .map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0),
            workers: workers
                .into_iter()
                .map(|w| WorkerInfo {
                    worker_id: w.worker_id,
                    slots: w.slots,
                    running_job_ids: w.running_job_ids,
                    last_heartbeat: w.sent_at.or(Some(timestamp(now))),
                    draining: w.draining,
                })
                .collect(),
            throughput_per_second: figures.finished_since as f64 / 60.0,
            processing: figures.processing,
        })
    }
}

#[tonic::async_trait]
impl SchedulerService for SchedulerApi {
    async fn submit_job(
        &self,
        request: Request<SubmitJobRequest>,
    ) -> Result<Response<SubmitJobResponse>, Status> {
        // The request's span (see `grpc_telemetry`) continues the caller's trace; the job
        // carries that span's context, so its whole run joins the same trace.
        let traceparent = specdoc_runtime::telemetry::current_traceparent();
        Ok(Response::new(
            self.submit(request.into_inner(), traceparent).await?,
        ))
    }

    async fn cancel_job(
        &self,
        request: Request<CancelJobRequest>,
    ) -> Result<Response<CancelJobResponse>, Status> {
        Ok(Response::new(self.cancel(request.into_inner()).await?))
    }

    async fn get_queue_status(
        &self,
        request: Request<GetQueueStatusRequest>,
    ) -> Result<Response<GetQueueStatusResponse>, Status> {
        Ok(Response::new(
            self.queue_status(request.into_inner()).await?,
        ))
    }
}
