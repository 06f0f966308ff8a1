//! The five steps of a job: parse → generate → format → score → store.
//!
//! Each step records a started and a finished event under the job's lease. The job does not wait
//! for each event's commit (the event writer commits them in groups, in order); it checks how its
//! earlier writes went at every step, and a write the lease no longer guards (the job was
//! cancelled or reclaimed) ends the pipeline there. The completion waits for its commit. CPU-heavy work
//! (parsing, rendering, scoring) runs on the blocking pool so heartbeats and lease renewals keep
//! flowing; the caller drops this future on cancel or timeout, which interrupts the step in
//! progress.

use crate::Worker;
use crate::event_writer::{Outcome, Pending, outcome, settled};
use specdoc_core::{
    Generation, Job, JobType, LeaseToken, NewEvent, OutputFormat, Step, StepStatus,
};
use specdoc_docs::{Score, Spec};
use specdoc_proto::Message;
use specdoc_runtime::metrics::{JobTypeLabels, StepLabels, metrics};
use specdoc_store::{Completion, Results};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::OwnedSemaphorePermit;
use tracing::Instrument;

/// Why an attempt ended without results.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input is wrong; retrying cannot help.
    Permanent(String),
    /// A dependency failed; a later attempt may succeed.
    Transient(String),
    /// The job ran past `JOB_TIMEOUT`.
    TimedOut,
    /// Cancelled, or the lease is no longer ours.
    Interrupted,
    /// The database failed to record the attempt's start.
    Unstarted(String),
}

impl From<specdoc_store::Error> for Failure {
    fn from(error: specdoc_store::Error) -> Self {
        Failure::Transient(format!("database: {error}"))
    }
}

/// One attempt's pipeline.
pub(crate) struct Pipeline {
    pub(crate) worker: Arc<Worker>,
    /// Shared with the event writer, which needs it for each event's stream record.
    pub(crate) job: Arc<Job>,
    pub(crate) lease: LeaseToken,
    /// Writes handed to the event writer whose outcome the pipeline has not read yet.
    pub(crate) unsettled: Mutex<Vec<Pending>>,
    /// The job's slot among the worker's `MAX_CONCURRENT_JOBS`, given back once the completion is
    /// handed over (see the store step).
    pub(crate) slot: Mutex<Option<OwnedSemaphorePermit>>,
}

/// What a settled write means for the pipeline.
fn checked(outcome: Outcome) -> Result<(), Failure> {
    match outcome.map_err(|error| Failure::Transient(format!("database: {error}")))? {
        Some(_) => Ok(()),
        None => Err(Failure::Interrupted),
    }
}

/// The span of one step, a child of the job's span (one trace per job, one span per step).
fn step_span(step: Step) -> tracing::Span {
    tracing::info_span!("step", otel.name = %step, step = %step)
}

/// Specs up to this size are parsed, scored and rendered on the async thread itself: that takes
/// well under a millisecond, less than handing the work to the blocking pool and back costs.
const INLINE_SPEC_BYTES: u64 = 16 * 1024;

