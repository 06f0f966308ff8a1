//! Writes a worker makes under a job's lease, committed in groups: step events and completions of
//! many running jobs share one transaction ([`Store::record_leased`]).
//!
//! Each write is still its own compare-and-set on its job's lease: a job whose lease moved on gets
//! `None` in its place and the others are unaffected. On Postgres a group costs a fixed number of
//! statements whatever its size: the writes travel as one JSON parameter (sqlx's `Any` driver
//! cannot bind arrays) that `json_to_recordset` turns back into rows. SQLite, a single process's
//! embedded database, takes them one by one in the same transaction.

use crate::lifecycle::change;
use crate::rows::{self, EVENT_COLUMNS, EVENT_RUN_COLUMNS, JOB_COLUMNS};
use crate::{Backend, Result, Store, rollups};
use serde::Serialize;
use specdoc_core::{
    Job, JobEvent, JobId, JobState, LeaseToken, NewEvent, OutputFormat, Step, StepStatus,
    now_millis,
};
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// What a successful job leaves behind.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Rendered documents.
    pub documents: Vec<(OutputFormat, Vec<u8>)>,
    /// Overall score and the encoded `specdoc.job.v1.QualityScore` report.
    pub quality: Option<(u32, Vec<u8>)>,
    /// Why generation fell back to the deterministic writer, when it did.
    pub degraded: Option<String>,
    /// The distinct ids of the quality rules with findings, for the statistics.
    pub failing_rules: Vec<String>,
}

/// One step event to record under a job's lease.
#[derive(Debug, Clone)]
pub struct StepWrite {
    /// The job.
    pub job: JobId,
    /// The lease the writer holds.
    pub lease: LeaseToken,
    /// The event.
    pub event: NewEvent,
}

/// A running job's completion: its results and its last event, COMPLETED.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The job.
    pub job: JobId,
    /// The lease the writer holds.
    pub lease: LeaseToken,
    /// What the job produced.
    pub results: Results,
    /// The completion event's message.
    pub message: String,
}

impl Completion {
    fn event(&self) -> NewEvent {
        NewEvent {
            step: Step::Store,
            status: StepStatus::Succeeded,
            state: JobState::Completed,
            progress: 100,
            message: self.message.clone(),
        }
    }
}

/// A job whose attempt just started, with what its pipeline needs first.
#[derive(Debug, Clone)]
pub struct Started {
    /// The job after the change.
    pub job: Job,
    /// Its PROCESSING event.
    pub event: JobEvent,
    /// Its spec.
    pub spec: Vec<u8>,
}

/// A write under a job's lease.
#[derive(Debug, Clone)]
pub enum LeasedWrite {
    /// A step event of a running job.
    Step(StepWrite),
    /// The completion of a running job.
    Complete(Box<Completion>),
}

