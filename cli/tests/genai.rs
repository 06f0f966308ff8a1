//! The generate step with a real chat-completions server (started here) and real processes:
//! the LLM's prose lands in both documents marked generated, a resubmitted spec costs no calls
//! (the cache is in the database), a dead LLM degrades the job with its reason, a cancel during
//! a slow LLM call ends the job at once, and a job waiting on the LLM past its lease keeps it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Deployment, events_until_end, first_event, job, submit, submit_request};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::CancelJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::GetJobResultRequest;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_testkit::ChildGuard;
use specdoc_testkit::llm::{Behaviour, FakeLlm};
use std::time::{Duration, Instant};

/// Two operations and a parameter with no prose at all.
const BARE_SPEC: &str = r#"openapi: 3.0.3
info: {title: Bare, version: "1"}
paths:
  /widgets:
    get:
      operationId: listWidgets
      responses: {"200": {description: ok}}
  /widgets/{id}:
    delete:
      operationId: deleteWidget
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
"#;

struct Cluster {
    scheduler: SchedulerServiceClient<specdoc_testkit::Authed>,
    tracker: TrackerServiceClient<specdoc_testkit::Authed>,
    _processes: Vec<ChildGuard>,
}

async fn cluster(llm: &FakeLlm, extra: &[(&str, &str)]) -> Cluster {
    cluster_with(llm, extra, &[]).await
}

async fn cluster_with(
    llm: &FakeLlm,
    extra: &[(&str, &str)],
    scheduler_env: &[(&str, &str)],
) -> Cluster {
    let deployment = Deployment::new().await;
    let mut worker_env = vec![
        ("GENAI_BASE_URL", llm.url.as_str()),
        ("GENAI_MODEL", "test-model"),
        ("GENAI_API_KEY", "sk-test-secret"),
        ("GENAI_MAX_ATTEMPTS", "2"),
    ];
    worker_env.extend_from_slice(extra);
    let (scheduler, scheduler_channel) = deployment
        .spawn_serving("specdoc-scheduler", scheduler_env)
        .await;
    let (worker, _) = deployment
        .spawn_serving("specdoc-worker", &worker_env)
        .await;
    let (tracker, tracker_channel) = deployment.spawn_serving("specdoc-tracker", &[]).await;
    Cluster {
        scheduler: SchedulerServiceClient::new(specdoc_testkit::admin(scheduler_channel)),
        tracker: TrackerServiceClient::new(specdoc_testkit::admin(tracker_channel)),
        _processes: vec![scheduler, worker, tracker],
    }
}

fn bare_job(team: &str) -> specdoc_proto::scheduler::v1::SubmitJobRequest {
    submit_request(
        team,
        BARE_SPEC.as_bytes().to_vec(),
        job_pb::JobType::Documentation,
    )
}

fn generate_event(events: &[job_pb::JobEvent]) -> &job_pb::JobEvent {
    events
        .iter()
        .rev()
        .find(|e| e.step == job_pb::Step::Generate as i32)
        .expect("a generate event")
}

