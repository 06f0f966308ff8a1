//! Quota isolation benchmark driver: how much one team's flood slows another team's
//! submissions. Against a running scheduler with quotas on, team `steady` submits `n` jobs one
//! after another, alone; then again while `flooders` tasks of team `flood` submit as fast as they
//! can (most of it refused with RESOURCE_EXHAUSTED). Prints the steady team's submit latency
//! p50/p99 in both phases, the ratio, and how much of the flood was refused.
//! `benches/quota/run.sh` starts the services and runs it.

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

const TINY_SPEC: &[u8] = br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

type Client = SchedulerServiceClient<specdoc_testkit::Authed>;

fn request(team: &str) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: team.into(),
        service_name: "bench".into(),
        job_type: job_pb::JobType::QualityScore as i32,
        spec: TINY_SPEC.to_vec(),
        ..Default::default()
    }
}

/// Submit latencies of `n` sequential submissions of team `steady`, sorted.
async fn steady(client: &mut Client, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let sent = Instant::now();
        client.submit_job(request("steady")).await?;
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    Ok(latencies)
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scheduler_url = args[1].clone();
    let n: usize = args.get(2).map_or(Ok(300), |a| a.parse())?;
    let flooders: usize = args.get(3).map_or(Ok(64), |a| a.parse())?;
    let channel = tonic::transport::Endpoint::from_shared(scheduler_url)?
        .connect()
        .await?;
    let mut client = SchedulerServiceClient::new(specdoc_testkit::authed_from_env(channel.clone()));

    let alone = steady(&mut client, n).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let (accepted, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..flooders {
        // The flood on connections of its own, as another team's clients would be.
        let channel = tonic::transport::Endpoint::from_shared(args[1].clone())?
            .connect()
            .await?;
        let mut flood = SchedulerServiceClient::new(specdoc_testkit::authed_from_env(channel));
        let (stop, accepted, refused) = (stop.clone(), accepted.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Relaxed) {
                match flood.submit_job(request("flood")).await {
                    Ok(_) => accepted.fetch_add(1, Relaxed),
                    Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                        refused.fetch_add(1, Relaxed)
                    }
                    Err(status) => panic!("the flood got {status}"),
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flood_started = Instant::now();
    let before = refused.load(Relaxed) + accepted.load(Relaxed);
    let during = steady(&mut client, n).await?;
    let flood_rate = (refused.load(Relaxed) + accepted.load(Relaxed) - before) as f64
        / flood_started.elapsed().as_secs_f64();
    stop.store(true, Relaxed);
    for task in tasks {
        task.await?;
    }
    let (p50a, p99a, p50d, p99d) = (
        quantile(&alone, 0.5),
        quantile(&alone, 0.99),
        quantile(&during, 0.5),
        quantile(&during, 0.99),
    );
    println!("steady alone: p50 {p50a:.2} ms, p99 {p99a:.2} ms ({n} submissions)");
    println!(
        "steady during flood: p50 {p50d:.2} ms, p99 {p99d:.2} ms (flood: {flooders} clients, {flood_rate:.0} calls/s, {} accepted, {} refused)",
        accepted.load(Relaxed),
        refused.load(Relaxed)
    );
    println!(
        "flood slowdown: p50 x{:.2}, p99 x{:.2}",
        p50d / p50a,
        p99d / p99a
    );
    Ok(())
}
