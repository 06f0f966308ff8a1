-- A row of `job_events` may hold a run of one job's consecutive events, written in one group
-- commit under one attempt: its columns are the run's first event (number `seq`), `more_events`
-- the rest as a JSON array of [step, status, state, progress, message], numbered on from `seq`
-- to `through_seq`. A job's pipeline steps mostly commit together with its completion; as one
-- row instead of eight they cost the database one tuple and one index entry. Rows without
-- `through_seq` hold one event.
ALTER TABLE job_events ADD COLUMN more_events TEXT;
ALTER TABLE job_events ADD COLUMN through_seq BIGINT;
