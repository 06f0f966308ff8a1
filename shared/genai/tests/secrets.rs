//! The API key goes where each provider expects it: `Authorization: Bearer`, or Azure's
//! `api-key` header with its `api-version` query.
#![allow(clippy::unwrap_used)] // test code: failing loudly is the point

mod common;

use common::{PETS, Reply, parse, start};
use specdoc_genai::{ApiKey, Mode, NoCache, Writer};

const KEY: &str = "sk-test-SECRET-1234";

#[tokio::test]
async fn the_key_is_sent_as_a_bearer_token() {
    let server = start(|_, seen| {
        let auth = seen
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth == Some("Bearer sk-test-SECRET-1234") {
            Reply::Obey
        } else {
            Reply::Status(401, None)
        }
    })
    .await;
    let mut config = common::config(&server);
    config.api_key = Some(ApiKey::new(KEY));
    let writer = Writer::new(config).unwrap();

    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;

    assert_eq!((e.filled, e.degraded), (8, None));
    assert!(!format!("{writer:?}").contains("SECRET"));
}

#[tokio::test]
async fn azure_gets_its_api_version_and_api_key_header() {
    let server = start(|_, seen| {
        let key = seen.headers.get("api-key").and_then(|v| v.to_str().ok());
        let ok = key == Some(KEY)
            && seen.headers.get("authorization").is_none()
            && seen.query.as_deref() == Some("api-version=2024-10-21");
        if ok {
            Reply::Obey
        } else {
            Reply::Status(401, None)
        }
    })
    .await;
    let mut config = common::config(&server);
    config.api_key = Some(ApiKey::new(KEY));
    config.api_version = Some("2024-10-21".into());
    let writer = Writer::new(config).unwrap();

    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;

    assert_eq!((e.filled, e.degraded), (8, None));
}