impl Store {
    /// Starts new attempts of QUEUED (or RETRYING) jobs, each under its lease, and reads their
    /// specs: on Postgres in one statement for the whole group. `None` in place of a job that is
    /// not startable any more (cancelled, finished, or taken by another worker).
    pub async fn start_attempts(
        &self,
        leases: &[(JobId, LeaseToken)],
        worker: &str,
    ) -> Result<Vec<Option<Started>>> {
        if self.backend == Backend::Sqlite {
            let mut started = Vec::with_capacity(leases.len());
            for (id, lease) in leases {
                let job = match self.start_attempt(*id, lease, worker).await? {
                    Some((job, event)) => {
                        self.get_spec(*id)
                            .await?
                            .map(|spec| Started { job, event, spec })
                    }
                    None => None,
                };
                started.push(job);
            }
            return Ok(started);
        }
        let now = now_millis();
        let event = NewEvent::lifecycle(
            JobState::Processing,
            0,
            format!("started by worker {worker}"),
        );
        let input: Vec<_> = leases
            .iter()
            .map(|(id, lease)| InputRow {
                job_id: id.to_string(),
                lease: &lease.0,
                write: (),
            })
            .collect();
        let returned = prefixed_job_columns();
        let rows = rows::query(format!(
            "WITH input AS (SELECT * FROM json_to_recordset($1::json) AS x(job_id text, lease text)), \
             changed AS (UPDATE jobs SET state = 'processing', attempt = jobs.attempt + 1, \
               lease_token = x.lease, started_at = $2, current_step = NULL, progress = 0, \
               last_seq = jobs.last_seq + 1 \
               FROM input x WHERE {BY_PRIMARY_KEY} AND jobs.id = x.job_id AND jobs.state IN ('queued', 'retrying') \
               RETURNING {returned}), \
             recorded AS (INSERT INTO job_events ({EVENT_COLUMNS}) \
               SELECT id, last_seq, attempt, $3, $4, $5, 0, $6, $2 FROM changed) \
             SELECT changed.*, specs.content FROM changed JOIN specs ON specs.job_id = changed.id"
        ))
        .bind(rows::json_input(&input)?)
        .bind(now)
        .bind(event.step.as_str())
        .bind(event.status.as_str())
        .bind(event.state.as_str())
        .bind(event.message.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut started: HashMap<JobId, Started> = HashMap::new();
        for row in &rows {
            let job = rows::job(row)?;
            let event = JobEvent {
                job_id: job.id,
                seq: job.last_seq,
                attempt: job.attempt,
                time: now,
                event: event.clone(),
            };
            let spec = row.try_get("content")?;
            started.insert(job.id, Started { job, event, spec });
        }
        Ok(leases.iter().map(|(id, _)| started.remove(id)).collect())
    }

    /// Records step events and completions of running jobs in one transaction, returning each
    /// write's event (`None` where the lease no longer holds). Writes of one job are applied in
    /// the order given; a job's completion must come after its step events. A database error
    /// fails them all, and each job treats it as transient.
    pub async fn record_leased(&self, writes: &[LeasedWrite]) -> Result<Vec<Option<JobEvent>>> {
        let now = now_millis();
        let mut steps = Vec::new();
        let mut completions = Vec::new();
        for (i, write) in writes.iter().enumerate() {
            match write {
                LeasedWrite::Step(step) => steps.push((i, step)),
                LeasedWrite::Complete(completion) => completions.push((i, completion.as_ref())),
            }
        }
        // On Postgres, the step events of a job completing in this group ride in its completion's
        // statement: one update of its row instead of two.
        let completing: HashSet<(JobId, &str)> = completions
            .iter()
            .map(|(_, c)| (c.job, c.lease.0.as_str()))
            .collect();
        let (folded, steps): (Vec<_>, Vec<_>) = steps.into_iter().partition(|(_, step)| {
            self.backend == Backend::Postgres
                && completing.contains(&(step.job, step.lease.0.as_str()))
        });
        let mut recorded = vec![None; writes.len()];
        let mut tx = self.pool.begin().await?;
        // Steps first: a job's completion follows its step events in the same group.
        let step_events = match self.backend {
            Backend::Postgres => steps_postgres(&mut tx, &steps, now).await?,
            Backend::Sqlite => steps_one_by_one(&mut tx, &steps, now).await?,
        };
        for ((i, _), event) in steps.iter().zip(step_events) {
            recorded[*i] = event;
        }
        let folded_places = Places::of(&folded);
        let completed = match self.backend {
            Backend::Postgres => complete_postgres(&mut tx, &completions, &folded, now).await?,
            Backend::Sqlite => complete_one_by_one(&mut tx, &completions, now).await?,
        };
        let mut finished = Vec::with_capacity(completed.len());
        for ((i, completion), job) in completions.iter().zip(completed) {
            if let Some(job) = job {
                recorded[*i] = Some(JobEvent {
                    job_id: job.id,
                    seq: job.last_seq,
                    attempt: job.attempt,
                    time: now,
                    event: completion.event(),
                });
                finished.push((job, completion.results.failing_rules.as_slice()));
            }
        }
        // A folded step's number: its place among its job's folded steps, before the completion.
        for ((i, step), k) in folded.iter().zip(&folded_places.k) {
            let Some((job, _)) = finished.iter().find(|(job, _)| job.id == step.job) else {
                continue;
            };
            let n = folded_places.n(step);
            recorded[*i] = Some(JobEvent {
                job_id: step.job,
                seq: job.last_seq - u64::try_from(n - k + 1).unwrap_or(0),
                attempt: job.attempt,
                time: now,
                event: step.event.clone(),
            });
        }
        rollups::record_finished(&mut tx, self.backend, &finished).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// Records step events of running jobs, in order, in one transaction; see
    /// [`Store::record_leased`].
    pub async fn record_steps(&self, writes: &[StepWrite]) -> Result<Vec<Option<JobEvent>>> {
        let writes: Vec<LeasedWrite> = writes.iter().cloned().map(LeasedWrite::Step).collect();
        self.record_leased(&writes).await
    }

    /// Records one step event of a running job. `None` when `lease` is no longer the job's lease.
    pub async fn record_step(
        &self,
        id: JobId,
        lease: &LeaseToken,
        event: &NewEvent,
    ) -> Result<Option<JobEvent>> {
        let write = StepWrite {
            job: id,
            lease: lease.clone(),
            event: event.clone(),
        };
        Ok(self.record_steps(&[write]).await?.pop().flatten())
    }

    /// Completes a running job with its results, exactly once: only the holder of the current
    /// lease can, and only while the job is PROCESSING.
    pub async fn complete(
        &self,
        id: JobId,
        lease: &LeaseToken,
        results: &Results,
        message: &str,
    ) -> Result<Option<JobEvent>> {
        let write = LeasedWrite::Complete(Box::new(Completion {
            job: id,
            lease: lease.clone(),
            results: results.clone(),
            message: message.to_owned(),
        }));
        Ok(self.record_leased(&[write]).await?.pop().flatten())
    }
}

/// Where each step write sits among its job's writes of a group: `k[i]` is its 1-based place,
/// [`Places::n`] its job's count.
struct Places<'w> {
    k: Vec<i64>,
    counts: HashMap<(JobId, &'w str), i64>,
}

impl<'w> Places<'w> {
    fn of(steps: &[(usize, &'w StepWrite)]) -> Self {
        let mut counts: HashMap<(JobId, &str), i64> = HashMap::new();
        let k = steps
            .iter()
            .map(|(_, w)| {
                let count = counts.entry((w.job, w.lease.0.as_str())).or_default();
                *count += 1;
                *count
            })
            .collect();
        Self { k, counts }
    }

    fn n(&self, step: &StepWrite) -> i64 {
        self.counts
            .get(&(step.job, step.lease.0.as_str()))
            .copied()
            .unwrap_or(0)
    }
}

/// A job's step writes of one group as the one `job_events` row they become: a run of its
/// events in the order given, as fields of a row of the statements' JSON input.
#[derive(Serialize)]
struct Run<'w> {
    /// The number of events.
    n: usize,
    /// The first event ([`RUN_FIELDS`]).
    first_step: &'static str,
    first_status: &'static str,
    first_state: &'static str,
    first_progress: u32,
    first_message: &'w str,
    /// The rest, stored as `job_events.more_events`.
    more_events: Option<String>,
    /// The job's current step and progress after the last.
    last_step: &'static str,
    last_progress: u32,
}

/// Step writes as one [`Run`] per job and lease.
fn runs<'w>(steps: &[(usize, &'w StepWrite)]) -> HashMap<(JobId, &'w str), Run<'w>> {
    let mut events: HashMap<(JobId, &'w str), Vec<&'w NewEvent>> = HashMap::new();
    for (_, w) in steps {
        events
            .entry((w.job, w.lease.0.as_str()))
            .or_default()
            .push(&w.event);
    }
    events
        .into_iter()
        .filter_map(|(key, run)| {
            let (first, last) = (run.first()?, run.last()?);
            let fields = Run {
                n: run.len(),
                first_step: first.step.as_str(),
                first_status: first.status.as_str(),
                first_state: first.state.as_str(),
                first_progress: first.progress,
                first_message: &first.message,
                more_events: rows::run_rest(run[1..].iter().copied()),
                last_step: last.step.as_str(),
                last_progress: last.progress,
            };
            Some((key, fields))
        })
        .collect()
}

/// A row of a statement's JSON input: a job under a lease, and what to write.
#[derive(Serialize)]
struct InputRow<'w, T> {
    job_id: String,
    lease: &'w str,
    #[serde(flatten)]
    write: T,
}

/// A completion's part of its [`InputRow`], with the run of its job's step events of the group
/// folded into it, if any (without one, `n` and the run's fields are absent: NULL in SQL).
#[derive(Serialize)]
struct CompletionFields<'w> {
    score: Option<u32>,
    is_degraded: i64,
    reason: Option<&'w str>,
    message: &'w str,
    /// Where the quality report lies in the statement's `bytea` of all reports.
    report_at: Option<usize>,
    report_len: Option<usize>,
    #[serde(flatten)]
    folded: Option<Run<'w>>,
}

