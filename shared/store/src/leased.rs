//! Writes a worker makes under a job's lease, committed in groups: starts of attempts, step
//! events and completions of many running jobs commit together ([`Store::record_leased`]).
//!
//! The worker reads what it leased in one statement ([`Store::startable`]) and starts running at
//! once; the start is recorded with the attempt's next writes. Each write is still its own
//! compare-and-set: a start on the job being startable and on the attempt before, anything else
//! on the job running under the writer's lease. A job whose lease moved on gets `None` in its
//! place and the others are unaffected. On Postgres a group of any size is one statement, which
//! commits on its own: a job's writes of one group are one update of its row (a small job's
//! start, step events and completion often share one), and the jobs it completes get their
//! results and rollups in the same statement. On the typed pool, each column of the writes is
//! bound as one array that `unnest` turns back into rows.
//! SQLite, a single process's embedded database, takes them one by one in the same transaction.

use crate::lifecycle::change;
use crate::rows::{self, EVENT_RUN_COLUMNS, JOB_COLUMNS};
use crate::{Result, Store, rollups};
use specdoc_core::{
    Job, JobEvent, JobId, JobState, LeaseToken, NewEvent, OutputFormat, Step, StepStatus,
    now_millis,
};
use sqlx::postgres::{PgArguments, PgPool};
use sqlx::{Any, Postgres, Row, Transaction};
use std::collections::HashMap;
use std::sync::LazyLock;

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

/// A freshly leased job that can start (QUEUED or RETRYING when read), with its spec.
#[derive(Debug, Clone)]
pub struct Startable {
    /// The job as read.
    pub job: Job,
    /// Its spec.
    pub spec: Vec<u8>,
}

impl Startable {
    /// The attempt `lease` starts: the job as it reads once the start is recorded, and the write
    /// that records it, to hand to [`Store::record_leased`] ahead of the attempt's other writes.
    pub fn start(self, lease: &LeaseToken, worker: &str) -> (Started, StartWrite) {
        let now = now_millis();
        let mut job = self.job;
        job.state = JobState::Processing;
        job.attempt += 1;
        job.started_at = Some(now);
        job.current_step = None;
        job.progress = 0;
        job.last_seq += 1;
        job.lease_token = Some(lease.0.clone());
        let write = StartWrite {
            job: job.id,
            lease: lease.clone(),
            attempt: job.attempt,
            started_at: now,
            event: NewEvent::lifecycle(
                JobState::Processing,
                0,
                format!("started by worker {worker}"),
            ),
        };
        let started = Started {
            job,
            spec: self.spec,
        };
        (started, write)
    }
}

/// A job whose attempt is starting, with what its pipeline needs first.
#[derive(Debug, Clone)]
pub struct Started {
    /// The job after the change.
    pub job: Job,
    /// Its spec.
    pub spec: Vec<u8>,
}

/// The start of an attempt under a fresh lease. It is recorded with the attempt's next writes
/// (on Postgres, in the same statement: a small job's start, step events and completion become
/// one update of its row), and only if the job is still startable and on the attempt before.
#[derive(Debug, Clone)]
pub struct StartWrite {
    /// The job.
    pub job: JobId,
    /// The lease the attempt runs under.
    pub lease: LeaseToken,
    /// The attempt it starts (the record's attempt plus one when it was leased).
    pub attempt: u32,
    /// When the worker started it.
    pub started_at: i64,
    /// Its PROCESSING event.
    pub event: NewEvent,
}

/// A write under a job's lease.
#[derive(Debug, Clone)]
pub enum LeasedWrite {
    /// The start of an attempt.
    Start(StartWrite),
    /// A step event of a running job.
    Step(StepWrite),
    /// The completion of a running job.
    Complete(Box<Completion>),
}

impl LeasedWrite {
    fn key(&self) -> (JobId, &str) {
        match self {
            LeasedWrite::Start(w) => (w.job, &w.lease.0),
            LeasedWrite::Step(w) => (w.job, &w.lease.0),
            LeasedWrite::Complete(c) => (c.job, &c.lease.0),
        }
    }
}

