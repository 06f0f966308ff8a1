//! WatchJob fan-out benchmark driver; `benches/watch/run.sh` starts the services and runs it.
//!
//! `bench_watch llm` serves a model that answers after a fixed delay (`specdoc_testkit::llm`); the worker
//! points `GENAI_BASE_URL` at it, so a job lasts about that delay and the worker's slots set a
//! steady pace of jobs that does not depend on the watcher count.
//!
//! `bench_watch run` then, for each watcher count N, keeps N WatchJob streams open on one
//! tracker, spread round-robin over `--connections` HTTP/2 connections, while jobs run. K jobs
//! are kept in flight, each watched by about N/K streams from its submission to its terminal
//! event; when a job ends, its slot submits the next one and opens new streams. K exceeds the
//! worker's slots, so a new job waits in the queue while its watchers open, and they see its
//! worker events live. Per N it prints:
//! - the latency of live events: receipt time minus the event's `time`, which the worker stamps
//!   when it records the event (same machine, same clock; millisecond resolution, so figures
//!   read up to 1 ms high). Events stamped before their stream opened (history replayed from
//!   the database) are not counted;
//! - the tracker's memory per watcher: its VmRSS with N streams open (median over the window)
//!   minus its VmRSS before the round, over the streams open on average (a little under N, as
//!   the streams of a finished job are replaced);
//! - the tracker's TCP connections to Redis before the round and at most during it.
//!
//! Every stream also checks what a user relies on: seqs 1, 2, 3, … with no gap and no
//! duplicate, ending with the terminal event. A broken stream fails the run.

mod procfs;

use clap::Parser;
use futures::StreamExt;
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::scheduler::v1::{CancelJobRequest, SubmitJobRequest};
use specdoc_proto::tracker::v1::WatchJobRequest;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_testkit::llm::{Behaviour, FakeLlm};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tonic::transport::Channel;

#[derive(Debug, Parser)]
enum Command {
    /// Serve the slow model.
    Llm {
        /// Address to listen on.
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// Milliseconds before each answer.
        #[arg(long, default_value_t = 500)]
        delay_ms: u64,
    },
    /// Run the rounds.
    Run(Args),
}

/// Drives WatchJob streams against a running scheduler, worker and tracker.
#[derive(Debug, Parser)]
struct Args {
    /// The scheduler's gRPC URL.
    #[arg(long)]
    scheduler: String,
    /// The tracker's gRPC URL.
    #[arg(long)]
    tracker: String,
    /// The tracker's process id, to read its memory, CPU and sockets from /proc.
    #[arg(long)]
    tracker_pid: u32,
    /// HTTP/2 connections to the tracker; streams are spread over them round-robin.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Streams per job; the jobs kept in flight are N divided by this.
    #[arg(long, default_value_t = 10)]
    watchers_per_job: usize,
    /// The fewest jobs kept in flight: well above the worker's slots, so some always wait.
    #[arg(long, default_value_t = 30)]
    min_jobs: usize,
    /// Seconds each round measures, after every stream opened once and a settling pause.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of an unreported first round of 100 watchers, so that one-time costs (the
    /// HTTP/2 connections' buffers, the database pool, caches) are not charged to the first
    /// reported round's watchers; 0 skips it.
    #[arg(long, default_value_t = 3)]
    warm_up: u64,
    /// Watcher counts; one round each.
    #[arg(required = true)]
    watchers: Vec<usize>,
}

/// What one round's tasks share.
#[derive(Default)]
struct Round {
    /// Latencies are recorded only while set: not while the first streams open.
    recording: AtomicBool,
    /// Set when the window is over: slots cancel their job and submit no other.
    stopping: tokio::sync::Notify,
    stopped: AtomicBool,
    open: AtomicUsize,
    opened: AtomicUsize,
    next_channel: AtomicUsize,
    /// Live-event latencies, in microseconds.
    latencies: Mutex<Vec<u32>>,
    replayed: AtomicU64,
    jobs_finished: AtomicU64,
    broken: AtomicU64,
}

/// One round's figures.
struct Figures {
    watchers: usize,
    jobs_in_flight: usize,
    latencies: Vec<u32>,
    mean_open: f64,
    rss_before: u64,
    rss_with: u64,
    redis: (usize, usize),
    jobs_per_second: f64,
    /// The tracker's CPU use over the window, in percent of one core.
    tracker_cpu: f64,
    load: f64,
}

impl Figures {
    fn ms(&self, quantile: f64) -> f64 {
        let at = (self.latencies.len() as f64 * quantile) as usize;
        let at = at.min(self.latencies.len().saturating_sub(1));
        self.latencies
            .get(at)
            .map_or(f64::NAN, |&micros| f64::from(micros) / 1000.0)
    }

