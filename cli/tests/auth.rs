//! Authentication, team isolation and quotas, against the real service processes.
//!
//! - Every RPC without a valid token is UNAUTHENTICATED; health and reflection need none.
//! - Database tokens made with AdminService work until revoked, and only admins manage them.
//! - Another team's job or team answers NOT_FOUND on every RPC, every time, word for word like
//!   a job that does not exist.
//! - A team over its rate or its queued-jobs cap gets RESOURCE_EXHAUSTED with retry info, and
//!   another team's submissions are all accepted meanwhile.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Deployment, events_until_end, submit_request};
use specdoc_proto::admin::v1::admin_service_client::AdminServiceClient;
use specdoc_proto::admin::v1::{CreateTokenRequest, ListTokensRequest, RevokeTokenRequest};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::scheduler::v1::{CancelJobRequest, GetQueueStatusRequest, SubmitJobsRequest};
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_proto::tracker::v1::*;
use specdoc_proto::worker::v1::worker_service_client::WorkerServiceClient;
use specdoc_proto::worker::v1::{DrainRequest, GetWorkerStatusRequest};
use specdoc_testkit::{ADMIN_TOKEN, authed, example};
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

const PAYMENTS_TOKEN: &str = "payments-token-0123456789";
const SEARCH_TOKEN: &str = "search-token-0123456789";

fn static_tokens() -> String {
    format!("admin={ADMIN_TOKEN},team:payments={PAYMENTS_TOKEN},team:search={SEARCH_TOKEN}")
}

struct System {
    scheduler: Channel,
    tracker: Channel,
    worker: Channel,
    _processes: Vec<specdoc_testkit::ChildGuard>,
}

async fn system(extra_env: &[(&str, &str)], with_worker: bool) -> System {
    let deployment = Deployment::new().await;
    let tokens = static_tokens();
    let mut env = vec![("AUTH_TOKENS", tokens.as_str())];
    env.extend_from_slice(extra_env);
    let (scheduler_process, scheduler) = deployment.spawn_serving("specdoc-scheduler", &env).await;
    let (tracker_process, tracker) = deployment.spawn_serving("specdoc-tracker", &env).await;
    let mut processes = vec![scheduler_process, tracker_process];
    let worker = if with_worker {
        let (process, channel) = deployment.spawn_serving("specdoc-worker", &env).await;
        processes.push(process);
        channel
    } else {
        tracker.clone()
    };
    System {
        scheduler,
        tracker,
        worker,
        _processes: processes,
    }
}

/// RPCs only admins may call, whatever the team.
const ADMIN_ONLY: [&str; 5] = [
    "CreateToken",
    "RevokeToken",
    "ListTokens",
    "GetWorkerStatus",
    "Drain",
];

