//! Connections to a running specdoc, from flags or `SPECDOC_SCHEDULER_URL` /
//! `SPECDOC_TRACKER_URL` (defaults match `specdoc up`), with errors that say what to do.

use anyhow::{Context, Result};
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use tonic::transport::{Channel, Endpoint};

/// Where the services are.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// Scheduler address.
    #[arg(
        long,
        env = "SPECDOC_SCHEDULER_URL",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub scheduler_url: String,
    /// Tracker address.
    #[arg(
        long,
        env = "SPECDOC_TRACKER_URL",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub tracker_url: String,
}

async fn channel(url: &str, what: &str) -> Result<Channel> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .with_context(|| format!("{what} URL {url:?} is not a valid URL"))?;
    endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the {what} at {url}: is specdoc running? Start it with `specdoc up`, or set SPECDOC_{}_URL", what.to_uppercase()))
}

impl Target {
    /// A scheduler client.
    pub async fn scheduler(&self) -> Result<SchedulerServiceClient<Channel>> {
        Ok(
            SchedulerServiceClient::new(channel(&self.scheduler_url, "scheduler").await?)
                .max_encoding_message_size(usize::MAX),
        )
    }

    /// A tracker client.
    pub async fn tracker(&self) -> Result<TrackerServiceClient<Channel>> {
        Ok(
            TrackerServiceClient::new(channel(&self.tracker_url, "tracker").await?)
                .max_decoding_message_size(usize::MAX),
        )
    }
}

/// A gRPC error as a sentence a user can act on.
pub fn explain(status: tonic::Status) -> anyhow::Error {
    use tonic::Code;
    let hint = match status.code() {
        Code::InvalidArgument => "the request was rejected",
        Code::NotFound => "not found",
        Code::FailedPrecondition => "not possible in the job's current state",
        Code::Unavailable => "the service is unavailable (is Redis or the database down?)",
        Code::Unauthenticated => "authentication failed (check SPECDOC_TOKEN)",
        Code::PermissionDenied => "permission denied",
        Code::ResourceExhausted => "over quota; try again later",
        Code::DeadlineExceeded => "the call timed out",
        _ => "the call failed",
    };
    anyhow::anyhow!("{hint}: {}", status.message())
}
