-- Backfills end to end: start, wait, every row correct, status; composite
-- and unique-index keys, partitioned tables, only_null, run-time errors.
CREATE EXTENSION pg_backfill;

-- Single-column primary key.
CREATE TABLE accounts (aid integer PRIMARY KEY, abalance integer NOT NULL, cents bigint);
INSERT INTO accounts SELECT g, g % 1000 - 500 FROM generate_series(1, 10000) g;
ANALYZE accounts;
SELECT start_backfill('accounts', 'cents', 'abalance::bigint * 100', batch_size => 1000) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM accounts WHERE cents IS DISTINCT FROM abalance::bigint * 100;
-- 10 full batches and a last, empty one
SELECT relation, column_name, expression, state, rows_done, rows_estimated, percent, batch_size, batches_done,
       lock_timeouts, last_error, owner = current_user AS own_job, eta, rate > 0 AS has_rate,
       started_at >= created_at AND finished_at >= started_at AS times_in_order
FROM backfill_status(:job);
SELECT key_columns, expression_sql, checkpoint, rows_updated, worker_pid FROM backfill.jobs WHERE job_id = :job;

-- only_null (the default) leaves values the application already wrote.
UPDATE accounts SET cents = CASE WHEN aid % 2 = 0 THEN -1 END;
SELECT start_backfill('accounts', 'cents', 'abalance::bigint * 100', batch_size => 3000) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) FILTER (WHERE cents = -1) AS kept, count(*) FILTER (WHERE cents = abalance::bigint * 100) AS filled
FROM accounts;
SELECT rows_done, batches_done FROM backfill_status(:job);
SELECT rows_updated FROM backfill.jobs WHERE job_id = :job;
-- only_null => false overwrites every row.
SELECT start_backfill('accounts', 'cents', 'abalance::bigint * 100', batch_size => 3000,
                                    only_null => false) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM accounts WHERE cents IS DISTINCT FROM abalance::bigint * 100;

-- A composite key from a unique index (no primary key), with text and
-- quoted identifiers, and a table smaller than one batch.
CREATE TABLE "Order Lines" ("Tenant" text NOT NULL, line integer NOT NULL, qty integer, price numeric,
                            "Total" numeric, UNIQUE ("Tenant", line));
INSERT INTO "Order Lines" SELECT 'tenant ' || (g % 7), g, g % 5, g / 10.0 FROM generate_series(1, 2000) g;
SELECT start_backfill('"Order Lines"', 'Total', 'qty * price', batch_size => 300) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM "Order Lines" WHERE "Total" IS DISTINCT FROM qty * price;
SELECT key_columns, expression_sql, checkpoint, batches_done FROM backfill.jobs WHERE relid = '"Order Lines"'::regclass;
SELECT start_backfill('"Order Lines"', 'Total', '0', batch_size => 5000, only_null => false) AS job \gset
SELECT wait_backfill(:job);
SELECT rows_done, batches_done FROM backfill_status() WHERE relation = '"Order Lines"'::regclass AND expression = '0';
-- The narrowest of several usable unique indexes is the key.
CREATE TABLE several (wide text NOT NULL UNIQUE, narrow smallint NOT NULL UNIQUE, c integer);
INSERT INTO several SELECT 'row ' || g, g, NULL FROM generate_series(1, 500) g;
SELECT start_backfill('several', 'c', 'narrow * 2', batch_size => 100) AS job \gset
SELECT wait_backfill(:job);
SELECT key_columns, key_index::regclass FROM backfill.jobs WHERE relid = 'several'::regclass;
SELECT count(*) AS wrong FROM several WHERE c IS DISTINCT FROM narrow * 2;

-- A partitioned table.
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, v integer, v2 integer, PRIMARY KEY (id, at))
	PARTITION BY RANGE (at);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + (g % 366), g FROM generate_series(1, 5000) g;
SELECT start_backfill('events', 'v2', 'v * 2', batch_size => 700) AS job \gset
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM events WHERE v2 IS DISTINCT FROM v * 2;
SELECT rows_done, batches_done FROM backfill_status() WHERE relation = 'events'::regclass;

-- An empty table succeeds in one batch.
CREATE TABLE empty (id integer PRIMARY KEY, c integer);
SELECT start_backfill('empty', 'c', 'id') AS job \gset
SELECT wait_backfill(:job);
SELECT rows_done, batches_done, percent FROM backfill_status() WHERE relation = 'empty'::regclass;

-- An error at run time fails the job with its SQLSTATE, message and key range;
-- the batches before it stay committed; resume retries from the checkpoint.
CREATE TABLE ratios (id integer PRIMARY KEY, d integer NOT NULL, r integer);
INSERT INTO ratios SELECT g, CASE WHEN g = 5500 THEN 0 ELSE 1 END FROM generate_series(1, 10000) g;
SELECT start_backfill('ratios', 'r', '100 / d', batch_size => 1000) AS job \gset
SELECT wait_backfill(:job);
\echo :LAST_ERROR_SQLSTATE
SELECT state, last_error, rows_done, batches_done FROM backfill_status(:job);
SELECT failed_key_range, checkpoint FROM backfill.jobs WHERE job_id = :job;
SELECT count(r) AS filled FROM ratios;
UPDATE ratios SET d = 1 WHERE id = 5500;
SELECT resume_backfill(:job);
SELECT wait_backfill(:job);
SELECT state, last_error, rows_done, batches_done FROM backfill_status(:job);
SELECT count(*) AS wrong FROM ratios WHERE r IS DISTINCT FROM 100;