async fn document(
    tracker: &mut TrackerServiceClient<specdoc_testkit::Authed>,
    job_id: &str,
    format: job_pb::OutputFormat,
) -> String {
    let result = tracker
        .get_job_result(GetJobResultRequest {
            job_id: job_id.to_owned(),
            formats: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let doc = result
        .documents
        .iter()
        .find(|d| d.format == format as i32)
        .unwrap();
    String::from_utf8(doc.content.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_writes_the_missing_prose_and_a_resubmitted_spec_costs_no_calls() {
    let llm = FakeLlm::start(Behaviour::Write).await;
    let mut c = cluster(&llm, &[]).await;
    let first = submit(&mut c.scheduler, bare_job("writers")).await;
    let events = events_until_end(&mut c.tracker, &first, 0, Duration::from_secs(60)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32
    );
    let generate = generate_event(&events);
    assert_eq!(
        generate.status,
        job_pb::StepStatus::Succeeded as i32,
        "{}",
        generate.message
    );
    assert!(
        generate.message.contains("the LLM wrote"),
        "{}",
        generate.message
    );
    let record = job(&mut c.tracker, &first).await;
    assert!(!record.degraded, "{}", record.degraded_reason);
    let calls = llm.hits();
    assert!(calls >= 1);

    let markdown = document(&mut c.tracker, &first, job_pb::OutputFormat::Markdown).await;
    let html = document(&mut c.tracker, &first, job_pb::OutputFormat::Html).await;
    assert!(markdown.contains("LLM wrote"), "{markdown}");
    assert!(markdown.contains("_(generated)_"), "{markdown}");
    assert!(html.contains("LLM wrote"));
    assert!(html.contains("class=\"generated\""));
    for text in [&markdown, &html] {
        assert!(!text.contains("sk-test-secret"), "the API key leaked");
    }

    // The same spec again, even from another team: answered from the database cache.
    let second = submit(&mut c.scheduler, bare_job("other-team")).await;
    let events = events_until_end(&mut c.tracker, &second, 0, Duration::from_secs(60)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32
    );
    assert_eq!(llm.hits(), calls, "the resubmitted spec made LLM calls");
    let again = document(&mut c.tracker, &second, job_pb::OutputFormat::Markdown).await;
    assert!(again.contains("LLM wrote"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_llm_degrades_the_job_with_its_reason_and_the_job_completes() {
    let llm = FakeLlm::start(Behaviour::Fail).await;
    let mut c = cluster(&llm, &[]).await;
    let id = submit(&mut c.scheduler, bare_job("degraded")).await;
    let events = events_until_end(&mut c.tracker, &id, 0, Duration::from_secs(60)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32
    );
    let generate = generate_event(&events);
    assert_eq!(generate.status, job_pb::StepStatus::Degraded as i32);
    assert!(
        generate.message.contains("HTTP 500"),
        "{}",
        generate.message
    );
    let record = job(&mut c.tracker, &id).await;
    assert!(record.degraded);
    assert!(
        record.degraded_reason.contains("HTTP 500"),
        "{}",
        record.degraded_reason
    );
    assert_eq!(
        llm.hits(),
        2,
        "GENAI_MAX_ATTEMPTS=2 attempts, then the deterministic writer"
    );
    // The deterministic writer filled the gaps instead.
    let markdown = document(&mut c.tracker, &id, job_pb::OutputFormat::Markdown).await;
    assert!(markdown.contains("_(generated)_"));
    assert!(!markdown.contains("LLM wrote"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_during_a_slow_llm_call_ends_the_job_within_a_second() {
    let llm = FakeLlm::start(Behaviour::Hang).await;
    let mut c = cluster(&llm, &[("GENAI_TIMEOUT", "120")]).await;
    let id = submit(&mut c.scheduler, bare_job("impatient")).await;
    first_event(&mut c.tracker, &id, Duration::from_secs(30), |e| {
        e.step == job_pb::Step::Generate as i32 && e.status == job_pb::StepStatus::Started as i32
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while llm.hits() == 0 {
        assert!(Instant::now() < deadline, "the LLM was never called");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = Instant::now();
    c.scheduler
        .cancel_job(CancelJobRequest {
            job_id: id.clone(),
            reason: "changed my mind".into(),
        })
        .await
        .unwrap();
    let events = events_until_end(&mut c.tracker, &id, 0, Duration::from_secs(5)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Cancelled as i32
    );
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    // The worker dropped the call: it is free for the next job at once.
    let record = job(&mut c.tracker, &id).await;
    assert_eq!(record.state, job_pb::JobState::Cancelled as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_waiting_on_the_llm_past_its_lease_keeps_it_and_completes_in_one_attempt() {
    // The LLM answers after two leases and more, and the reaper looks every half second: only
    // the worker's renewals keep the job from being taken away and run again.
    let llm = FakeLlm::start(Behaviour::Slow(Duration::from_secs(5))).await;
    let mut c = cluster_with(
        &llm,
        &[("LEASE_SECONDS", "2"), ("GENAI_TIMEOUT", "30")],
        &[("RECONCILE_INTERVAL_MS", "500")],
    )
    .await;
    let id = submit(&mut c.scheduler, bare_job("patient")).await;
    let events = events_until_end(&mut c.tracker, &id, 0, Duration::from_secs(60)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32,
        "{events:?}"
    );
    assert!(llm.hits() >= 1, "the job waited on the LLM");
    assert!(
        events.iter().all(|e| e.attempt <= 1),
        "no attempt after the first: {events:?}"
    );
    assert_eq!(job(&mut c.tracker, &id).await.attempt, 1);
    assert!(
        generate_event(&events).message.contains("the LLM wrote"),
        "{:?}",
        generate_event(&events)
    );
}