/// Every specdoc RPC, called with `token` (or none); the outcome of each, named.
async fn call_everything(
    system: &System,
    token: Option<&str>,
    job_id: &str,
    team_id: &str,
) -> Vec<(&'static str, Result<(), Status>)> {
    let header = token.map(|t| format!("Bearer {t}"));
    let with = |channel: &Channel| {
        let header = header.clone();
        tonic::service::interceptor::InterceptedService::new(
            channel.clone(),
            move |mut request: tonic::Request<()>| {
                if let Some(header) = &header {
                    request
                        .metadata_mut()
                        .insert("authorization", header.parse().unwrap());
                }
                Ok(request)
            },
        )
    };
    let mut scheduler = SchedulerServiceClient::new(with(&system.scheduler));
    let mut admin = AdminServiceClient::new(with(&system.scheduler));
    let mut tracker = TrackerServiceClient::new(with(&system.tracker));
    let mut worker = WorkerServiceClient::new(with(&system.worker));
    let job = || job_id.to_owned();
    let team = || team_id.to_owned();
    let filter = || JobFilter {
        team_id: team(),
        ..Default::default()
    };
    fn ok<T>(r: Result<T, Status>) -> Result<(), Status> {
        r.map(|_| ())
    }
    // A stream's status arrives with its first item when the call itself was accepted.
    async fn first<T>(
        r: Result<tonic::Response<tonic::Streaming<T>>, Status>,
    ) -> Result<(), Status> {
        let mut stream = r?.into_inner();
        match tokio::time::timeout(Duration::from_millis(300), stream.next()).await {
            Ok(Some(Err(status))) => Err(status),
            _ => Ok(()),
        }
    }
    let mut submit = submit_request(
        team_id,
        example("petstore.yaml"),
        job_pb::JobType::Documentation,
    );
    submit.service_name = "probe".into();
    let batch = SubmitJobsRequest {
        jobs: vec![submit.clone()],
    };
    vec![
        ("SubmitJob", ok(scheduler.submit_job(submit).await)),
        ("SubmitJobs", ok(scheduler.submit_jobs(batch).await)),
        (
            "CancelJob",
            ok(scheduler
                .cancel_job(CancelJobRequest {
                    job_id: job(),
                    reason: "probe".into(),
                })
                .await),
        ),
        (
            "GetQueueStatus",
            ok(scheduler
                .get_queue_status(GetQueueStatusRequest { team_id: team() })
                .await),
        ),
        (
            "GetJob",
            ok(tracker.get_job(GetJobRequest { job_id: job() }).await),
        ),
        (
            "ListJobs",
            ok(tracker
                .list_jobs(ListJobsRequest {
                    filter: Some(filter()),
                    ..Default::default()
                })
                .await),
        ),
        (
            "GetJobHistory",
            ok(tracker
                .get_job_history(GetJobHistoryRequest {
                    team_id: team(),
                    limit: 10,
                })
                .await),
        ),
        (
            "WatchJob",
            first(
                tracker
                    .watch_job(WatchJobRequest {
                        job_id: job(),
                        after_seq: 0,
                    })
                    .await,
            )
            .await,
        ),
        (
            "WatchJobs",
            first(
                tracker
                    .watch_jobs(WatchJobsRequest {
                        filter: Some(filter()),
                    })
                    .await,
            )
            .await,
        ),
        (
            "GetJobResult",
            ok(tracker
                .get_job_result(GetJobResultRequest {
                    job_id: job(),
                    formats: vec![],
                })
                .await),
        ),
        (
            "GetStats",
            ok(tracker
                .get_stats(GetStatsRequest {
                    team_id: team(),
                    days: 7,
                })
                .await),
        ),
        (
            "CreateToken",
            ok(admin
                .create_token(CreateTokenRequest {
                    team_id: team(),
                    admin: false,
                    label: "probe".into(),
                })
                .await),
        ),
        (
            "RevokeToken",
            ok(admin
                .revoke_token(RevokeTokenRequest {
                    token_id: "nope".into(),
                })
                .await),
        ),
        (
            "ListTokens",
            ok(admin.list_tokens(ListTokensRequest {}).await),
        ),
        (
            "GetWorkerStatus",
            ok(worker.get_worker_status(GetWorkerStatusRequest {}).await),
        ),
        ("Drain", ok(worker.drain(DrainRequest {}).await)),
    ]
}

