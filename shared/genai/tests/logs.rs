//! What the writer logs and traces: never the API key, in a degraded reason, a `Debug` output
//! or a log line, even at trace level; and each call as an `llm request` span under the
//! caller's span. Alone in its test binary, so no other test's thread shares the callsites
//! whose interest the capturing subscriber decides.
#![allow(clippy::unwrap_used)] // test code: failing loudly is the point

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PETS, Reply, parse, start};
use specdoc_genai::{ApiKey, Mode, NoCache, Writer};
use tracing::Instrument;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "sk-test-SECRET-1234";

/// Collects everything a tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

// The default (current-thread) runtime keeps the writer, reqwest, hyper and the server on
// this thread, so the thread-local subscriber sees all their logs.
#[tokio::test]
async fn the_key_never_reaches_reasons_debug_or_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // First a job that works, then one refused, then one failing: every path is logged.
    let replies = Mutex::new(vec![Reply::Status(500, None), Reply::Status(401, None)]);
    let server = start(move |_, _| replies.lock().unwrap().pop().unwrap_or(Reply::Obey)).await;
    let mut config = common::config(&server);
    config.api_key = Some(ApiKey::new(KEY));
    config.max_attempts = 1;
    let writer = Writer::new(config.clone()).unwrap();

    let mut reasons = Vec::new();
    for job in 0..3 {
        let e = writer
            .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
            .instrument(tracing::info_span!("job", id = job))
            .await;
        reasons.push(e.degraded);
    }

    assert_eq!(
        reasons,
        [
            Some("LLM refused the API key (HTTP 401)".to_string()),
            Some("LLM failed with HTTP 500".to_string()),
            None
        ]
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("llm request failed"),
        "the failures were logged"
    );
    // Each call is a span under the job's span, with the model and the tokens used.
    assert!(logs.contains("job{id=2}:llm request{"), "{logs}");
    assert!(logs.contains("gen_ai.request.model=test-model"));
    assert!(logs.contains("gen_ai.usage.total_tokens=150"));
    assert!(!logs.contains("SECRET"), "the key leaked into the logs");
    assert!(!format!("{writer:?} {config:?}").contains("SECRET"));
}
