//! One gRPC server per process, whatever services it hosts.
//!
//! Besides the specdoc services it serves `grpc.health.v1` (overall and per service; SERVING
//! only while every dependency answers) and server reflection v1 and v1alpha, so every grpcurl
//! version can list and call it; every other call needs a token (see [`crate::auth`]); over TLS or mTLS when configured. It stops accepting on the shutdown token and lets in-flight
//! calls finish.

use crate::auth::{AuthLayer, Authenticator};
use specdoc_queue::Queue;
use specdoc_store::Store;
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// How often dependencies are probed for the health status.
const HEALTH_PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// The dependencies whose reachability decides the health status.
#[derive(Clone, Debug, Default)]
pub struct Dependencies {
    /// The database, when the process uses one.
    pub store: Option<Store>,
    /// Redis, when the process uses it.
    pub queue: Option<Queue>,
}

/// Health-service names under which each dependency's reachability is reported, so a client
/// (`specdoc health`) can tell which one is down.
pub const REDIS_HEALTH: &str = "specdoc.dependency.redis";
/// See [`REDIS_HEALTH`].
pub const DATABASE_HEALTH: &str = "specdoc.dependency.database";
/// Health-service name that is SERVING while the process serves at all, whatever its
/// dependencies say: what a liveness probe should ask, so a Redis or database outage makes
/// pods unready (overall status) without restarting them.
pub const LIVENESS_HEALTH: &str = "specdoc.liveness";

impl Dependencies {
    /// Each dependency's health name and whether it answers within a second.
    pub async fn check_each(&self) -> Vec<(&'static str, Result<(), String>)> {
        let limit = Duration::from_secs(1);
        let mut results = Vec::new();
        if let Some(queue) = &self.queue {
            let result = match tokio::time::timeout(limit, queue.ping()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("redis: {e}")),
                Err(_) => Err("redis: no answer within 1s".into()),
            };
            results.push((REDIS_HEALTH, result));
        }
        if let Some(store) = &self.store {
            let result = match tokio::time::timeout(limit, store.ping()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("database: {e}")),
                Err(_) => Err("database: no answer within 1s".into()),
            };
            results.push((DATABASE_HEALTH, result));
        }
        results
    }

    /// Ok when every dependency answers within a second; otherwise says which does not.
    pub async fn check(&self) -> Result<(), String> {
        self.check_each()
            .await
            .into_iter()
            .try_for_each(|(_, result)| result)
    }
}

/// Collects the services one process hosts, then serves them with health and reflection,
/// every specdoc call authenticated by its [`Authenticator`].
pub struct GrpcHost {
    routes: RoutesBuilder,
    names: Vec<&'static str>,
    tls: Option<tonic::transport::ServerTlsConfig>,
    authenticator: Authenticator,
}

impl GrpcHost {
    /// An empty host whose calls `authenticator` checks.
    pub fn new(authenticator: Authenticator) -> Self {
        Self {
            routes: RoutesBuilder::default(),
            names: Vec::new(),
            tls: None,
            authenticator,
        }
    }

    /// Adds a service.
    pub fn add_service<S>(&mut self, service: S) -> &mut Self
    where
        S: tower_service::Service<http::Request<tonic::body::Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Serves over TLS (mTLS when the config names a client CA); `None` serves plain HTTP/2.
    pub fn tls(mut self, tls: Option<tonic::transport::ServerTlsConfig>) -> Self {
        self.tls = tls;
        self
    }

    /// Serves on `listener` until `stop` fires, reporting health from `dependencies`.
    pub async fn serve(
        self,
        listener: TcpListener,
        dependencies: Dependencies,
        stop: CancellationToken,
    ) -> Result<(), HostError> {
        let (reporter, health) = tonic_health::server::health_reporter();
        // Every name is known (NOT_SERVING) before the first call can arrive, so a probe never
        // sees "service not registered" while the first dependency check runs.
        set_status(&reporter, &self.names, ServingStatus::NotServing).await;
        for name in [REDIS_HEALTH, DATABASE_HEALTH] {
            reporter
                .set_service_status(name, ServingStatus::NotServing)
                .await;
        }
        reporter
            .set_service_status(LIVENESS_HEALTH, ServingStatus::Serving)
            .await;
        crate::tasks::spawn(
            "health-probe",
            stop.clone(),
            probe_health(reporter, self.names.clone(), dependencies),
        );
        let reflection = || {
            let mut builder = tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(specdoc_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .with_service_name("grpc.health.v1.Health")
                .with_service_name("grpc.reflection.v1.ServerReflection")
                .with_service_name("grpc.reflection.v1alpha.ServerReflection");
            for name in &self.names {
                builder = builder.with_service_name(*name);
            }
            builder
        };
        let v1 = reflection().build_v1()?;
        let v1alpha = reflection().build_v1alpha()?;
        let mut routes = self.routes;
        routes
            .add_service(health)
            .add_service(v1)
            .add_service(v1alpha);
        let mut server = tonic::transport::Server::builder();
        if let Some(tls) = self.tls {
            server = server.tls_config(tls)?;
        }
        server
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .layer(tower_layer::layer_fn(crate::grpc_telemetry::layer))
            .layer(AuthLayer {
                authenticator: self.authenticator,
            })
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(incoming(listener), stop.cancelled_owned())
            .await?;
        Ok(())
    }
}

/// The connections `listener` accepts, with Nagle's algorithm off. (Tonic sets TCP_NODELAY
/// only on listeners it binds itself.) With it on, a small message written while the previous
/// one is unacknowledged waits for the peer's delayed ACK, some 40 ms: a stream's second event
/// in quick succession, or a response after a request, arrived that much late.
fn incoming(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Why a host stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The transport failed.
    #[error("grpc server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The compiled-in descriptor sets could not be read (a build defect).
    #[error("reflection descriptors are unreadable: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

async fn probe_health(
    reporter: HealthReporter,
    names: Vec<&'static str>,
    dependencies: Dependencies,
) {
    let mut last: Option<bool> = None;
    let mut last_each: Vec<Option<bool>> = Vec::new();
    loop {
        let each = dependencies.check_each().await;
        last_each.resize(each.len(), None);
        for ((name, result), last) in each.iter().zip(last_each.iter_mut()) {
            if *last != Some(result.is_ok()) {
                reporter
                    .set_service_status(*name, serving_status(result.is_ok()))
                    .await;
                *last = Some(result.is_ok());
            }
        }
        let result = each.into_iter().try_for_each(|(_, result)| result);
        let serving = result.is_ok();
        if last != Some(serving) {
            match &result {
                Ok(()) => tracing::info!("dependencies reachable, serving"),
                Err(cause) => tracing::warn!(%cause, "dependency unreachable, not serving"),
            }
            set_status(&reporter, &names, serving_status(serving)).await;
            last = Some(serving);
        }
        tokio::time::sleep(HEALTH_PROBE_INTERVAL).await;
    }
}

fn serving_status(serving: bool) -> ServingStatus {
    if serving {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

/// Sets every hosted service's status, then the overall one (""), so a watcher of the overall
/// status that sees a change can rely on the per-service statuses already showing it.
async fn set_status(reporter: &HealthReporter, names: &[&'static str], status: ServingStatus) {
    for name in names {
        reporter.set_service_status(*name, status).await;
    }
    reporter.set_service_status("", status).await;
}