impl Pipeline {
    /// Runs CPU-bound work off the async threads (inline for a small spec). A panic in the
    /// engine fails the job for good instead of the worker.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let crashed = |e: &dyn std::fmt::Display| {
            Failure::Permanent(format!("the engine crashed on this spec: {e}"))
        };
        if self.job.spec_bytes <= INLINE_SPEC_BYTES {
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|_| crashed(&"panic"));
        }
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| crashed(&e))
    }

    /// Runs the steps on the job's spec, as read when the attempt started.
    pub(crate) async fn run(self, spec: Vec<u8>) -> Result<(), Failure> {
        let documentation = self.job.job_type == JobType::Documentation;
        let mut spec = self.parse(spec).instrument(step_span(Step::Parse)).await?;
        let degraded = if documentation {
            let (filled, degraded) = self
                .generate(spec)
                .instrument(step_span(Step::Generate))
                .await?;
            spec = filled;
            degraded
        } else {
            self.skip(
                Step::Generate,
                30,
                "quality-score jobs do not generate prose",
            )
            .await?;
            None
        };
        let spec = Arc::new(spec);
        let (documents, score) = if documentation {
            self.format(spec.clone())
                .instrument(step_span(Step::Format))
                .await?
        } else {
            self.skip(Step::Format, 60, "quality-score jobs render no documents")
                .await?;
            (Vec::new(), None)
        };
        let score = self
            .score(spec, score)
            .instrument(step_span(Step::Score))
            .await?;
        self.store(documents, score, degraded)
            .instrument(step_span(Step::Store))
            .await
    }

    /// Hands one event of this attempt to the event writer, first reading how the earlier ones
    /// went: `Interrupted` once the lease no longer holds.
    async fn emit(&self, event: NewEvent) -> Result<(), Failure> {
        let pending = self.worker.events.record(&self.job, &self.lease, event);
        let mut unsettled = self.unsettled.lock().unwrap_or_else(|e| e.into_inner());
        let mut outcomes = Vec::new();
        unsettled.retain_mut(|pending| match settled(pending) {
            Ok(outcome) => {
                outcomes.push(outcome);
                false
            }
            Err(()) => true,
        });
        unsettled.push(pending);
        drop(unsettled);
        outcomes.into_iter().try_for_each(checked)
    }

    async fn skip(&self, step: Step, progress: u32, why: &str) -> Result<(), Failure> {
        self.emit(NewEvent::step(step, StepStatus::Skipped, progress, why))
            .await
    }

    async fn started(&self, step: Step, progress: u32) -> Result<Instant, Failure> {
        self.emit(NewEvent::step(
            step,
            StepStatus::Started,
            progress,
            format!("{step} started"),
        ))
        .await?;
        Ok(Instant::now())
    }

    async fn finished(
        &self,
        step: Step,
        since: Instant,
        status: StepStatus,
        progress: u32,
        message: String,
    ) -> Result<(), Failure> {
        metrics()
            .step_seconds
            .get_or_create(&StepLabels {
                step: step.to_string(),
            })
            .observe(since.elapsed().as_secs_f64());
        self.emit(NewEvent::step(step, status, progress, message))
            .await
    }

    async fn parse(&self, bytes: Vec<u8>) -> Result<Spec, Failure> {
        let since = self.started(Step::Parse, 5).await?;
        let limits = self.worker.config.limits.clone();
        let parsed = self
            .blocking(move || specdoc_docs::parse(&bytes, &limits))
            .await?;
        match parsed {
            Ok(spec) => {
                let message = format!(
                    "parsed {} {}: {} operations, {} schemas",
                    spec.format.label(),
                    spec.version,
                    spec.operations.len(),
                    spec.schemas.len()
                );
                self.finished(Step::Parse, since, StepStatus::Succeeded, 20, message)
                    .await?;
                Ok(spec)
            }
            Err(error) => {
                let message = format!("invalid spec: {error}");
                self.finished(Step::Parse, since, StepStatus::Failed, 20, message.clone())
                    .await?;
                Err(Failure::Permanent(message))
            }
        }
    }

    /// Fills the prose the spec lacks, as the job's generation mode says: the LLM first (when
    /// configured), then the deterministic writer for whatever is still missing. Any LLM
    /// trouble makes the step *degraded*, with the reason; it never fails the job.
    async fn generate(&self, mut spec: Spec) -> Result<(Spec, Option<String>), Failure> {
        let since = self.started(Step::Generate, 25).await?;
        let mode = match self.job.generation {
            Generation::Off => {
                let message = "generation off: the documents hold only the spec's own prose";
                self.finished(
                    Step::Generate,
                    since,
                    StepStatus::Skipped,
                    40,
                    message.into(),
                )
                .await?;
                return Ok((spec, None));
            }
            Generation::FillMissing => specdoc_genai::Mode::FillMissing,
            Generation::RewriteAll => specdoc_genai::Mode::RewriteAll,
        };
        let (llm, degraded) = match &self.worker.config.genai {
            Some(writer) => {
                let cache = crate::llm_cache::StoreCache(&self.worker.store);
                let enrichment = writer.enrich(&mut spec, mode, &cache).await;
                let degraded = enrichment.degraded.clone();
                (Some(enrichment), degraded)
            }
            None => (
                None,
                Some("no LLM configured (GENAI_BASE_URL is unset)".to_owned()),
            ),
        };
        let (spec, filled) = self
            .blocking(move || {
                let filled = specdoc_docs::prose::fill_missing(&mut spec);
                (spec, filled)
            })
            .await?;
        let from_llm = llm.as_ref().map_or(String::new(), |e| {
            format!(
                "the LLM wrote {} texts ({} requests, {} from cache); ",
                e.filled, e.requests, e.cache_hits
            )
        });
        let (status, message) = match &degraded {
            Some(reason) => (
                StepStatus::Degraded,
                format!(
                    "degraded: {reason}; {from_llm}the deterministic writer filled {filled} texts"
                ),
            ),
            None => (
                StepStatus::Succeeded,
                format!("{from_llm}the deterministic writer filled {filled} texts"),
            ),
        };
        self.finished(Step::Generate, since, status, 40, message)
            .await?;
        Ok((spec, degraded))
    }

    async fn format(
        &self,
        spec: Arc<Spec>,
    ) -> Result<(Vec<(OutputFormat, Vec<u8>)>, Option<Score>), Failure> {
        let since = self.started(Step::Format, 45).await?;
        let formats = self.job.output_formats.clone();
        let (documents, score) = self
            .blocking(move || {
                // The documents carry a quality section, so the score is computed here; the score
                // step then records it instead of computing it twice.
                let score = specdoc_docs::score::score(&spec);
                let documents: Vec<(OutputFormat, Vec<u8>)> = formats
                    .iter()
                    .map(|format| {
                        let text = match format {
                            OutputFormat::Markdown => {
                                specdoc_docs::markdown::render(&spec, Some(&score))
                            }
                            OutputFormat::Html => specdoc_docs::html::render(&spec, Some(&score)),
                        };
                        (*format, text.into_bytes())
                    })
                    .collect();
                (documents, score)
            })
            .await?;
        let sizes: Vec<String> = documents
            .iter()
            .map(|(f, d)| format!("{f} {} bytes", d.len()))
            .collect();
        let message = format!("rendered {}", sizes.join(", "));
        self.finished(Step::Format, since, StepStatus::Succeeded, 70, message)
            .await?;
        Ok((documents, Some(score)))
    }

    async fn score(&self, spec: Arc<Spec>, computed: Option<Score>) -> Result<Score, Failure> {
        let since = self.started(Step::Score, 75).await?;
        let score = match computed {
            Some(score) => score,
            None => {
                self.blocking(move || specdoc_docs::score::score(&spec))
                    .await?
            }
        };
        let message = format!(
            "quality score {} with {} findings",
            score.overall,
            score.findings.len()
        );
        self.finished(Step::Score, since, StepStatus::Succeeded, 85, message)
            .await?;
        Ok(score)
    }

    async fn store(
        &self,
        documents: Vec<(OutputFormat, Vec<u8>)>,
        score: Score,
        degraded: Option<String>,
    ) -> Result<(), Failure> {
        self.started(Step::Store, 90).await?;
        let count = documents.len();
        let overall = score.overall;
        let failing_rules: std::collections::BTreeSet<_> =
            score.findings.iter().map(|f| f.rule_id.clone()).collect();
        let results = Results {
            documents,
            quality: Some((overall, crate::quality::to_proto(score).encode_to_vec())),
            degraded,
            failing_rules: failing_rules.into_iter().collect(),
        };
        let message = format!("stored {count} documents and a quality score of {overall}");
        let degraded = results.degraded.is_some();
        let completion = Completion {
            job: self.job.id,
            lease: self.lease.clone(),
            results,
            message,
        };
        // Queued behind the job's step events. Once it is committed the job is complete, whatever
        // became of an earlier event; if it is not, the attempt ends as the completion says.
        // Marked first: the commit's ack ends the lease, and a renewal must not take that for a
        // lost lease.
        if let Ok(mut running) = self.worker.running.lock()
            && let Some(job) = running.get_mut(&self.job.id)
        {
            job.completing = true;
        }
        let completed = self.worker.events.complete(&self.job, completion);
        // The job's work is done: its slot takes the next job while the group commit is pending
        // (a wait that was a third of a small job's time in its slot). The attempt still ends as
        // the commit says, and the worker flushes its writes before it exits.
        drop(self.slot.lock().unwrap_or_else(|e| e.into_inner()).take());
        checked(outcome(completed).await)?;
        if degraded {
            metrics()
                .jobs_degraded
                .get_or_create(&JobTypeLabels {
                    job_type: self.job.job_type.to_string(),
                })
                .inc();
        }
        Ok(())
    }
}
