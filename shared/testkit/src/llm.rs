//! A real chat-completions server for the process tests and the WatchJob benchmark. It answers
//! the way the caller sets (write, write slowly, fail, hang) and counts the requests it received.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How the server answers.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Writes "LLM wrote `<id>`." for every requested id.
    Write,
    /// Answers 500 to everything.
    Fail,
    /// Never answers.
    Hang,
    /// Writes like `Write`, after a pause.
    Slow(Duration),
}

/// A running server.
pub struct FakeLlm {
    /// The base URL for `GENAI_BASE_URL`.
    pub url: String,
    hits: Arc<AtomicUsize>,
}

impl FakeLlm {
    /// Serves on a free port of 127.0.0.1, in the background.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let app = router(behaviour, hits.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, hits }
    }

    /// Serves on `listen` until the process ends (a model for other processes to call).
    pub async fn serve(listen: std::net::SocketAddr, behaviour: Behaviour) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        axum::serve(listener, router(behaviour, Arc::default())).await
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn router(behaviour: Behaviour, hits: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(answer))
        .with_state((behaviour, hits))
}

async fn answer(
    State((behaviour, hits)): State<(Behaviour, Arc<AtomicUsize>)>,
    body: Bytes,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    match behaviour {
        Behaviour::Fail => return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response(),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Behaviour::Slow(pause) => tokio::time::sleep(pause).await,
        Behaviour::Write => {}
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    // The writer lists the ids it wants on a `Keys: [...]` line of its message.
    let keys: Vec<String> = request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|message| message["content"].as_str())
        .flat_map(str::lines)
        .find_map(|line| line.strip_prefix("Keys: "))
        .and_then(|keys| serde_json::from_str(keys).ok())
        .unwrap_or_default();
    let texts: serde_json::Map<String, Value> = keys
        .into_iter()
        .map(|id| {
            let text = format!("LLM wrote {id}.");
            (id, Value::String(text))
        })
        .collect();
    let reply = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": request["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": Value::Object(texts).to_string()}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        reply.to_string(),
    )
        .into_response()
}
