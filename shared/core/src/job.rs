//! A job as recorded, and the validated form a submission takes before it is stored.

use crate::{
    Generation, Invalid, JobId, JobState, JobType, OutputFormat, Priority, ServiceName, SpecFormat,
    Step, TeamId, UnixMillis, timestamp,
};
use specdoc_proto::job::v1 as pb;
use specdoc_proto::scheduler::v1::SubmitJobRequest;

/// A submission that passed validation, ready to be committed.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Its id, assigned at admission.
    pub id: JobId,
    /// The owning team.
    pub team: TeamId,
    /// The service the spec describes.
    pub service: ServiceName,
    /// What to produce.
    pub job_type: JobType,
    /// The detected format of the spec.
    pub spec_format: SpecFormat,
    /// Documents to render (empty for quality jobs).
    pub output_formats: Vec<OutputFormat>,
    /// Dispatch priority.
    pub priority: Priority,
    /// Client idempotency key.
    pub idempotency_key: Option<String>,
    /// The spec's version label.
    pub spec_version: Option<String>,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// How missing prose is written.
    pub generation: Generation,
    /// The spec's bytes.
    pub spec: Vec<u8>,
    /// W3C traceparent of the submission.
    pub traceparent: Option<String>,
}

impl NewJob {
    /// Validates every field of a submission except the spec's content, which the docs engine
    /// inspects; `spec_format` is filled in from that inspection.
    pub fn from_request(
        req: SubmitJobRequest,
        max_spec_bytes: usize,
        max_attempts: u32,
    ) -> Result<(Self, Option<SpecFormat>), Invalid> {
        let team = TeamId::parse_field(&req.team_id)?;
        let service = ServiceName::parse_field(&req.service_name)?;
        let job_type = JobType::from_proto(req.job_type)
            .ok_or_else(|| Invalid::new("job_type", "must be DOCUMENTATION or QUALITY_SCORE"))?;
        if req.spec.is_empty() {
            return Err(Invalid::new("spec", "is required"));
        }
        if req.spec.len() > max_spec_bytes {
            return Err(Invalid::new(
                "spec",
                format!(
                    "is {} bytes, over the limit of {max_spec_bytes}",
                    req.spec.len()
                ),
            ));
        }
        let declared_format = match req.spec_format {
            0 => None,
            value => Some(SpecFormat::from_proto(value).ok_or_else(|| {
                Invalid::new("spec_format", format!("{value} is not a known format"))
            })?),
        };
        let output_formats = match job_type {
            JobType::Documentation => OutputFormat::parse_list(&req.output_formats)?,
            JobType::QualityScore => Vec::new(),
        };
        let priority = match req.priority {
            0 => Priority::Normal,
            value => Priority::from_proto(value)
                .ok_or_else(|| Invalid::new("priority", format!("{value} is not a priority")))?,
        };
        let generation = match req.generation {
            0 => Generation::FillMissing,
            value => Generation::from_proto(value).ok_or_else(|| {
                Invalid::new("generation", format!("{value} is not a generation mode"))
            })?,
        };
        let idempotency_key = optional_text("idempotency_key", req.idempotency_key, 128)?;
        let spec_version = optional_text("spec_version", req.spec_version, 128)?;
        Ok((
            Self {
                id: JobId::new(),
                team,
                service,
                job_type,
                // Replaced by the inspected format before the job is stored.
                spec_format: declared_format.unwrap_or(SpecFormat::Openapi30),
                output_formats,
                priority,
                idempotency_key,
                spec_version,
                max_attempts,
                generation,
                spec: req.spec,
                traceparent: None,
            },
            declared_format,
        ))
    }
}

fn optional_text(
    field: &'static str,
    value: String,
    max: usize,
) -> Result<Option<String>, Invalid> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > max || value.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} bytes of printable text"),
        ));
    }
    Ok(Some(value))
}

