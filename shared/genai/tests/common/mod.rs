//! A real HTTP server, started in-process on 127.0.0.1:0, that speaks the chat-completions
//! API the way each test scripts it (obey, fail, stall, answer garbage), and records what it
//! was sent. Also the test spec and helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses part of it

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use specdoc_docs::{Limits, Spec};
use specdoc_genai::Config;
use tokio::sync::{Barrier, mpsc};

/// What the server does with one request.
pub enum Reply {
    /// Answers every requested id with "Generated text for <id>."
    Obey,
    /// Answers every requested id with this text.
    Say(String),
    /// Answers with this message content, verbatim.
    Content(String),
    /// Answers with this HTTP body (status 200), verbatim.
    Body(String),
    /// Answers with an error status and, optionally, a `Retry-After` header.
    Status(u16, Option<&'static str>),
    /// Never answers (until the client goes away).
    Hang,
    /// Waits at the barrier, then obeys.
    AfterBarrier(Arc<Barrier>),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Value,
}

impl Seen {
    /// The ids the request asks for (the `Keys:` line of the user message).
    pub fn ids(&self) -> Vec<String> {
        let user = self.body["messages"][1]["content"].as_str().unwrap_or("");
        let keys = user
            .lines()
            .find_map(|l| l.strip_prefix("Keys: "))
            .unwrap_or("[]");
        serde_json::from_str(keys).unwrap_or_default()
    }

    /// The user message.
    pub fn user(&self) -> &str {
        self.body["messages"][1]["content"].as_str().unwrap_or("")
    }
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    hits: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    dropped: mpsc::UnboundedSender<()>,
}

/// A running server; it stops with the test's runtime.
pub struct Server {
    /// The base URL to configure (`http://127.0.0.1:PORT/v1`).
    pub url: String,
    shared: Arc<Shared>,
    /// Receives one message per request whose handler was dropped before answering (the
    /// client went away).
    pub abandoned: mpsc::UnboundedReceiver<()>,
}

impl Server {
    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The most requests handled at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Starts a server answering each request (numbered from 0) as `script` says.
pub async fn start(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Server {
    let (dropped, abandoned) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        script: Box::new(script),
        hits: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        dropped,
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        url,
        shared,
        abandoned,
    }
}

/// Counts a request in flight; reports it abandoned if dropped before it was answered.
struct InFlight {
    shared: Arc<Shared>,
    answered: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.answered {
            let _ = self.shared.dropped.send(());
        }
    }
}

async fn chat(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = shared.hits.fetch_add(1, Ordering::SeqCst);
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let mut guard = InFlight {
        shared: shared.clone(),
        answered: false,
    };
    let seen = Seen {
        headers,
        query: uri.query().map(str::to_string),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    shared.seen.lock().unwrap().push(seen.clone());
    let reply = (shared.script)(n, &seen);
    let response = match reply {
        Reply::Obey => completion(&obey(&seen, |id| format!("Generated text for {id}."))),
        Reply::Say(text) => completion(&obey(&seen, |_| text.clone())),
        Reply::Content(content) => completion(&content),
        Reply::Body(body) => (StatusCode::OK, body).into_response(),
        Reply::Status(code, retry_after) => {
            let code = StatusCode::from_u16(code).unwrap();
            match retry_after {
                Some(wait) => (code, [("retry-after", wait)], "slow down").into_response(),
                None => (code, "server error").into_response(),
            }
        }
        Reply::Hang => std::future::pending().await,
        Reply::AfterBarrier(barrier) => {
            barrier.wait().await;
            completion(&obey(&seen, |id| format!("Generated text for {id}.")))
        }
    };
    guard.answered = true;
    response
}

fn obey(seen: &Seen, text: impl Fn(&str) -> String) -> String {
    let texts: serde_json::Map<String, Value> = seen
        .ids()
        .into_iter()
        .map(|id| {
            let t = text(&id);
            (id, Value::String(t))
        })
        .collect();
    Value::Object(texts).to_string()
}

/// A chat completion whose message is `content`, reporting 150 tokens.
fn completion(content: &str) -> Response {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content },
            "finish_reason": "stop",
        }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150 },
    });
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A configuration for `server` that keeps tests fast: short retry delays, a 5 s timeout.
pub fn config(server: &Server) -> Config {
    let mut c = Config::new(server.url.as_str(), "test-model");
    c.retry_base_delay = Duration::from_millis(10);
    c.timeout = Duration::from_secs(5);
    c
}

/// A small spec lacking 8 texts (the API overview, tag `pets`, GET /pets's summary,
/// description and `limit` parameter, GET /store/orders/{orderId}'s summary and description,
/// schema `Pet`) and holding authored ones elsewhere.
pub const PETS: &str = r#"
openapi: 3.0.3
info: {title: Pet Store, version: '1.0'}
tags:
  - name: pets
  - name: store
    description: Orders and inventory.
paths:
  /pets:
    get:
      tags: [pets]
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200':
          description: A list of pets
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    post:
      tags: [pets]
      summary: Add a pet
      description: Adds a pet to the store.
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses: {'201': {description: Created}}
  /store/orders/{orderId}:
    get:
      tags: [store]
      parameters:
        - {name: orderId, in: path, required: true, description: The order's id., schema: {type: string}}
      responses: {'200': {description: An order}}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties: {id: {type: integer}, name: {type: string}}
    Order: {type: object, description: A customer's order., properties: {id: {type: string}}}
"#;

/// The ids [`PETS`] lacks, sorted.
pub const PETS_MISSING: [&str; 8] = [
    "op1.description",
    "op1.p1",
    "op1.summary",
    "op3.description",
    "op3.summary",
    "overview",
    "s1",
    "tag1",
];

/// Parses a YAML or JSON spec.
pub fn parse(yaml: &str) -> Spec {
    specdoc_docs::parse(yaml.as_bytes(), &Limits::default()).unwrap()
}

/// A spec with `n` undocumented operations (three texts each: summary, description and one
/// parameter), which the writer splits into several requests.
pub fn many_operations(n: usize) -> Spec {
    let mut y = String::from("openapi: 3.0.3\ninfo: {title: Many, version: '1'}\npaths:\n");
    for i in 0..n {
        y.push_str(&format!(
            "  /things{i}:\n    get:\n      parameters:\n        - {{name: q, in: query, schema: {{type: string}}}}\n      responses: {{'200': {{description: ok}}}}\n"
        ));
    }
    parse(&y)
}
