-- Permissions, row-level security on the job table, and the worker running
-- with its owner's rights and the objects its search_path named at start.
CREATE EXTENSION pg_backfill;
SELECT current_user AS superuser \gset
CREATE ROLE regress_backfill_alice LOGIN;
CREATE ROLE regress_backfill_bob LOGIN;
CREATE ROLE regress_backfill_carol LOGIN;
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, who text, c integer, d integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
ALTER TABLE t OWNER TO regress_backfill_alice;
GRANT SELECT ON t TO regress_backfill_carol;
GRANT UPDATE (d) ON t TO regress_backfill_carol;
CREATE SCHEMA alice_functions AUTHORIZATION regress_backfill_alice;

-- bob has no rights on t; carol may update only column d.
SET ROLE regress_backfill_bob;
SELECT start_backfill('t', 'c', 'a');
RESET ROLE;
SET ROLE regress_backfill_carol;
SELECT start_backfill('t', 'c', 'a');
BEGIN;
SELECT start_backfill('t', 'd', 'a') AS carol_job \gset
SELECT state, owner FROM backfill_status();
-- The worker runs as carol, not as the superuser that carol's session
-- logged in as: revoke carol's right before the worker starts (when this
-- transaction commits).
RESET ROLE;
REVOKE UPDATE (d) ON t FROM regress_backfill_carol;
COMMIT;
SELECT wait_backfill(:carol_job);
SELECT state, last_error, owner FROM backfill_status(:carol_job);
SELECT count(d) AS filled FROM t;

