//! The monitor's stylesheet and script, compiled into the binary: the pages need nothing from
//! anywhere else, so the monitor works offline and behind any firewall.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::PageError;
use specdoc_runtime::ApiError;

const CSS: &str = include_str!("assets/monitor.css");
const JS: &str = include_str!("assets/monitor.js");

/// `GET /assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "monitor.css" => ("text/css; charset=utf-8", CSS),
        "monitor.js" => ("text/javascript; charset=utf-8", JS),
        _ => return PageError(ApiError::NotFound("asset".into())).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // Short: the names carry no version, and an upgrade should show within minutes.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
