//! Cancelling a job, for the scheduler's `CancelJob` and the web monitor's cancel button alike.

use specdoc_core::{JobId, JobState};
use specdoc_proto::queue::v1::CancelSignal;
use specdoc_queue::Queue;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::metrics::metrics;
use specdoc_store::{CancelOutcome, Store};

/// Cancels the job `job_id` on behalf of `caller`: a queued job leaves the queue at once; a
/// running one is interrupted. Another team's job is NOT_FOUND, a finished one
/// FAILED_PRECONDITION. Returns the job's new state.
pub async fn cancel_job(
    store: &Store,
    queue: &Queue,
    caller: &Caller,
    job_id: &str,
    reason: &str,
) -> Result<JobState, ApiError> {
    let id = JobId::parse_field(job_id)?;
    let not_found = || format!("job {id}");
    // A job's team never changes, so checking it before the cancel's own compare-and-set is
    // as good as checking it inside.
    let job = store
        .get_job(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(not_found()))?;
    caller.check_sees(&job.team, not_found)?;
    match store.cancel(id, reason).await? {
        CancelOutcome::NotFound => Err(ApiError::NotFound(not_found())),
        CancelOutcome::AlreadyFinished(state) => Err(ApiError::FailedPrecondition(format!(
            "job {id} already finished: {state}"
        ))),
        CancelOutcome::Cancelled {
            job,
            event,
            was_running,
        } => {
            metrics().job_finished(job.job_type, job.team.as_str(), "cancelled", job.created_at);
            // Best effort from here: the record already says CANCELLED, which the worker's
            // next guarded write will see even if these signals are lost. A job the record held
            // as QUEUED may be running all the same (a worker records an attempt's start with
            // its first writes), so the workers hear of every cancel, and stop it at once.
            if !was_running
                && let Err(error) = queue.remove_queued(id, &job.team, job.priority).await
            {
                tracing::warn!(job_id = %id, %error, "could not remove the job from the queue");
            }
            let signal = CancelSignal {
                job_id: id.to_string(),
                reason: reason.to_owned(),
            };
            if let Err(error) = queue.publish_cancel(&signal).await {
                tracing::warn!(job_id = %id, %error, "could not signal the workers");
            }
            if let Err(error) = queue.publish_event(&job.event_record(&event)).await {
                tracing::warn!(job_id = %id, %error, "could not publish the cancel event");
            }
            tracing::info!(job_id = %id, was_running, "job cancelled");
            Ok(job.state)
        }
    }
}
