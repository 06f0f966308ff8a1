//! A tower layer around the gRPC server: one span per call, continuing the caller's W3C trace
//! context from the request headers, and the `specdoc_grpc_server_*` metrics.
//!
//! Health checks and reflection are counted but not traced: probes every few seconds would bury
//! the traces that matter. The status code is read from the response headers, which is where
//! tonic puts it for unary calls and for calls that fail before streaming; a stream that fails
//! later is counted as `OK` (its error is in the trailers).

use crate::metrics::{GrpcLabels, GrpcMethodLabels, metrics};
use http::{Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tracing::Instrument;

/// Wraps a gRPC service with [`GrpcTelemetry`].
pub fn layer<S>(inner: S) -> GrpcTelemetry<S> {
    GrpcTelemetry { inner }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct GrpcTelemetry<S> {
    inner: S,
}

impl<S, B, R> tower_service::Service<Request<B>> for GrpcTelemetry<S>
where
    S: tower_service::Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (service, method) = split_path(request.uri().path());
        let span = if service.starts_with("grpc.") {
            tracing::Span::none()
        } else {
            let span = tracing::info_span!(
                "grpc request",
                otel.name = format!("{service}/{method}"),
                otel.kind = "server",
                rpc.system = "grpc",
                rpc.service = %service,
                rpc.method = %method,
                rpc.grpc.status_code = tracing::field::Empty,
            );
            let parent = request.headers().get("traceparent");
            crate::telemetry::continue_trace(&span, parent.and_then(|v| v.to_str().ok()));
            span
        };
        let started = Instant::now();
        let call = self.inner.call(request).instrument(span.clone());
        Box::pin(async move {
            let response = call.await?;
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
                .unwrap_or(0);
            span.record("rpc.grpc.status_code", code);
            // Unknown paths get UNIMPLEMENTED; folding them keeps label values a closed set.
            let (service, method) = if code == tonic::Code::Unimplemented as i32 {
                ("unknown".to_owned(), "unknown".to_owned())
            } else {
                (service, method)
            };
            let m = metrics();
            m.grpc_seconds
                .get_or_create(&GrpcMethodLabels {
                    service: service.clone(),
                    method: method.clone(),
                })
                .observe(started.elapsed().as_secs_f64());
            m.grpc_requests
                .get_or_create(&GrpcLabels {
                    service,
                    method,
                    code: code_name(code),
                })
                .inc();
            Ok(response)
        })
    }
}

/// `/pkg.Service/Method` → (`pkg.Service`, `Method`).
fn split_path(path: &str) -> (String, String) {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let service = parts.next().unwrap_or_default().to_owned();
    let method = parts.next().unwrap_or_default().to_owned();
    (service, method)
}

fn code_name(code: i32) -> String {
    let name = format!("{:?}", tonic::Code::from_i32(code));
    // `InvalidArgument` → `INVALID_ARGUMENT`, as gRPC writes status names.
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
