//! Who is calling, and what they may see.
//!
//! Every specdoc RPC carries `authorization: Bearer <token>`. A token maps to one team or to
//! the administrators ([`Caller`]). Tokens come from two places:
//! - a static list (`AUTH_TOKENS`, or the file `AUTH_TOKENS_FILE`, and `AUTH_ADMIN_TOKEN`), for
//!   small setups and for the first admin token of a real one;
//! - the database table `api_tokens`, managed with `specdoc admin token create|revoke|list`,
//!   which keeps only SHA-256 hashes.
//!
//! [`AuthLayer`] sits in front of every gRPC service except health and reflection (probes and
//! grpcurl's discovery need no token): it authenticates the call and puts the [`Caller`] in the
//! request's extensions, where handlers read it with [`Caller::of`]. A missing caller fails
//! closed. Database lookups are cached for [`CACHE_TTL`], so a revoked token stops working on
//! other replicas within that time (at once on the replica that revoked it).
//!
//! Authorization is the handlers' part, through [`Caller`]'s methods: another team's job and
//! another team's name answer NOT_FOUND, so a token cannot probe what exists.

use crate::ApiError;
use sha2::{Digest, Sha256};
use specdoc_core::{Invalid, TeamId};
use specdoc_store::{Store, TokenRecord, TokenRole};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How long a token read from the database is trusted without asking again.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

/// Shortest token accepted in `AUTH_TOKENS`: anything shorter is guessable.
const MIN_TOKEN_CHARS: usize = 16;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Sees and acts on every team's jobs, and manages tokens.
    Admin,
    /// Sees and acts on this team's jobs only.
    Team(TeamId),
}

impl From<TokenRole> for Caller {
    fn from(role: TokenRole) -> Self {
        match role {
            TokenRole::Admin => Caller::Admin,
            TokenRole::Team(team) => Caller::Team(team),
        }
    }
}

impl Caller {
    /// The caller [`AuthLayer`] authenticated; UNAUTHENTICATED when none did (a service hosted
    /// without the layer fails closed).
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Caller, ApiError> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthenticated("no authenticated caller".into()))
    }

    /// Whether the caller may see `team`'s jobs.
    pub fn sees(&self, team: &TeamId) -> bool {
        match self {
            Caller::Admin => true,
            Caller::Team(own) => own == team,
        }
    }

    /// NOT_FOUND naming `what` unless the caller may see `team`: another team's job looks
    /// exactly like a job that does not exist.
    pub fn check_sees(&self, team: &TeamId, what: impl FnOnce() -> String) -> Result<(), ApiError> {
        if self.sees(team) {
            Ok(())
        } else {
            Err(ApiError::NotFound(what()))
        }
    }

    /// The team a request's `field` names, as this caller may use it. Empty means the caller's
    /// own team, or every team (`None`) for an admin. Another team's name is NOT_FOUND.
    pub fn scope(&self, field: &'static str, requested: &str) -> Result<Option<TeamId>, ApiError> {
        if requested.is_empty() {
            return Ok(match self {
                Caller::Admin => None,
                Caller::Team(own) => Some(own.clone()),
            });
        }
        let team = TeamId::parse_field_named(field, requested)?;
        self.check_sees(&team, || format!("team {team}"))?;
        Ok(Some(team))
    }

    /// Like [`scope`](Self::scope), for requests about exactly one team: an admin must name it.
    pub fn team(&self, field: &'static str, requested: &str) -> Result<TeamId, ApiError> {
        self.scope(field, requested)?
            .ok_or_else(|| Invalid::new(field, "is required for an admin token").into())
    }

    /// PERMISSION_DENIED unless the caller is an admin.
    pub fn require_admin(&self, action: &str) -> Result<(), ApiError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Team(_) => Err(ApiError::PermissionDenied(format!(
                "{action} needs an admin token"
            ))),
        }
    }
}

/// Where the static tokens come from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthArgs {
    /// One admin token, bare (the Helm chart passes its generated Secret here).
    #[arg(long, env = "AUTH_ADMIN_TOKEN", hide_env_values = true)]
    pub auth_admin_token: Option<String>,
    /// Static tokens: comma-separated `admin=<token>` or `team:<team_id>=<token>` entries.
    #[arg(long, env = "AUTH_TOKENS", hide_env_values = true)]
    pub auth_tokens: Option<String>,
    /// A file of static tokens, one `admin=<token>` or `team:<team_id>=<token>` per line
    /// (lines starting with `#` are comments).
    #[arg(long, env = "AUTH_TOKENS_FILE")]
    pub auth_tokens_file: Option<PathBuf>,
}

