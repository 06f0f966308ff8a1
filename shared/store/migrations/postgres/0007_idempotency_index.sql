-- Only keyed submissions can collide, so only they need an entry: most jobs have no key, and an
-- entry each cost a write at admission and at every update of the row that cannot stay on its
-- page (the start and the end of each attempt).
DROP INDEX jobs_team_idempotency;
CREATE UNIQUE INDEX jobs_team_idempotency ON jobs (team_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
