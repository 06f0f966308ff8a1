//! What every specdoc service shares at run time.
//!
//! - [`config::Connections`]: the settings every service reads (addresses, Redis, database,
//!   TLS); [`config::SpecLimits`]: the limits on untrusted specs.
//! - [`tls`]: TLS and mTLS for the gRPC port, from PEM files.
//! - [`host::GrpcHost`]: one gRPC server with health (`grpc.health.v1`, NOT_SERVING while Redis
//!   or the database is unreachable), reflection v1 and v1alpha, and graceful shutdown.
//! - [`auth`]: bearer tokens to callers (admin or one team), checked in front of every RPC.
//! - [`status::ApiError`]: the one place where errors become `tonic::Status`.
//! - [`tasks`]: named background tasks that stop with the process.
//! - [`http`]: the HTTP side (health and metrics; later the web monitor).
//! - [`metrics`]: the Prometheus registry every service counts into.
//! - [`telemetry`]: logs (text or JSON with trace ids) and OpenTelemetry traces.
//! - [`grpc_telemetry`]: a span and metrics per gRPC call.
//! - [`shutdown_signal`]: SIGTERM or Ctrl-C.

pub mod auth;
pub mod config;
pub mod eta;
pub mod grpc_telemetry;
pub mod host;
pub mod http;
pub mod status;
pub mod tasks;
pub mod telemetry;
pub mod tls;

pub use host::{Dependencies, GrpcHost, HostError};
pub use specdoc_metrics as metrics;
pub use status::ApiError;
pub use tokio_util::sync::CancellationToken;

/// Resolves when the process is asked to stop: SIGTERM (Kubernetes, systemd) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c received, shutting down"),
        () = term => tracing::info!("sigterm received, shutting down"),
    }
}

/// A cancellation token that fires on SIGTERM or Ctrl-C.
pub fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        trigger.cancel();
    });
    token
}

/// Binds the gRPC and HTTP addresses and serves both until `stop` fires. Every service binary
/// and `specdoc up` end here.
pub async fn serve(
    connections: &config::Connections,
    host: GrpcHost,
    dependencies: Dependencies,
    extra_routes: axum::Router,
    stop: CancellationToken,
) -> Result<(), ServeError> {
    // Certificates are read before binding, so a bad path fails start-up, not the first call.
    let tls = connections.tls.load()?;
    let grpc = tokio::net::TcpListener::bind(connections.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: connections.listen,
            source,
        })?;
    let http = tokio::net::TcpListener::bind(connections.http_listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: connections.http_listen,
            source,
        })?;
    tracing::info!(grpc = %connections.listen, http = %connections.http_listen, tls = tls.is_some(), mtls = connections.tls.tls_client_ca.is_some(), "serving");
    let router = http::base_routes(dependencies.clone()).merge(extra_routes);
    let http_stop = stop.clone();
    let http_task = tokio::spawn(async move { http::serve(http, router, http_stop).await });
    host.tls(tls).serve(grpc, dependencies, stop).await?;
    if let Ok(Err(error)) = http_task.await {
        tracing::warn!(%error, "http server ended with an error");
    }
    Ok(())
}

/// Why a service could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// An address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The TLS settings cannot be used.
    #[error(transparent)]
    Tls(#[from] tls::Error),
}
