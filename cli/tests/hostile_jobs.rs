//! Hostile and malformed specs through the real system: a scheduler, a worker and a tracker
//! as separate processes on real Redis and Postgres, with small limits set through the
//! environment. Every spec of the corpus must either be refused at submission with
//! INVALID_ARGUMENT and a `google.rpc.BadRequest` violation naming the field, or be accepted and
//! end — within a bounded time — COMPLETED with inert documents or FAILED with a readable error.
//! No accepted job may be lost, the worker must still serve afterwards, and a canary listener
//! that every outward reference points at must see no connection at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Deployment, events_until_end, job, submit_request};
use specdoc_proto::job::v1::{JobState, JobType, OutputFormat};
use specdoc_proto::scheduler::v1::SubmitJobRequest;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_proto::tracker::v1::GetJobResultRequest;
use specdoc_proto::tracker::v1::tracker_service_client::TrackerServiceClient;
use specdoc_testkit::hostile::{
    billion_laughs, json_nesting_bomb, outward_refs_spec, xss_probe, xss_spec, yaml_nesting_bomb,
};
use specdoc_testkit::page::unsafe_html;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tonic::Code;
use tonic_types::StatusExt;

/// The limits the services run with: small, so the oversized cases stay cheap.
const MAX_SPEC_BYTES: usize = 1024 * 1024;
const MAX_OPERATIONS: usize = 200;
const MAX_SPEC_DEPTH: usize = 64;
const MAX_YAML_ALIASES: usize = 500;
const MAX_SPEC_NODES: usize = 200_000;

/// How long any one accepted job may take, from submission to its terminal event.
const JOB_LIMIT: Duration = Duration::from_secs(60);

/// The most memory the worker may have used by the end of the corpus.
const WORKER_MAX_RSS_KIB: u64 = 1024 * 1024;

#[derive(Debug)]
enum Expect {
    /// INVALID_ARGUMENT, with a BadRequest violation on `field` whose reason contains `says`.
    Refused {
        field: &'static str,
        says: &'static str,
    },
    /// Accepted, and COMPLETED with inert documents.
    Completes,
    /// Either refused on `spec` with a reason, or accepted and ended COMPLETED with inert
    /// documents or FAILED with an error (inputs whose reading is a matter of taste: YAML
    /// duplicate keys, wrong types).
    Handled,
}

struct Case {
    name: &'static str,
    request: SubmitJobRequest,
    expect: Expect,
}

fn case(name: &'static str, spec: impl Into<Vec<u8>>, expect: Expect) -> Case {
    let mut request = submit_request("hostile", spec.into(), JobType::Documentation);
    request.output_formats = vec![OutputFormat::Markdown as i32, OutputFormat::Html as i32];
    Case {
        name,
        request,
        expect,
    }
}

fn refused(field: &'static str, says: &'static str) -> Expect {
    Expect::Refused { field, says }
}

/// A valid 3.0 spec around `paths` and `extra` top-level YAML.
fn valid(paths: &str, extra: &str) -> String {
    format!("openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths: {paths}\n{extra}")
}

fn petstore() -> Vec<u8> {
    specdoc_testkit::example("petstore.yaml")
}

