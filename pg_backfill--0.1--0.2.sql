-- pg_backfill 0.1 -> 0.2
\echo Use "ALTER EXTENSION pg_backfill UPDATE TO '0.2'" to load this file. \quit

-- Worker runs at the job's current checkpoint that did not end cleanly (the
-- running one included): a job whose workers keep dying at the same
-- checkpoint (a crash, an out-of-memory kill) is failed instead of
-- restarted forever.
ALTER TABLE backfill.jobs ADD COLUMN worker_starts integer NOT NULL DEFAULT 0;

-- The table's generation (leaf relations and their relfilenodes) when the
-- checkpoint was written: TRUNCATE, a rewrite, ATTACH or DETACH PARTITION
-- can put rows behind the checkpoint, so the walk starts over (counted in
-- restarts).
ALTER TABLE backfill.jobs ADD COLUMN table_generation bigint,
	ADD COLUMN restarts integer NOT NULL DEFAULT 0;

-- How a job walks its table: by its key index ('key'), or, for a table
-- without one, by physical position in TID ranges over the blocks that
-- existed when the walk started ('tid'; key_index 0, key_columns {ctid}).
ALTER TABLE backfill.jobs ADD COLUMN strategy text NOT NULL DEFAULT 'key';

-- A partitioned table is walked leaf partition by leaf partition, each with
-- its own key index (or TID ranges): the leaf in progress, and those done.
ALTER TABLE backfill.jobs ADD COLUMN partition oid,
	ADD COLUMN partitions_done oid[] NOT NULL DEFAULT '{}';

-- The walk's end: the largest key when the walk started (rows inserted later
-- beyond it are not the job's; a trigger that moves keys forward cannot make
-- a job endless).
ALTER TABLE backfill.jobs ADD COLUMN end_key text[];

-- Skip, don't wait: a batch locks its rows with SKIP LOCKED and records the
-- keys it skipped here, in its own transaction; sweeps after the walk retry
-- them (the last one waiting, one row per transaction, under lock_timeout).
ALTER TABLE backfill.jobs
	ADD COLUMN phase text NOT NULL DEFAULT 'walk',
	ADD COLUMN rows_skipped bigint NOT NULL DEFAULT 0,
	ADD COLUMN rows_swept bigint NOT NULL DEFAULT 0,
	ADD COLUMN sweeps integer NOT NULL DEFAULT 0;
CREATE TABLE backfill.skipped_keys (
	job_id bigint NOT NULL REFERENCES backfill.jobs ON DELETE CASCADE,
	key text[] NOT NULL,
	PRIMARY KEY (job_id, key)
);
REVOKE ALL ON backfill.skipped_keys FROM PUBLIC;

