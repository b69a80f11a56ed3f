-- The finishing steps of a job (finish_backfill, add_column_backfill): NOT
-- NULL through a NOT VALID check, a default, CHECK and FOREIGN KEY NOT VALID
-- then VALIDATE, CREATE INDEX CONCURRENTLY run by the worker, dropping the
-- sync trigger; every bad input; a VALIDATE that fails leaves nothing behind.
CREATE EXTENSION pg_backfill;
\i sql/helpers/wait_for.sql
-- Waits for a job without holding a snapshot (a procedure that commits
-- between looks): CREATE INDEX CONCURRENTLY waits for every older snapshot,
-- a wait_backfill's too.
CREATE PROCEDURE wait_job(job bigint) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..6000 LOOP
		COMMIT;
		IF (SELECT state FROM backfill.jobs WHERE job_id = job) NOT IN ('queued', 'running') THEN
			RETURN;
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
	RAISE EXCEPTION 'job % still running', job;
END
$$;

CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL);
INSERT INTO orders SELECT g, g FROM generate_series(1, 2000) g;
CREATE TABLE customers (cid bigint PRIMARY KEY);
INSERT INTO customers SELECT g * 100 FROM generate_series(1, 2000) g;

-- One call: the column, the job with its sync trigger, and the steps.
SELECT add_column_backfill('orders', 'total_cents', 'bigint', 'total * 100', not_null => true,
                           default_value => '0', create_index => true, batch_size => 500) AS job \gset
SELECT phase, sync FROM backfill_status(:job);
SELECT finish_default, finish_not_null_check, finish_index, finish_index_unique, finish_drop_sync
FROM backfill.jobs WHERE job_id = :job;
CALL wait_job(:job);
SELECT state, phase, sync, rows_done FROM backfill_status(:job);
SELECT attnotnull, pg_get_expr(adbin, adrelid) AS default_value
FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
WHERE attrelid = 'orders'::regclass AND attname = 'total_cents';
SELECT indexrelid::regclass, indisvalid, indisunique, pg_get_indexdef(indexrelid)
FROM pg_index WHERE indrelid = 'orders'::regclass AND NOT indisprimary;
SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY conname;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'orders'::regclass;
SELECT count(*) AS wrong FROM orders WHERE total_cents IS DISTINCT FROM total * 100;
INSERT INTO orders (id, total) VALUES (5000, 1);
SELECT total_cents FROM orders WHERE id = 5000;
SELECT wait_backfill(:job);

-- finish_backfill on a succeeded job queues it again for the new steps: a
-- CHECK and a FOREIGN KEY (NOT VALID, then VALIDATE), a unique index.
DELETE FROM orders WHERE id = 5000;
ALTER TABLE orders ADD COLUMN cid bigint;
SELECT start_backfill('orders', 'cid', 'id::bigint * 100', batch_size => 1000) AS job2 \gset
SELECT wait_backfill(:job2);
SELECT finish_backfill(:job2, check_constraint => 'cid > 0', foreign_key => 'customers(cid)',
                       unique_index => true, index_name => 'orders_cid_key');
SELECT finish_check, finish_check_name, finish_foreign_key::regclass, finish_foreign_key_column,
       finish_foreign_key_name, finish_index, finish_index_unique, finish_drop_sync
FROM backfill.jobs WHERE job_id = :job2;
CALL wait_job(:job2);
SELECT state, phase FROM backfill_status(:job2);
SELECT conname, contype, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'orders'::regclass AND contype IN ('c', 'f') ORDER BY conname;
SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'orders_cid_key'::regclass;

-- A NOT NULL that rows violate: the job fails at VALIDATE naming a key, and
-- nothing is left half done (no check constraint).
ALTER TABLE orders ADD COLUMN half integer;
BEGIN;
SELECT start_backfill('orders', 'half', 'CASE WHEN id = 1234 THEN NULL ELSE id END', batch_size => 1000) AS job3 \gset
SELECT finish_backfill(:job3, set_not_null => true);
COMMIT;
SELECT wait_backfill(:job3);
SELECT state, phase, last_error FROM backfill_status(:job3);
SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass AND conname LIKE '%half%';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'half';
-- Fixed, resumed: the steps run from the NOT VALID check on.
UPDATE orders SET half = 0 WHERE half IS NULL;
SELECT resume_backfill(:job3);
SELECT wait_backfill(:job3);
SELECT state, phase FROM backfill_status(:job3);
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'half';
SELECT count(*) AS checks_left FROM pg_constraint WHERE conrelid = 'orders'::regclass AND conname LIKE '%half%';

