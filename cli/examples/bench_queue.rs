//! Queue benchmark driver: submits no-op-sized QUALITY_SCORE jobs through a running scheduler
//! (the full path: scheduler → Redis → worker → database, with events), waits until the
//! database records every one as completed, and prints `specdoc: N jobs/s` and submit latency.
//! `benches/queue/run.sh` starts the services and runs it beside BullMQ and Celery.

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_store::Store;
use std::time::{Duration, Instant};

const TINY_SPEC: &[u8] = br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (scheduler_url, database_url) = (args[1].clone(), args[2].clone());
    let jobs: usize = args.get(3).map_or(Ok(5000), |n| n.parse())?;
    let concurrency: usize = args.get(4).map_or(Ok(64), |n| n.parse())?;
    let team = format!("bench-{}", std::process::id());

    let channel = tonic::transport::Endpoint::from_shared(scheduler_url)?
        .connect()
        .await?;
    let store = Store::connect(&database_url).await?;
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Duration>(jobs);
    let per_task = jobs.div_ceil(concurrency);
    for task in 0..concurrency {
        let mut client =
            SchedulerServiceClient::new(specdoc_testkit::authed_from_env(channel.clone()));
        let (tx, team) = (tx.clone(), team.clone());
        let count = per_task.min(jobs.saturating_sub(task * per_task));
        tokio::spawn(async move {
            for _ in 0..count {
                let request = SubmitJobRequest {
                    team_id: team.clone(),
                    service_name: "bench".into(),
                    job_type: job_pb::JobType::QualityScore as i32,
                    spec: TINY_SPEC.to_vec(),
                    ..Default::default()
                };
                let sent = Instant::now();
                if client.submit_job(request).await.is_ok() {
                    let _ = tx.send(sent.elapsed()).await;
                }
            }
        });
    }
    drop(tx);
    let mut latencies = Vec::with_capacity(jobs);
    while let Some(latency) = rx.recv().await {
        latencies.push(latency);
    }
    let submitted = started.elapsed();
    let team_id = specdoc_core::TeamId::parse_field(&team)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let counts = store
            .stats(Some(&team_id), 1, specdoc_core::now_millis())
            .await?;
        let completed: u64 = counts
            .by_state_and_type
            .iter()
            .filter(|(s, _, _)| s == "completed")
            .map(|(_, _, n)| n)
            .sum();
        if completed as usize >= latencies.len() {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {completed} of {} jobs completed",
            latencies.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "specdoc: {:.0} jobs/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "specdoc submit: {} jobs in {:.2}s; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        submitted.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.90).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        pct(1.0).as_secs_f64() * 1000.0
    );
    Ok(())
}