-- The job table states the limits the SQL functions check (core/job_options.hpp
-- holds the same numbers), so a row that breaks them cannot exist.
ALTER TABLE backfill.jobs
	ADD CONSTRAINT jobs_attnum_check CHECK (attnum OPERATOR(pg_catalog.>) 0),
	ADD CONSTRAINT jobs_key_columns_check
		CHECK (pg_catalog.cardinality(key_columns) OPERATOR(pg_catalog.>=) 1),
	ADD CONSTRAINT jobs_checkpoint_check
		CHECK (pg_catalog.cardinality(checkpoint) OPERATOR(pg_catalog.=) pg_catalog.cardinality(key_columns)),
	ADD CONSTRAINT jobs_batch_size_check
		CHECK (batch_size OPERATOR(pg_catalog.>=) 1 AND batch_size OPERATOR(pg_catalog.<=) 10000000),
	ADD CONSTRAINT jobs_lock_timeout_check
		CHECK (lock_timeout OPERATOR(pg_catalog.>=) pg_catalog.interval '1 ms'
		       AND lock_timeout OPERATOR(pg_catalog.<=) pg_catalog.interval '2147483647 ms'),
	ADD CONSTRAINT jobs_batch_delay_check
		CHECK (batch_delay OPERATOR(pg_catalog.>=) pg_catalog.interval '0'
		       AND batch_delay OPERATOR(pg_catalog.<=) pg_catalog.interval '2147483647 ms'),
	ADD CONSTRAINT jobs_counters_check
		CHECK (rows_done OPERATOR(pg_catalog.>=) 0 AND rows_updated OPERATOR(pg_catalog.>=) 0
		       AND batches_done OPERATOR(pg_catalog.>=) 0 AND lock_timeouts OPERATOR(pg_catalog.>=) 0
		       AND worker_starts OPERATOR(pg_catalog.>=) 0 AND restarts OPERATOR(pg_catalog.>=) 0),
	ADD CONSTRAINT jobs_rows_estimated_check CHECK (rows_estimated OPERATOR(pg_catalog.>) 0),
	ADD CONSTRAINT jobs_end_key_check
		CHECK (pg_catalog.cardinality(end_key) OPERATOR(pg_catalog.=) pg_catalog.cardinality(key_columns)),
	ADD CONSTRAINT jobs_strategy_check CHECK (strategy OPERATOR(pg_catalog.=) ANY ('{key,tid}'::text[])),
	ADD CONSTRAINT jobs_phase_check CHECK (phase OPERATOR(pg_catalog.=) ANY ('{walk,sweep,final sweep}'::text[])),
	ADD CONSTRAINT jobs_sweep_counters_check
		CHECK (rows_skipped OPERATOR(pg_catalog.>=) 0 AND rows_swept OPERATOR(pg_catalog.>=) 0
		       AND sweeps OPERATOR(pg_catalog.>=) 0);

-- Sync triggers (start_backfill(..., sync => true)): the analysed expression
-- (nodeToString of the coerced tree, Vars over the job's relation) that the
-- trigger evaluates without parsing, and the trigger itself (NULL: none, or
-- dropped).
ALTER TABLE backfill.jobs ADD COLUMN expression_tree text, ADD COLUMN sync_trigger oid;

DROP FUNCTION start_backfill(regclass, name, text, integer, interval, interval, boolean);
CREATE FUNCTION start_backfill(relation regclass, column_name name, expression text,
                               batch_size integer DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                               batch_delay interval DEFAULT NULL, only_null boolean DEFAULT true,
                               sync boolean DEFAULT false, strategy text DEFAULT NULL)
RETURNS bigint LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_start_backfill';
COMMENT ON FUNCTION start_backfill(regclass, name, text, integer, interval, interval, boolean, boolean, text) IS
'queue a batched backfill of column_name = (expression) on relation and return its job id; sync: keep rows written meanwhile filled by a trigger; strategy: key or tid (NULL: key when the table has one)';

-- The sync trigger's function: BEFORE INSERT OR UPDATE ... FOR EACH ROW
-- EXECUTE FUNCTION backfill.sync_trigger('<job id>'), installed by
-- start_backfill. It refuses to run for a trigger that is not its job's.
CREATE FUNCTION backfill.sync_trigger() RETURNS trigger LANGUAGE C
AS 'MODULE_PATHNAME', 'pg_backfill_sync_trigger';
COMMENT ON FUNCTION backfill.sync_trigger() IS
'the sync trigger of a backfill job: fills the column for rows written by code that does not write it';

-- DDL with lock retries: one DDL statement (or LOCK TABLE), each attempt in
-- a subtransaction under a short lock_timeout, retried with growing,
-- jittered sleeps; returns the number of attempts. Runs as the caller.
CREATE FUNCTION run_with_lock_retries(sql text, lock_timeout interval DEFAULT '100ms',
                                      max_attempts integer DEFAULT 50,
                                      delay_initial interval DEFAULT '50ms',
                                      delay_max interval DEFAULT '5s')
RETURNS integer LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_run_with_lock_retries';
COMMENT ON FUNCTION run_with_lock_retries(text, interval, integer, interval, interval) IS
'run one DDL statement under a short lock_timeout, retrying with backoff and jitter until it gets its locks';

-- backfill_status: the column's current name (a job follows its column by
-- number through renames), and the walk's phase and its skip/sweep and
-- restart counters; whether its sync trigger is installed.,
------------------------------------------------------------------------------
-- Pacing (README.md, "Pacing")
------------------------------------------------------------------------------