/// All step events in one statement: per job, the guarded update advances `last_seq` by its
/// number of events `n`, and its events, in the order given, become one `job_events` row that
/// takes the numbers skipped over; the last sets the job's current step. Only the jobs' rows
/// come back: the events' numbers follow from their places.
async fn steps_postgres(
    tx: &mut Transaction<'_, Any>,
    steps: &[(usize, &StepWrite)],
    now: i64,
) -> Result<Vec<Option<JobEvent>>> {
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let places = Places::of(steps);
    let input: Vec<_> = runs(steps)
        .into_iter()
        .map(|((job, lease), run)| InputRow {
            job_id: job.to_string(),
            lease,
            write: run,
        })
        .collect();
    let rows = rows::query(format!(
        "WITH input AS (SELECT * FROM json_to_recordset($1::json) AS x(job_id text, lease text, \
           n bigint, {RUN_FIELDS}, last_step text, last_progress bigint)), \
         changed AS (UPDATE jobs SET last_seq = jobs.last_seq + x.n, current_step = x.last_step, \
             progress = x.last_progress \
           FROM input x \
           WHERE {BY_PRIMARY_KEY} AND jobs.id = x.job_id AND jobs.lease_token = x.lease AND jobs.state = 'processing' \
           RETURNING jobs.id, jobs.last_seq, jobs.attempt, x.lease), \
         recorded AS (INSERT INTO job_events ({EVENT_RUN_COLUMNS}) \
           SELECT x.job_id, c.last_seq - x.n + 1, c.attempt, x.first_step, x.first_status, \
             x.first_state, x.first_progress, x.first_message, $2, x.more_events, c.last_seq \
           FROM input x JOIN changed c ON c.id = x.job_id AND c.lease = x.lease) \
         SELECT id, last_seq, attempt, lease FROM changed"
    ))
    .bind(rows::json_input(&input)?)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    // (job, lease) → (its last_seq after the update, its attempt).
    let mut changed: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for row in &rows {
        let key = (row.try_get("id")?, row.try_get("lease")?);
        changed.insert(key, (row.try_get("last_seq")?, row.try_get("attempt")?));
    }
    Ok(steps
        .iter()
        .zip(&places.k)
        .map(|((_, w), k)| {
            let n = places.n(w);
            let (last_seq, attempt) = changed.get(&(w.job.to_string(), w.lease.0.clone()))?;
            Some(JobEvent {
                job_id: w.job,
                seq: u64::try_from(last_seq - n + k).ok()?,
                attempt: u32::try_from(*attempt).ok()?,
                time: now,
                event: w.event.clone(),
            })
        })
        .collect())
}

