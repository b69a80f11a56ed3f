-- DDL guard: off / warn / block, the acknowledgement, who may change what,
-- and DDL inside DO blocks, functions and procedures.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE modes_t (id int);
INSERT INTO modes_t SELECT generate_series(1, 400);
SHOW pg_backfill.guard;
SHOW pg_backfill.guard_min_size;

SET pg_backfill.guard = off;
ALTER TABLE modes_t ADD COLUMN a uuid DEFAULT gen_random_uuid();
SET pg_backfill.guard = block;
\set VERBOSITY sqlstate
ALTER TABLE modes_t ADD COLUMN b uuid DEFAULT gen_random_uuid();
\set VERBOSITY default

-- a superuser's acknowledgement is honoured and logged
CREATE ROLE guard_admin SUPERUSER;
SET ROLE guard_admin;
BEGIN;
SET LOCAL pg_backfill.allow_unsafe_ddl = on;
SET LOCAL client_min_messages = log;
ALTER TABLE modes_t ADD COLUMN b uuid DEFAULT gen_random_uuid();
COMMIT;
RESET ROLE;

-- a non-superuser cannot turn the guard off or lower the threshold, and its
-- acknowledgement is not honoured
CREATE ROLE guard_user;
ALTER TABLE modes_t OWNER TO guard_user;
SET ROLE guard_user;
SET pg_backfill.guard = off;
SET pg_backfill.guard_min_size = '1GB';
SET pg_backfill.unsafe_ddl_role = 'guard_user';
SET pg_backfill.allow_unsafe_ddl = on;
ALTER TABLE modes_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
RESET ROLE;

-- a non-superuser may raise the guard for its own session, never lower it:
-- the guard does the stricter of pg_backfill.guard and pg_backfill.session_guard
SET pg_backfill.guard = warn;
SET ROLE guard_user;
SET pg_backfill.session_guard = block;
\set VERBOSITY sqlstate
ALTER TABLE modes_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
\set VERBOSITY default
SET pg_backfill.session_guard = off;
BEGIN;
ALTER TABLE modes_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
ROLLBACK;
RESET pg_backfill.session_guard;
RESET ROLE;
SET pg_backfill.guard = block;

-- members of the role named by pg_backfill.unsafe_ddl_role may acknowledge
CREATE ROLE ddl_ackers;
GRANT ddl_ackers TO guard_user;
SET pg_backfill.unsafe_ddl_role = 'ddl_ackers';
SET ROLE guard_user;
SET client_min_messages = log;
ALTER TABLE modes_t ADD COLUMN c uuid DEFAULT gen_random_uuid();
RESET client_min_messages;
RESET pg_backfill.allow_unsafe_ddl;
RESET ROLE;

-- DDL in DO blocks (EXECUTE and static), functions and procedures is guarded too
SET pg_backfill.guard = warn;
DO $$BEGIN EXECUTE 'ALTER TABLE modes_t ADD COLUMN d float8 DEFAULT random()'; END$$;
CREATE FUNCTION add_col_e() RETURNS void LANGUAGE plpgsql AS
  $$BEGIN ALTER TABLE modes_t ADD COLUMN e float8 DEFAULT random(); END$$;
SELECT add_col_e();
SET pg_backfill.guard = block;
DO $$BEGIN ALTER TABLE modes_t ADD COLUMN f float8 DEFAULT random(); END$$;
CREATE PROCEDURE add_col_g() LANGUAGE sql AS $$ALTER TABLE modes_t ADD COLUMN g float8 DEFAULT random()$$;
CALL add_col_g();
SELECT count(*) FROM information_schema.columns WHERE table_name = 'modes_t' AND column_name IN ('f', 'g');

-- safe DDL is silent in every mode
ALTER TABLE modes_t ADD COLUMN h int DEFAULT 0;
RESET pg_backfill.guard;
DROP TABLE modes_t;
DROP FUNCTION add_col_e();
DROP PROCEDURE add_col_g();
DROP ROLE guard_user;
DROP ROLE ddl_ackers;
DROP ROLE guard_admin;
