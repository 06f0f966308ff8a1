//! The Rust client of specdoc, with the predecessor's programmatic API: submit documentation
//! and quality jobs, read a job's status, follow its events, cancel it, read a team's history
//! and statistics, the queue, and the health of every component. The `specdoc` CLI is built on
//! it.
//!
//! ```no_run
//! use futures::StreamExt;
//! use specdoc_client::{Client, ClientConfig, DocumentationJob};
//!
//! # async fn run() -> Result<(), specdoc_client::Error> {
//! // SPECDOC_SCHEDULER_URL, SPECDOC_TRACKER_URL and SPECDOC_TOKEN, or `specdoc up`'s defaults.
//! let client = Client::new(&ClientConfig::from_env())?;
//! let spec = std::fs::read("examples/petstore.yaml").expect("the spec");
//! let submitted = client
//!     .submit_documentation_job(DocumentationJob::new("payments", "ledger", spec))
//!     .await?;
//! // Every step as it happens; the stream reconnects and resumes by itself, and ends after the
//! // job's terminal event.
//! let mut events = client.watch_job(&submitted.job_id, 0);
//! while let Some(event) = events.next().await {
//!     let event = event?;
//!     println!("{} {}", event.seq, event.message);
//! }
//! let job = client.get_job_status(&submitted.job_id).await?;
//! println!("quality score: {:?}", job.quality_score);
//! # Ok(())
//! # }
//! ```
//!
//! Errors are [`Error`]s whose messages say what to do (start `specdoc up`, check the token…).
//!
//! `https://` URLs are dialled over TLS (rustls), trusting the platform's roots or the CA file
//! in [`ClientTls::ca`]; a client certificate ([`ClientTls::cert`] and [`ClientTls::key`]) is
//! presented to servers that require one (mTLS).

mod admin;
mod error;
mod jobs;
mod tls;
mod watch;

pub use admin::TokenFor;
pub use error::Error;
pub use jobs::{DocumentationJob, QualityJob, Submitted};
pub use specdoc_core::{Generation, JobState, JobType, OutputFormat, Priority};
pub use specdoc_proto::admin::v1::TokenInfo;
pub use specdoc_proto::job::v1::{Job, JobEvent};
pub use specdoc_proto::scheduler::v1::GetQueueStatusResponse as QueueStatus;
pub use specdoc_proto::scheduler::v1::SubmitJobRequest;
pub use specdoc_proto::tracker::v1::GetJobResultResponse as JobResult;
pub use specdoc_proto::tracker::v1::GetStatsResponse as Stats;
pub use tls::ClientTls;

use specdoc_proto::admin::v1::admin_service_client::AdminServiceClient;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use std::time::{Duration, Instant};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

/// The default address of both services: what `specdoc up` listens on.
pub const DEFAULT_URL: &str = "http://127.0.0.1:50051";

/// Where the services are, and the token to present.
#[derive(Clone, Default)]
pub struct ClientConfig {
    /// The scheduler's URL.
    pub scheduler_url: String,
    /// The tracker's URL (the same as the scheduler's under `specdoc up`).
    pub tracker_url: String,
    /// A bearer token, sent as `authorization: Bearer <token>` on every call.
    pub token: Option<String>,
    /// Trust roots and client certificate for `https://` URLs.
    pub tls: ClientTls,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("scheduler_url", &self.scheduler_url)
            .field("tracker_url", &self.tracker_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .finish()
    }
}

impl ClientConfig {
    /// `SPECDOC_SCHEDULER_URL`, `SPECDOC_TRACKER_URL`, `SPECDOC_TOKEN` (or
    /// `SPECDOC_TOKEN_FILE`, see [`token_from_file`]), and `TLS_CA`, `TLS_CLIENT_CERT` and
    /// `TLS_CLIENT_KEY`, defaulting to [`DEFAULT_URL`], `specdoc up`'s admin token and the
    /// platform's roots.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            scheduler_url: var("SPECDOC_SCHEDULER_URL").unwrap_or_else(|| DEFAULT_URL.into()),
            tracker_url: var("SPECDOC_TRACKER_URL").unwrap_or_else(|| DEFAULT_URL.into()),
            token: var("SPECDOC_TOKEN").or_else(|| token_from_file(var("SPECDOC_TOKEN_FILE"))),
            tls: ClientTls {
                ca: var("TLS_CA").map(Into::into),
                cert: var("TLS_CLIENT_CERT").map(Into::into),
                key: var("TLS_CLIENT_KEY").map(Into::into),
            },
        }
    }
}

/// Where `specdoc up` keeps the local admin token, relative to where it was started (its
/// default data dir; `SPECDOC_DATA_DIR` moves it).
pub const LOCAL_ADMIN_TOKEN: &str = ".specdoc/admin-token";

