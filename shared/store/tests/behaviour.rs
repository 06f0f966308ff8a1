//! One behavioural suite for the store, run against both real Postgres and real SQLite.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_core::{
    Generation, JobId, JobState, JobType, LeaseToken, NewEvent, NewJob, OutputFormat, Priority,
    ServiceName, Step, StepStatus, TeamId,
};
use specdoc_store::{CancelOutcome, JobFilter, Results, StepWrite, Store};
use specdoc_testkit::TempDir;

/// Runs each listed test body against a fresh Postgres database and a fresh SQLite file.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let store = specdoc_store::Store::connect(&specdoc_testkit::fresh_postgres_url().await).await.unwrap();
                super::$name(store).await;
            })+
        }
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                let dir = specdoc_testkit::TempDir::new();
                let store = specdoc_store::Store::connect(&specdoc_testkit::sqlite_url(&dir)).await.unwrap();
                super::$name(store).await;
            })+
        }
    };
}

both_backends!(
    insert_then_read_back,
    idempotency_key_returns_the_first_job,
    lifecycle_numbers_events_without_gaps,
    a_stale_lease_changes_nothing,
    a_batch_of_step_events_guards_each_write_by_its_own_lease,
    cancel_queued_running_and_finished,
    list_is_newest_first_with_cursor_pages,
    list_filters_by_service_state_type_and_time,
    queue_figures_and_reconcile_candidates,
    retention_deletes_only_old_finished_jobs,
    generation_mode_is_recorded,
    llm_answers_are_cached_first_writer_wins,
    eta_figures_follow_priorities_and_round_robin,
    stats_rollups_match_a_generated_history,
);

fn new_job(team: &str, key: Option<&str>) -> NewJob {
    NewJob {
        idempotency_key: key.map(str::to_owned),
        spec_version: Some("v1".into()),
        ..specdoc_testkit::new_job(team)
    }
}

async fn insert_then_read_back(store: Store) {
    let new = new_job("alpha", None);
    let inserted = store.insert_job(&new).await.unwrap();
    assert!(!inserted.deduplicated);
    let job = store.get_job(new.id).await.unwrap().unwrap();
    assert_eq!(job, inserted.job);
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.last_seq, 1);
    assert_eq!(job.output_formats, new.output_formats);
    assert_eq!(store.get_spec(new.id).await.unwrap().unwrap(), new.spec);
    let events = store.events_after(new.id, 0, 100).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].seq, events[0].event.state),
        (1, JobState::Queued)
    );
    assert!(store.get_job(JobId::new()).await.unwrap().is_none());
}

async fn idempotency_key_returns_the_first_job(store: Store) {
    let first = store
        .insert_job(&new_job("alpha", Some("k1")))
        .await
        .unwrap();
    // Concurrent repeats all resolve to the first job.
    let repeats = futures_join((0..8).map(|_| {
        let store = store.clone();
        async move {
            store
                .insert_job(&new_job("alpha", Some("k1")))
                .await
                .unwrap()
        }
    }))
    .await;
    for repeat in repeats {
        assert!(repeat.deduplicated);
        assert_eq!(repeat.job.id, first.job.id);
    }
    // The same key for another team is another job.
    let other = store
        .insert_job(&new_job("beta", Some("k1")))
        .await
        .unwrap();
    assert!(!other.deduplicated);
    assert_ne!(other.job.id, first.job.id);
}

async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

