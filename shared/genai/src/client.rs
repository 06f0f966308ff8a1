//! The HTTP edge: the endpoint URL, the reqwest client, one POST with a capped body, and the
//! [`Failure`]s a call can end in, each with its user-facing reason.
//!
//! Reasons are built from fixed words and numbers only, never from the server's body or
//! reqwest's messages (which carry URLs), so they cannot leak a key or echo spec text.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Url};
use rustls_platform_verifier::BuilderVerifierExt;

use crate::answer::Unusable;
use crate::config::{Config, ConfigError};

/// Largest response body read; a chat completion for one batch is a few kilobytes.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The chat-completions URL for a base URL (`…/v1` gets `/chat/completions` appended), with
/// Azure's `api-version` query when given.
pub(crate) fn endpoint(base_url: &str, api_version: Option<&str>) -> Result<Url, ConfigError> {
    let mut url =
        Url::parse(base_url.trim()).map_err(|_| ConfigError::BaseUrl("is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::BaseUrl("must start with http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::BaseUrl(
            "must not contain credentials; set GENAI_API_KEY instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::BaseUrl(
            "must not have a query or fragment; set GENAI_API_VERSION for Azure's api-version",
        ));
    }
    let path = url.path().trim_end_matches('/').to_string();
    if !path.ends_with("/chat/completions") {
        url.set_path(&format!("{path}/chat/completions"));
    }
    if let Some(v) = api_version {
        url.query_pairs_mut().append_pair("api-version", v);
    }
    Ok(url)
}

/// The header carrying the key: `Authorization: Bearer` for OpenAI-style servers, `api-key`
/// for Azure (recognised by its `api-version`). Marked sensitive so no `Debug` shows it.
pub(crate) fn auth_header(
    config: &Config,
) -> Result<Option<(HeaderName, HeaderValue)>, ConfigError> {
    let Some(key) = &config.api_key else {
        return Ok(None);
    };
    let (name, value) = if config.api_version.is_some() {
        (HeaderName::from_static("api-key"), key.expose().to_string())
    } else {
        (header::AUTHORIZATION, format!("Bearer {}", key.expose()))
    };
    let mut value = HeaderValue::from_str(&value).map_err(|_| ConfigError::InvalidKey)?;
    value.set_sensitive(true);
    Ok(Some((name, value)))
}

/// The HTTP client: rustls with the ring provider and the platform's certificate verifier
/// (configured here rather than installed process-wide), HTTP/1.1, no redirects (a POST
/// should not wander, and the key must not follow), proxies from the usual environment.
pub(crate) fn http_client(config: &Config) -> Result<Client, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("specdoc/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(ConfigError::Client)
}

/// Why a call (or the request it belonged to) did not produce texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No HTTP answer: the cause in a few fixed words.
    Unreachable(&'static str),
    /// No complete answer within the timeout.
    Timeout,
    /// A non-success status, with the server's requested wait, if any.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// An answer that is not usable.
    Unusable(Unusable),
    /// The job's budget allows no further call.
    Budget(Exhausted),
    /// The circuit breaker refused the call.
    CircuitOpen,
    /// Another batch of the same job failed first; this one stopped without calling.
    Stopped,
}

/// Which budget ran out, and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exhausted {
    Requests(u32),
    Tokens(u64),
}

impl Failure {
    /// Worth another attempt: rate limits, server errors and lost connections.
    pub(crate) fn retryable(&self) -> bool {
        match self {
            // A certificate or handshake problem will not go away by itself.
            Failure::Unreachable(cause) => !cause.starts_with("TLS"),
            Failure::Status { code, .. } => *code == 429 || (500..600).contains(code),
            _ => false,
        }
    }

