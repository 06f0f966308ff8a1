//! Quota isolation benchmark driver: how much one team's flood slows another team's
//! submissions. Two roles, run as separate processes by `benches/quota/run.sh`:
//!
//! - `bench_flood steady URL N`: team `steady` submits N jobs one after another and prints its
//!   submit latency p50/p99;
//! - `bench_flood flood URL CLIENTS SECONDS`: CLIENTS clients of team `flood`, each on a
//!   connection of its own, submit as fast as they can for SECONDS, then print how many calls
//!   were accepted and refused (RESOURCE_EXHAUSTED).
//!
//! The script runs the flood at the lowest CPU priority (`nice -n 19`), standing in for clients
//! on other machines, so what the steady team feels is the scheduler's cost of the flood, not
//! the flooding clients' own CPU on this one.

use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

const TINY_SPEC: &[u8] = br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

fn request(team: &str) -> SubmitJobRequest {
    SubmitJobRequest {
        team_id: team.into(),
        service_name: "bench".into(),
        job_type: job_pb::JobType::QualityScore as i32,
        spec: TINY_SPEC.to_vec(),
        ..Default::default()
    }
}

async fn client(url: &str) -> anyhow::Result<SchedulerServiceClient<specdoc_testkit::Authed>> {
    let channel = tonic::transport::Endpoint::from_shared(url.to_owned())?
        .connect()
        .await?;
    Ok(SchedulerServiceClient::new(
        specdoc_testkit::authed_from_env(channel),
    ))
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn steady(url: &str, n: usize) -> anyhow::Result<()> {
    let mut client = client(url).await?;
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let sent = Instant::now();
        client.submit_job(request("steady")).await?;
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    println!(
        "p50 {:.2} ms, p99 {:.2} ms ({n} submissions)",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99)
    );
    Ok(())
}

async fn flood(url: &str, clients: usize, seconds: u64) -> anyhow::Result<()> {
    let (accepted, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let mut client = client(url).await?;
        let (accepted, refused) = (accepted.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                match client.submit_job(request("flood")).await {
                    Ok(_) => accepted.fetch_add(1, Relaxed),
                    Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                        refused.fetch_add(1, Relaxed)
                    }
                    Err(status) => panic!("the flood got {status}"),
                };
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let (accepted, refused) = (accepted.load(Relaxed), refused.load(Relaxed));
    println!(
        "flood: {clients} clients, {:.0} calls/s, {accepted} accepted, {refused} refused",
        (accepted + refused) as f64 / seconds as f64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(1) {
        "steady" => steady(arg(2), arg(3).parse()?).await,
        "flood" => flood(arg(2), arg(3).parse()?, arg(4).parse()?).await,
        _ => {
            anyhow::bail!("usage: bench_flood steady URL N | bench_flood flood URL CLIENTS SECONDS")
        }
    }
}
