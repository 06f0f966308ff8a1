//! The `WorkerService` gRPC API: status and drain of this worker process, for admins only.

use crate::Worker;
use specdoc_proto::worker::v1::worker_service_server::{WorkerService, WorkerServiceServer};
use specdoc_proto::worker::v1::{
    DrainRequest, DrainResponse, GetWorkerStatusRequest, GetWorkerStatusResponse,
};
use specdoc_runtime::auth::Caller;
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
        request: Request<GetWorkerStatusRequest>,
    ) -> Result<Response<GetWorkerStatusResponse>, Status> {
        // A worker runs every team's jobs: only an admin may see them.
        Caller::of(&request)?.require_admin("reading a worker's status")?;
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
        request: Request<DrainRequest>,
    ) -> Result<Response<DrainResponse>, Status> {
        Caller::of(&request)?.require_admin("draining a worker")?;
        let in_flight = u32::try_from(self.0.running_jobs().len()).unwrap_or(u32::MAX);
        self.0.start_draining();
        tracing::info!(in_flight, "drain requested");
        Ok(Response::new(DrainResponse { in_flight }))
    }
}