-- A job's own pacing options; NULL follows the GUC (pg_backfill.pace,
-- pg_backfill.target_latency_ratio), read before every batch.
ALTER TABLE backfill.jobs
	ADD COLUMN pace text CONSTRAINT jobs_pace_check CHECK (pace IN ('auto', 'off')),
	ADD COLUMN target_latency_ratio double precision CONSTRAINT jobs_target_latency_ratio_check
		CHECK (target_latency_ratio OPERATOR(pg_catalog.=) 0
		       OR (target_latency_ratio OPERATOR(pg_catalog.>=) 1.1
		           AND target_latency_ratio OPERATOR(pg_catalog.<=) 100));

-- What the pacing controller did: one row per interval (about a second) of a
-- running job, written by its worker. The decision is the one at the end of
-- the interval; the application's latency is the controller's window then.
CREATE TABLE backfill.pace_history (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL REFERENCES backfill.jobs ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT pg_catalog.now(), -- end of the interval
	seconds double precision NOT NULL,   -- length of the interval
	batches integer NOT NULL,
	rows bigint NOT NULL,
	batch_size integer NOT NULL,         -- the next batch's size
	pause_ms bigint NOT NULL,            -- the pause before it
	duty double precision NOT NULL,      -- share of time the controller lets the worker work
	reason text NOT NULL,                -- what holds the job back: 'none', 'app p99 2.4x baseline', ...
	app_p99_ms double precision,         -- application p99 in the controller's window (NULL: not measured)
	app_baseline_p99_ms double precision, -- its p99 while no backfill ran
	app_tps double precision,            -- application transactions per second in the window
	wal_bytes_per_s double precision NOT NULL -- WAL the worker wrote
);
CREATE INDEX pace_history_job_at ON backfill.pace_history (job_id, at);
GRANT SELECT ON backfill.pace_history TO PUBLIC;
ALTER TABLE backfill.pace_history ENABLE ROW LEVEL SECURITY;
-- The history of a job is visible to whoever sees the job (jobs' own policy).
CREATE POLICY pace_history_job_visible ON backfill.pace_history
	USING (EXISTS (SELECT FROM backfill.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) pace_history.job_id));
-- The pacing controller's latest decision for a job: its newest history row
-- (none yet: no row). Used by backfill_status, backfill_monitor and
-- wait_backfill's notices; a plain SQL function without SET clauses, so the
-- planner inlines it, and it reads as its caller (row-level security
-- applies to backfill_status's caller, not to backfill_monitor's definer).
CREATE FUNCTION backfill.latest_pace(job_id bigint) RETURNS SETOF backfill.pace_history
LANGUAGE sql STABLE
AS $$
	SELECT * FROM backfill.pace_history h WHERE h.job_id OPERATOR(pg_catalog.=) $1
	ORDER BY h.at DESC, h.seq DESC LIMIT 1
$$;

CREATE FUNCTION alter_backfill(job_id bigint, batch_size integer DEFAULT NULL,
                               batch_delay interval DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                               pace text DEFAULT NULL, target_latency_ratio double precision DEFAULT NULL,
                               reset boolean DEFAULT false)
RETURNS text LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_alter_backfill';
COMMENT ON FUNCTION alter_backfill(bigint, integer, interval, interval, text, double precision, boolean) IS
'change a backfill job''s options (NULL: unchanged; reset: the others follow the GUCs again), effective at its next batch';