-- alice logs in herself; her job runs as her, calling the function her
-- search_path found when she started it.
\c - regress_backfill_alice
CREATE FUNCTION alice_functions.tenfold(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 10';
SET search_path = alice_functions, public;
SELECT start_backfill('t', 'c', 'tenfold(a)') AS alice_job \gset
RESET search_path;
SELECT start_backfill('t', 'who', 'current_user') AS who_job \gset
SELECT wait_backfill(:alice_job), wait_backfill(:who_job);
SELECT count(*) FILTER (WHERE c = a * 10) AS tenfold, count(*) FILTER (WHERE who = 'regress_backfill_alice') AS as_alice
FROM t;
SELECT job_id = :alice_job AS alice_job, expression, state, owner FROM backfill_status() ORDER BY job_id;
-- alice owns t, so she also sees carol's (failed) job on it, and the commands
-- reach it.
SELECT count(*) FROM backfill.jobs;
SELECT pause_backfill(:carol_job);
SELECT wait_backfill(:carol_job);
-- Nobody writes the job table directly.
UPDATE backfill.jobs SET state = 'cancelled';
DELETE FROM backfill.jobs;
INSERT INTO backfill.jobs (relid, column_name, attnum, expression, expression_sql, key_index, key_columns,
                           only_null, owner, login_role, search_path)
VALUES ('t'::regclass, 'c', 4, 'a', 'a', 0, '{id}', true, 0, 0, '');

-- bob sees nothing: the jobs are invisible to him, also to the commands.
\c - regress_backfill_bob
SELECT count(*) FROM backfill_status();
SELECT pause_backfill(:alice_job);
SELECT resume_backfill(:carol_job);
SELECT cancel_backfill(:carol_job);
SELECT wait_backfill(:carol_job);

-- The superuser sees every job.
\c - :superuser
SELECT owner, state FROM backfill_status() ORDER BY job_id;
SELECT o.rolname AS owner, l.rolname = :'superuser' AS logged_in_as_superuser
FROM backfill.jobs j JOIN pg_roles o ON o.oid = j.owner JOIN pg_roles l ON l.oid = j.login_role
ORDER BY j.job_id;

-- A job whose login role lost LOGIN cannot get a worker (it would die at
-- connection): resuming it says so with 28000 instead of starting workers in
-- a loop. With LOGIN back, it resumes and finishes.
CREATE ROLE regress_backfill_dave LOGIN;
CREATE TABLE t_login (id integer PRIMARY KEY, a integer, c integer);
INSERT INTO t_login SELECT g, g FROM generate_series(1, 100) g;
GRANT SELECT, UPDATE ON t_login TO regress_backfill_dave;
SELECT setval(pg_get_serial_sequence('backfill.jobs', 'job_id'), 900);
\c - regress_backfill_dave
BEGIN;
SELECT start_backfill('t_login', 'c', 'a') AS dave_job \gset
SELECT pause_backfill(:dave_job);
COMMIT;
\c - :superuser
ALTER ROLE regress_backfill_dave NOLOGIN;
SET SESSION AUTHORIZATION regress_backfill_dave;
SELECT resume_backfill(:dave_job);
SELECT state FROM backfill_status(:dave_job);
RESET SESSION AUTHORIZATION;
ALTER ROLE regress_backfill_dave LOGIN;
\c - regress_backfill_dave
SELECT resume_backfill(:dave_job);
SELECT wait_backfill(:dave_job);
SELECT count(*) FROM t_login WHERE c IS DISTINCT FROM a;
\c - :superuser

-- The table's owner sees and controls every job on the table, also one of a
-- grantee that has since lost its right, or of a role that no longer exists;
-- nobody else sees them.
CREATE ROLE regress_backfill_erin LOGIN;
CREATE ROLE regress_backfill_owners;
GRANT regress_backfill_owners TO regress_backfill_bob;
CREATE ROLE regress_backfill_frank;
CREATE TABLE t_owned (id integer PRIMARY KEY, a integer, c integer, d integer, e integer, f integer);
INSERT INTO t_owned SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE t_owned OWNER TO regress_backfill_alice;
GRANT SELECT, UPDATE (c) ON t_owned TO regress_backfill_carol;
GRANT SELECT, UPDATE (d) ON t_owned TO regress_backfill_erin;
GRANT SELECT, UPDATE (f) ON t_owned TO regress_backfill_frank;
SELECT setval(pg_get_serial_sequence('backfill.jobs', 'job_id'), 950);
\c - regress_backfill_carol
BEGIN;
SELECT start_backfill('t_owned', 'c', 'a') AS carol_owned_job \gset
SELECT pause_backfill(:carol_owned_job);
COMMIT;
\c - regress_backfill_erin
BEGIN;
SELECT start_backfill('t_owned', 'd', 'a') AS erin_job \gset
SELECT pause_backfill(:erin_job);
COMMIT;
\c - :superuser
-- frank cannot log in; a superuser's session runs his job as him.
SET ROLE regress_backfill_frank;
BEGIN;
SELECT start_backfill('t_owned', 'f', 'a') AS frank_job \gset
SELECT pause_backfill(:frank_job);
COMMIT;
RESET ROLE;
DROP OWNED BY regress_backfill_frank;
DROP ROLE regress_backfill_frank;
BEGIN;
SELECT start_backfill('t_owned', 'e', 'a') AS superuser_job \gset
SELECT pause_backfill(:superuser_job);
COMMIT;
REVOKE UPDATE (c) ON t_owned FROM regress_backfill_carol;
-- erin leaves the company: her objects go to alice, her role is dropped.
REASSIGN OWNED BY regress_backfill_erin TO regress_backfill_alice;
DROP OWNED BY regress_backfill_erin;
DROP ROLE regress_backfill_erin;
-- bob neither owns the table nor started a job: he sees none of them.
\c - regress_backfill_bob
SELECT count(*) FROM backfill.jobs WHERE relid = 't_owned'::regclass;
SELECT cancel_backfill(:carol_owned_job);
-- carol sees her own job only.
\c - regress_backfill_carol
SELECT job_id - :carol_owned_job AS job, state FROM backfill_status() WHERE relation = 't_owned'::regclass;
-- alice, the table's owner, sees all four, resumes carol's job (it runs as
-- carol, who lost her right: the batch fails with 42501) ...
\c - regress_backfill_alice
SELECT column_name, state, owner = 'regress_backfill_carol' AS carol, owner LIKE 'unknown (OID=%)' AS dropped_owner
FROM backfill_status() WHERE relation = 't_owned'::regclass ORDER BY job_id;
SELECT resume_backfill(:carol_owned_job);
SELECT wait_backfill(:carol_owned_job);
SELECT count(c) AS filled FROM t_owned;
-- ... cannot resume the dropped role's job (the hint names no role) ...
-- (errors shown without the roles' OIDs)
CREATE FUNCTION pg_temp.try_resume(job bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	state text;
	message text;
	detail text;
	hint text;
BEGIN
	PERFORM resume_backfill(job);
	RETURN 'resumed';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
	                        hint = PG_EXCEPTION_HINT;
	RETURN format(E'%s: %s\nDETAIL: %s\nHINT: %s', state, regexp_replace(message, 'OID \d+', 'OID n'), detail, hint);
END
$$;
SELECT pg_temp.try_resume(:erin_job) AS erin;
SELECT pg_temp.try_resume(:frank_job) AS frank;
SELECT state FROM backfill_status() WHERE job_id IN (:erin_job, :frank_job);
-- ... and cancels them and the superuser's job; then the table is hers again.
SELECT cancel_backfill(:erin_job), cancel_backfill(:frank_job), cancel_backfill(:superuser_job);
SELECT wait_backfill(:superuser_job);
ALTER TABLE t_owned DROP COLUMN c, ALTER COLUMN d TYPE bigint, DROP COLUMN f;
VACUUM FULL t_owned;
DROP TABLE t_owned;
-- A member of the owning role has the owner's rights on the table's jobs.
\c - :superuser
CREATE TABLE t_group (id integer PRIMARY KEY, a integer, c integer);
INSERT INTO t_group SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE t_group OWNER TO regress_backfill_owners;
BEGIN;
SELECT start_backfill('t_group', 'c', 'a') AS group_job \gset
SELECT pause_backfill(:group_job);
COMMIT;
\c - regress_backfill_bob
SELECT state FROM backfill_status(:group_job);
SELECT cancel_backfill(:group_job);
DROP TABLE t_group;
\c - :superuser

-- Monitoring: pg_monitor members see every job of the database through
-- backfill_monitor(), without expressions or error messages; others may not
-- call it.
CREATE ROLE regress_backfill_watcher LOGIN IN ROLE pg_monitor;
SET ROLE regress_backfill_watcher;
SELECT count(*) > 0 AS sees_jobs, count(DISTINCT owner) > 1 AS of_several_owners FROM backfill_monitor();
SELECT count(*) AS visible_in_status FROM backfill_status();
RESET ROLE;
SET ROLE regress_backfill_bob;
SELECT count(*) FROM backfill_monitor();
RESET ROLE;
DROP ROLE regress_backfill_watcher;

DROP EXTENSION pg_backfill;
DROP TABLE t, t_login;
DROP SCHEMA alice_functions CASCADE;
DROP ROLE regress_backfill_alice, regress_backfill_bob, regress_backfill_carol, regress_backfill_dave,
          regress_backfill_owners;
