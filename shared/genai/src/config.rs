//! Configuration: [`GenAiArgs`] (the `GENAI_*` environment variables, flattened into the
//! worker's clap arguments) becomes a validated [`Config`], which builds the [`Writer`].
//!
//! The API key lives in an [`ApiKey`], whose `Debug` is redacted, and `GenAiArgs` implements
//! `Debug` by hand for the same reason: a worker that logs its configuration must not log it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::writer::Writer;

/// Settings, read from the environment by the worker (flatten them into its clap `Args`).
#[derive(Clone, clap::Args)]
pub struct GenAiArgs {
    /// Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`; unset or empty
    /// means no LLM (the deterministic writer alone).
    #[arg(long, env = "GENAI_BASE_URL")]
    pub genai_base_url: Option<String>,
    /// Model name sent with each request (for Azure: any label; the deployment in the URL
    /// decides). It is also part of the cache key.
    #[arg(long, env = "GENAI_MODEL", default_value = "gpt-4o-mini")]
    pub genai_model: String,
    /// API key (Bearer token; `api-key` header for Azure).
    #[arg(long, env = "GENAI_API_KEY", hide_env_values = true)]
    pub genai_api_key: Option<String>,
    /// File holding the API key (e.g. a mounted secret), as an alternative to GENAI_API_KEY.
    #[arg(long, env = "GENAI_API_KEY_FILE")]
    pub genai_api_key_file: Option<PathBuf>,
    /// Seconds one HTTP request may take, response body included.
    #[arg(long, env = "GENAI_TIMEOUT", default_value_t = 30)]
    pub genai_timeout: u64,
    /// Requests in flight at once, per worker process.
    #[arg(long, env = "GENAI_MAX_CONCURRENCY", default_value_t = 4)]
    pub genai_max_concurrency: usize,
    /// HTTP requests one job may make, retries included.
    #[arg(long, env = "GENAI_MAX_REQUESTS_PER_JOB", default_value_t = 20)]
    pub genai_max_requests_per_job: u32,
    /// Tokens (prompt and completion) one job may spend.
    #[arg(long, env = "GENAI_MAX_TOKENS_PER_JOB", default_value_t = 50_000)]
    pub genai_max_tokens_per_job: u64,
    /// Azure OpenAI's `api-version` (e.g. `2024-10-21`). When set, it is sent as a query
    /// parameter and the key goes in the `api-key` header instead of `Authorization: Bearer`.
    #[arg(long, env = "GENAI_API_VERSION")]
    pub genai_api_version: Option<String>,
    /// Attempts per request (1 = no retry) on 429, 5xx and connection errors.
    #[arg(long, env = "GENAI_MAX_ATTEMPTS", default_value_t = 3)]
    pub genai_max_attempts: u32,
    /// Cap on the completion tokens of one request (`max_tokens`). Keep prompt (about 4k
    /// tokens at most) plus this within the model's context: vLLM rejects requests that exceed it.
    #[arg(long, env = "GENAI_MAX_OUTPUT_TOKENS", default_value_t = 4096)]
    pub genai_max_output_tokens: u32,
    /// Send `response_format: {"type": "json_object"}`. Turn off for servers that reject it;
    /// the answer is validated either way.
    #[arg(long, env = "GENAI_JSON_MODE", default_value_t = true, action = clap::ArgAction::Set)]
    pub genai_json_mode: bool,
}

impl fmt::Debug for GenAiArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiArgs")
            .field("genai_base_url", &self.genai_base_url)
            .field("genai_model", &self.genai_model)
            .field(
                "genai_api_key",
                &self.genai_api_key.as_ref().map(|_| REDACTED),
            )
            .field("genai_api_key_file", &self.genai_api_key_file)
            .field("genai_timeout", &self.genai_timeout)
            .field("genai_max_concurrency", &self.genai_max_concurrency)
            .field(
                "genai_max_requests_per_job",
                &self.genai_max_requests_per_job,
            )
            .field("genai_max_tokens_per_job", &self.genai_max_tokens_per_job)
            .field("genai_api_version", &self.genai_api_version)
            .field("genai_max_attempts", &self.genai_max_attempts)
            .field("genai_max_output_tokens", &self.genai_max_output_tokens)
            .field("genai_json_mode", &self.genai_json_mode)
            .finish()
    }
}

const REDACTED: &str = "[redacted]";

impl GenAiArgs {
    /// The writer these settings describe; `None` when no base URL is set. Reads the key file.
    pub fn build(&self) -> Result<Option<Writer>, ConfigError> {
        self.config()?.map(Writer::new).transpose()
    }