async fn steps_one_by_one(
    tx: &mut Transaction<'_, Any>,
    steps: &[(usize, &StepWrite)],
    now: i64,
) -> Result<Vec<Option<JobEvent>>> {
    let mut recorded = Vec::with_capacity(steps.len());
    for (_, write) in steps {
        let update = rows::query(format!(
            "UPDATE jobs SET last_seq = last_seq + 1, current_step = $3, progress = $4 \
             WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
        ))
        .bind(write.job.to_string())
        .bind(write.lease.0.clone())
        .bind(write.event.step.as_str())
        .bind(i64::from(write.event.progress));
        recorded.push(change(tx, update, now, &write.event).await?.map(|(_, e)| e));
    }
    Ok(recorded)
}

/// All completions in one statement (the guarded update, its event, the step events of the
/// same jobs folded into it as one run each, and the quality reports), plus one insert per
/// document for documentation jobs.
async fn complete_postgres(
    tx: &mut Transaction<'_, Any>,
    completions: &[(usize, &Completion)],
    folded: &[(usize, &StepWrite)],
    now: i64,
) -> Result<Vec<Option<Job>>> {
    if completions.is_empty() {
        return Ok(Vec::new());
    }
    let mut runs = runs(folded);
    // Reports travel as one `bytea`, each row naming its slice, rather than as base64 inside the
    // JSON, which the database had to parse and decode (2 KiB per small job).
    let mut reports = Vec::new();
    let input: Vec<_> = completions
        .iter()
        .map(|(_, c)| {
            let report = c.results.quality.as_ref().map(|(_, report)| {
                reports.extend_from_slice(report);
                (reports.len() - report.len(), report.len())
            });
            InputRow {
                job_id: c.job.to_string(),
                lease: &c.lease.0,
                write: CompletionFields {
                    score: c.results.quality.as_ref().map(|(overall, _)| *overall),
                    is_degraded: i64::from(c.results.degraded.is_some()),
                    reason: c.results.degraded.as_deref(),
                    message: &c.message,
                    report_at: report.map(|(at, _)| at),
                    report_len: report.map(|(_, len)| len),
                    folded: runs.remove(&(c.job, c.lease.0.as_str())),
                },
            }
        })
        .collect();
    let returned = prefixed_job_columns();
    let rows = rows::query(format!(
        "WITH input AS (SELECT * FROM json_to_recordset($1::json) AS x(job_id text, lease text, \
           score bigint, is_degraded bigint, reason text, message text, report_at int, report_len int, \
           n bigint, {RUN_FIELDS})), \
         changed AS (UPDATE jobs SET state = 'completed', finished_at = $2, progress = 100, \
           current_step = 'store', quality_score = x.score, degraded = x.is_degraded, \
           degraded_reason = x.reason, lease_token = NULL, last_seq = jobs.last_seq + COALESCE(x.n, 0) + 1 \
           FROM input x \
           WHERE {BY_PRIMARY_KEY} AND jobs.id = x.job_id AND jobs.lease_token = x.lease AND jobs.state = 'processing' \
           RETURNING {returned}, x.lease AS completed_under), \
         done AS (SELECT c.id, c.last_seq, c.attempt, x.* \
           FROM changed c JOIN input x ON x.job_id = c.id AND x.lease = c.completed_under), \
         recorded AS (INSERT INTO job_events ({EVENT_COLUMNS}) \
           SELECT id, last_seq, attempt, 'store', 'succeeded', 'completed', 100, message, $2 FROM done), \
         folded AS (INSERT INTO job_events ({EVENT_RUN_COLUMNS}) \
           SELECT id, last_seq - n, attempt, first_step, first_status, first_state, \
             first_progress, first_message, $2, more_events, last_seq - 1 \
           FROM done WHERE n IS NOT NULL), \
         reports AS (INSERT INTO job_quality (job_id, report) \
           SELECT id, substring($3 FROM report_at + 1 FOR report_len) FROM done \
           WHERE report_at IS NOT NULL) \
         SELECT * FROM changed"
    ))
    .bind(rows::json_input(&input)?)
    .bind(now)
    .bind(reports)
    .fetch_all(&mut **tx)
    .await?;
    let mut completed: HashMap<JobId, Job> = HashMap::new();
    for row in &rows {
        let job = rows::job(row)?;
        completed.insert(job.id, job);
    }
    for (_, completion) in completions {
        if completed.contains_key(&completion.job) {
            insert_documents(tx, completion).await?;
        }
    }
    Ok(completions
        .iter()
        .map(|(_, c)| completed.remove(&c.job))
        .collect())
}

