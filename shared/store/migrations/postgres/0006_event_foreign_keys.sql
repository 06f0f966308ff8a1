-- Events and quality reports are written many per job at the pace of the pipeline, and each
-- foreign-key check cost a lookup and a row lock on `jobs`: a third of an event's insert. Every
-- write of them already goes through the job's row (they are inserted only for a job the same
-- statement just found and updated), and retention deletes them explicitly before the job, so
-- the constraints only repeated what the writes guarantee.
ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
ALTER TABLE job_quality DROP CONSTRAINT job_quality_job_id_fkey;
