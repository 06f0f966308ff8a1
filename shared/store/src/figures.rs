//! Aggregate reads for queue status and the reconciler.

use crate::rows::{self, JOB_COLUMNS};
use crate::{Backend, Result, Store};
use specdoc_core::{Job, JobType, TeamId, UnixMillis};
use sqlx::Row;

/// Figures about queued and running jobs, from the record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFigures {
    /// Creation time of the oldest QUEUED job.
    pub oldest_queued: Option<UnixMillis>,
    /// Jobs PROCESSING now.
    pub processing: u64,
    /// Jobs that finished since the given time.
    pub finished_since: u64,
}

impl Store {
    /// Queue figures, for one team or all.
    pub async fn queue_figures(
        &self,
        team: Option<&TeamId>,
        since: UnixMillis,
    ) -> Result<QueueFigures> {
        let team = team.map(TeamId::as_str);
        // The jobs finished since `since` are read through the index of finished jobs by type
        // and finish time, one range per type: without the types it would scan every job.
        let types: Vec<String> = (0..JobType::ALL.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let mut query = rows::query(format!(
            "SELECT \
               (SELECT MIN(created_at) FROM jobs WHERE finished_at IS NULL AND state = 'queued' AND ($1 IS NULL OR team_id = $1)) AS oldest, \
               (SELECT COUNT(*) FROM jobs WHERE finished_at IS NULL AND state = 'processing' AND ($1 IS NULL OR team_id = $1)) AS processing, \
               (SELECT COUNT(*) FROM jobs WHERE job_type IN ({}) AND finished_at >= $2 \
                  AND ($1 IS NULL OR team_id = $1)) AS finished",
            types.join(", ")
        ))
        .bind(team)
        .bind(since);
        for job_type in JobType::ALL {
            query = query.bind(job_type.as_str());
        }
        let row = query.fetch_one(&self.pool).await?;
        Ok(QueueFigures {
            oldest_queued: row.try_get("oldest")?,
            processing: u64::try_from(row.try_get::<i64, _>("processing")?).unwrap_or(0),
            finished_since: u64::try_from(row.try_get::<i64, _>("finished")?).unwrap_or(0),
        })
    }

    /// QUEUED or RETRYING jobs created before `before`, oldest first: candidates for
    /// re-dispatch when Redis lost them.
    pub async fn queued_before(&self, before: UnixMillis, limit: u32) -> Result<Vec<Job>> {
        let rows = rows::query(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE finished_at IS NULL AND state IN ('queued', 'retrying') AND created_at < $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::job).collect()
    }
}

impl Store {
    /// Deletes the events of jobs that finished before `before`, all but each job's terminal
    /// event (event retention). Returns how many events were deleted.
    pub async fn prune_events_finished_before(&self, before: UnixMillis) -> Result<u64> {
        // A row holds one event or (on Postgres) a run of them: rows wholly before the terminal
        // event go, and a run that ends with it (a completion's group) is trimmed to it.
        let statement = match self.backend() {
            Backend::Sqlite => {
                "DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs WHERE finished_at < $1) \
                 AND seq < (SELECT last_seq FROM jobs WHERE jobs.id = job_events.job_id) \
                 RETURNING COALESCE(through_seq, seq) - seq + 1 AS events"
            }
            Backend::Postgres => {
                "WITH old AS (SELECT e.job_id, e.seq, COALESCE(e.through_seq, e.seq) AS through, \
                   j.last_seq FROM job_events e JOIN jobs j ON j.id = e.job_id \
                   WHERE j.finished_at < $1 AND e.seq < j.last_seq), \
                 deleted AS (DELETE FROM job_events e USING old \
                   WHERE e.job_id = old.job_id AND e.seq = old.seq AND old.through < old.last_seq \
                   RETURNING old.through - old.seq + 1 AS events), \
                 trimmed AS (UPDATE job_events e SET seq = old.through, \
                   step = e.more_events::json -> -1 ->> 0, status = e.more_events::json -> -1 ->> 1, \
                   state = e.more_events::json -> -1 ->> 2, \
                   progress = CAST(e.more_events::json -> -1 ->> 3 AS bigint), \
                   message = e.more_events::json -> -1 ->> 4, more_events = NULL, through_seq = NULL \
                   FROM old WHERE e.job_id = old.job_id AND e.seq = old.seq \
                     AND old.through = old.last_seq \
                   RETURNING old.through - old.seq AS events) \
                 SELECT events FROM deleted UNION ALL SELECT events FROM trimmed"
            }
        };
        let pruned = sqlx::query(statement)
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        let mut events = 0;
        for row in &pruned {
            events += u64::try_from(row.try_get::<i64, _>("events")?).unwrap_or(0);
        }
        Ok(events)
    }

