//! End to end with the three service binaries as separate processes, on Postgres and Redis:
//! submit the bundled petstore, watch every step, and check the documents.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::Deployment;
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_proto::tracker::v1::{GetJobResultRequest, WatchJobRequest};
use std::time::Duration;
use tokio_stream::StreamExt;

#[tokio::test]
async fn petstore_through_scheduler_worker_and_tracker_processes() {
    let deployment = Deployment::new().await;
    let (_scheduler, scheduler) = deployment.spawn_serving("specdoc-scheduler", &[]).await;
    let (_worker, _) = deployment.spawn_serving("specdoc-worker", &[]).await;
    let (_tracker, tracker) = deployment.spawn_serving("specdoc-tracker", &[]).await;
    let mut scheduler = SchedulerServiceClient::new(specdoc_testkit::admin(scheduler));
    let mut tracker = TrackerServiceClient::new(specdoc_testkit::admin(tracker));

    let spec = specdoc_testkit::example("petstore.yaml");
    let submitted = scheduler
        .submit_job(SubmitJobRequest {
            team_id: "demo".into(),
            service_name: "petstore".into(),
            job_type: job_pb::JobType::Documentation as i32,
            spec: spec.clone(),
            output_formats: vec![
                job_pb::OutputFormat::Markdown as i32,
                job_pb::OutputFormat::Html as i32,
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();

    let mut stream = tracker
        .watch_job(WatchJobRequest {
            job_id: submitted.job_id.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while let Some(item) = tokio::time::timeout_at(deadline, stream.next())
        .await
        .expect("the job ends within 60s")
    {
        events.push(item.unwrap().event.unwrap());
    }
    assert_events_tell_the_whole_story(&events);

    let result = tracker
        .get_job_result(GetJobResultRequest {
            job_id: submitted.job_id,
            formats: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        result.job.as_ref().unwrap().state,
        job_pb::JobState::Completed as i32
    );
    assert!(result.quality.is_some());
    let markdown = document(&result.documents, job_pb::OutputFormat::Markdown);
    let html = document(&result.documents, job_pb::OutputFormat::Html);
    let operations = specdoc_testkit::operations_of(&spec);
    assert_eq!(operations.len(), 8);
    for (method, path) in operations {
        assert!(
            markdown.contains(&format!("{method} {path}")),
            "markdown lacks {method} {path}"
        );
        assert!(
            html.contains(&format!("data-op=\"{method} {path}\"")),
            "html lacks {method} {path}"
        );
    }
}

fn document(documents: &[job_pb::Document], format: job_pb::OutputFormat) -> String {
    let doc = documents
        .iter()
        .find(|d| d.format == format as i32)
        .expect("document present");
    String::from_utf8(doc.content.clone()).unwrap()
}

/// Events are numbered 1..=n without gap, walk the five steps in order, and end COMPLETED.
pub fn assert_events_tell_the_whole_story(events: &[job_pb::JobEvent]) {
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as u64).collect::<Vec<_>>(),
        "gap-free, in order"
    );
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32
    );
    let steps: Vec<i32> = events
        .iter()
        .filter(|e| {
            e.status == job_pb::StepStatus::Started as i32 && e.step != job_pb::Step::Job as i32
        })
        .map(|e| e.step)
        .collect();
    use job_pb::Step::*;
    assert_eq!(
        steps,
        vec![
            Parse as i32,
            Generate as i32,
            Format as i32,
            Score as i32,
            Store as i32
        ]
    );
}
