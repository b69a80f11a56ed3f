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

-- Every DROP route that would remove an active job's table, column or key
-- index is refused like DROP TABLE, found through the objects the statement
-- drops and what depends on them (pg_depend), not by the statement's kind.
CREATE ROLE regress_guard_jobs_owner;
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE FUNCTION app.positive(integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE DOMAIN app.posint AS integer CHECK (app.positive(VALUE));
CREATE COLLATION app.bytewise (provider = libc, locale = 'C');
CREATE TABLE app.routed (id bigint PRIMARY KEY, m app.mood, p app.posint, t text COLLATE app.bytewise,
                         n integer, k integer NOT NULL);
CREATE INDEX routed_n ON app.routed (n);
INSERT INTO app.routed (id, k) SELECT g, g FROM generate_series(1, 400) g;
CREATE TABLE parent (id bigint PRIMARY KEY, v integer);
CREATE TABLE child (w integer) INHERITS (parent);
ALTER TABLE child ADD PRIMARY KEY (id);
CREATE TABLE owned (id bigint PRIMARY KEY, v integer);
ALTER TABLE owned OWNER TO regress_guard_jobs_owner;
SELECT setval(pg_get_serial_sequence('backfill.jobs', 'job_id'), 50);
BEGIN;
SELECT start_backfill('app.routed', 'm', '''ok''') AS mood_job,
       start_backfill('app.routed', 'p', 'k') AS posint_job,
       start_backfill('app.routed', 't', 'k::text') AS collated_job,
       start_backfill('child', 'v', 'w') AS child_job,
       start_backfill('owned', 'v', 'id') AS owned_job \gset
SELECT count(pause_backfill(job_id)) FROM backfill.jobs WHERE state = 'queued';
COMMIT;
-- the job's table, through its schema, its parent, its owner
DROP SCHEMA app CASCADE;
DROP TABLE parent CASCADE;
DROP OWNED BY regress_guard_jobs_owner CASCADE;
-- the job's column, through its type, its domain, its collation
DROP TYPE app.mood CASCADE;
DROP DOMAIN app.posint CASCADE;
DROP COLLATION app.bytewise CASCADE;
-- the key index, through the key column
ALTER TABLE app.routed DROP COLUMN id CASCADE;
ALTER TABLE app.routed DROP COLUMN id;
-- the job table itself: pg_backfill with active jobs
DROP EXTENSION pg_backfill;
DROP EXTENSION pg_backfill CASCADE;
DROP SCHEMA backfill CASCADE;
-- a parent's ALTER COLUMN TYPE and rewrites reach the job's partition or
-- inheritance child (ONLY does not recurse: PostgreSQL refuses it itself)
CREATE TABLE pt (id bigint PRIMARY KEY, v integer) PARTITION BY RANGE (id);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (1) TO (100000);
INSERT INTO pt SELECT g, g FROM generate_series(1, 400) g;
BEGIN;
SELECT start_backfill('pt_1', 'v', 'id') AS part_job \gset
SELECT pause_backfill(:part_job);
COMMIT;
ALTER TABLE pt ALTER COLUMN v TYPE bigint;
ALTER TABLE parent ALTER COLUMN v TYPE bigint;
ALTER TABLE pt ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE parent ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE pt DROP COLUMN v;
SELECT cancel_backfill(:part_job);
DROP TABLE pt;
-- DROP INDEX CONCURRENTLY too (it runs outside a transaction block)
DROP INDEX CONCURRENTLY app.routed_pkey;
DROP INDEX CONCURRENTLY app.routed_n;
-- without CASCADE nothing but the named object goes: PostgreSQL's own error
DROP TYPE app.mood;
-- a CASCADE that takes only what no job needs passes: the domain's
-- constraint goes with its function, the column stays
DROP FUNCTION app.positive(integer) CASCADE;
SELECT count(*) FROM backfill.jobs WHERE state = 'paused';
-- once the jobs are cancelled, everything goes
-- A job with a sync trigger: dropping or disabling the trigger while the job
-- is active would leave rows written meanwhile unfilled.
CREATE TABLE synced (id int PRIMARY KEY, a int, c int);
INSERT INTO synced SELECT g, g FROM generate_series(1, 100) g;
BEGIN;
SELECT start_backfill('synced', 'c', 'a', sync => true) AS synced_job \gset
SELECT pause_backfill(:synced_job);
COMMIT;
SELECT t.tgname AS sync_trigger FROM backfill.jobs j JOIN pg_trigger t ON t.oid = j.sync_trigger
 WHERE j.job_id = :synced_job \gset
\set VERBOSITY terse
DROP TRIGGER :"sync_trigger" ON synced;
\set VERBOSITY default
DROP TRIGGER :"sync_trigger" ON synced;
ALTER TABLE synced DISABLE TRIGGER :"sync_trigger";
ALTER TABLE synced DISABLE TRIGGER ALL;
ALTER TABLE synced DISABLE TRIGGER USER;
-- other triggers on the table are not the job's business
CREATE FUNCTION synced_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER synced_other BEFORE INSERT ON synced FOR EACH ROW EXECUTE FUNCTION synced_noop();
DROP TRIGGER synced_other ON synced;
-- once the job is cancelled (which drops its trigger), nothing is refused
SELECT cancel_backfill(:synced_job);
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'synced'::regclass;
DROP TABLE synced;
DROP FUNCTION synced_noop();

-- A job's batch holds its table lock: with lock_timeout = 0, DDL that would
-- break the job is refused as such (55006, with the cancel hint), not as a
-- lock-queue hazard about the batch; other DDL gets the lock-queue report,
-- which names the holder's backend type. The batch is held in the
-- expression by a gate this session opens.
\i sql/helpers/wait_for.sql
CREATE TABLE gate (open boolean NOT NULL);
INSERT INTO gate VALUES (false);
CREATE FUNCTION gated(v int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  WHILE NOT (SELECT open FROM public.gate) LOOP
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN v;
END$$;
CREATE TABLE held (id int PRIMARY KEY, a int, c int);
INSERT INTO held SELECT g, g FROM generate_series(1, 100) g;
SELECT start_backfill('held', 'c', 'gated(a)') AS held_job \gset
SELECT wait_for($$(SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                   WHERE a.backend_type = 'pg_backfill worker' AND l.relation = 'held'::regclass AND l.granted)$$);
CREATE FUNCTION try_ddl(stmt text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE stmt;
  RAISE NOTICE 'ran: %', stmt;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '% %: % | %', SQLSTATE, stmt, regexp_replace(SQLERRM, 'job [0-9]+', 'job N'),
    regexp_replace(regexp_replace(d, 'pid [0-9]+', 'pid N'), 'open for [0-9.]+ s', 'open for N s');
END$$;
SET pg_backfill.guard = block;
SET lock_timeout = 0;
SELECT try_ddl('ALTER TABLE held DROP COLUMN c');
SELECT try_ddl('ALTER TABLE held ADD COLUMN z int');
RESET lock_timeout;
RESET pg_backfill.guard;
UPDATE gate SET open = true;
SELECT wait_backfill(:held_job);
SELECT count(*) FILTER (WHERE c = a) AS filled FROM held;
DROP TABLE held, gate;
DROP FUNCTION gated(int), try_ddl(text), wait_for(text);

SELECT count(cancel_backfill(job_id)) FROM backfill.jobs WHERE state = 'paused';
DROP SCHEMA app CASCADE;
DROP TABLE parent CASCADE;
DROP OWNED BY regress_guard_jobs_owner CASCADE;
DROP ROLE regress_guard_jobs_owner;
