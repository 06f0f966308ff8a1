//! Daily statistics rollups: written in the transaction (or the statement) that finishes a job,
//! read by GetStats.
//!
//! Reading statistics never scans `jobs`' history: a team's window of days is a few hundred
//! rollup rows whether it ran a hundred jobs or a million. Percentiles come from log-scale
//! histograms (four buckets per doubling), accurate to within 9%.

use crate::rows;
use crate::{Backend, Result, Store};
use specdoc_core::{Job, JobId, JobState, TeamId, UnixMillis};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Milliseconds in a UTC day.
const DAY_MILLIS: i64 = 86_400_000;

/// Histogram buckets per doubling of a duration.
const BUCKETS_PER_DOUBLING: f64 = 4.0;

/// Rules listed in `top_failing_rules`.
const TOP_RULES: i64 = 10;

/// The shard of a group of finished jobs' rollup rows: the first job's id's last hex digit,
/// random in a v7 UUID. Concurrent groups mostly write different rows; one group's jobs share
/// theirs, so a rule that fifty jobs of the group failed is one row updated, not fifty.
pub(crate) fn shard_of(id: JobId) -> i64 {
    let id = id.to_string();
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

/// Rows per rollup statement on SQLite: bounded binds, whatever the group's size.
const ROLLUP_CHUNK: usize = 200;

/// A rollup table: the columns of its key, then its amounts (bigint counters an upsert adds to).
struct Table {
    name: &'static str,
    key: &'static [&'static str],
    amounts: &'static [&'static str],
}

const DAILY: Table = Table {
    name: "stats_daily",
    key: &[
        "day",
        "team_id",
        "service_name",
        "job_type",
        "state",
        "shard",
    ],
    amounts: &["jobs", "degraded", "scored", "score_sum"],
};

const DURATIONS: Table = Table {
    name: "stats_durations",
    key: &["day", "team_id", "job_type", "metric", "bucket", "shard"],
    amounts: &["jobs"],
};

const RULES: Table = Table {
    name: "stats_rule_failures",
    key: &["day", "team_id", "rule_id", "shard"],
    amounts: &["jobs"],
};

impl Table {
    /// `INSERT INTO table (columns) {rows} ON CONFLICT (key) DO UPDATE SET` each amount added.
    fn upsert(&self, rows: &str) -> String {
        let added: Vec<String> = self
            .amounts
            .iter()
            .map(|a| format!("{a} = {t}.{a} + excluded.{a}", t = self.name))
            .collect();
        format!(
            "INSERT INTO {} ({}) {rows} ON CONFLICT ({}) DO UPDATE SET {}",
            self.name,
            [self.key, self.amounts].concat().join(", "),
            self.key.join(", "),
            added.join(", ")
        )
    }
}

