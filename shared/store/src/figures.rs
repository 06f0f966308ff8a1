//! Aggregate reads for queue status and the reconciler.

use crate::rows::{self, JOB_COLUMNS};
use crate::{Result, Store};
use specdoc_core::{Job, TeamId, UnixMillis};
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
        let row = rows::query(
            "SELECT \
               (SELECT MIN(created_at) FROM jobs WHERE state = 'queued' AND ($1 IS NULL OR team_id = $1)) AS oldest, \
               (SELECT COUNT(*) FROM jobs WHERE state = 'processing' AND ($1 IS NULL OR team_id = $1)) AS processing, \
               (SELECT COUNT(*) FROM jobs WHERE finished_at >= $2 AND ($1 IS NULL OR team_id = $1)) AS finished"
                .to_owned(),
        )
        .bind(team)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
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
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state IN ('queued', 'retrying') AND created_at < $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::job).collect()
    }
}

/// Counts of a team's jobs over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobCounts {
    /// (state, type, count) for every combination present.
    pub by_state_and_type: Vec<(String, String, u64)>,
    /// Jobs whose generation was degraded.
    pub degraded: u64,
}

impl Store {
    /// Counts of jobs created since `since`, for one team or all.
    pub async fn job_counts(&self, team: Option<&TeamId>, since: UnixMillis) -> Result<JobCounts> {
        let team = team.map(TeamId::as_str);
        let rows = rows::query(
            "SELECT state, job_type, COUNT(*) AS n, CAST(SUM(degraded) AS BIGINT) AS degraded FROM jobs \
             WHERE created_at >= $1 AND ($2 IS NULL OR team_id = $2) GROUP BY state, job_type ORDER BY state, job_type"
                .to_owned(),
        )
        .bind(since)
        .bind(team)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = JobCounts::default();
        for row in rows {
            let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
            counts.degraded +=
                u64::try_from(row.try_get::<Option<i64>, _>("degraded")?.unwrap_or(0)).unwrap_or(0);
            counts
                .by_state_and_type
                .push((row.try_get("state")?, row.try_get("job_type")?, n));
        }
        Ok(counts)
    }
}

impl Store {
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