    /// The wait the server asked for before retrying.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The `outcome` label of the call's metric.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Status { code: 429, .. } => "rate_limited",
            Failure::Unusable(_) => "rejected",
            _ => "error",
        }
    }

    /// Short words for traces (`error.type`).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Failure::Unreachable(_) => "unreachable",
            Failure::Timeout => "timeout",
            Failure::Status { code: 429, .. } => "rate_limited",
            Failure::Status { .. } => "http_status",
            Failure::Unusable(_) => "unusable_response",
            Failure::Budget(_) => "budget_exhausted",
            Failure::CircuitOpen => "circuit_open",
            Failure::Stopped => "stopped",
        }
    }

    /// The user-facing reason after `attempts` calls, e.g. "LLM timed out after 30s".
    pub(crate) fn reason(&self, attempts: u32, timeout: Duration) -> String {
        let tries = if attempts > 1 {
            format!(" after {attempts} attempts")
        } else {
            String::new()
        };
        match self {
            Failure::Unreachable(cause) => format!("LLM unreachable: {cause}{tries}"),
            Failure::Timeout => format!("LLM timed out after {}", secs(timeout)),
            Failure::Status {
                code: 429,
                retry_after: Some(wait),
            } if *wait > timeout => format!(
                "LLM rate-limited (429): asked to wait {}, longer than GENAI_TIMEOUT",
                secs(*wait)
            ),
            Failure::Status { code: 429, .. } => format!("LLM rate-limited (429){tries}"),
            Failure::Status {
                code: 401 | 403, ..
            } => {
                format!("LLM refused the API key (HTTP {})", self.code())
            }
            Failure::Status { code: 404, .. } => {
                "LLM endpoint or model not found (HTTP 404); check GENAI_BASE_URL and GENAI_MODEL"
                    .to_string()
            }
            Failure::Status { code, .. } if (300..400).contains(code) => {
                format!("LLM answered with a redirect (HTTP {code}); check GENAI_BASE_URL")
            }
            Failure::Status { code, .. } if (400..500).contains(code) => {
                format!("LLM rejected the request (HTTP {code})")
            }
            Failure::Status { code, .. } => format!("LLM failed with HTTP {code}{tries}"),
            Failure::Unusable(why) => format!("LLM answered an unusable response ({why})"),
            Failure::Budget(Exhausted::Requests(n)) => format!(
                "LLM budget exhausted ({n} request{})",
                if *n == 1 { "" } else { "s" }
            ),
            Failure::Budget(Exhausted::Tokens(n)) => format!("LLM budget exhausted ({n} tokens)"),
            Failure::CircuitOpen => "LLM circuit open after repeated failures".to_string(),
            Failure::Stopped => "LLM calls stopped".to_string(),
        }
    }

    fn code(&self) -> u16 {
        match self {
            Failure::Status { code, .. } => *code,
            _ => 0,
        }
    }
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// POSTs `body` and returns the response body of a success, read up to [`MAX_BODY_BYTES`].
/// `timeout` covers everything from connecting to the last body byte.
pub(crate) async fn post(
    http: &Client,
    url: &Url,
    auth: Option<&(HeaderName, HeaderValue)>,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Vec<u8>, Failure> {
    let mut request = http
        .post(url.clone())
        .timeout(timeout)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(body);
    if let Some((name, value)) = auth {
        request = request.header(name.clone(), value.clone());
    }
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status();
    tracing::Span::current().record("http.response.status_code", status.as_u16());
    if !status.is_success() {
        // The body is not read: an error page can echo anything, and it is not needed.
        return Err(Failure::Status {
            code: status.as_u16(),
            retry_after: retry_after(response.headers()),
        });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Failure::Unusable(Unusable::TooLarge));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The wait a 429 or 503 asks for: `retry-after-ms` (Azure, OpenAI) or `Retry-After` in
/// seconds. The HTTP-date form is not honoured (the backoff applies instead): LLM APIs send
/// seconds, and a date would trust the server's clock.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let wait = value("retry-after-ms")
        .map(|ms| ms / 1000.0)
        .or_else(|| value("retry-after"))?;
    (wait.is_finite() && wait >= 0.0).then(|| Duration::from_secs_f64(wait.min(86_400.0)))
}

/// A transport error as a [`Failure`], described by its kind only.
fn transport(e: reqwest::Error) -> Failure {
    if e.is_timeout() && !e.is_connect() {
        return Failure::Timeout;
    }
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            let cause = match io.kind() {
                ConnectionRefused => Some("connection refused"),
                ConnectionReset => Some("connection reset"),
                ConnectionAborted => Some("connection aborted"),
                TimedOut => Some("connection timed out"),
                UnexpectedEof => Some("connection closed"),
                HostUnreachable | NetworkUnreachable => Some("host unreachable"),
                _ => None,
            };
            if let Some(cause) = cause {
                return Failure::Unreachable(cause);
            }
        }
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup") {
            return Failure::Unreachable("host name not resolved");
        }
        if text.contains("certificate") {
            return Failure::Unreachable("TLS certificate rejected");
        }
        if text.contains("tls") || text.contains("handshake") {
            return Failure::Unreachable("TLS handshake failed");
        }
        source = err.source();
    }
    if e.is_timeout() {
        Failure::Unreachable("connection timed out")
    } else if e.is_connect() {
        Failure::Unreachable("connection failed")
    } else {
        Failure::Unreachable("connection lost")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = |b: &str, v: Option<&str>| endpoint(b, v).unwrap().to_string();
        assert_eq!(
            e("https://api.openai.com/v1/", None),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            e("http://localhost:8080/v1/chat/completions", None),
            "http://localhost:8080/v1/chat/completions"
        );
        assert_eq!(
            e(
                "https://r.openai.azure.com/openai/deployments/gpt4o",
                Some("2024-10-21")
            ),
            "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
        );
        assert!(endpoint("https://h/v1?api-version=1", None).is_err());
        assert!(endpoint("localhost:8080", None).is_err());
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut d = HeaderMap::new();
        d.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&d), None);
    }

    #[test]
    fn reasons_are_short_and_specific() {
        let t = Duration::from_secs(30);
        assert_eq!(Failure::Timeout.reason(1, t), "LLM timed out after 30s");
        let limited = Failure::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            limited.reason(3, t),
            "LLM rate-limited (429) after 3 attempts"
        );
        let long = Failure::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(
            long.reason(1, t),
            "LLM rate-limited (429): asked to wait 120s, longer than GENAI_TIMEOUT"
        );
        assert_eq!(
            Failure::Budget(Exhausted::Requests(1)).reason(1, t),
            "LLM budget exhausted (1 request)"
        );
        assert!(limited.retryable());
        assert!(!Failure::Timeout.retryable());
        assert!(
            !Failure::Status {
                code: 400,
                retry_after: None
            }
            .retryable()
        );
    }
}
