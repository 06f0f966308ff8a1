-- Postgres's 0013 drops the foreign key of specs for admission speed; as with 0006, SQLite
-- would have to rebuild the table, and `specdoc up`'s single process does not need the speed.
-- This migration keeps the two sets numbered alike.
SELECT 1;
