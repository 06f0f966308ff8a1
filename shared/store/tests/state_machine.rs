//! Property test of the job state machine as the store enforces it: whatever sequence of
//! operations competing workers and clients attempt, only legal transitions happen, terminal
//! states absorb, a job completes at most once, and events stay numbered 1..=n.
#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use specdoc_core::{
    JobState, JobType, LeaseToken, NewEvent, NewJob, OutputFormat, Step, StepStatus,
};
use specdoc_store::{Results, Store};

#[derive(Debug, Clone)]
enum Op {
    Start(usize),
    Step(usize),
    Complete(usize),
    End(usize, JobState),
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    let lease = 0..3usize;
    prop_oneof![
        lease.clone().prop_map(Op::Start),
        lease.clone().prop_map(Op::Step),
        lease.clone().prop_map(Op::Complete),
        (
            lease,
            prop_oneof![
                Just(JobState::Queued),
                Just(JobState::Retrying),
                Just(JobState::Failed)
            ]
        )
            .prop_map(|(l, s)| Op::End(l, s)),
        Just(Op::Cancel),
    ]
}

fn new_job() -> NewJob {
    NewJob {
        job_type: JobType::QualityScore,
        output_formats: vec![OutputFormat::Markdown],
        ..specdoc_testkit::new_job("t")
    }
}

async fn run(store: &Store, ops: &[Op]) {
    let job = new_job();
    store.insert_job(&job).await.unwrap();
    let leases: Vec<LeaseToken> = (0..3).map(|_| LeaseToken::new()).collect();
    let mut state = JobState::Queued;
    let mut completions = 0;
    for op in ops {
        match op {
            Op::Start(l) => drop(store.start_attempt(job.id, &leases[*l], "w").await.unwrap()),
            Op::Step(l) => {
                let event = NewEvent::step(Step::Parse, StepStatus::Started, 5, "step");
                drop(
                    store
                        .record_step(job.id, &leases[*l], &event)
                        .await
                        .unwrap(),
                );
            }
            Op::Complete(l) => {
                if store
                    .complete(job.id, &leases[*l], &Results::default(), "done")
                    .await
                    .unwrap()
                    .is_some()
                {
                    completions += 1;
                }
            }
            Op::End(l, next) => drop(
                store
                    .end_attempt(job.id, &leases[*l], *next, "ended")
                    .await
                    .unwrap(),
            ),
            Op::Cancel => drop(store.cancel(job.id, "").await.unwrap()),
        }
        let now = store.get_job(job.id).await.unwrap().unwrap().state;
        assert!(
            now == state || state.can_become(now),
            "illegal transition {state} -> {now} by {op:?}"
        );
        assert!(
            !state.is_terminal() || now == state,
            "terminal {state} changed to {now}"
        );
        state = now;
    }
    assert!(completions <= 1, "completed {completions} times");
    let record = store.get_job(job.id).await.unwrap().unwrap();
    let seqs: Vec<u64> = store
        .events_after(job.id, 0, 1000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        seqs,
        (1..=record.last_seq).collect::<Vec<_>>(),
        "events numbered 1..=last_seq"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn only_legal_transitions_happen_and_terminal_states_absorb(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = specdoc_testkit::TempDir::new();
            let store = Store::connect(&specdoc_testkit::sqlite_url(&dir)).await.unwrap();
            run(&store, &ops).await;
        });
    }
}
