//! The scheduler in process on port 0, against real Redis and a real SQLite file.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::scheduler::v1::{CancelJobRequest, GetQueueStatusRequest, SubmitJobRequest};
use specdoc_queue::Queue;
use specdoc_runtime::{CancellationToken, Dependencies, GrpcHost};
use specdoc_scheduler::{Config, SchedulerApi};
use specdoc_store::Store;
use specdoc_testkit::TempDir;
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

struct Running {
    channel: Channel,
    store: Store,
    stop: CancellationToken,
    _dir: TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn start(redis_url: &str) -> Running {
    let dir = TempDir::new();
    let store = Store::connect(&specdoc_testkit::sqlite_url(&dir))
        .await
        .unwrap();
    let queue = Queue::connect(redis_url, &specdoc_testkit::unique_prefix())
        .await
        .unwrap();
    let api = SchedulerApi::new(store.clone(), queue.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let mut host = GrpcHost::new(specdoc_runtime::auth::Authenticator::new(
        [(
            specdoc_testkit::ADMIN_TOKEN.to_owned(),
            specdoc_runtime::auth::Caller::Admin,
        )],
        None,
    ));
    host.add_service(api.into_service());
    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue),
    };
    tokio::spawn(host.serve(listener, dependencies, stop.clone()));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Running {
        channel,
        store,
        stop,
        _dir: dir,
    }
}

