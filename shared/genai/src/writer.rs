//! The [`Writer`]: one per worker process, shared by its jobs. [`Writer::enrich`] plans the
//! batches, answers what it can from the cache, then sends the rest (several at once, within
//! the writer-wide semaphore) and writes each valid answer into the spec.
//!
//! Retries use `backon` (already in the tree through redis): exponential backoff with jitter,
//! and its `adjust` hook replaces the delay by the server's `Retry-After`, or gives up when
//! the server asks for longer than `GENAI_TIMEOUT`. Everything runs inside the `enrich`
//! future (no spawned task), so dropping it aborts the calls in flight.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use backon::{ExponentialBuilder, Retryable};
use futures::{StreamExt, stream};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Client, Url};
use serde_json::json;
use sha2::{Digest, Sha256};
use specdoc_docs::Spec;
use specdoc_metrics::{LlmLabels, metrics};
use tokio::sync::Semaphore;
use tracing::field::Empty;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::answer::{self, Kind};
use crate::breaker::Breaker;
use crate::budget::Budget;
use crate::client::{self, Failure};
use crate::config::{Config, ConfigError};
use crate::prompt::{self, Batch, PROMPT_VERSION, SYSTEM_PROMPT};
use crate::{Cache, Enrichment, Mode};

/// Cache lookups in flight at once for one job.
const CACHE_LOOKUPS: usize = 8;

/// Writes a spec's prose with an LLM. Cheap to clone: clones share the HTTP client, the
/// concurrency limit and the circuit breaker.
#[derive(Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

struct Inner {
    http: Client,
    endpoint: Url,
    auth: Option<(HeaderName, HeaderValue)>,
    config: Config,
    permits: Semaphore,
    breaker: Mutex<Breaker>,
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Writer")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("model", &c.model)
            .field(
                "auth",
                &self.inner.auth.as_ref().map(|(name, _)| name.as_str()),
            )
            .field("timeout", &c.timeout)
            .field("max_concurrency", &c.max_concurrency)
            .field("max_requests_per_job", &c.max_requests_per_job)
            .field("max_tokens_per_job", &c.max_tokens_per_job)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// A writer for `config` (validated here).
    pub fn new(config: Config) -> Result<Writer, ConfigError> {
        config.validate()?;
        let endpoint = client::endpoint(&config.base_url, config.api_version.as_deref())?;
        let auth = client::auth_header(&config)?;
        if auth.is_some() && endpoint.scheme() == "http" && !is_loopback(&endpoint) {
            warn!("GENAI_BASE_URL is plain http to another host: the API key travels unencrypted");
        }
        let http = client::http_client(&config)?;
        Ok(Writer {
            inner: Arc::new(Inner {
                http,
                endpoint,
                auth,
                permits: Semaphore::new(config.max_concurrency),
                breaker: Mutex::new(Breaker::new(
                    config.breaker_threshold,
                    config.breaker_cooldown,
                )),
                config,
            }),
        })
    }

    /// The model name (also part of every cache key).
    pub fn model(&self) -> &str {
        &self.inner.config.model
    }

