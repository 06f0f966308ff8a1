//! The statistics rollups against a generated history, on both backends: every count, duration
//! percentile, score and failing rule that `Store::stats` reports matches what the history says.
#![allow(clippy::unwrap_used, missing_docs)]

#[macro_use]
mod common;

use common::new_job;
use specdoc_core::{JobState, JobType, LeaseToken, ServiceName, TeamId};
use specdoc_store::{Results, Store};

both_backends!(
    stats_rollups_match_a_generated_history,
    run_time_and_queue_wait_are_told_apart
);

/// What a generated job ended as.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Outcome {
    Completed { score: u32, degraded: bool },
    Failed,
    CancelledQueued,
    StillQueued,
    StillRunning,
}

async fn stats_rollups_match_a_generated_history(store: Store) {
    const RULES: [&str; 4] = [
        "info-contact",
        "operation-description",
        "operation-tags",
        "oas3-unused-component",
    ];
    // A deterministic pseudo-random history: two teams, two services, both job types.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut expected: Vec<(String, &'static str, JobType, Outcome, Vec<&str>)> = Vec::new();
    let mut run_millis = Vec::new();
    for i in 0..48 {
        let team = ["alpha", "beta"][usize::from(i % 3 == 0)];
        let service = ["petstore", "billing"][next(2) as usize];
        let mut new = new_job(team, None);
        new.service = ServiceName::parse_field(service).unwrap();
        new.job_type = [JobType::Documentation, JobType::QualityScore][next(2) as usize];
        store.insert_job(&new).await.unwrap();
        let outcome = match next(10) {
            0 => Outcome::Failed,
            1 => Outcome::CancelledQueued,
            2 => Outcome::StillQueued,
            3 => Outcome::StillRunning,
            _ => Outcome::Completed {
                score: 40 + next(60) as u32,
                degraded: next(4) == 0,
            },
        };
        let rules: Vec<&str> = RULES.iter().copied().filter(|_| next(2) == 0).collect();
        let lease = LeaseToken::new();
        match outcome {
            Outcome::StillQueued => {}
            Outcome::CancelledQueued => {
                store.cancel(new.id, "").await.unwrap();
            }
            _ => {
                store
                    .start_attempt(new.id, &lease, "w")
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        match outcome {
            Outcome::Completed { score, degraded } => {
                let results = Results {
                    quality: Some((score, vec![])),
                    degraded: degraded.then(|| "LLM down".to_owned()),
                    failing_rules: rules.iter().map(|r| (*r).to_owned()).collect(),
                    ..Results::default()
                };
                store
                    .complete(new.id, &lease, &results, "done")
                    .await
                    .unwrap()
                    .unwrap();
                let job = store.get_job(new.id).await.unwrap().unwrap();
                if team == "alpha" && new.job_type == JobType::Documentation {
                    run_millis.push(job.finished_at.unwrap() - job.started_at.unwrap());
                }
            }
            Outcome::Failed => {
                store
                    .end_attempt(new.id, &lease, JobState::Failed, "invalid spec")
                    .await
                    .unwrap()
                    .unwrap();
            }
            _ => {}
        }
        expected.push((team.to_owned(), service, new.job_type, outcome, rules));
    }

    let now = specdoc_core::now_millis();
    let stats = store
        .stats(Some(&TeamId::parse_field("alpha").unwrap()), 7, now)
        .await
        .unwrap();
    let alpha: Vec<_> = expected.iter().filter(|e| e.0 == "alpha").collect();

    // Counts by state and type.
    let mut counts = std::collections::BTreeMap::<(String, String), u64>::new();
    for (_, _, job_type, outcome, _) in &alpha {
        let state = match outcome {
            Outcome::Completed { .. } => "completed",
            Outcome::Failed => "failed",
            Outcome::CancelledQueued => "cancelled",
            Outcome::StillQueued => "queued",
            Outcome::StillRunning => "processing",
        };
        *counts
            .entry((state.to_owned(), job_type.as_str().to_owned()))
            .or_default() += 1;
    }
    let counted: Vec<_> = counts.into_iter().map(|((s, t), n)| (s, t, n)).collect();
    assert_eq!(stats.by_state_and_type, counted);

    // Degraded jobs, scores per service and per day, and the top failing rules.
    let completed: Vec<_> = alpha
        .iter()
        .filter_map(|(_, service, _, outcome, rules)| match outcome {
            Outcome::Completed { score, degraded } => Some((*service, *score, *degraded, rules)),
            _ => None,
        })
        .collect();
    assert_eq!(
        stats.degraded,
        completed.iter().filter(|c| c.2).count() as u64
    );
    for point in &stats.score_by_service {
        let scores: Vec<u32> = completed
            .iter()
            .filter(|c| c.0 == point.key)
            .map(|c| c.1)
            .collect();
        assert_eq!(point.jobs, scores.len() as u64, "{point:?}");
        let average = f64::from(scores.iter().sum::<u32>()) / scores.len() as f64;
        assert!(
            (point.average - average).abs() < 1e-9,
            "{point:?} vs {average}"
        );
    }
    assert_eq!(
        stats.score_by_service.iter().map(|p| p.jobs).sum::<u64>(),
        completed.len() as u64
    );
    assert_eq!(stats.score_trend.len(), 1, "one day of history");
    assert_eq!(
        stats.score_trend[0].key,
        specdoc_store::date_of_day(specdoc_store::day_of(now))
    );
    let mut rule_jobs = std::collections::BTreeMap::<&str, u64>::new();
    for (_, _, _, rules) in &completed {
        for rule in rules.iter() {
            *rule_jobs.entry(rule).or_default() += 1;
        }
    }
    let mut top: Vec<(String, u64)> = rule_jobs
        .into_iter()
        .map(|(r, n)| (r.to_owned(), n))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(stats.top_failing_rules, top);

    // Run-time percentiles: the histogram's answer is within a bucket of the exact one.
    run_millis.sort_unstable();
    let documentation = stats
        .durations
        .iter()
        .find(|(t, _)| t == "documentation")
        .map(|(_, p)| *p)
        .unwrap();
    assert_eq!(documentation.samples, run_millis.len() as u64);
    let exact_p50 = run_millis[(run_millis.len() - 1) / 2] as f64;
    assert!(
        (documentation.p50_millis - exact_p50).abs() <= exact_p50 * 0.09 + 1.1,
        "{documentation:?} vs exact p50 {exact_p50}"
    );
    assert!(stats.queue_wait.is_some());

    // The daily cells add up to the finished counts, and to each service's average score.
    let daily = store
        .daily_counts(Some(&TeamId::parse_field("alpha").unwrap()), 7, now)
        .await
        .unwrap();
    for state in ["completed", "failed", "cancelled"] {
        let by_day: u64 = daily
            .iter()
            .filter(|c| c.state == state)
            .map(|c| c.jobs)
            .sum();
        let overall: u64 = stats
            .by_state_and_type
            .iter()
            .filter(|c| c.0 == state)
            .map(|c| c.2)
            .sum();
        assert_eq!(by_day, overall, "{state}: {daily:?}");
    }
    for point in &stats.score_by_service {
        let cells = daily.iter().filter(|c| c.service == point.key);
        let (scored, sum) = cells.fold((0, 0), |(n, s), c| (n + c.scored, s + c.score_sum));
        assert_eq!(scored, point.jobs);
        assert!((sum as f64 / scored as f64 - point.average).abs() < 1e-9);
    }
    assert!(daily.iter().all(|c| c.day == stats.score_trend[0].key));

    // The window: ten days on, the finished jobs have left a 7-day window but not an 11-day one.
    let later = now + 10 * 86_400_000;
    let alpha_team = TeamId::parse_field("alpha").unwrap();
    let moved_on = store.stats(Some(&alpha_team), 7, later).await.unwrap();
    assert!(
        moved_on
            .by_state_and_type
            .iter()
            .all(|(state, _, _)| state == "queued" || state == "processing"),
        "{moved_on:?}"
    );
    assert!(moved_on.score_trend.is_empty() && moved_on.top_failing_rules.is_empty());
    let wide = store.stats(Some(&alpha_team), 11, later).await.unwrap();
    assert_eq!(wide, stats);

    // Everyone's statistics add both teams up.
    let everyone = store.stats(None, 7, now).await.unwrap();
    let total = |s: &specdoc_store::Stats| s.by_state_and_type.iter().map(|c| c.2).sum::<u64>();
    assert_eq!(total(&everyone), expected.len() as u64);
}

/// A job that waits a moment in the queue and runs for longer: each duration lands in its own
/// histogram.
async fn run_time_and_queue_wait_are_told_apart(store: Store) {
    let new = new_job("gamma", None);
    store.insert_job(&new).await.unwrap();
    let lease = LeaseToken::new();
    store
        .start_attempt(new.id, &lease, "w")
        .await
        .unwrap()
        .unwrap();
    // The run needs a length to measure; no assertion depends on how long the sleep takes.
    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    store
        .complete(new.id, &lease, &Results::default(), "done")
        .await
        .unwrap()
        .unwrap();
    let job = store.get_job(new.id).await.unwrap().unwrap();
    let (run, wait) = (
        job.finished_at.unwrap() - job.started_at.unwrap(),
        job.started_at.unwrap() - job.created_at,
    );
    assert!(run >= 40 && wait < run / 2, "run {run} ms, wait {wait} ms");
    let stats = store
        .stats(
            Some(&TeamId::parse_field("gamma").unwrap()),
            1,
            job.finished_at.unwrap(),
        )
        .await
        .unwrap();
    let run_p50 = stats.durations[0].1.p50_millis;
    let wait_p50 = stats.queue_wait.unwrap().p50_millis;
    let within_a_bucket =
        |estimate: f64, exact: i64| (estimate - exact as f64).abs() <= exact as f64 * 0.1 + 1.1;
    assert!(
        within_a_bucket(run_p50, run),
        "run p50 {run_p50} vs {run} ms"
    );
    assert!(
        within_a_bucket(wait_p50, wait),
        "wait p50 {wait_p50} vs {wait} ms"
    );
}