/// Why the static tokens cannot be used. Never quotes a token.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read AUTH_TOKENS_FILE {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An entry is malformed.
    #[error("{source_name} entry {index}: {reason}")]
    Entry {
        /// `AUTH_TOKENS` or the file's path.
        source_name: String,
        /// 1-based entry (line) number.
        index: usize,
        /// What is wrong.
        reason: String,
    },
}

impl AuthArgs {
    /// An authenticator over these static tokens and, when given, the database's.
    pub fn authenticator(&self, store: Option<Store>) -> Result<Authenticator, ConfigError> {
        let mut tokens = Vec::new();
        if let Some(token) = self
            .auth_admin_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let entry = format!("admin={token}");
            tokens.extend(parse_entries(
                "AUTH_ADMIN_TOKEN",
                [entry.as_str()].into_iter(),
            )?);
        }
        if let Some(list) = &self.auth_tokens {
            tokens.extend(parse_entries("AUTH_TOKENS", list.split(','))?);
        }
        if let Some(path) = &self.auth_tokens_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            tokens.extend(parse_entries(&path.display().to_string(), text.lines())?);
        }
        Ok(Authenticator::new(tokens, store))
    }
}

fn parse_entries<'a>(
    source_name: &str,
    entries: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, Caller)>, ConfigError> {
    let mut out = Vec::new();
    for (i, entry) in entries.enumerate() {
        let entry = entry.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let error = |reason: &str| ConfigError::Entry {
            source_name: source_name.to_owned(),
            index: i + 1,
            reason: reason.to_owned(),
        };
        let (role, token) = entry
            .split_once('=')
            .ok_or_else(|| error("expected admin=<token> or team:<team_id>=<token>"))?;
        let caller = match role.trim() {
            "admin" => Caller::Admin,
            role => match role.strip_prefix("team:") {
                Some(team) => Caller::Team(
                    TeamId::parse_field(team.trim()).map_err(|e| error(&e.to_string()))?,
                ),
                None => return Err(error("the role must be `admin` or `team:<team_id>`")),
            },
        };
        let token = token.trim();
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(error(&format!(
                "the token is shorter than {MIN_TOKEN_CHARS} characters"
            )));
        }
        out.push((token.to_owned(), caller));
    }
    Ok(out)
}

/// A new random token (`sdt_` and 64 hex digits: 244 random bits, from two v4 UUIDs).
pub fn new_token() -> String {
    format!(
        "sdt_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The SHA-256 of a token, as stored. Tokens are random, not passwords, so a fast hash is
/// enough: there is nothing to guess from it.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Turns bearer tokens into callers. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    /// Static tokens by hash, so lookups compare digests rather than secrets.
    fixed: HashMap<String, Caller>,
    store: Option<Store>,
    cache: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("static_tokens", &self.fixed.len())
            .field("database", &self.store.is_some())
            .finish()
    }
}

impl Authenticator {
    /// Static `tokens`, then the database's when `store` is given.
    pub fn new(tokens: impl IntoIterator<Item = (String, Caller)>, store: Option<Store>) -> Self {
        Self {
            inner: Arc::new(Inner {
                fixed: tokens
                    .into_iter()
                    .map(|(token, caller)| (token_hash(&token), caller))
                    .collect(),
                store,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The caller an `authorization` header value (`Bearer <token>`) belongs to.
    pub async fn authenticate_header(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        let header = header.ok_or_else(|| {
            ApiError::Unauthenticated(
                "missing token: send `authorization: Bearer <token>` (SPECDOC_TOKEN for the CLI)"
                    .into(),
            )
        })?;
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the authorization metadata must be `Bearer <token>`".into(),
                )
            })?;
        self.authenticate(token).await
    }

    /// The caller `token` belongs to; UNAUTHENTICATED when it is unknown or revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, ApiError> {
        let hash = token_hash(token);
        if let Some(caller) = self.inner.fixed.get(&hash) {
            return Ok(caller.clone());
        }
        if let Some(caller) = self.cached(&hash) {
            return Ok(caller);
        }
        let invalid = || ApiError::Unauthenticated("invalid or revoked token".into());
        let store = self.inner.store.as_ref().ok_or_else(invalid)?;
        let record = store.live_token(&hash).await?.ok_or_else(invalid)?;
        let caller = Caller::from(record.role);
        self.lock_cache()
            .insert(hash, (caller.clone(), Instant::now()));
        Ok(caller)
    }

