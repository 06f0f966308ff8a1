//! The reaper: an expired lease ends its attempt in the record (or counts it, when the worker
//! died before its start reached the record) and dispatches the job again, until the job runs
//! out of attempts; the dead worker's lease and late writes change nothing.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_core::JobState;
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_queue::Queue;
use specdoc_scheduler::{Config, SchedulerApi};
use specdoc_store::Store;
use specdoc_testkit::TempDir;
use std::time::Duration;

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
            SubmitJobRequest {
                team_id: "payments".into(),
                service_name: "ledger".into(),
                job_type: job_pb::JobType::Documentation as i32,
                spec: specdoc_testkit::example("petstore.yaml"),
                ..Default::default()
            },
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
    assert_eq!((job.state, job.attempt), (JobState::Queued, 1));
    assert!(job.error.unwrap().starts_with("lease expired"));
    // The next worker too dies at once, its lease past its deadline.
    let again = queue
        .dequeue(Duration::ZERO)
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

    // This one died before its start reached the record (a worker records the start with the
    // attempt's first events): the record still says QUEUED, yet the attempt counts, so a spec
    // that kills its worker at once still runs out of attempts.
    let startable = store.startable(&[id]).await.unwrap().pop().flatten();
    let (_, late_start) = startable
        .expect("startable")
        .start(&again.lease, "doomed too");
    assert_eq!(api.reap_expired_leases().await.unwrap(), 1);
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempt), (JobState::Queued, 2));
    // Its start, arriving late, finds the attempt counted and records nothing.
    assert_eq!(
        store
            .record_leased(&[specdoc_store::LeasedWrite::Start(late_start)])
            .await
            .unwrap(),
        [None]
    );
    assert_eq!(store.get_job(id).await.unwrap().unwrap(), job);
    // Workers that keep dying before recording anything use up the job's attempts.
    for attempt in 3..=job.max_attempts {
        queue
            .dequeue(Duration::ZERO)
            .await
            .unwrap()
            .expect("dispatched again");
        assert_eq!(
            api.reap_expired_leases().await.unwrap(),
            usize::from(attempt < job.max_attempts)
        );
    }
    let failed = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        (failed.state, failed.attempt),
        (JobState::Failed, job.max_attempts)
    );
    assert!(
        failed
            .error
            .unwrap()
            .starts_with("failed: the worker of every attempt stopped")
    );
    assert!(queue.dequeue(Duration::ZERO).await.unwrap().is_none());
}
