-- What a job's worker may never do, whatever its users and the table's
-- other sessions do: act with the rights of its login role instead of its
-- owner's, write to a relation or column other than the one it follows,
-- misread its checkpoint under another session's settings, or fail to run
-- for a login role whose sessions default to read-only.
CREATE EXTENSION pg_backfill;
\i sql/helpers/wait_for.sql
SELECT current_user AS superuser \gset

-- RESET ROLE inside the expression cannot reach the login role. alice's
-- SECURITY DEFINER function starts the job, a superuser calls it: the job's
-- owner is alice, its login role the superuser. The expression runs as alice
-- in a security-restricted operation, where changing the role is refused.
CREATE ROLE regress_safety_alice LOGIN;
CREATE TABLE sr (id integer PRIMARY KEY, a integer, who text);
INSERT INTO sr SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE sr OWNER TO regress_safety_alice;
CREATE SCHEMA alice AUTHORIZATION regress_safety_alice;
SET ROLE regress_safety_alice;
CREATE FUNCTION alice.escape_to_login_role(integer) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('role', 'none', true); -- RESET ROLE
	RETURN current_user;
END
$$;
CREATE FUNCTION alice.starts() RETURNS bigint LANGUAGE sql SECURITY DEFINER
AS $$ SELECT start_backfill('sr', 'who', 'alice.escape_to_login_role(a)') $$;
RESET ROLE;
SELECT alice.starts() AS job \gset
SELECT owner FROM backfill_status(:job);
SELECT wait_backfill(:job);
SELECT state, last_error FROM backfill_status(:job);
SELECT count(*) AS written_as_login_role FROM sr WHERE who = :'superuser';

-- A table swap mid-job (what pg_repack and online schema change tools do),
-- then a column swap: the worker follows its relation by OID and its column
-- by number, and never fills the table or column that took the old names.
CREATE TABLE orders (id integer PRIMARY KEY, a integer NOT NULL, c integer);
CREATE TABLE orders_new (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
INSERT INTO orders_new SELECT g, g FROM generate_series(1, 100) g;
-- One batch, then the worker sleeps pg_backfill.batch_delay until a reload.
ALTER SYSTEM SET pg_backfill.batch_delay = '1h';
SELECT pg_reload_conf();
SELECT start_backfill('orders', 'c', 'a', batch_size => 10) AS job \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = %s)', :job));
ALTER TABLE orders RENAME TO orders_old;
ALTER TABLE orders_new RENAME TO orders;
ALTER TABLE orders_old RENAME COLUMN c TO c_old;
ALTER TABLE orders_old ADD COLUMN c integer;
ALTER SYSTEM RESET pg_backfill.batch_delay;
SELECT pg_reload_conf();
SELECT wait_backfill(:job);
SELECT count(*) FILTER (WHERE c_old = a) AS old_table_filled, count(c) AS new_column_filled FROM orders_old;
SELECT count(c) AS swapped_in_table_filled FROM orders;
SELECT relation, column_name FROM backfill_status(:job);

