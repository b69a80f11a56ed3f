-- pg_backfill 0.1
\echo Use "CREATE EXTENSION pg_backfill" to load this file. \quit

-- Internal state lives in schema backfill; the user-facing functions live in
-- the schema the extension is created in (default public).
CREATE SCHEMA backfill;

------------------------------------------------------------------------------
-- Backfill jobs
------------------------------------------------------------------------------

------------------------------------------------------------------------------
-- DDL guard
------------------------------------------------------------------------------