async fn complete_one_by_one(
    tx: &mut Transaction<'_, Any>,
    completions: &[(usize, &Completion)],
    now: i64,
) -> Result<Vec<Option<Job>>> {
    let mut completed = Vec::with_capacity(completions.len());
    for (_, completion) in completions {
        let results = &completion.results;
        let update = rows::query(format!(
            "UPDATE jobs SET state = 'completed', finished_at = $3, progress = 100, \
             current_step = $4, quality_score = $5, degraded = $6, degraded_reason = $7, \
             lease_token = NULL, last_seq = last_seq + 1 \
             WHERE id = $1 AND lease_token = $2 AND state = 'processing' RETURNING {JOB_COLUMNS}"
        ))
        .bind(completion.job.to_string())
        .bind(completion.lease.0.clone())
        .bind(now)
        .bind(Step::Store.as_str())
        .bind(
            results
                .quality
                .as_ref()
                .map(|(overall, _)| i64::from(*overall)),
        )
        .bind(i64::from(results.degraded.is_some()))
        .bind(results.degraded.as_deref());
        let Some((job, _)) = change(tx, update, now, &completion.event()).await? else {
            completed.push(None);
            continue;
        };
        if let Some((_, report)) = &results.quality {
            sqlx::query("INSERT INTO job_quality (job_id, report) VALUES ($1, $2)")
                .bind(completion.job.to_string())
                .bind(report.as_slice())
                .execute(&mut **tx)
                .await?;
        }
        insert_documents(tx, completion).await?;
        completed.push(Some(job));
    }
    Ok(completed)
}