fn request(spec: &[u8]) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: "payments".into(),
        service_name: "ledger".into(),
        job_type: job_pb::JobType::Documentation as i32,
        spec: spec.to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn bad_specs_get_invalid_argument_naming_the_problem() {
    let running = start(&specdoc_testkit::redis_url()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let cases: [(&[u8], &str); 4] = [
        (b"\x00\x01\x02 garbage {{{ [[[", "not valid JSON or YAML"),
        (b"{\"title\": \"no version here\"}", "supported version"),
        (b"openapi: 3.0.0\ninfo: {title: x\n  version: [", "line"),
        (
            b"swagger: \"1.2\"\ninfo: {title: x, version: '1'}\n",
            "supported version",
        ),
    ];
    for (spec, expected) in cases {
        let status = client.submit_job(request(spec)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
        assert!(
            status.message().starts_with("spec: "),
            "{}",
            status.message()
        );
        assert!(
            status.message().contains(expected),
            "{:?} should mention {expected:?}",
            status.message()
        );
        let details = status.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "spec"
        );
    }
    let mut no_team = request(&specdoc_testkit::example("petstore.yaml"));
    no_team.team_id.clear();
    let status = client.submit_job(no_team).await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            Code::InvalidArgument,
            "team_id: is required for an admin token"
        )
    );

    let mut wrong_format = request(&specdoc_testkit::example("petstore.yaml"));
    wrong_format.spec_format = job_pb::SpecFormat::Swagger20 as i32;
    let status = client.submit_job(wrong_format).await.unwrap_err();
    assert!(
        status
            .message()
            .starts_with("spec_format: declared swagger_2_0"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn submit_commits_then_queues_and_cancel_of_a_queued_job_is_immediate() {
    let running = start(&specdoc_testkit::redis_url()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let submitted = client
        .submit_job(request(&specdoc_testkit::example("petstore.yaml")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(submitted.state, job_pb::JobState::Queued as i32);
    assert_eq!(submitted.queue_position, 1);
    let id = submitted.job_id.parse().unwrap();
    let job = running.store.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        job.spec_format,
        specdoc_core::SpecFormat::Openapi30,
        "format detected"
    );
    let status = client
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.queued, 1);

    let cancelled = client
        .cancel_job(CancelJobRequest {
            job_id: submitted.job_id.clone(),
            reason: "test".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state, job_pb::JobState::Cancelled as i32);
    let status = client
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.queued, 0, "a cancelled job leaves the queue");
    let again = client
        .cancel_job(CancelJobRequest {
            job_id: submitted.job_id,
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let unknown = client
        .cancel_job(CancelJobRequest {
            job_id: specdoc_core::JobId::new().to_string(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn idempotent_submissions_under_concurrency_make_one_job() {
    let running = start(&specdoc_testkit::redis_url()).await;
    let spec = specdoc_testkit::example("petstore.yaml");
    let calls = (0..50).map(|_| {
        let mut client =
            SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
        let mut req = request(&spec);
        req.idempotency_key = "release-42".into();
        tokio::spawn(async move { client.submit_job(req).await.unwrap().into_inner() })
    });
    let mut ids = std::collections::BTreeSet::new();
    for call in calls.collect::<Vec<_>>() {
        ids.insert(call.await.unwrap().job_id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
}

/// Waits until the health stream reports `wanted`.
async fn next_status(
    stream: &mut tonic::Streaming<tonic_health::pb::HealthCheckResponse>,
    wanted: ServingStatus,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let message = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("health never became {wanted:?}"))
            .unwrap()
            .unwrap();
        if message.status == wanted as i32 {
            return;
        }
    }
}

#[tokio::test]
async fn health_is_not_serving_while_redis_is_down_and_recovers() {
    let mut redis = specdoc_testkit::RedisServer::start();
    let running = start(&redis.url()).await;
    let mut health = HealthClient::new(running.channel.clone());
    let request = tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    };
    let mut watch = health.watch(request.clone()).await.unwrap().into_inner();
    next_status(&mut watch, ServingStatus::Serving).await;
    let per_service = tonic_health::pb::HealthCheckRequest {
        service: "specdoc.scheduler.v1.SchedulerService".into(),
    };
    assert_eq!(
        health
            .check(per_service.clone())
            .await
            .unwrap()
            .into_inner()
            .status,
        ServingStatus::Serving as i32
    );

    redis.kill();
    next_status(&mut watch, ServingStatus::NotServing).await;
    assert_eq!(
        health
            .check(per_service.clone())
            .await
            .unwrap()
            .into_inner()
            .status,
        ServingStatus::NotServing as i32
    );
    // Liveness follows the process, not its dependencies: an outage must not restart pods.
    let liveness = tonic_health::pb::HealthCheckRequest {
        service: specdoc_runtime::host::LIVENESS_HEALTH.into(),
    };
    assert_eq!(
        health.check(liveness).await.unwrap().into_inner().status,
        ServingStatus::Serving as i32
    );
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let status = client
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{}", status.message());

    redis.restart();
    next_status(&mut watch, ServingStatus::Serving).await;
    assert_eq!(
        health.check(per_service).await.unwrap().into_inner().status,
        ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn an_expired_lease_is_reaped_and_the_job_dispatched_again() {
    let dir = TempDir::new();
    let store = Store::connect(&specdoc_testkit::sqlite_url(&dir))
        .await
        .unwrap();
    let queue = Queue::connect(
        &specdoc_testkit::redis_url(),
        &specdoc_testkit::unique_prefix(),
    )
    .await
    .unwrap();
    let api = SchedulerApi::new(store.clone(), queue.clone(), Config::default());
    let submitted = api
        .submit(
            &specdoc_runtime::auth::Caller::Admin,
            request(&specdoc_testkit::example("petstore.yaml")),
            None,
        )
        .await
        .unwrap();
    let id: specdoc_core::JobId = submitted.job_id.parse().unwrap();

    // A worker leases the job, starts it, and dies: its lease is already past its deadline.
    let leased = queue.dequeue(Duration::ZERO).await.unwrap().unwrap();
    store
        .start_attempt(id, &leased.lease, "doomed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        api.reconcile_once().await.unwrap(),
        0,
        "a leased job is not dispatched twice"
    );

    assert_eq!(api.reap_expired_leases().await.unwrap(), 1);
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.attempt),
        (specdoc_core::JobState::Queued, 1)
    );
    assert!(job.error.unwrap().starts_with("lease expired"));
    let again = queue
        .dequeue(Duration::from_secs(30))
        .await
        .unwrap()
        .expect("dispatched again");
    assert_eq!(again.job_id, id);
    // The dead worker's lease no longer guards anything.
    let step = specdoc_core::NewEvent::step(
        specdoc_core::Step::Parse,
        specdoc_core::StepStatus::Started,
        5,
        "zombie",
    );
    assert!(
        store
            .record_step(id, &leased.lease, &step)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !queue
            .renew(id, &leased.lease, Duration::from_secs(5))
            .await
            .unwrap()
    );
}
