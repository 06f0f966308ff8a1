//! The Rust client library against real processes: a watch survives a tracker restart and
//! delivers every event once, in order, to the terminal one; typed submissions and reads work;
//! errors name what to do.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Deployment, serving_channel};
use futures::StreamExt;
use specdoc_client::{Client, ClientConfig, DocumentationJob, Error, JobState, QualityJob};
use specdoc_testkit::{example, free_port};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_resumes_across_a_tracker_restart_without_gap_or_duplicate() {
    let deployment = Deployment::new().await;
    let (_scheduler, _, scheduler_port) = deployment
        .spawn_serving_on_port("specdoc-scheduler", &[], |_| {})
        .await;
    let tracker_port = free_port();
    let tracker = deployment.spawn("specdoc-tracker", tracker_port, &[]);
    serving_channel(tracker_port).await;
    let client = Client::new(&ClientConfig {
        scheduler_url: format!("http://127.0.0.1:{scheduler_port}"),
        tracker_url: format!("http://127.0.0.1:{tracker_port}"),
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        ..Default::default()
    })
    .unwrap();

    // No worker yet: the job waits, and the watch holds its first event.
    let submitted = client
        .submit_documentation_job(DocumentationJob::new(
            "resume",
            "petstore",
            example("petstore.yaml"),
        ))
        .await
        .unwrap();
    assert_eq!(submitted.state, Some(JobState::Queued));
    let mut events = client.watch_job(&submitted.job_id, 0);
    let first = events.next().await.unwrap().unwrap();
    assert_eq!(first.seq, 1);
    // A queued job has an ETA everywhere: in its record and on its events.
    assert!(first.eta.is_some(), "{first:?}");
    let queued = client.get_job_status(&submitted.job_id).await.unwrap();
    assert!(queued.eta.unwrap().seconds_remaining > 0.0);

    // The tracker goes away while the client watches, and comes back on the same address
    // after the job has run.
    drop(tracker);
    let _worker = deployment.spawn_serving("specdoc-worker", &[]).await;
    let job_id = submitted.job_id.clone();
    let reader = tokio::spawn(async move {
        let mut seqs = vec![first.seq];
        let mut last_state = first.state;
        while let Some(event) = events.next().await {
            let event = event.unwrap();
            seqs.push(event.seq);
            last_state = event.state;
        }
        (seqs, last_state)
    });
    // The job runs to its end while the tracker is down (the record says so), then the tracker
    // comes back.
    let store = specdoc_store::Store::connect(&deployment.database_url)
        .await
        .unwrap();
    let id: specdoc_core::JobId = submitted.job_id.parse().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while store.get_job(id).await.unwrap().map(|job| job.state)
        != Some(specdoc_core::JobState::Completed)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not complete while the tracker was down"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _tracker = deployment.spawn("specdoc-tracker", tracker_port, &[]);
    let (seqs, last_state) = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the watch ended")
        .unwrap();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "every event once, in order");
    assert_eq!(
        last_state,
        specdoc_proto::job::v1::JobState::Completed as i32
    );
    let job = client.get_job_status(&job_id).await.unwrap();
    assert_eq!(job.last_seq, *seqs.last().unwrap());
    let result = client.result(&job_id).await.unwrap();
    assert_eq!(result.documents.len(), 2);

    // The rest of the API, typed.
    let quality = client
        .submit_quality_job(QualityJob::new(
            "resume",
            "petstore",
            example("petstore.yaml"),
        ))
        .await
        .unwrap();
    let mut watch = client.watch_job(&quality.job_id, 0);
    while let Some(event) = watch.next().await {
        event.unwrap();
    }
    let history = client.get_job_history("resume", 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].job_id, quality.job_id, "newest first");
    let stats = client.stats("resume", 1).await.unwrap();
    assert_eq!(stats.total_jobs, 2);
    // Both jobs scored the petstore: the rollups carry today's score and its failing rules.
    assert_eq!(stats.score_trend.len(), 1, "{stats:?}");
    assert_eq!(stats.score_trend[0].jobs, 2, "{stats:?}");
    assert!(!stats.top_failing_rules.is_empty(), "{stats:?}");
    assert_eq!(
        stats.durations.len(),
        2,
        "both job types have run times: {stats:?}"
    );
    assert!(client.queue(Some("resume")).await.unwrap().workers.len() == 1);
    let health = client.health().await;
    assert!(health.iter().all(|c| c.ok), "{health:?}");
    let finished = client.cancel(&job_id, "too late").await.unwrap_err();
    assert_eq!(finished.code(), Some(tonic::Code::FailedPrecondition));
}

#[tokio::test]
async fn an_unreachable_service_says_how_to_start_one() {
    let client = Client::new(&ClientConfig {
        scheduler_url: format!("http://127.0.0.1:{}", free_port()),
        tracker_url: format!("http://127.0.0.1:{}", free_port()),
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        ..Default::default()
    })
    .unwrap();
    let error = client
        .get_job_status("0190c6e4-0000-7000-8000-000000000000")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Unreachable {
                what: "tracker",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("specdoc up"), "{error}");
}
