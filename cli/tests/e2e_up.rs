//! End to end through `specdoc up` (SQLite) and the CLI, as a user runs it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use specdoc_testkit::{ChildGuard, TempDir, binary, free_port};
use std::process::{Command, Stdio};

/// Runs the `specdoc` CLI against `port` and returns (exit code, stdout, stderr). Like a user
/// of `specdoc up --data-dir data`, it finds the admin token `up` wrote there.
fn specdoc(port: u16, data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let url = format!("http://127.0.0.1:{port}");
    let output = Command::new(binary("specdoc"))
        .args(args)
        .env("SPECDOC_SCHEDULER_URL", &url)
        .env("SPECDOC_TRACKER_URL", &url)
        .env("SPECDOC_DATA_DIR", data)
        .env_remove("SPECDOC_TOKEN")
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

/// Blocks until `specdoc up` on `port` reports SERVING on its health stream.
fn wait_until_serving(port: u16) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(common::serving_channel(port));
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
    wait_until_serving(port);
    assert!(
        data.path().join("specdoc.db").is_file(),
        "SQLite lives in the data dir"
    );
    let token_file = data.path().join("admin-token");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&token_file.metadata().unwrap().permissions());
    assert_eq!(
        mode & 0o777,
        0o600,
        "the admin token is readable by its owner only"
    );
    let (code, _, err) = specdoc(port, TempDir::new().path(), &["active"]);
    assert_eq!(code, 1, "without the token the CLI is refused\n{err}");
    assert!(err.contains("authentication failed"), "{err}");

    let (code, out, err) = specdoc(
        port,
        data.path(),
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
        data.path(),
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

    let (code, out, err) = specdoc(port, data.path(), &["health"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for component in ["scheduler", "tracker", "redis", "database", "workers"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(component) && l.contains(" ok ")),
            "{component} not ok in\n{out}"
        );
    }
    let (code, out, _) = specdoc(
        port,
        data.path(),
        &["stats", "--team-id", "demo", "--days", "1"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("1 jobs") && out.contains("success rate  100.0%"),
        "{out}"
    );
    let (code, out, _) = specdoc(port, data.path(), &["active"]);
    assert_eq!((code, out.trim()), (0, "no job is running"));

    let (code, out, _) = specdoc(port, data.path(), &["status", &job_id]);
    assert_eq!(code, 0);
    assert!(out.contains("state      completed"), "{out}");

    // --output json: documented, stable field names for scripts.
    let json = |args: &[&str]| -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["--output", "json"]);
        let (code, out, err) = specdoc(port, data.path(), &args);
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let status = json(&["status", &job_id]);
    assert_eq!(status["job_id"], job_id.as_str());
    assert_eq!(status["state"], "completed");
    assert_eq!(status["job_type"], "documentation");
    assert_eq!(status["team_id"], "demo");
    assert!(status["quality_score"].as_u64().is_some(), "{status}");
    let listed = json(&["list-jobs", "--team-id", "demo"]);
    assert_eq!(listed["jobs"][0]["job_id"], job_id.as_str());
    let health = json(&["health"]);
    assert_eq!(health["healthy"], true, "{health}");
    assert_eq!(health["components"].as_array().unwrap().len(), 5);
    let stats = json(&["stats", "--team-id", "demo", "--days", "1"]);
    assert_eq!(stats["total_jobs"], 1);
    let queue = json(&["queue"]);
    assert_eq!(queue["queued"], 0);
    // `watch` prints one JSON event per line, ending with the terminal one.
    let (code, out, _) = specdoc(port, data.path(), &["watch", &job_id, "--output", "json"]);
    assert_eq!(code, 0);
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["seq"], 1);
    assert_eq!(events.last().unwrap()["state"], "completed");
    let (code, _, err) = specdoc(port, data.path(), &["cancel", &job_id]);
    assert_eq!(code, 1, "cancelling a finished job fails");
    assert!(err.contains("already finished"), "{err}");

    // The admin token makes a team token; that token sees its team's jobs and no other's,
    // until it is revoked.
    let (code, token, err) = specdoc(
        port,
        data.path(),
        &[
            "admin",
            "token",
            "create",
            "--team-id",
            "demo",
            "--label",
            "ci",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_owned();
    let token_id = err.split_whitespace().nth(1).unwrap().to_owned();
    let as_demo = |args: &[&str]| {
        let output = Command::new(binary("specdoc"))
            .args(args)
            .args(["--token", &token, "--output", "json"])
            .env("SPECDOC_SCHEDULER_URL", format!("http://127.0.0.1:{port}"))
            .env("SPECDOC_TRACKER_URL", format!("http://127.0.0.1:{port}"))
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, out, err) = as_demo(&["list-jobs"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&job_id), "{out}");
    let (code, _, err) = as_demo(&["list-jobs", "--team-id", "other"]);
    assert_eq!(code, 1);
    assert!(err.contains("not found"), "{err}");
    let (_, listed, _) = specdoc(port, data.path(), &["admin", "token", "list"]);
    assert!(
        listed.contains(&token_id) && listed.contains("team demo") && !listed.contains(&token),
        "{listed}"
    );
    let (code, _, err) = as_demo(&["admin", "token", "list"]);
    assert_eq!(code, 1);
    assert!(err.contains("permission denied"), "{err}");
    let (code, out, err) = specdoc(port, data.path(), &["admin", "token", "revoke", &token_id]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = as_demo(&["list-jobs"]);
    assert_eq!(code, 1);
    assert!(err.contains("authentication failed"), "{err}");
}

/// `specdoc up` with REDIS_URL unset and no Redis at the local address.
fn up_without_redis(data: &TempDir, path: &str, port: u16) -> Command {
    let mut command = Command::new(binary("specdoc"));
    command
        .args([
            "up",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--http-listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .arg("--data-dir")
        .arg(data.path())
        .env_remove("REDIS_URL")
        .env(
            "SPECDOC_LOCAL_REDIS",
            format!("redis://127.0.0.1:{}", free_port()),
        )
        .env("PATH", path)
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn up_starts_a_private_append_only_redis_and_stops_it_on_exit() {
    let data = TempDir::new();
    let port = free_port();
    let path = std::env::var("PATH").unwrap();
    let up = ChildGuard(
        up_without_redis(&data, &path, port)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    wait_until_serving(port);
    let redis_dir = data.path().join("redis");
    assert!(
        redis_dir.join("appendonlydir").is_dir(),
        "the private Redis keeps an append-only file in the data dir"
    );
    let (code, out, err) = specdoc(
        port,
        data.path(),
        &[
            "submit",
            "examples/petstore.yaml",
            "--team-id",
            "demo",
            "--service-name",
            "petstore",
            "--type",
            "quality-score",
            "--watch",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");

    up.signal("TERM");
    let mut up = up;
    let status = up.0.wait().unwrap();
    assert!(
        status.success(),
        "specdoc up exits cleanly on SIGTERM: {status}"
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(up.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let redis_port: u16 = stderr
        .split("private redis-server on 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no private redis announced in\n{stderr}"));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", redis_port)).is_err(),
        "the private redis-server stopped with specdoc up"
    );
}

#[test]
fn up_without_redis_server_says_how_to_install_it() {
    let data = TempDir::new();
    let output = up_without_redis(&data, "/nonexistent", free_port())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("redis-server` is not on PATH"), "{stderr}");
    assert!(stderr.contains("apt-get install redis-server"), "{stderr}");
}

#[test]
fn health_against_nothing_reports_each_component_down_and_exits_1() {
    let (code, out, _) = specdoc(free_port(), TempDir::new().path(), &["health"]);
    assert_eq!(code, 1);
    for component in ["scheduler", "tracker", "redis", "database", "workers"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(component) && l.contains("DOWN")),
            "{component} not down in\n{out}"
        );
    }
}

#[test]
fn up_with_an_llm_has_it_write_the_missing_prose() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let llm = runtime.block_on(specdoc_testkit::llm::FakeLlm::start(
        specdoc_testkit::llm::Behaviour::Write,
    ));
    let data = TempDir::new();
    let spec = data.path().join("bare.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Bare, version: '1'}\npaths:\n  /widgets:\n    get:\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    let port = free_port();
    let _up = ChildGuard(
        Command::new(binary("specdoc"))
            .args(["up", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--http-listen", &format!("127.0.0.1:{}", free_port())])
            .arg("--data-dir")
            .arg(data.path())
            .env("REDIS_URL", specdoc_testkit::redis_url())
            .env("REDIS_PREFIX", specdoc_testkit::unique_prefix())
            .env("GENAI_BASE_URL", &llm.url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until_serving(port);
    let (code, out, err) = specdoc(
        port,
        data.path(),
        &[
            "submit",
            spec.to_str().unwrap(),
            "--team-id",
            "demo",
            "--service-name",
            "bare",
            "--watch",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("the LLM wrote"), "{out}");
    let job_id = out
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    let (_, status, _) = specdoc(port, data.path(), &["status", &job_id]);
    assert!(!status.contains("degraded"), "{status}");
    let out_dir = data.path().join("docs");
    let (code, _, err) = specdoc(
        port,
        data.path(),
        &["result", &job_id, "--out", out_dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let markdown = std::fs::read_to_string(out_dir.join("bare.md")).unwrap();
    assert!(
        markdown.contains("LLM wrote") && markdown.contains("_(generated)_"),
        "{markdown}"
    );
    assert!(llm.hits() >= 1);
}
