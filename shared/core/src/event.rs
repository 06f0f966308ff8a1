//! Job events: one per step transition, numbered per job by a gap-free `seq`.

use crate::{JobId, JobState, Step, StepStatus, UnixMillis, timestamp};
use specdoc_proto::job::v1 as pb;

/// An event as a worker or the scheduler emits it, before the store numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The step it is about.
    pub step: Step,
    /// What happened.
    pub status: StepStatus,
    /// The job's state after it.
    pub state: JobState,
    /// Overall progress, 0 to 100.
    pub progress: u32,
    /// Human-readable detail.
    pub message: String,
}

impl NewEvent {
    /// An event of a step while the job is processing.
    pub fn step(step: Step, status: StepStatus, progress: u32, message: impl Into<String>) -> Self {
        Self {
            step,
            status,
            state: JobState::Processing,
            progress,
            message: message.into(),
        }
    }

    /// A lifecycle event that moves the job to `state`.
    pub fn lifecycle(state: JobState, progress: u32, message: impl Into<String>) -> Self {
        let status = match state {
            JobState::Completed => StepStatus::Succeeded,
            JobState::Failed => StepStatus::Failed,
            JobState::Cancelled | JobState::Retrying => StepStatus::Failed,
            _ => StepStatus::Started,
        };
        Self {
            step: Step::Job,
            status,
            state,
            progress,
            message: message.into(),
        }
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEvent {
    /// The job.
    pub job_id: JobId,
    /// Per-job sequence number, 1-based and gap-free.
    pub seq: u64,
    /// The attempt it belongs to (0 before the first).
    pub attempt: u32,
    /// When it happened.
    pub time: UnixMillis,
    /// What happened.
    pub event: NewEvent,
}

impl JobEvent {
    /// Whether this event ends the job's stream of events.
    pub fn is_terminal(&self) -> bool {
        self.event.state.is_terminal()
    }

    /// The protobuf form, with the ETA current when it is sent.
    pub fn to_proto(&self, eta: Option<pb::Eta>) -> pb::JobEvent {
        pb::JobEvent {
            job_id: self.job_id.to_string(),
            seq: self.seq,
            step: self.event.step.to_proto(),
            status: self.event.status.to_proto(),
            state: self.event.state.to_proto(),
            progress_percent: self.event.progress,
            message: self.event.message.clone(),
            time: Some(timestamp(self.time)),
            attempt: self.attempt,
            eta,
        }
    }

    /// Reads an event back from its protobuf form; `None` when a required field is missing or
    /// unknown (such an event is from a newer or broken writer and is skipped).
    pub fn from_proto(event: &pb::JobEvent) -> Option<Self> {
        Some(Self {
            job_id: event.job_id.parse().ok()?,
            seq: event.seq,
            attempt: event.attempt,
            time: event.time.as_ref().map(crate::time::from_timestamp)?,
            event: NewEvent {
                step: Step::from_proto(event.step)?,
                status: StepStatus::from_proto(event.status)?,
                state: JobState::from_proto(event.state)?,
                progress: event.progress_percent.min(100),
                message: event.message.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_protobuf() {
        let event = JobEvent {
            job_id: JobId::new(),
            seq: 7,
            attempt: 2,
            time: 1_700_000_000_321,
            event: NewEvent::step(
                Step::Format,
                StepStatus::Succeeded,
                80,
                "rendered 2 documents",
            ),
        };
        assert_eq!(
            JobEvent::from_proto(&event.to_proto(None)),
            Some(event.clone())
        );
        assert!(!event.is_terminal());
        let done = NewEvent::lifecycle(JobState::Completed, 100, "done");
        assert_eq!(done.status, StepStatus::Succeeded);
    }
}
