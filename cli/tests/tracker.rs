//! The tracker against real scheduler, worker and tracker processes on Postgres and Redis:
//! WatchJob resumes at random disconnect points with no gap and no duplicate, many watchers of
//! one job (and a slow one) see the same story, a cursor before retained history answers
//! OUT_OF_RANGE, the ETA is accurate under a steady load, and the queue status adds up.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Deployment, events_until_end, submit, submit_request};
use specdoc_core::{JobId, now_millis};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::GetQueueStatusRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::WatchJobRequest;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_testkit::ChildGuard;
use specdoc_testkit::llm::{Behaviour, FakeLlm};
use std::time::Duration;
use tokio_stream::StreamExt;

struct System {
    deployment: Deployment,
    scheduler: SchedulerServiceClient<specdoc_testkit::Authed>,
    tracker: TrackerServiceClient<specdoc_testkit::Authed>,
    scheduler_port: u16,
    tracker_port: u16,
    _processes: Vec<ChildGuard>,
}

/// Scheduler, tracker and (unless `worker_env` is `None`) one worker.
async fn system(worker_env: Option<&[(&str, &str)]>) -> System {
    let deployment = Deployment::new().await;
    let (scheduler_process, scheduler, scheduler_port) = deployment
        .spawn_serving_on_port("specdoc-scheduler", &[], |_| {})
        .await;
    let (tracker_process, tracker, tracker_port) = deployment
        .spawn_serving_on_port("specdoc-tracker", &[], |_| {})
        .await;
    let mut processes = vec![scheduler_process, tracker_process];
    if let Some(env) = worker_env {
        processes.push(deployment.spawn_serving("specdoc-worker", env).await.0);
    }
    System {
        deployment,
        scheduler: SchedulerServiceClient::new(specdoc_testkit::admin(scheduler)),
        tracker: TrackerServiceClient::new(specdoc_testkit::admin(tracker)),
        scheduler_port,
        tracker_port,
        _processes: processes,
    }
}

/// A petstore spec with its own title, so the LLM answer cache never serves it.
fn petstore_titled(title: &str) -> Vec<u8> {
    String::from_utf8(specdoc_testkit::example("petstore.yaml"))
        .unwrap()
        .replacen("title: Petstore", &format!("title: Petstore {title}"), 1)
        .into_bytes()
}

