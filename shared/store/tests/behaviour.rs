//! One behavioural suite for the store, run against both real Postgres and real SQLite.
#![allow(clippy::unwrap_used, missing_docs)]

#[macro_use]
mod common;

use common::new_job;
use specdoc_core::{
    Generation, JobId, JobState, JobType, LeaseToken, NewEvent, NewJob, OutputFormat, Priority,
    ServiceName, Step, StepStatus, TeamId,
};
use specdoc_store::{CancelOutcome, Completion, JobFilter, LeasedWrite, Results, StepWrite, Store};
use specdoc_testkit::TempDir;

both_backends!(
    insert_then_read_back,
    idempotency_key_returns_the_first_job,
    lifecycle_numbers_events_without_gaps,
    a_stale_lease_changes_nothing,
    a_batch_of_step_events_guards_each_write_by_its_own_lease,
    a_group_of_steps_and_completions_records_each_job_in_order,
    cancel_queued_running_and_finished,
    list_is_newest_first_with_cursor_pages,
    list_filters_by_service_state_type_and_time,
    queue_figures_and_reconcile_candidates,
    retention_deletes_only_old_finished_jobs,
    generation_mode_is_recorded,
    llm_answers_are_cached_first_writer_wins,
    eta_figures_follow_priorities_and_round_robin,
);

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

async fn a_group_of_steps_and_completions_records_each_job_in_order(store: Store) {
    // Three running jobs of one team; the second's writer holds a stale lease.
    let jobs = [
        new_job("alpha", None),
        new_job("alpha", None),
        new_job("alpha", None),
    ];
    let leases = [LeaseToken::new(), LeaseToken::new(), LeaseToken::new()];
    let stale = LeaseToken::new();
    for (job, lease) in jobs.iter().zip(&leases) {
        store.insert_job(job).await.unwrap();
        store
            .start_attempt(job.id, lease, "w")
            .await
            .unwrap()
            .unwrap();
    }
    let step = |job: &NewJob, lease: &LeaseToken, status, message: &str| {
        LeasedWrite::Step(StepWrite {
            job: job.id,
            lease: lease.clone(),
            event: NewEvent::step(Step::Score, status, 80, message),
        })
    };
    let complete = |job: &NewJob, lease: &LeaseToken, score: u32| {
        LeasedWrite::Complete(Box::new(Completion {
            job: job.id,
            lease: lease.clone(),
            results: Results {
                quality: Some((score, vec![score as u8])),
                failing_rules: vec!["R1".into()],
                ..Results::default()
            },
            message: format!("stored, score {score}"),
        }))
    };
    let recorded = store
        .record_leased(&[
            step(&jobs[0], &leases[0], StepStatus::Started, "a started"),
            step(&jobs[1], &stale, StepStatus::Started, "zombie"),
            step(&jobs[0], &leases[0], StepStatus::Succeeded, "a finished"),
            complete(&jobs[2], &leases[2], 70),
            complete(&jobs[0], &leases[0], 90),
            complete(&jobs[1], &stale, 10),
        ])
        .await
        .unwrap();
    let seqs: Vec<Option<u64>> = recorded.iter().map(|e| e.as_ref().map(|e| e.seq)).collect();
    // accepted 1, started 2; then the first job's steps 3, 4 and completion 5.
    assert_eq!(seqs, [Some(3), None, Some(4), Some(3), Some(5), None]);
    let messages = |events: Vec<specdoc_core::JobEvent>| -> Vec<(u64, String)> {
        events
            .into_iter()
            .map(|e| (e.seq, e.event.message))
            .collect()
    };
    assert_eq!(
        messages(store.events_after(jobs[0].id, 2, 100).await.unwrap()),
        [
            (3, "a started".to_owned()),
            (4, "a finished".into()),
            (5, "stored, score 90".into())
        ]
    );
    // The two step events share a stored row: reads may start and stop inside it.
    assert_eq!(
        messages(store.events_after(jobs[0].id, 3, 100).await.unwrap()),
        [(4, "a finished".to_owned()), (5, "stored, score 90".into())]
    );
    assert_eq!(
        messages(store.events_after(jobs[0].id, 2, 1).await.unwrap()),
        [(3, "a started".to_owned())]
    );
    for (job, score) in [(&jobs[0], 90), (&jobs[2], 70)] {
        let done = store.get_job(job.id).await.unwrap().unwrap();
        assert_eq!(
            (done.state, done.quality_score),
            (JobState::Completed, Some(score))
        );
        let results = store.get_results(job.id).await.unwrap();
        assert_eq!(results.quality_report, Some(vec![score as u8]));
    }
    let untouched = store.get_job(jobs[1].id).await.unwrap().unwrap();
    assert_eq!(
        (untouched.state, untouched.last_seq),
        (JobState::Processing, 2)
    );
    // Both completions count in the rollups, and so does the rule each failed.
    let stats = store
        .stats(None, 1, specdoc_core::now_millis())
        .await
        .unwrap();
    let completed: u64 = stats
        .by_state_and_type
        .iter()
        .filter(|(state, _, _)| state == "completed")
        .map(|(_, _, n)| n)
        .sum();
    assert_eq!(completed, 2);
    assert_eq!(stats.top_failing_rules, [("R1".to_owned(), 2)]);
    // Event retention keeps each finished job's terminal event and counts every event it
    // deleted: the first job's accepted, started and two steps, the third's accepted and started.
    assert_eq!(
        store
            .prune_events_finished_before(specdoc_core::now_millis() + 1)
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        messages(store.events_after(jobs[0].id, 0, 100).await.unwrap()),
        [(5, "stored, score 90".to_owned())]
    );
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