    fn kib_per_watcher(&self) -> f64 {
        (self.rss_with as f64 - self.rss_before as f64) / self.mean_open.max(1.0)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = match Command::parse() {
        Command::Llm { listen, delay_ms } => {
            let slow = Behaviour::Slow(Duration::from_millis(delay_ms));
            return Ok(FakeLlm::serve(listen, slow).await?);
        }
        Command::Run(args) => args,
    };
    let scheduler = tonic::transport::Endpoint::from_shared(args.scheduler.clone())?
        .connect()
        .await?;
    let mut channels = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        // Each `connect` opens an HTTP/2 connection of its own.
        let endpoint = tonic::transport::Endpoint::from_shared(args.tracker.clone())?;
        channels.push(endpoint.tcp_nodelay(true).connect().await?);
    }
    let bench = Bench {
        scheduler: SchedulerServiceClient::new(specdoc_testkit::authed_from_env(scheduler)),
        channels: Arc::new(channels),
        team: format!("bench-watch-{}", std::process::id()),
        submitted: Arc::new(AtomicU64::new(0)),
    };
    if args.warm_up > 0 {
        let (_, round) = bench.round(&args, 100, args.warm_up).await?;
        anyhow::ensure!(
            round.broken.load(Relaxed) == 0,
            "streams broke while warming up"
        );
    }
    let mut table = Vec::new();
    let mut broken = 0;
    for &n in &args.watchers {
        let (f, round) = bench.round(&args, n, args.seconds).await?;
        println!(
            "watch N={n} connections={}: latency p50 {:.1} ms p99 {:.1} ms max {:.1} ms (events {}); \
             tracker memory {:.1} KiB/watcher ({} → {} MiB); redis connections {}→{}; \
             {:.0} streams open on average, {} jobs in flight, {:.1} jobs/s; tracker CPU {:.0}%, \
             load {:.1}; replayed {}, broken streams {}",
            args.connections,
            f.ms(0.50),
            f.ms(0.99),
            f.ms(1.0),
            f.latencies.len(),
            f.kib_per_watcher(),
            f.rss_before / 1024,
            f.rss_with / 1024,
            f.redis.0,
            f.redis.1,
            f.mean_open,
            f.jobs_in_flight,
            f.jobs_per_second,
            f.tracker_cpu,
            f.load,
            round.replayed.load(Relaxed),
            round.broken.load(Relaxed),
        );
        broken += round.broken.load(Relaxed);
        table.push(f);
    }
    println!();
    println!(
        "| watchers | jobs in flight | jobs/s | events | p50 ms | p99 ms | max ms | KiB/watcher | Redis conns | tracker CPU | load |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in &table {
        println!(
            "| {} | {} | {:.1} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} → {} | {:.0}% | {:.1} |",
            f.watchers,
            f.jobs_in_flight,
            f.jobs_per_second,
            f.latencies.len(),
            f.ms(0.50),
            f.ms(0.99),
            f.ms(1.0),
            f.kib_per_watcher(),
            f.redis.0,
            f.redis.1,
            f.tracker_cpu,
            f.load
        );
    }
    anyhow::ensure!(broken == 0, "{broken} streams broke");
    Ok(())
}

struct Bench {
    scheduler: SchedulerServiceClient<specdoc_testkit::Authed>,
    channels: Arc<Vec<Channel>>,
    team: String,
    /// Jobs submitted so far, to give each spec a path of its own (the worker caches the
    /// model's answers by prompt).
    submitted: Arc<AtomicU64>,
}

