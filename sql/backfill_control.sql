-- pause_backfill, resume_backfill and cancel_backfill from every state, and
-- wait_backfill's timeout.
CREATE EXTENSION pg_backfill;
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
\i sql/helpers/wait_for.sql

-- queued: a job is queued until its creating transaction commits.
BEGIN;
SELECT start_backfill('t', 'c', 'a') AS job \gset
SELECT state FROM backfill_status(:job);
SELECT resume_backfill(:job);
SELECT pause_backfill(:job);
SELECT state FROM backfill_status(:job);
ROLLBACK;
BEGIN;
SELECT start_backfill('t', 'c', 'a') AS job \gset
SELECT cancel_backfill(:job);
SELECT state, finished_at IS NOT NULL AS finished FROM backfill_status(:job);
COMMIT;
SELECT wait_backfill(:job);
SELECT count(c) AS filled FROM t;

-- running: one batch of 100 rows, then a long sleep between batches.
SELECT start_backfill('t', 'c', 'a', batch_size => 100, batch_delay => '1 h') AS job \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill_status(%s))', :job));
SELECT state, rows_done FROM backfill_status(:job);
SELECT worker_pid IS NOT NULL AS has_worker FROM backfill.jobs WHERE job_id = :job;
SELECT resume_backfill(:job);
SELECT wait_backfill(:job, '50 ms');
\echo :LAST_ERROR_SQLSTATE
-- a negative timeout is refused, however large
SELECT wait_backfill(:job, '-178000000 years');
-- pause wakes the sleeping worker, which stops at the batch boundary.
SELECT pause_backfill(:job);
SELECT wait_backfill(:job);
SELECT state, rows_done, batches_done FROM backfill_status(:job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM backfill.jobs WHERE job_id = %s)', :job));
SELECT count(c) AS filled FROM t;

-- paused
SELECT pause_backfill(:job);
SELECT resume_backfill(:job);
SELECT wait_for(format('(SELECT batches_done = 2 FROM backfill_status(%s))', :job));
SELECT state, rows_done FROM backfill_status(:job);
-- cancel wakes the sleeping worker too.
SELECT cancel_backfill(:job);
SELECT wait_backfill(:job);
SELECT state, rows_done, batches_done, finished_at IS NOT NULL AS finished FROM backfill_status(:job);
SELECT count(c) AS filled FROM t;

-- cancelled
SELECT pause_backfill(:job);
SELECT resume_backfill(:job);
SELECT cancel_backfill(:job);

-- paused -> cancelled
SELECT start_backfill('t', 'c', 'a', batch_size => 100, batch_delay => '1 h') AS job \gset
SELECT pause_backfill(:job);
SELECT wait_backfill(:job);
SELECT cancel_backfill(:job);

-- succeeded. A timeout beyond any timestamp saturates (it never overflows
-- into the past, which timed out at once): the wait ends with the job, which
-- runs 10 batches 20 ms apart.
SELECT start_backfill('t', 'c', 'a', batch_size => 100, batch_delay => '20 ms') AS job \gset
SELECT wait_backfill(:job, '1000000 years');
SELECT wait_backfill(:job, '178000000 years');
SELECT pause_backfill(:job);
SELECT resume_backfill(:job);
SELECT cancel_backfill(:job);
SELECT count(*) AS wrong FROM t WHERE c IS DISTINCT FROM a;

-- failed: resume retries, pause does not apply, cancel abandons the job.
UPDATE t SET c = NULL;
SELECT start_backfill('t', 'c', '1000 / (a - 500)', batch_size => 100) AS job \gset
SELECT wait_backfill(:job);
SELECT state, last_error, rows_done FROM backfill_status(:job);
SELECT pause_backfill(:job);
-- a failed job no longer holds the column
SELECT start_backfill('t', 'c', 'a') AS other \gset
SELECT resume_backfill(:job);
SELECT wait_backfill(:other);
SELECT resume_backfill(:job);
SELECT wait_backfill(:job);
SELECT state, last_error FROM backfill_status(:job);
-- a failed job the user gives up on is cancelled (final)
UPDATE t SET c = NULL;
SELECT start_backfill('t', 'c', '1000 / (a - 500)', batch_size => 100) AS job \gset
SELECT wait_backfill(:job);
SELECT cancel_backfill(:job);
SELECT state, finished_at IS NOT NULL AS finished FROM backfill_status(:job);
SELECT resume_backfill(:job);

