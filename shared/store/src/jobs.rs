//! Admission and reads of jobs: insert a job with its spec and first event in one transaction
//! (or many jobs in one, for group commit), honour idempotency keys, and list jobs newest first
//! with cursor pagination.

use crate::rows::{self, EVENT_COLUMNS, JOB_COLUMNS};
use crate::{Error, Result, Store, events};
use specdoc_core::{
    Job, JobEvent, JobId, JobState, JobType, NewEvent, NewJob, TeamId, UnixMillis, now_millis,
};
use sqlx::postgres::PgConnection;
use sqlx::{Any, Row, Transaction};
use std::sync::LazyLock;

/// Most spec bytes in one set-based insert; a bigger spec goes alone. (Postgres caps a `bytea`
/// at 1 GiB, and a set's specs travel as one array.)
const SET_SPEC_BYTES: usize = 16 * 1024 * 1024;

/// The outcome of inserting a job.
#[derive(Debug, Clone)]
pub struct Inserted {
    /// The job as recorded (an earlier job for a repeated idempotency key).
    pub job: Job,
    /// True when the idempotency key matched an earlier job and nothing was inserted.
    pub deduplicated: bool,
    /// The job's first event ("accepted"), when this call inserted the job.
    pub accepted: Option<JobEvent>,
}

impl Inserted {
    /// The earlier job an idempotency key points at; nothing was inserted.
    fn earlier(job: Job) -> Self {
        Self {
            job,
            deduplicated: true,
            accepted: None,
        }
    }
}

/// Which jobs to list. `None` fields match everything.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this team's jobs.
    pub team: Option<TeamId>,
    /// Only this service's jobs.
    pub service: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<JobState>,
    /// Only this type.
    pub job_type: Option<JobType>,
    /// Created at or after.
    pub created_after: Option<UnixMillis>,
    /// Created before.
    pub created_before: Option<UnixMillis>,
}

/// A page of jobs and the cursor to the next one.
#[derive(Debug, Clone)]
pub struct Page {
    /// Jobs, newest first.
    pub jobs: Vec<Job>,
    /// The id to pass as `before` for the next page; `None` on the last page.
    pub next: Option<JobId>,
}

