-- The extension installs, and its objects land where documented.
CREATE EXTENSION pg_backfill;
SELECT extname, extversion FROM pg_extension WHERE extname = 'pg_backfill';
SELECT nspname FROM pg_namespace WHERE nspname = 'backfill';

-- The job table refuses rows the SQL functions would refuse (CHECK
-- constraints added in 0.2), even from a superuser writing it directly.
CREATE TABLE ext_t (id int PRIMARY KEY, c int);
\set VERBOSITY terse
INSERT INTO backfill.jobs (relid, column_name, attnum, expression, expression_sql, key_index, key_columns,
                           only_null, batch_size, owner, login_role, search_path)
VALUES ('ext_t'::regclass, 'c', 2, '1', '1', 'ext_t_pkey'::regclass, '{id}', true, 0, 10, 10, 'public');
INSERT INTO backfill.jobs (relid, column_name, attnum, expression, expression_sql, key_index, key_columns,
                           only_null, lock_timeout, owner, login_role, search_path)
VALUES ('ext_t'::regclass, 'c', 2, '1', '1', 'ext_t_pkey'::regclass, '{id}', true, '0', 10, 10, 'public');
INSERT INTO backfill.jobs (relid, column_name, attnum, expression, expression_sql, key_index, key_columns,
                           only_null, checkpoint, owner, login_role, search_path)
VALUES ('ext_t'::regclass, 'c', 2, '1', '1', 'ext_t_pkey'::regclass, '{id}', true, '{1,2}', 10, 10, 'public');
\set VERBOSITY default
DROP TABLE ext_t;

-- 0.1 -> 0.2: the upgrade path is the install path (CREATE EXTENSION runs
-- the 0.1 script, then the upgrade), and an explicit upgrade gets there too.
DROP EXTENSION pg_backfill;
CREATE EXTENSION pg_backfill VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'pg_backfill';
ALTER EXTENSION pg_backfill UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_backfill';
SELECT conname FROM pg_constraint WHERE conrelid = 'backfill.jobs'::regclass AND contype = 'c' ORDER BY conname;