/// A job as the database records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The owning team.
    pub team: TeamId,
    /// The service.
    pub service: ServiceName,
    /// What it produces.
    pub job_type: JobType,
    /// The spec's format.
    pub spec_format: SpecFormat,
    /// Documents to render.
    pub output_formats: Vec<OutputFormat>,
    /// Dispatch priority.
    pub priority: Priority,
    /// Current state.
    pub state: JobState,
    /// Attempts started.
    pub attempt: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The step running or last run.
    pub current_step: Option<Step>,
    /// Overall progress.
    pub progress: u32,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// When it was accepted.
    pub created_at: UnixMillis,
    /// When the current or last attempt started.
    pub started_at: Option<UnixMillis>,
    /// When it reached a terminal state.
    pub finished_at: Option<UnixMillis>,
    /// Seq of its latest event.
    pub last_seq: u64,
    /// Spec size in bytes.
    pub spec_bytes: u64,
    /// Overall quality score, once scored.
    pub quality_score: Option<u32>,
    /// Whether generation was degraded.
    pub degraded: bool,
    /// Why generation was degraded.
    pub degraded_reason: Option<String>,
    /// How missing prose is written.
    pub generation: Generation,
    /// Client idempotency key.
    pub idempotency_key: Option<String>,
    /// The spec's version label.
    pub spec_version: Option<String>,
    /// The lease of the latest attempt recorded (current while processing); cleared when the job
    /// finishes.
    pub lease_token: Option<String>,
    /// W3C traceparent of the submission.
    pub traceparent: Option<String>,
}

impl Job {
    /// The protobuf form, with an ETA when one is known.
    pub fn to_proto(&self, eta: Option<pb::Eta>) -> pb::Job {
        pb::Job {
            job_id: self.id.to_string(),
            team_id: self.team.to_string(),
            service_name: self.service.to_string(),
            job_type: self.job_type.to_proto(),
            spec_format: self.spec_format.to_proto(),
            output_formats: self.output_formats.iter().map(|f| f.to_proto()).collect(),
            priority: self.priority.to_proto(),
            state: self.state.to_proto(),
            attempt: self.attempt,
            max_attempts: self.max_attempts,
            current_step: self.current_step.map_or(0, Step::to_proto),
            progress_percent: self.progress,
            error: self.error.clone().unwrap_or_default(),
            created_at: Some(timestamp(self.created_at)),
            started_at: self.started_at.map(timestamp),
            finished_at: self.finished_at.map(timestamp),
            last_seq: self.last_seq,
            spec_bytes: self.spec_bytes,
            quality_score: self.quality_score,
            degraded: self.degraded,
            eta,
            idempotency_key: self.idempotency_key.clone().unwrap_or_default(),
            trace_id: self
                .traceparent
                .as_deref()
                .and_then(|tp| tp.split('-').nth(1))
                .unwrap_or_default()
                .to_owned(),
            generation: self.generation.to_proto(),
            degraded_reason: self.degraded_reason.clone().unwrap_or_default(),
        }
    }
}

impl Job {
    /// The small envelope that carries this job through Redis (never the spec itself).
    pub fn envelope(&self) -> specdoc_proto::queue::v1::JobEnvelope {
        specdoc_proto::queue::v1::JobEnvelope {
            job_id: self.id.to_string(),
            team_id: self.team.to_string(),
            job_type: self.job_type.to_proto(),
            priority: self.priority.to_proto(),
            enqueued_at: Some(timestamp(self.created_at)),
            traceparent: self.traceparent.clone().unwrap_or_default(),
            spec_bytes: self.spec_bytes,
        }
    }

    /// The wire record of one of this job's events, as published on the live event stream.
    pub fn event_record(&self, event: &crate::JobEvent) -> specdoc_proto::queue::v1::EventRecord {
        specdoc_proto::queue::v1::EventRecord {
            event: Some(event.to_proto(None)),
            team_id: self.team.to_string(),
            service_name: self.service.to_string(),
            job_type: self.job_type.to_proto(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SubmitJobRequest {
        SubmitJobRequest {
            team_id: "payments".into(),
            service_name: "ledger".into(),
            job_type: pb::JobType::Documentation as i32,
            spec: b"openapi: 3.0.0".to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_request_gets_defaults() {
        let (job, declared) = NewJob::from_request(request(), 1024, 3).unwrap();
        assert_eq!(declared, None);
        assert_eq!(job.priority, Priority::Normal);
        assert_eq!(job.output_formats, OutputFormat::ALL);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Mutation = fn(&mut SubmitJobRequest);
        let cases: Vec<(Mutation, &str)> = vec![
            (|r| r.team_id.clear(), "team_id"),
            (|r| r.service_name = "a b".into(), "service_name"),
            (|r| r.job_type = 0, "job_type"),
            (|r| r.spec.clear(), "spec"),
            (|r| r.spec = vec![b'x'; 2000], "spec"),
            (|r| r.spec_format = 42, "spec_format"),
            (|r| r.output_formats = vec![7], "output_formats"),
            (|r| r.priority = 9, "priority"),
            (|r| r.idempotency_key = "k\n".into(), "idempotency_key"),
        ];
        for (mutate, field) in cases {
            let mut req = request();
            mutate(&mut req);
            let err = NewJob::from_request(req, 1024, 3).unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }
}