    /// The validated configuration; `None` when no base URL is set. Reads the key file.
    pub fn config(&self) -> Result<Option<Config>, ConfigError> {
        let Some(base_url) = self
            .genai_base_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let api_key = match (&self.genai_api_key, &self.genai_api_key_file) {
            (Some(_), Some(_)) => return Err(ConfigError::KeyConflict),
            (Some(key), None) => Some(ApiKey::new(key.as_str())),
            (None, Some(path)) => {
                let key = std::fs::read_to_string(path).map_err(|source| ConfigError::KeyFile {
                    path: path.clone(),
                    source,
                })?;
                Some(ApiKey::new(key))
            }
            (None, None) => None,
        };
        let mut config = Config::new(base_url, self.genai_model.trim());
        config.api_key = api_key;
        config.api_version = self
            .genai_api_version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        config.timeout = Duration::from_secs(self.genai_timeout);
        config.max_concurrency = self.genai_max_concurrency;
        config.max_requests_per_job = self.genai_max_requests_per_job;
        config.max_tokens_per_job = self.genai_max_tokens_per_job;
        config.max_attempts = self.genai_max_attempts;
        config.max_output_tokens = self.genai_max_output_tokens;
        config.json_mode = self.genai_json_mode;
        config.validate()?;
        Ok(Some(config))
    }
}

/// An API key. Its `Debug` is redacted and it has no `Display`, so it cannot slip into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; surrounding whitespace (a key file's final newline) is dropped.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into().trim().to_string())
    }

    /// The key itself, for the auth header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// Everything a [`Writer`] needs; [`Config::new`] fills in the defaults of [`GenAiArgs`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL of the API (`…/v1`; for Azure `…/openai/deployments/NAME`). A URL that already
    /// ends in `/chat/completions` is used as it is.
    pub base_url: String,
    /// Model name (sent with each request, part of the cache key, recorded in traces).
    pub model: String,
    /// The API key, if the server needs one.
    pub api_key: Option<ApiKey>,
    /// Azure `api-version`; also switches the key to the `api-key` header.
    pub api_version: Option<String>,
    /// Time one HTTP request may take, response body included.
    pub timeout: Duration,
    /// Requests in flight at once across all jobs of this writer.
    pub max_concurrency: usize,
    /// HTTP requests one job may make, retries included.
    pub max_requests_per_job: u32,
    /// Tokens one job may spend.
    pub max_tokens_per_job: u64,
    /// Attempts per request; 1 disables retries.
    pub max_attempts: u32,
    /// Cap on one request's completion tokens.
    pub max_output_tokens: u32,
    /// Ask for `response_format: {"type": "json_object"}`.
    pub json_mode: bool,
    /// First retry delay; later ones double, with jitter, up to 16 times this.
    pub retry_base_delay: Duration,
    /// Consecutive failed calls that open the circuit breaker.
    pub breaker_threshold: u32,
    /// How long the open breaker refuses calls before letting one probe through.
    pub breaker_cooldown: Duration,
}

impl Config {
    /// A configuration with the documented defaults.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Config {
        Config {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            api_version: None,
            timeout: Duration::from_secs(30),
            max_concurrency: 4,
            max_requests_per_job: 20,
            max_tokens_per_job: 50_000,
            max_attempts: 3,
            max_output_tokens: 4096,
            json_mode: true,
            retry_base_delay: Duration::from_millis(500),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }

    /// Checks the settings that would make every job fail or hang.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, reason| Err(ConfigError::Invalid { setting, reason });
        if self.model.trim().is_empty() {
            return invalid("GENAI_MODEL", "must not be empty");
        }
        if self.timeout.is_zero() {
            return invalid("GENAI_TIMEOUT", "must be at least 1 second");
        }
        if self.max_concurrency == 0 {
            return invalid("GENAI_MAX_CONCURRENCY", "must be at least 1");
        }
        if self.max_requests_per_job == 0 {
            return invalid("GENAI_MAX_REQUESTS_PER_JOB", "must be at least 1");
        }
        if self.max_tokens_per_job == 0 {
            return invalid("GENAI_MAX_TOKENS_PER_JOB", "must be at least 1");
        }
        if self.max_attempts == 0 {
            return invalid("GENAI_MAX_ATTEMPTS", "must be at least 1");
        }
        if self.max_output_tokens < crate::budget::MIN_OUTPUT_TOKENS {
            return invalid("GENAI_MAX_OUTPUT_TOKENS", "must be at least 256");
        }
        if self.breaker_threshold == 0 {
            return invalid("breaker threshold", "must be at least 1");
        }
        if let Some(key) = &self.api_key {
            if key.expose().is_empty() {
                return Err(ConfigError::EmptyKey);
            }
            if reqwest::header::HeaderValue::from_str(key.expose()).is_err() {
                return Err(ConfigError::InvalidKey);
            }
        }
        crate::client::endpoint(&self.base_url, self.api_version.as_deref()).map(|_| ())
    }
}

