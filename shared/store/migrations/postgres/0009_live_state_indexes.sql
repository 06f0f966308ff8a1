-- The state indexes serve what looks at live jobs: the reconciler and the oldest queued job (by
-- state and age), and the live counts of GetStats (by team and state). Finished jobs, nearly all
-- rows in time, had an entry in both anyway, and every job's end added two more. Indexing only
-- live jobs keeps both indexes the size of the backlog and leaves a finished job's final update
-- two index entries fewer.
DROP INDEX jobs_state_created;
CREATE INDEX jobs_state_created ON jobs (state, created_at)
    WHERE state IN ('queued', 'retrying', 'processing');
DROP INDEX jobs_team_state;
CREATE INDEX jobs_team_state ON jobs (team_id, state)
    WHERE state IN ('queued', 'retrying', 'processing');
-- What does look at finished jobs by state, the ETA's run time of the latest completed jobs of
-- a type, gets its own index: the latest 200 instead of a scan of every completed job.
CREATE INDEX jobs_completed_type_finished ON jobs (job_type, finished_at)
    WHERE state = 'completed';
