//! Batch admission (`Store::insert_jobs`) on both backends: the rows a batch writes are the
//! rows `insert_job` writes, one commit for all of them.
#![allow(clippy::unwrap_used, missing_docs)]

#[macro_use]
mod common;

use common::new_job;
use specdoc_core::{Job, JobState, JobType, NewJob, OutputFormat, Priority, ServiceName};
use specdoc_store::{JobFilter, Store};

both_backends!(
    a_batch_writes_what_single_inserts_write,
    a_batch_is_all_or_nothing,
    a_large_batch_keeps_its_order_and_every_spec_byte,
    big_specs_fit_in_a_batch,
);

/// Jobs that between them set every optional column, with specs of different sizes.
fn varied() -> Vec<NewJob> {
    vec![
        new_job("alpha", None),
        NewJob {
            spec: b"openapi: 3.0.0\ninfo: {title: longer, version: '2'}\npaths: {/a: {}}\n"
                .to_vec(),
            job_type: JobType::QualityScore,
            output_formats: Vec::new(),
            priority: Priority::High,
            spec_version: None,
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            ..new_job("beta", None)
        },
        NewJob {
            service: ServiceName::parse_field("ledger").unwrap(),
            output_formats: vec![OutputFormat::Html],
            priority: Priority::Low,
            max_attempts: 5,
            ..new_job("alpha", None)
        },
    ]
}

async fn a_batch_writes_what_single_inserts_write(store: Store) {
    let batch = varied();
    let inserted = store.insert_jobs(&batch).await.unwrap();
    assert_eq!(inserted.len(), batch.len());
    for (new, (job, accepted)) in batch.iter().zip(&inserted) {
        // The twin goes through the single-job path.
        let twin = NewJob {
            id: specdoc_core::JobId::new(),
            ..new.clone()
        };
        let single = store.insert_job(&twin).await.unwrap();
        let single_event = single.accepted.unwrap();

        assert_eq!(job.id, new.id);
        assert_eq!(store.get_job(new.id).await.unwrap().as_ref(), Some(job));
        // Equal but for what differs between any two inserts of one submission.
        let as_single = Job {
            id: single.job.id,
            created_at: single.job.created_at,
            ..job.clone()
        };
        assert_eq!(as_single, single.job);
        assert_eq!((job.state, job.last_seq), (JobState::Queued, 1));
        assert_eq!(store.get_spec(new.id).await.unwrap().unwrap(), new.spec);

        let events = store.events_after(new.id, 0, 10).await.unwrap();
        assert_eq!(events, vec![accepted.clone()]);
        assert_eq!(accepted.time, job.created_at);
        assert_eq!(
            (accepted.seq, accepted.attempt, &accepted.event),
            (single_event.seq, single_event.attempt, &single_event.event)
        );
    }
    assert!(store.insert_jobs(&[]).await.unwrap().is_empty());
}

async fn a_batch_is_all_or_nothing(store: Store) {
    store
        .insert_job(&new_job("alpha", Some("release-1")))
        .await
        .unwrap();
    // A key the team already used is a unique violation: the batch leaves no trace.
    let mut batch = varied();
    batch.push(new_job("alpha", Some("release-1")));
    assert!(store.insert_jobs(&batch).await.is_err());
    for new in &batch[..batch.len() - 1] {
        assert!(store.get_job(new.id).await.unwrap().is_none());
        assert!(store.get_spec(new.id).await.unwrap().is_none());
        assert!(store.events_after(new.id, 0, 10).await.unwrap().is_empty());
    }
    let page = store
        .list_jobs(&JobFilter::default(), 100, None)
        .await
        .unwrap();
    assert_eq!(page.jobs.len(), 1);
}

async fn a_large_batch_keeps_its_order_and_every_spec_byte(store: Store) {
    let batch: Vec<NewJob> = (0..500u32)
        .map(|i| NewJob {
            // Every byte value, NUL included, must survive the trip.
            spec: (0..=255u8).chain(i.to_be_bytes()).collect(),
            ..new_job(if i % 2 == 0 { "alpha" } else { "beta" }, None)
        })
        .collect();
    let inserted = store.insert_jobs(&batch).await.unwrap();
    let ids: Vec<_> = inserted.iter().map(|(job, _)| job.id).collect();
    assert_eq!(ids, batch.iter().map(|new| new.id).collect::<Vec<_>>());
    for (new, (job, _)) in batch.iter().zip(&inserted).step_by(49) {
        assert_eq!(job.spec_bytes, new.spec.len() as u64);
        assert_eq!(store.get_spec(new.id).await.unwrap().unwrap(), new.spec);
    }
    let alpha = store
        .list_jobs(
            &JobFilter {
                team: Some(batch[0].team.clone()),
                ..Default::default()
            },
            500,
            None,
        )
        .await
        .unwrap();
    assert_eq!(alpha.jobs.len(), 250);
}

async fn big_specs_fit_in_a_batch(store: Store) {
    // Over the size one set-based insert carries (16 MiB), and around it: every job still
    // lands, in order, byte for byte.
    let big = |fill: u8| NewJob {
        spec: vec![fill; 17 * 1024 * 1024],
        ..new_job("alpha", None)
    };
    let batch = vec![
        new_job("alpha", None),
        big(b'a'),
        new_job("alpha", None),
        big(b'b'),
        big(b'c'),
    ];
    let inserted = store.insert_jobs(&batch).await.unwrap();
    for (new, (job, _)) in batch.iter().zip(&inserted) {
        assert_eq!(job.id, new.id);
        assert_eq!(store.get_spec(new.id).await.unwrap().unwrap(), new.spec);
    }
}