/// A tiny deterministic generator, so a failing run can be replayed from its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Watches a job to its end, hanging up at random points (after a random number of events, or
/// after a random pause) and resuming from the last seq received each time.
async fn watch_with_random_disconnects(
    mut tracker: TrackerServiceClient<specdoc_testkit::Authed>,
    job_id: String,
    seed: u64,
) -> (Vec<job_pb::JobEvent>, u32) {
    let mut random = Random(seed);
    let mut received: Vec<job_pb::JobEvent> = Vec::new();
    let mut reconnects = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let after_seq = received.last().map_or(0, |e| e.seq);
        let mut stream = tracker
            .watch_job(WatchJobRequest {
                job_id: job_id.clone(),
                after_seq,
            })
            .await
            .unwrap()
            .into_inner();
        let take = 1 + random.below(3);
        let pause = Duration::from_millis(random.below(40));
        let hang_up = tokio::time::sleep(pause);
        tokio::pin!(hang_up);
        let by_count = random.below(2) == 0;
        let mut taken = 0;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {job_id} never ended"
            );
            let next = tokio::select! {
                next = stream.next() => next,
                () = &mut hang_up, if !by_count => None,
            };
            let Some(item) = next else { break };
            let event = item.unwrap().event.unwrap();
            let terminal = matches!(
                job_pb::JobState::try_from(event.state).unwrap(),
                job_pb::JobState::Completed
                    | job_pb::JobState::Failed
                    | job_pb::JobState::Cancelled
            );
            received.push(event);
            if terminal {
                return (received, reconnects);
            }
            taken += 1;
            if by_count && taken == take {
                break;
            }
        }
        reconnects += 1;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watches_resumed_at_random_disconnect_points_have_no_gap_and_no_duplicate() {
    let mut s = system(Some(&[("MAX_CONCURRENT_JOBS", "2")])).await;
    let seed = std::env::var("RESUME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| u64::try_from(now_millis()).unwrap() | 1);
    let mut watchers = Vec::new();
    for i in 0..12 {
        let request = submit_request(
            "resume",
            specdoc_testkit::example("petstore.yaml"),
            job_pb::JobType::Documentation,
        );
        let job_id = submit(&mut s.scheduler, request).await;
        let tracker = s.tracker.clone();
        watchers.push(tokio::spawn(watch_with_random_disconnects(
            tracker,
            job_id.clone(),
            seed.wrapping_add(i * 7919),
        )));
    }
    let mut total_reconnects = 0;
    for watcher in watchers {
        let (received, reconnects) = watcher.await.unwrap();
        total_reconnects += reconnects;
        let job_id = received[0].job_id.clone();
        let seqs: Vec<u64> = received.iter().map(|e| e.seq).collect();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "job {job_id} (RESUME_SEED={seed})");
        // The pieces add up to exactly the story one uninterrupted watch tells.
        let whole = events_until_end(&mut s.tracker, &job_id, 0, Duration::from_secs(10)).await;
        let key = |e: &job_pb::JobEvent| (e.seq, e.step, e.status, e.state, e.message.clone());
        assert_eq!(
            received.iter().map(key).collect::<Vec<_>>(),
            whole.iter().map(key).collect::<Vec<_>>(),
            "RESUME_SEED={seed}"
        );
    }
    assert!(
        total_reconnects >= 12,
        "the watches were interrupted ({total_reconnects} reconnects)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn many_watchers_and_a_slow_one_see_the_same_story() {
    // No worker yet, so every watcher is in place before the first step.
    let mut s = system(None).await;
    let job_id = submit(
        &mut s.scheduler,
        submit_request(
            "crowd",
            specdoc_testkit::example("petstore.yaml"),
            job_pb::JobType::Documentation,
        ),
    )
    .await;
    let mut streams = Vec::new();
    for _ in 0..200 {
        let mut tracker = s.tracker.clone();
        let stream = tracker
            .watch_job(WatchJobRequest {
                job_id: job_id.clone(),
                after_seq: 0,
            })
            .await
            .unwrap()
            .into_inner();
        streams.push(stream);
    }
    // The slow watcher opens its stream and reads nothing until everything is over.
    let mut slow = s
        .tracker
        .clone()
        .watch_job(WatchJobRequest {
            job_id: job_id.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let _worker = s.deployment.spawn_serving("specdoc-worker", &[]).await;
    let mut readers = Vec::new();
    for mut stream in streams {
        readers.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            while let Some(item) = tokio::time::timeout(Duration::from_secs(60), stream.next())
                .await
                .expect("the job ends within 60 s")
            {
                let event = item.unwrap().event.unwrap();
                seqs.push((event.seq, event.state, event.message));
            }
            seqs
        }));
    }
    let mut stories = Vec::new();
    for reader in readers {
        stories.push(reader.await.unwrap());
    }
    let first = stories[0].clone();
    assert!(
        first.last().unwrap().1 == job_pb::JobState::Completed as i32,
        "{first:?}"
    );
    assert!(
        stories.iter().all(|story| *story == first),
        "every watcher saw the same events"
    );

    // More traffic passes the slow watcher by before it reads.
    for i in 0..10 {
        let request = submit_request(
            "crowd",
            petstore_titled(&i.to_string()),
            job_pb::JobType::QualityScore,
        );
        let other = submit(&mut s.scheduler, request).await;
        events_until_end(&mut s.tracker, &other, 0, Duration::from_secs(60)).await;
    }
    let mut late = Vec::new();
    while let Some(item) = tokio::time::timeout(Duration::from_secs(30), slow.next())
        .await
        .expect("the slow watch ends")
    {
        let event = item.unwrap().event.unwrap();
        late.push((event.seq, event.state, event.message));
    }
    assert_eq!(late, first, "the slow watcher lost nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_before_retained_events_is_out_of_range_and_a_finished_cursor_ends_at_once() {
    let mut s = system(Some(&[])).await;
    let job_id = submit(
        &mut s.scheduler,
        submit_request(
            "retention",
            specdoc_testkit::example("petstore.yaml"),
            job_pb::JobType::QualityScore,
        ),
    )
    .await;
    let all = events_until_end(&mut s.tracker, &job_id, 0, Duration::from_secs(60)).await;
    let last = all.last().unwrap().seq;
    assert!(last >= 4, "{all:?}");

    // Event retention passes over the finished job: only its terminal event stays.
    let store = specdoc_store::Store::open(&s.deployment.database_url)
        .await
        .unwrap();
    let pruned = store
        .prune_events_finished_before(now_millis() + 1000)
        .await
        .unwrap();
    assert_eq!(pruned, last - 1);
    let id: JobId = job_id.parse().unwrap();
    assert_eq!(store.first_event_seq(id).await.unwrap(), Some(last));

    let watch = |after_seq: u64| {
        let mut tracker = s.tracker.clone();
        let job_id = job_id.clone();
        async move {
            tracker
                .watch_job(WatchJobRequest { job_id, after_seq })
                .await
        }
    };
    for stale in [0, 1, last - 2] {
        let status = watch(stale).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::OutOfRange, "{status:?}");
        assert!(
            status.message().contains("older than the retained events")
                && status.message().contains(&format!("seq {last}")),
            "{}",
            status.message()
        );
    }
    let beyond = watch(last + 5).await.unwrap_err();
    assert_eq!(beyond.code(), tonic::Code::OutOfRange, "{beyond:?}");

    // From just before the terminal event: exactly that event. From it: nothing, at once.
    let tail = events_until_end(&mut s.tracker, &job_id, last - 1, Duration::from_secs(5)).await;
    assert_eq!(tail.len(), 1);
    assert_eq!(
        (tail[0].seq, tail[0].state),
        (last, job_pb::JobState::Completed as i32)
    );
    let nothing = events_until_end(&mut s.tracker, &job_id, last, Duration::from_secs(5)).await;
    assert!(nothing.is_empty(), "{nothing:?}");

    // The client library ends its watch there too, rather than reconnecting forever.
    let client = specdoc_client::Client::new(&specdoc_client::ClientConfig {
        scheduler_url: format!("http://127.0.0.1:{}", s.scheduler_port),
        tracker_url: format!("http://127.0.0.1:{}", s.tracker_port),
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        ..Default::default()
    })
    .unwrap();
    let mut resumed = client.watch_job(&job_id, last);
    let end = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .expect("the client's watch ends at once");
    assert!(end.is_none(), "{end:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_eta_at_submission_is_accurate_under_a_steady_load() {
    // Each job asks a (slow) LLM for its missing prose, so run times are steady and long
    // enough to measure; distinct titles keep the answer cache out of it.
    let llm = FakeLlm::start(Behaviour::Slow(Duration::from_millis(300))).await;
    let env = [
        ("GENAI_BASE_URL", llm.url.as_str()),
        ("GENAI_MODEL", "test-model"),
        ("GENAI_API_KEY", "sk-test"),
        ("MAX_CONCURRENT_JOBS", "2"),
    ];
    let mut s = system(Some(&env)).await;
    let job = |i: usize| {
        let mut request = submit_request(
            "eta",
            petstore_titled(&format!("eta {i}")),
            job_pb::JobType::Documentation,
        );
        request.output_formats = vec![job_pb::OutputFormat::Markdown as i32];
        request
    };
    // Warm up: the typical run time comes from completed jobs.
    let mut warm_up_runs = Vec::new();
    for i in 0..6 {
        let job_id = submit(&mut s.scheduler, job(i)).await;
        events_until_end(&mut s.tracker, &job_id, 0, Duration::from_secs(60)).await;
        let record = common::job(&mut s.tracker, &job_id).await;
        warm_up_runs.push(
            specdoc_core::from_timestamp(record.finished_at.as_ref().unwrap())
                - specdoc_core::from_timestamp(record.started_at.as_ref().unwrap()),
        );
    }
    warm_up_runs.sort_unstable();
    let typical = Duration::from_millis(u64::try_from(warm_up_runs[3]).unwrap());

    // A steady load at about 80% of the two slots' capacity.
    let interval = typical.mul_f64(0.6);
    let mut predictions = Vec::new();
    for i in 0..24 {
        let submitted_at = now_millis();
        let response = s
            .scheduler
            .submit_job(job(100 + i))
            .await
            .unwrap()
            .into_inner();
        let eta = response.eta.expect("SubmitJob returns an ETA");
        let predicted = specdoc_core::from_timestamp(eta.completes_at.as_ref().unwrap());
        predictions.push((response.job_id, submitted_at, predicted));
        tokio::time::sleep(interval).await;
    }
    let mut errors = Vec::new();
    for (job_id, submitted_at, predicted) in &predictions {
        events_until_end(&mut s.tracker, job_id, 0, Duration::from_secs(120)).await;
        let record = common::job(&mut s.tracker, job_id).await;
        let finished = specdoc_core::from_timestamp(record.finished_at.as_ref().unwrap());
        let actual = (finished - submitted_at) as f64;
        errors.push((predicted - finished).abs() as f64 / actual);
    }
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    println!(
        "eta: typical run {typical:?}, {} jobs every {interval:?}: median absolute error {:.1}%, p90 {:.1}%",
        errors.len(),
        median * 100.0,
        errors[errors.len() * 9 / 10] * 100.0
    );
    assert!(
        median <= 0.25,
        "median absolute ETA error {:.1}% > 25%: {errors:?}",
        median * 100.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_status_reports_depths_the_oldest_job_workers_and_throughput() {
    let llm = FakeLlm::start(Behaviour::Slow(Duration::from_millis(1500))).await;
    let mut s = system(None).await;
    let queue_reader = s.scheduler.clone();
    let status = |team: &str| {
        let mut scheduler = queue_reader.clone();
        let team_id = team.to_owned();
        async move {
            scheduler
                .get_queue_status(GetQueueStatusRequest { team_id })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let first_submitted = now_millis();
    let mut job_ids = Vec::new();
    for (team, priority, count) in [
        ("alpha", job_pb::Priority::Normal, 3),
        ("beta", job_pb::Priority::High, 2),
    ] {
        for i in 0..count {
            let mut request = submit_request(
                team,
                petstore_titled(&format!("{team} {i}")),
                job_pb::JobType::Documentation,
            );
            request.priority = priority as i32;
            job_ids.push(submit(&mut s.scheduler, request).await);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let everyone = status("").await;
    assert_eq!(everyone.queued, 5);
    let mut depths: Vec<(i32, String, u64)> = everyone
        .depths
        .iter()
        .map(|d| (d.priority, d.team_id.clone(), d.queued))
        .collect();
    depths.sort();
    let mut expected = vec![
        (job_pb::Priority::Normal as i32, "alpha".to_owned(), 3),
        (job_pb::Priority::High as i32, "beta".to_owned(), 2),
    ];
    expected.sort();
    assert_eq!(depths, expected);
    let waited = (now_millis() - first_submitted) as f64 / 1000.0;
    assert!(
        everyone.oldest_queued_age_seconds >= 0.3
            && everyone.oldest_queued_age_seconds <= waited + 0.1,
        "oldest {} s, waited {waited} s",
        everyone.oldest_queued_age_seconds
    );
    assert!(everyone.workers.is_empty());
    assert_eq!(everyone.throughput_per_second, 0.0);
    let beta = status("beta").await;
    assert_eq!((beta.queued, beta.depths.len()), (2, 1));

    // A worker with two slots: it shows up with the jobs it runs, and the queue drains.
    let env = [
        ("GENAI_BASE_URL", llm.url.as_str()),
        ("GENAI_MODEL", "test-model"),
        ("GENAI_API_KEY", "sk-test"),
        ("MAX_CONCURRENT_JOBS", "2"),
    ];
    let _worker = s.deployment.spawn_serving("specdoc-worker", &env).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let running = loop {
        let now = status("").await;
        if let Some(worker) = now.workers.first()
            && !worker.running_job_ids.is_empty()
        {
            assert_eq!(worker.slots, 2);
            assert!(now.processing >= 1, "{now:?}");
            break worker.running_job_ids.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no worker ever ran a job: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(running.len() <= 2 && running.iter().all(|id| job_ids.contains(id)));
    for job_id in &job_ids {
        events_until_end(&mut s.tracker, job_id, 0, Duration::from_secs(60)).await;
    }
    let drained = status("").await;
    assert_eq!((drained.queued, drained.processing), (0, 0));
    assert_eq!(drained.oldest_queued_age_seconds, 0.0);
    assert!(
        (drained.throughput_per_second - 5.0 / 60.0).abs() < 1e-9,
        "five jobs finished in the last minute: {}",
        drained.throughput_per_second
    );
    assert_eq!(status("alpha").await.throughput_per_second, 3.0 / 60.0);
}
