-- Postgres's 0006 drops the foreign keys of job_events and job_quality for write speed. SQLite
-- cannot drop a constraint without rebuilding the table, and `specdoc up`'s single process does
-- not need the speed. This migration keeps the two sets numbered alike.
SELECT 1;