/// The corpus; `canary` is the base URL of a listener that must never be called.
fn corpus(canary: &str) -> Vec<Case> {
    use Expect::{Completes, Handled};
    let pet_json = {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&petstore()).unwrap();
        serde_json::to_vec(&yaml).unwrap()
    };
    let huge = "A".repeat(600 * 1024);
    let mut cases = vec![
        // Script injection: a probe in every field the renderer shows (3.1, JSON) ...
        case("xss in every field (3.1)", xss_spec(), Completes),
        // ... and in a 3.0 YAML and a Swagger 2.0 spec.
        case(
            "xss in 3.0 yaml",
            format!(
                "openapi: 3.0.3\ninfo: {{title: {p1:?}, version: {p2:?}, description: {p3:?}}}\n\
                 tags: [{{name: {p4:?}, description: {p5:?}}}]\n\
                 paths:\n  /a:\n    get:\n      summary: {p6:?}\n      responses:\n        '200': {{description: {p7:?}}}\n",
                p1 = xss_probe(1),
                p2 = xss_probe(2),
                p3 = xss_probe(3),
                p4 = xss_probe(4),
                p5 = xss_probe(5),
                p6 = xss_probe(6),
                p7 = xss_probe(7)
            ),
            Completes,
        ),
        case(
            "xss in swagger 2.0",
            serde_json::json!({
                "swagger": "2.0",
                "info": {"title": xss_probe(1), "version": "1", "description": xss_probe(2)},
                "host": "x.dev", "basePath": "/<script>alert(3)</script>",
                "paths": {"/p": {"get": {"summary": xss_probe(4), "parameters": [
                    {"name": xss_probe(5), "in": "query", "type": "string", "description": xss_probe(6)}],
                    "responses": {"200": {"description": xss_probe(7), "schema": {"$ref": "#/definitions/D"}}}}}},
                "definitions": {"D": {"type": "object", "description": xss_probe(8),
                    "properties": {"x": {"type": "string", "example": "</script><script>alert(9)</script>"}}}}
            })
            .to_string(),
            Completes,
        ),
        case(
            "javascript and data links in markdown",
            valid(
                "{}",
                "externalDocs: {url: 'javascript:alert(1)', description: '[x](javascript:alert(2)) [y](JaVaScRiPt:alert(3)) [z](data:text/html;base64,PHNjcmlwdD4=) <a href=\"jav&#x09;ascript:alert(4)\">w</a>'}\n",
            ),
            Completes,
        ),
        case(
            "tag breakers in path keys",
            valid(
                "{'/a\"><iframe src=//x>/{id}': {get: {operationId: '\"><svg onload=alert(1)>', responses: {'200': {description: ok}}}}}",
                "",
            ),
            Completes,
        ),
        // Outward references: none may be fetched, all are shown as unresolved.
        case(
            "outward refs to the canary",
            outward_refs_spec(canary),
            Completes,
        ),
        case(
            "swagger 2.0 remote definition",
            format!(
                "{{\"swagger\":\"2.0\",\"info\":{{\"title\":\"t\",\"version\":\"1\"}},\"paths\":{{\"/p\":{{\"get\":{{\"responses\":{{\"200\":{{\"description\":\"ok\",\"schema\":{{\"$ref\":\"{canary}/defs.json#/Pet\"}}}}}}}}}}}}}}"
            ),
            Completes,
        ),
        case(
            "3.1 $id and $schema pointing out",
            format!(
                "{{\"openapi\":\"3.1.0\",\"info\":{{\"title\":\"t\",\"version\":\"1\"}},\"jsonSchemaDialect\":\"{canary}/dialect\",\"paths\":{{}},\"components\":{{\"schemas\":{{\"A\":{{\"$id\":\"{canary}/a\",\"$schema\":\"{canary}/s\",\"$ref\":\"{canary}/b.json\"}}}}}}}}"
            ),
            Completes,
        ),
        case(
            "network-path and file refs",
            valid(
                &format!(
                    "{{/p: {{get: {{parameters: [{{$ref: '//{host}/p.yaml'}}, {{$ref: 'file:///etc/passwd'}}, {{$ref: '../../../../etc/shadow'}}], responses: {{'200': {{description: ok}}}}}}}}}}",
                    host = canary.trim_start_matches("http://")
                ),
                "",
            ),
            Completes,
        ),
        // Alias bombs.
        case(
            "billion laughs",
            billion_laughs(),
            refused("spec", "alias"),
        ),
        case(
            "20,000 aliases",
            format!(
                "openapi: 3.0.0\nbase: &x [1]\nlist: [{}]\n",
                vec!["*x"; 20_000].join(",")
            ),
            refused("spec", "alias"),
        ),
        case(
            "aliases expanding past the node budget",
            format!(
                "openapi: 3.0.0\nbase: &x [{}]\nlist: [{}]\n",
                vec!["1"; 5_000].join(","),
                vec!["*x"; 9_000].join(",")
            ),
            refused("spec", ""),
        ),
        // Deep nesting, 100,000 levels in every syntax.
        case(
            "json arrays 100,000 deep",
            json_nesting_bomb(100_000),
            refused("spec", ""),
        ),
        case(
            "json objects 100,000 deep",
            format!(
                "{{\"openapi\":\"3.0.0\",\"x\":{}1{}}}",
                "{\"a\":".repeat(100_000),
                "}".repeat(100_000)
            ),
            refused("spec", ""),
        ),
        case(
            "yaml flow maps 100,000 deep",
            yaml_nesting_bomb(100_000),
            refused("spec", ""),
        ),
        case(
            "yaml sequences 100,000 deep",
            format!("openapi: 3.0.0\nx: {}1\n", "- ".repeat(100_000)),
            refused("spec", ""),
        ),
        case(
            "schema properties 200 deep",
            valid(
                "{}",
                &format!(
                    "components: {{schemas: {{A: {}{{type: string}}{}}}}}\n",
                    "{type: object, properties: {a: ".repeat(200),
                    "}}".repeat(200)
                ),
            ),
            refused("spec", "deeper than"),
        ),
        // Huge strings, under the byte limit.
        case(
            "600 KiB description",
            valid("{}", &format!("x-note: 1\ntags: [{{name: t, description: {huge}}}]\n")),
            Completes,
        ),
        case(
            "600 KiB title",
            format!("openapi: 3.0.3\ninfo: {{title: {huge}, version: '1'}}\npaths: {{}}\n"),
            Completes,
        ),
        case(
            "100,000 escaped control characters",
            format!(
                "{{\"openapi\":\"3.0.3\",\"info\":{{\"title\":\"t\",\"version\":\"1\",\"description\":\"{}\"}},\"paths\":{{}}}}",
                "\\u0000\\u001b\\u202e".repeat(33_000)
            ),
            Completes,
        ),
        // Invalid UTF-8.
        case(
            "invalid utf-8 in a value",
            b"openapi: 3.0.3\ninfo: {title: \"\xff\xfe\", version: '1'}\npaths: {}\n".to_vec(),
            refused("spec", "UTF-8"),
        ),
        case(
            "utf-16 with a byte-order mark",
            utf16le_with_bom(&valid("{}", "")),
            refused("spec", ""),
        ),
        case(
            "an encoded surrogate",
            b"openapi: 3.0.3\ninfo: {title: \"\xed\xa0\x80\", version: '1'}\npaths: {}\n".to_vec(),
            refused("spec", "UTF-8"),
        ),
        case(
            "truncated in a multi-byte character",
            b"openapi: 3.0.3\ninfo: {title: \"caf\xc3".to_vec(),
            refused("spec", ""),
        ),
        // Byte-order marks.
        case("utf-8 bom before yaml", bom(&petstore()), Completes),
        case("utf-8 bom before json", bom(&pet_json), Completes),
        case("a bom alone", b"\xEF\xBB\xBF".to_vec(), refused("spec", "empty")),
        case("two boms", bom(&bom(&petstore())), Handled),
        // Duplicate keys.
        case(
            "duplicate yaml keys",
            "openapi: 3.0.3\nopenapi: 2.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
            Handled,
        ),
        case(
            "duplicate json keys",
            "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"a\",\"title\":\"<script>alert(1)</script>\",\"version\":\"1\"},\"paths\":{\"/a\":{},\"/a\":{\"get\":{\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}",
            Handled,
        ),
        case(
            "duplicate operation ids",
            valid(
                "{/a: {get: {operationId: x, responses: {'200': {description: ok}}}}, /b: {get: {operationId: x, responses: {'200': {description: ok}}}}}",
                "",
            ),
            Completes,
        ),
        // Wrong types.
        case(
            "version as a number",
            "openapi: 3\ninfo: {title: T, version: '1'}\npaths: {}\n",
            refused("spec", "version"),
        ),
        case(
            "version as a list",
            "openapi: [3.0.3]\ninfo: {title: T, version: '1'}\npaths: {}\n",
            refused("spec", "version"),
        ),
        case("paths as a string", valid("'not paths'", ""), Handled),
        case(
            "info as a list, responses as a number",
            "openapi: 3.0.3\ninfo: [1, 2, 3]\npaths: {/a: {get: {responses: 42, parameters: {}}}}\n",
            Handled,
        ),
        case(
            "schemas of the wrong shapes",
            valid(
                "{}",
                "components: {schemas: {A: true, B: {type: 42, required: yes, enum: {}, properties: [1]}, C: [], D: null}}\n",
            ),
            Handled,
        ),
        // Truncated files.
        case(
            "truncated json",
            pet_json[..pet_json.len() / 2].to_vec(),
            refused("spec", "not valid JSON or YAML"),
        ),
        case(
            "truncated yaml",
            petstore()[..petstore().len() / 2].to_vec(),
            Handled,
        ),
        case(
            "truncated inside a quoted string",
            "openapi: 3.0.3\ninfo: {title: \"unterminated",
            refused("spec", "not valid JSON or YAML"),
        ),
        // Documents that are not specs.
        case(
            "an html page",
            "<!doctype html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>",
            refused("spec", ""),
        ),
        case(
            "a png header",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89".to_vec(),
            refused("spec", ""),
        ),
        case("empty", Vec::new(), refused("spec", "required")),
        case("whitespace only", " \n\t\n", refused("spec", "empty")),
        case(
            "a json array",
            "[{\"openapi\": \"3.0.3\"}]",
            refused("spec", "not a mapping"),
        ),
        case(
            "plain text",
            "This is not a spec, just a sentence.",
            refused("spec", ""),
        ),
        case("json null", "null", refused("spec", "")),
        case(
            "a json schema",
            "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\"}",
            refused("spec", "no supported version"),
        ),
        case(
            "openapi 4",
            "openapi: 4.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
            refused("spec", "unsupported version"),
        ),
        // Limits set through the environment.
        case(
            "too many operations",
            specdoc_testkit::synthetic_spec(MAX_OPERATIONS + 1),
            refused("spec", "operations"),
        ),
        case(
            "over MAX_SPEC_DEPTH",
            valid(
                "{}",
                &format!(
                    "x-deep: {}1{}\n",
                    "[".repeat(MAX_SPEC_DEPTH + 6),
                    "]".repeat(MAX_SPEC_DEPTH + 6)
                ),
            ),
            refused("spec", "deeper than 64 levels"),
        ),
        case(
            "over MAX_YAML_ALIASES",
            valid(
                "{}",
                &format!(
                    "x-base: &x 1\nx-uses: [{}]\n",
                    vec!["*x"; MAX_YAML_ALIASES + 100].join(",")
                ),
            ),
            refused("spec", "limit of 500 aliases"),
        ),
        case(
            "over MAX_SPEC_NODES",
            format!(
                "{{\"openapi\":\"3.0.3\",\"info\":{{\"title\":\"t\",\"version\":\"1\"}},\"paths\":{{}},\"x-many\":[{}]}}",
                vec!["0"; MAX_SPEC_NODES + 50_000].join(",")
            ),
            refused("spec", "more than 200000 nodes"),
        ),
        case(
            "over MAX_SPEC_BYTES",
            valid("{}", &format!("x-pad: {}\n", "B".repeat(MAX_SPEC_BYTES))),
            refused("spec", "over the limit"),
        ),
    ];
    // Request fields.
    for (name, team, service, field) in [
        ("team id with a path", "../etc", "svc", "team_id"),
        ("team id too long", &*"t".repeat(65), "svc", "team_id"),
        ("empty team id", "", "svc", "team_id"),
        ("team id with a newline", "team\nx", "svc", "team_id"),
        (
            "service name with markup",
            "team",
            "<script>",
            "service_name",
        ),
        ("non-ascii service name", "team", "sérvice", "service_name"),
        (
            "service name too long",
            "team",
            &*"s".repeat(129),
            "service_name",
        ),
    ] {
        let mut c = case(name, petstore(), refused(field, "must be"));
        if team.is_empty() {
            c.expect = refused(field, "required");
        }
        c.request.team_id = team.to_owned();
        c.request.service_name = service.to_owned();
        cases.push(c);
    }
    cases
}