impl Store {
    /// Reads the jobs of fresh leases that can start (QUEUED or RETRYING) with their specs: on
    /// Postgres in one statement for the whole group. `None` in place of a job that cannot
    /// (cancelled, finished, or started by another worker).
    pub async fn startable(&self, ids: &[JobId]) -> Result<Vec<Option<Startable>>> {
        // SQLite (no typed pool): one job at a time, in process.
        let Some(typed) = &self.typed else {
            let mut startable = Vec::with_capacity(ids.len());
            for id in ids {
                let job = self
                    .get_job(*id)
                    .await?
                    .filter(|job| matches!(job.state, JobState::Queued | JobState::Retrying));
                let job = match job {
                    Some(job) => self
                        .get_spec(*id)
                        .await?
                        .map(|spec| Startable { job, spec }),
                    None => None,
                };
                startable.push(job);
            }
            return Ok(startable);
        };
        let ids_text: Vec<String> = ids.iter().map(JobId::to_string).collect();
        let rows = sqlx::query(STARTABLE.as_str())
            .bind(ids_text)
            .fetch_all(typed)
            .await?;
        let mut startable: HashMap<JobId, Startable> = HashMap::new();
        for row in &rows {
            let job = rows::job(row)?;
            let spec = row.try_get("content")?;
            startable.insert(job.id, Startable { job, spec });
        }
        Ok(ids.iter().map(|id| startable.remove(id)).collect())
    }

