//! Helpers for tests that talk to real servers.
//!
//! Tests never mock Redis or the database. They use the servers the machine (or `.ci/run`) runs:
//! Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`) under a unique key prefix per test, and
//! a fresh Postgres database per test on the server at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), or a fresh SQLite file.
//!
//! [`hostile`] generates hostile specs and [`page`] reads rendered HTML the way a browser
//! would, for the injection and hostile-input tests. [`llm`] is a real chat-completions server
//! standing in for the model.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: failing loudly is the point

pub mod hostile;
pub mod llm;
pub mod page;

use std::path::PathBuf;

/// The admin token test deployments accept: [`AUTH_TOKENS`] is their `AUTH_TOKENS` setting.
pub const ADMIN_TOKEN: &str = "specdoc-test-admin-token";

/// `AUTH_TOKENS` for test deployments: [`ADMIN_TOKEN`] as admin.
pub const AUTH_TOKENS: &str = "admin=specdoc-test-admin-token";

/// A gRPC channel whose calls carry a bearer token, for the generated clients:
/// `SchedulerServiceClient::new(specdoc_testkit::admin(channel))`.
pub type Authed =
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone, Debug)]
pub struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// `channel` with `token` on every call.
pub fn authed(channel: tonic::transport::Channel, token: &str) -> Authed {
    let value = format!("Bearer {token}").parse().unwrap();
    tonic::service::interceptor::InterceptedService::new(channel, Bearer(value))
}

/// `channel` with the token in `SPECDOC_TOKEN` on every call (the benchmarks' run scripts set
/// it).
pub fn authed_from_env(channel: tonic::transport::Channel) -> Authed {
    authed(channel, &std::env::var("SPECDOC_TOKEN").unwrap_or_default())
}

/// `channel` with [`ADMIN_TOKEN`] on every call.
pub fn admin(channel: tonic::transport::Channel) -> Authed {
    authed(channel, ADMIN_TOKEN)
}

/// A valid QUEUED-to-be job of `team` for the store's and tracker's tests: service `petstore`,
/// DOCUMENTATION to Markdown and HTML, normal priority, 3 attempts, a tiny OpenAPI 3.0 spec.
/// Tests change the fields they are about with struct update syntax.
pub fn new_job(team: &str) -> specdoc_core::NewJob {
    use specdoc_core::*;
    NewJob {
        id: JobId::new(),
        team: TeamId::parse_field(team).unwrap(),
        service: ServiceName::parse_field("petstore").unwrap(),
        job_type: JobType::Documentation,
        spec_format: SpecFormat::Openapi30,
        output_formats: vec![OutputFormat::Markdown, OutputFormat::Html],
        priority: Priority::Normal,
        idempotency_key: None,
        spec_version: None,
        max_attempts: 3,
        generation: Generation::FillMissing,
        spec: b"openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n".to_vec(),
        traceparent: None,
    }
}

/// The Redis server tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other test uses, so tests share one Redis without seeing each other.
pub fn unique_prefix() -> String {
    format!("specdoc-test:{}", uuid::Uuid::new_v4().simple())
}

/// The Postgres server tests create databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates an empty Postgres database and returns its URL.
pub async fn fresh_postgres_url() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("specdoc_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("tests need Postgres at {admin} (set TEST_DATABASE_URL): {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs one statement as the Postgres admin (for tests that break the database on purpose).
pub async fn postgres_admin_exec(sql: &str) {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("admin connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A directory removed when the value drops.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system temp dir.
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("specdoc-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    /// Its path.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A SQLite URL for a new database file in `dir`.
pub fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}/specdoc.db", dir.path().display())
}

/// The root of the repository (for examples and the shared spec corpus).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the bundled examples, e.g. `petstore.yaml`.
pub fn example(name: &str) -> Vec<u8> {
    let path = repo_root().join("examples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A free TCP port on 127.0.0.1 (bound and released; fine for tests on one machine).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A binary of this workspace, built by `cargo build --workspace --bins` (the `just test`
/// recipe and `.ci/run` build them before the tests).
pub fn binary(name: &str) -> PathBuf {
    // Test executables live in target/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().unwrap();
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_path_buf();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// A child process killed (SIGKILL) when the value drops, so a failing test leaves nothing
/// running.
pub struct ChildGuard(pub std::process::Child);

impl ChildGuard {
    /// Sends a signal by name (`TERM`, `KILL`, `STOP`, `CONT`) with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.0.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private `redis-server` without persistence on a port of its own, for tests that stop and
/// restart Redis.
pub struct RedisServer {
    /// Its port.
    pub port: u16,
    child: Option<ChildGuard>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it accepts connections.
    pub fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            child: None,
        };
        server.restart();
        server
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: a crash, not a clean shutdown).
    pub fn kill(&mut self) {
        self.child = None;
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("tests need redis-server on PATH");
        self.child = Some(ChildGuard(child));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// Every operation of a spec as ("GET", "/pets/{petId}"), read straight from its `paths`
/// (JSON or YAML), independently of the docs engine, so tests can check the engine's output.
pub fn operations_of(spec: &[u8]) -> Vec<(String, String)> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_slice(spec).expect("spec parses as YAML");
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_mapping()) {
        for (path, item) in paths {
            let (Some(path), Some(item)) = (path.as_str(), item.as_mapping()) else {
                continue;
            };
            for (method, _) in item {
                if let Some(method) = method.as_str().filter(|m| METHODS.contains(m)) {
                    operations.push((method.to_uppercase(), path.to_owned()));
                }
            }
        }
    }
    operations
}

/// A valid OpenAPI 3.0 JSON spec with `operations` operations (each with a parameter, a request
/// body and responses referring to shared schemas), big enough to make a pipeline step take a
/// while: about 600 bytes per operation.
pub fn synthetic_spec(operations: usize) -> Vec<u8> {
    let mut paths = String::new();
    for i in 0..operations {
        if i > 0 {
            paths.push(',');
        }
        paths.push_str(&format!(
            r##""/items{i}/{{id}}":{{"post":{{"operationId":"op{i}","summary":"Operation {i}","tags":["t{t}"],
            "parameters":[{{"name":"id","in":"path","required":true,"schema":{{"type":"string"}}}}],
            "requestBody":{{"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Item"}}}}}}}},
            "responses":{{"200":{{"description":"ok","content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Item"}}}}}}}},
            "404":{{"description":"missing"}}}}}}}}"##,
            t = i % 17
        ));
    }
    format!(
        r##"{{"openapi":"3.0.3","info":{{"title":"Synthetic","version":"1"}},"paths":{{{paths}}},
        "components":{{"schemas":{{"Item":{{"type":"object","required":["id"],"properties":{{"id":{{"type":"string"}},"n":{{"type":"integer"}}}}}}}}}}}}"##
    )
    .into_bytes()
}