-- backfill_status's progress math never reports a negative ETA, however large
-- the estimate or small the rate (backfill.job_progress is internal).
SELECT percent < 0.001 AS percent, rate > 0 AS has_rate, eta >= '0' AS eta_not_negative,
       eta > '100000 years' AS eta_huge
FROM backfill.job_progress(1, 9223372036854775807, '1 year', false);
SELECT eta FROM backfill.job_progress(9223372036854775807, 9223372036854775807, '1000000 years', false);

-- jobs that do not exist; NULL ids
SELECT pause_backfill(-1);
SELECT resume_backfill(-1);
SELECT cancel_backfill(-1);
SELECT pause_backfill(NULL), resume_backfill(NULL), cancel_backfill(NULL);

-- wait_backfill never waits for its own transaction: holding a lock on the
-- job's table, one of its partitions or one of their indexes that blocks the
-- worker (ShareLock or stronger) is refused with 55000 at once (before, the
-- wait ran into its timeout). The job runs one batch, then sleeps.
CREATE TABLE mp (id integer PRIMARY KEY, a integer, c integer) PARTITION BY RANGE (id);
CREATE TABLE mp_1 PARTITION OF mp FOR VALUES FROM (1) TO (501);
CREATE TABLE mp_2 PARTITION OF mp FOR VALUES FROM (501) TO (1001);
INSERT INTO mp SELECT g, g FROM generate_series(1, 1000) g;
SELECT start_backfill('mp', 'c', 'a', batch_size => 100, batch_delay => '1 h') AS job \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill_status(%s))', :job));
BEGIN;
ALTER TABLE mp ADD COLUMN e integer;
SELECT wait_backfill(:job, '2 s');
ROLLBACK;
BEGIN;
LOCK TABLE mp_2 IN SHARE MODE;
SELECT wait_backfill(:job, '2 s');
ROLLBACK;
BEGIN;
REINDEX INDEX mp_1_pkey;
SELECT wait_backfill(:job, '2 s');
ROLLBACK;
-- a lock the worker does not conflict with is no reason: the wait times out
BEGIN;
LOCK TABLE mp IN SHARE UPDATE EXCLUSIVE MODE;
SELECT wait_backfill(:job, '10 ms');
ROLLBACK;
SELECT cancel_backfill(:job);
SELECT wait_backfill(:job);
DROP TABLE mp;

-- wait_backfill is refused in REPEATABLE READ, where it would never see progress.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT wait_backfill(:job);
ROLLBACK;

-- The job on a column, without its id (what a later migration step knows),
-- never a job on a dropped column of the same name.
CREATE TABLE bycol (id integer PRIMARY KEY, a integer, c integer);
INSERT INTO bycol SELECT g, g FROM generate_series(1, 100) g;
SELECT start_backfill('bycol', 'c', 'a') AS job \gset
SELECT column_backfill_job('bycol', 'c') = :job AS found;
SELECT wait_column_backfill('bycol', 'c');
ALTER TABLE bycol DROP COLUMN c;
ALTER TABLE bycol ADD COLUMN c integer;
SELECT column_backfill_job('bycol', 'c');
SELECT start_backfill('bycol', 'c', '0 / (a - 50)', batch_size => 10) AS job \gset
SELECT wait_column_backfill('bycol', 'c');
SELECT cancel_column_backfill('bycol', 'c');
-- a revert script that cancels again, or cancels a job that succeeded, is
-- not stopped: the ended job is left as it is
SELECT cancel_column_backfill('bycol', 'c');
UPDATE bycol SET c = NULL;
SELECT start_backfill('bycol', 'c', 'a') AS job \gset
SELECT wait_column_backfill('bycol', 'c');
SELECT cancel_column_backfill('bycol', 'c');
SELECT state FROM backfill_status(:job);
SELECT wait_column_backfill('bycol', 'nosuch');
DROP TABLE bycol;

DROP TABLE t;
DROP FUNCTION wait_for(text);
DROP EXTENSION pg_backfill;
