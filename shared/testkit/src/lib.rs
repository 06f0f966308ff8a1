//! Helpers for tests that talk to real servers.
//!
//! Tests never mock Redis or the database. They use the servers the machine (or `.ci/run`) runs:
//! Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`) under a unique key prefix per test, and
//! a fresh Postgres database per test on the server at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), or a fresh SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: failing loudly is the point

use std::path::PathBuf;

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
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// A directory removed when the value drops.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system temp dir.
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("specdoc-test-{}", uuid::Uuid::new_v4().simple()));
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