    /// Records starts, step events and completions of running jobs atomically (on Postgres in one
    /// statement, on SQLite in one transaction), returning each write's event (`None` where the
    /// lease no longer holds, or the attempt could not start). Writes of one job are applied in
    /// the order given: its start first, its completion last. A database error fails them all,
    /// and each job treats it as transient.
    pub async fn record_leased(&self, writes: &[LeasedWrite]) -> Result<Vec<Option<JobEvent>>> {
        let now = now_millis();
        let Some(typed) = &self.typed else {
            let mut tx = self.pool.begin().await?;
            let (recorded, finished) = record_one_by_one(&mut tx, writes, now).await?;
            rollups::record_finished(&mut tx, self.backend(), &rules_of(finished)).await?;
            tx.commit().await?;
            return Ok(recorded);
        };
        record_postgres(typed, writes, now).await
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

/// The jobs a group completed, each with its completion.
type Finished<'w> = Vec<(Job, &'w Completion)>;

/// Finished jobs with the rules each failed, as the rollups take them.
fn rules_of(finished: Finished<'_>) -> Vec<(Job, &[String])> {
    finished
        .into_iter()
        .map(|(job, completion)| (job.clone(), completion.results.failing_rules.as_slice()))
        .collect()
}

/// One job's writes of a group under one lease: the start of its attempt (when the group has
/// it), the events that become one `job_events` row (the start's first, then the step events,
/// each with its place among the group's writes), and its completion.
struct JobWrites<'w> {
    job: JobId,
    lease: &'w str,
    start: Option<&'w StartWrite>,
    run: Vec<(usize, &'w NewEvent)>,
    completion: Option<(usize, &'w Completion)>,
    /// The completion's event, COMPLETED, if the group completes the job.
    completed: Option<NewEvent>,
}

impl<'w> JobWrites<'w> {
    /// A group's writes by job and lease, in the order of each job's first write.
    fn of(writes: &'w [LeasedWrite]) -> Vec<Self> {
        let mut jobs: Vec<JobWrites<'w>> = Vec::new();
        let mut places: HashMap<(JobId, &'w str), usize> = HashMap::new();
        for (i, write) in writes.iter().enumerate() {
            let key = write.key();
            let place = *places.entry(key).or_insert_with(|| {
                jobs.push(JobWrites {
                    job: key.0,
                    lease: key.1,
                    start: None,
                    run: Vec::new(),
                    completion: None,
                    completed: None,
                });
                jobs.len() - 1
            });
            let job = &mut jobs[place];
            match write {
                LeasedWrite::Start(start) => {
                    job.start = Some(start);
                    job.run.push((i, &start.event));
                }
                LeasedWrite::Step(step) => job.run.push((i, &step.event)),
                LeasedWrite::Complete(completion) => {
                    job.completion = Some((i, completion));
                    job.completed = Some(completion.event());
                }
            }
        }
        jobs
    }

    /// The job's events of the group as the one `job_events` row they become, if it has any: its
    /// run, then its completion's event (retention trims a finished job's row to that one).
    fn row(&self) -> Option<Run<'_>> {
        let events: Vec<&NewEvent> = self
            .run
            .iter()
            .map(|(_, event)| *event)
            .chain(self.completed.as_ref())
            .collect();
        let (first, last) = (events.first()?, events.last()?);
        // The job's current step: its last step event's, none when the run is only the start.
        let only_start = self.start.is_some() && events.len() == 1;
        Some(Run {
            n: events.len(),
            first,
            more_events: rows::run_rest(events[1..].iter().copied()),
            last_step: (!only_start).then(|| last.step.as_str()),
            last_progress: if only_start { 0 } else { last.progress },
        })
    }

    /// Each write's event, given the job's `last_seq` and `attempt` after the group.
    fn recorded(&self, last_seq: i64, attempt: i64, now: i64, into: &mut [Option<JobEvent>]) {
        let (Ok(last_seq), Ok(attempt)) = (u64::try_from(last_seq), u32::try_from(attempt)) else {
            return;
        };
        let after_run = u64::from(self.completion.is_some());
        let first = last_seq + 1 - after_run - self.run.len() as u64;
        let event = |seq, event: &NewEvent| JobEvent {
            job_id: self.job,
            seq,
            attempt,
            time: now,
            event: event.clone(),
        };
        for (k, (i, e)) in self.run.iter().enumerate() {
            into[*i] = Some(event(first + k as u64, e));
        }
        if let (Some((i, _)), Some(completed)) = (self.completion, &self.completed) {
            into[i] = Some(event(last_seq, completed));
        }
    }
}

/// A job's events of one group as the one `job_events` row they become: a run of its events in
/// the order given.
struct Run<'w> {
    /// The number of events.
    n: usize,
    /// The first event.
    first: &'w NewEvent,
    /// The rest, stored as `job_events.more_events`.
    more_events: Option<String>,
    /// The job's current step and progress after the run.
    last_step: Option<&'static str>,
    last_progress: u32,
}

/// Which job rows a group's writes may change ([`JobWrites`]). An attempt starting in the group
/// needs its job still startable and on the attempt before (a reaper that counted a lost
/// attempt, or another worker, would have moved it on); any other write needs its job running
/// under the writer's lease.
const WRITER_MAY_CHANGE: &str = "CASE WHEN x.start_attempt IS NULL \
    THEN jobs.lease_token = x.lease AND jobs.state = 'processing' \
    ELSE jobs.state IN ('queued', 'retrying') AND jobs.attempt = x.start_attempt - 1 END";

/// The columns an attempt starting in the group sets, and leaves alone otherwise.
const START_COLUMNS: &str = "attempt = COALESCE(x.start_attempt, jobs.attempt), \
    started_at = COALESCE(x.start_at, jobs.started_at)";

/// A group's writes as the parameters of its statement ([`GROUP`]): its jobs as an array per
/// column, bound as `$1`…`$19` and read back as rows by `unnest` ([`INPUT_ARRAYS`]), each job
/// with its events of the group ([`Run`]; a job's writes always have one) and, if the group
/// completes it, its results; then the group's time, the shard of its rollup rows, and the
/// rules each completed job failed and its documents, as `(job, …)` pairs.
#[derive(Default)]
struct Input<'w> {
    job_id: Vec<String>,
    lease: Vec<&'w str>,
    start_attempt: Vec<Option<i64>>,
    start_at: Vec<Option<i64>>,
    n: Vec<i64>,
    first_step: Vec<&'static str>,
    first_status: Vec<&'static str>,
    first_state: Vec<&'static str>,
    first_progress: Vec<i64>,
    first_message: Vec<&'w str>,
    more_events: Vec<Option<String>>,
    last_step: Vec<Option<&'static str>>,
    last_progress: Vec<i64>,
    completes: Vec<bool>,
    score: Vec<Option<i64>>,
    is_degraded: Vec<i64>,
    reason: Vec<Option<&'w str>>,
    report: Vec<Option<&'w [u8]>>,
    rule_set: Vec<Option<i64>>,
    shard: Option<i64>,
    /// The distinct sets of failing rules of the group's completions, and their rules as
    /// `(set, rule)` pairs: the jobs of one scorer on similar specs share theirs.
    rule_sets: Vec<&'w [String]>,
    set_id: Vec<i64>,
    set_rule: Vec<&'w str>,
    document_job: Vec<String>,
    document_format: Vec<&'static str>,
    document_content: Vec<&'w [u8]>,
}

