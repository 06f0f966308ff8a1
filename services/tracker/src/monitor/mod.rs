//! The web monitor: server-rendered pages on the tracker's HTTP port (and `specdoc up`'s).
//!
//! Routes (all but `/login` and `/assets/*` need a session):
//! - `GET /`: the overview (queue depth, oldest job, throughput, workers, recent failures),
//!   kept live by `GET /events/overview`, a server-sent event stream fed by the fan-out
//!   ([`crate::fanout`]) that WatchJobs uses;
//! - `GET /jobs`: jobs filtered by team, service, status and type, paged by the ListJobs cursor;
//! - `GET /jobs/{id}`: one job, its step timeline filled in live by `GET /events/jobs/{id}`
//!   (the very watcher WatchJob runs, `watch.rs`), and `POST /jobs/{id}/cancel`;
//!   `GET /jobs/{id}/documents/{html|markdown}` serves its documents;
//! - `GET /teams`: GetStats' figures as inline SVG charts;
//! - `GET|POST /login`, `POST /logout`.
//!
//! Auth is the gRPC tokens' (`session.rs`): a team sees only its own jobs, and another team's
//! job is the same 404 as a job that does not exist. Pages reference only `/assets/*` (no CDN,
//! no external request), under a strict Content-Security-Policy.

mod assets;
mod charts;
mod html;
mod job;
mod jobs;
mod overview;
mod session;
mod teams;

use crate::fanout::Fanout;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_runtime::CancellationToken;
use specdoc_runtime::auth::Authenticator;
use specdoc_runtime::eta::EtaEstimator;
use specdoc_store::Store;

/// What the monitor's handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Monitor {
    store: Store,
    queue: Queue,
    fanout: Fanout,
    eta: EtaEstimator,
    authenticator: Authenticator,
    /// Ends the live streams when the server stops (graceful shutdown waits for open
    /// connections, and an event stream never ends on its own).
    stop: CancellationToken,
}

impl Monitor {
    /// A monitor over the tracker's store, queue and fan-out, authenticating with the same
    /// tokens as gRPC; its live streams end when `stop` fires.
    pub fn new(
        store: Store,
        queue: Queue,
        fanout: Fanout,
        eta: EtaEstimator,
        authenticator: Authenticator,
        stop: CancellationToken,
    ) -> Self {
        Self {
            store,
            queue,
            fanout,
            eta,
            authenticator,
            stop,
        }
    }
}

/// The monitor's routes, to merge into the HTTP port's router.
pub fn router(monitor: Monitor) -> Router {
    Router::new()
        .route("/", get(overview::page))
        .route("/events/overview", get(overview::events))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}", get(job::page))
        .route("/jobs/{id}/panel", get(job::panel))
        .route("/jobs/{id}/cancel", post(job::cancel))
        .route("/jobs/{id}/documents/{format}", get(job::document))
        .route("/events/jobs/{id}", get(job::events))
        .route("/teams", get(teams::page))
        .route("/assets/{file}", get(assets::serve))
        .fallback(|| async { PageError(ApiError::NotFound("page".into())) })
        .with_state(monitor)
}

/// An error as a page: the one mapping of [`ApiError`] to HTTP for the monitor.
#[derive(Debug)]
pub(crate) struct PageError(pub(crate) ApiError);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<specdoc_store::Error> for PageError {
    fn from(error: specdoc_store::Error) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self.0 {
            ApiError::Unauthenticated(_) => return Redirect::to("/login").into_response(),
            // One message for every missing thing, so another team's job reads exactly like
            // a job that does not exist.
            ApiError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "There is no such page, or it is not yours to see.".to_owned(),
            ),
            invalid @ (ApiError::Invalid(_) | ApiError::InvalidItem { .. }) => {
                (StatusCode::BAD_REQUEST, invalid.to_string())
            }
            ApiError::OutOfRange(message) => (StatusCode::BAD_REQUEST, message),
            ApiError::FailedPrecondition(message) => (StatusCode::CONFLICT, message),
            ApiError::PermissionDenied(message) => (StatusCode::FORBIDDEN, message),
            ApiError::ResourceExhausted { message, .. } => (StatusCode::TOO_MANY_REQUESTS, message),
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "monitor page unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "A dependency is unavailable; try again shortly.".to_owned(),
                )
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "monitor page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.".to_owned(),
                )
            }
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let main = format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the overview</a></p>",
            html::escape(title),
            html::escape(&message)
        );
        (status, html::document(title, None, "", &main)).into_response()
    }
}

/// A job id from a URL path: anything unparsable is simply not found.
fn job_id(raw: &str) -> Result<specdoc_core::JobId, PageError> {
    raw.parse()
        .map_err(|_| PageError(ApiError::NotFound("job".into())))
}
