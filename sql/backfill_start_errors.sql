-- start_backfill checks everything before it queues a job, and leaves
-- nothing behind when a check fails.
CREATE EXTENSION pg_backfill;
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, b text, c bigint,
                g integer GENERATED ALWAYS AS (a * 2) STORED,
                i integer GENERATED ALWAYS AS IDENTITY, arr integer[]);
INSERT INTO t (id, a) SELECT g, g FROM generate_series(1, 100) g;
CREATE VIEW v AS SELECT * FROM t;
CREATE SEQUENCE s;
CREATE TABLE nokey (a integer, c bigint);
CREATE TABLE nullable_unique (a integer UNIQUE, c bigint);
CREATE TABLE partial_unique (a integer NOT NULL, c bigint);
CREATE UNIQUE INDEX ON partial_unique (a) WHERE a > 0;
CREATE TABLE expr_unique (a integer NOT NULL, c bigint);
CREATE UNIQUE INDEX ON expr_unique ((a + 1));
CREATE TEMP TABLE tmp (id integer PRIMARY KEY, c bigint);

-- NULL arguments
SELECT start_backfill(NULL, 'c', 'a');
SELECT start_backfill('t', NULL, 'a');
SELECT start_backfill('t', 'c', NULL);
SELECT start_backfill('t', 'c', 'a', only_null => NULL);
-- missing relation and column
SELECT start_backfill('missing', 'c', 'a');
SELECT start_backfill(12345678::oid::regclass, 'c', 'a');
SELECT start_backfill('t', 'missing', 'a');
-- wrong relation kinds
SELECT start_backfill('v', 'c', 'a');
SELECT start_backfill('s', 'c', 'a');
SELECT start_backfill('t_pkey', 'c', 'a');
SELECT start_backfill('pg_class', 'relname', 'relname');
SELECT start_backfill('tmp', 'c', 'id');
-- tables of an extension: pg_backfill's own job table, and any table made a
-- member of an extension
SELECT start_backfill('backfill.jobs', 'state', '''queued''', only_null => false);
CREATE TABLE member (id integer PRIMARY KEY, c bigint);
ALTER EXTENSION pg_backfill ADD TABLE member;
SELECT start_backfill('member', 'c', 'id');
ALTER EXTENSION pg_backfill DROP TABLE member;
DROP TABLE member;
-- columns that cannot be backfilled
SELECT start_backfill('t', 'ctid', 'a');
SELECT start_backfill('t', 'xmin', 'a');
SELECT start_backfill('t', 'g', 'a');
SELECT start_backfill('t', 'i', 'a');
SELECT start_backfill('t', 'id', 'a');
-- expressions
SELECT start_backfill('t', 'c', '');
SELECT start_backfill('t', 'c', 'a +');
SELECT start_backfill('t', 'c', 'a, 2');
SELECT start_backfill('t', 'c', 'a) FROM t WHERE (true');
SELECT start_backfill('t', 'c', 'a); DROP TABLE t; SELECT (1');
SELECT start_backfill('t', 'c', 'a) AS x, (1');
SELECT start_backfill('t', 'c', 'a) ORDER BY (1');
SELECT start_backfill('t', 'c', 'a) UNION SELECT (1');
SELECT start_backfill('t', 'c', 'a) FOR UPDATE --');
SELECT start_backfill('t', 'c', 'nosuchcolumn + 1');
SELECT start_backfill('t', 'c', 'other.a');
SELECT start_backfill('t', 'c', 'count(*)');
SELECT start_backfill('t', 'c', 'sum(a) OVER ()');
SELECT start_backfill('t', 'c', 'generate_series(1, a)');
SELECT start_backfill('t', 'c', '(SELECT max(a) FROM t)');
SELECT start_backfill('t', 'c', 'a + (SELECT 1)');
SELECT start_backfill('t', 'c', 'EXISTS (SELECT 1)::int');
SELECT start_backfill('t', 'c', '$1');
SELECT start_backfill('t', 'c', 'nosuchfunction(a)');
-- types: assignment casts are accepted, others are not
SELECT start_backfill('t', 'c', 'now()');
SELECT start_backfill('t', 'c', 'b || ''x''');
SELECT start_backfill('t', 'arr', 'a');
SELECT start_backfill('t', 'c', '''not a number''');
-- keys
-- Without a primary key or a unique index over NOT NULL columns a table is
-- walked by physical position (strategy tid).
BEGIN;
SELECT count(*) AS started FROM (VALUES (start_backfill('nokey', 'c', 'a')), (start_backfill('nullable_unique', 'c', 'a')),
                                        (start_backfill('partial_unique', 'c', 'a')), (start_backfill('expr_unique', 'c', 'a'))) j;
SELECT relation, strategy FROM backfill_status() ORDER BY relation::text;
ROLLBACK;
-- strategy: 'key', 'tid' or NULL; 'key' needs a key
SELECT start_backfill('t', 'c', 'a', strategy => 'random');
SELECT start_backfill('nokey', 'c', 'a', strategy => 'key');
-- options
SELECT start_backfill('t', 'c', 'a', batch_size => 0);
SELECT start_backfill('t', 'c', 'a', batch_size => -5);
SELECT start_backfill('t', 'c', 'a', batch_size => 10000001);
SELECT start_backfill('t', 'c', 'a', lock_timeout => '0');
SELECT start_backfill('t', 'c', 'a', lock_timeout => '-1s');
SELECT start_backfill('t', 'c', 'a', lock_timeout => '1 year');
SELECT start_backfill('t', 'c', 'a', batch_delay => '-1 ms');
-- nothing was queued by any of the above
SELECT count(*) FROM backfill.jobs;

-- a duplicate active job on the same column
BEGIN;
SELECT start_backfill('t', 'c', 'a', batch_delay => '1h') AS job \gset
SELECT start_backfill('t', 'c', 'a + 1');
ROLLBACK;
BEGIN;
SELECT start_backfill('t', 'c', 'a', batch_delay => '1h') AS job \gset
SELECT cancel_backfill(:job);
-- a cancelled job no longer holds the column
SELECT start_backfill('t', 'c', 'a') > :job AS queued_again;
ROLLBACK;
-- a rolled-back start leaves nothing
SELECT count(*) FROM backfill.jobs;

DROP TABLE t, nokey, nullable_unique, partial_unique, expr_unique CASCADE;
DROP SEQUENCE s;
DROP EXTENSION pg_backfill;
