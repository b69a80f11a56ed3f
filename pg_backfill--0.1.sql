-- pg_backfill 0.1
\echo Use "CREATE EXTENSION pg_backfill" to load this file. \quit

-- Internal state lives in schema backfill; the user-facing functions live in
-- the schema the extension is created in (default public).
CREATE SCHEMA backfill;

------------------------------------------------------------------------------
-- Backfill jobs
------------------------------------------------------------------------------

-- One row per backfill job. Nobody but the extension owner can write it: the
-- C functions check the caller's rights, then write as the extension owner.
CREATE TABLE backfill.jobs (
	job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	relid oid NOT NULL,
	column_name name NOT NULL,
	attnum int2 NOT NULL,
	expression text NOT NULL,      -- as given to start_backfill
	expression_sql text NOT NULL,  -- the analysed expression, deparsed: what the worker runs
	key_index oid NOT NULL,        -- index whose columns are the keyset key
	key_columns name[] NOT NULL,
	only_null boolean NOT NULL,
	batch_size integer,            -- NULL: pg_backfill.batch_size, read before every batch
	lock_timeout interval,         -- NULL: pg_backfill.lock_timeout, read before every batch
	batch_delay interval,          -- NULL: pg_backfill.batch_delay, read before every batch
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
	owner oid NOT NULL,            -- the role the job runs as
	login_role oid NOT NULL,       -- the session role the worker connects as
	search_path text NOT NULL,     -- captured at start_backfill
	checkpoint text[],             -- last key of the last committed batch; NULL: none yet
	rows_done bigint NOT NULL DEFAULT 0,
	rows_updated bigint NOT NULL DEFAULT 0,
	rows_estimated bigint,
	batches_done bigint NOT NULL DEFAULT 0,
	lock_timeouts bigint NOT NULL DEFAULT 0,
	last_error_sqlstate text,
	last_error_message text,
	failed_key_range text,
	worker_pid integer,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	finished_at timestamptz
);

-- At most one active job per column.
CREATE UNIQUE INDEX jobs_one_active_per_column ON backfill.jobs (relid, attnum)
	WHERE state IN ('queued', 'running', 'paused');

GRANT USAGE ON SCHEMA backfill TO PUBLIC;
GRANT SELECT ON backfill.jobs TO PUBLIC;
ALTER TABLE backfill.jobs ENABLE ROW LEVEL SECURITY;
-- A role sees its own jobs; superusers bypass row-level security.
CREATE POLICY jobs_owner_only ON backfill.jobs
	USING (pg_catalog.pg_get_userbyid(owner) OPERATOR(pg_catalog.=) CURRENT_USER);

CREATE FUNCTION start_backfill(relation regclass, column_name name, expression text,
                               batch_size integer DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                               batch_delay interval DEFAULT NULL, only_null boolean DEFAULT true)
RETURNS bigint LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_start_backfill';
COMMENT ON FUNCTION start_backfill(regclass, name, text, integer, interval, interval, boolean) IS
'queue a batched backfill of column_name = (expression) on relation and return its job id';

CREATE FUNCTION pause_backfill(job_id bigint) RETURNS text LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'pg_backfill_pause_backfill';
COMMENT ON FUNCTION pause_backfill(bigint) IS 'pause a backfill job at its next batch boundary';

CREATE FUNCTION resume_backfill(job_id bigint) RETURNS text LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'pg_backfill_resume_backfill';
COMMENT ON FUNCTION resume_backfill(bigint) IS 'resume a paused or failed backfill job from its checkpoint';

CREATE FUNCTION cancel_backfill(job_id bigint) RETURNS text LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'pg_backfill_cancel_backfill';
COMMENT ON FUNCTION cancel_backfill(bigint) IS 'cancel a backfill job at its next batch boundary';

CREATE FUNCTION wait_backfill(job_id bigint, timeout interval DEFAULT NULL) RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_wait_backfill';
COMMENT ON FUNCTION wait_backfill(bigint, interval) IS
'wait until a backfill job is no longer queued or running, with progress notices; return its final state';

-- Percent, rate (rows/s) and ETA of a job, from its counters.
CREATE FUNCTION backfill.job_progress(rows_done bigint, rows_estimated bigint, elapsed interval,
                                      finished boolean,
                                      OUT percent double precision, OUT rate double precision,
                                      OUT eta interval)
RETURNS record LANGUAGE C IMMUTABLE
AS 'MODULE_PATHNAME', 'pg_backfill_job_progress';

CREATE FUNCTION backfill_status(job_id bigint DEFAULT NULL)
RETURNS TABLE (job_id bigint, relation regclass, column_name name, expression text, state text,
               rows_done bigint, rows_estimated bigint, percent numeric, rate numeric, eta interval,
               batch_size integer, batches_done bigint, lock_timeouts bigint, last_error text,
               owner name, created_at timestamptz, started_at timestamptz,
               updated_at timestamptz, finished_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT j.job_id, j.relid::regclass, j.column_name, j.expression, j.state,
	       j.rows_done, j.rows_estimated,
	       round(p.percent::numeric, 1), round(p.rate::numeric, 1), date_trunc('second', p.eta),
	       coalesce(j.batch_size, current_setting('pg_backfill.batch_size', true)::integer),
	       j.batches_done, j.lock_timeouts,
	       j.last_error_sqlstate || ': ' || j.last_error_message,
	       pg_get_userbyid(j.owner), j.created_at, j.started_at, j.updated_at, j.finished_at
	FROM backfill.jobs j,
	     LATERAL backfill.job_progress(j.rows_done, j.rows_estimated,
	                                   coalesce(j.finished_at, j.updated_at) - j.started_at,
	                                   j.state = 'succeeded') p
	WHERE $1 IS NULL OR j.job_id = $1
	ORDER BY j.job_id
$$;
COMMENT ON FUNCTION backfill_status(bigint) IS 'one row per backfill job visible to the caller';

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
