//! The `SchedulerService` gRPC API. Handlers decode, call a domain function and map errors
//! through [`ApiError`].

use crate::Config;
use crate::admission::writer::AdmissionWriter;
use specdoc_core::{JobState, now_millis, timestamp};
use specdoc_proto::scheduler::v1::scheduler_service_server::{
    SchedulerService, SchedulerServiceServer,
};
use specdoc_proto::scheduler::v1::{
    CancelJobRequest, CancelJobResponse, GetQueueStatusRequest, GetQueueStatusResponse, QueueDepth,
    SubmitJobRequest, SubmitJobResponse, SubmitJobsRequest, SubmitJobsResponse, WorkerInfo,
};
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::telemetry;
use specdoc_store::{JobFilter, Store};
use std::collections::HashSet;
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
    /// The group commit of single submissions.
    pub(crate) admissions: AdmissionWriter,
}

impl SchedulerApi {
    /// A scheduler over a store and a queue. Starts its admission writers on the current
    /// runtime; they end with the last clone of the scheduler.
    pub fn new(store: Store, queue: Queue, config: Config) -> Self {
        Self {
            eta: specdoc_runtime::eta::EtaEstimator::new(store.clone(), queue.clone()),
            admissions: AdmissionWriter::start(store.clone(), queue.clone()),
            store,
            queue,
            config: Arc::new(config),
        }
    }

    /// The gRPC service, accepting messages big enough for the largest allowed spec (which
    /// also bounds a SubmitJobs call's total).
    pub fn into_service(self) -> SchedulerServiceServer<Self> {
        let max = self.config.max_spec_bytes + 1024 * 1024;
        SchedulerServiceServer::new(self).max_decoding_message_size(max)
    }
}

/// Queue depth, oldest job, live workers and throughput, as `caller` may see them: a team sees
/// its own depth and jobs only (another team's name is NOT_FOUND), and the workers with only
/// its own jobs among their running ones. Shared with the web monitor.
pub async fn queue_status(
    store: &Store,
    queue: &Queue,
    caller: &Caller,
    requested_team: &str,
) -> Result<GetQueueStatusResponse, ApiError> {
    let team = caller.scope("team_id", requested_team)?;
    let now = now_millis();
    let depths = queue.depths().await?;
    let figures = store.queue_figures(team.as_ref(), now - 60_000).await?;
    let mut workers = queue.live_workers(WORKER_STALE_MS).await?;
    if let Caller::Team(own) = caller {
        let running = store
            .list_jobs(
                &JobFilter {
                    team: Some(own.clone()),
                    states: vec![JobState::Processing],
                    ..Default::default()
                },
                1000,
                None,
            )
            .await?;
        let own_ids: HashSet<String> = running.jobs.iter().map(|j| j.id.to_string()).collect();
        for worker in &mut workers {
            worker.running_job_ids.retain(|id| own_ids.contains(id));
        }
    }
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

/// The trace context a job submitted by `request` carries ([`telemetry::job_traceparent`]).
fn caller_trace<T>(request: &Request<T>) -> Option<String> {
    let header = request.metadata().get("traceparent");
    telemetry::job_traceparent(header.and_then(|value| value.to_str().ok()))
}

#[tonic::async_trait]
impl SchedulerService for SchedulerApi {
    async fn submit_job(
        &self,
        request: Request<SubmitJobRequest>,
    ) -> Result<Response<SubmitJobResponse>, Status> {
        // The request's span (see `grpc_telemetry`) continues the caller's trace; the job
        // carries that span's context, so its whole run joins the same trace.
        let traceparent = caller_trace(&request);
        let caller = Caller::of(&request)?;
        Ok(Response::new(
            self.submit(&caller, request.into_inner(), traceparent)
                .await?,
        ))
    }

    async fn submit_jobs(
        &self,
        request: Request<SubmitJobsRequest>,
    ) -> Result<Response<SubmitJobsResponse>, Status> {
        let traceparent = caller_trace(&request);
        let caller = Caller::of(&request)?;
        let jobs = self
            .submit_many(&caller, request.into_inner().jobs, traceparent)
            .await?;
        Ok(Response::new(SubmitJobsResponse { jobs }))
    }

    async fn cancel_job(
        &self,
        request: Request<CancelJobRequest>,
    ) -> Result<Response<CancelJobResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let state = crate::cancel::cancel_job(
            &self.store,
            &self.queue,
            &caller,
            &request.job_id,
            &request.reason,
        )
        .await?;
        Ok(Response::new(CancelJobResponse {
            state: state.to_proto(),
        }))
    }

    async fn get_queue_status(
        &self,
        request: Request<GetQueueStatusRequest>,
    ) -> Result<Response<GetQueueStatusResponse>, Status> {
        let caller = Caller::of(&request)?;
        let status = queue_status(
            &self.store,
            &self.queue,
            &caller,
            &request.into_inner().team_id,
        )
        .await?;
        Ok(Response::new(status))
    }
}
