//! Helpers shared by the tests that run the service binaries as processes.
#![allow(dead_code, clippy::unwrap_used)]

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_proto::tracker::v1::{GetJobRequest, WatchJobRequest};
use specdoc_testkit::{ChildGuard, binary, free_port};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// One deployment's settings: a fresh Postgres database and a unique Redis prefix.
pub struct Deployment {
    pub database_url: String,
    pub redis_url: String,
    pub prefix: String,
}

impl Deployment {
    pub async fn new() -> Self {
        Self::with_redis(specdoc_testkit::redis_url()).await
    }

    pub async fn with_redis(redis_url: String) -> Self {
        Self {
            database_url: specdoc_testkit::fresh_postgres_url().await,
            redis_url,
            prefix: specdoc_testkit::unique_prefix(),
        }
    }

    /// A service binary on `port` with extra environment; logs go to stderr when `logs`.
    pub fn command(&self, name: &str, port: u16, env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(binary(name));
        command
            .env("DATABASE_URL", &self.database_url)
            .env("REDIS_URL", &self.redis_url)
            .env("REDIS_PREFIX", &self.prefix)
            .env("LISTEN", format!("127.0.0.1:{port}"))
            .env("HTTP_LISTEN", format!("127.0.0.1:{}", free_port()))
            .env("RUST_LOG", "warn")
            .env("AUTH_TOKENS", specdoc_testkit::AUTH_TOKENS)
            // Tests that flood on purpose set quotas of their own.
            .env("QUOTA_SUBMISSIONS_PER_SECOND", "0")
            .env("QUOTA_MAX_QUEUED", "0")
            .stdout(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    pub fn spawn(&self, name: &str, port: u16, env: &[(&str, &str)]) -> ChildGuard {
        ChildGuard(self.command(name, port, env).spawn().unwrap())
    }

    /// Starts a service on a free port and waits until it serves. A free port can be taken by
    /// someone else between choosing and binding it (the service then exits at start), so a
    /// service that exits before serving is started again on another port.
    pub async fn spawn_serving(&self, name: &str, env: &[(&str, &str)]) -> (ChildGuard, Channel) {
        self.spawn_serving_with(name, env, |_| {}).await
    }

    /// [`spawn_serving`](Self::spawn_serving) with a last say on the command (e.g. to pipe its
    /// output).
    pub async fn spawn_serving_with(
        &self,
        name: &str,
        env: &[(&str, &str)],
        configure: impl Fn(&mut Command),
    ) -> (ChildGuard, Channel) {
        let (child, channel, _) = self.spawn_serving_on_port(name, env, configure).await;
        (child, channel)
    }

    /// [`spawn_serving_with`](Self::spawn_serving_with), also returning the gRPC port.
    pub async fn spawn_serving_on_port(
        &self,
        name: &str,
        env: &[(&str, &str)],
        configure: impl Fn(&mut Command),
    ) -> (ChildGuard, Channel, u16) {
        for _ in 0..5 {
            let port = free_port();
            let mut command = self.command(name, port, env);
            configure(&mut command);
            let mut child = ChildGuard(command.spawn().unwrap());
            if let Some(channel) = serving_channel_of(port, Some(&mut child)).await {
                return (child, channel, port);
            }
        }
        panic!("{name} never served on any of 5 ports");
    }
}

/// Connects once the process listens and reports SERVING, within a deadline.
pub async fn serving_channel(port: u16) -> Channel {
    serving_channel_of(port, None)
        .await
        .unwrap_or_else(|| panic!("the service on port {port} exited before serving"))
}

/// Like [`serving_channel`], but `None` as soon as `child` has exited.
async fn serving_channel_of(port: u16, mut child: Option<&mut ChildGuard>) -> Option<Channel> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let endpoint = Channel::from_shared(format!("http://127.0.0.1:{port}")).unwrap();
    loop {
        if let Ok(channel) = endpoint.connect().await {
            let mut health = HealthClient::new(channel.clone());
            let request = tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            };
            if let Ok(mut watch) = health.watch(request).await.map(tonic::Response::into_inner) {
                while let Ok(Some(Ok(reply))) =
                    tokio::time::timeout_at(deadline, watch.next()).await
                {
                    if reply.status == ServingStatus::Serving as i32 {
                        return Some(channel);
                    }
                }
            }
        }
        if let Some(child) = child.as_mut()
            && child.0.try_wait().unwrap().is_some()
        {
            return None;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "service on port {port} never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn submit_request(team: &str, spec: Vec<u8>, job_type: job_pb::JobType) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: team.into(),
        service_name: "svc".into(),
        job_type: job_type as i32,
        spec,
        ..Default::default()
    }
}

pub async fn submit(
    scheduler: &mut SchedulerServiceClient<specdoc_testkit::Authed>,
    request: SubmitJobRequest,
) -> String {
    scheduler
        .submit_job(request)
        .await
        .unwrap()
        .into_inner()
        .job_id
}

/// Every event of a job from `after_seq` until its terminal event, within `limit`.
pub async fn events_until_end(
    tracker: &mut TrackerServiceClient<specdoc_testkit::Authed>,
    job_id: &str,
    after_seq: u64,
    limit: Duration,
) -> Vec<job_pb::JobEvent> {
    let mut stream = tracker
        .watch_job(WatchJobRequest {
            job_id: job_id.to_owned(),
            after_seq,
        })
        .await
        .unwrap()
        .into_inner();
    let deadline = tokio::time::Instant::now() + limit;
    let mut events = Vec::new();
    while let Some(item) = tokio::time::timeout_at(deadline, stream.next())
        .await
        .unwrap_or_else(|_| {
            panic!("job {job_id} did not end within {limit:?}; events so far: {events:?}")
        })
    {
        events.push(item.unwrap().event.unwrap());
    }
    events
}

/// Waits for the first event of `job_id` that `wanted` accepts, and returns it.
pub async fn first_event(
    tracker: &mut TrackerServiceClient<specdoc_testkit::Authed>,
    job_id: &str,
    limit: Duration,
    wanted: impl Fn(&job_pb::JobEvent) -> bool,
) -> job_pb::JobEvent {
    let mut stream = tracker
        .watch_job(WatchJobRequest {
            job_id: job_id.to_owned(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let event = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the awaited event within the limit")
            .expect("the stream ended before the awaited event")
            .unwrap()
            .event
            .unwrap();
        if wanted(&event) {
            return event;
        }
    }
}

pub async fn job(
    tracker: &mut TrackerServiceClient<specdoc_testkit::Authed>,
    job_id: &str,
) -> job_pb::Job {
    tracker
        .get_job(GetJobRequest {
            job_id: job_id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap()
}