impl<'w> Input<'w> {
    fn push(&mut self, job: &JobWrites<'w>, run: Run<'w>) {
        self.job_id.push(job.job.to_string());
        self.lease.push(job.lease);
        self.start_attempt
            .push(job.start.map(|s| i64::from(s.attempt)));
        self.start_at.push(job.start.map(|s| s.started_at));
        self.n.push(run.n as i64);
        self.first_step.push(run.first.step.as_str());
        self.first_status.push(run.first.status.as_str());
        self.first_state.push(run.first.state.as_str());
        self.first_progress.push(i64::from(run.first.progress));
        self.first_message.push(&run.first.message);
        self.more_events.push(run.more_events);
        self.last_step.push(run.last_step);
        self.last_progress.push(i64::from(run.last_progress));
        let results = job.completion.map(|(_, completion)| &completion.results);
        self.completes.push(results.is_some());
        let quality = results.and_then(|r| r.quality.as_ref());
        self.score
            .push(quality.map(|(overall, _)| i64::from(*overall)));
        self.report
            .push(quality.map(|(_, report)| report.as_slice()));
        self.is_degraded
            .push(i64::from(results.is_some_and(|r| r.degraded.is_some())));
        self.reason
            .push(results.and_then(|r| r.degraded.as_deref()));
        let Some(results) = results else {
            self.rule_set.push(None);
            return;
        };
        self.shard.get_or_insert(rollups::shard_of(job.job));
        let rules = results.failing_rules.as_slice();
        let set = match self.rule_sets.iter().position(|set| *set == rules) {
            Some(set) => set,
            None => {
                self.rule_sets.push(rules);
                for rule in rules {
                    self.set_id.push(self.rule_sets.len() as i64 - 1);
                    self.set_rule.push(rule);
                }
                self.rule_sets.len() - 1
            }
        };
        self.rule_set.push(Some(set as i64));
        for (format, content) in &results.documents {
            self.document_job.push(job.job.to_string());
            self.document_format.push(format.as_str());
            self.document_content.push(content);
        }
    }

    /// The statement with its parameters bound, the group's time `now` among them.
    fn bind(self, now: i64) -> PgQuery<'w> {
        sqlx::query(GROUP.as_str())
            .bind(self.job_id)
            .bind(self.lease)
            .bind(self.start_attempt)
            .bind(self.start_at)
            .bind(self.n)
            .bind(self.first_step)
            .bind(self.first_status)
            .bind(self.first_state)
            .bind(self.first_progress)
            .bind(self.first_message)
            .bind(self.more_events)
            .bind(self.last_step)
            .bind(self.last_progress)
            .bind(self.completes)
            .bind(self.score)
            .bind(self.is_degraded)
            .bind(self.reason)
            .bind(self.report)
            .bind(self.rule_set)
            .bind(now)
            .bind(self.shard.unwrap_or(0))
            .bind(self.set_id)
            .bind(self.set_rule)
            .bind(self.document_job)
            .bind(self.document_format)
            .bind(self.document_content)
    }
}

/// A query of the typed pool.
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// The arrays of an [`Input`]'s jobs, and the columns `unnest` makes of them.
const INPUT_ARRAYS: &str = "$1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], \
    $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], \
    $13::bigint[], $14::boolean[], $15::bigint[], $16::bigint[], $17::text[], $18::bytea[], \
    $19::bigint[]";
