//! `specdoc-tracker`: parse config, init logging, connect, serve (gRPC, and the web monitor on
//! the HTTP port) until SIGTERM.

use clap::Parser;
use specdoc_queue::Queue;
use specdoc_runtime::{Dependencies, GrpcHost, config::Connections, tasks};

/// The specdoc tracker: job status, events, results and statistics.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    connections: Connections,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _telemetry = specdoc_runtime::telemetry::init("specdoc-tracker");
    let conns = &args.connections;
    let store = conns.open_store().await?;
    let queue = Queue::connect(&conns.redis_url, &conns.redis_prefix).await?;
    let stop = specdoc_runtime::shutdown_token();
    let fanout = specdoc_tracker::fanout::Fanout::new();
    tasks::spawn(
        "event-fanout",
        stop.clone(),
        fanout.clone().run_reader(queue.clone()),
    );
    let authenticator = conns.authenticator(&store)?;
    let eta = specdoc_runtime::eta::EtaEstimator::new(store.clone(), queue.clone());
    let monitor = specdoc_tracker::monitor::Monitor::new(
        store.clone(),
        queue.clone(),
        fanout.clone(),
        eta.clone(),
        authenticator.clone(),
        stop.clone(),
    );
    let mut host = GrpcHost::new(authenticator);
    host.add_service(specdoc_tracker::TrackerApi::new(store.clone(), fanout, eta).into_service());
    let dependencies = Dependencies {
        store: Some(store.clone()),
        queue: Some(queue),
    };
    let routes = specdoc_tracker::monitor::router(monitor);
    specdoc_runtime::serve(conns, host, dependencies, routes, stop).await?;
    store.close().await;
    Ok(())
}