fn bom(bytes: &[u8]) -> Vec<u8> {
    [b"\xEF\xBB\xBF".as_slice(), bytes].concat()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// A TCP listener that counts connections; every outward reference points at it.
async fn canary() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, hits)
}

/// Peak resident memory of a process, in KiB (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_specs_get_clear_errors_or_safe_documents_and_no_job_is_lost() {
    let (canary_url, canary_hits) = canary().await;
    let deployment = Deployment::new().await;
    let max_bytes = MAX_SPEC_BYTES.to_string();
    let max_operations = MAX_OPERATIONS.to_string();
    let (depth, aliases, nodes) = (
        MAX_SPEC_DEPTH.to_string(),
        MAX_YAML_ALIASES.to_string(),
        MAX_SPEC_NODES.to_string(),
    );
    let limits = [
        ("MAX_SPEC_BYTES", max_bytes.as_str()),
        ("MAX_OPERATIONS", max_operations.as_str()),
        ("MAX_SPEC_DEPTH", depth.as_str()),
        ("MAX_YAML_ALIASES", aliases.as_str()),
        ("MAX_SPEC_NODES", nodes.as_str()),
    ];
    let (_scheduler, scheduler_channel) =
        deployment.spawn_serving("specdoc-scheduler", &limits).await;
    let (_tracker, tracker_channel) = deployment.spawn_serving("specdoc-tracker", &[]).await;
    let (worker, worker_channel) = deployment.spawn_serving("specdoc-worker", &limits).await;
    let mut scheduler = SchedulerServiceClient::new(specdoc_testkit::admin(scheduler_channel));
    let mut tracker = TrackerServiceClient::new(specdoc_testkit::admin(tracker_channel))
        .max_decoding_message_size(64 << 20);

    let cases = corpus(&canary_url);
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut accepted = Vec::new();
    let mut failures = Vec::new();
    // What became of each case, printed for whoever runs the test with --nocapture.
    let mut outcomes = Vec::new();
    for case in cases {
        let name = case.name;
        match (scheduler.submit_job(case.request).await, &case.expect) {
            (Ok(reply), Expect::Completes | Expect::Handled) => {
                accepted.push((name, reply.into_inner().job_id, case.expect));
            }
            (Ok(_), Expect::Refused { .. }) => failures.push(format!("{name}: accepted")),
            (Err(status), expect) => {
                outcomes.push(format!("{name}: refused: {}", status.message()));
                let (field, says) = match expect {
                    Expect::Refused { field, says } => (*field, *says),
                    Expect::Handled => ("spec", ""),
                    Expect::Completes => {
                        failures.push(format!("{name}: refused: {status:?}"));
                        continue;
                    }
                };
                if let Some(problem) = check_refusal(&status, field, says) {
                    failures.push(format!("{name}: {problem}"));
                }
            }
        }
    }

    // Every accepted job ends, within the limit, and its outcome is safe.
    for (name, job_id, expect) in &accepted {
        events_until_end(&mut tracker, job_id, 0, JOB_LIMIT).await;
        let record = job(&mut tracker, job_id).await;
        let state = JobState::try_from(record.state).unwrap();
        outcomes.push(format!("{name}: {state:?} {}", record.error));
        match state {
            JobState::Completed => {
                let result = tracker
                    .get_job_result(GetJobResultRequest {
                        job_id: job_id.clone(),
                        formats: Vec::new(),
                    })
                    .await
                    .unwrap()
                    .into_inner();
                if let Some(problem) = check_documents(name, &result.documents, &canary_url) {
                    failures.push(format!("{name}: {problem}"));
                }
            }
            JobState::Failed if matches!(expect, Expect::Handled) => {
                if record.error.trim().len() < 10 || record.error.contains("panicked") {
                    failures.push(format!(
                        "{name}: failed without a clear error: {:?}",
                        record.error
                    ));
                }
            }
            other => failures.push(format!(
                "{name}: ended {other:?} (error {:?})",
                record.error
            )),
        }
    }
    eprintln!("{}", outcomes.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The worker survived and still does work.
    let mut health = tonic_health::pb::health_client::HealthClient::new(worker_channel);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("the worker still answers")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let after = scheduler
        .submit_job(submit_request(
            "hostile",
            petstore(),
            JobType::Documentation,
        ))
        .await
        .unwrap()
        .into_inner()
        .job_id;
    events_until_end(&mut tracker, &after, 0, JOB_LIMIT).await;
    assert_eq!(
        job(&mut tracker, &after).await.state,
        JobState::Completed as i32,
        "a normal job still completes after the corpus"
    );
    if let Some(peak) = peak_rss_kib(worker.0.id()) {
        assert!(peak < WORKER_MAX_RSS_KIB, "the worker peaked at {peak} KiB");
    }

    // Nothing reached out: not the scheduler's inspection, not the worker's rendering.
    assert_eq!(
        canary_hits.load(Ordering::SeqCst),
        0,
        "a spec made a service connect to the canary"
    );
}