/// The `json_to_recordset` columns of a run of step events; see [`runs`].
const RUN_FIELDS: &str = "first_step text, first_status text, first_state text, \
    first_progress bigint, first_message text, more_events text";

/// Where a batch statement finds its jobs: by primary key, among the ids of its `input`. The
/// planner takes `json_to_recordset` for 100 rows whatever it holds, and with a condition on
/// `state` besides, it scanned the whole of `jobs` into a hash join (growing with the table)
/// instead of looking up a handful of ids; a condition on the id array makes the lookups its
/// plan.
const BY_PRIMARY_KEY: &str = "jobs.id = ANY(ARRAY(SELECT job_id FROM input))";

/// `jobs.id, jobs.team_id, …`: the job columns an `UPDATE … FROM` returns unambiguously.
fn prefixed_job_columns() -> String {
    JOB_COLUMNS
        .split(", ")
        .map(|column| format!("jobs.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Documents are large and few (documentation jobs only): one insert each, bound as bytes.
async fn insert_documents(tx: &mut Transaction<'_, Any>, completion: &Completion) -> Result<()> {
    for (format, content) in &completion.results.documents {
        sqlx::query("INSERT INTO job_documents (job_id, format, content) VALUES ($1, $2, $3)")
            .bind(completion.job.to_string())
            .bind(format.as_str())
            .bind(content.as_slice())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
