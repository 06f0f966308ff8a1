//! Following a job: a stream of its events that survives a dropped connection or a tracker
//! restart, resuming after the last event it delivered (the tracker sends no gap and no
//! duplicate from that cursor), and ends after the job's terminal event.

use crate::{Client, Error, JobEvent};
use backon::{ExponentialBuilder, Retryable};
use futures::StreamExt;
use futures::stream::BoxStream;
use specdoc_core::JobState;
use specdoc_proto::tracker::v1::{WatchJobRequest, WatchJobResponse};
use std::time::Duration;
use tonic::Streaming;

/// Reconnection attempts in a row before the stream gives up.
const RECONNECTS: usize = 10;

struct Watch {
    client: Client,
    job_id: String,
    last: u64,
    open: Option<Streaming<WatchJobResponse>>,
    done: bool,
}

/// Worth reconnecting for: the tracker went away or restarted, not a refusal.
fn transient(error: &Error) -> bool {
    match error {
        Error::Unreachable { .. } => true,
        Error::Status(status) => matches!(
            status.code(),
            tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Internal
        ),
        _ => false,
    }
}

impl Watch {
    /// Opens the stream after `last`, retrying with backoff while the tracker is unreachable.
    async fn open(&mut self) -> Result<(), Error> {
        let client = &self.client;
        let (job_id, after_seq) = (&self.job_id, self.last);
        let request = || {
            let mut tracker = client.tracker.clone();
            let request = WatchJobRequest {
                job_id: job_id.clone(),
                after_seq,
            };
            async move {
                match tracker.watch_job(request).await {
                    Ok(response) => Ok(response.into_inner()),
                    Err(status) => Err(client.tracker_error(status)),
                }
            }
        };
        let stream = request
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(200))
                    .with_max_delay(Duration::from_secs(5))
                    .with_max_times(RECONNECTS),
            )
            .when(transient)
            .await?;
        self.open = Some(stream);
        Ok(())
    }

    async fn next(&mut self) -> Option<Result<JobEvent, Error>> {
        if self.done {
            return None;
        }
        for _ in 0..=RECONNECTS {
            if self.open.is_none()
                && let Err(error) = self.open().await
            {
                self.done = true;
                return Some(Err(error));
            }
            let stream = self.open.as_mut()?;
            match stream.message().await {
                Ok(Some(response)) => {
                    let event = response.event.unwrap_or_default();
                    self.last = event.seq;
                    self.done = JobState::from_proto(event.state).is_some_and(|s| s.is_terminal());
                    return Some(Ok(event));
                }
                // The stream ended without a terminal event: either the cursor was already at
                // the end of a finished job (nothing more will come), or a tracker shut down
                // (resume from the cursor).
                Ok(None) => {
                    self.open = None;
                    if let Ok(job) = self.client.get_job_status(&self.job_id).await
                        && job.last_seq == self.last
                        && JobState::from_proto(job.state).is_some_and(|s| s.is_terminal())
                    {
                        self.done = true;
                        return None;
                    }
                }
                Err(status) => {
                    let error = self.client.tracker_error(status);
                    if !transient(&error) {
                        self.done = true;
                        return Some(Err(error));
                    }
                    self.open = None;
                }
            }
        }
        self.done = true;
        Some(Err(Error::Status(tonic::Status::unavailable(
            "the watch kept breaking; giving up",
        ))))
    }
}

impl Client {
    /// The job's events after `after_seq` (0: from the start), then live ones, ending after the
    /// terminal event. Reconnects by itself and resumes where it left off.
    pub fn watch_job(
        &self,
        job_id: &str,
        after_seq: u64,
    ) -> BoxStream<'static, Result<JobEvent, Error>> {
        let watch = Watch {
            client: self.clone(),
            job_id: job_id.to_owned(),
            last: after_seq,
            open: None,
            done: false,
        };
        futures::stream::unfold(watch, |mut watch| async move {
            let item = watch.next().await?;
            Some((item, watch))
        })
        .boxed()
    }
}
