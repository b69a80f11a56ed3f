-- run_with_lock_retries: one DDL statement with short lock_timeout tries;
-- every bad input. (Retries against a lock holder: isolation
-- lock_retries.spec.)
CREATE EXTENSION pg_backfill;
CREATE TABLE orders (id integer PRIMARY KEY, total numeric);
CREATE TABLE other (id integer PRIMARY KEY);

-- Gets its lock at the first attempt; the session's lock_timeout is restored.
SET lock_timeout = '7s';
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN total_cents bigint');
SHOW lock_timeout;
RESET lock_timeout;
SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum;
SELECT run_with_lock_retries('CREATE INDEX orders_total ON orders (total)', lock_timeout => '1s', max_attempts => 3,
                             delay_initial => '0', delay_max => '10ms');
-- As the first statement of a migration's transaction; its locks are then
-- kept until COMMIT.
BEGIN;
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN note text');
SELECT mode FROM pg_locks WHERE relation = 'orders'::regclass AND pid = pg_backend_pid() ORDER BY mode;
COMMIT;
-- LOCK TABLE with retries, then more in the same transaction.
BEGIN;
SELECT run_with_lock_retries('LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE');
SELECT mode FROM pg_locks WHERE relation = 'orders'::regclass AND pid = pg_backend_pid() ORDER BY mode;
COMMIT;
-- Weak locks held before are allowed (reads, writes)...
BEGIN;
SELECT count(*) FROM other;
INSERT INTO other VALUES (1);
SELECT run_with_lock_retries('ALTER TABLE orders ALTER COLUMN note SET DEFAULT ''none''');
COMMIT;
-- ...locks that block the application are not: they would be held through
-- every attempt and sleep.
BEGIN;
SELECT run_with_lock_retries('ALTER TABLE other ADD COLUMN a integer');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN b integer');
ROLLBACK;
BEGIN;
LOCK TABLE other IN SHARE MODE;
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN b integer');
ROLLBACK;
-- A temporary table's lock blocks nobody.
BEGIN;
CREATE TEMP TABLE scratch (a integer);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN b integer');
ROLLBACK;

-- Errors other than lock timeouts are raised at once, as they are.
SELECT run_with_lock_retries('ALTER TABLE missing ADD COLUMN a integer');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN total integer');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN oops integer DEFAULT');
-- A statement that cannot run inside a function: PostgreSQL's own error.
SELECT run_with_lock_retries('CREATE INDEX CONCURRENTLY orders_note ON orders (note)');

-- It runs as the caller, with the caller's rights.
CREATE ROLE lock_retry_user;
SET ROLE lock_retry_user;
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN c integer');
SELECT run_with_lock_retries('CREATE TABLE mine (a integer)');
RESET ROLE;
-- The guard judges the statement as usual.
INSERT INTO orders (id) SELECT generate_series(1, 500);
SET pg_backfill.guard = block;
SET pg_backfill.guard_min_size = '8kB';
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN r float8 DEFAULT random()');
RESET pg_backfill.guard;
RESET pg_backfill.guard_min_size;

-- Bad input.
SELECT run_with_lock_retries(NULL);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', lock_timeout => NULL);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', max_attempts => NULL);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', delay_initial => NULL);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', delay_max => NULL);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', lock_timeout => '0');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', lock_timeout => '-1 s');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', lock_timeout => '1000 years');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', max_attempts => 0);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', max_attempts => 10001);
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', delay_initial => '-1 ms');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer', delay_initial => '1 s', delay_max => '10 ms');
SELECT run_with_lock_retries('');
SELECT run_with_lock_retries('-- nothing');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN x integer; DROP TABLE other');
SELECT run_with_lock_retries('SELECT 1');
SELECT run_with_lock_retries('UPDATE orders SET total = 0');
SELECT run_with_lock_retries('DO $$ BEGIN END $$');
SELECT run_with_lock_retries('BEGIN');
SELECT run_with_lock_retries('VACUUM orders');
SELECT run_with_lock_retries('SET lock_timeout = 0');
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN');
SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum;

DROP TABLE orders, other;
DROP ROLE lock_retry_user;
DROP EXTENSION pg_backfill;
