//! Observability, end to end over real processes: one OTLP trace per job across the scheduler
//! and the worker, LLM calls included (received by a real OTLP gRPC collector started here, with
//! a real chat-completions server as the LLM), Prometheus metrics
//! scraped after known activity, and JSON logs that carry the job's trace id.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Deployment, events_until_end, job, submit_request};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_testkit::llm::{Behaviour, FakeLlm};
use specdoc_testkit::{TempDir, binary, example, free_port};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_stream::wrappers::TcpListenerStream;

/// The caller's trace: the job must join it.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A span as the collector received it: (service.name, span name, trace id in hex).
type ReceivedSpan = (String, String, String);

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<ReceivedSpan>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut received = self.0.lock().unwrap();
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref()?.value.as_ref())
                .map(|v| match v {
                    Value::StringValue(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    let trace: String = span.trace_id.iter().map(|b| format!("{b:02x}")).collect();
                    received.push((service.clone(), span.name, trace));
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

async fn start_collector() -> (String, Collector) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let collector = Collector::default();
    let service = TraceServiceServer::new(collector.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    (address, collector)
}

async fn scrape(port: u16) -> prometheus_parse::Scrape {
    let body = scrape_text(port).await;
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

async fn scrape_text(port: u16) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// The value of `name` whose labels include every pair of `labels`.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("{name} is not a scalar: {other:?}"),
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_is_one_trace_its_metrics_count_and_its_logs_carry_the_trace_id() {
    let (collector_url, collector) = start_collector().await;
    let llm = FakeLlm::start(Behaviour::Write).await;
    let deployment = Deployment::new().await;
    let logs = TempDir::new();
    let worker_log = logs.path().join("worker.log");
    let (scheduler_http, worker_http) = (free_port(), free_port());
    let otel = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector_url.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let scheduler_http_listen = format!("127.0.0.1:{scheduler_http}");
    let mut scheduler_env = otel.to_vec();
    scheduler_env.push(("HTTP_LISTEN", &scheduler_http_listen));
    let (_scheduler, scheduler_channel) = deployment
        .spawn_serving("specdoc-scheduler", &scheduler_env)
        .await;
    let worker_http_listen = format!("127.0.0.1:{worker_http}");
    let mut worker_env = otel.to_vec();
    worker_env.extend([
        ("HTTP_LISTEN", worker_http_listen.as_str()),
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
        ("GENAI_BASE_URL", llm.url.as_str()),
    ]);
    let log_path = worker_log.clone();
    let (_worker, _) = deployment
        .spawn_serving_with("specdoc-worker", &worker_env, move |command| {
            command.stderr(std::fs::File::create(&log_path).unwrap());
        })
        .await;
    let (_tracker, tracker_channel, tracker_port) = deployment
        .spawn_serving_on_port("specdoc-tracker", &[], |_| {})
        .await;
    let mut scheduler = SchedulerServiceClient::new(specdoc_testkit::admin(scheduler_channel));
    let mut tracker = TrackerServiceClient::new(specdoc_testkit::admin(tracker_channel));

    // One job submitted inside the caller's trace, and one rejected request.
    let mut request = tonic::Request::new(submit_request(
        "observed",
        example("petstore.yaml"),
        job_pb::JobType::Documentation,
    ));
    request
        .metadata_mut()
        .insert("traceparent", TRACEPARENT.parse().unwrap());
    let job_id = scheduler
        .submit_job(request)
        .await
        .unwrap()
        .into_inner()
        .job_id;
    let rejected = scheduler
        .submit_job(submit_request(
            "observed",
            b"{".to_vec(),
            job_pb::JobType::Documentation,
        ))
        .await
        .unwrap_err();
    assert_eq!(rejected.code(), tonic::Code::InvalidArgument);
    let events = events_until_end(&mut tracker, &job_id, 0, Duration::from_secs(60)).await;
    assert_eq!(
        events.last().unwrap().state,
        job_pb::JobState::Completed as i32
    );

    // The job record and `specdoc status` name the caller's trace.
    assert_eq!(job(&mut tracker, &job_id).await.trace_id, TRACE_ID);
    let status = std::process::Command::new(binary("specdoc"))
        .args(["status", &job_id])
        .env("SPECDOC_TOKEN", specdoc_testkit::ADMIN_TOKEN)
        .env(
            "SPECDOC_TRACKER_URL",
            format!("http://127.0.0.1:{tracker_port}"),
        )
        .output()
        .unwrap();
    let status_text = String::from_utf8_lossy(&status.stdout);
    assert!(
        status_text.contains(&format!("trace      {TRACE_ID}")),
        "{status_text}"
    );

    // The collector receives the submission, the queue wait, the run and every step, all in
    // the caller's trace, from both services.
    let wanted: BTreeSet<(&str, &str)> = [
        (
            "specdoc-scheduler",
            "specdoc.scheduler.v1.SchedulerService/SubmitJob",
        ),
        ("specdoc-worker", "queue wait"),
        ("specdoc-worker", "run job"),
        ("specdoc-worker", "parse"),
        ("specdoc-worker", "generate"),
        ("specdoc-worker", "chat.completions"),
        ("specdoc-worker", "format"),
        ("specdoc-worker", "score"),
        ("specdoc-worker", "store"),
    ]
    .into();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let in_trace: BTreeSet<(String, String)> = collector
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, trace)| trace == TRACE_ID)
            .map(|(service, name, _)| (service.clone(), name.clone()))
            .collect();
        let missing: Vec<_> = wanted
            .iter()
            .filter(|(s, n)| !in_trace.contains(&(s.to_string(), n.to_string())))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "spans missing from trace {TRACE_ID}: {missing:?}; received {in_trace:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Metrics after exactly one accepted and one rejected submission, and one completed job.
    let scheduler_metrics = scrape(scheduler_http).await;
    let team = ("team", "observed");
    let docs = ("job_type", "documentation");
    assert_eq!(
        value(
            &scheduler_metrics,
            "specdoc_jobs_submitted_total",
            &[docs, team]
        ),
        Some(1.0)
    );
    let submit = [
        ("service", "specdoc.scheduler.v1.SchedulerService"),
        ("method", "SubmitJob"),
    ];
    let ok = [submit[0], submit[1], ("code", "OK")];
    let invalid = [submit[0], submit[1], ("code", "INVALID_ARGUMENT")];
    assert_eq!(
        value(
            &scheduler_metrics,
            "specdoc_grpc_server_requests_total",
            &ok
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &scheduler_metrics,
            "specdoc_grpc_server_requests_total",
            &invalid
        ),
        Some(1.0)
    );
    let worker_metrics = scrape(worker_http).await;
    let completed = [docs, team, ("state", "completed")];
    assert_eq!(
        value(&worker_metrics, "specdoc_jobs_finished_total", &completed),
        Some(1.0)
    );
    assert_eq!(
        value(&worker_metrics, "specdoc_jobs_degraded_total", &[docs]),
        Some(0.0)
    );
    let llm_calls = llm.hits() as f64;
    assert!(llm_calls >= 1.0);
    assert_eq!(
        value(
            &worker_metrics,
            "specdoc_llm_requests_total",
            &[("outcome", "ok")]
        ),
        Some(llm_calls)
    );
    assert_eq!(
        value(
            &worker_metrics,
            "specdoc_llm_request_duration_seconds_count",
            &[]
        ),
        Some(llm_calls)
    );
    for step in ["parse", "generate", "format", "score"] {
        assert_eq!(
            value(
                &worker_metrics,
                "specdoc_step_duration_seconds_count",
                &[("step", step)]
            ),
            Some(1.0),
            "step {step}"
        );
    }
    // The gauges are refreshed every few seconds; the queue is empty now.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let scraped = scrape(scheduler_http).await;
        let depth = value(&scraped, "specdoc_queue_depth", &[("priority", "normal")]);
        if depth == Some(0.0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "queue depth gauge: {depth:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Every metric the shipped Grafana dashboard charts is one the services export.
    let exported = scrape_text(scheduler_http).await + &scrape_text(worker_http).await;
    let dashboard =
        std::fs::read_to_string(specdoc_testkit::repo_root().join("deploy/grafana-dashboard.json"))
            .unwrap();
    let charted: BTreeSet<&str> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("specdoc_"))
        .map(|name| {
            ["_bucket", "_total", "_count", "_sum"]
                .iter()
                .fold(name, |n, suffix| n.strip_suffix(suffix).unwrap_or(n))
        })
        .collect();
    assert!(charted.len() >= 10, "{charted:?}");
    for family in charted {
        assert!(
            exported.contains(&format!("# TYPE {family} ")),
            "the dashboard charts {family}, which no service exports"
        );
    }

    // Every worker log line is JSON, and the job's lines carry its trace id.
    let log = std::fs::read_to_string(&worker_log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let started = lines
        .iter()
        .find(|l| l["message"] == "job started" && l["job_id"] == job_id.as_str())
        .unwrap_or_else(|| panic!("no 'job started' line in {log}"));
    assert_eq!(started["trace_id"], TRACE_ID, "{started}");
    assert_eq!(
        started["span_id"].as_str().map(str::len),
        Some(16),
        "{started}"
    );
    assert!(!log.contains("openapi:"), "a spec body reached the log");
}