CREATE FUNCTION backfill_history(job_id bigint)
RETURNS TABLE (at timestamptz, seconds double precision, batches integer, rows bigint,
               rows_per_s double precision, batch_size integer, pause interval, duty double precision,
               reason text, app_p99_ms double precision, app_baseline_p99_ms double precision,
               app_tps double precision, wal_bytes_per_s double precision)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT h.at, h.seconds, h.batches, h.rows,
	       CASE WHEN h.seconds > 0 THEN h.rows / h.seconds END,
	       h.batch_size, h.pause_ms * interval '1 ms', h.duty, h.reason,
	       h.app_p99_ms, h.app_baseline_p99_ms, h.app_tps, h.wal_bytes_per_s
	FROM backfill.pace_history h
	WHERE h.job_id = $1
	ORDER BY h.at, h.seq
$$;
COMMENT ON FUNCTION backfill_history(bigint) IS
'what the pacing controller of a backfill job did, one row per interval of about a second';

-- backfill_status: a job follows its column by number through renames, so
-- show its name now; and the pacing columns (appended): the pace mode, and
-- while the job runs its current batch size, pause, what holds it back and
-- the application's latency against its baseline.
DROP FUNCTION backfill_status(bigint);
CREATE FUNCTION backfill_status(job_id bigint DEFAULT NULL)
RETURNS TABLE (job_id bigint, relation regclass, column_name name, expression text, state text,
               rows_done bigint, rows_estimated bigint, percent numeric, rate numeric, eta interval,
               batch_size integer, batches_done bigint, lock_timeouts bigint, last_error text,
               owner name, created_at timestamptz, started_at timestamptz,
               updated_at timestamptz, finished_at timestamptz,
               phase text, rows_skipped bigint, rows_swept bigint, sweeps integer, restarts integer,
               strategy text, partition regclass, sync boolean,
               pace text, current_batch_size integer, current_pause interval, held_back_by text,
               app_p99_ms double precision, app_baseline_p99_ms double precision)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT j.job_id, j.relid::regclass, coalesce(a.attname, j.column_name), j.expression, j.state,
	       j.rows_done, j.rows_estimated,
	       round(p.percent::numeric, 1), round(p.rate::numeric, 1), date_trunc('second', p.eta),
	       coalesce(j.batch_size, current_setting('pg_backfill.batch_size', true)::integer),
	       j.batches_done, j.lock_timeouts,
	       j.last_error_sqlstate || ': ' || j.last_error_message,
	       pg_get_userbyid(j.owner), j.created_at, j.started_at, j.updated_at, j.finished_at,
	       j.phase, j.rows_skipped, j.rows_swept, j.sweeps, j.restarts, j.strategy,
	       CASE WHEN j.state IN ('queued', 'running', 'paused') THEN j.partition::regclass END,
	       EXISTS (SELECT FROM pg_trigger t WHERE t.oid = j.sync_trigger),
	       coalesce(j.pace, current_setting('pg_backfill.pace', true)),
	       h.batch_size, h.pause_ms * interval '1 ms', h.reason, h.app_p99_ms, h.app_baseline_p99_ms
	FROM backfill.jobs j
	     LEFT JOIN pg_attribute a ON a.attrelid = j.relid AND a.attnum = j.attnum AND NOT a.attisdropped
	     LEFT JOIN LATERAL backfill.latest_pace(j.job_id) h ON j.state = 'running',
	     LATERAL backfill.job_progress(j.rows_done, j.rows_estimated,
	                                   coalesce(j.finished_at, j.updated_at) - j.started_at,
	                                   j.state = 'succeeded') p
	WHERE $1 IS NULL OR j.job_id = $1
	ORDER BY j.job_id
$$;
COMMENT ON FUNCTION backfill_status(bigint) IS 'one row per backfill job visible to the caller';

