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
	ADD CONSTRAINT jobs_rows_estimated_check CHECK (rows_estimated OPERATOR(pg_catalog.>) 0);

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
	       coalesce(j.pace, current_setting('pg_backfill.pace', true)),
	       h.batch_size, h.pause_ms * interval '1 ms', h.reason, h.app_p99_ms, h.app_baseline_p99_ms
	FROM backfill.jobs j
	     LEFT JOIN pg_attribute a ON a.attrelid = j.relid AND a.attnum = j.attnum AND NOT a.attisdropped
	     LEFT JOIN LATERAL (SELECT * FROM backfill.pace_history h
	                        WHERE h.job_id = j.job_id AND j.state = 'running'
	                        ORDER BY h.at DESC, h.seq DESC LIMIT 1) h ON true,
	     LATERAL backfill.job_progress(j.rows_done, j.rows_estimated,
	                                   coalesce(j.finished_at, j.updated_at) - j.started_at,
	                                   j.state = 'succeeded') p
	WHERE $1 IS NULL OR j.job_id = $1
	ORDER BY j.job_id
$$;
COMMENT ON FUNCTION backfill_status(bigint) IS 'one row per backfill job visible to the caller';
