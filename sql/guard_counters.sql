-- guard_counters(): the guard's warnings, blocks and acknowledgements per
-- rule in this database since server start, readable by pg_monitor members.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE counters_t (id int);
INSERT INTO counters_t SELECT generate_series(1, 400);

-- one row per rule that can warn or block, with stable names
SELECT rule FROM guard_counters() ORDER BY rule;
SELECT count(DISTINCT stats_reset) = 1 AS one_reset_time,
       bool_and(stats_reset <= now()) AS reset_in_the_past,
       -- shared memory is set up just before the postmaster records its start
       bool_and(stats_reset > pg_postmaster_start_time() - interval '1 minute') AS reset_at_server_start
FROM guard_counters();

-- The counts move by what the guard does from here on (earlier tests in this
-- database counted too).
CREATE TEMP TABLE counters_before AS SELECT * FROM guard_counters();
CREATE TEMP VIEW counters_moved AS
SELECT c.rule, c.warned - b.warned AS warned, c.blocked - b.blocked AS blocked,
       c.acknowledged - b.acknowledged AS acknowledged
FROM guard_counters() c JOIN counters_before b USING (rule)
WHERE (c.warned, c.blocked, c.acknowledged) IS DISTINCT FROM (b.warned, b.blocked, b.acknowledged)
ORDER BY c.rule;

SET pg_backfill.guard = warn;
\set VERBOSITY terse
ALTER TABLE counters_t ADD COLUMN a uuid DEFAULT gen_random_uuid();
ALTER TABLE counters_t ADD COLUMN b float8 DEFAULT random(), ADD CONSTRAINT counters_pos CHECK (id > 0);
SET pg_backfill.guard = block;
CREATE INDEX counters_id ON counters_t (id);
ALTER TABLE counters_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
BEGIN;
SET LOCAL pg_backfill.allow_unsafe_ddl = on;
ALTER TABLE counters_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
COMMIT;
-- safe statements and explain_ddl() count nothing
ALTER TABLE counters_t ADD COLUMN d int;
SELECT count(*) FROM explain_ddl('CREATE INDEX counters_id2 ON counters_t (id)');
\set VERBOSITY default
RESET pg_backfill.guard;
SELECT * FROM counters_moved;

-- pg_monitor members may read the counters, other roles may not
CREATE ROLE counters_monitor IN ROLE pg_monitor;
CREATE ROLE counters_plain;
SET ROLE counters_monitor;
SELECT count(*) > 0 AS readable FROM guard_counters();
RESET ROLE;
SET ROLE counters_plain;
SELECT count(*) FROM guard_counters();
RESET ROLE;
DROP VIEW counters_moved;
DROP TABLE counters_t;
DROP ROLE counters_monitor;
DROP ROLE counters_plain;
