-- Postgres moves its key columns to the "C" collation (see the Postgres migration of the same
-- number); SQLite compares text byte by byte already.
SELECT 1;
