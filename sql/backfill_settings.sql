-- Jobs started without options follow the pg_backfill GUCs, read by the
-- worker before every batch (here: per-database settings, which workers
-- pick up when they connect); a batch over pg_backfill.statement_timeout
-- fails its job.
CREATE EXTENSION pg_backfill;
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 20) g;
CREATE FUNCTION slow(integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_sleep(0.03);
	RETURN $1;
END
$$;

SELECT name, setting, unit, context FROM pg_settings
WHERE name IN ('pg_backfill.batch_delay', 'pg_backfill.batch_size', 'pg_backfill.lock_timeout',
               'pg_backfill.max_replica_lag', 'pg_backfill.max_workers', 'pg_backfill.progress_interval',
               'pg_backfill.retry_backoff_initial',
               'pg_backfill.retry_backoff_max', 'pg_backfill.statement_timeout')
ORDER BY name;

ALTER DATABASE :"DBNAME" SET pg_backfill.batch_size = 7;
ALTER DATABASE :"DBNAME" SET pg_backfill.statement_timeout = '200ms';
SELECT start_backfill('t', 'c', 'slow(a)') AS job \gset
SELECT wait_backfill(:job);
\echo :LAST_ERROR_SQLSTATE
SELECT state, last_error, rows_done FROM backfill_status(:job);
SELECT failed_key_range FROM backfill.jobs WHERE job_id = :job;

ALTER DATABASE :"DBNAME" RESET pg_backfill.statement_timeout;
SELECT resume_backfill(:job);
SELECT wait_backfill(:job);
SELECT state, rows_done, batches_done FROM backfill_status(:job);
SELECT count(*) AS wrong FROM t WHERE c IS DISTINCT FROM a;

ALTER DATABASE :"DBNAME" RESET pg_backfill.batch_size;
DROP TABLE t;
DROP FUNCTION slow(integer);
DROP EXTENSION pg_backfill;
