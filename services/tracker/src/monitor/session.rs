//! Logging in with an API token, the session cookie, and CSRF checks.
//!
//! The session cookie carries the token itself (hex-encoded), `HttpOnly` (no script reads it),
//! `SameSite=Strict` (no other site's page sends it) and `Path=/`. Every request authenticates
//! it again with the gRPC [`Authenticator`](specdoc_runtime::auth::Authenticator), so a revoked
//! token logs its sessions out within the authenticator's cache time, and any tracker replica
//! can serve any session: there is no server-side session table to share.
//!
//! State-changing requests are POSTs only, and [`check_post`] demands all of: the browser did
//! not mark the request cross-site (`Sec-Fetch-Site`), its `Origin` (when sent) is this host,
//! and the form's `csrf` field matches [`Viewer::csrf`], a hash derived from the session's
//! token that another site cannot compute.

use super::html::{self, escape};
use super::{Monitor, PageError};
use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::{Caller, token_hash};

/// The session cookie's name.
const COOKIE: &str = "specdoc_session";

/// How long a browser keeps a session (the token may be revoked sooner).
const SESSION_SECONDS: u32 = 12 * 3600;

/// Who is looking at a page.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub(crate) caller: Caller,
    token: String,
}

impl Viewer {
    /// The CSRF token of this session: only a page of this site, which the session can load,
    /// learns it.
    pub(crate) fn csrf(&self) -> String {
        token_hash(&format!("specdoc-monitor-csrf\n{}", self.token))
    }

    /// Who this is, for the page header.
    pub(crate) fn label(&self) -> String {
        match &self.caller {
            Caller::Admin => "admin".into(),
            Caller::Team(team) => format!("team {team}"),
        }
    }
}

impl FromRequestParts<Monitor> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Monitor) -> Result<Self, Response> {
        let wants_events = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/event-stream"));
        let not_logged_in = || {
            if wants_events {
                // An event stream cannot follow a redirect to a form: a plain 401 ends it.
                StatusCode::UNAUTHORIZED.into_response()
            } else {
                Redirect::to("/login").into_response()
            }
        };
        let Some(token) = session_token(&parts.headers) else {
            return Err(not_logged_in());
        };
        match state.authenticator.authenticate(&token).await {
            Ok(caller) => Ok(Viewer { caller, token }),
            Err(ApiError::Unauthenticated(_)) => {
                let mut response = not_logged_in();
                clear_cookie(&mut response);
                Err(response)
            }
            Err(other) => Err(PageError(other).into_response()),
        }
    }
}

/// The token in the request's session cookie, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| from_hex(value))
}

fn to_hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

fn clear_cookie(response: &mut Response) {
    if let Ok(value) = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0").parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Rejects a POST that a browser says came from another site, or whose `Origin` is not this
/// host. Requests without either header (non-browser clients) still need the CSRF field.
pub(crate) fn check_origin(headers: &HeaderMap) -> Result<(), PageError> {
    let forbidden = || {
        PageError(ApiError::PermissionDenied(
            "cross-site request refused".into(),
        ))
    };
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
    {
        return Err(forbidden());
    }
    if let Some(origin) = text(header::ORIGIN) {
        let host = text(header::HOST).unwrap_or_default();
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        if host.is_empty() || origin_host != host {
            return Err(forbidden());
        }
    }
    Ok(())
}

/// [`check_origin`], and the form's `csrf` field must be this session's.
pub(crate) fn check_post(
    viewer: &Viewer,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<(), PageError> {
    check_origin(headers)?;
    let expected = viewer.csrf();
    // Compared in constant time: the token is a secret of the session.
    let same = expected.len() == csrf.len()
        && expected
            .bytes()
            .zip(csrf.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(PageError(ApiError::PermissionDenied(
            "the form is stale; reload the page and try again".into(),
        )))
    }
}

/// `GET /login`.
pub(crate) async fn login_page() -> Response {
    login_form(None)
}

fn login_form(error: Option<&str>) -> Response {
    let error = error.map_or(String::new(), |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>",
            escape(e)
        )
    });
    let main = format!(
        "<section class=\"login card\"><h1>Log in</h1>\
         <p>Use an API token, the same one the CLI and gRPC clients send (<code>SPECDOC_TOKEN</code>; \
         <code>specdoc up</code> writes the admin token to <code>.specdoc/admin-token</code>).</p>{error}\
         <form method=\"post\" action=\"/login\">\
         <label for=\"token\">API token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus \
         aria-describedby=\"login-error\">\
         <button type=\"submit\">Log in</button></form></section>"
    );
    html::document("Log in", None, "", &main)
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    token: String,
}

/// `POST /login`: a valid token starts a session.
pub(crate) async fn login(
    State(monitor): State<Monitor>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    check_origin(&headers)?;
    let token = form.token.trim();
    match monitor.authenticator.authenticate(token).await {
        Ok(_) => {
            let mut response = Redirect::to("/").into_response();
            let cookie = format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}",
                to_hex(token)
            );
            let value = cookie
                .parse()
                .map_err(|_| PageError(ApiError::Internal("unencodable cookie".into())))?;
            response.headers_mut().append(header::SET_COOKIE, value);
            Ok(response)
        }
        Err(ApiError::Unauthenticated(_)) => {
            let mut response = login_form(Some("That token is not valid (or was revoked)."));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        Err(other) => Err(PageError(other)),
    }
}

/// Fields of the forms that change something.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

/// `POST /logout`: forgets the session.
pub(crate) async fn logout(
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_post(&viewer, &headers, &form.csrf)?;
    let mut response = Redirect::to("/login").into_response();
    clear_cookie(&mut response);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap_or_else(|_| panic!("{value}")));
        }
        map
    }

    #[test]
    fn the_cookie_carries_any_token_safely() {
        let token = "team token; with=odd,chars é";
        let cookie = format!("other=1; {COOKIE}={}; x=y", to_hex(token));
        assert_eq!(
            session_token(&headers(&[("cookie", &cookie)])).as_deref(),
            Some(token)
        );
        assert_eq!(
            session_token(&headers(&[("cookie", "specdoc_session=zz")])),
            None
        );
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let same = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert!(check_origin(&headers(&same)).is_ok());
        assert!(check_origin(&HeaderMap::new()).is_ok());
        for bad in [
            vec![("sec-fetch-site", "cross-site")],
            vec![("sec-fetch-site", "same-site")],
            vec![
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ],
            vec![("host", "127.0.0.1:8080"), ("origin", "null")],
        ] {
            assert!(check_origin(&headers(&bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_the_sessions_own_csrf_token_passes() {
        let viewer = Viewer {
            caller: Caller::Admin,
            token: "0123456789abcdef".into(),
        };
        let other = Viewer {
            caller: Caller::Admin,
            token: "fedcba9876543210".into(),
        };
        assert!(check_post(&viewer, &HeaderMap::new(), &viewer.csrf()).is_ok());
        assert!(check_post(&viewer, &HeaderMap::new(), &other.csrf()).is_err());
        assert!(check_post(&viewer, &HeaderMap::new(), "").is_err());
    }
}
