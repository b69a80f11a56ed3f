-- DDL guard: DDL that would break an active backfill job on its table is
-- refused with SQLSTATE 55006 (object_in_use), naming the job.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE jobs_target (id bigint PRIMARY KEY, v int, w int);
INSERT INTO jobs_target SELECT g, g, g FROM generate_series(1, 400) g;
-- A real job, started and paused in one transaction: at commit it no longer
-- wants a worker, so none starts and the job stays active with no batch
-- running. The job id is fixed for stable messages.
SELECT setval(pg_get_serial_sequence('backfill.jobs', 'job_id'), 41);
BEGIN;
SELECT start_backfill('jobs_target', 'v', 'id * 2') AS job \gset
SELECT pause_backfill(:job);
COMMIT;

\set VERBOSITY sqlstate
ALTER TABLE jobs_target DROP COLUMN v;
\set VERBOSITY default
ALTER TABLE jobs_target DROP COLUMN v;
ALTER TABLE jobs_target ALTER COLUMN v TYPE bigint;
ALTER TABLE jobs_target ADD COLUMN t uuid DEFAULT gen_random_uuid();
ALTER TABLE jobs_target DROP CONSTRAINT jobs_target_pkey;
DROP INDEX jobs_target_pkey;
VACUUM FULL jobs_target;
-- also when it names no table but would process this one
ALTER TABLE jobs_target CLUSTER ON jobs_target_pkey;
VACUUM FULL;
CLUSTER;
DROP TABLE jobs_target;

-- other DDL on the table passes (a paused job is active, as queued and running ones are)
ALTER TABLE jobs_target ADD COLUMN note text;
ALTER TABLE jobs_target DROP COLUMN w;

-- a cancelled job no longer protects the table
SELECT cancel_backfill(:job);
DROP TABLE jobs_target;
