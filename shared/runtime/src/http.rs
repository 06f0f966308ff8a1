//! The HTTP side of a service: `/healthz` (200 while dependencies answer, 503 otherwise),
//! `/livez` (200 while the process serves, whatever its dependencies say: the liveness probe
//! when the gRPC port speaks TLS, which kubelet's gRPC probes cannot) and `/metrics`
//! (Prometheus). Other routes (the web monitor) are merged in by the caller.

use crate::Dependencies;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The routes every service serves.
pub fn base_routes(dependencies: Dependencies) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .with_state(dependencies)
}

async fn healthz(State(dependencies): State<Dependencies>) -> impl IntoResponse {
    match dependencies.check().await {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(cause) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: {cause}\n"),
        ),
    }
}

async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::metrics().encode(),
    )
}

/// Serves `router` on `listener` until `stop` fires.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
}
