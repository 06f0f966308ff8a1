//! The web monitor end to end in a real headless browser: Debian's `chromium`, driven by
//! playwright-core (`tests/browser/monitor.cjs`), against real scheduler, tracker and worker
//! processes on Postgres and Redis. `scripts/ensure.sh browser` installs both.
//!
//! Screenshots of the overview, a job and the team charts land in
//! `target/<profile>/monitor-screenshots/`; with `SPECDOC_UPDATE_SCREENSHOTS=1` they also
//! replace the ones in `docs/screenshots/` that the README shows.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Deployment, submit, submit_request};
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient;
use specdoc_testkit::{ChildGuard, binary, free_port, repo_root};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PAYMENTS_TOKEN: &str = "payments-token-0123456789";
const SEARCH_TOKEN: &str = "search-token-0123456789";

/// The browser's whole script may take this long.
const BROWSER_LIMIT: Duration = Duration::from_secs(120);

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map_or("/usr/bin/chromium".into(), PathBuf::from);
    assert!(
        path.is_file(),
        "{} is missing: run `scripts/ensure.sh browser` (Debian's chromium and playwright-core)",
        path.display()
    );
    path
}

fn playwright_core() -> PathBuf {
    let path = std::env::var_os("PLAYWRIGHT_CORE").map_or_else(
        || repo_root().join(".tools/node_modules/playwright-core"),
        PathBuf::from,
    );
    assert!(
        path.join("package.json").is_file(),
        "playwright-core is missing at {}: run `scripts/ensure.sh browser`",
        path.display()
    );
    path
}

fn request(
    team: &str,
    service: &str,
    job_type: job_pb::JobType,
) -> specdoc_proto::scheduler::v1::SubmitJobRequest {
    let mut request = submit_request(team, specdoc_testkit::example("petstore.yaml"), job_type);
    request.service_name = service.into();
    if job_type == job_pb::JobType::Documentation {
        request.output_formats = vec![
            job_pb::OutputFormat::Markdown as i32,
            job_pb::OutputFormat::Html as i32,
        ];
    }
    request
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_in_a_headless_browser() {
    let (chromium, playwright) = (chromium(), playwright_core());
    let deployment = Deployment::new().await;
    let tokens = format!(
        "{},team:payments={PAYMENTS_TOKEN},team:search={SEARCH_TOKEN}",
        specdoc_testkit::AUTH_TOKENS
    );
    let http = format!("127.0.0.1:{}", free_port());
    let (_scheduler, scheduler) = deployment
        .spawn_serving("specdoc-scheduler", &[("AUTH_TOKENS", &tokens)])
        .await;
    let (_tracker, _) = deployment
        .spawn_serving(
            "specdoc-tracker",
            &[("AUTH_TOKENS", &tokens), ("HTTP_LISTEN", &http)],
        )
        .await;

    // No worker runs yet, so every job stays queued until the browser asks for one.
    let mut payments =
        SchedulerServiceClient::new(specdoc_testkit::authed(scheduler.clone(), PAYMENTS_TOKEN));
    let mut search =
        SchedulerServiceClient::new(specdoc_testkit::authed(scheduler.clone(), SEARCH_TOKEN));
    use job_pb::JobType::{Documentation, QualityScore};
    let queued = submit(&mut payments, request("payments", "ledger", Documentation)).await;
    let live = submit(
        &mut payments,
        request("payments", "petstore", Documentation),
    )
    .await;
    submit(&mut payments, request("payments", "billing", QualityScore)).await;
    submit(&mut payments, request("payments", "ledger", QualityScore)).await;
    let other = submit(&mut search, request("search", "index", Documentation)).await;

    let screenshots = binary("specdoc")
        .parent()
        .unwrap()
        .join("monitor-screenshots");
    let mut browser = tokio::process::Command::new("node")
        .arg(repo_root().join("tests/browser/monitor.cjs"))
        .env("MONITOR_URL", format!("http://{http}"))
        .env("TEAM_TOKEN", PAYMENTS_TOKEN)
        .env("QUEUED_JOB", &queued)
        .env("LIVE_JOB", &live)
        .env("OTHER_JOB", &other)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .env("PLAYWRIGHT_CORE", &playwright)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (Node.js is needed for the browser test)");
    let mut stdin = browser.stdin.take().unwrap();
    let mut stdout = BufReader::new(browser.stdout.take().unwrap()).lines();
    let mut worker: Option<ChildGuard> = None;
    let mut output = Vec::new();
    let run = async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            if line == "READY_FOR_WORKER" {
                worker = Some(deployment.spawn(
                    "specdoc-worker",
                    free_port(),
                    &[("AUTH_TOKENS", &tokens), ("MAX_CONCURRENT_JOBS", "2")],
                ));
                stdin.write_all(b"go\n").await.unwrap();
                stdin.flush().await.unwrap();
            }
            output.push(line);
        }
        browser.wait().await.unwrap()
    };
    let status = tokio::time::timeout(BROWSER_LIMIT, run)
        .await
        .unwrap_or_else(|_| panic!("the browser test did not finish in {BROWSER_LIMIT:?}"));
    let output = output.join("\n");
    println!("{output}");
    assert!(
        status.success() && output.contains("MONITOR_BROWSER_OK"),
        "the browser test failed ({status}):\n{output}"
    );
    assert!(worker.is_some(), "the worker was started");

    for name in ["overview.png", "job.png", "teams.png"] {
        let shot = screenshots.join(name);
        let bytes = std::fs::read(&shot).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{} is a PNG", shot.display());
        if std::env::var_os("SPECDOC_UPDATE_SCREENSHOTS").is_some() {
            let docs = repo_root().join("docs/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(name), bytes).unwrap();
        }
    }
}

/// One plain HTTP/1.1 GET; returns the status line and headers, and the body.
async fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut response)
        .await
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn specdoc_up_serves_the_monitor_on_its_http_port() {
    let data = specdoc_testkit::TempDir::new();
    let (port, http) = (free_port(), format!("127.0.0.1:{}", free_port()));
    let _up = ChildGuard(
        std::process::Command::new(binary("specdoc"))
            .args([
                "up",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--http-listen",
                &http,
            ])
            .arg("--data-dir")
            .arg(data.path())
            .env("REDIS_URL", specdoc_testkit::redis_url())
            .env("REDIS_PREFIX", specdoc_testkit::unique_prefix())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::serving_channel(port).await;
    let (head, _) = http_get(&http, "/").await;
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("location: /login"),
        "{head}"
    );
    let (head, body) = http_get(&http, "/login").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'none'")
    );
    assert!(
        body.contains("<label for=\"token\">API token</label>"),
        "{body}"
    );
    let (head, _) = http_get(&http, "/assets/monitor.js").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}