impl Store {
    /// Commits a new job, its spec and its first event (`seq` 1, QUEUED). For a repeated
    /// idempotency key of the same team, returns the earlier job instead, also under concurrency.
    pub async fn insert_job(&self, new: &NewJob) -> Result<Inserted> {
        if let Some(existing) = self.find_idempotent(new).await? {
            return Ok(Inserted::earlier(existing));
        }
        match self.insert_new(new).await {
            Ok((job, accepted)) => Ok(Inserted {
                job,
                deduplicated: false,
                accepted: Some(accepted),
            }),
            Err(Error::Database(sqlx::Error::Database(e)))
                if e.is_unique_violation() && new.idempotency_key.is_some() =>
            {
                // A concurrent submission with the same key won the race: return its job.
                match self.find_idempotent(new).await? {
                    Some(job) => Ok(Inserted::earlier(job)),
                    None => Err(Error::Database(sqlx::Error::Database(e))),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn find_idempotent(&self, new: &NewJob) -> Result<Option<Job>> {
        let Some(key) = &new.idempotency_key else {
            return Ok(None);
        };
        let row = rows::query(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE team_id = $1 AND idempotency_key = $2"
        ))
        .bind(new.team.as_str())
        .bind(key.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::job).transpose()
    }

    async fn insert_new(&self, new: &NewJob) -> Result<(Job, JobEvent)> {
        let mut tx = self.pool.begin().await?;
        let inserted = insert_one(&mut tx, new, now_millis()).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Commits new jobs in one transaction, each with its spec and its first event exactly as
    /// [`insert_job`](Self::insert_job) writes them: admissions that arrive together share one
    /// commit. Returns each job with its "accepted" event, in the order given. On Postgres the
    /// jobs go in set-based statements of up to 16 MiB of specs each.
    ///
    /// Idempotency keys are stored but not looked up: a key the team already used fails the
    /// whole batch, so keyed submissions belong in `insert_job`.
    pub async fn insert_jobs(&self, news: &[NewJob]) -> Result<Vec<(Job, JobEvent)>> {
        if news.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_millis();
        let mut inserted = Vec::with_capacity(news.len());
        // SQLite runs in process, so one statement per row costs no round trips.
        let Some(typed) = &self.typed else {
            let mut tx = self.pool.begin().await?;
            for new in news {
                inserted.push(insert_one(&mut tx, new, now).await?);
            }
            tx.commit().await?;
            return Ok(inserted);
        };
        let mut tx = typed.begin().await?;
        let mut rest = news;
        while !rest.is_empty() {
            let mut bytes = 0;
            let set = rest
                .iter()
                .take_while(|new| {
                    bytes += new.spec.len();
                    bytes <= SET_SPEC_BYTES
                })
                .count()
                .max(1);
            inserted.extend(insert_set(&mut tx, &rest[..set], now).await?);
            rest = &rest[set..];
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// One job, or `None` if there is no such job.
    pub async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        let row = rows::query(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::job).transpose()
    }

    /// The spec of a job.
    pub async fn get_spec(&self, id: JobId) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT content FROM specs WHERE job_id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Vec<u8>, _>("content"))
            .transpose()?)
    }

    /// Jobs matching `filter`, newest first, `limit` per page, starting after the job `before`.
    pub async fn list_jobs(
        &self,
        filter: &JobFilter,
        limit: u32,
        before: Option<JobId>,
    ) -> Result<Page> {
        // Job ids are UUIDv7, so ordering by id is ordering by creation time and gives a stable
        // cursor even when two jobs share a millisecond.
        let mut sql = Sql::new(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1"));
        if let Some(team) = &filter.team {
            sql.push(" AND team_id = ", Arg::Text(team.to_string()));
        }
        if let Some(service) = &filter.service {
            sql.push(" AND service_name = ", Arg::Text(service.clone()));
        }
        if let Some(job_type) = filter.job_type {
            sql.push(" AND job_type = ", Arg::Text(job_type.as_str().into()));
        }
        for (i, state) in filter.states.iter().enumerate() {
            let prefix = if i == 0 { " AND state IN (" } else { ", " };
            sql.push(prefix, Arg::Text(state.as_str().into()));
        }
        if !filter.states.is_empty() {
            sql.text.push(')');
            // Live jobs only: the live-job indexes serve this.
            if filter.states.iter().all(|state| !state.is_terminal()) {
                sql.text.push_str(" AND finished_at IS NULL");
            }
        }
        if let Some(before) = before {
            sql.push(" AND id < ", Arg::Text(before.to_string()));
        }
        if let Some(after) = filter.created_after {
            sql.push(" AND created_at >= ", Arg::Int(after));
        }
        if let Some(before) = filter.created_before {
            sql.push(" AND created_at < ", Arg::Int(before));
        }
        sql.text
            .push_str(&format!(" ORDER BY id DESC LIMIT {}", i64::from(limit) + 1));
        let mut query = rows::query(sql.text);
        for arg in sql.args {
            query = match arg {
                Arg::Text(text) => query.bind(text),
                Arg::Int(int) => query.bind(int),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut jobs = rows.iter().map(rows::job).collect::<Result<Vec<_>>>()?;
        let next = if jobs.len() > limit as usize {
            jobs.truncate(limit as usize);
            jobs.last().map(|j| j.id)
        } else {
            None
        };
        Ok(Page { jobs, next })
    }
}

/// The first event of every job.
fn accepted(new: &NewJob) -> NewEvent {
    NewEvent::lifecycle(
        JobState::Queued,
        0,
        format!(
            "accepted {} job for {}/{}",
            new.job_type, new.team, new.service
        ),
    )
}

/// Inserts one job (QUEUED, `last_seq` 1), its spec and its "accepted" event.
async fn insert_one(
    tx: &mut Transaction<'_, Any>,
    new: &NewJob,
    now: UnixMillis,
) -> Result<(Job, JobEvent)> {
    let row = rows::query(format!(
        "INSERT INTO jobs (id, team_id, service_name, job_type, spec_format, output_formats, \
         priority, state, max_attempts, created_at, last_seq, spec_bytes, idempotency_key, \
         spec_version, traceparent, generation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $14, $15) RETURNING {JOB_COLUMNS}"
    ))
    .bind(new.id.to_string())
    .bind(new.team.as_str())
    .bind(new.service.as_str())
    .bind(new.job_type.as_str())
    .bind(new.spec_format.as_str())
    .bind(rows::formats_text(&new.output_formats))
    .bind(new.priority.as_str())
    .bind(JobState::Queued.as_str())
    .bind(i64::from(new.max_attempts))
    .bind(now)
    .bind(spec_bytes(new))
    .bind(new.idempotency_key.as_deref())
    .bind(new.spec_version.as_deref())
    .bind(new.traceparent.as_deref())
    .bind(new.generation.as_str())
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO specs (job_id, content) VALUES ($1, $2)")
        .bind(new.id.to_string())
        .bind(new.spec.as_slice())
        .execute(&mut **tx)
        .await?;
    let accepted = events::insert(tx, new.id, 1, 0, now, &accepted(new)).await?;
    Ok((rows::job(&row)?, accepted))
}

/// The rows [`insert_one`] writes, for all these jobs at once, in one statement on the typed
/// pool: each column of the jobs is bound as one array, and Postgres feeds the rows `unnest`
/// makes of them to an insert per table.
async fn insert_set(
    tx: &mut PgConnection,
    news: &[NewJob],
    now: UnixMillis,
) -> Result<Vec<(Job, JobEvent)>> {
    let column = |value: fn(&NewJob) -> &str| news.iter().map(value).collect::<Vec<&str>>();
    let optional = |value: fn(&NewJob) -> Option<&str>| news.iter().map(value).collect::<Vec<_>>();
    // Every accepted event is the same but for its message.
    let event = accepted(&news[0]);
    sqlx::query(INSERT_SET.as_str())
        .bind(
            news.iter()
                .map(|new| new.id.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(column(|new| new.team.as_str()))
        .bind(column(|new| new.service.as_str()))
        .bind(column(|new| new.job_type.as_str()))
        .bind(column(|new| new.spec_format.as_str()))
        .bind(
            news.iter()
                .map(|new| rows::formats_text(&new.output_formats))
                .collect::<Vec<_>>(),
        )
        .bind(column(|new| new.priority.as_str()))
        .bind(
            news.iter()
                .map(|new| i64::from(new.max_attempts))
                .collect::<Vec<_>>(),
        )
        .bind(optional(|new| new.idempotency_key.as_deref()))
        .bind(optional(|new| new.spec_version.as_deref()))
        .bind(optional(|new| new.traceparent.as_deref()))
        .bind(column(|new| new.generation.as_str()))
        .bind(
            news.iter()
                .map(|new| new.spec.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(
            news.iter()
                .map(|new| accepted(new).message)
                .collect::<Vec<_>>(),
        )
        .bind(JobState::Queued.as_str())
        .bind(now)
        .bind(event.step.as_str())
        .bind(event.status.as_str())
        .bind(event.state.as_str())
        .bind(i64::from(event.progress))
        .execute(&mut *tx)
        .await?;
    // Every column of a new row is known here, so nothing comes back over the wire.
    Ok(news
        .iter()
        .map(|new| {
            let accepted = JobEvent {
                job_id: new.id,
                seq: 1,
                attempt: 0,
                time: now,
                event: accepted(new),
            };
            (queued(new, now), accepted)
        })
        .collect())
}

/// [`insert_set`]'s statement: the columns' arrays as rows, then one insert per table.
static INSERT_SET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH x AS MATERIALIZED (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], \
           $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], \
           $11::text[], $12::text[], $13::bytea[], $14::text[]) AS x(id, team_id, service_name, \
           job_type, spec_format, output_formats, priority, max_attempts, idempotency_key, \
           spec_version, traceparent, generation, content, message)), \
         inserted AS (INSERT INTO jobs (id, team_id, service_name, job_type, spec_format, \
           output_formats, priority, state, max_attempts, created_at, last_seq, spec_bytes, \
           idempotency_key, spec_version, traceparent, generation) \
           SELECT id, team_id, service_name, job_type, spec_format, output_formats, priority, $15, \
           max_attempts, $16, 1, length(content), idempotency_key, spec_version, traceparent, \
           generation FROM x), \
         specs_in AS (INSERT INTO specs (job_id, content) SELECT id, content FROM x) \
         INSERT INTO job_events ({EVENT_COLUMNS}) \
           SELECT id, 1, 0, $17, $18, $19, $20, message, $16 FROM x"
    )
});

/// The row [`insert_set`] writes for `new`, as [`rows::job`] would read it back.
fn queued(new: &NewJob, now: UnixMillis) -> Job {
    Job {
        id: new.id,
        team: new.team.clone(),
        service: new.service.clone(),
        job_type: new.job_type,
        spec_format: new.spec_format,
        output_formats: new.output_formats.clone(),
        priority: new.priority,
        state: JobState::Queued,
        attempt: 0,
        max_attempts: new.max_attempts,
        current_step: None,
        progress: 0,
        error: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        last_seq: 1,
        spec_bytes: new.spec.len() as u64,
        quality_score: None,
        degraded: false,
        degraded_reason: None,
        generation: new.generation,
        idempotency_key: new.idempotency_key.clone(),
        spec_version: new.spec_version.clone(),
        lease_token: None,
        traceparent: new.traceparent.clone(),
    }
}

fn spec_bytes(new: &NewJob) -> i64 {
    i64::try_from(new.spec.len()).unwrap_or(i64::MAX)
}

/// A bind argument of a dynamically built query.
enum Arg {
    Text(String),
    Int(i64),
}

/// SQL built clause by clause with `$N` placeholders, which both backends accept (sqlx's
/// `QueryBuilder` writes `?` for `Any`, which Postgres rejects).
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: String) -> Self {
        Self {
            text,
            args: Vec::new(),
        }
    }

    /// Appends `clause` followed by a placeholder bound to `arg`.
    fn push(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        self.text.push_str(clause);
        self.text.push_str(&format!("${}", self.args.len()));
    }
}