-- Who sees and controls a job: its owner, the owner of its table (and every
-- role with that owner's privileges), and superusers. The same function
-- decides for the SQL functions (pause, resume, cancel, wait), so a grantee
-- that lost its rights, or a dropped role, never leaves a job the table's
-- owner can neither see nor cancel.
CREATE FUNCTION backfill.may_control_job(owner oid, relid oid) RETURNS boolean
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pg_backfill_may_control_job';
COMMENT ON FUNCTION backfill.may_control_job(oid, oid) IS
'whether the current user may see and control a backfill job of this owner on this table';
DROP POLICY jobs_owner_only ON backfill.jobs;
CREATE POLICY jobs_visible ON backfill.jobs USING (backfill.may_control_job(owner, relid));

-- When the commit of the transaction that started or resumed a job
-- registered a worker for it: the slot hand-off (a finishing worker, the
-- launcher's scanner) leaves the job to that worker for 5 s, the time it has
-- to start and take the job lock, instead of registering a second one.
ALTER TABLE backfill.jobs ADD COLUMN worker_requested_at timestamptz;

-- The job on a table's column, without its id: what a migration that started
-- a job in an earlier step knows. The column is matched by its current name
-- and number, so a job on a dropped column (or on an older column of the
-- same name) never matches. The active job if there is one, else the newest.
CREATE FUNCTION column_backfill_job(relation regclass, column_name name) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	job bigint;
BEGIN
	SELECT j.job_id INTO job
	FROM backfill.jobs j
	JOIN pg_attribute a ON a.attrelid = j.relid AND a.attnum = j.attnum AND NOT a.attisdropped
	WHERE j.relid = column_backfill_job.relation AND a.attname = column_backfill_job.column_name
	ORDER BY j.state IN ('queued', 'running', 'paused') DESC, j.job_id DESC
	LIMIT 1;
	IF job IS NULL THEN
		RAISE EXCEPTION 'no backfill job on column "%" of relation %', column_name, relation
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN job;
END
$$;
COMMENT ON FUNCTION column_backfill_job(regclass, name) IS
'the id of the backfill job on a column: the active one, else the newest';

CREATE FUNCTION wait_column_backfill(relation regclass, column_name name, timeout interval DEFAULT NULL)
RETURNS text LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.wait_backfill(@extschema@.column_backfill_job(relation, column_name), timeout) $$;
COMMENT ON FUNCTION wait_column_backfill(regclass, name, interval) IS
'wait_backfill for the job on a column, found by column_backfill_job';

-- A revert script cancels whatever the migration started: a job that has
-- already ended (succeeded or cancelled) is left as it is, with a NOTICE, as
-- DROP ... IF EXISTS skips what is not there.
CREATE FUNCTION cancel_column_backfill(relation regclass, column_name name) RETURNS text
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	job bigint := @extschema@.column_backfill_job(relation, column_name);
	ended text;
BEGIN
	SELECT j.state INTO ended FROM backfill.jobs j
	 WHERE j.job_id OPERATOR(pg_catalog.=) job AND j.state IN ('succeeded', 'cancelled');
	IF ended IS NOT NULL THEN
		RAISE NOTICE 'backfill job % on column "%" of relation % has already ended (%), skipping', job, column_name,
			relation, ended;
		RETURN ended;
	END IF;
	RETURN @extschema@.cancel_backfill(job);
END
$$;
COMMENT ON FUNCTION cancel_column_backfill(regclass, name) IS
'cancel_backfill for the job on a column, found by column_backfill_job; a job that has already ended is left as it is';

-- A monitoring surface for pg_monitor (and exporters): every job of this
-- database, whoever owns it, without its expression or error message (they
-- can carry data); one query per database.
CREATE FUNCTION backfill_monitor()
RETURNS TABLE (job_id bigint, relation text, column_name name, owner name, state text, phase text,
               strategy text, rows_done bigint, rows_estimated bigint, percent numeric, rate numeric,
               batches_done bigint, lock_timeouts bigint, rows_skipped bigint, rows_swept bigint,
               restarts integer, last_error_sqlstate text, seconds_since_progress double precision,
               created_at timestamptz, started_at timestamptz, finished_at timestamptz,
               held_back_by text, current_batch_size integer, current_pause interval,
               app_p99_ms double precision, app_baseline_p99_ms double precision)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT j.job_id, j.relid::regclass::text, coalesce(a.attname, j.column_name), pg_get_userbyid(j.owner),
	       j.state, j.phase, j.strategy, j.rows_done, j.rows_estimated,
	       round(p.percent::numeric, 1), round(p.rate::numeric, 1), j.batches_done, j.lock_timeouts,
	       j.rows_skipped, j.rows_swept, j.restarts, j.last_error_sqlstate,
	       extract(epoch FROM clock_timestamp() - j.updated_at)::double precision,
	       j.created_at, j.started_at, j.finished_at,
	       h.reason, h.batch_size, h.pause_ms * interval '1 ms', h.app_p99_ms, h.app_baseline_p99_ms
	FROM backfill.jobs j
	     LEFT JOIN pg_attribute a ON a.attrelid = j.relid AND a.attnum = j.attnum AND NOT a.attisdropped
	     -- the pacing controller's latest decision while the job runs (no data in it)
	     LEFT JOIN LATERAL backfill.latest_pace(j.job_id) h ON j.state = 'running',
	     LATERAL backfill.job_progress(j.rows_done, j.rows_estimated,
	                                   coalesce(j.finished_at, j.updated_at) - j.started_at,
	                                   j.state = 'succeeded') p
	ORDER BY j.job_id
$$;
COMMENT ON FUNCTION backfill_monitor() IS
'every backfill job of this database for monitoring (pg_monitor): progress, counters and what holds it back, no expressions or messages';
REVOKE ALL ON FUNCTION backfill_monitor() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION backfill_monitor() TO pg_monitor;

-- The DDL guard's counters per rule since server start, for pg_monitor (and
-- exporters): how often each rule warned, blocked or was acknowledged in this
-- database; one query per database.
CREATE FUNCTION guard_counters()
RETURNS TABLE (rule text, warned bigint, blocked bigint, acknowledged bigint, stats_reset timestamptz)
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'pg_backfill_guard_counters';
COMMENT ON FUNCTION guard_counters() IS
'the DDL guard''s warnings, blocks and acknowledgements per rule in this database since server start (pg_monitor)';
REVOKE ALL ON FUNCTION guard_counters() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION guard_counters() TO pg_monitor;

-- explain_ddl gains a last column, rule: the guard's rule for the row, named
-- as guard_counters() names it (NULL for a statement without a finding).
DROP FUNCTION explain_ddl(text);
CREATE FUNCTION explain_ddl(sql text)
RETURNS TABLE(statement_no int, command text, relation regclass, lock_mode text,
              rewrite bool, scan bool, index_build bool, fk_validation bool,
              size_bytes bigint, verdict text, reason text, hint text, message text, rule text)
AS 'MODULE_PATHNAME', 'pg_backfill_explain_ddl'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION explain_ddl(text) IS
  'The DDL guard''s analysis of each statement in sql (lock, rewrite, scan, index build, size, verdict, reason, hint, rule), without executing it';

------------------------------------------------------------------------------
-- Finishing steps (README.md, "finish_backfill"): what the worker does after
-- the fill, one step per phase, each recorded in phase once it committed.
------------------------------------------------------------------------------

-- The steps asked for. Expressions are stored deparsed fully qualified (as
-- expression_sql), objects by OID and number; the names of the constraints
-- and the index are chosen when the steps are asked for, so a resumed step
-- finds what an earlier try made.
ALTER TABLE backfill.jobs
	ADD COLUMN finish_default text,             -- SET DEFAULT (the expression)
	ADD COLUMN finish_not_null_check name,      -- SET NOT NULL through this NOT VALID check
	ADD COLUMN finish_check text,               -- CHECK (the expression) NOT VALID, then VALIDATE
	ADD COLUMN finish_check_name name,
	ADD COLUMN finish_foreign_key oid,          -- FOREIGN KEY REFERENCES this table's
	ADD COLUMN finish_foreign_key_column smallint, -- column, NOT VALID, then VALIDATE
	ADD COLUMN finish_foreign_key_name name,
	ADD COLUMN finish_index name,               -- CREATE [UNIQUE] INDEX CONCURRENTLY (in the table's schema)
	ADD COLUMN finish_index_unique boolean NOT NULL DEFAULT false,
	ADD COLUMN finish_drop_sync boolean NOT NULL DEFAULT false, -- DROP TRIGGER of the sync trigger
	ADD CONSTRAINT jobs_finish_check_check CHECK ((finish_check IS NULL) = (finish_check_name IS NULL)),
	ADD CONSTRAINT jobs_finish_foreign_key_check
		CHECK ((finish_foreign_key IS NULL) = (finish_foreign_key_name IS NULL)
		       AND (finish_foreign_key IS NULL) = (finish_foreign_key_column IS NULL));
ALTER TABLE backfill.jobs DROP CONSTRAINT jobs_phase_check,
	ADD CONSTRAINT jobs_phase_check CHECK (phase OPERATOR(pg_catalog.=) ANY (
		'{walk,sweep,final sweep,set default,add not null check,validate not null check,set not null,'
		'drop not null check,add check,validate check,add foreign key,validate foreign key,create index,'
		'drop sync trigger}'::text[]));

CREATE FUNCTION finish_backfill(job_id bigint, set_not_null boolean DEFAULT false, set_default text DEFAULT NULL,
                                create_index boolean DEFAULT false, unique_index boolean DEFAULT false,
                                index_name name DEFAULT NULL, check_constraint text DEFAULT NULL,
                                foreign_key text DEFAULT NULL, drop_sync boolean DEFAULT true)
RETURNS text LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pg_backfill_finish_backfill';
COMMENT ON FUNCTION finish_backfill(bigint, boolean, text, boolean, boolean, name, text, text, boolean) IS
'have a backfill job''s worker finish the column after the fill: NOT NULL, default, CHECK, FOREIGN KEY, index, drop the sync trigger';

-- One call for a new column: ADD COLUMN with lock retries, a job with a sync
-- trigger, and its finishing steps. Runs as the caller; every name in the
-- body is schema-qualified, and column_type is the caller's to resolve (a
-- regtype cast admits one type name and nothing else).
CREATE FUNCTION add_column_backfill(relation regclass, column_name name, column_type text, expression text,
                                    not_null boolean DEFAULT false, default_value text DEFAULT NULL,
                                    create_index boolean DEFAULT false, unique_index boolean DEFAULT false,
                                    index_name name DEFAULT NULL, batch_size integer DEFAULT NULL,
                                    drop_sync boolean DEFAULT true)
RETURNS bigint LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	job bigint;
BEGIN
	IF relation IS NULL OR column_name IS NULL OR column_type IS NULL OR expression IS NULL THEN
		RAISE EXCEPTION 'relation, column_name, column_type and expression must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM column_type::pg_catalog.regtype;
	PERFORM @extschema@.run_with_lock_retries(
		pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s', relation, column_name, column_type));
	job := @extschema@.start_backfill(relation, column_name, expression, batch_size => batch_size, sync => true);
	PERFORM @extschema@.finish_backfill(job, set_not_null => not_null, set_default => default_value,
	                                    create_index => create_index, unique_index => unique_index,
	                                    index_name => index_name, drop_sync => drop_sync);
	RETURN job;
END
$$;
COMMENT ON FUNCTION add_column_backfill(regclass, name, text, text, boolean, text, boolean, boolean, name, integer, boolean) IS
'add a column with lock retries, fill it from expression with a sync trigger, then finish it (NOT NULL, default, index) as one job';
