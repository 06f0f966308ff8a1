-- No index of `jobs` mentions `state` any more, so the start of an attempt (QUEUED to
-- PROCESSING, which touches no indexed column) stays on the row's page as a heap-only tuple
-- instead of adding an entry to every index: a job is live exactly while `finished_at` is NULL
-- (every terminal change sets it, a retry clears it), and the live-job indexes say so instead.
-- Readers name `finished_at IS NULL` so that the planner can use them, and filter the state
-- among the live rows (the backlog and the running jobs).
DROP INDEX jobs_state_created;
CREATE INDEX jobs_live_created ON jobs (created_at) WHERE finished_at IS NULL;
DROP INDEX jobs_team_state;
CREATE INDEX jobs_live_team ON jobs (team_id) WHERE finished_at IS NULL;
-- The ETA's latest completed jobs of a type: finished jobs by type and finish time, the
-- completed ones picked from the newest.
DROP INDEX jobs_completed_type_finished;
CREATE INDEX jobs_finished_type ON jobs (job_type, finished_at) WHERE finished_at IS NOT NULL;
