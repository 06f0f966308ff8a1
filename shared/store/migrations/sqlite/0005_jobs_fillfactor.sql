-- Postgres's 0005 leaves room on the pages of `jobs` for in-place updates; SQLite has no such
-- setting. This migration keeps the two sets numbered alike.
SELECT 1;