-- Rows that appear behind the checkpoint without passing through the walk's
-- future: TRUNCATE and re-insert (the job sees the table's storage change and
-- walks it again from the start: restarts 1), or a partition attached whose
-- keys lie below the checkpoint (a partitioned table is walked leaf by leaf:
-- the new leaf is walked too, nothing starts over).
CREATE TABLE tr (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO tr SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE pt (id integer PRIMARY KEY, a integer NOT NULL, c integer) PARTITION BY RANGE (id);
CREATE TABLE pt_pos PARTITION OF pt FOR VALUES FROM (1) TO (1000);
INSERT INTO pt SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE pt_neg (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO pt_neg SELECT -g, g FROM generate_series(1, 50) g;
ALTER SYSTEM SET pg_backfill.batch_delay = '1h';
SELECT pg_reload_conf();
SELECT start_backfill('tr', 'c', 'a', batch_size => 10) AS tr_job \gset
SELECT start_backfill('pt', 'c', 'a', batch_size => 10) AS pt_job \gset
SELECT wait_for(format('(SELECT count(*) = 2 FROM backfill.jobs WHERE job_id IN (%s, %s) AND batches_done = 1)',
                       :tr_job, :pt_job));
TRUNCATE tr;
INSERT INTO tr SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE pt ATTACH PARTITION pt_neg FOR VALUES FROM (-1000) TO (1);
ALTER SYSTEM RESET pg_backfill.batch_delay;
SELECT pg_reload_conf();
SELECT wait_backfill(:tr_job), wait_backfill(:pt_job);
SELECT count(*) FILTER (WHERE c = a) AS filled, count(*) AS rows FROM tr;
SELECT count(*) FILTER (WHERE c = a) AS filled, count(*) AS rows FROM pt;
SELECT job_id = :tr_job AS truncated, restarts FROM backfill.jobs WHERE job_id IN (:tr_job, :pt_job) ORDER BY job_id;

-- A BEFORE UPDATE trigger that moves every updated row's key forward: the
-- walk ends at the largest key it saw when it started, so the job ends,
-- each row updated once.
CREATE TABLE mover (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO mover SELECT g, g FROM generate_series(1, 100) g;
CREATE FUNCTION move_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.id := NEW.id + 1000;
	RETURN NEW;
END
$$;
CREATE TRIGGER move_key BEFORE UPDATE ON mover FOR EACH ROW EXECUTE FUNCTION move_key();
SELECT start_backfill('mover', 'c', 'a', batch_size => 10, only_null => false) AS job \gset
SELECT wait_backfill(:job, '60 s');
SELECT count(*) FILTER (WHERE c = a) AS filled, min(id), max(id) FROM mover;

-- A float8 key whose values need 17 digits, for a login role whose sessions
-- print 15 (extra_float_digits = 0): the checkpoint is written and read
-- under fixed settings, so no row is updated twice and the job ends.
CREATE ROLE regress_safety_floaty LOGIN;
ALTER ROLE regress_safety_floaty SET extra_float_digits = 0;
CREATE TABLE fk (k float8 PRIMARY KEY, a integer NOT NULL, c integer, applied integer NOT NULL DEFAULT 0);
INSERT INTO fk SELECT g + 1.0 / 3, g FROM generate_series(1, 30) g;
CREATE FUNCTION count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.applied := OLD.applied + 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER count_apply BEFORE UPDATE OF c ON fk FOR EACH ROW EXECUTE FUNCTION count_apply();
GRANT SELECT, UPDATE ON fk TO regress_safety_floaty;
\c - regress_safety_floaty
SHOW extra_float_digits;
SELECT start_backfill('fk', 'c', 'a', batch_size => 10, only_null => false) AS job \gset
SELECT wait_backfill(:job, '60 s');
\c - :superuser
SELECT min(applied), max(applied), count(*) FILTER (WHERE c = a) AS filled FROM fk;

-- A login role whose sessions default to read-only still gets its job run:
-- the worker overrides session defaults that would break its transactions.
CREATE ROLE regress_safety_reader LOGIN;
ALTER ROLE regress_safety_reader SET default_transaction_read_only = on;
CREATE TABLE ro (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO ro SELECT g, g FROM generate_series(1, 100) g;
GRANT SELECT, UPDATE ON ro TO regress_safety_reader;
SET SESSION AUTHORIZATION regress_safety_reader;
SELECT start_backfill('ro', 'c', 'a') AS job \gset
RESET SESSION AUTHORIZATION;
SELECT wait_backfill(:job, '60 s');
SELECT count(*) FILTER (WHERE c = a) AS filled FROM ro;

DROP FUNCTION wait_for(text);
DROP EXTENSION pg_backfill;
DROP TABLE sr, orders, orders_old, tr, pt, mover, fk, ro;
DROP FUNCTION move_key();
DROP FUNCTION count_apply();
DROP OWNED BY regress_safety_alice;
DROP ROLE regress_safety_alice, regress_safety_floaty, regress_safety_reader;
