//! The failure model with real processes and real signals, on Postgres and Redis: workers
//! killed with SIGKILL mid-job, a worker paused past its lease, cancellation of running jobs,
//! timeouts, and Redis restarted under load. No job may be lost, stuck, or completed twice.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Deployment, events_until_end, first_event, job, submit, submit_request};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::CancelJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_proto::tracker::v1::{JobFilter, ListJobsRequest, WatchJobsRequest};
use specdoc_testkit::ChildGuard;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;

/// Reaper and reconciler passes every 200 ms, so recovery is quick in tests.
const FAST_RECONCILE: (&str, &str) = ("RECONCILE_INTERVAL_MS", "200");

struct Cluster {
    deployment: Deployment,
    scheduler: SchedulerServiceClient<specdoc_testkit::Authed>,
    tracker: TrackerServiceClient<specdoc_testkit::Authed>,
    _services: Vec<ChildGuard>,
}

async fn cluster(deployment: Deployment) -> Cluster {
    cluster_with(deployment, &[]).await
}

async fn cluster_with(deployment: Deployment, scheduler_env: &[(&str, &str)]) -> Cluster {
    let scheduler_env: Vec<(&str, &str)> = [FAST_RECONCILE]
        .iter()
        .chain(scheduler_env)
        .copied()
        .collect();
    let (scheduler_process, scheduler) = deployment
        .spawn_serving("specdoc-scheduler", &scheduler_env)
        .await;
    let (tracker_process, tracker) = deployment.spawn_serving("specdoc-tracker", &[]).await;
    let services = vec![scheduler_process, tracker_process];
    let scheduler = SchedulerServiceClient::new(specdoc_testkit::admin(scheduler))
        .max_encoding_message_size(usize::MAX);
    let tracker = TrackerServiceClient::new(specdoc_testkit::admin(tracker))
        .max_decoding_message_size(usize::MAX);
    Cluster {
        deployment,
        scheduler,
        tracker,
        _services: services,
    }
}

impl Cluster {
    async fn worker(&self, env: &[(&str, &str)]) -> ChildGuard {
        self.deployment.spawn_serving("specdoc-worker", env).await.0
    }

    /// Asserts the job completed exactly once, with gap-free events and stored results.
    async fn assert_completed_once(&mut self, job_id: &str) -> job_pb::Job {
        let events = events_until_end(&mut self.tracker, job_id, 0, Duration::from_secs(120)).await;
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=events.len() as u64).collect::<Vec<_>>(),
            "gap-free events of {job_id}"
        );
        let completed = events
            .iter()
            .filter(|e| e.state == job_pb::JobState::Completed as i32)
            .count();
        assert_eq!(completed, 1, "{job_id} completed exactly once: {events:?}");
        let record = job(&mut self.tracker, job_id).await;
        assert_eq!(record.state, job_pb::JobState::Completed as i32);
        record
    }
}

/// The database sessions named `application`.
async fn sessions(database: &sqlx::PgPool, application: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
        .bind(application)
        .fetch_one(database)
        .await
        .unwrap()
}