    fn cached(&self, hash: &str) -> Option<Caller> {
        let mut cache = self.lock_cache();
        match cache.get(hash) {
            Some((caller, at)) if at.elapsed() < CACHE_TTL => Some(caller.clone()),
            Some(_) => {
                cache.remove(hash);
                None
            }
            None => None,
        }
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Caller, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts and
        // removes), so a poisoned lock is still usable.
        self.inner
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates a database token for `role`; returns the token (shown once) and its record.
    pub async fn create_token(
        &self,
        role: &TokenRole,
        label: &str,
    ) -> Result<(String, TokenRecord), ApiError> {
        let store = self.database()?;
        let token = new_token();
        // The public id is the first hex digits of a separate UUID, not of the token.
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let record = store
            .insert_token(&id, &token_hash(&token), role, label)
            .await?;
        Ok((token, record))
    }

    /// Revokes a database token; takes effect here at once and on other replicas within
    /// [`CACHE_TTL`].
    pub async fn revoke_token(&self, id: &str) -> Result<TokenRecord, ApiError> {
        let record = self
            .database()?
            .revoke_token(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("token {id}")))?;
        self.lock_cache().clear();
        Ok(record)
    }

    /// Every database token.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, ApiError> {
        Ok(self.database()?.list_tokens().await?)
    }

    fn database(&self) -> Result<&Store, ApiError> {
        self.inner.store.as_ref().ok_or_else(|| {
            ApiError::FailedPrecondition("this process keeps no tokens in a database".into())
        })
    }
}

/// The tower layer that authenticates every specdoc call; see the module docs.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    /// Who decides.
    pub authenticator: Authenticator,
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = Authenticated<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticated {
            inner,
            authenticator: self.authenticator.clone(),
        }
    }
}

/// A gRPC service behind [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct Authenticated<S> {
    inner: S,
    authenticator: Authenticator,
}

/// Calls that need no token: health checks (probes) and reflection (discovery).
fn is_public(path: &str) -> bool {
    path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection.")
}

impl<S, B> tower_service::Service<http::Request<B>> for Authenticated<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The ready service goes with this call; a fresh clone waits for the next poll_ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if is_public(request.uri().path()) {
            return Box::pin(inner.call(request));
        }
        let authenticator = self.authenticator.clone();
        Box::pin(async move {
            let header = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            match authenticator.authenticate_header(header).await {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(error) => Ok(tonic::Status::from(error).into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(name: &str) -> TeamId {
        TeamId::parse_field(name).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn static_entries_parse_and_bad_ones_say_which() {
        let parsed = parse_entries(
            "AUTH_TOKENS",
            "admin=0123456789abcdef, team:payments=fedcba9876543210".split(','),
        )
        .expect("valid entries");
        assert_eq!(parsed[0].1, Caller::Admin);
        assert_eq!(
            parsed[1],
            ("fedcba9876543210".into(), Caller::Team(team("payments")))
        );
        for (bad, reason) in [
            ("admin", "expected admin=<token>"),
            ("root=0123456789abcdef", "must be `admin`"),
            ("team:bad team=0123456789abcdef", "team_id"),
            ("admin=short", "shorter than 16"),
        ] {
            let error = parse_entries("AUTH_TOKENS", [bad].into_iter())
                .expect_err(bad)
                .to_string();
            assert!(error.contains(reason), "{bad}: {error}");
            assert!(
                !error.contains("0123456789abcdef"),
                "a token leaked: {error}"
            );
        }
    }

    #[test]
    fn another_teams_name_is_not_found_and_empty_means_ones_own() {
        let caller = Caller::Team(team("payments"));
        assert_eq!(
            caller.scope("team_id", "").ok(),
            Some(Some(team("payments")))
        );
        assert!(matches!(
            caller.scope("team_id", "search"),
            Err(ApiError::NotFound(_))
        ));
        assert_eq!(Caller::Admin.scope("team_id", "").ok(), Some(None));
        assert!(matches!(
            Caller::Admin.team("team_id", ""),
            Err(ApiError::Invalid(_))
        ));
        assert!(matches!(
            caller.require_admin("creating tokens"),
            Err(ApiError::PermissionDenied(_))
        ));
    }

    #[tokio::test]
    async fn headers_without_a_valid_bearer_token_are_unauthenticated() {
        let auth = Authenticator::new([("0123456789abcdef".to_owned(), Caller::Admin)], None);
        assert_eq!(
            auth.authenticate_header(Some("Bearer 0123456789abcdef"))
                .await
                .ok(),
            Some(Caller::Admin)
        );
        for header in [
            None,
            Some("0123456789abcdef"),
            Some("Basic 0123456789abcdef"),
            Some("Bearer nope"),
        ] {
            assert!(matches!(
                auth.authenticate_header(header).await,
                Err(ApiError::Unauthenticated(_))
            ));
        }
    }
}
