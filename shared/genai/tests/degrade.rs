//! The writer against a chat-completions server that misbehaves: rate limits, server errors,
//! stalls, garbage, an exhausted budget, a dead endpoint and a cancelled job. Each time
//! `enrich` returns (promptly) with the reason in `degraded`, and never hangs or fails.
#![allow(clippy::unwrap_used)] // test code: failing loudly is the point

mod common;

use std::time::{Duration, Instant};

use common::{PETS, Reply, many_operations, parse, start};
use specdoc_genai::{Mode, NoCache, Writer};

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_then_succeeds() {
    let server = start(|n, _| {
        if n == 0 {
            Reply::Status(429, Some("1"))
        } else {
            Reply::Obey
        }
    })
    .await;
    let writer = Writer::new(common::config(&server)).unwrap();
    let mut spec = parse(PETS);
    let started = Instant::now();

    let e = writer.enrich(&mut spec, Mode::FillMissing, &NoCache).await;

    let elapsed = started.elapsed();
    assert_eq!(e.degraded, None);
    assert_eq!((e.filled, e.requests), (8, 2));
    assert_eq!(server.hits(), 2);
    // The retry delay is 10 ms in tests, so only Retry-After explains a one-second wait.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_timeout_gives_up_at_once() {
    let server = start(|_, _| Reply::Status(429, Some("120"))).await;
    let writer = Writer::new(common::config(&server)).unwrap();
    let started = Instant::now();
    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;
    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM rate-limited (429): asked to wait 120s, longer than GENAI_TIMEOUT")
    );
    assert_eq!(server.hits(), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn server_errors_until_the_attempts_run_out_degrade() {
    let server = start(|_, _| Reply::Status(500, None)).await;
    let writer = Writer::new(common::config(&server)).unwrap();
    let mut spec = parse(PETS);

    let e = writer.enrich(&mut spec, Mode::FillMissing, &NoCache).await;

    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM failed with HTTP 500 after 3 attempts")
    );
    assert_eq!((e.filled, e.requests), (0, 3));
    assert_eq!(server.hits(), 3);
    assert_eq!(spec, parse(PETS), "nothing written");
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_degrades_within_it() {
    let server = start(|_, _| Reply::Hang).await;
    let mut config = common::config(&server);
    config.timeout = Duration::from_secs(1);
    let writer = Writer::new(config).unwrap();
    let started = Instant::now();

    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;

    let elapsed = started.elapsed();
    assert_eq!(e.degraded.as_deref(), Some("LLM timed out after 1s"));
    // A timeout is not retried: it already cost the whole GENAI_TIMEOUT.
    assert_eq!((e.requests, server.hits()), (1, 1));
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    // Well under the 3 s that retrying would take, with room for a loaded machine.
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn garbage_answers_degrade_as_unusable() {
    let cases = [
        (
            Reply::Content("Sure! Here are your docs: the API lists pets.".into()),
            "not the requested JSON",
        ),
        (
            Reply::Content(r#"["Generated text"]"#.into()),
            "not the requested JSON",
        ),
        (
            Reply::Content(r#"{"overview": 1, "tag1": {"text": "x"}}"#.into()),
            "no usable text for the requested ids",
        ),
        (
            Reply::Body("<html>502 Bad Gateway</html>".into()),
            "not a chat completion",
        ),
    ];
    for (reply, why) in cases {
        let reply = std::sync::Mutex::new(Some(reply));
        let server = start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Obey)).await;
        let writer = Writer::new(common::config(&server)).unwrap();
        let mut spec = parse(PETS);
        let e = writer.enrich(&mut spec, Mode::FillMissing, &NoCache).await;
        assert_eq!(
            e.degraded,
            Some(format!("LLM answered an unusable response ({why})"))
        );
        assert_eq!((e.filled, server.hits()), (0, 1), "not retried: {why}");
    }
}

#[tokio::test]
async fn the_request_budget_stops_the_job() {
    let server = start(|_, _| Reply::Obey).await;
    let mut config = common::config(&server);
    config.max_requests_per_job = 1;
    let writer = Writer::new(config).unwrap();
    let mut spec = many_operations(45);

    let e = writer.enrich(&mut spec, Mode::FillMissing, &NoCache).await;

    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM budget exhausted (1 request)")
    );
    assert_eq!((e.requests, server.hits()), (1, 1));
    assert!(e.filled > 0, "the batch that was answered is kept");
}

#[tokio::test]
async fn the_token_budget_stops_the_job_before_an_oversized_call() {
    let server = start(|_, _| Reply::Obey).await;
    let mut config = common::config(&server);
    config.max_tokens_per_job = 300;
    let writer = Writer::new(config).unwrap();
    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;
    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM budget exhausted (300 tokens)")
    );
    assert_eq!((e.requests, server.hits()), (0, 0));
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures_and_then_makes_no_call() {
    let server = start(|_, _| Reply::Status(503, None)).await;
    let mut config = common::config(&server);
    config.max_attempts = 5;
    config.breaker_threshold = 5;
    let writer = Writer::new(config).unwrap();

    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;
    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM failed with HTTP 503 after 5 attempts")
    );
    assert_eq!(server.hits(), 5);

    // Another job on the same worker (a clone shares the breaker).
    let started = Instant::now();
    let e = writer
        .clone()
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;
    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM circuit open after repeated failures")
    );
    assert_eq!((e.requests, server.hits()), (0, 5));
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn an_unreachable_endpoint_degrades() {
    // A port that was just free: nothing listens there.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = specdoc_genai::Config::new(format!("http://{addr}/v1"), "test-model");
    config.retry_base_delay = Duration::from_millis(10);
    config.max_attempts = 2;
    let writer = Writer::new(config).unwrap();

    let e = writer
        .enrich(&mut parse(PETS), Mode::FillMissing, &NoCache)
        .await;

    assert_eq!(
        e.degraded.as_deref(),
        Some("LLM unreachable: connection refused after 2 attempts")
    );
    assert_eq!(e.requests, 2);
}

#[tokio::test]
async fn dropping_enrich_aborts_the_call_in_flight() {
    let mut server = start(|_, _| Reply::Hang).await;
    let writer = Writer::new(common::config(&server)).unwrap();
    let mut spec = parse(PETS);
    let started = Instant::now();

    // The job is cancelled while the model is still thinking.
    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        writer.enrich(&mut spec, Mode::FillMissing, &NoCache),
    )
    .await;

    assert!(cancelled.is_err());
    assert!(started.elapsed() < Duration::from_secs(1));
    // The server sees the connection go: its handler is dropped unanswered.
    let abandoned = tokio::time::timeout(Duration::from_secs(2), server.abandoned.recv()).await;
    assert_eq!(abandoned, Ok(Some(())));
    assert_eq!(server.hits(), 1);
}
