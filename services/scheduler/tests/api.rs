//! The scheduler in process on port 0, against real Redis and a real SQLite file (or a fresh
//! Postgres database).
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::scheduler::v1::{
    CancelJobRequest, GetQueueStatusRequest, SubmitJobRequest, SubmitJobsRequest,
};
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

/// A team token the test schedulers accept, for team `payments`.
const PAYMENTS_TOKEN: &str = "payments-team-token";

struct Running {
    channel: Channel,
    store: Store,
    queue: Queue,
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
    let database_url = specdoc_testkit::sqlite_url(&dir);
    start_with(redis_url, &database_url, Config::default(), dir).await
}

/// The scheduler on a fresh Postgres database.
async fn start_on_postgres(config: Config) -> Running {
    let database_url = specdoc_testkit::fresh_postgres_url().await;
    let redis_url = specdoc_testkit::redis_url();
    start_with(&redis_url, &database_url, config, TempDir::new()).await
}

async fn start_with(redis_url: &str, database_url: &str, config: Config, dir: TempDir) -> Running {
    let store = Store::connect(database_url).await.unwrap();
    let queue = Queue::connect(redis_url, &specdoc_testkit::unique_prefix())
        .await
        .unwrap();
    let api = SchedulerApi::new(store.clone(), queue.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let payments = specdoc_core::TeamId::parse_field("payments").unwrap();
    let mut host = GrpcHost::new(specdoc_runtime::auth::Authenticator::new(
        [
            (
                specdoc_testkit::ADMIN_TOKEN.to_owned(),
                specdoc_runtime::auth::Caller::Admin,
            ),
            (
                PAYMENTS_TOKEN.to_owned(),
                specdoc_runtime::auth::Caller::Team(payments),
            ),
        ],
        None,
    ));
    host.add_service(api.into_service());
    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue.clone()),
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
        queue,
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

    // Workers hear of the cancel too: a worker may have leased the job and not yet recorded
    // its start.
    let mut signals = running.queue.subscribe_cancels().await.unwrap();
    let cancelled = client
        .cancel_job(CancelJobRequest {
            job_id: submitted.job_id.clone(),
            reason: "test".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state, job_pb::JobState::Cancelled as i32);
    let signalled = tokio::time::timeout(Duration::from_secs(10), signals.next())
        .await
        .expect("a cancel signal");
    assert_eq!(signalled, Some(id));
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

/// A QUALITY_SCORE request of `team` on the smallest valid spec.
fn tiny(team: &str, service: &str) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: team.into(),
        service_name: service.into(),
        job_type: job_pb::JobType::QualityScore as i32,
        spec: b"openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n".to_vec(),
        ..Default::default()
    }
}

fn batch(jobs: Vec<SubmitJobRequest>) -> SubmitJobsRequest {
    SubmitJobsRequest { jobs }
}

/// The field a BadRequest status names.
fn violated_field(status: &tonic::Status) -> String {
    status
        .get_error_details()
        .bad_request()
        .unwrap()
        .field_violations[0]
        .field
        .clone()
}

#[tokio::test]
async fn submit_jobs_commits_announces_and_queues_every_job_in_order() {
    let running = start_on_postgres(Config::default()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let mut requests: Vec<_> = (0..40)
        .map(|i| {
            tiny(
                if i % 4 == 0 { "ops" } else { "payments" },
                &format!("svc-{i}"),
            )
        })
        .collect();
    requests[7] = request(&specdoc_testkit::example("petstore.yaml"));
    let answers = client
        .submit_jobs(batch(requests.clone()))
        .await
        .unwrap()
        .into_inner()
        .jobs;
    assert_eq!(answers.len(), requests.len());

    let mut ids = std::collections::BTreeSet::new();
    for (request, answer) in requests.iter().zip(&answers) {
        assert_eq!(answer.state, job_pb::JobState::Queued as i32);
        assert!(
            answer.queue_position > 0 && !answer.deduplicated,
            "{answer:?}"
        );
        assert!(answer.eta.is_some());
        let id: specdoc_core::JobId = answer.job_id.parse().unwrap();
        let job = running.store.get_job(id).await.unwrap().unwrap();
        // Answers come in request order.
        assert_eq!(
            (job.team.as_str(), job.service.as_str()),
            (request.team_id.as_str(), request.service_name.as_str())
        );
        assert_eq!(
            (job.state, job.last_seq),
            (specdoc_core::JobState::Queued, 1)
        );
        assert_eq!(
            running.store.get_spec(id).await.unwrap().unwrap(),
            request.spec
        );
        let events = running.store.events_after(id, 0, 10).await.unwrap();
        assert_eq!(events.len(), 1);
        assert!(
            events[0].event.message.starts_with("accepted"),
            "{events:?}"
        );
        ids.insert(answer.job_id.clone());
    }
    assert_eq!(
        running
            .store
            .get_job(answers[7].job_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .job_type,
        specdoc_core::JobType::Documentation
    );

    // Every accepted event is on the stream, and every job on the queue.
    let mut reader = running
        .queue
        .event_reader(Some("0-0".into()))
        .await
        .unwrap();
    let published: std::collections::BTreeSet<_> = reader
        .next_batch()
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|record| record.event.unwrap().job_id)
        .collect();
    assert_eq!(published, ids);
    let mut queued = std::collections::BTreeSet::new();
    while let Some(leased) = running
        .queue
        .dequeue(Duration::from_secs(30))
        .await
        .unwrap()
    {
        queued.insert(leased.envelope.job_id);
    }
    assert_eq!(queued, ids);
}

#[tokio::test]
async fn concurrent_single_submissions_share_commits_and_each_gets_its_own_place() {
    let running = start_on_postgres(Config::default()).await;
    let calls: Vec<_> = (0..40)
        .map(|i| {
            let mut client =
                SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
            tokio::spawn(async move {
                client
                    .submit_job(tiny("payments", &format!("svc-{i}")))
                    .await
                    .unwrap()
                    .into_inner()
            })
        })
        .collect();
    let mut positions = Vec::new();
    for call in calls {
        let answer = call.await.unwrap();
        let id = answer.job_id.parse().unwrap();
        let job = running.store.get_job(id).await.unwrap().unwrap();
        assert_eq!(
            (job.state, job.last_seq),
            (specdoc_core::JobState::Queued, 1)
        );
        assert_eq!(
            running.store.events_after(id, 0, 10).await.unwrap().len(),
            1
        );
        positions.push(answer.queue_position);
    }
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=40).collect::<Vec<u64>>(),
        "one team's list, one place each"
    );
}