/// The three tables' rows for jobs that just finished (each with the distinct rules it failed),
/// summed per row.
fn sums<'a>(finished: &'a [(Job, &'a [String])]) -> [Upsert<'a>; 3] {
    let mut daily = Upsert::new(&DAILY);
    let mut durations = Upsert::new(&DURATIONS);
    let mut rules = Upsert::new(&RULES);
    let shard = Int(finished.first().map_or(0, |(job, _)| shard_of(job.id)));
    for (job, failing_rules) in finished {
        let Some(finished_at) = job.finished_at else {
            continue;
        };
        let (day, team, job_type) = (
            Int(day_of(finished_at)),
            Text(job.team.as_str()),
            Text(job.job_type.as_str()),
        );
        let service = Text(job.service.as_str());
        let score = job.quality_score.map(i64::from);
        daily.add(
            vec![
                day,
                team,
                service,
                job_type,
                Text(job.state.as_str()),
                shard,
            ],
            &[
                1,
                i64::from(job.degraded),
                i64::from(score.is_some()),
                score.unwrap_or(0),
            ],
        );
        if let Some(started_at) = job.started_at {
            let wait = Int(bucket_of(started_at - job.created_at));
            durations.add(vec![day, team, job_type, Text("wait"), wait, shard], &[1]);
            if job.state == JobState::Completed {
                let run = Int(bucket_of(finished_at - started_at));
                durations.add(vec![day, team, job_type, Text("run"), run, shard], &[1]);
            }
        }
        for rule in *failing_rules {
            rules.add(vec![day, team, Text(rule), shard], &[1]);
        }
    }
    [daily, durations, rules]
}

/// [`sums`] computed by Postgres, inside the statement that completes a group's jobs: the three
/// upserts as data-modifying CTEs (`daily`, `durations`, `rules`) for the jobs in `completed` (a
/// relation of their updated `jobs` columns, and `rule_set`: the set of rules each failed), in
/// shard `shard`, with the rules of each set in `rule_sets` (a relation of `(set, rule id)`).
/// Jobs are counted per set before the sets' rules are, so fifty jobs that failed the same ten
/// rules are ten rows to add up, not five hundred. Rows go in key order, as [`sums`]' do. The
/// group then needs no rollup statement of its own, nor a transaction around the two.
pub(crate) fn completed_upserts(completed: &str, shard: &str, rule_sets: &str) -> String {
    let day = format!("finished_at / {DAY_MILLIS}");
    let daily = DAILY.upsert(&format!(
        "SELECT {day}, team_id, service_name, job_type, state, {shard}, COUNT(*), SUM(degraded), \
         COUNT(quality_score), COALESCE(SUM(quality_score), 0) FROM {completed} \
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    ));
    let durations = DURATIONS.upsert(&format!(
        "SELECT {day}, team_id, job_type, metric, {bucket}, {shard}, COUNT(*) FROM {completed}, \
         LATERAL (VALUES ('wait', started_at - created_at), ('run', finished_at - started_at)) \
           AS m (metric, millis) \
         WHERE started_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        bucket = bucket_sql("millis"),
    ));
    let rules = RULES.upsert(&format!(
        "SELECT p.day, p.team_id, s.rule_id, {shard}, SUM(p.jobs) \
         FROM (SELECT {day} AS day, team_id, rule_set, COUNT(*) AS jobs FROM {completed} \
               GROUP BY 1, 2, 3) AS p \
         JOIN {rule_sets} AS s (rule_set, rule_id) ON s.rule_set = p.rule_set \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ));
    format!("daily AS ({daily}), durations AS ({durations}), rules AS ({rules})")
}

/// [`bucket_of`] in Postgres' SQL, of the milliseconds in `millis`: the number of bucket
/// thresholds it reaches, a binary search (`width_bucket`) in [`BUCKET_THRESHOLDS`], with no
/// logarithm to compute (Postgres' are `numeric` or base 10, slow or off by one at a power of
/// two).
fn bucket_sql(millis: &str) -> String {
    format!(
        "width_bucket({millis}, '{{{}}}'::bigint[])",
        BUCKET_THRESHOLDS
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Bucket thresholds: the `i`-th (from 1) is the least duration [`bucket_of`] puts in bucket
/// `i` or above, up to bucket 160 (2^40 ms, 35 years; longer runs share it).
static BUCKET_THRESHOLDS: LazyLock<Vec<i64>> = LazyLock::new(|| {
    (1..=160)
        .map(|bucket| {
            // The least `millis` with `bucket_of(millis) >= bucket`: bucket_of never decreases.
            let (mut low, mut high) = (1_i64, 1_i64 << 41);
            while low < high {
                let middle = low + (high - low) / 2;
                if bucket_of(middle) >= bucket {
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
            low
        })
        .collect()
});

/// Adds jobs that just finished (each with the distinct rules it failed) to the rollups, inside
/// the transaction that finished them, as its last statements: a row's lock is then held only
/// until the commit. The jobs are first summed per rollup row, so a group of jobs costs one
/// upsert per table (one statement in all on Postgres); rows go in key order, so concurrent
/// groups lock them in the same order. On Postgres the workers' groups of completions take
/// [`completed_upserts`] instead.
pub(crate) async fn record_finished(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    finished: &[(Job, &[String])],
) -> Result<()> {
    let tables = sums(finished);
    let rows: Vec<Vec<RollupRow>> = tables.iter().map(Upsert::rows).collect();
    let chunks = rows
        .iter()
        .map(|rows| rows.len().div_ceil(ROLLUP_CHUNK))
        .max()
        .unwrap_or(0);
    for chunk in 0..chunks {
        let pieces: Vec<Piece> = tables
            .iter()
            .zip(&rows)
            .filter_map(|(table, rows)| Some((table, rows.chunks(ROLLUP_CHUNK).nth(chunk)?)))
            .collect();
        match backend {
            // One statement, the first upserts as data-modifying CTEs: one round trip.
            Backend::Postgres => upsert(tx, &pieces).await?,
            // SQLite allows no INSERT inside a WITH.
            Backend::Sqlite => {
                for piece in pieces {
                    upsert(tx, &[piece]).await?;
                }
            }
        }
    }
    Ok(())
}

/// Statements as one: all but the last as data-modifying CTEs (one round trip).
fn chained(mut statements: Vec<String>) -> String {
    let last = statements.pop().unwrap_or_default();
    if statements.is_empty() {
        return last;
    }
    let ctes: Vec<String> = statements
        .iter()
        .enumerate()
        .map(|(i, statement)| format!("u{i} AS ({statement})"))
        .collect();
    format!("WITH {} {last}", ctes.join(", "))
}

/// A value in a rollup row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Value<'a> {
    Int(i64),
    Text(&'a str),
}
use Value::{Int, Text};

/// A rollup row: its key, then its amounts.
type RollupRow<'a> = Vec<Value<'a>>;

/// Some rows of one table, for one statement.
type Piece<'u, 'a> = (&'u Upsert<'a>, &'u [RollupRow<'a>]);

/// Additions to one rollup table, summed per row key.
struct Upsert<'a> {
    table: &'static Table,
    sums: BTreeMap<Vec<Value<'a>>, Vec<i64>>,
}

impl<'a> Upsert<'a> {
    fn new(table: &'static Table) -> Self {
        Self {
            table,
            sums: BTreeMap::new(),
        }
    }

    fn add(&mut self, key: Vec<Value<'a>>, amounts: &[i64]) {
        let sums = self
            .sums
            .entry(key)
            .or_insert_with(|| vec![0; amounts.len()]);
        for (sum, amount) in sums.iter_mut().zip(amounts) {
            *sum += amount;
        }
    }

    /// Key then amounts, in key order.
    fn rows(&self) -> Vec<RollupRow<'a>> {
        self.sums
            .iter()
            .map(|(key, sums)| {
                key.iter()
                    .copied()
                    .chain(sums.iter().copied().map(Int))
                    .collect()
            })
            .collect()
    }
}

/// Runs the pieces as one statement, placeholders numbered across them.
async fn upsert(tx: &mut Transaction<'_, Any>, pieces: &[Piece<'_, '_>]) -> Result<()> {
    let mut next = 0;
    let statements: Vec<String> = pieces
        .iter()
        .map(|(upsert, rows)| {
            let values: Vec<String> = rows
                .iter()
                .map(|row| {
                    let marks: Vec<String> = row
                        .iter()
                        .map(|_| {
                            next += 1;
                            format!("${next}")
                        })
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            upsert
                .table
                .upsert(&format!("VALUES {}", values.join(", ")))
        })
        .collect();
    if statements.is_empty() {
        return Ok(());
    }
    let sql = chained(statements);
    let mut query = rows::query(sql);
    for value in pieces.iter().flat_map(|(_, rows)| rows.iter().flatten()) {
        query = match value {
            Int(n) => query.bind(*n),
            Text(text) => query.bind(*text),
        };
    }
    query.execute(&mut **tx).await?;
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
             WHERE finished_at IS NULL AND ($1 IS NULL OR team_id = $1) \
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

    /// Durations to check a bucketing on: every one up to 100 s, negative ones, and each
    /// threshold with its neighbours up to 2^40 ms.
    fn durations_to_check() -> Vec<i64> {
        let mut durations: Vec<i64> = (-3..=100_000).collect();
        for threshold in BUCKET_THRESHOLDS.iter() {
            durations.extend([threshold - 1, *threshold, threshold + 1]);
        }
        durations
    }

    #[test]
    fn bucket_thresholds_reproduce_bucket_of() {
        for millis in durations_to_check() {
            // `width_bucket`'s answer: the number of thresholds at or below the operand.
            let reached = BUCKET_THRESHOLDS.partition_point(|threshold| *threshold <= millis);
            assert_eq!(reached as i64, bucket_of(millis), "{millis} ms");
        }
    }

    /// The workers' group statement buckets durations in SQL: Postgres must put each in the
    /// bucket Rust does, or the same history would read differently from each backend.
    #[tokio::test]
    async fn postgres_buckets_durations_as_rust_does() {
        let store = Store::connect(&specdoc_testkit::fresh_postgres_url().await)
            .await
            .unwrap();
        let durations = durations_to_check();
        let buckets: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT ({})::bigint FROM unnest($1::bigint[]) WITH ORDINALITY AS d (millis, n) \
             ORDER BY n",
            bucket_sql("millis")
        )))
        .bind(&durations)
        .fetch_all(store.typed.as_ref().unwrap())
        .await
        .unwrap();
        let expected: Vec<i64> = durations.iter().map(|millis| bucket_of(*millis)).collect();
        assert_eq!(buckets, expected);
    }
}
