//! WatchJob with the tracker in process on port 0, against real Redis and a real Postgres
//! database. Every deadline here is well under the watchers' quiet spell (20 s at the least), so
//! these pass only if live events and resynchronisation work, not thanks to the safety net.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_core::{
    Job, JobEvent, JobId, JobType, LeaseToken, NewEvent, NewJob, OutputFormat, ServiceName, Step,
    StepStatus,
};
use specdoc_proto::tracker::v1::WatchJobRequest;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_queue::Queue;
use specdoc_runtime::eta::EtaEstimator;
use specdoc_runtime::{CancellationToken, Dependencies, GrpcHost};
use specdoc_store::{CancelOutcome, Store};
use specdoc_tracker::TrackerApi;
use specdoc_tracker::fanout::Fanout;
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::Streaming;
use tonic::transport::Channel;

const DEADLINE: Duration = Duration::from_secs(10);

struct Tracker {
    channel: Channel,
    store: Store,
    queue: Queue,
    fanout: Fanout,
    stop: CancellationToken,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A tracker whose fan-out reader is not started: the test starts it.
async fn start() -> Tracker {
    let store = Store::connect(&specdoc_testkit::fresh_postgres_url().await)
        .await
        .unwrap();
    let queue = Queue::connect(
        &specdoc_testkit::redis_url(),
        &specdoc_testkit::unique_prefix(),
    )
    .await
    .unwrap();
    let fanout = Fanout::new();
    let eta = EtaEstimator::new(store.clone(), queue.clone());
    let mut host = GrpcHost::new(specdoc_runtime::auth::Authenticator::new(
        [(
            specdoc_testkit::ADMIN_TOKEN.to_owned(),
            specdoc_runtime::auth::Caller::Admin,
        )],
        None,
    ));
    host.add_service(TrackerApi::new(store.clone(), fanout.clone(), eta).into_service());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(host.serve(listener, Dependencies::default(), stop.clone()));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Tracker {
        channel,
        store,
        queue,
        fanout,
        stop,
    }
}

impl Tracker {
    fn start_reader(&self) {
        specdoc_runtime::tasks::spawn(
            "event-fanout",
            self.stop.clone(),
            self.fanout.clone().run_reader(self.queue.clone()),
        );
    }

    async fn watch(
        &self,
        job_id: JobId,
    ) -> Streaming<specdoc_proto::tracker::v1::WatchJobResponse> {
        TrackerServiceClient::new(specdoc_testkit::admin(self.channel.clone()))
            .watch_job(WatchJobRequest {
                job_id: job_id.to_string(),
                after_seq: 0,
            })
            .await
            .unwrap()
            .into_inner()
    }

    /// A running job: accepted (seq 1), then started (seq 2).
    async fn running_job(&self) -> (Job, LeaseToken) {
        let new = NewJob {
            service: ServiceName::parse_field("ledger").unwrap(),
            job_type: JobType::QualityScore,
            output_formats: vec![OutputFormat::Markdown],
            ..specdoc_testkit::new_job("payments")
        };
        self.store.insert_job(&new).await.unwrap();
        let lease = LeaseToken::new();
        let (job, _) = self
            .store
            .start_attempt(new.id, &lease, "w1")
            .await
            .unwrap()
            .unwrap();
        (job, lease)
    }

    async fn step(&self, job: &Job, lease: &LeaseToken, step: Step) -> JobEvent {
        let event = NewEvent::step(step, StepStatus::Started, 10, "started");
        self.store
            .record_step(job.id, lease, &event)
            .await
            .unwrap()
            .unwrap()
    }

    async fn cancel(&self, job: &Job) -> JobEvent {
        match self.store.cancel(job.id, "enough").await.unwrap() {
            CancelOutcome::Cancelled { event, .. } => event,
            _ => panic!("the job was running"),
        }
    }

    async fn publish(&self, job: &Job, event: &JobEvent) {
        self.queue
            .publish_event(&job.event_record(event))
            .await
            .unwrap();
    }
}

/// The seqs a stream delivers until it ends (after the terminal event), within the deadline.
async fn seqs_until_end(
    stream: &mut Streaming<specdoc_proto::tracker::v1::WatchJobResponse>,
) -> Vec<u64> {
    let mut seqs = Vec::new();
    while let Some(item) = tokio::time::timeout(DEADLINE, stream.next())
        .await
        .expect("the stream moves on before the deadline")
    {
        seqs.push(item.unwrap().event.unwrap().seq);
    }
    seqs
}

#[tokio::test]
async fn many_watchers_of_one_job_each_get_every_event_once() {
    let tracker = start().await;
    tracker.start_reader();
    let (job, lease) = tracker.running_job().await;
    let mut streams = Vec::new();
    for _ in 0..200 {
        streams.push(tracker.watch(job.id).await);
    }
    for step in [Step::Parse, Step::Generate, Step::Score] {
        let event = tracker.step(&job, &lease, step).await;
        tracker.publish(&job, &event).await;
    }
    let end = tracker.cancel(&job).await;
    tracker.publish(&job, &end).await;

    let watchers = streams
        .into_iter()
        .map(|mut stream| tokio::spawn(async move { seqs_until_end(&mut stream).await }));
    for watcher in watchers {
        assert_eq!(watcher.await.unwrap(), (1..=end.seq).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn an_event_that_never_reached_redis_arrives_when_the_reader_connects() {
    let tracker = start().await;
    let (job, lease) = tracker.running_job().await;
    let mut stream = tracker.watch(job.id).await;
    for seq in [1, 2] {
        let event = tokio::time::timeout(DEADLINE, stream.next()).await.unwrap();
        assert_eq!(event.unwrap().unwrap().event.unwrap().seq, seq);
    }
    // Committed while no reader follows Redis, and never published: only the database has it.
    let missed = tracker.step(&job, &lease, Step::Parse).await;

    tracker.start_reader();
    let event = tokio::time::timeout(DEADLINE, stream.next()).await.unwrap();
    assert_eq!(event.unwrap().unwrap().event.unwrap().seq, missed.seq);
    let end = tracker.cancel(&job).await;
    tracker.publish(&job, &end).await;
    assert_eq!(seqs_until_end(&mut stream).await, vec![end.seq]);
}
