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

-- explain_ddl(sql): for each statement (statement_no, 1-based) and each
-- subcommand of it, the DDL guard's analysis without executing anything:
-- the lock it takes, the work that grows with the table (rewrite, scan,
-- index_build, fk_validation), the table's size, the verdict (safe, unsafe,
-- unknown), the reason, the safe alternative (hint) and the exact message
-- the guard's hook would raise. The hook runs the same analysis.
CREATE FUNCTION explain_ddl(sql text)
RETURNS TABLE(statement_no int, command text, relation regclass, lock_mode text,
              rewrite bool, scan bool, index_build bool, fk_validation bool,
              size_bytes bigint, verdict text, reason text, hint text, message text)
AS 'MODULE_PATHNAME', 'pg_backfill_explain_ddl'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION explain_ddl(text) IS
  'The DDL guard''s analysis of each statement in sql (lock, rewrite, scan, index build, size, verdict, reason, hint), without executing it';
