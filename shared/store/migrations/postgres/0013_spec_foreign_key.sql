-- A spec is inserted only by the statement (or transaction) that inserts its job, and retention
-- deletes specs explicitly before their jobs, so the foreign key of `specs` only repeated what
-- admission guarantees, at the price of a lookup and a row lock on `jobs` (a WAL record) for
-- every admitted job. As 0006 did for events and quality reports.
ALTER TABLE specs DROP CONSTRAINT specs_job_id_fkey;