/// Waits until no database session named `application` is left: the server ends the session of
/// a client that died once it has run what the client sent.
async fn sessions_ended(database: &sqlx::PgPool, application: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sessions(database, application).await > 0 {
        assert!(
            Instant::now() < deadline,
            "the killed worker's database sessions are still open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn workers_killed_mid_job_lose_nothing_and_complete_each_job_once() {
    // Enough attempts that no job runs out of them however often the kills hit it; running out
    // is the poison-pill test below.
    let mut cluster = cluster_with(Deployment::new().await, &[("MAX_ATTEMPTS", "1000")]).await;
    let spec = specdoc_testkit::synthetic_spec(1500);
    let mut ids = Vec::new();
    // CI kills 20 workers mid-job; `just chaos` sets CHAOS_KILLS=200 for the long run.
    let kills: u64 = std::env::var("CHAOS_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(20);
    for i in 0..kills + 10 {
        let job_type = if i % 3 == 0 {
            job_pb::JobType::QualityScore
        } else {
            job_pb::JobType::Documentation
        };
        ids.push(
            submit(
                &mut cluster.scheduler,
                submit_request("chaos", spec.clone(), job_type),
            )
            .await,
        );
    }
    let worker_env = [("LEASE_SECONDS", "2"), ("MAX_CONCURRENT_JOBS", "4")];
    let database = sqlx::PgPool::connect(&cluster.deployment.database_url)
        .await
        .unwrap();
    // Kill a worker each time it is in the middle of a job, at varying points of the pipeline.
    let mut held_by_killed = std::collections::BTreeSet::new();
    for round in 0..kills {
        let mut processing = cluster
            .tracker
            .watch_jobs(WatchJobsRequest {
                filter: Some(JobFilter {
                    states: vec![processing_state()],
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner();
        // The worker's database sessions carry a name of their own, so the test can tell when
        // they are gone.
        let sessions_name = format!("chaos-worker-{round}");
        let database_url = format!(
            "{}?application_name={sessions_name}",
            cluster.deployment.database_url
        );
        let env = [
            worker_env.as_slice(),
            &[("DATABASE_URL", database_url.as_str())],
        ]
        .concat();
        let worker = cluster.worker(&env).await;
        tokio::time::timeout(Duration::from_secs(30), processing.next())
            .await
            .expect("a job starts")
            .unwrap()
            .unwrap();
        // A different moment each round: right at the start, or after some steps ran.
        tokio::time::sleep(Duration::from_millis(37 * (round % 9))).await;
        assert!(
            sessions(&database, &sessions_name).await > 0,
            "the worker's sessions are named"
        );
        worker.signal("KILL");
        drop(worker);
        // A group the worker sent before it died still commits (its statement commits on its
        // own), and the jobs it completes were not interrupted: they count once the server has
        // finished what the dead worker sent, and ended its sessions.
        sessions_ended(&database, &sessions_name).await;
        // What the dead worker held is still PROCESSING until its lease expires.
        let held = cluster
            .tracker
            .list_jobs(ListJobsRequest {
                filter: Some(JobFilter {
                    states: vec![processing_state()],
                    ..Default::default()
                }),
                page_size: 50,
                page_token: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .jobs;
        held_by_killed.extend(held.into_iter().map(|j| j.job_id));
    }
    let _survivor = cluster.worker(&worker_env).await;
    for id in &ids {
        cluster.assert_completed_once(id).await;
    }
    assert!(
        held_by_killed.len() as u64 >= kills.min(20) / 2,
        "the kills interrupted running jobs: {held_by_killed:?}"
    );
    let mut attempts = 0;
    for id in &held_by_killed {
        let record = job(&mut cluster.tracker, id).await;
        assert!(
            record.attempt >= 2,
            "{id} was running when its worker was killed, so it ran again"
        );
        attempts += record.attempt;
    }
    // The run's figures, for `just chaos`'s log.
    println!(
        "chaos: {kills} workers killed with SIGKILL mid-job; {} jobs, each COMPLETED exactly once with gap-free events; {} jobs were running on a killed worker and were retried ({attempts} attempts in all)",
        ids.len(),
        held_by_killed.len()
    );
}

fn processing_state() -> i32 {
    job_pb::JobState::Processing as i32
}

#[tokio::test]
async fn a_worker_paused_past_its_lease_cannot_overwrite_the_newer_attempt() {
    let mut cluster = cluster(Deployment::new().await).await;
    let spec = specdoc_testkit::synthetic_spec(3000);
    let id = submit(
        &mut cluster.scheduler,
        submit_request("zombie", spec, job_pb::JobType::Documentation),
    )
    .await;
    let (mut zombie, _) = cluster
        .deployment
        .spawn_serving_with(
            "specdoc-worker",
            &[("LEASE_SECONDS", "3"), ("RUST_LOG", "info")],
            |command| {
                command.stderr(std::process::Stdio::piped());
            },
        )
        .await;
    first_event(&mut cluster.tracker, &id, Duration::from_secs(30), |e| {
        e.step == job_pb::Step::Parse as i32
    })
    .await;
    zombie.signal("STOP");
    // Another worker takes over once the lease expires and finishes the job.
    let _rescuer = cluster.worker(&[("LEASE_SECONDS", "3")]).await;
    let record = cluster.assert_completed_once(&id).await;
    assert_eq!(record.attempt, 2);
    let result_before = cluster
        .tracker
        .get_job_result(specdoc_proto::tracker::v1::GetJobResultRequest {
            job_id: id.clone(),
            formats: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();

    zombie.signal("CONT");
    // Wait until the zombie notices it lost the job (its own log says so), then compare.
    let logs = zombie.0.stderr.take().unwrap();
    let noticed = tokio::task::spawn_blocking(move || {
        BufReader::new(logs)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("lease lost") || line.contains("job interrupted"))
    });
    assert!(
        tokio::time::timeout(Duration::from_secs(30), noticed)
            .await
            .unwrap()
            .unwrap(),
        "the zombie noticed its lease was gone"
    );
    assert_eq!(
        job(&mut cluster.tracker, &id).await,
        record,
        "the zombie left the record unchanged"
    );
    let result_after = cluster
        .tracker
        .get_job_result(specdoc_proto::tracker::v1::GetJobResultRequest {
            job_id: id.clone(),
            formats: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(result_after, result_before, "results are stored once");
}

#[tokio::test]
async fn cancelling_a_running_job_interrupts_it_within_a_second() {
    let mut cluster = cluster(Deployment::new().await).await;
    let _worker = cluster.worker(&[("MAX_CONCURRENT_JOBS", "1")]).await;
    let spec = specdoc_testkit::synthetic_spec(6000);
    let id = submit(
        &mut cluster.scheduler,
        submit_request("cancel", spec, job_pb::JobType::Documentation),
    )
    .await;
    let started = first_event(&mut cluster.tracker, &id, Duration::from_secs(30), |e| {
        e.step == job_pb::Step::Parse as i32 && e.status == job_pb::StepStatus::Started as i32
    })
    .await;
    let asked = Instant::now();
    let response = cluster
        .scheduler
        .cancel_job(CancelJobRequest {
            job_id: id.clone(),
            reason: "changed my mind".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.state, job_pb::JobState::Cancelled as i32);
    let events = events_until_end(
        &mut cluster.tracker,
        &id,
        started.seq,
        Duration::from_secs(5),
    )
    .await;
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "cancelled within 1 s, took {:?}",
        asked.elapsed()
    );
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Cancelled as i32
    );
    // The slot is free again: the worker's only slot runs the next job to completion.
    let next = submit(
        &mut cluster.scheduler,
        submit_request(
            "cancel",
            specdoc_testkit::example("petstore.yaml"),
            job_pb::JobType::QualityScore,
        ),
    )
    .await;
    cluster.assert_completed_once(&next).await;
    assert_eq!(
        job(&mut cluster.tracker, &id).await.state,
        job_pb::JobState::Cancelled as i32,
        "never completed afterwards"
    );
}

#[tokio::test]
async fn a_job_over_job_timeout_fails_with_timeout() {
    let mut cluster = cluster(Deployment::new().await).await;
    let _worker = cluster.worker(&[("JOB_TIMEOUT", "1")]).await;
    let spec = specdoc_testkit::synthetic_spec(30_000);
    let id = submit(
        &mut cluster.scheduler,
        submit_request("slow", spec, job_pb::JobType::Documentation),
    )
    .await;
    let events = events_until_end(&mut cluster.tracker, &id, 0, Duration::from_secs(60)).await;
    let last = events.last().unwrap();
    assert_eq!(last.state, job_pb::JobState::Failed as i32, "{events:?}");
    assert!(last.message.starts_with("timeout"), "{}", last.message);
    let record = job(&mut cluster.tracker, &id).await;
    assert!(record.error.starts_with("timeout"));
    let ran = record.finished_at.unwrap().seconds - record.started_at.unwrap().seconds;
    assert!(ran <= 3, "ended by the 1 s timeout, ran {ran} s");
}

#[tokio::test]
async fn redis_restarted_without_persistence_under_load_loses_no_job() {
    let mut redis = specdoc_testkit::RedisServer::start();
    let mut cluster = cluster(Deployment::with_redis(redis.url()).await).await;
    let _worker = cluster.worker(&[("MAX_CONCURRENT_JOBS", "2")]).await;
    let spec = specdoc_testkit::synthetic_spec(400);
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(
            submit(
                &mut cluster.scheduler,
                submit_request("redis", spec.clone(), job_pb::JobType::QualityScore),
            )
            .await,
        );
    }
    redis.kill();
    // Accepted while Redis is down: committed to the database, dispatched once it is back.
    for _ in 0..5 {
        ids.push(
            submit(
                &mut cluster.scheduler,
                submit_request("redis", spec.clone(), job_pb::JobType::QualityScore),
            )
            .await,
        );
    }
    redis.restart();
    for _ in 0..10 {
        ids.push(
            submit(
                &mut cluster.scheduler,
                submit_request("redis", spec.clone(), job_pb::JobType::QualityScore),
            )
            .await,
        );
    }
    for id in &ids {
        cluster.assert_completed_once(id).await;
    }
}

#[tokio::test]
async fn sigterm_drains_then_releases_what_is_left_to_another_worker_at_once() {
    let mut cluster = cluster(Deployment::new().await).await;
    let quick = submit(
        &mut cluster.scheduler,
        submit_request(
            "drain",
            specdoc_testkit::example("petstore.yaml"),
            job_pb::JobType::QualityScore,
        ),
    )
    .await;
    let slow = submit(
        &mut cluster.scheduler,
        submit_request(
            "drain",
            specdoc_testkit::synthetic_spec(30_000),
            job_pb::JobType::Documentation,
        ),
    )
    .await;
    // Lease 60 s: if the slow job were abandoned instead of released, it would wait a minute.
    let mut leaving = cluster
        .worker(&[
            ("SHUTDOWN_GRACE", "1"),
            ("LEASE_SECONDS", "60"),
            ("MAX_CONCURRENT_JOBS", "2"),
        ])
        .await;
    cluster.assert_completed_once(&quick).await;
    first_event(&mut cluster.tracker, &slow, Duration::from_secs(30), |e| {
        e.step == job_pb::Step::Parse as i32
    })
    .await;
    leaving.signal("TERM");
    let status = tokio::task::spawn_blocking(move || leaving.0.wait().unwrap())
        .await
        .unwrap();
    assert!(
        status.success(),
        "the worker exits 0 after draining: {status}"
    );
    let released = first_event(&mut cluster.tracker, &slow, Duration::from_secs(5), |e| {
        e.state == job_pb::JobState::Queued as i32 && e.seq > 1
    })
    .await;
    assert!(
        released.message.starts_with("released"),
        "{}",
        released.message
    );
    let taken_over = Instant::now();
    let _next = cluster.worker(&[]).await;
    first_event(&mut cluster.tracker, &slow, Duration::from_secs(30), |e| {
        e.attempt == 2
    })
    .await;
    assert!(
        taken_over.elapsed() < Duration::from_secs(20),
        "attempt 2 started without waiting out the 60 s lease"
    );
    let record = cluster.assert_completed_once(&slow).await;
    assert_eq!(record.attempt, 2);
}

#[tokio::test]
async fn a_job_whose_workers_always_die_fails_after_max_attempts_with_its_history() {
    let mut cluster = cluster_with(Deployment::new().await, &[("MAX_ATTEMPTS", "2")]).await;
    let id = submit(
        &mut cluster.scheduler,
        submit_request(
            "poison",
            specdoc_testkit::synthetic_spec(6000),
            job_pb::JobType::Documentation,
        ),
    )
    .await;
    for attempt in 1..=2 {
        let worker = cluster.worker(&[("LEASE_SECONDS", "2")]).await;
        first_event(&mut cluster.tracker, &id, Duration::from_secs(30), |e| {
            e.attempt == attempt && e.step == job_pb::Step::Parse as i32
        })
        .await;
        worker.signal("KILL");
    }
    let events = events_until_end(&mut cluster.tracker, &id, 0, Duration::from_secs(30)).await;
    let last = events.last().unwrap();
    assert_eq!(last.state, job_pb::JobState::Failed as i32);
    assert!(last.message.contains("every attempt"), "{}", last.message);
    let starts = events
        .iter()
        .filter(|e| {
            e.state == job_pb::JobState::Processing as i32 && e.step == job_pb::Step::Job as i32
        })
        .count();
    assert_eq!(starts, 2, "both attempts are in the history");
    assert_eq!(job(&mut cluster.tracker, &id).await.attempt, 2);
}

/// Makes the test database refuse writes (new sessions read-only, current ones cut) or accept
/// them again.
async fn database_writable(database_url: &str, writable: bool) {
    let name = database_url.rsplit('/').next().unwrap();
    let setting = if writable { "RESET" } else { "SET" };
    let value = if writable { "" } else { " = on" };
    specdoc_testkit::postgres_admin_exec(&format!(
        "ALTER DATABASE {name} {setting} default_transaction_read_only{value}"
    ))
    .await;
    specdoc_testkit::postgres_admin_exec(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .await;
}

#[tokio::test]
async fn a_database_outage_mid_job_is_retried_and_the_job_completes_once() {
    let deployment = Deployment::new().await;
    let database_url = deployment.database_url.clone();
    let mut cluster = cluster(deployment).await;
    let _worker = cluster
        .worker(&[
            ("LEASE_SECONDS", "3"),
            ("RETRY_BASE_MS", "200"),
            ("RETRY_MAX_MS", "500"),
        ])
        .await;
    let spec = specdoc_testkit::synthetic_spec(3000);
    let id = submit(
        &mut cluster.scheduler,
        submit_request("outage", spec, job_pb::JobType::Documentation),
    )
    .await;
    first_event(&mut cluster.tracker, &id, Duration::from_secs(30), |e| {
        e.step == job_pb::Step::Parse as i32 && e.status == job_pb::StepStatus::Started as i32
    })
    .await;
    // Longer than any gap between two of the job's writes, so one of them meets the outage.
    database_writable(&database_url, false).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    database_writable(&database_url, true).await;

    let record = cluster.assert_completed_once(&id).await;
    assert!(
        record.attempt >= 2,
        "the attempt that met the outage ended and another completed: {record:?}"
    );
}
