-- Postgres's 0014 leaves room on the rollup tables' pages for their rows' frequent updates;
-- SQLite has no fill factor. This migration keeps the two sets numbered alike.
SELECT 1;