fn codes(outcomes: &[(&'static str, Result<(), Status>)]) -> Vec<(&'static str, Code)> {
    outcomes
        .iter()
        .map(|(rpc, r)| (*rpc, r.as_ref().err().map_or(Code::Ok, Status::code)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rpc_needs_a_valid_token_but_probes_do_not() {
    let system = system(&[], true).await;
    let job = "0190c6e4-0000-7000-8000-000000000000";
    for token in [None, Some("not-a-token-at-all-0000"), Some("")] {
        let outcomes = call_everything(&system, token, job, "payments").await;
        for (rpc, code) in codes(&outcomes) {
            assert_eq!(code, Code::Unauthenticated, "{rpc} with token {token:?}");
        }
    }
    // The scheme must be Bearer.
    let mut basic = SchedulerServiceClient::with_interceptor(
        system.scheduler.clone(),
        |mut request: tonic::Request<()>| {
            request.metadata_mut().insert(
                "authorization",
                format!("Basic {ADMIN_TOKEN}").parse().unwrap(),
            );
            Ok(request)
        },
    );
    let status = basic
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        !status.message().contains(ADMIN_TOKEN),
        "{}",
        status.message()
    );

    // Health checks and reflection answer without a token.
    let mut health = tonic_health::pb::health_client::HealthClient::new(system.scheduler.clone());
    health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();

    // Team tokens may not manage tokens or workers.
    let outcomes = call_everything(&system, Some(PAYMENTS_TOKEN), job, "payments").await;
    for (rpc, code) in codes(&outcomes) {
        if ADMIN_ONLY.contains(&rpc) {
            assert_eq!(code, Code::PermissionDenied, "{rpc} with a team token");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn database_tokens_work_until_revoked() {
    let system = system(&[], false).await;
    let mut admin = AdminServiceClient::new(specdoc_testkit::admin(system.scheduler.clone()));
    let created = admin
        .create_token(CreateTokenRequest {
            team_id: "ledger".into(),
            admin: false,
            label: "CI of ledger".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let info = created.info.unwrap();
    assert!(created.token.starts_with("sdt_") && created.token.len() >= 64);
    assert_eq!((info.team_id.as_str(), info.admin), ("ledger", false));

    // The listing shows the record, never the token.
    let listed = admin
        .list_tokens(ListTokensRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .tokens
            .iter()
            .any(|t| t.token_id == info.token_id && t.label == "CI of ledger")
    );
    assert!(!format!("{listed:?}").contains(&created.token));

    // The token acts for its team: an empty team_id means its own.
    let mut ledger = SchedulerServiceClient::new(authed(system.scheduler.clone(), &created.token));
    let mut tracker = TrackerServiceClient::new(authed(system.tracker.clone(), &created.token));
    let accepted = ledger
        .submit_job(submit_request(
            "",
            example("petstore.yaml"),
            job_pb::JobType::QualityScore,
        ))
        .await
        .unwrap()
        .into_inner();
    let job = tracker
        .get_job(GetJobRequest {
            job_id: accepted.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap();
    assert_eq!(job.team_id, "ledger");

    // Malformed requests for tokens are INVALID_ARGUMENT naming the field.
    for (request, field) in [
        (
            CreateTokenRequest {
                team_id: String::new(),
                admin: false,
                label: String::new(),
            },
            "team_id",
        ),
        (
            CreateTokenRequest {
                team_id: "ledger".into(),
                admin: true,
                label: String::new(),
            },
            "team_id",
        ),
        (
            CreateTokenRequest {
                team_id: "bad team".into(),
                admin: false,
                label: String::new(),
            },
            "team_id",
        ),
        (
            CreateTokenRequest {
                team_id: "ledger".into(),
                admin: false,
                label: "x".repeat(201),
            },
            "label",
        ),
    ] {
        let status = admin.create_token(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            field
        );
    }

    // Revoked: refused at once by the scheduler that revoked it, and by the tracker once its
    // cache (2 s) lapses.
    let revoked = admin
        .revoke_token(RevokeTokenRequest {
            token_id: info.token_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .info
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let status = ledger
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{}", status.message());
    tokio::time::sleep(specdoc_runtime::auth::CACHE_TTL + Duration::from_millis(200)).await;
    let status = tracker
        .get_job(GetJobRequest {
            job_id: accepted.job_id,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let unknown = admin
        .revoke_token(RevokeTokenRequest {
            token_id: "does-not-exist".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_teams_jobs_are_not_found_on_every_rpc_every_time() {
    let system = system(&[], true).await;
    let mut payments =
        SchedulerServiceClient::new(authed(system.scheduler.clone(), PAYMENTS_TOKEN));
    let mut payments_tracker =
        TrackerServiceClient::new(authed(system.tracker.clone(), PAYMENTS_TOKEN));
    let mut search_tracker =
        TrackerServiceClient::new(authed(system.tracker.clone(), SEARCH_TOKEN));

    // Search watches everything it may see while payments' jobs run: it must see none.
    let mut search_feed = search_tracker
        .watch_jobs(WatchJobsRequest { filter: None })
        .await
        .unwrap()
        .into_inner();
    // Payments' jobs, run to the end so they have results and statistics.
    let mut jobs = Vec::new();
    for _ in 0..10 {
        let accepted = payments
            .submit_job(submit_request(
                "payments",
                example("petstore.yaml"),
                job_pb::JobType::Documentation,
            ))
            .await
            .unwrap()
            .into_inner();
        jobs.push(accepted.job_id);
    }
    for job in &jobs {
        events_until_end(&mut payments_tracker, job, 0, Duration::from_secs(60)).await;
    }

    let missing = "0190c6e4-0000-7000-8000-000000000000";
    // The control: a job and a team that do not exist.
    let absent = call_everything(&system, Some(SEARCH_TOKEN), missing, "nobody").await;
    for job in &jobs {
        let outcomes = call_everything(&system, Some(SEARCH_TOKEN), job, "payments").await;
        for ((rpc, outcome), (_, control)) in outcomes.iter().zip(&absent) {
            if ADMIN_ONLY.contains(rpc) {
                continue;
            }
            let status = outcome.as_ref().expect_err(rpc);
            assert_eq!(
                status.code(),
                Code::NotFound,
                "{rpc} on payments' job {job}: {}",
                status.message()
            );
            // Word for word what a job that does not exist gets, id aside.
            if let Err(control) = control
                && control.code() == Code::NotFound
            {
                assert_eq!(
                    status
                        .message()
                        .replace(job.as_str(), "ID")
                        .replace("payments", "TEAM"),
                    control
                        .message()
                        .replace(missing, "ID")
                        .replace("nobody", "TEAM"),
                    "{rpc}"
                );
            }
        }
    }
    // Without naming a team, search's listings, history, stats and queue hold only its own.
    let listed = search_tracker
        .list_jobs(ListJobsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.jobs.is_empty(), "{:?}", listed.jobs);
    let stats = search_tracker
        .get_stats(GetStatsRequest {
            team_id: String::new(),
            days: 7,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.total_jobs, 0);
    let mut search = SchedulerServiceClient::new(authed(system.scheduler.clone(), SEARCH_TOKEN));
    let queue = search
        .get_queue_status(GetQueueStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        queue.depths.iter().all(|d| d.team_id == "search"),
        "{:?}",
        queue.depths
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(500), search_feed.next())
            .await
            .is_err(),
        "search's WatchJobs delivered another team's event"
    );
    // The admin sees payments' jobs.
    let mut admin_tracker =
        TrackerServiceClient::new(specdoc_testkit::admin(system.tracker.clone()));
    let all = admin_tracker
        .list_jobs(ListJobsRequest {
            filter: Some(JobFilter {
                team_id: "payments".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(all.jobs.len() >= jobs.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn quotas_refuse_a_flood_with_retry_info_and_spare_other_teams() {
    // No worker: submissions stay queued, so the queued-jobs cap is exact.
    let system = system(
        &[
            ("QUOTA_SUBMISSIONS_PER_SECOND", "2"),
            ("QUOTA_BURST", "5"),
            ("QUOTA_MAX_QUEUED", "0"),
            ("QUOTA_OVERRIDES", "capped=0/1/3"),
        ],
        false,
    )
    .await;
    let mut admin = SchedulerServiceClient::new(specdoc_testkit::admin(system.scheduler.clone()));
    let spec = example("petstore.yaml");

    // The flood: 40 submissions at once from payments; search submits meanwhile.
    let flood = (0..40).map(|_| {
        let mut client = admin.clone();
        let request = submit_request("payments", spec.clone(), job_pb::JobType::QualityScore);
        tokio::spawn(async move { client.submit_job(request).await })
    });
    let flood: Vec<_> = flood.collect();
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(
            admin
                .submit_job(submit_request(
                    "search",
                    spec.clone(),
                    job_pb::JobType::QualityScore,
                ))
                .await,
        );
    }
    let mut accepted = 0;
    for handle in flood {
        match handle.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(status) => {
                assert_eq!(
                    status.code(),
                    Code::ResourceExhausted,
                    "{}",
                    status.message()
                );
                assert!(
                    status.message().contains("team payments"),
                    "{}",
                    status.message()
                );
                let details = status.get_error_details();
                let retry = details
                    .retry_info()
                    .expect("retry info")
                    .retry_delay
                    .unwrap();
                assert!(
                    retry > Duration::ZERO && retry <= Duration::from_secs(20),
                    "{retry:?}"
                );
                assert_eq!(
                    details.quota_failure().unwrap().violations[0].subject,
                    "team:payments"
                );
            }
        }
    }
    // The burst of 5, plus at most what 2/s refilled while the flood ran.
    assert!((5..=8).contains(&accepted), "{accepted} of 40 accepted");
    assert!(
        others.iter().all(Result::is_ok),
        "another team was refused: {others:?}"
    );

    // After the advertised delay, payments may submit again.
    let status = admin
        .submit_job(submit_request(
            "payments",
            spec.clone(),
            job_pb::JobType::QualityScore,
        ))
        .await
        .unwrap_err();
    let retry = status
        .get_error_details()
        .retry_info()
        .unwrap()
        .retry_delay
        .unwrap();
    tokio::time::sleep(retry + Duration::from_millis(50)).await;
    admin
        .submit_job(submit_request(
            "payments",
            spec.clone(),
            job_pb::JobType::QualityScore,
        ))
        .await
        .unwrap();

    // The queued-jobs cap: 3 for `capped`, whose rate is unlimited.
    let mut capped = Vec::new();
    for _ in 0..3 {
        capped.push(
            admin
                .submit_job(submit_request(
                    "capped",
                    spec.clone(),
                    job_pb::JobType::QualityScore,
                ))
                .await
                .unwrap()
                .into_inner()
                .job_id,
        );
    }
    let status = admin
        .submit_job(submit_request(
            "capped",
            spec.clone(),
            job_pb::JobType::QualityScore,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status
            .message()
            .contains("has 3 jobs queued, its quota is 3"),
        "{}",
        status.message()
    );
    let retry = status
        .get_error_details()
        .retry_info()
        .unwrap()
        .retry_delay
        .unwrap();
    // A cancelled job frees its place for a client that waits as it was told.
    admin
        .cancel_job(CancelJobRequest {
            job_id: capped[0].clone(),
            reason: String::new(),
        })
        .await
        .unwrap();
    tokio::time::sleep(retry).await;
    admin
        .submit_job(submit_request(
            "capped",
            spec,
            job_pb::JobType::QualityScore,
        ))
        .await
        .unwrap();
}