const INPUT_COLUMNS: &str = "job_id, lease, start_attempt, start_at, n, first_step, \
    first_status, first_state, first_progress, first_message, more_events, last_step, \
    last_progress, completes, score, is_degraded, reason, report, rule_set";

/// A group's writes on Postgres, in one statement that commits on its own ([`GROUP`]);
/// returns each write's event.
async fn record_postgres(
    pool: &PgPool,
    writes: &[LeasedWrite],
    now: i64,
) -> Result<Vec<Option<JobEvent>>> {
    let jobs = JobWrites::of(writes);
    let mut input = Input::default();
    for job in &jobs {
        if let Some(run) = job.row() {
            input.push(job, run);
        }
    }
    let rows = input.bind(now).fetch_all(pool).await?;
    // (job, lease) → (its last_seq after the update, its attempt).
    let mut changed: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for row in &rows {
        let key = (row.try_get("id")?, row.try_get("lease")?);
        changed.insert(key, (row.try_get("last_seq")?, row.try_get("attempt")?));
    }
    let mut recorded = vec![None; writes.len()];
    for job in &jobs {
        if let Some((last_seq, attempt)) =
            changed.remove(&(job.job.to_string(), job.lease.to_owned()))
        {
            job.recorded(last_seq, attempt, now, &mut recorded);
        }
    }
    Ok(recorded)
}

/// A group's writes on SQLite, a single process's embedded database: one by one, in order, in
/// the same transaction.
async fn record_one_by_one<'w>(
    tx: &mut Transaction<'_, Any>,
    writes: &'w [LeasedWrite],
    now: i64,
) -> Result<(Vec<Option<JobEvent>>, Finished<'w>)> {
    let mut recorded = Vec::with_capacity(writes.len());
    let mut finished = Vec::new();
    for write in writes {
        let changed = match write {
            LeasedWrite::Start(start) => {
                let update = rows::query(format!(
                    "UPDATE jobs SET state = 'processing', attempt = $3, lease_token = $2, \
                     started_at = $4, current_step = NULL, progress = 0, last_seq = last_seq + 1 \
                     WHERE id = $1 AND state IN ('queued', 'retrying') AND attempt = $3 - 1 \
                     RETURNING {JOB_COLUMNS}"
                ))
                .bind(start.job.to_string())
                .bind(start.lease.0.clone())
                .bind(i64::from(start.attempt))
                .bind(start.started_at);
                change(tx, update, now, &start.event).await?
            }
            LeasedWrite::Step(step) => {
                let update = rows::query(format!(
                    "UPDATE jobs SET last_seq = last_seq + 1, current_step = $3, progress = $4 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'processing' \
                     RETURNING {JOB_COLUMNS}"
                ))
                .bind(step.job.to_string())
                .bind(step.lease.0.clone())
                .bind(step.event.step.as_str())
                .bind(i64::from(step.event.progress));
                change(tx, update, now, &step.event).await?
            }
            LeasedWrite::Complete(completion) => {
                let changed = complete_one(tx, completion, now).await?;
                if let Some((job, _)) = &changed {
                    finished.push((job.clone(), completion.as_ref()));
                }
                changed
            }
        };
        recorded.push(changed.map(|(_, event)| event));
    }
    Ok((recorded, finished))
}

async fn complete_one(
    tx: &mut Transaction<'_, Any>,
    completion: &Completion,
    now: i64,
) -> Result<Option<(Job, JobEvent)>> {
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
    let Some(changed) = change(tx, update, now, &completion.event()).await? else {
        return Ok(None);
    };
    if let Some((_, report)) = &results.quality {
        sqlx::query("INSERT INTO job_quality (job_id, report) VALUES ($1, $2)")
            .bind(completion.job.to_string())
            .bind(report.as_slice())
            .execute(&mut **tx)
            .await?;
    }
    insert_documents(tx, completion).await?;
    Ok(Some(changed))
}

/// Where a batch statement finds its jobs: by primary key, among the ids of its input (`$1`).
/// The planner takes `unnest` of a parameter for 100 rows whatever it holds, and with a condition
/// on `state` besides, it could scan the whole of `jobs` into a hash join (growing with the
/// table) instead of looking up a handful of ids; a condition on the id array makes the lookups
/// its plan.
const BY_PRIMARY_KEY: &str = "jobs.id = ANY($1)";

