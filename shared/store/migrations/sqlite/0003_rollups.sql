-- Daily rollups behind GetStats, kept up to date in the transaction that finishes each job, so
-- statistics cost the same for 100 jobs or 1,000,000. `day` is the UTC day of finished_at, in
-- days since the Unix epoch. Keys lead with the team, whose window is what GetStats reads.
-- Each key is split over 16 `shard`s (the job id's last hex digit), so jobs finishing at once do
-- not all queue for one row's lock; reads sum the shards. Retention does not prune rollups:
-- they are small and keep trends.

-- Finished jobs per day, team, service, type and terminal state.
CREATE TABLE stats_daily (
    day          BIGINT NOT NULL,
    team_id      TEXT NOT NULL,
    service_name TEXT NOT NULL,
    job_type     TEXT NOT NULL,
    state        TEXT NOT NULL,
    jobs         BIGINT NOT NULL,
    degraded     BIGINT NOT NULL,
    scored       BIGINT NOT NULL,
    score_sum    BIGINT NOT NULL,
    shard        BIGINT NOT NULL,
    PRIMARY KEY (team_id, day, service_name, job_type, state, shard)
);

-- Histograms of run time and queue wait: `bucket` b counts durations in
-- [2^(b/4), 2^((b+1)/4)) milliseconds, so percentiles are within 9% of the exact figure.
CREATE TABLE stats_durations (
    day      BIGINT NOT NULL,
    team_id  TEXT NOT NULL,
    job_type TEXT NOT NULL,
    metric   TEXT NOT NULL,
    bucket   BIGINT NOT NULL,
    jobs     BIGINT NOT NULL,
    shard    BIGINT NOT NULL,
    PRIMARY KEY (team_id, day, job_type, metric, bucket, shard)
);

-- Jobs per day and team in which a quality rule had at least one finding.
CREATE TABLE stats_rule_failures (
    day     BIGINT NOT NULL,
    team_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    jobs    BIGINT NOT NULL,
    shard   BIGINT NOT NULL,
    PRIMARY KEY (team_id, day, rule_id, shard)
);

-- Counts and scores of the jobs that finished before this migration (their durations and rule
-- failures start with the next finished job).
INSERT INTO stats_daily (day, team_id, service_name, job_type, state, jobs, degraded, scored, score_sum, shard)
SELECT finished_at / 86400000, team_id, service_name, job_type, state, COUNT(*),
       SUM(degraded), COUNT(quality_score), COALESCE(SUM(quality_score), 0), 0
FROM jobs WHERE finished_at IS NOT NULL
GROUP BY finished_at / 86400000, team_id, service_name, job_type, state;

-- Live (unfinished) jobs are counted from `jobs` by state.
CREATE INDEX jobs_team_state ON jobs (team_id, state);