-- wait_backfill refuses to wait for a job its own transaction started (the
-- worker starts when that transaction commits); on a finished job it returns
-- at once.
BEGIN;
SELECT start_backfill('ratios', 'r', 'id', only_null => false) AS job2 \gset
SELECT wait_backfill(:job2);
ROLLBACK;
SELECT wait_backfill(:job, '1 s');
SELECT wait_backfill(-1);
SELECT wait_backfill(NULL);
SELECT wait_backfill(:job, '-1 s');
SELECT count(*) FROM backfill_status(-1);

-- A table without a key is walked by physical position: TID ranges over the
-- blocks it had when the walk started, each batch a TID range scan.
CREATE TABLE heap_only (a integer, pad text, c integer);
INSERT INTO heap_only SELECT g % 100, repeat('x', 100) FROM generate_series(1, 5000) g;
ANALYZE heap_only;
SELECT start_backfill('heap_only', 'c', 'a + 1', batch_size => 500) AS job \gset
SELECT wait_backfill(:job);
SELECT state, strategy, rows_done, batches_done > 5 AS batched FROM backfill_status(:job);
SELECT count(*) FILTER (WHERE c = a + 1) AS filled, count(*) AS rows FROM heap_only;
EXPLAIN (COSTS OFF) UPDATE ONLY heap_only SET c = a WHERE ctid OPERATOR(pg_catalog.>=) '(0,0)'::tid
	AND ctid OPERATOR(pg_catalog.<) '(10,0)'::tid AND c IS NULL;

-- A table with a key can be walked in physical order when the user asks
-- (strategy => 'tid'), e.g. when its key's order is random on disk.
CREATE TABLE keyed_random (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a integer, c integer);
INSERT INTO keyed_random (a) SELECT g FROM generate_series(1, 3000) g;
SELECT start_backfill('keyed_random', 'c', 'a * 2', batch_size => 500, strategy => 'tid') AS job \gset
SELECT wait_backfill(:job);
SELECT strategy, rows_done FROM backfill_status(:job);
SELECT count(*) FILTER (WHERE c = a * 2) AS filled FROM keyed_random;
DROP TABLE keyed_random;

-- A partitioned table is walked leaf by leaf, each leaf with its own key
-- index, or TID ranges when it has none (no key over the whole table needed).
CREATE TABLE sales (region text NOT NULL, id integer NOT NULL, amount integer, c integer) PARTITION BY LIST (region);
CREATE TABLE sales_eu PARTITION OF sales FOR VALUES IN ('eu');
CREATE TABLE sales_us PARTITION OF sales FOR VALUES IN ('us');
ALTER TABLE sales_eu ADD PRIMARY KEY (id);
INSERT INTO sales SELECT CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g, g FROM generate_series(1, 3000) g;
ANALYZE sales;
SELECT start_backfill('sales', 'c', 'amount * 2', batch_size => 250) AS job \gset
SELECT wait_backfill(:job);
SELECT state, rows_done, partition FROM backfill_status(:job);
SELECT cardinality(partitions_done) AS leaves_done FROM backfill.jobs WHERE job_id = :job;
SELECT tableoid::regclass AS leaf, count(*) FILTER (WHERE c = amount * 2) AS filled, count(*) AS rows
FROM sales GROUP BY 1 ORDER BY 1;

-- rows_estimated follows the walk: on a table with twice as many dead tuples
-- as live rows and statistics from before them, the start estimate (the
-- planner's, from the page count) is far off; once a batch has covered some
-- of the key's histogram, the estimate is rows done / share walked.
CREATE TABLE est (id integer PRIMARY KEY, a integer, c integer) WITH (autovacuum_enabled = off);
INSERT INTO est SELECT g, g FROM generate_series(1, 20000) g;
ANALYZE est;
UPDATE est SET a = a;
UPDATE est SET a = a;
\i sql/helpers/wait_for.sql
BEGIN;
SELECT start_backfill('est', 'c', 'a', batch_size => 1000, batch_delay => '1 h') AS job \gset
SELECT rows_estimated NOT BETWEEN 18000 AND 22000 AS start_estimate_off FROM backfill_status(:job);
COMMIT;
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = %s)', :job));
SELECT rows_estimated BETWEEN 18000 AND 22000 AS within_10_percent, rows_done FROM backfill_status(:job);
SELECT cancel_backfill(:job);
DROP FUNCTION wait_for(text);

DROP TABLE accounts, "Order Lines", several, events, empty, ratios, heap_only, sales, est;
DROP EXTENSION pg_backfill;
