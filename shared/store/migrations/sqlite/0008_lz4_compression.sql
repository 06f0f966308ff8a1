-- Postgres's 0008 compresses large values with lz4; SQLite does not compress values. This
-- migration keeps the two sets numbered alike.
SELECT 1;
