//! Batch dispatch against real Redis: `Queue::enqueue_many` has the outcome of one `enqueue` per
//! job, and `Queue::dequeue_many` leases jobs in the order of one `dequeue` per job.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::queue;
use specdoc_core::{JobId, JobType, Priority, TeamId};
use specdoc_proto::queue::v1::JobEnvelope;
use specdoc_queue::Queue;
use std::time::Duration;

fn envelope(team: &str, priority: Priority) -> (JobEnvelope, TeamId, Priority) {
    let env = JobEnvelope {
        job_id: JobId::new().to_string(),
        team_id: team.into(),
        job_type: JobType::QualityScore.to_proto(),
        priority: priority.to_proto(),
        ..Default::default()
    };
    (env, TeamId::parse_field(team).unwrap(), priority)
}

async fn drain(queue: &Queue) -> Vec<String> {
    let mut order = Vec::new();
    while let Some(leased) = queue.dequeue(Duration::from_secs(30)).await.unwrap() {
        order.push(leased.envelope.job_id);
    }
    order
}

#[tokio::test]
async fn a_batch_queues_like_one_enqueue_per_job() {
    let jobs: Vec<_> = [
        ("a", Priority::Normal),
        ("a", Priority::Normal),
        ("b", Priority::Normal),
        ("a", Priority::High),
        ("b", Priority::Low),
        ("a", Priority::Normal),
    ]
    .into_iter()
    .map(|(team, priority)| envelope(team, priority))
    .collect();
    let one_by_one = queue().await;
    let mut expected = Vec::new();
    for (env, team, priority) in &jobs {
        expected.push(one_by_one.enqueue(env, team, *priority).await.unwrap());
    }

    let batched = queue().await;
    let refs: Vec<_> = jobs.iter().map(|(e, t, p)| (e, t, *p)).collect();
    let positions = batched.enqueue_many(&refs).await.unwrap();
    assert_eq!(positions, expected);
    // Dispatch order: a higher priority first (the low job waits for the four others), then
    // the ring of teams (b's first job does not wait for a's).
    let [a1, a2, b1, high, low, a3] = [1, 2, 1, 1, 5, 5].map(Some);
    assert_eq!(positions, vec![a1, a2, b1, high, low, a3]);
    // A job already queued is not queued twice, in a batch as alone.
    assert_eq!(
        batched.enqueue_many(&refs[..2]).await.unwrap(),
        vec![None, None]
    );
    assert_eq!(batched.depths().await.unwrap().total(), jobs.len() as u64);
    assert_eq!(drain(&batched).await, drain(&one_by_one).await);
    assert!(batched.enqueue_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_batch_loads_its_script_on_a_redis_that_never_saw_it() {
    // A private server: no script is cached there, so the first pipeline meets NOSCRIPT.
    let redis = specdoc_testkit::RedisServer::start();
    let queue = Queue::connect(&redis.url(), &specdoc_testkit::unique_prefix())
        .await
        .unwrap();
    let jobs: Vec<_> = (0..3).map(|_| envelope("t", Priority::Normal)).collect();
    let refs: Vec<_> = jobs.iter().map(|(e, t, p)| (e, t, *p)).collect();
    assert_eq!(
        queue.enqueue_many(&refs).await.unwrap(),
        vec![Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        drain(&queue).await,
        jobs.iter()
            .map(|(e, _, _)| e.job_id.clone())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_batch_lease_takes_jobs_in_the_order_of_single_leases_each_under_its_token() {
    // Teams alone and together at a priority, several jobs each: a ring of one team hands out
    // its jobs in one pop, a ring of several turns one job per team.
    let mut jobs = Vec::new();
    for (team, priority, n) in [
        ("solo", Priority::High, 5),
        ("a", Priority::Normal, 4),
        ("b", Priority::Normal, 2),
        ("c", Priority::Normal, 3),
        ("late", Priority::Low, 6),
    ] {
        jobs.extend((0..n).map(|_| envelope(team, priority)));
    }
    let refs: Vec<_> = jobs.iter().map(|(e, t, p)| (e, t, *p)).collect();
    let one_by_one = queue().await;
    one_by_one.enqueue_many(&refs).await.unwrap();
    let batched = queue().await;
    batched.enqueue_many(&refs).await.unwrap();

    let mut order = Vec::new();
    loop {
        let leased = batched
            .dequeue_many(Duration::from_secs(30), 4)
            .await
            .unwrap();
        if leased.is_empty() {
            break;
        }
        assert!(leased.len() <= 4);
        for job in leased {
            assert!(batched.ack(job.job_id, &job.lease).await.unwrap());
            order.push(job.envelope.job_id);
        }
    }
    assert_eq!(order.len(), jobs.len());
    assert_eq!(order, drain(&one_by_one).await);
    assert_eq!(batched.depths().await.unwrap().total(), 0);
}
