//! An attempt's start recorded with its first writes (`Store::startable`, `LeasedWrite::Start`),
//! on both backends: the start, step events and completion of one group, each guarded on its
//! own, and a start that can no longer apply recording nothing.
#![allow(clippy::unwrap_used, missing_docs)]

#[macro_use]
mod common;

use common::new_job;
use specdoc_core::{JobId, JobState, LeaseToken, NewEvent, Step, StepStatus};
use specdoc_store::{Completion, LeasedWrite, Results, StepWrite, Store};

both_backends!(an_attempt_starts_with_its_first_writes);

async fn an_attempt_starts_with_its_first_writes(store: Store) {
    let jobs = [
        new_job("alpha", None),
        new_job("alpha", None),
        new_job("alpha", None),
        new_job("alpha", None),
    ];
    for job in &jobs {
        store.insert_job(job).await.unwrap();
    }
    // The fourth is cancelled after its worker read it, before its start is recorded.
    let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    let startable = store.startable(&ids).await.unwrap();
    assert!(startable.iter().all(Option::is_some));
    store.cancel(jobs[3].id, "changed my mind").await.unwrap();
    assert!(store.startable(&ids[3..]).await.unwrap()[0].is_none());
    let leases: Vec<LeaseToken> = jobs.iter().map(|_| LeaseToken::new()).collect();
    let mut starts = Vec::new();
    for (startable, lease) in startable.into_iter().zip(&leases) {
        let startable = startable.unwrap();
        assert_eq!(startable.spec, jobs[starts.len()].spec);
        let (started, write) = startable.start(lease, "w");
        assert_eq!(
            (started.job.state, started.job.attempt),
            (JobState::Processing, 1)
        );
        starts.push(LeasedWrite::Start(write));
    }
    let step = |i: usize, message: &str| {
        LeasedWrite::Step(StepWrite {
            job: jobs[i].id,
            lease: leases[i].clone(),
            event: NewEvent::step(Step::Parse, StepStatus::Succeeded, 20, message),
        })
    };
    let complete = |i: usize| {
        LeasedWrite::Complete(Box::new(Completion {
            job: jobs[i].id,
            lease: leases[i].clone(),
            results: Results {
                quality: Some((80, vec![8])),
                ..Results::default()
            },
            message: "stored".to_owned(),
        }))
    };
    let mut starts = starts.into_iter();
    // One group: the first job starts, steps and completes; the second starts and steps; the
    // third only starts; the fourth (cancelled) starts and completes.
    let group = vec![
        starts.next().unwrap(),
        starts.next().unwrap(),
        step(0, "parsed a"),
        starts.next().unwrap(),
        step(1, "parsed b"),
        starts.next().unwrap(),
        complete(0),
        complete(3),
    ];
    let recorded = store.record_leased(&group).await.unwrap();
    let seqs: Vec<Option<u64>> = recorded.iter().map(|e| e.as_ref().map(|e| e.seq)).collect();
    assert_eq!(
        seqs,
        [
            Some(2),
            Some(2),
            Some(3),
            Some(2),
            Some(3),
            None,
            Some(4),
            None
        ]
    );
    let summary = |events: Vec<specdoc_core::JobEvent>| -> Vec<(u64, u32, JobState, String)> {
        events
            .into_iter()
            .map(|e| (e.seq, e.attempt, e.event.state, e.event.message))
            .collect()
    };
    assert_eq!(
        summary(store.events_after(jobs[0].id, 1, 100).await.unwrap()),
        [
            (2, 1, JobState::Processing, "started by worker w".to_owned()),
            (3, 1, JobState::Processing, "parsed a".into()),
            (4, 1, JobState::Completed, "stored".into()),
        ]
    );
    let first = store.get_job(jobs[0].id).await.unwrap().unwrap();
    assert_eq!(
        (
            first.state,
            first.attempt,
            first.quality_score,
            first.lease_token
        ),
        (JobState::Completed, 1, Some(80), None)
    );
    assert!(first.started_at.is_some() && first.finished_at.is_some());
    for (i, step) in [(1, Some(Step::Parse)), (2, None)] {
        let running = store.get_job(jobs[i].id).await.unwrap().unwrap();
        assert_eq!(
            (running.state, running.attempt, running.current_step),
            (JobState::Processing, 1, step)
        );
        assert_eq!(running.lease_token.as_deref(), Some(leases[i].0.as_str()));
    }
    let cancelled = store.get_job(jobs[3].id).await.unwrap().unwrap();
    assert_eq!(
        (cancelled.state, cancelled.attempt),
        (JobState::Cancelled, 0)
    );
    assert!(
        store
            .get_results(jobs[3].id)
            .await
            .unwrap()
            .quality_report
            .is_none()
    );
    // The running jobs go on under their leases in a later group; a second start of the
    // same attempt (a duplicate dispatch read before the first was recorded) records nothing.
    let again = store.startable(&ids[1..2]).await.unwrap();
    assert!(again[0].is_none(), "a running job is not startable");
    let recorded = store
        .record_leased(&[step(2, "parsed c"), complete(1), complete(2)])
        .await
        .unwrap();
    let seqs: Vec<Option<u64>> = recorded.iter().map(|e| e.as_ref().map(|e| e.seq)).collect();
    assert_eq!(seqs, [Some(3), Some(4), Some(4)]);
}
