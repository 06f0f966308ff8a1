//! Daily statistics rollups: written in the transaction that finishes a job, read by GetStats.
//!
//! Reading statistics never scans `jobs`' history: a team's window of days is a few hundred
//! rollup rows whether it ran a hundred jobs or a million. Percentiles come from log-scale
//! histograms (four buckets per doubling), accurate to within 9%.

use crate::rows;
use crate::{Result, Store};
use specdoc_core::{Job, JobState, TeamId, UnixMillis};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

/// Milliseconds in a UTC day.
const DAY_MILLIS: i64 = 86_400_000;

/// Histogram buckets per doubling of a duration.
const BUCKETS_PER_DOUBLING: f64 = 4.0;

/// Rules listed in `top_failing_rules`.
const TOP_RULES: i64 = 10;

/// The shard of a finished job's rollup rows: its id's last hex digit, random in a v7 UUID.
fn shard_of(job: &Job) -> i64 {
    let id = job.id.to_string();
    id.get(id.len() - 1..)
        .and_then(|digit| i64::from_str_radix(digit, 16).ok())
        .unwrap_or(0)
}

/// The UTC day of a time, in days since the Unix epoch.
pub fn day_of(millis: UnixMillis) -> i64 {
    millis.div_euclid(DAY_MILLIS)
}

/// The histogram bucket of a duration in milliseconds.
fn bucket_of(millis: i64) -> i64 {
    if millis < 1 {
        return 0;
    }
    // Truncation is the point: the bucket's lower edge.
    ((millis as f64).log2() * BUCKETS_PER_DOUBLING).floor() as i64
}

/// The duration a bucket stands for: its geometric middle, in milliseconds.
fn bucket_millis(bucket: i64) -> f64 {
    2f64.powf((bucket as f64 + 0.5) / BUCKETS_PER_DOUBLING)
}

/// Median and 95th percentile, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Percentiles {
    /// The median.
    pub p50_millis: f64,
    /// The 95th percentile.
    pub p95_millis: f64,
    /// Samples behind them.
    pub samples: u64,
}

impl Percentiles {
    /// Percentiles of a histogram given as (bucket, count) in ascending bucket order.
    fn of(histogram: &[(i64, u64)]) -> Option<Self> {
        let samples: u64 = histogram.iter().map(|(_, n)| n).sum();
        if samples == 0 {
            return None;
        }
        let at = |quantile: f64| {
            // The rank of the sample at this quantile, 1-based ("nearest rank").
            let rank = ((quantile * samples as f64).ceil() as u64).max(1);
            let mut seen = 0;
            for (bucket, n) in histogram {
                seen += n;
                if seen >= rank {
                    return bucket_millis(*bucket);
                }
            }
            histogram.last().map_or(0.0, |(b, _)| bucket_millis(*b))
        };
        Some(Self {
            p50_millis: at(0.50),
            p95_millis: at(0.95),
            samples,
        })
    }
}

/// An average score under a label (a day or a service).
#[derive(Debug, Clone, PartialEq)]
pub struct ScorePoint {
    /// The day (YYYY-MM-DD) or the service.
    pub key: String,
    /// The average overall score.
    pub average: f64,
    /// Jobs scored.
    pub jobs: u64,
}

/// A team's (or everyone's) statistics over a window of days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// (state, job type, count): finished jobs of the window, and every unfinished job.
    pub by_state_and_type: Vec<(String, String, u64)>,
    /// Finished jobs whose generation was degraded.
    pub degraded: u64,
    /// Run-time percentiles of completed jobs per job type.
    pub durations: Vec<(String, Percentiles)>,
    /// Queue-wait percentiles (submission to the start of the attempt that finished).
    pub queue_wait: Option<Percentiles>,
    /// Average score per day, oldest first.
    pub score_trend: Vec<ScorePoint>,
    /// Average score per service, by name.
    pub score_by_service: Vec<ScorePoint>,
    /// Rules by the number of jobs they failed in, most first.
    pub top_failing_rules: Vec<(String, u64)>,
}

