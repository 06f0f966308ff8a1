//! What the store's behaviour suites share: running each test on both backends, and a job to
//! insert.
#![allow(dead_code)]

use specdoc_core::NewJob;

/// Runs each named `async fn(Store)` once on a fresh Postgres database and once on a fresh
/// SQLite file.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let store = specdoc_store::Store::connect(&specdoc_testkit::fresh_postgres_url().await).await.unwrap();
                super::$name(store).await;
            })+
        }
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                let dir = specdoc_testkit::TempDir::new();
                let store = specdoc_store::Store::connect(&specdoc_testkit::sqlite_url(&dir)).await.unwrap();
                super::$name(store).await;
            })+
        }
    };
}

/// A job of `team` with an optional idempotency key and a spec version.
pub fn new_job(team: &str, key: Option<&str>) -> NewJob {
    NewJob {
        idempotency_key: key.map(str::to_owned),
        spec_version: Some("v1".into()),
        ..specdoc_testkit::new_job(team)
    }
}