    /// Writes the prose `spec` lacks (or all prose, for [`Mode::RewriteAll`]) with the model,
    /// marks each text generated, and never fails: on any trouble it stops calling and says
    /// why in [`Enrichment::degraded`], keeping whatever was already written.
    pub async fn enrich(&self, spec: &mut Spec, mode: Mode, cache: &impl Cache) -> Enrichment {
        let batches = prompt::plan(spec, mode);
        let mut out = Enrichment::default();
        if batches.is_empty() {
            return out;
        }
        let model = self.model();

        // The cache first: a resubmitted spec is answered without a single call, even while
        // the breaker is open. (The stream takes owned keys: a closure over a reference would
        // make this future !Send.)
        let keys: Vec<String> = batches.iter().map(|b| cache_key(model, b)).collect();
        let hits: Vec<Option<String>> = stream::iter(keys.clone())
            .map(|key| async move { cache.get(&key).await })
            .buffered(CACHE_LOOKUPS)
            .collect()
            .await;
        let mut pending = Vec::new();
        for ((batch, key), hit) in batches.into_iter().zip(keys).zip(hits) {
            match hit.and_then(|v| answer::texts(&v, kinds(&batch)).ok()) {
                Some(texts) => {
                    out.cache_hits += 1;
                    out.filled += write(spec, &batch, texts, mode);
                }
                None => pending.push((batch, key)),
            }
        }

        let job = Job {
            budget: Budget::new(
                self.inner.config.max_requests_per_job,
                self.inner.config.max_tokens_per_job,
            ),
            stop: AtomicBool::new(false),
        };
        let job = &job;
        let mut answers = stream::iter(pending)
            .map(|(batch, key)| async move {
                let result = self.request(job, &batch).await;
                (batch, key, result)
            })
            .buffer_unordered(self.inner.config.max_concurrency);
        while let Some((batch, key, result)) = answers.next().await {
            match result {
                Ok(texts) => {
                    if let Ok(value) = serde_json::to_string(&texts) {
                        cache.put(&key, &value).await;
                    }
                    out.filled += write(spec, &batch, texts, mode);
                }
                Err((failure, attempts)) => {
                    // Stop starting calls; those in flight may still finish and be used.
                    job.stop.store(true, Ordering::Relaxed);
                    if out.degraded.is_none() && failure != Failure::Stopped {
                        out.degraded = Some(failure.reason(attempts, self.inner.config.timeout));
                    }
                }
            }
        }
        (out.requests, out.tokens) = job.budget.spent();
        info!(
            model,
            filled = out.filled,
            requests = out.requests,
            cache_hits = out.cache_hits,
            tokens = out.tokens,
            degraded = out.degraded.as_deref(),
            "llm enrichment done"
        );
        out
    }

    /// One batch's request, with retries; on failure, also how many calls were made.
    async fn request(
        &self,
        job: &Job,
        batch: &Batch,
    ) -> Result<BTreeMap<String, String>, (Failure, u32)> {
        let config = &self.inner.config;
        let attempts = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(config.retry_base_delay)
            .with_max_delay(config.retry_base_delay * 16)
            .with_jitter()
            .with_max_times(config.max_attempts.saturating_sub(1) as usize);
        let longest_wait = config.timeout;
        let call = || async {
            let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            self.attempt(job, batch, n).await
        };
        call.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(Failure::retryable)
            .adjust(|failure, delay| {
                // `delay` is None once the attempts are used up.
                let delay = delay?;
                match failure.retry_after() {
                    Some(wait) if wait > longest_wait => None,
                    Some(wait) => Some(wait),
                    None => Some(delay),
                }
            })
            .notify(|failure, delay| {
                debug!(
                    error.type = failure.kind(),
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying llm request"
                );
            })
            .await
            .map_err(|failure| {
                // Calls that never went out (budget, breaker, stop) are not attempts.
                let made = attempts.load(Ordering::Relaxed);
                (failure, made)
            })
    }

    /// One HTTP call, within the semaphore, the budget and the breaker.
    async fn attempt(
        &self,
        job: &Job,
        batch: &Batch,
        attempt: u32,
    ) -> Result<BTreeMap<String, String>, Failure> {
        let inner = &*self.inner;
        let config = &inner.config;
        if job.stop.load(Ordering::Relaxed) {
            return Err(Failure::Stopped);
        }
        // The semaphore is never closed; a closed one would mean the writer is going away.
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| Failure::Stopped)?;
        if job.stop.load(Ordering::Relaxed) {
            return Err(Failure::Stopped);
        }
        let prompt_tokens = estimate_tokens(SYSTEM_PROMPT.len() + batch.user.len());
        let (ticket, max_tokens) = job
            .budget
            .reserve(prompt_tokens, config.max_output_tokens)
            .map_err(Failure::Budget)?;
        if !self.breaker(|b| b.allow(Instant::now())) {
            job.budget.refund(ticket);
            return Err(Failure::CircuitOpen);
        }
        let mut body = json!({
            "model": config.model,
            "messages": [
                { "role": "system", "content": SYSTEM_PROMPT },
                { "role": "user", "content": batch.user },
            ],
            "max_tokens": max_tokens,
            "stream": false,
        });
        if config.json_mode {
            body["response_format"] = json!({ "type": "json_object" });
        }
        let body = serde_json::to_vec(&body).unwrap_or_default();