async fn lifecycle_numbers_events_without_gaps(store: Store) {
    let new = new_job("alpha", None);
    store.insert_job(&new).await.unwrap();
    let lease = LeaseToken::new();
    let (job, started) = store
        .start_attempt(new.id, &lease, "w1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.state, job.attempt, started.seq),
        (JobState::Processing, 1, 2)
    );
    assert!(
        store
            .start_attempt(new.id, &LeaseToken::new(), "w2")
            .await
            .unwrap()
            .is_none(),
        "one attempt at a time"
    );
    for (i, step) in [Step::Parse, Step::Generate, Step::Format]
        .into_iter()
        .enumerate()
    {
        let event = NewEvent::step(step, StepStatus::Succeeded, 20 * (i as u32 + 1), "ok");
        let recorded = store
            .record_step(new.id, &lease, &event)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(recorded.seq, 3 + i as u64);
    }
    let results = Results {
        documents: vec![
            (OutputFormat::Markdown, b"# doc".to_vec()),
            (OutputFormat::Html, b"<html>".to_vec()),
        ],
        quality: Some((87, vec![1, 2, 3])),
        degraded: Some("LLM timed out after 30s".into()),
        failing_rules: vec!["info-contact".into(), "operation-description".into()],
    };
    let done = store
        .complete(new.id, &lease, &results, "done")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.seq, 6);
    assert!(
        store
            .complete(new.id, &lease, &results, "again")
            .await
            .unwrap()
            .is_none(),
        "completes once"
    );
    let job = store.get_job(new.id).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.quality_score, job.degraded, job.last_seq),
        (JobState::Completed, Some(87), true, 6)
    );
    assert_eq!(
        job.degraded_reason.as_deref(),
        Some("LLM timed out after 30s")
    );
    assert!(job.finished_at.is_some());
    let seqs: Vec<u64> = store
        .events_after(new.id, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(store.events_after(new.id, 4, 100).await.unwrap().len(), 2);
    let stored = store.get_results(new.id).await.unwrap();
    assert_eq!(stored.documents.len(), 2);
    assert_eq!(stored.documents[0].content, b"# doc");
    assert_eq!(stored.quality_report, Some(vec![1, 2, 3]));
}

async fn a_batch_of_step_events_guards_each_write_by_its_own_lease(store: Store) {
    // Two running jobs; the second's writer holds a stale lease.
    let (first, second) = (new_job("alpha", None), new_job("beta", None));
    let (lease, stale) = (LeaseToken::new(), LeaseToken::new());
    for (job, lease) in [(&first, &lease), (&second, &LeaseToken::new())] {
        store.insert_job(job).await.unwrap();
        store
            .start_attempt(job.id, lease, "w")
            .await
            .unwrap()
            .unwrap();
    }
    let write = |job: &NewJob, lease: &LeaseToken, status| StepWrite {
        job: job.id,
        lease: lease.clone(),
        event: NewEvent::step(Step::Parse, status, 5, "parse"),
    };
    let recorded = store
        .record_steps(&[
            write(&first, &lease, StepStatus::Started),
            write(&second, &stale, StepStatus::Started),
            write(&first, &lease, StepStatus::Succeeded),
        ])
        .await
        .unwrap();
    // The first job's two events follow its start event (seq 1 accepted, 2 started), in order;
    // the stale write changed nothing.
    let seqs: Vec<Option<u64>> = recorded.iter().map(|e| e.as_ref().map(|e| e.seq)).collect();
    assert_eq!(seqs, [Some(3), None, Some(4)]);
    assert_eq!(store.get_job(first.id).await.unwrap().unwrap().last_seq, 4);
    assert_eq!(store.get_job(second.id).await.unwrap().unwrap().last_seq, 2);
}

async fn a_stale_lease_changes_nothing(store: Store) {
    let new = new_job("alpha", None);
    store.insert_job(&new).await.unwrap();
    let old = LeaseToken::new();
    store
        .start_attempt(new.id, &old, "w1")
        .await
        .unwrap()
        .unwrap();
    // The attempt ends (e.g. the lease expired and the job was released), a new one starts.
    store
        .end_attempt(new.id, &old, JobState::Queued, "lease expired")
        .await
        .unwrap()
        .unwrap();
    let fresh = LeaseToken::new();
    let (job, _) = store
        .start_attempt(new.id, &fresh, "w2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.attempt, 2);
    let before = store.get_job(new.id).await.unwrap().unwrap();
    let step = NewEvent::step(Step::Parse, StepStatus::Started, 5, "zombie");
    assert!(
        store
            .record_step(new.id, &old, &step)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .complete(new.id, &old, &Results::default(), "zombie")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .end_attempt(new.id, &old, JobState::Failed, "zombie")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.get_job(new.id).await.unwrap().unwrap(),
        before,
        "the zombie left the record unchanged"
    );
}

async fn cancel_queued_running_and_finished(store: Store) {
    let queued = new_job("alpha", None);
    store.insert_job(&queued).await.unwrap();
    match store.cancel(queued.id, "not needed").await.unwrap() {
        CancelOutcome::Cancelled {
            job,
            event,
            was_running,
        } => {
            assert_eq!(job.state, JobState::Cancelled);
            assert_eq!(event.seq, 2);
            assert!(!was_running);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        store
            .start_attempt(queued.id, &LeaseToken::new(), "w")
            .await
            .unwrap()
            .is_none(),
        "a cancelled job never starts"
    );

    let running = new_job("alpha", None);
    store.insert_job(&running).await.unwrap();
    let lease = LeaseToken::new();
    store
        .start_attempt(running.id, &lease, "w")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        store.cancel(running.id, "").await.unwrap(),
        CancelOutcome::Cancelled {
            was_running: true,
            ..
        }
    ));
    assert!(
        store
            .complete(running.id, &lease, &Results::default(), "late")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.cancel(running.id, "").await.unwrap(),
        CancelOutcome::AlreadyFinished(JobState::Cancelled)
    ));
    assert!(matches!(
        store.cancel(JobId::new(), "").await.unwrap(),
        CancelOutcome::NotFound
    ));
}