#[tokio::test]
async fn an_invalid_job_fails_the_whole_batch_and_is_named_by_its_index() {
    let running = start_on_postgres(Config::default()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let mut bad_spec = tiny("payments", "b");
    bad_spec.spec = b"{\"title\": \"no version here\"}".to_vec();
    let mut bad_service = tiny("payments", "c");
    bad_service.service_name = "no spaces allowed".into();
    // The first invalid job is reported, whichever check finds it.
    let status = client
        .submit_jobs(batch(vec![tiny("payments", "a"), bad_spec, bad_service]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    assert_eq!(violated_field(&status), "jobs[1].spec");
    assert!(
        status.message().starts_with("jobs[1].spec: "),
        "{}",
        status.message()
    );

    let no_team = tiny("", "a");
    let status = client
        .submit_jobs(batch(vec![
            tiny("payments", "a"),
            tiny("payments", "b"),
            no_team,
        ]))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            Code::InvalidArgument,
            "jobs[2].team_id: is required for an admin token"
        )
    );

    let mut wrong_format = tiny("payments", "a");
    wrong_format.spec_format = job_pb::SpecFormat::Swagger20 as i32;
    let status = client
        .submit_jobs(batch(vec![wrong_format]))
        .await
        .unwrap_err();
    assert_eq!(violated_field(&status), "jobs[0].spec_format");

    let page = running
        .store
        .list_jobs(&specdoc_store::JobFilter::default(), 10, None)
        .await
        .unwrap();
    assert!(page.jobs.is_empty(), "nothing of a refused batch is kept");
    assert_eq!(running.queue.depths().await.unwrap().total(), 0);
}

#[tokio::test]
async fn more_than_1000_jobs_in_one_call_are_refused() {
    let running = start(&specdoc_testkit::redis_url()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let status = client
        .submit_jobs(batch(vec![tiny("payments", "a"); 1001]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_field(&status), "jobs");
    assert!(
        status.message().contains("at most 1000"),
        "{}",
        status.message()
    );
    // An empty call is a no-op.
    let empty = client.submit_jobs(batch(Vec::new())).await.unwrap();
    assert!(empty.into_inner().jobs.is_empty());
}

#[tokio::test]
async fn a_team_submits_batches_for_itself_only() {
    let running = start_on_postgres(Config::default()).await;
    let mut team = SchedulerServiceClient::new(specdoc_testkit::authed(
        running.channel.clone(),
        PAYMENTS_TOKEN,
    ));
    // Another team's name is NOT_FOUND, as in SubmitJob, and nothing is accepted.
    let status = team
        .submit_jobs(batch(vec![tiny("", "a"), tiny("ops", "b")]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());
    let single = team.submit_job(tiny("ops", "b")).await.unwrap_err();
    assert_eq!(single.code(), Code::NotFound);
    assert_eq!(running.queue.depths().await.unwrap().total(), 0);

    // An empty team_id is the token's team.
    let answers = team
        .submit_jobs(batch(vec![tiny("", "a"), tiny("payments", "b")]))
        .await
        .unwrap()
        .into_inner()
        .jobs;
    for answer in answers {
        let job = running
            .store
            .get_job(answer.job_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.team.as_str(), "payments");
    }
}

#[tokio::test]
async fn idempotency_keys_in_a_batch_work_as_in_submit_job() {
    let running = start_on_postgres(Config::default()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let keyed = |key: &str, service: &str| SubmitJobRequest {
        idempotency_key: key.into(),
        ..tiny("payments", service)
    };
    let first = client
        .submit_jobs(batch(vec![
            keyed("release-1", "a"),
            keyed("release-1", "b"),
            tiny("payments", "c"),
            keyed("release-2", "d"),
        ]))
        .await
        .unwrap()
        .into_inner()
        .jobs;
    assert!(!first[0].deduplicated && first[1].deduplicated && !first[3].deduplicated);
    assert_eq!(first[1].job_id, first[0].job_id);
    assert!(first[0].queue_position > 0 && first[3].queue_position > 0);
    let again = client
        .submit_jobs(batch(vec![keyed("release-2", "x")]))
        .await
        .unwrap()
        .into_inner()
        .jobs;
    assert!(again[0].deduplicated);
    assert_eq!(again[0].job_id, first[3].job_id);
    let single = client
        .submit_job(keyed("release-1", "y"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (single.job_id.as_str(), single.deduplicated),
        (first[0].job_id.as_str(), true)
    );
    assert_eq!(running.queue.depths().await.unwrap().total(), 3);
}

fn with_quota(per_second: f64, burst: u32, max_queued: u64) -> Config {
    Config {
        quotas: specdoc_scheduler::quota::Quotas::uniform(specdoc_queue::Quota {
            per_second,
            burst,
            max_queued,
        }),
        ..Config::default()
    }
}

#[tokio::test]
async fn every_job_of_a_batch_counts_against_the_rate_quota() {
    // A burst of 10 that refills once in 1000 seconds: the test never sees a refill.
    let running = start_on_postgres(with_quota(0.001, 10, 0)).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let jobs = |n: usize| batch(vec![tiny("payments", "a"); n]);
    client.submit_jobs(jobs(8)).await.unwrap();
    let status = client.submit_jobs(jobs(3)).await.unwrap_err();
    assert_eq!(
        status.code(),
        Code::ResourceExhausted,
        "{}",
        status.message()
    );
    assert!(status.get_error_details().retry_info().is_some());
    // What the refused batch did not take is still there.
    client.submit_jobs(jobs(2)).await.unwrap();
    assert_eq!(
        client
            .submit_job(tiny("payments", "a"))
            .await
            .unwrap_err()
            .code(),
        Code::ResourceExhausted
    );
    // Another team's quota is its own.
    client
        .submit_jobs(batch(vec![tiny("ops", "a"); 10]))
        .await
        .unwrap();
    // A batch over the burst could never fit: the request itself is at fault.
    let status = client
        .submit_jobs(batch(vec![tiny("audit", "a"); 11]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_field(&status), "jobs");
    assert_eq!(running.queue.depths().await.unwrap().total(), 20);
}

#[tokio::test]
async fn a_batch_must_fit_under_the_queued_jobs_cap() {
    let running = start_on_postgres(with_quota(0.0, 1, 5)).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let jobs = |n: usize| batch(vec![tiny("payments", "a"); n]);
    client.submit_jobs(jobs(4)).await.unwrap();
    let status = client.submit_jobs(jobs(2)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status.message().contains("a batch of 2"),
        "{}",
        status.message()
    );
    // A single job still fits: the refused batch did not close the door behind it.
    client.submit_job(tiny("payments", "a")).await.unwrap();
    let status = client.submit_job(tiny("payments", "a")).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(
        violated_field(&client.submit_jobs(jobs(6)).await.unwrap_err()),
        "jobs"
    );
    assert_eq!(running.queue.depths().await.unwrap().total(), 5);
}

#[tokio::test]
async fn without_trace_export_a_job_keeps_the_trace_context_its_caller_sent() {
    // No OTLP endpoint here, so no span is built: the job carries the caller's own context.
    const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let running = start(&specdoc_testkit::redis_url()).await;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::admin(running.channel.clone()));
    let single = client
        .submit_job(traced(CALLER, tiny("payments", "ledger")))
        .await
        .unwrap()
        .into_inner();
    let batched = client
        .submit_jobs(traced(CALLER, batch(vec![tiny("payments", "ledger")])))
        .await
        .unwrap()
        .into_inner();
    let malformed = client
        .submit_job(traced("00-not-a-trace-01", tiny("payments", "ledger")))
        .await
        .unwrap()
        .into_inner();
    let untraced = client
        .submit_job(tiny("payments", "ledger"))
        .await
        .unwrap()
        .into_inner();
    let traceparent = |id: &str| {
        let store = running.store.clone();
        let id = id.parse().unwrap();
        async move { store.get_job(id).await.unwrap().unwrap().traceparent }
    };
    assert_eq!(traceparent(&single.job_id).await.as_deref(), Some(CALLER));
    assert_eq!(
        traceparent(&batched.jobs[0].job_id).await.as_deref(),
        Some(CALLER)
    );
    assert_eq!(traceparent(&malformed.job_id).await, None);
    assert_eq!(traceparent(&untraced.job_id).await, None);
}

/// `message` sent with a `traceparent` header.
fn traced<T>(traceparent: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("traceparent", traceparent.parse().unwrap());
    request
}
