-- Workers start when the transaction that started (or resumed) the jobs
-- commits, never before: an open transaction holds no background worker
-- slot however many jobs it starts (before, each start registered a worker
-- that waited for the transaction, so 20 starts took every
-- max_worker_processes slot: "could not start a worker"), a rolled-back
-- start leaves nothing, and at commit at most pg_backfill.max_workers (4
-- here) workers are registered; the other jobs stay queued and get the
-- slots as they free up.
CREATE EXTENSION pg_backfill;
SELECT current_user AS superuser \gset
CREATE ROLE regress_backfill_many LOGIN;
CREATE TABLE wide (id integer PRIMARY KEY, a integer NOT NULL);
SELECT format('ALTER TABLE wide %s', string_agg(format('ADD COLUMN c%s integer', i), ', '))
FROM generate_series(1, 20) i \gexec
INSERT INTO wide SELECT g, g FROM generate_series(1, 500) g;
GRANT SELECT, UPDATE ON wide TO regress_backfill_many;
\i sql/helpers/wait_for.sql
CREATE VIEW job_workers AS
	SELECT count(*) AS workers FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker';
GRANT SELECT ON job_workers TO PUBLIC;

\c - regress_backfill_many
BEGIN;
SELECT count(start_backfill('wide', 'c' || i, format('a * %s', i), batch_size => 100)) AS started
FROM generate_series(1, 20) i;
SELECT workers FROM job_workers;
SELECT count(*) AS queued FROM backfill.jobs WHERE state = 'queued';
COMMIT;
SELECT workers <= 4 AS at_most_max_workers FROM job_workers;
SELECT count(*) FILTER (WHERE wait_backfill(job_id) = 'succeeded') AS succeeded FROM backfill.jobs;
SELECT count(*) AS wrong FROM wide
WHERE (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20)
      IS DISTINCT FROM (a, a * 2, a * 3, a * 4, a * 5, a * 6, a * 7, a * 8, a * 9, a * 10, a * 11, a * 12,
                        a * 13, a * 14, a * 15, a * 16, a * 17, a * 18, a * 19, a * 20);
SELECT wait_for('(SELECT workers = 0 FROM job_workers)');

-- A rollback leaves neither a job nor a worker; so does a rolled-back
-- savepoint, while the rest of the transaction's jobs start at commit.
UPDATE wide SET c1 = NULL, c2 = NULL;
BEGIN;
SELECT start_backfill('wide', 'c1', 'a') > 0 AS started;
ROLLBACK;
SELECT count(*) AS jobs FROM backfill.jobs WHERE state = 'queued';
BEGIN;
SAVEPOINT s;
SELECT start_backfill('wide', 'c1', 'a') > 0 AS started;
ROLLBACK TO SAVEPOINT s;
SAVEPOINT t;
SELECT start_backfill('wide', 'c2', 'a') AS job \gset
RELEASE SAVEPOINT t;
SELECT workers FROM job_workers;
COMMIT;
SELECT wait_backfill(:job);
SELECT count(c1) AS c1_filled, count(c2) AS c2_filled FROM wide;
SELECT column_name, state FROM backfill.jobs WHERE job_id > 20 ORDER BY job_id;

-- resume_backfill too: the worker starts at commit.
UPDATE wide SET c3 = NULL;
BEGIN;
SELECT start_backfill('wide', 'c3', 'a') AS job \gset
SELECT pause_backfill(:job);
COMMIT;
BEGIN;
SELECT resume_backfill(:job);
SELECT workers FROM job_workers;
COMMIT;
SELECT wait_backfill(:job);
SELECT count(c3) AS c3_filled FROM wide;

-- A transaction that started a job cannot be prepared (its workers would
-- have to start in the session that commits it).
BEGIN;
SELECT start_backfill('wide', 'c4', 'a') > 0 AS started;
PREPARE TRANSACTION 'backfill';
ROLLBACK PREPARED 'backfill';
SELECT count(*) AS jobs FROM backfill.jobs WHERE column_name = 'c4' AND state = 'queued';

\c - :superuser
DROP VIEW job_workers;
DROP FUNCTION wait_for(text);
-- A transaction that starts and cancels a job, then drops the extension,
-- commits (nothing to start).
BEGIN;
SELECT start_backfill('wide', 'c5', 'a') AS job \gset
SELECT cancel_backfill(:job);
DROP EXTENSION pg_backfill;
COMMIT;
DROP TABLE wide;
DROP ROLE regress_backfill_many;
