-- Names in a job are fixed when start_backfill runs. Its expression is
-- deparsed fully qualified (as pg_dump deparses), the worker plans every batch
-- with search_path = pg_catalog, pg_temp, and the batch statements compare
-- keys with the key index's own operators, written OPERATOR(schema.name).
-- A role that may create objects in a schema of a superuser's search_path
-- plants look-alikes that would make it a superuser if they ever ran as one;
-- none of them runs, before or after the worker re-plans its statements.
CREATE EXTENSION pg_backfill;
CREATE ROLE regress_backfill_mallory LOGIN;
GRANT CREATE ON SCHEMA public TO regress_backfill_mallory;
-- Every planted object that runs leaves a row here.
CREATE TABLE planted_log (who text, what text);
GRANT INSERT ON planted_log TO PUBLIC;
\i sql/helpers/wait_for.sql
-- Waits until a job's worker waits for advisory lock `gate` (held by this
-- session) and returns the statement it is running.
CREATE FUNCTION statement_at_gate(job bigint, gate bigint) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	-- Waiting longer than the 5 ms a walk batch's plain UPDATE may wait for
	-- a lock: the worker has switched to the SKIP LOCKED statement.
	IF NOT wait_for(format('EXISTS (SELECT FROM pg_locks WHERE locktype = %L AND objid = %s AND NOT granted'
	                       ' AND waitstart < clock_timestamp() - interval %L)', 'advisory', gate, '100 ms')) THEN
		RETURN 'the worker never reached the gate';
	END IF;
	RETURN (SELECT a.query FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
	        WHERE a.application_name = 'pg_backfill job ' || job AND l.locktype = 'advisory' AND l.objid = gate
	          AND NOT l.granted);
END
$$;
-- The scans in the plan of `statement` (plain, bitmap or index-only scans of
-- an index all read "index <name>"), as a custom and as a generic plan.
CREATE FUNCTION scans_of(statement text) RETURNS TABLE (plan text, scans text) LANGUAGE plpgsql AS $$
DECLARE
	line text;
	found text[];
BEGIN
	FOREACH plan IN ARRAY ARRAY['force_custom_plan', 'force_generic_plan'] LOOP
		PERFORM set_config('plan_cache_mode', plan, true);
		found := '{}';
		FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || statement LOOP
			IF line ~ 'Seq Scan on ' THEN
				found := found || ('seq scan on ' || substring(line FROM 'Seq Scan on (\S+)'));
			ELSIF line ~ 'Index (Only )?Scan (using|on) ' THEN
				found := found || ('index ' || substring(line FROM 'Index (?:Only )?Scan (?:using|on) (\S+)'));
			END IF;
		END LOOP;
		scans := array_to_string(found, ', ');
		RETURN NEXT;
	END LOOP;
END
$$;

