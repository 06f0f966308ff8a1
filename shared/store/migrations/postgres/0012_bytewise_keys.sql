-- Keys compare byte by byte. Job ids and team ids are identifiers, not prose: under the
-- database's default collation (a libc locale such as C.UTF-8) every comparison in their
-- indexes went through strcoll, a visible share of each batch's index inserts and lookups.
-- Under "C" the same comparisons are memcmp. Equality is unchanged (both collations are
-- deterministic), and for identifiers of ASCII letters, digits and dashes so is the order.
ALTER TABLE jobs
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN team_id TYPE TEXT COLLATE "C",
    ALTER COLUMN idempotency_key TYPE TEXT COLLATE "C";
ALTER TABLE specs ALTER COLUMN job_id TYPE TEXT COLLATE "C";
ALTER TABLE job_events ALTER COLUMN job_id TYPE TEXT COLLATE "C";
ALTER TABLE job_quality ALTER COLUMN job_id TYPE TEXT COLLATE "C";
ALTER TABLE job_documents ALTER COLUMN job_id TYPE TEXT COLLATE "C";
