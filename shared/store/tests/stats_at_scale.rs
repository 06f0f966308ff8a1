//! GetStats' read at scale (issue 7: ≤ 50 ms for a team with 100,000 jobs in the window).
//!
//! A benchmark, not a timed test: it is `#[ignore]`d and run by `just bench-stats`, which prints
//! the figures. 100,000 jobs go through the real lifecycle (insert, start, complete or fail) on
//! Postgres, so the rollups are exactly what production writes; then `stats` is read repeatedly.
//! `just test` runs it with `STATS_JOBS=2000`, so its assertions hold in CI too.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_core::{JobState, JobType, LeaseToken, NewJob, ServiceName, TeamId};
use specdoc_store::{Results, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const JOBS: usize = 100_000;
const CONCURRENCY: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with `just bench-stats`"]
async fn stats_of_a_team_with_100k_jobs() {
    let jobs = std::env::var("STATS_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(JOBS);
    let url = specdoc_testkit::fresh_postgres_url().await;
    let store = Store::connect(&url).await.unwrap();
    let started = Instant::now();
    // Workers take the next job number until all are done.
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs {
                    return;
                }
                run_one(&store, i).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let populate = started.elapsed();

    let team = TeamId::parse_field("bench").unwrap();
    let now = specdoc_core::now_millis();
    let stats = store.stats(Some(&team), 30, now).await.unwrap();
    let total: u64 = stats.by_state_and_type.iter().map(|c| c.2).sum();
    assert_eq!(total, jobs as u64, "every job is counted");
    let mut timings = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        store.stats(Some(&team), 30, now).await.unwrap();
        timings.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "stats: {jobs} jobs populated in {:.1} s; GetStats read p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (target ≤ 50 ms)",
        populate.as_secs_f64(),
        timings[timings.len() / 2],
        timings[timings.len() * 95 / 100],
        timings[timings.len() - 1],
    );
    println!(
        "stats: {} durations, {} services, {} rules, success {:?}",
        stats.durations.len(),
        stats.score_by_service.len(),
        stats.top_failing_rules.len(),
        stats.by_state_and_type
    );
}

/// One job through insert, start and completion (or failure, one in ten).
async fn run_one(store: &Store, i: usize) {
    let new = NewJob {
        service: ServiceName::parse_field(&format!("service-{}", i % 20)).unwrap(),
        job_type: [JobType::Documentation, JobType::QualityScore][i % 2],
        ..specdoc_testkit::new_job("bench")
    };
    store.insert_job(&new).await.unwrap();
    let lease = LeaseToken::new();
    store
        .start_attempt(new.id, &lease, "bench")
        .await
        .unwrap()
        .unwrap();
    if i.is_multiple_of(10) {
        store
            .end_attempt(new.id, &lease, JobState::Failed, "bench failure")
            .await
            .unwrap()
            .unwrap();
        return;
    }
    let results = Results {
        quality: Some((u32::try_from(i % 100).unwrap(), vec![])),
        failing_rules: (0..60)
            .filter(|r| (i + r).is_multiple_of(7))
            .map(|r| format!("rule-{r}"))
            .collect(),
        ..Results::default()
    };
    store
        .complete(new.id, &lease, &results, "done")
        .await
        .unwrap()
        .unwrap();
}