async fn list_is_newest_first_with_cursor_pages(store: Store) {
    let mut ids = Vec::new();
    for _ in 0..5 {
        let job = new_job("alpha", None);
        store.insert_job(&job).await.unwrap();
        ids.push(job.id);
    }
    store.insert_job(&new_job("beta", None)).await.unwrap();
    let filter = JobFilter {
        team: Some(TeamId::parse_field("alpha").unwrap()),
        ..Default::default()
    };
    let first = store.list_jobs(&filter, 2, None).await.unwrap();
    let second = store.list_jobs(&filter, 2, first.next).await.unwrap();
    let third = store.list_jobs(&filter, 2, second.next).await.unwrap();
    let listed: Vec<JobId> = [first.jobs, second.jobs, third.jobs]
        .concat()
        .iter()
        .map(|j| j.id)
        .collect();
    ids.reverse();
    assert_eq!(listed, ids);
    assert!(third.next.is_none());
    let cancelled = store
        .list_jobs(
            &JobFilter {
                states: vec![JobState::Cancelled],
                ..filter.clone()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert!(cancelled.jobs.is_empty());
    let _ = TempDir::new();
}

async fn queue_figures_and_reconcile_candidates(store: Store) {
    let queued = new_job("alpha", None);
    store.insert_job(&queued).await.unwrap();
    let running = new_job("beta", None);
    store.insert_job(&running).await.unwrap();
    store
        .start_attempt(running.id, &LeaseToken::new(), "w")
        .await
        .unwrap()
        .unwrap();
    let all = store.queue_figures(None, 0).await.unwrap();
    assert_eq!((all.processing, all.finished_since), (1, 0));
    assert!(all.oldest_queued.is_some());
    let beta = store
        .queue_figures(Some(&TeamId::parse_field("beta").unwrap()), 0)
        .await
        .unwrap();
    assert_eq!((beta.oldest_queued, beta.processing), (None, 1));
    let candidates = store
        .queued_before(specdoc_core::now_millis() + 1, 10)
        .await
        .unwrap();
    assert_eq!(
        candidates.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![queued.id]
    );
}

async fn retention_deletes_only_old_finished_jobs(store: Store) {
    let finished = new_job("alpha", None);
    store.insert_job(&finished).await.unwrap();
    store.cancel(finished.id, "done with it").await.unwrap();
    let queued = new_job("alpha", None);
    store.insert_job(&queued).await.unwrap();
    assert_eq!(
        store.delete_finished_before(0).await.unwrap(),
        0,
        "nothing finished that long ago"
    );
    assert_eq!(
        store
            .delete_finished_before(specdoc_core::now_millis() + 1)
            .await
            .unwrap(),
        1
    );
    assert!(store.get_job(finished.id).await.unwrap().is_none());
    assert!(
        store
            .events_after(finished.id, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get_spec(finished.id).await.unwrap().is_none());
    assert!(
        store.get_job(queued.id).await.unwrap().is_some(),
        "unfinished jobs stay"
    );
}

async fn generation_mode_is_recorded(store: Store) {
    let mut new = new_job("alpha", None);
    new.generation = Generation::RewriteAll;
    store.insert_job(&new).await.unwrap();
    let job = store.get_job(new.id).await.unwrap().unwrap();
    assert_eq!(job.generation, Generation::RewriteAll);
    assert_eq!(job.degraded_reason, None);
}

async fn llm_answers_are_cached_first_writer_wins(store: Store) {
    assert_eq!(store.cached_llm_response("k").await.unwrap(), None);
    store.cache_llm_response("k", "{\"a\":1}").await.unwrap();
    store.cache_llm_response("k", "{\"a\":2}").await.unwrap();
    assert_eq!(
        store.cached_llm_response("k").await.unwrap().as_deref(),
        Some("{\"a\":1}")
    );
}

async fn eta_figures_follow_priorities_and_round_robin(store: Store) {
    let mut a = Vec::new();
    for _ in 0..3 {
        let job = new_job("alpha", None);
        store.insert_job(&job).await.unwrap();
        a.push(job.id);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let b = new_job("beta", None);
    store.insert_job(&b).await.unwrap();
    let mut urgent = new_job("gamma", None);
    urgent.priority = Priority::High;
    store.insert_job(&urgent).await.unwrap();
    let ahead = |id| {
        let store = store.clone();
        async move {
            let job = store.get_job(id).await.unwrap().unwrap();
            store.queued_ahead(&job).await.unwrap()
        }
    };
    // beta's first job: the high-priority job, then one turn of alpha's.
    assert_eq!(ahead(b.id).await, 2);
    // alpha's third: the high one, alpha's two earlier ones, and beta's one.
    assert_eq!(ahead(a[2]).await, 4);
    assert_eq!(ahead(urgent.id).await, 0);
    assert_eq!(
        store
            .typical_run_millis(JobType::Documentation, 100)
            .await
            .unwrap(),
        None,
        "nothing completed yet"
    );
}

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

/// A listed job as the filter test sees it: id, service, type, cancelled, created at.
type Listed = (JobId, &'static str, JobType, bool, i64);

async fn list_filters_by_service_state_type_and_time(store: Store) {
    // Six jobs of one team: two services, both types, one cancelled, created a few ms apart.
    let mut jobs: Vec<Listed> = Vec::new();
    for (service, job_type, cancel) in [
        ("petstore", JobType::Documentation, false),
        ("billing", JobType::Documentation, false),
        ("petstore", JobType::QualityScore, true),
        ("billing", JobType::QualityScore, false),
        ("petstore", JobType::Documentation, true),
        ("billing", JobType::Documentation, false),
    ] {
        let mut new = new_job("alpha", None);
        new.service = ServiceName::parse_field(service).unwrap();
        new.job_type = job_type;
        let inserted = store.insert_job(&new).await.unwrap();
        if cancel {
            store.cancel(new.id, "").await.unwrap();
        }
        jobs.push((new.id, service, job_type, cancel, inserted.job.created_at));
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let list = |filter: JobFilter| {
        let store = store.clone();
        async move {
            let ids: Vec<JobId> = store
                .list_jobs(&filter, 100, None)
                .await
                .unwrap()
                .jobs
                .iter()
                .map(|j| j.id)
                .collect();
            ids
        }
    };
    let expect = |keep: &dyn Fn(&Listed) -> bool| {
        let mut ids: Vec<JobId> = jobs.iter().filter(|j| keep(j)).map(|j| j.0).collect();
        ids.reverse();
        ids
    };
    let team = Some(TeamId::parse_field("alpha").unwrap());
    let base = JobFilter {
        team: team.clone(),
        ..Default::default()
    };
    assert_eq!(
        list(JobFilter {
            service: Some("billing".into()),
            ..base.clone()
        })
        .await,
        expect(&|j| j.1 == "billing")
    );
    assert_eq!(
        list(JobFilter {
            states: vec![JobState::Cancelled],
            ..base.clone()
        })
        .await,
        expect(&|j| j.3)
    );
    assert_eq!(
        list(JobFilter {
            job_type: Some(JobType::QualityScore),
            ..base.clone()
        })
        .await,
        expect(&|j| j.2 == JobType::QualityScore)
    );
    let (from, to) = (jobs[1].4, jobs[4].4);
    assert_eq!(
        list(JobFilter {
            created_after: Some(from),
            created_before: Some(to),
            ..base.clone()
        })
        .await,
        expect(&|j| j.4 >= from && j.4 < to)
    );
    assert_eq!(
        list(JobFilter {
            service: Some("petstore".into()),
            states: vec![JobState::Queued],
            job_type: Some(JobType::Documentation),
            ..base.clone()
        })
        .await,
        vec![jobs[0].0]
    );
}
