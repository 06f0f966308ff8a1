//! The `WorkerService` gRPC API: status and drain of this worker process.

use crate::Worker;
use specdoc_proto::worker::v1::worker_service_server::{WorkerService, WorkerServiceServer};
use specdoc_proto::worker::v1::{
    DrainRequest, DrainResponse, GetWorkerStatusRequest, GetWorkerStatusResponse,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tonic::{Request, Response, Status};

/// The gRPC face of a [`Worker`].
#[derive(Debug, Clone)]
pub struct WorkerApi(pub Arc<Worker>);

impl WorkerApi {
    /// The gRPC service.
    pub fn into_service(self) -> WorkerServiceServer<Self> {
        WorkerServiceServer::new(self)
    }
}

#[tonic::async_trait]
impl WorkerService for WorkerApi {
    async fn get_worker_status(
        &self,
        _request: Request<GetWorkerStatusRequest>,
    ) -> Result<Response<GetWorkerStatusResponse>, Status> {
        let beat = self.0.heartbeat();
        Ok(Response::new(GetWorkerStatusResponse {
            worker_id: beat.worker_id,
            slots: beat.slots,
            running_job_ids: beat.running_job_ids,
            draining: beat.draining,
            jobs_finished: self.0.finished.load(Ordering::Relaxed),
        }))
    }

    async fn drain(
        &self,
        _request: Request<DrainRequest>,
    ) -> Result<Response<DrainResponse>, Status> {
        let in_flight = u32::try_from(self.0.running_jobs().len()).unwrap_or(u32::MAX);
        self.0.start_draining();
        tracing::info!(in_flight, "drain requested");
        Ok(Response::new(DrainResponse { in_flight }))
    }
}