-- A unique index that rows violate: the job fails with the duplicated key,
-- and no invalid index is left.
ALTER TABLE orders ADD COLUMN dup integer;
BEGIN;
SELECT start_backfill('orders', 'dup', 'id % 10', batch_size => 1000) AS job4 \gset
SELECT finish_backfill(:job4, unique_index => true);
COMMIT;
CALL wait_job(:job4);
SELECT state, phase, last_error FROM backfill_status(:job4);
SELECT failed_key_range ~ '^Key \(dup\)=\(\d\) is duplicated\.$' AS names_the_key FROM backfill.jobs WHERE job_id = :job4;
SELECT count(*) AS indexes_on_dup FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
WHERE i.indrelid = 'orders'::regclass AND a.attname = 'dup' AND a.attnum = ANY (i.indkey);

-- The steps run as the job's owner in a security-restricted operation: a
-- CHECK whose function tries RESET ROLE fails its VALIDATE (42501), and the
-- constraint is dropped again.
CREATE FUNCTION reset_role_ok(v integer) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RESET ROLE; RETURN true; END $$;
ALTER TABLE orders ADD COLUMN sro integer;
BEGIN;
SELECT start_backfill('orders', 'sro', 'id', batch_size => 1000) AS job7 \gset
SELECT finish_backfill(:job7, check_constraint => 'reset_role_ok(sro)');
COMMIT;
SELECT wait_backfill(:job7);
SELECT state, phase FROM backfill_status(:job7);
SELECT count(*) AS checks_left FROM pg_constraint WHERE conrelid = 'orders'::regclass AND conname LIKE '%sro%';

-- Bad inputs.
ALTER TABLE orders ADD COLUMN bad integer, ADD CONSTRAINT orders_bad_not_null CHECK (bad > 0) NOT VALID;
-- (paused before its worker starts, so it stays where it is)
BEGIN;
SELECT start_backfill('orders', 'bad', 'id') AS job5 \gset
SELECT pause_backfill(:job5);
COMMIT;
SELECT finish_backfill(NULL);
SELECT finish_backfill(:job5, set_not_null => NULL);
SELECT finish_backfill(-1, set_not_null => true);
SELECT finish_backfill(:job5, create_index => true, index_name => 'orders_pkey');
SELECT finish_backfill(:job5, index_name => 'x');
SELECT finish_backfill(:job5, set_default => 'id + 1');
SELECT finish_backfill(:job5, set_default => '(SELECT 1)');
SELECT finish_backfill(:job5, set_default => '''abc''');
SELECT finish_backfill(:job5, set_default => '1); DROP TABLE orders; SELECT (1');
SELECT finish_backfill(:job5, check_constraint => 'bad');
SELECT finish_backfill(:job5, check_constraint => 'nosuch > 0');
SELECT finish_backfill(:job5, check_constraint => 'count(*) > 0');
SELECT finish_backfill(:job5, foreign_key => 'customers');
SELECT finish_backfill(:job5, foreign_key => 'nosuch(cid)');
SELECT finish_backfill(:job5, foreign_key => 'customers(nosuch)');
SELECT finish_backfill(:job5, foreign_key => 'orders(total)');
-- a referenced key the job's column cannot be compared with (as ADD FOREIGN KEY refuses)
CREATE TABLE finish_codes (code text PRIMARY KEY);
SELECT finish_backfill(:job5, foreign_key => 'finish_codes(code)');
DROP TABLE finish_codes;
-- A constraint name that is taken: the step's check gets another one.
SELECT finish_backfill(:job5, set_not_null => true);
SELECT finish_not_null_check FROM backfill.jobs WHERE job_id = :job5;
SELECT cancel_backfill(:job5);
SELECT finish_backfill(:job5, set_not_null => true);
-- Only the table's owner (and the job's owner must own it too).
CREATE ROLE finish_writer;
GRANT SELECT, UPDATE ON orders TO finish_writer;
ALTER TABLE orders ADD COLUMN other integer;
SET ROLE finish_writer;
BEGIN;
SELECT start_backfill('orders', 'other', 'id') AS job6 \gset
SELECT pause_backfill(:job6);
COMMIT;
SELECT finish_backfill(:job6, set_not_null => true);
RESET ROLE;
SELECT finish_backfill(:job6, set_not_null => true);
SELECT cancel_backfill(:job6);
-- add_column_backfill: bad inputs leave no column behind.
SELECT add_column_backfill('orders', 'x', 'no_such_type', '1');
SELECT add_column_backfill('orders', 'x', 'int; DROP TABLE orders', '1');
SELECT add_column_backfill('orders', 'x', 'int', 'nosuch + 1');
SELECT add_column_backfill('orders', 'total', 'int', '1');
SELECT add_column_backfill('orders', 'x', 'int', '1', create_index => true, index_name => 'orders_pkey');
SELECT count(*) AS no_x FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'x';
DROP TABLE orders;
DROP TABLE customers;
DROP ROLE finish_writer;
DROP FUNCTION wait_for(text), reset_role_ok(integer);
DROP PROCEDURE wait_job(bigint);
DROP EXTENSION pg_backfill;