    /// Deletes jobs that finished before `before`, with their specs, events and results, and
    /// LLM answers cached before it (retention). Returns how many jobs were deleted.
    pub async fn delete_finished_before(&self, before: UnixMillis) -> Result<u64> {
        // Children first: SQLite only cascades with foreign keys on, which a connection may lack.
        let mut tx = self.pool.begin().await?;
        for table in ["job_events", "job_documents", "job_quality", "specs"] {
            rows::query(format!(
                "DELETE FROM {table} WHERE job_id IN (SELECT id FROM jobs WHERE finished_at < $1)"
            ))
            .bind(before)
            .execute(&mut *tx)
            .await?;
        }
        let deleted = sqlx::query("DELETE FROM jobs WHERE finished_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM genai_cache WHERE created_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted.rows_affected())
    }
}

impl Store {
    /// Median run time (start to completion, in ms) of the latest completed jobs of
    /// `job_type` whose spec is within a factor 4 of `spec_bytes`; of any size when too few
    /// are similar. `None` before any job of the type completed.
    pub async fn typical_run_millis(
        &self,
        job_type: JobType,
        spec_bytes: u64,
    ) -> Result<Option<i64>> {
        let bytes = i64::try_from(spec_bytes).unwrap_or(i64::MAX);
        let query = |similar: bool| {
            rows::query(
                "SELECT finished_at - started_at AS run FROM jobs \
                 WHERE finished_at IS NOT NULL AND state = 'completed' AND job_type = $1 AND started_at IS NOT NULL \
                 AND ($2 = 0 OR (spec_bytes >= $3 AND spec_bytes <= $4)) \
                 ORDER BY finished_at DESC LIMIT 200"
                    .to_owned(),
            )
            .bind(job_type.as_str())
            .bind(i64::from(similar))
            .bind(bytes / 4)
            .bind(bytes.saturating_mul(4))
        };
        // The newest 200 of a type are a short backward walk of `jobs_finished_type` whatever
        // the table holds, but the planner's choice between that walk and fetching every
        // finished job of the type to sort them follows its statistics: right after a burst,
        // before the next ANALYZE, it took the second (50 ms at 20,000 jobs, under 1 ms walked).
        // Within this transaction only, the planner may not fetch them unordered.
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET LOCAL enable_bitmapscan = off")
                .execute(&mut *tx)
                .await?;
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
        }
        let mut runs = Vec::new();
        for similar in [true, false] {
            runs = query(similar)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("run"))
                .collect::<Result<_, _>>()?;
            if runs.len() >= 5 {
                break;
            }
        }
        tx.commit().await?;
        runs.sort_unstable();
        Ok(runs.get(runs.len() / 2).copied())
    }

    /// The type, spec size and start time of every PROCESSING job (at most one per worker slot),
    /// for when their slots free.
    pub async fn running_jobs(&self) -> Result<Vec<(JobType, u64, UnixMillis)>> {
        let rows = rows::query(
            "SELECT job_type, spec_bytes, started_at FROM jobs WHERE finished_at IS NULL AND state = 'processing' AND started_at IS NOT NULL"
                .to_owned(),
        )
        .fetch_all(&self.pool)
        .await?;
        let mut running = Vec::with_capacity(rows.len());
        for row in &rows {
            let job_type: String = row.try_get("job_type")?;
            let Some(job_type) = JobType::from_name(&job_type) else {
                continue;
            };
            let bytes: i64 = row.try_get("spec_bytes")?;
            running.push((
                job_type,
                u64::try_from(bytes).unwrap_or(0),
                row.try_get("started_at")?,
            ));
        }
        Ok(running)
    }

    /// Jobs dispatched before `job` while it is queued: every queued job of a higher priority,
    /// the earlier ones of its own team, and, from each other team at its priority, as many
    /// as its own rank (dispatch rotates between teams).
    pub async fn queued_ahead(&self, job: &Job) -> Result<u64> {
        let rows = rows::query(
            "SELECT team_id, priority, COUNT(*) AS n, \
               SUM(CASE WHEN created_at < $1 THEN 1 ELSE 0 END) AS earlier \
             FROM jobs WHERE finished_at IS NULL AND state = 'queued' GROUP BY team_id, priority"
                .to_owned(),
        )
        .bind(job.created_at)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = Vec::new();
        for row in &rows {
            let team: String = row.try_get("team_id")?;
            let priority: String = row.try_get("priority")?;
            let n: i64 = row.try_get("n")?;
            let earlier: Option<i64> = row.try_get("earlier")?;
            counts.push((team, priority, n, earlier.unwrap_or(0)));
        }
        let rank = |p: &str| match p {
            "high" => 0,
            "normal" => 1,
            _ => 2,
        };
        let mine = rank(job.priority.as_str());
        let own_rank = counts
            .iter()
            .find(|(t, p, _, _)| t == job.team.as_str() && rank(p) == mine)
            .map_or(0, |(_, _, _, earlier)| *earlier);
        let ahead: i64 = counts
            .iter()
            .map(|(team, priority, n, _)| match rank(priority).cmp(&mine) {
                std::cmp::Ordering::Less => *n,
                std::cmp::Ordering::Equal if team == job.team.as_str() => own_rank,
                std::cmp::Ordering::Equal => (*n).min(own_rank + 1),
                std::cmp::Ordering::Greater => 0,
            })
            .sum();
        Ok(u64::try_from(ahead).unwrap_or(0))
    }
}
