//! Background tasks with a name and a way to stop. Every long-running loop of a service is
//! spawned here: it gets a span with its name, its end is logged, and it stops when the
//! service's cancellation token fires.

use std::future::Future;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Spawns `work` as a named task that ends when `stop` fires (or when `work` returns).
pub fn spawn<F>(name: &'static str, stop: CancellationToken, work: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let span = tracing::info_span!("task", name);
    tokio::spawn(
        async move {
            tokio::select! {
                () = work => tracing::debug!("task finished"),
                () = stop.cancelled() => tracing::debug!("task stopped"),
            }
        }
        .instrument(span),
    )
}
