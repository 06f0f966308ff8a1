//! End to end through `specdoc up` (SQLite) and the CLI, as a user runs it.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_testkit::{ChildGuard, TempDir, binary, free_port};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the `specdoc` CLI against `port` and returns (exit code, stdout, stderr).
fn specdoc(port: u16, args: &[&str]) -> (i32, String, String) {
    let url = format!("http://127.0.0.1:{port}");
    let output = Command::new(binary("specdoc"))
        .args(args)
        .env("SPECDOC_SCHEDULER_URL", &url)
        .env("SPECDOC_TRACKER_URL", &url)
        .current_dir(specdoc_testkit::repo_root())
        .output()
        .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

#[test]
fn up_then_submit_watch_and_fetch_the_documents() {
    let data = TempDir::new();
    let port = free_port();
    let _up = ChildGuard(
        Command::new(binary("specdoc"))
            .args([
                "up",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--http-listen",
                &format!("127.0.0.1:{}", free_port()),
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
    // Wait for the queue command to answer: the system is up.
    let deadline = Instant::now() + Duration::from_secs(30);
    while specdoc(port, &["queue"]).0 != 0 {
        assert!(Instant::now() < deadline, "specdoc up never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        data.path().join("specdoc.db").is_file(),
        "SQLite lives in the data dir"
    );

    let (code, out, err) = specdoc(
        port,
        &[
            "submit",
            "examples/petstore.yaml",
            "--team-id",
            "demo",
            "--service-name",
            "petstore",
            "--format",
            "markdown,html",
            "--watch",
        ],
    );
    assert_eq!(code, 0, "submit --watch exits 0 on COMPLETED\n{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    let job_id = lines[0].split_whitespace().nth(1).unwrap().to_owned();
    for step in ["parse", "generate", "format", "score", "store"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("] {step:<8} started"))),
            "no {step} started in\n{out}"
        );
    }
    assert!(lines.last().unwrap().contains("completed"), "{out}");

    let out_dir = data.path().join("docs");
    let (code, out, err) = specdoc(
        port,
        &["result", &job_id, "--out", out_dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let markdown = std::fs::read_to_string(out_dir.join("petstore.md")).unwrap();
    let html = std::fs::read_to_string(out_dir.join("petstore.html")).unwrap();
    for (method, path) in specdoc_testkit::operations_of(&specdoc_testkit::example("petstore.yaml"))
    {
        assert!(
            markdown.contains(&format!("{method} {path}")),
            "markdown lacks {method} {path}"
        );
        assert!(
            html.contains(&format!("data-op=\"{method} {path}\"")),
            "html lacks {method} {path}"
        );
    }

    let (code, out, _) = specdoc(port, &["status", &job_id]);
    assert_eq!(code, 0);
    assert!(out.contains("state      completed"), "{out}");
    let (code, _, err) = specdoc(port, &["cancel", &job_id]);
    assert_eq!(code, 1, "cancelling a finished job fails");
    assert!(err.contains("already finished"), "{err}");
}