/// A configuration that cannot work. Messages never include the API key, and name the URL
/// only by what is wrong with it (it could hold credentials).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Both GENAI_API_KEY and GENAI_API_KEY_FILE are set.
    #[error("set GENAI_API_KEY or GENAI_API_KEY_FILE, not both")]
    KeyConflict,
    /// The key file cannot be read.
    #[error("cannot read GENAI_API_KEY_FILE {}: {source}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key is empty (an empty variable or file).
    #[error("the GenAI API key is empty")]
    EmptyKey,
    /// The key has characters an HTTP header cannot carry.
    #[error("the GenAI API key contains characters not allowed in an HTTP header")]
    InvalidKey,
    /// GENAI_BASE_URL is unusable.
    #[error("GENAI_BASE_URL {0}")]
    BaseUrl(&'static str),
    /// A setting is out of range.
    #[error("{setting} {reason}")]
    Invalid {
        /// The setting's environment variable.
        setting: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// TLS cannot be set up (e.g. no system certificates).
    #[error("cannot set up TLS for the GenAI client: {0}")]
    Tls(#[from] rustls::Error),
    /// The HTTP client cannot be built.
    #[error("cannot build the GenAI HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        genai: GenAiArgs,
    }

    fn args(extra: &[&str]) -> GenAiArgs {
        let mut argv = vec!["worker"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().genai
    }

    #[test]
    fn no_base_url_means_no_writer() {
        assert!(args(&[]).build().unwrap().is_none());
        assert!(args(&["--genai-base-url", "  "]).build().unwrap().is_none());
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let c = args(&["--genai-base-url", "http://localhost:11434/v1"])
            .config()
            .unwrap()
            .unwrap();
        let d = Config::new("x", "gpt-4o-mini");
        assert_eq!(c.model, d.model);
        assert_eq!(c.timeout, d.timeout);
        assert_eq!(c.max_concurrency, d.max_concurrency);
        assert_eq!(c.max_requests_per_job, d.max_requests_per_job);
        assert_eq!(c.max_tokens_per_job, d.max_tokens_per_job);
        assert_eq!(c.max_attempts, d.max_attempts);
        assert_eq!(c.max_output_tokens, d.max_output_tokens);
        assert!(c.json_mode);
        let off = args(&[
            "--genai-base-url",
            "http://h/v1",
            "--genai-json-mode",
            "false",
        ]);
        assert!(!off.config().unwrap().unwrap().json_mode);
    }

    #[test]
    fn key_file_is_read_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("specdoc-genai-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "sk-from-file\n").unwrap();
        let a = args(&[
            "--genai-base-url",
            "https://api.openai.com/v1",
            "--genai-api-key-file",
            file.to_str().unwrap(),
        ]);
        let key = a.config().unwrap().unwrap().api_key.unwrap();
        assert_eq!(key.expose(), "sk-from-file");
        std::fs::remove_file(&file).unwrap();
        let err = a.config().unwrap_err().to_string();
        assert!(err.starts_with("cannot read GENAI_API_KEY_FILE"), "{err}");
    }

    #[test]
    fn bad_settings_are_refused_without_echoing_secrets() {
        let both = args(&[
            "--genai-base-url",
            "http://h/v1",
            "--genai-api-key",
            "sk-1",
            "--genai-api-key-file",
            "/k",
        ]);
        assert!(matches!(both.config(), Err(ConfigError::KeyConflict)));
        let creds = args(&["--genai-base-url", "https://user:sk-secret@h/v1"]);
        let err = creds.config().unwrap_err().to_string();
        assert!(!err.contains("sk-secret"), "{err}");
        let ftp = args(&["--genai-base-url", "ftp://h/v1"]);
        assert!(matches!(ftp.config(), Err(ConfigError::BaseUrl(_))));
        let zero = args(&[
            "--genai-base-url",
            "http://h/v1",
            "--genai-max-concurrency",
            "0",
        ]);
        assert_eq!(
            zero.config().unwrap_err().to_string(),
            "GENAI_MAX_CONCURRENCY must be at least 1"
        );
        let newline = args(&[
            "--genai-base-url",
            "http://h/v1",
            "--genai-api-key",
            "a\u{7}b",
        ]);
        assert!(matches!(newline.config(), Err(ConfigError::InvalidKey)));
    }

    #[test]
    fn debug_output_redacts_the_key() {
        let a = args(&[
            "--genai-base-url",
            "http://h/v1",
            "--genai-api-key",
            "sk-very-secret",
        ]);
        assert!(!format!("{a:?}").contains("sk-very-secret"));
        let c = a.config().unwrap().unwrap();
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }
}