        let span = info_span!(
            "llm request",
            otel.name = "chat.completions",
            otel.kind = "client",
            otel.status_code = Empty,
            gen_ai.system = "openai",
            gen_ai.operation.name = "chat",
            gen_ai.request.model = %config.model,
            gen_ai.request.max_tokens = max_tokens,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.usage.total_tokens = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            attempt,
            texts = batch.wanted.len(),
        );
        let started = Instant::now();
        let result = client::post(
            &inner.http,
            &inner.endpoint,
            inner.auth.as_ref(),
            body,
            config.timeout,
        )
        .instrument(span.clone())
        .await;
        let seconds = started.elapsed().as_secs_f64();

        let result = match result {
            Ok(bytes) => {
                self.breaker(|b| b.success());
                let reply = answer::completion(&bytes);
                let u = reply.usage;
                let tokens = u
                    .total_tokens
                    .or_else(|| Some(u.prompt_tokens? + u.completion_tokens?))
                    .unwrap_or_else(|| prompt_tokens + estimate_tokens(bytes.len()));
                job.budget.settle(ticket, tokens);
                span.record("gen_ai.usage.total_tokens", tokens);
                if let Some(t) = u.prompt_tokens {
                    span.record("gen_ai.usage.input_tokens", t);
                }
                if let Some(t) = u.completion_tokens {
                    span.record("gen_ai.usage.output_tokens", t);
                }
                reply
                    .content
                    .and_then(|content| answer::texts(&content, kinds(batch)))
                    .map_err(Failure::Unusable)
            }
            Err(failure) => {
                if self.breaker(|b| b.failure(Instant::now())) {
                    warn!(
                        cooldown_s = config.breaker_cooldown.as_secs(),
                        "llm circuit breaker opened"
                    );
                }
                // Failed calls are not billed; a timed-out one may have been, so it keeps
                // the prompt estimate.
                let tokens = if failure == Failure::Timeout {
                    prompt_tokens
                } else {
                    0
                };
                job.budget.settle(ticket, tokens);
                Err(failure)
            }
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(failure) => {
                span.record("otel.status_code", "ERROR");
                span.record("error.type", failure.kind());
                warn!(
                    parent: &span,
                    error.type = failure.kind(),
                    attempt,
                    seconds,
                    "llm request failed"
                );
                failure.outcome()
            }
        };
        let m = metrics();
        m.llm_requests
            .get_or_create(&LlmLabels {
                outcome: outcome.to_string(),
            })
            .inc();
        m.llm_seconds.observe(seconds);
        result
    }

    fn breaker<T>(&self, f: impl FnOnce(&mut Breaker) -> T) -> T {
        // The breaker is a few fields updated atomically under the lock; a panic elsewhere
        // cannot leave it half-written, so a poisoned lock is still usable.
        let mut b = self.inner.breaker.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut b)
    }
}

/// State shared by one job's batches.
struct Job {
    budget: Budget,
    /// Set on the first failure: no further call starts.
    stop: AtomicBool,
}

/// The cache key of `batch` for `model`: 64 hex digits of SHA-256 over the prompt version,
/// the model, the system prompt and the user message (which holds the whole excerpt).
pub fn cache_key(model: &str, batch: &Batch) -> String {
    let mut h = Sha256::new();
    for part in [
        "specdoc-genai",
        &PROMPT_VERSION.to_string(),
        model,
        SYSTEM_PROMPT,
        &batch.user,
    ] {
        // Length-prefixed, so no two different inputs concatenate to the same bytes.
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What kind of text each id of `batch` asks for.
fn kinds(batch: &Batch) -> impl Fn(&str) -> Option<Kind> + '_ {
    |id| batch.wanted.get(id).map(|t| t.kind())
}

/// Writes validated texts into the spec; returns how many landed.
fn write(spec: &mut Spec, batch: &Batch, texts: BTreeMap<String, String>, mode: Mode) -> usize {
    let mut written = 0;
    for (id, text) in texts {
        if let Some(target) = batch.wanted.get(&id)
            && prompt::apply(spec, *target, text, mode)
        {
            written += 1;
        }
    }
    written
}

/// Tokens in `bytes` of text, estimated on the high side (about three bytes per token).
fn estimate_tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(3) + 16
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