/// Why a refusal is not the clear one expected, if it is not.
fn check_refusal(status: &tonic::Status, field: &str, says: &str) -> Option<String> {
    if status.code() != Code::InvalidArgument {
        return Some(format!(
            "refused with {:?}: {}",
            status.code(),
            status.message()
        ));
    }
    let details = status.get_error_details();
    let Some(bad_request) = details.bad_request() else {
        return Some(format!("no BadRequest details: {}", status.message()));
    };
    let Some(violation) = bad_request.field_violations.first() else {
        return Some("no field violation".into());
    };
    if violation.field != field {
        return Some(format!(
            "violation on {:?}, expected {field:?}: {}",
            violation.field, violation.description
        ));
    }
    if violation.description.trim().is_empty()
        || !violation
            .description
            .to_lowercase()
            .contains(&says.to_lowercase())
    {
        return Some(format!(
            "reason {:?} does not say {says:?}",
            violation.description
        ));
    }
    None
}

/// Why a completed job's documents are unsafe or incomplete, if they are.
fn check_documents(
    name: &str,
    documents: &[specdoc_proto::job::v1::Document],
    canary: &str,
) -> Option<String> {
    let find = |format: OutputFormat| documents.iter().find(|d| d.format == format as i32);
    let (Some(html), Some(markdown)) = (find(OutputFormat::Html), find(OutputFormat::Markdown))
    else {
        return Some("the HTML or Markdown document is missing".into());
    };
    let page = String::from_utf8_lossy(&html.content);
    if let Some(problem) = unsafe_html(&page) {
        return Some(format!("unsafe HTML: {problem}"));
    }
    for document in documents {
        let file = &document.file_name;
        if file.contains('/') || file.contains('\\') || file.contains("..") || file.contains('<') {
            return Some(format!("file name {file:?} taken from the spec"));
        }
    }
    let text = String::from_utf8_lossy(&markdown.content);
    if text.contains("root:x:0:0") || page.contains("root:x:0:0") {
        return Some("a local file was read".into());
    }
    if name == "outward refs to the canary" {
        for reference in [
            format!("{canary}/schemas.yaml#/Pet"),
            "file:///etc/passwd#/root".to_owned(),
            "./other.yaml#/components/schemas/Other".to_owned(),
        ] {
            if !text.contains(&format!("external reference `{reference}` (not fetched)")) {
                return Some(format!("{reference} is not shown as not fetched"));
            }
        }
    }
    None
}