/// The token in `file`, or when no file is named, the admin token `specdoc up` created in its
/// data dir (`SPECDOC_DATA_DIR`, default `./.specdoc`) if there is one. Surrounding
/// whitespace is ignored.
pub fn token_from_file(file: Option<String>) -> Option<String> {
    let path = file.map(std::path::PathBuf::from).unwrap_or_else(|| {
        match std::env::var_os("SPECDOC_DATA_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => std::path::PathBuf::from(dir).join("admin-token"),
            None => std::path::PathBuf::from(LOCAL_ADMIN_TOKEN),
        }
    });
    let token = std::fs::read_to_string(path).ok()?;
    Some(token.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Adds the bearer token to every call.
#[derive(Clone)]
pub struct Auth(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl tonic::service::Interceptor for Auth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Auth>;

/// A connection to a specdoc deployment; cheap to clone. Connections open on first use and
/// reconnect by themselves.
#[derive(Clone)]
pub struct Client {
    scheduler: SchedulerServiceClient<Authed>,
    tracker: TrackerServiceClient<Authed>,
    admin: AdminServiceClient<Authed>,
    channels: [(&'static str, String, Channel); 2],
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("scheduler", &self.channels[0].1)
            .field("tracker", &self.channels[1].1)
            .finish()
    }
}

fn channel(url: &str, what: &'static str, tls: &ClientTls) -> Result<Channel, Error> {
    let mut endpoint = Endpoint::from_shared(url.to_owned()).map_err(|_| Error::BadUrl {
        what,
        url: url.to_owned(),
    })?;
    if endpoint.uri().scheme_str() == Some("https") {
        endpoint = endpoint
            .tls_config(tls.load()?)
            .map_err(|e| Error::Tls(format!("the {what} URL {url}: {e}")))?;
    }
    Ok(endpoint
        .connect_timeout(Duration::from_secs(5))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy())
}

impl Client {
    /// A client of the deployment `config` names. Nothing is dialled until the first call.
    pub fn new(config: &ClientConfig) -> Result<Self, Error> {
        let token = match &config.token {
            Some(token) => Some(
                format!("Bearer {token}")
                    .parse()
                    .map_err(|_| Error::BadToken)?,
            ),
            None => None,
        };
        let auth = Auth(token);
        let scheduler = channel(&config.scheduler_url, "scheduler", &config.tls)?;
        let tracker = channel(&config.tracker_url, "tracker", &config.tls)?;
        Ok(Self {
            scheduler: SchedulerServiceClient::with_interceptor(scheduler.clone(), auth.clone())
                .max_encoding_message_size(usize::MAX),
            admin: AdminServiceClient::with_interceptor(scheduler.clone(), auth.clone()),
            tracker: TrackerServiceClient::with_interceptor(tracker.clone(), auth)
                .max_decoding_message_size(usize::MAX),
            channels: [
                ("scheduler", config.scheduler_url.clone(), scheduler),
                ("tracker", config.tracker_url.clone(), tracker),
            ],
        })
    }

    fn scheduler_error(&self, status: tonic::Status) -> Error {
        Error::from_status(status, "scheduler", &self.channels[0].1)
    }

    fn tracker_error(&self, status: tonic::Status) -> Error {
        Error::from_status(status, "tracker", &self.channels[1].1)
    }

    /// Checks each component through `grpc.health.v1`: the scheduler, the tracker, Redis and
    /// the database (as the scheduler sees them), and whether any worker is alive.
    pub async fn health(&self) -> Vec<ComponentHealth> {
        let (scheduler, tracker) = (&self.channels[0].2, &self.channels[1].2);
        let probes = [
            (
                "scheduler",
                scheduler,
                "specdoc.scheduler.v1.SchedulerService",
            ),
            ("tracker", tracker, "specdoc.tracker.v1.TrackerService"),
            ("redis", scheduler, "specdoc.dependency.redis"),
            ("database", scheduler, "specdoc.dependency.database"),
        ];
        let mut report = Vec::new();
        for (name, channel, service) in probes {
            let started = Instant::now();
            let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            let request = tonic_health::pb::HealthCheckRequest {
                service: service.to_owned(),
            };
            let answer = tokio::time::timeout(Duration::from_secs(5), health.check(request)).await;
            let (ok, detail) = match answer {
                Ok(Ok(reply)) => {
                    let serving = reply.into_inner().status
                        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
                    (serving, (!serving).then(|| "not serving".to_owned()))
                }
                Ok(Err(status)) => (false, Some(status.message().to_owned())),
                Err(_) => (false, Some("no answer within 5s".to_owned())),
            };
            report.push(ComponentHealth {
                name,
                ok,
                latency: started.elapsed(),
                detail,
            });
        }
        let started = Instant::now();
        let (ok, detail) = match self.queue(None).await {
            Ok(queue) if queue.workers.is_empty() => {
                (false, "no worker has sent a heartbeat".to_owned())
            }
            Ok(queue) => (true, format!("{} alive", queue.workers.len())),
            Err(error) => (false, error.to_string()),
        };
        report.push(ComponentHealth {
            name: "workers",
            ok,
            latency: started.elapsed(),
            detail: Some(detail),
        });
        report
    }
}

/// The health of one component.
#[derive(Debug, Clone)]
pub struct ComponentHealth {
    /// `scheduler`, `tracker`, `redis`, `database` or `workers`.
    pub name: &'static str,
    /// Whether it serves.
    pub ok: bool,
    /// How long the check took.
    pub latency: Duration,
    /// Why not, or a detail (the number of workers alive).
    pub detail: Option<String>,
}
