//! Secrets never reach logs or error messages: the services run at `RUST_LOG=debug` with a
//! password in `DATABASE_URL` and `REDIS_URL` and an LLM API key (the LLM failing, so its error
//! path logs too), a job goes through them from the CLI with a bearer token, and services that
//! cannot reach their dependencies fail at start-up; none of the output holds any secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Deployment;
use specdoc_testkit::llm::{Behaviour, FakeLlm};
use specdoc_testkit::{TempDir, binary, free_port};
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

const DB_PASSWORD: &str = "PgPassw0rd-9f2c1e";
const REDIS_PASSWORD: &str = "RedisPassw0rd-77ab3d";
const API_KEY: &str = "sk-GenAiKey-5c0ffee5ecret";
const TOKEN: &str = "tok-Bearer-d34db33fcafe";
const SECRETS: [&str; 4] = [DB_PASSWORD, REDIS_PASSWORD, API_KEY, TOKEN];

/// A spec with no prose, so the worker asks the LLM.
const BARE_SPEC: &str = "openapi: 3.0.3\ninfo: {title: Widgets, version: '1'}\npaths:\n  /widgets:\n    get:\n      operationId: listWidgets\n      responses: {'200': {description: ok}}\n";

/// `scheme://user@host/...` with `password` added to the user info (Postgres trusts local
/// connections and Redis's default user has no password, so both still work).
fn with_password(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{password}@{rest}")
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds a secret:\n{text}");
    }
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_logs_and_errors_never_show_passwords_keys_or_tokens() {
    let llm = FakeLlm::start(Behaviour::Fail).await;
    let mut deployment = Deployment::new().await;
    deployment.database_url = with_password(&deployment.database_url, "postgres", DB_PASSWORD);
    deployment.redis_url = with_password(&deployment.redis_url, "default", REDIS_PASSWORD);
    let logs = TempDir::new();
    let auth_tokens = format!("admin={TOKEN}");
    let env = [
        ("RUST_LOG", "debug"),
        ("LOG_FORMAT", "json"),
        ("GENAI_BASE_URL", llm.url.as_str()),
        ("GENAI_MODEL", "test-model"),
        ("GENAI_API_KEY", API_KEY),
        ("GENAI_MAX_ATTEMPTS", "1"),
        ("AUTH_TOKENS", auth_tokens.as_str()),
    ];
    let mut processes = Vec::new();
    let mut ports = Vec::new();
    for name in ["specdoc-scheduler", "specdoc-tracker", "specdoc-worker"] {
        let dir = logs.path().to_owned();
        let (child, _, port) = deployment
            .spawn_serving_on_port(name, &env, |command| {
                command
                    .stdout(File::create(dir.join(format!("{name}.out"))).unwrap())
                    .stderr(File::create(dir.join(format!("{name}.err"))).unwrap());
            })
            .await;
        processes.push(child);
        ports.push(port);
    }
    let spec = logs.path().join("bare.yaml");
    std::fs::write(&spec, BARE_SPEC).unwrap();
    let output = Command::new(binary("specdoc"))
        .args(["submit", spec.to_str().unwrap()])
        .args([
            "--team-id",
            "secrets",
            "--service-name",
            "widgets",
            "--watch",
        ])
        .env(
            "SPECDOC_SCHEDULER_URL",
            format!("http://127.0.0.1:{}", ports[0]),
        )
        .env(
            "SPECDOC_TRACKER_URL",
            format!("http://127.0.0.1:{}", ports[1]),
        )
        .env("SPECDOC_TOKEN", TOKEN)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{out}\n{err}");
    assert!(out.contains("completed"), "{out}");
    assert!(llm.hits() > 0, "the worker used the LLM, and so its key");
    assert_no_secret("the CLI's output", &format!("{out}{err}"));
    drop(processes);

    let mut logged = String::new();
    for name in ["specdoc-scheduler", "specdoc-tracker", "specdoc-worker"] {
        for stream in ["out", "err"] {
            let text = read(&logs.path().join(format!("{name}.{stream}")));
            assert_no_secret(&format!("{name}'s std{stream}"), &text);
            logged.push_str(&text);
        }
    }
    // The logs are the debug logs of a job's whole life, so the check above had matter to read.
    for expected in ["job accepted", "DEBUG", "\"job_id\""] {
        assert!(logged.contains(expected), "the logs lack {expected:?}");
    }
}

#[test]
fn start_up_failures_name_the_dependency_without_its_password() {
    let closed = free_port();
    let cases = [
        (
            format!("redis://default:{REDIS_PASSWORD}@127.0.0.1:{closed}"),
            specdoc_testkit::postgres_admin_url(),
        ),
        (
            specdoc_testkit::redis_url(),
            format!("postgres://postgres:{DB_PASSWORD}@127.0.0.1:{closed}/x"),
        ),
        (
            specdoc_testkit::redis_url(),
            format!("mysql://root:{DB_PASSWORD}@127.0.0.1/x"),
        ),
    ];
    for (redis_url, database_url) in cases {
        let output = Command::new(binary("specdoc-scheduler"))
            .env("REDIS_URL", &redis_url)
            .env("DATABASE_URL", &database_url)
            .env("SKIP_MIGRATIONS", "true")
            .env("LISTEN", format!("127.0.0.1:{}", free_port()))
            .env("HTTP_LISTEN", format!("127.0.0.1:{}", free_port()))
            .env("RUST_LOG", "debug")
            .env("GENAI_API_KEY", API_KEY)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !output.status.success(),
            "started with {redis_url} {database_url}:\n{text}"
        );
        assert!(!text.trim().is_empty(), "failed silently");
        assert_no_secret("a start-up failure", &text);
    }
}