/// The batch statements of the workers' hot path, built once from their constant pieces.
static STARTABLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, specs.content FROM jobs JOIN specs ON specs.job_id = jobs.id \
         WHERE jobs.id = ANY($1) AND jobs.state IN ('queued', 'retrying')",
        prefixed_job_columns()
    )
});
/// A group's writes in one statement. Per job, the guarded update (starting the attempt, if
/// the group does, and completing the job, if it does) advances `last_seq` by its number of
/// events `n`, and its events, in order, become one `job_events` row that takes the numbers
/// skipped over; the last sets the job's current step (a completion's is `store`). The jobs it
/// completes also get their quality report, their documents and their rollup rows. Returns the
/// jobs it changed, with the writer's lease, `last_seq` and attempt.
static GROUP: LazyLock<String> = LazyLock::new(|| {
    let completed = |then: &str, column: &str| {
        format!("{column} = CASE WHEN x.completes THEN {then} ELSE jobs.{column} END")
    };
    format!(
        "WITH input AS (SELECT * FROM unnest({INPUT_ARRAYS}) AS x({INPUT_COLUMNS})), \
         changed AS (UPDATE jobs SET \
             state = CASE WHEN x.completes THEN 'completed' ELSE 'processing' END, \
             lease_token = CASE WHEN x.completes THEN NULL ELSE x.lease END, \
             {finished_at}, {quality_score}, {degraded}, {degraded_reason}, {START_COLUMNS}, \
             last_seq = jobs.last_seq + x.n, current_step = x.last_step, progress = x.last_progress \
           FROM input x \
           WHERE {BY_PRIMARY_KEY} AND jobs.id = x.job_id AND {WRITER_MAY_CHANGE} \
           RETURNING jobs.id, jobs.team_id, jobs.service_name, jobs.job_type, jobs.state, \
             jobs.created_at, jobs.started_at, jobs.finished_at, jobs.last_seq, jobs.attempt, \
             jobs.quality_score, jobs.degraded, x.*), \
         recorded AS (INSERT INTO job_events ({EVENT_RUN_COLUMNS}) \
           SELECT id, last_seq - n + 1, attempt, first_step, first_status, first_state, \
             first_progress, first_message, $20, more_events, last_seq \
           FROM changed), \
         completed AS (SELECT * FROM changed WHERE completes), \
         reports AS (INSERT INTO job_quality (job_id, report) \
           SELECT id, report FROM completed WHERE report IS NOT NULL), \
         documents AS (INSERT INTO job_documents (job_id, format, content) \
           SELECT d.job_id, d.format, d.content \
           FROM unnest($24::text[], $25::text[], $26::bytea[]) AS d (job_id, format, content) \
           JOIN completed ON completed.id = d.job_id), \
         {rollups} \
         SELECT id, lease, last_seq, attempt FROM changed",
        finished_at = completed("$20", "finished_at"),
        quality_score = completed("x.score", "quality_score"),
        degraded = completed("x.is_degraded", "degraded"),
        degraded_reason = completed("x.reason", "degraded_reason"),
        rollups =
            rollups::completed_upserts("completed", "$21", "unnest($22::bigint[], $23::text[])"),
    )
});

/// `jobs.id, jobs.team_id, …`: the job columns, unambiguous beside the columns of a join.
fn prefixed_job_columns() -> String {
    JOB_COLUMNS
        .split(", ")
        .map(|column| format!("jobs.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Documents are large and few (documentation jobs only): one insert each, bound as bytes.
const INSERT_DOCUMENT: &str =
    "INSERT INTO job_documents (job_id, format, content) VALUES ($1, $2, $3)";

async fn insert_documents(tx: &mut Transaction<'_, Any>, completion: &Completion) -> Result<()> {
    for (format, content) in &completion.results.documents {
        sqlx::query(INSERT_DOCUMENT)
            .bind(completion.job.to_string())
            .bind(format.as_str())
            .bind(content.as_slice())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