impl Bench {
    async fn round(
        &self,
        args: &Args,
        n: usize,
        seconds: u64,
    ) -> anyhow::Result<(Figures, Arc<Round>)> {
        let pid = args.tracker_pid;
        let jobs = (n / args.watchers_per_job.max(1)).max(args.min_jobs).min(n);
        let round = Arc::new(Round::default());
        let rss_before = procfs::rss_kib(pid)?;
        let redis_before = procfs::redis_connections(pid)?;

        let mut slots = Vec::with_capacity(jobs);
        for slot in 0..jobs {
            let watchers = n / jobs + usize::from(slot < n % jobs);
            slots.push(tokio::spawn(self.slot(round.clone(), watchers)));
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        while round.opened.load(Relaxed) < n {
            anyhow::ensure!(
                Instant::now() < deadline,
                "only {} of {n} streams opened",
                round.opened.load(Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;

        round.recording.store(true, Relaxed);
        let jobs_at_start = round.jobs_finished.load(Relaxed);
        let cpu_at_start = procfs::cpu_ticks(pid)?;
        let started = Instant::now();
        let (mut open, mut rss, mut redis_with) = (Vec::new(), Vec::new(), redis_before);
        while started.elapsed() < Duration::from_secs(seconds) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            open.push(round.open.load(Relaxed));
            rss.push(procfs::rss_kib(pid)?);
            redis_with = redis_with.max(procfs::redis_connections(pid)?);
        }
        round.recording.store(false, Relaxed);
        let window = started.elapsed().as_secs_f64();
        let cpu = (procfs::cpu_ticks(pid)? - cpu_at_start) as f64 / procfs::TICKS_PER_SECOND;
        let jobs_done = round.jobs_finished.load(Relaxed) - jobs_at_start;
        let load = procfs::load_average()?;

        round.stopped.store(true, Relaxed);
        round.stopping.notify_waiters();
        for slot in slots {
            slot.await??;
        }
        let mut latencies = std::mem::take(&mut *lock(&round.latencies));
        latencies.sort_unstable();
        rss.sort_unstable();
        let figures = Figures {
            watchers: n,
            jobs_in_flight: jobs,
            latencies,
            mean_open: open.iter().sum::<usize>() as f64 / open.len().max(1) as f64,
            rss_before,
            rss_with: rss.get(rss.len() / 2).copied().unwrap_or(rss_before),
            redis: (redis_before, redis_with),
            jobs_per_second: jobs_done as f64 / window,
            tracker_cpu: 100.0 * cpu / window,
            load,
        };
        // Let the tracker let go of the round's streams before the next baseline.
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok((figures, round))
    }

    /// One job slot: submit a job and watch it with `watchers` streams to its end, again and
    /// again; once the round stops, cancel the job in hand and end with its streams.
    fn slot(
        &self,
        round: Arc<Round>,
        watchers: usize,
    ) -> impl Future<Output = anyhow::Result<()>> + use<> {
        let mut scheduler = self.scheduler.clone();
        let (channels, team) = (self.channels.clone(), self.team.clone());
        let submitted = self.submitted.clone();
        async move {
            loop {
                // Registered before the flag is read, so a stop in between is not missed.
                let stopping = round.stopping.notified();
                if round.stopped.load(Relaxed) {
                    return Ok(());
                }
                let path = submitted.fetch_add(1, Relaxed);
                let job_id = scheduler
                    .submit_job(SubmitJobRequest {
                        team_id: team.clone(),
                        service_name: "watched".into(),
                        job_type: job_pb::JobType::Documentation as i32,
                        spec: spec(path),
                        output_formats: vec![job_pb::OutputFormat::Markdown as i32],
                        ..Default::default()
                    })
                    .await?
                    .into_inner()
                    .job_id;
                // A task per stream, as if each were a client of its own.
                let streams: Vec<_> = (0..watchers)
                    .map(|_| {
                        let at = round.next_channel.fetch_add(1, Relaxed) % channels.len();
                        tokio::spawn(watch(round.clone(), channels[at].clone(), job_id.clone()))
                    })
                    .collect();
                let all_ended = futures::future::join_all(streams);
                tokio::pin!(all_ended);
                tokio::select! {
                    _ = &mut all_ended => {}
                    () = stopping => {
                        // The job may have just finished: a refusal is fine.
                        let cancel = CancelJobRequest { job_id, reason: "benchmark over".into() };
                        let _ = scheduler.cancel_job(cancel).await;
                        all_ended.await;
                        return Ok(());
                    }
                }
                round.jobs_finished.fetch_add(1, Relaxed);
            }
        }
    }
}

/// A small spec with nothing written about it, at a path of its own.
fn spec(path: u64) -> Vec<u8> {
    format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"watched","version":"1"}},"paths":{{"/jobs/{path}":{{"get":{{"responses":{{"200":{{"description":"ok"}}}}}}}}}}}}"#
    )
    .into_bytes()
}

/// Watches one job to its terminal event, recording the latency of each live event.
async fn watch(round: Arc<Round>, channel: Channel, job_id: String) {
    let request = WatchJobRequest {
        job_id,
        after_seq: 0,
    };
    let mut stream = match TrackerServiceClient::new(specdoc_testkit::authed_from_env(channel))
        .watch_job(request)
        .await
    {
        Ok(response) => response.into_inner(),
        Err(status) => {
            eprintln!("watch_job failed: {status}");
            round.broken.fetch_add(1, Relaxed);
            return;
        }
    };
    // The tracker subscribes to live events before it answers, so an event stamped later than
    // this reached the stream live.
    let opened_ms = unix_micros() / 1000;
    round.open.fetch_add(1, Relaxed);
    round.opened.fetch_add(1, Relaxed);
    let (mut last_seq, mut terminal, mut intact) = (0, false, true);
    let mut latencies = Vec::new();
    while let Some(item) = stream.next().await {
        let received = unix_micros();
        let event = match item {
            Ok(response) => response.event.unwrap_or_default(),
            Err(status) => {
                eprintln!("watch stream failed: {status}");
                intact = false;
                break;
            }
        };
        intact &= !terminal && event.seq == last_seq + 1;
        last_seq = event.seq;
        terminal = matches!(
            job_pb::JobState::try_from(event.state),
            Ok(job_pb::JobState::Completed
                | job_pb::JobState::Failed
                | job_pb::JobState::Cancelled)
        );
        let stamped_ms = event
            .time
            .map_or(0, |t| t.seconds * 1000 + i64::from(t.nanos) / 1_000_000);
        if stamped_ms <= opened_ms {
            round.replayed.fetch_add(1, Relaxed);
        } else if round.recording.load(Relaxed) {
            let latency = received - stamped_ms * 1000;
            latencies.push(u32::try_from(latency.max(0)).unwrap_or(u32::MAX));
        }
    }
    round.open.fetch_sub(1, Relaxed);
    if !(intact && terminal) {
        round.broken.fetch_add(1, Relaxed);
    }
    lock(&round.latencies).extend(latencies);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unix_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