/// Adds a job that just finished to the rollups, inside the transaction that finished it, as
/// its last statements: a row's lock is then held only until the commit.
pub(crate) async fn record_finished(
    tx: &mut Transaction<'_, Any>,
    job: &Job,
    failing_rules: &[String],
) -> Result<()> {
    let Some(finished_at) = job.finished_at else {
        return Ok(());
    };
    let day = day_of(finished_at);
    let team = job.team.as_str();
    let job_type = job.job_type.as_str();
    let shard = shard_of(job);
    rows::query(
        "INSERT INTO stats_daily (day, team_id, service_name, job_type, state, jobs, degraded, scored, score_sum, shard) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9) \
         ON CONFLICT (team_id, day, service_name, job_type, state, shard) DO UPDATE SET \
           jobs = stats_daily.jobs + 1, degraded = stats_daily.degraded + excluded.degraded, \
           scored = stats_daily.scored + excluded.scored, score_sum = stats_daily.score_sum + excluded.score_sum"
            .to_owned(),
    )
    .bind(day)
    .bind(team)
    .bind(job.service.as_str())
    .bind(job_type)
    .bind(job.state.as_str())
    .bind(i64::from(job.degraded))
    .bind(i64::from(job.quality_score.is_some()))
    .bind(job.quality_score.map_or(0, i64::from))
    .bind(shard)
    .execute(&mut **tx)
    .await?;
    if let Some(started_at) = job.started_at {
        let mut samples = vec![("wait", started_at - job.created_at)];
        if job.state == JobState::Completed {
            samples.push(("run", finished_at - started_at));
        }
        // One statement for all samples: each costs the database as much as its round trip.
        let values = (0..samples.len())
            .map(|i| format!("($1, $2, $3, ${}, ${}, 1, $4)", 5 + 2 * i, 6 + 2 * i))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = rows::query(format!(
            "INSERT INTO stats_durations (day, team_id, job_type, metric, bucket, jobs, shard) VALUES {values} \
             ON CONFLICT (team_id, day, job_type, metric, bucket, shard) DO UPDATE SET jobs = stats_durations.jobs + 1"
        ))
        .bind(day)
        .bind(team)
        .bind(job_type)
        .bind(shard);
        for (metric, millis) in samples {
            query = query.bind(metric).bind(bucket_of(millis));
        }
        query.execute(&mut **tx).await?;
    }
    if !failing_rules.is_empty() {
        // Rules are distinct per job, so no two rows of this statement hit the same key.
        let values = (0..failing_rules.len())
            .map(|i| format!("($1, $2, ${}, 1, $3)", 4 + i))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = rows::query(format!(
            "INSERT INTO stats_rule_failures (day, team_id, rule_id, jobs, shard) VALUES {values} \
             ON CONFLICT (team_id, day, rule_id, shard) DO UPDATE SET jobs = stats_rule_failures.jobs + 1"
        ))
        .bind(day)
        .bind(team)
        .bind(shard);
        for rule in failing_rules {
            query = query.bind(rule.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

fn count(value: Option<i64>) -> u64 {
    u64::try_from(value.unwrap_or(0)).unwrap_or(0)
}

impl Store {
    /// Statistics of the last `days` UTC days (today included), for one team or all. The
    /// independent reads run concurrently, so the answer takes one round trip's time, not six.
    pub async fn stats(&self, team: Option<&TeamId>, days: u32, now: UnixMillis) -> Result<Stats> {
        let team = team.map(TeamId::as_str);
        let since = day_of(now) - i64::from(days) + 1;
        let windowed = |sql: String| rows::query(sql).bind(since).bind(team);
        let finished = windowed(
            "SELECT state, job_type, CAST(SUM(jobs) AS BIGINT) AS n, CAST(SUM(degraded) AS BIGINT) AS degraded \
             FROM stats_daily WHERE day >= $1 AND ($2 IS NULL OR team_id = $2) \
             GROUP BY state, job_type"
                .to_owned(),
        )
        .fetch_all(&self.pool);
        let unfinished = rows::query(
            "SELECT state, job_type, COUNT(*) AS n, CAST(0 AS BIGINT) AS degraded FROM jobs \
             WHERE state IN ('queued', 'retrying', 'processing') AND ($1 IS NULL OR team_id = $1) \
             GROUP BY state, job_type"
                .to_owned(),
        )
        .bind(team)
        .fetch_all(&self.pool);
        let buckets = windowed(
            "SELECT job_type, metric, bucket, CAST(SUM(jobs) AS BIGINT) AS n FROM stats_durations \
             WHERE day >= $1 AND ($2 IS NULL OR team_id = $2) \
             GROUP BY job_type, metric, bucket ORDER BY job_type, metric, bucket"
                .to_owned(),
        )
        .fetch_all(&self.pool);
        let scores = |group: &str| {
            windowed(format!(
                "SELECT {group} AS key, CAST(SUM(score_sum) AS BIGINT) AS total, CAST(SUM(scored) AS BIGINT) AS n \
                 FROM stats_daily WHERE day >= $1 AND ($2 IS NULL OR team_id = $2) AND scored > 0 \
                 GROUP BY {group} ORDER BY {group}"
            ))
            .fetch_all(&self.pool)
        };
        let rules = windowed(
            "SELECT rule_id, CAST(SUM(jobs) AS BIGINT) AS n FROM stats_rule_failures \
             WHERE day >= $1 AND ($2 IS NULL OR team_id = $2) \
             GROUP BY rule_id ORDER BY n DESC, rule_id LIMIT $3"
                .to_owned(),
        )
        .bind(TOP_RULES)
        .fetch_all(&self.pool);
        let (finished, unfinished, buckets, by_day, by_service, rules) = tokio::try_join!(
            finished,
            unfinished,
            buckets,
            scores("day"),
            scores("service_name"),
            rules
        )?;

        let mut stats = Stats::default();
        for row in finished.iter().chain(&unfinished) {
            stats.degraded += count(row.try_get("degraded")?);
            stats.by_state_and_type.push((
                row.try_get("state")?,
                row.try_get("job_type")?,
                count(row.try_get("n")?),
            ));
        }
        stats.by_state_and_type.sort();

        let mut run_histograms = BTreeMap::<String, Vec<(i64, u64)>>::new();
        let mut wait_histogram = BTreeMap::<i64, u64>::new();
        for row in &buckets {
            let metric: String = row.try_get("metric")?;
            let bucket: i64 = row.try_get("bucket")?;
            let n = count(row.try_get("n")?);
            if metric == "run" {
                run_histograms
                    .entry(row.try_get("job_type")?)
                    .or_default()
                    .push((bucket, n));
            } else {
                *wait_histogram.entry(bucket).or_default() += n;
            }
        }
        stats.durations = run_histograms
            .into_iter()
            .filter_map(|(job_type, histogram)| Some((job_type, Percentiles::of(&histogram)?)))
            .collect();
        stats.queue_wait = Percentiles::of(&wait_histogram.into_iter().collect::<Vec<_>>());

        for row in &by_day {
            if let Some(point) = score_point(date_of_day(row.try_get("key")?), row)? {
                stats.score_trend.push(point);
            }
        }
        for row in &by_service {
            if let Some(point) = score_point(row.try_get("key")?, row)? {
                stats.score_by_service.push(point);
            }
        }
        for row in rules {
            stats
                .top_failing_rules
                .push((row.try_get("rule_id")?, count(row.try_get("n")?)));
        }
        Ok(stats)
    }
}

/// One cell of the daily rollup: a day's finished jobs of one service in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    /// The day, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The service.
    pub service: String,
    /// The state the jobs finished in.
    pub state: String,
    /// Jobs.
    pub jobs: u64,
    /// Jobs among them with a quality score.
    pub scored: u64,
    /// The sum of those scores.
    pub score_sum: u64,
}

impl Store {
    /// Finished jobs of the last `days` UTC days per day, service and state, oldest day first:
    /// the web monitor's jobs-per-day and score-per-service charts. Reads the rollups only.
    pub async fn daily_counts(
        &self,
        team: Option<&TeamId>,
        days: u32,
        now: UnixMillis,
    ) -> Result<Vec<DailyCount>> {
        let since = day_of(now) - i64::from(days) + 1;
        let rows = rows::query(
            "SELECT day, service_name, state, CAST(SUM(jobs) AS BIGINT) AS n, \
             CAST(SUM(scored) AS BIGINT) AS scored, CAST(SUM(score_sum) AS BIGINT) AS total \
             FROM stats_daily WHERE day >= $1 AND ($2 IS NULL OR team_id = $2) \
             GROUP BY day, service_name, state ORDER BY day, service_name, state"
                .to_owned(),
        )
        .bind(since)
        .bind(team.map(TeamId::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DailyCount {
                    day: date_of_day(row.try_get("day")?),
                    service: row.try_get("service_name")?,
                    state: row.try_get("state")?,
                    jobs: count(row.try_get("n")?),
                    scored: count(row.try_get("scored")?),
                    score_sum: count(row.try_get("total")?),
                })
            })
            .collect()
    }
}

fn score_point(key: String, row: &sqlx::any::AnyRow) -> Result<Option<ScorePoint>> {
    let jobs = count(row.try_get("n")?);
    let total = count(row.try_get("total")?);
    Ok((jobs > 0).then(|| ScorePoint {
        key,
        average: total as f64 / jobs as f64,
        jobs,
    }))
}

/// `YYYY-MM-DD` of a day number (proleptic Gregorian, Howard Hinnant's `civil_from_days`).
pub fn date_of_day(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_format_as_utc_dates() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(day_of(951_782_400_000)), "2000-02-29");
        assert_eq!(date_of_day(day_of(1_796_083_199_999)), "2026-11-30");
        assert_eq!(date_of_day(-1), "1969-12-31");
    }

    #[test]
    fn percentiles_from_buckets_are_within_nine_percent() {
        let durations: Vec<i64> = (1..=1000).map(|i| i * 37).collect();
        let mut histogram = std::collections::BTreeMap::<i64, u64>::new();
        for d in &durations {
            *histogram.entry(bucket_of(*d)).or_default() += 1;
        }
        let p = Percentiles::of(&histogram.into_iter().collect::<Vec<_>>()).unwrap();
        let exact_p50 = durations[499] as f64;
        let exact_p95 = durations[949] as f64;
        assert!((p.p50_millis / exact_p50 - 1.0).abs() <= 0.09, "{p:?}");
        assert!((p.p95_millis / exact_p95 - 1.0).abs() <= 0.09, "{p:?}");
        assert_eq!(p.samples, 1000);
    }
}
