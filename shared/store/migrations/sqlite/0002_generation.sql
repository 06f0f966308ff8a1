-- Generation mode per job, why generation was degraded, and the LLM response cache.
ALTER TABLE jobs ADD COLUMN generation TEXT NOT NULL DEFAULT 'fill_missing';
ALTER TABLE jobs ADD COLUMN degraded_reason TEXT;

-- Validated LLM answers keyed by (model, prompt version, input hash), so a resubmitted spec
-- costs no calls. Entries are pruned with finished jobs (RETENTION_DAYS).
CREATE TABLE genai_cache (
    cache_key  TEXT PRIMARY KEY,
    response   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX genai_cache_created ON genai_cache (created_at);