-- The application's own schema, in the superuser's search_path after public.
CREATE SCHEMA app;
-- tag(a) = a * 10; a batch that reaches a = 150 waits while this session
-- holds advisory lock 4242.
CREATE FUNCTION app.tag(integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	IF $1 = 150 THEN
		PERFORM pg_catalog.pg_advisory_xact_lock_shared(4242::bigint);
	END IF;
	RETURN $1 * 10;
END
$$;
-- gate(a) = a; a batch that reaches a = 1500 waits for advisory lock 4243.
CREATE FUNCTION app.gate(integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	IF $1 = 1500 THEN
		PERFORM pg_catalog.pg_advisory_xact_lock_shared(4243::bigint);
	END IF;
	RETURN $1;
END
$$;
CREATE FUNCTION app.plus(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE OPERATOR app.## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = app.plus);
CREATE DOMAIN app.posint AS integer CHECK (VALUE > 0);
CREATE COLLATION app.bytewise FROM "C";

CREATE TABLE st3 (id integer PRIMARY KEY, a integer NOT NULL, w text, c integer, d integer);
INSERT INTO st3 SELECT g, g, 'W' || g FROM generate_series(1, 300) g;

-- The deparse names every function, operator, type and collation outside
-- pg_catalog with its schema; pg_catalog's own stay bare.
SET search_path = public, app;
BEGIN;
SELECT start_backfill('st3', 'c', 'tag(a) + 1') AS j1, start_backfill('st3', 'd', 'a ## 2 ## a') AS j2,
       start_backfill('st3', 'w', 'lower(w COLLATE bytewise) || a::posint') AS j3 \gset
SELECT job_id - :j1 AS job, expression, expression_sql FROM backfill.jobs ORDER BY job_id;
ROLLBACK;
RESET search_path;

-- 1. The function named in the expression: public.tag(integer), planted
-- after start_backfill, comes first in the search_path the superuser had.
-- Job "paused" runs its first batch (rows 1-200), then is paused; job
-- "analyzed" stops at the gate in its second batch (rows 101-200).
SET search_path = public, app;
SELECT start_backfill('st3', 'd', 'tag(a)', batch_size => 200, batch_delay => '1 h') AS paused \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill_status(%s))', :paused));
SELECT pause_backfill(:paused);
SELECT wait_backfill(:paused);
SELECT pg_advisory_lock(4242);
SELECT start_backfill('st3', 'c', 'tag(a)', batch_size => 100, lock_timeout => '1 min') AS analyzed \gset
RESET search_path;
SELECT statement_at_gate(:analyzed, 4242);

SET ROLE regress_backfill_mallory;
CREATE FUNCTION public.tag(integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.planted_log VALUES (current_user, 'public.tag');
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER ROLE regress_backfill_mallory SUPERUSER;
	END IF;
	RETURN -1;
END
$$;
RESET ROLE;

-- ANALYZE invalidates the worker's kept plans: its third batch (rows
-- 201-300) runs a plan re-made from the statement text after the planting.
ANALYZE st3;
SELECT pg_advisory_unlock(4242);
SELECT wait_backfill(:analyzed);
-- pause/resume: a new worker plans every statement after the planting.
SELECT resume_backfill(:paused);
SELECT wait_backfill(:paused);
SELECT count(*) FILTER (WHERE c = a * 10) AS c_right, count(*) FILTER (WHERE d = a * 10) AS d_right FROM st3;
SELECT what, count(*) FROM planted_log GROUP BY what ORDER BY what;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_backfill_mallory';

-- 2. The key comparisons: OPERATOR public.> (varchar, varchar) is an exact
-- match for a varchar key where pg_catalog's > takes text, so it would win
-- for "k > $1" under the default search_path ("$user", public). mallory
-- plants all five btree comparison operators.
SET ROLE regress_backfill_mallory;
CREATE FUNCTION public.planted_cmp(l varchar, r varchar, op text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	result boolean;
BEGIN
	INSERT INTO public.planted_log VALUES (current_user, 'public.' || op);
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER ROLE regress_backfill_mallory SUPERUSER;
	END IF;
	EXECUTE format('SELECT $1::text OPERATOR(pg_catalog.%s) $2::text', op) INTO result USING l, r;
	RETURN result;
END
$$;
CREATE FUNCTION public.planted_lt(varchar, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT public.planted_cmp($1, $2, ''<'')';
CREATE FUNCTION public.planted_le(varchar, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT public.planted_cmp($1, $2, ''<='')';
CREATE FUNCTION public.planted_eq(varchar, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT public.planted_cmp($1, $2, ''='')';
CREATE FUNCTION public.planted_ge(varchar, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT public.planted_cmp($1, $2, ''>='')';
CREATE FUNCTION public.planted_gt(varchar, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT public.planted_cmp($1, $2, ''>'')';
CREATE OPERATOR public.< (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.planted_lt);
CREATE OPERATOR public.<= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.planted_le);
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.planted_eq);
CREATE OPERATOR public.>= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.planted_ge);
CREATE OPERATOR public.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.planted_gt);
RESET ROLE;
SHOW search_path;
CREATE TABLE vk (k varchar(20) PRIMARY KEY, a integer, c integer);
INSERT INTO vk SELECT lpad(g::text, 6, '0'), g FROM generate_series(1, 300) g;
SELECT start_backfill('vk', 'c', 'a', batch_size => 100) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM vk WHERE c IS DISTINCT FROM a;
SELECT what, count(*) FROM planted_log GROUP BY what ORDER BY what;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_backfill_mallory';

-- 3. The statements the worker runs, read from pg_stat_activity while the
-- second batch's UPDATE waits at a gate in the expression, and their plans
-- on 100,000 rows: the key index is scanned. A single varchar key (with
-- mallory's operators still there):
CREATE TABLE vk_big (k varchar(20) PRIMARY KEY, a integer, c integer);
INSERT INTO vk_big SELECT lpad(g::text, 6, '0'), g FROM generate_series(1, 100000) g;
ANALYZE vk_big;
SELECT pg_advisory_lock(4243);
SELECT start_backfill('vk_big', 'c', 'app.gate(a)', batch_size => 1000, lock_timeout => '1 min') AS job \gset
SELECT statement_at_gate(:job, 4243) AS update_vk \gset
\echo :update_vk
SELECT pg_advisory_unlock(4243);
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM vk_big WHERE c IS DISTINCT FROM a;
PREPARE update_vk(varchar, varchar) AS :update_vk;
SELECT * FROM scans_of($$EXECUTE update_vk('050000', '051000')$$);
DEALLOCATE update_vk;

-- Composite keys. All columns' operators in pg_catalog: row comparisons
-- with the qualified operator.
CREATE TABLE ck (k1 integer, k2 text, a integer, c integer, PRIMARY KEY (k1, k2));
INSERT INTO ck SELECT g / 10, 'k' || g % 10, g FROM generate_series(1, 100000) g;
ANALYZE ck;
SELECT pg_advisory_lock(4243);
SELECT start_backfill('ck', 'c', 'app.gate(a)', batch_size => 1000, lock_timeout => '1 min') AS job \gset
SELECT statement_at_gate(:job, 4243) AS update_ck \gset
\echo :update_ck
SELECT pg_advisory_unlock(4243);
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM ck WHERE c IS DISTINCT FROM a;
PREPARE update_ck(integer, text, integer, text) AS :update_ck;
SELECT * FROM scans_of($$EXECUTE update_ck(5000, 'k0', 5100, 'k0')$$);
DEALLOCATE update_ck;

-- A key column whose type's btree operators live in schema app: its
-- operators are app's, the others pg_catalog's, so the bounds are written as
-- the lexicographic expansion, led by a bound on the first column that the
-- index can use.
CREATE TYPE app.myint;
CREATE FUNCTION app.myint_in(cstring) RETURNS app.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION app.myint_out(app.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE TYPE app.myint (INPUT = app.myint_in, OUTPUT = app.myint_out, LIKE = integer);
CREATE FUNCTION app.myint_lt(app.myint, app.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4lt';
CREATE FUNCTION app.myint_le(app.myint, app.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4le';
CREATE FUNCTION app.myint_eq(app.myint, app.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
CREATE FUNCTION app.myint_ge(app.myint, app.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4ge';
CREATE FUNCTION app.myint_gt(app.myint, app.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4gt';
CREATE FUNCTION app.myint_cmp(app.myint, app.myint) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'btint4cmp';
CREATE OPERATOR app.< (LEFTARG = app.myint, RIGHTARG = app.myint, FUNCTION = app.myint_lt,
                       RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR app.<= (LEFTARG = app.myint, RIGHTARG = app.myint, FUNCTION = app.myint_le,
                        RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR app.= (LEFTARG = app.myint, RIGHTARG = app.myint, FUNCTION = app.myint_eq,
                       RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR app.>= (LEFTARG = app.myint, RIGHTARG = app.myint, FUNCTION = app.myint_ge,
                        RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR app.> (LEFTARG = app.myint, RIGHTARG = app.myint, FUNCTION = app.myint_gt,
                       RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS app.myint_ops DEFAULT FOR TYPE app.myint USING btree AS
	OPERATOR 1 app.<, OPERATOR 2 app.<=, OPERATOR 3 app.=, OPERATOR 4 app.>=, OPERATOR 5 app.>,
	FUNCTION 1 app.myint_cmp(app.myint, app.myint);
CREATE TABLE mk (k1 integer, k2 app.myint, a integer, c integer, PRIMARY KEY (k1, k2));
INSERT INTO mk SELECT g / 10, (g % 10)::text::app.myint, g FROM generate_series(1, 100000) g;
ANALYZE mk;
SELECT pg_advisory_lock(4243);
SELECT start_backfill('mk', 'c', 'app.gate(a)', batch_size => 1000, lock_timeout => '1 min') AS job \gset
SELECT statement_at_gate(:job, 4243) AS update_mk \gset
\echo :update_mk
SELECT pg_advisory_unlock(4243);
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM mk WHERE c IS DISTINCT FROM a;
PREPARE update_mk(integer, app.myint, integer, app.myint) AS :update_mk;
SELECT * FROM scans_of($$EXECUTE update_mk(5000, '0', 5100, '0')$$);
DEALLOCATE update_mk;

SELECT what, count(*) FROM planted_log GROUP BY what ORDER BY what;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_backfill_mallory';

-- Constants are deparsed as pg_dump writes them (DateStyle ISO, IntervalStyle
-- postgres, extra_float_digits 3), so the worker, whatever its own settings,
-- reads back the values the caller meant.
CREATE TABLE consts (id integer PRIMARY KEY, d date, i interval, f float8);
INSERT INTO consts SELECT g FROM generate_series(1, 3) g;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -15;
SELECT start_backfill('consts', 'd', $$'02/01/2024'::date$$) AS jd,
       start_backfill('consts', 'i', $$'-1 2:03:04'::interval$$) AS ji,
       start_backfill('consts', 'f', $$'0.123456789'::float8$$) AS jf \gset
SELECT column_name, expression, expression_sql FROM backfill.jobs WHERE job_id >= :jd ORDER BY job_id;
SELECT wait_backfill(:jd), wait_backfill(:ji), wait_backfill(:jf);
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;
SELECT count(*) FILTER (WHERE d = '2024-01-02') AS d_right, count(*) FILTER (WHERE i = '-1 days -02:03:04') AS i_right,
       count(*) FILTER (WHERE f = 0.123456789) AS f_right
FROM consts;

SET client_min_messages = warning;
DROP EXTENSION pg_backfill;
DROP TABLE st3, vk, vk_big, ck, mk, consts, planted_log;
DROP SCHEMA app CASCADE;
DROP FUNCTION wait_for(text), statement_at_gate(bigint, bigint), scans_of(text);
DROP OWNED BY regress_backfill_mallory;
REVOKE CREATE ON SCHEMA public FROM regress_backfill_mallory;
DROP ROLE regress_backfill_mallory;
RESET client_min_messages;
