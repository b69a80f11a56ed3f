-- DDL guard: DDL that would break an active backfill job on its table is
-- refused with SQLSTATE 55006 (object_in_use), naming the job.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
-- A stand-in for the job table of the backfill branch, with exactly the
-- columns the guard reads; created only if the extension has none.
DO $$
BEGIN
  IF to_regclass('backfill.jobs') IS NULL THEN
    CREATE TABLE backfill.jobs (job_id bigint, relid oid, attnum int2, key_index oid, state text);
  END IF;
END$$;
CREATE TABLE jobs_target (id bigint PRIMARY KEY, v int, w int);
INSERT INTO jobs_target SELECT g, g, g FROM generate_series(1, 400) g;
INSERT INTO backfill.jobs (job_id, relid, attnum, key_index, state)
  VALUES (42, 'jobs_target'::regclass, 2, 'jobs_target_pkey'::regclass, 'running');

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

-- other DDL on the table passes
ALTER TABLE jobs_target ADD COLUMN note text;
ALTER TABLE jobs_target DROP COLUMN w;

-- paused jobs count; finished ones do not
UPDATE backfill.jobs SET state = 'paused' WHERE job_id = 42;
DROP TABLE jobs_target;
UPDATE backfill.jobs SET state = 'done' WHERE job_id = 42;
DROP TABLE jobs_target;
DELETE FROM backfill.jobs WHERE job_id = 42;
