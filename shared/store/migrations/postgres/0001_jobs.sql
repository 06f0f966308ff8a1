-- Jobs, their specs, events and results. Times are milliseconds since the Unix epoch.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    team_id         TEXT NOT NULL,
    service_name    TEXT NOT NULL,
    job_type        TEXT NOT NULL,
    spec_format     TEXT NOT NULL,
    output_formats  TEXT NOT NULL,
    priority        TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempt         BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    current_step    TEXT,
    progress        BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    spec_bytes      BIGINT NOT NULL,
    quality_score   BIGINT,
    degraded        BIGINT NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    spec_version    TEXT,
    lease_token     TEXT,
    traceparent     TEXT
);
-- NULL keys are distinct in both Postgres and SQLite, so only keyed submissions collide.
CREATE UNIQUE INDEX jobs_team_idempotency ON jobs (team_id, idempotency_key);
CREATE INDEX jobs_team_created ON jobs (team_id, created_at DESC);
CREATE INDEX jobs_state_created ON jobs (state, created_at);

CREATE TABLE specs (
    job_id  TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);

CREATE TABLE job_events (
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    attempt    BIGINT NOT NULL,
    step       TEXT NOT NULL,
    status     TEXT NOT NULL,
    state      TEXT NOT NULL,
    progress   BIGINT NOT NULL,
    message    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE job_documents (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    format  TEXT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (job_id, format)
);

-- The quality report as an encoded specdoc.job.v1.QualityScore.
CREATE TABLE job_quality (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    report BYTEA NOT NULL
);
