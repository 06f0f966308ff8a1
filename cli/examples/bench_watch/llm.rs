//! A chat-completions server that answers every request after a fixed delay. DOCUMENTATION jobs
//! then spend that long in their generate step without using the CPU, as real jobs wait on a
//! model; so the worker's slots, not the machine's cores, set the pace of jobs, and the same
//! pace holds for every watcher count.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// Serves on `listen` until the process is killed.
pub async fn serve(listen: SocketAddr, delay: Duration) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/v1/chat/completions", post(answer))
        .with_state(delay);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn answer(State(delay): State<Duration>, body: Bytes) -> impl IntoResponse {
    tokio::time::sleep(delay).await;
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    // The writer lists the ids it wants on a `Keys: [...]` line of the user message.
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
            let text = format!("What {id} does, as a model would put it.");
            (id, Value::String(text))
        })
        .collect();
    let reply = json!({
        "id": "chatcmpl-bench",
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
}
