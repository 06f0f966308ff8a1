//! The queue against a real Redis, each test under its own key prefix.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::queue;
use specdoc_core::{JobId, JobType, Priority, TeamId};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::queue::v1::{EventRecord, JobEnvelope};
use std::time::Duration;

fn envelope(team: &str, priority: Priority) -> (JobEnvelope, TeamId) {
    let env = JobEnvelope {
        job_id: JobId::new().to_string(),
        team_id: team.into(),
        job_type: JobType::QualityScore.to_proto(),
        priority: priority.to_proto(),
        ..Default::default()
    };
    (env, TeamId::parse_field(team).unwrap())
}

#[tokio::test]
async fn a_small_team_is_not_stuck_behind_a_big_backlog_and_a_queued_job_costs_under_1_kib() {
    let q = queue().await;
    let (_, big) = envelope("big", Priority::Normal);
    let mut big_ids = Vec::new();
    for _ in 0..10_000 {
        let (env, _) = envelope("big", Priority::Normal);
        q.enqueue(&env, &big, Priority::Normal).await.unwrap();
        big_ids.push(env.job_id);
    }
    // Redis memory of the queued jobs: their envelopes plus their share of the ready list.
    let mut conn = redis::Client::open(specdoc_testkit::redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let mut envelopes = 0u64;
    for id in big_ids.iter().take(200) {
        let key = q.keys().envelope(id.parse().unwrap());
        envelopes += redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(key)
            .query_async::<u64>(&mut conn)
            .await
            .unwrap();
    }
    let list: u64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(q.keys().ready(Priority::Normal, &big))
        .query_async(&mut conn)
        .await
        .unwrap();
    let per_job = envelopes / 200 + list / 10_000;
    println!("redis memory per queued job: {per_job} bytes");
    assert!(per_job < 1024, "{per_job} bytes of Redis per queued job");

    let (env, team) = envelope("small", Priority::Normal);
    let position = q
        .enqueue(&env, &team, Priority::Normal)
        .await
        .unwrap()
        .unwrap();
    assert!(
        position <= 2,
        "one round-robin turn ahead at most, not 10,000: {position}"
    );
    // One slot turns over: the next dispatches are one of each team.
    let first = q
        .dequeue(Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap()
        .envelope
        .team_id;
    let second = q
        .dequeue(Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap()
        .envelope
        .team_id;
    assert!(
        first == "small" || second == "small",
        "small's job starts within one turnover: {first}, {second}"
    );
}

#[tokio::test]
async fn higher_priorities_go_first_and_fifo_within_a_team() {
    let q = queue().await;
    let mut ids = Vec::new();
    for priority in [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Normal,
    ] {
        let (env, team) = envelope("t", priority);
        q.enqueue(&env, &team, priority).await.unwrap();
        ids.push((priority, env.job_id));
    }
    let mut got = Vec::new();
    while let Some(leased) = q.dequeue(Duration::from_secs(30)).await.unwrap() {
        got.push(leased.envelope.job_id.clone());
    }
    assert_eq!(
        got,
        vec![
            ids[2].1.clone(),
            ids[1].1.clone(),
            ids[3].1.clone(),
            ids[0].1.clone()
        ]
    );
}

#[tokio::test]
async fn leases_guard_renew_and_ack_and_dispatch_is_deduplicated() {
    let q = queue().await;
    let (env, team) = envelope("t", Priority::Normal);
    assert!(
        q.enqueue(&env, &team, Priority::Normal)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        q.enqueue(&env, &team, Priority::Normal)
            .await
            .unwrap()
            .is_none(),
        "already queued"
    );
    assert_eq!(q.depths().await.unwrap().total(), 1);
    let leased = q.dequeue(Duration::from_secs(30)).await.unwrap().unwrap();
    assert_eq!(q.leased_count().await.unwrap(), 1);
    assert!(
        q.enqueue(&env, &team, Priority::Normal)
            .await
            .unwrap()
            .is_none(),
        "leased jobs are not re-queued"
    );
    let stranger = specdoc_core::LeaseToken::new();
    assert!(
        !q.renew(leased.job_id, &stranger, Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(!q.ack(leased.job_id, &stranger).await.unwrap());
    assert!(
        q.renew(leased.job_id, &leased.lease, Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(q.ack(leased.job_id, &leased.lease).await.unwrap());
    assert_eq!(q.leased_count().await.unwrap(), 0);
    assert!(q.dequeue(Duration::from_secs(30)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_cancelled_queued_job_never_dispatches() {
    let q = queue().await;
    let (first, team) = envelope("t", Priority::Normal);
    let (second, _) = envelope("t", Priority::Normal);
    q.enqueue(&first, &team, Priority::Normal).await.unwrap();
    q.enqueue(&second, &team, Priority::Normal).await.unwrap();
    assert!(
        q.remove_queued(first.job_id.parse().unwrap(), &team, Priority::Normal)
            .await
            .unwrap()
    );
    let leased = q.dequeue(Duration::from_secs(30)).await.unwrap().unwrap();
    assert_eq!(leased.envelope.job_id, second.job_id);
    assert!(q.dequeue(Duration::from_secs(30)).await.unwrap().is_none());
    assert_eq!(q.depths().await.unwrap().total(), 0);
}

fn record(job_id: &str, seq: u64) -> EventRecord {
    EventRecord {
        event: Some(job_pb::JobEvent {
            job_id: job_id.to_owned(),
            seq,
            ..Default::default()
        }),
        team_id: "t".into(),
        ..Default::default()
    }
}

async fn read_seqs(reader: &mut specdoc_queue::EventReader, count: usize) -> Vec<u64> {
    let mut seqs = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seqs.len() < count {
        let batch = tokio::time::timeout_at(deadline, reader.next_batch())
            .await
            .expect("events within 10s")
            .unwrap();
        seqs.extend(batch.records.iter().map(|r| r.event.as_ref().unwrap().seq));
    }
    seqs
}

#[tokio::test]
async fn events_reach_a_reader_in_order() {
    let q = queue().await;
    let mut reader = q.event_reader(None).await.unwrap();
    let job_id = JobId::new().to_string();
    q.publish_event(&record(&job_id, 1)).await.unwrap();
    // A worker's committed group: several records in one stream entry, and a group larger
    // than an entry holds across several.
    let group: Vec<_> = (2..=4).map(|seq| record(&job_id, seq)).collect();
    q.publish_events(&group).await.unwrap();
    let large: Vec<_> = (5..=204).map(|seq| record(&job_id, seq)).collect();
    q.publish_events(&large).await.unwrap();
    q.publish_event(&record(&job_id, 205)).await.unwrap();
    assert_eq!(
        read_seqs(&mut reader, 205).await,
        (1..=205).collect::<Vec<_>>()
    );
    // 1, 3, 200 as 64 + 64 + 64 + 8, and 1 events: seven entries.
    let mut conn = redis::Client::open(specdoc_testkit::redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let entries: u64 = redis::cmd("XLEN")
        .arg(q.keys().events())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(entries, 7);
}

#[tokio::test]
async fn a_group_is_published_and_only_leases_still_held_are_acked() {
    let q = queue().await;
    let mut reader = q.event_reader(None).await.unwrap();
    for _ in 0..3 {
        let (env, team) = envelope("t", Priority::Normal);
        q.enqueue(&env, &team, Priority::Normal).await.unwrap();
    }
    let leased = q.dequeue_many(Duration::from_secs(30), 3).await.unwrap();
    assert_eq!(leased.len(), 3);
    let stranger = specdoc_core::LeaseToken::new();
    let finished = [
        (leased[0].job_id, leased[0].lease.clone()),
        (leased[1].job_id, stranger),
    ];
    let job_id = leased[0].job_id.to_string();
    let records = [record(&job_id, 1), record(&job_id, 2)];
    q.publish_and_ack(&records, &finished).await.unwrap();
    assert_eq!(read_seqs(&mut reader, 2).await, vec![1, 2]);
    assert_eq!(
        q.leased_count().await.unwrap(),
        2,
        "the job acked under a stale token keeps its lease"
    );
    assert!(
        !q.ack(leased[0].job_id, &leased[0].lease).await.unwrap(),
        "already acked"
    );
    assert!(q.ack(leased[1].job_id, &leased[1].lease).await.unwrap());
}

#[tokio::test]
async fn a_delayed_retry_waits_for_its_backoff_then_dispatches() {
    let q = queue().await;
    let (env, team) = envelope("t", Priority::Normal);
    assert!(
        q.enqueue_delayed(&env, &team, Priority::Normal, Duration::from_secs(3600))
            .await
            .unwrap()
    );
    assert!(
        q.dequeue(Duration::from_secs(30)).await.unwrap().is_none(),
        "not before its backoff"
    );
    assert!(
        q.enqueue(&env, &team, Priority::Normal)
            .await
            .unwrap()
            .is_none(),
        "a waiting retry is not dispatched twice"
    );
    let (due, _) = envelope("t", Priority::Normal);
    assert!(
        q.enqueue_delayed(&due, &team, Priority::Normal, Duration::ZERO)
            .await
            .unwrap()
    );
    let leased = q
        .dequeue(Duration::from_secs(30))
        .await
        .unwrap()
        .expect("a due retry dispatches");
    assert_eq!(leased.envelope.job_id, due.job_id);
}

#[tokio::test]
async fn one_leader_at_a_time_and_a_successor_once_the_lock_lapses() {
    let q = queue().await;
    let ttl = Duration::from_millis(300);
    assert!(q.lead("a", ttl).await.unwrap());
    assert!(
        !q.lead("b", ttl).await.unwrap(),
        "b cannot lead while a holds the lock"
    );
    assert!(q.lead("a", ttl).await.unwrap(), "a renews");
    // a stops renewing; b takes over once the ttl has run out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !q.lead("b", ttl).await.unwrap() {
        assert!(tokio::time::Instant::now() < deadline, "b never took over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!q.lead("a", ttl).await.unwrap(), "a lost the lock");
}
