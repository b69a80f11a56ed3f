-- explain_ddl(): the guard's analysis without executing anything, and its
-- agreement with the hook on every case of the family tests.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE ex (id int PRIMARY KEY, name varchar(20), qty int, amount numeric(8,2), note text, p int);
INSERT INTO ex SELECT g, 'n' || g, g, g, 'x', g FROM generate_series(1, 400) g;
CREATE TABLE ex_parent (id int PRIMARY KEY);
INSERT INTO ex_parent SELECT generate_series(1, 400);
CREATE DOMAIN ex_positive AS int CHECK (VALUE > 0);
CREATE MATERIALIZED VIEW ex_mv AS SELECT id FROM ex_parent;
CREATE DOMAIN ex_random AS text DEFAULT md5(random()::text);
ALTER TABLE ex ADD COLUMN seen timestamp, ADD COLUMN slot int4range, ADD COLUMN k int;
ALTER TABLE ex ADD CONSTRAINT ex_amount_positive CHECK (amount > 0);
CREATE UNIQUE INDEX CONCURRENTLY ex_k_idx ON ex (k);
ALTER TABLE ex ADD CONSTRAINT ex_note_nn CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE ex VALIDATE CONSTRAINT ex_note_nn;
CREATE TABLE ex_parted (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE ex_part (id int, at date);
INSERT INTO ex_part SELECT g, '2020-01-01'::date + (g % 300) FROM generate_series(1, 400) g;
CREATE TABLE ex_parted_default PARTITION OF ex_parted DEFAULT;
INSERT INTO ex_parted_default SELECT g, '2030-01-01'::date FROM generate_series(1, 400) g;
CREATE TABLE ex_part2 (id int, at date);
CREATE DOMAIN ex_qty AS int;
CREATE TABLE ex_dom (q ex_qty);
INSERT INTO ex_dom SELECT generate_series(1, 400);
ALTER DOMAIN ex_qty ADD CONSTRAINT ex_qty_nn CHECK (VALUE IS NOT NULL) NOT VALID;
CREATE TABLE ex_nn (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE ex_nn_1 PARTITION OF ex_nn FOR VALUES FROM (0) TO (1000);
INSERT INTO ex_nn SELECT g, g FROM generate_series(1, 400) g;
CREATE TABLE ex_coll (name text COLLATE "C");
CREATE INDEX ex_coll_name ON ex_coll (name);
INSERT INTO ex_coll SELECT 'n' || g FROM generate_series(1, 400) g;
ALTER TABLE ex CLUSTER ON ex_pkey;

-- one row per statement and subcommand; nothing runs
SELECT statement_no, command, relation, lock_mode, rewrite, scan, index_build, fk_validation, verdict, rule
  FROM explain_ddl($sql$
    ALTER TABLE ex ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN memo text;
    ALTER TABLE ex ALTER COLUMN id TYPE bigint;
    ALTER TABLE ex ALTER COLUMN name TYPE text;
    ALTER TABLE ex ALTER COLUMN qty SET NOT NULL;
    ALTER TABLE ex ADD CONSTRAINT ex_p_fk FOREIGN KEY (p) REFERENCES ex_parent (id);
    ALTER TABLE ex ADD CONSTRAINT ex_p_fk FOREIGN KEY (p) REFERENCES ex_parent (id) NOT VALID;
    CREATE INDEX ex_name ON ex (name);
    CREATE INDEX CONCURRENTLY ex_name ON ex (name);
    REFRESH MATERIALIZED VIEW ex_mv;
    VACUUM FULL ex;
    DO $$BEGIN NULL; END$$;
    SELECT 1;
    ALTER TABLE no_such_table ADD COLUMN c int;
  $sql$);
SELECT count(*) AS token_columns FROM information_schema.columns WHERE table_name = 'ex' AND column_name = 'token';

-- the message of safe rows names the column or object, and the rule says why
SELECT verdict, rule, message FROM explain_ddl($sql$
    ALTER TABLE ex ADD COLUMN memo2 text;
    CREATE INDEX CONCURRENTLY ex_qty ON ex (qty);
    VACUUM ex;
  $sql$);

-- reason and hint of one case in full
\x on
SELECT * FROM explain_ddl('ALTER TABLE ex ADD COLUMN token uuid DEFAULT gen_random_uuid()');
\x off

-- agreement: the hook (block mode, inside a rolled-back subtransaction)
-- raises exactly explain_ddl's first unsafe message, or nothing when
-- explain_ddl says every subcommand is safe
CREATE FUNCTION hook_says(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('pg_backfill.guard', 'block', true);
  BEGIN
    EXECUTE stmt;
    RAISE SQLSTATE 'PBX01';
  EXCEPTION
    WHEN SQLSTATE 'PBX01' THEN RETURN 'safe';
    WHEN object_not_in_prerequisite_state THEN RETURN SQLERRM;
    WHEN OTHERS THEN RETURN 'error: ' || SQLERRM;
  END;
END$$;
CREATE FUNCTION explain_says(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT message FROM explain_ddl(stmt) WITH ORDINALITY AS e
                    WHERE verdict = 'unsafe' ORDER BY ordinality LIMIT 1), 'safe')
$$;
CREATE TEMP TABLE cases (stmt text);
INSERT INTO cases VALUES
  ('ALTER TABLE ex ADD COLUMN c1 uuid DEFAULT gen_random_uuid()'),
  ('ALTER TABLE ex ADD COLUMN c2 float8 DEFAULT random()'),
  ('ALTER TABLE ex ADD COLUMN c3 timestamptz NOT NULL DEFAULT clock_timestamp()'),
  ('ALTER TABLE ex ADD COLUMN c4 bigserial'),
  ('ALTER TABLE ex ADD COLUMN c5 int GENERATED ALWAYS AS IDENTITY'),
  ('ALTER TABLE ex ADD COLUMN c6 int GENERATED ALWAYS AS (id * 2) STORED'),
  ('ALTER TABLE ex ADD COLUMN c7 ex_positive'),
  ('ALTER TABLE ex ADD COLUMN c8 int NOT NULL'),
  ('ALTER TABLE ex ADD COLUMN c9 int CHECK (c9 > 0)'),
  ('ALTER TABLE ex ADD COLUMN c10 int UNIQUE'),
  ('ALTER TABLE ex ADD COLUMN c11 int DEFAULT 1 REFERENCES ex_parent (id)'),
  ('ALTER TABLE ex ADD COLUMN c12 text'),
  ('ALTER TABLE ex ADD COLUMN c13 int DEFAULT 0'),
  ('ALTER TABLE ex ADD COLUMN c14 timestamptz DEFAULT now()'),
  ('ALTER TABLE ex ADD COLUMN c15 int REFERENCES ex_parent (id)'),
  ('ALTER TABLE ex ADD COLUMN c16 text, ADD COLUMN c17 uuid DEFAULT gen_random_uuid()'),
  ('ALTER TABLE ex ALTER COLUMN id TYPE bigint'),
  ('ALTER TABLE ex ALTER COLUMN name TYPE varchar(10)'),
  ('ALTER TABLE ex ALTER COLUMN name TYPE varchar(40)'),
  ('ALTER TABLE ex ALTER COLUMN name TYPE text'),
  ('ALTER TABLE ex ALTER COLUMN amount TYPE numeric(10,2)'),
  ('ALTER TABLE ex ALTER COLUMN amount TYPE numeric(8,3)'),
  ('ALTER TABLE ex ALTER COLUMN qty SET NOT NULL'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_qty CHECK (qty > 0)'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_qty CHECK (qty > 0) NOT VALID'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_p_fk FOREIGN KEY (p) REFERENCES ex_parent (id)'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_p_fk FOREIGN KEY (p) REFERENCES ex_parent (id) NOT VALID'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_name_key UNIQUE (name)'),
  ('ALTER TABLE ex SET UNLOGGED'),
  ('ALTER TABLE ex SET LOGGED'),
  ('ALTER TABLE ex SET TABLESPACE pg_default'),
  ('CREATE INDEX ex_note ON ex (note)'),
  ('CREATE UNIQUE INDEX ex_id_name ON ex (id, name)'),
  ('REINDEX TABLE ex'),
  ('CLUSTER ex USING ex_pkey'),
  ('REFRESH MATERIALIZED VIEW ex_mv'),
  ('ALTER TABLE ex ADD COLUMN c18 ex_random'),
  ('ALTER TABLE ex ADD COLUMN c19 ex_random DEFAULT NULL'),
  ('ALTER TABLE ex ADD COLUMN c20 int NOT NULL DEFAULT NULL'),
  ('ALTER TABLE ex ADD COLUMN c21 bigint PRIMARY KEY'),
  ('ALTER TABLE ex ADD CONSTRAINT ex_no_overlap EXCLUDE USING gist (slot WITH &&)'),
  ('ALTER TABLE ex DROP CONSTRAINT ex_pkey, ADD CONSTRAINT ex_k_pk PRIMARY KEY USING INDEX ex_k_idx'),
  ('ALTER TABLE ex ALTER COLUMN note SET NOT NULL'),
  ('ALTER TABLE ex ALTER COLUMN amount TYPE numeric(12,2)'),
  ('ALTER TABLE ex ALTER COLUMN seen TYPE timestamptz'),
  ('ALTER TABLE ex_parted ATTACH PARTITION ex_part FOR VALUES FROM (''2020-01-01'') TO (''2021-01-01'')'),
  ('REINDEX INDEX ex_k_idx'),
  ('ALTER TABLE ex ADD COLUMN c22 text, ALTER COLUMN qty SET NOT NULL, ADD COLUMN c23 float8 DEFAULT random()'),
  ('ALTER TABLE ex_parted ATTACH PARTITION ex_part2 FOR VALUES FROM (''2021-01-01'') TO (''2022-01-01'')'),
  ('ALTER DOMAIN ex_qty ADD CONSTRAINT ex_qty_positive CHECK (VALUE > 0)'),
  ('ALTER DOMAIN ex_qty ADD CONSTRAINT ex_qty_positive CHECK (VALUE > 0) NOT VALID'),
  ('ALTER DOMAIN ex_qty SET NOT NULL'),
  ('ALTER DOMAIN ex_qty VALIDATE CONSTRAINT ex_qty_nn'),
  ('ALTER TABLE ex_nn ALTER COLUMN v SET NOT NULL'),
  ('ALTER TABLE ex_coll ALTER COLUMN name TYPE varchar'),
  ('ALTER TABLE ex_coll ALTER COLUMN name TYPE text COLLATE "C"'),
  ('CREATE TABLE ex_part3 PARTITION OF ex_parted FOR VALUES FROM (''2022-01-01'') TO (''2023-01-01'')'),
  ('CREATE TABLE ex_part4 PARTITION OF ex_parted FOR VALUES FROM (''2030-01-01'') TO (''2031-01-01'')'),
  ('VACUUM FULL'),
  ('CLUSTER'),
  ('REINDEX SCHEMA public');
SELECT stmt, hook_says(stmt) = explain_says(stmt) AS agrees, explain_says(stmt) <> 'safe' AS unsafe
  FROM cases;
-- REINDEX DATABASE / SYSTEM name the current database (PostgreSQL 15 requires it)
SELECT replace(stmt, current_database(), 'current_db') AS stmt, hook_says(stmt) = explain_says(stmt) AS agrees,
       explain_says(stmt) <> 'safe' AS unsafe
  FROM (VALUES (format('REINDEX DATABASE %I', current_database())),
               (format('REINDEX SYSTEM %I', current_database()))) AS v (stmt);

-- a foreign key validated on a table created in this transaction: the row for
-- the referenced table is the one both report
BEGIN;
CREATE TABLE ex_new_child (p int);
INSERT INTO ex_new_child SELECT generate_series(1, 400);
SELECT stmt, hook_says(stmt) = explain_says(stmt) AS agrees, explain_says(stmt) <> 'safe' AS unsafe
  FROM (VALUES ('ALTER TABLE ex_new_child ADD CONSTRAINT ex_new_fk FOREIGN KEY (p) REFERENCES ex_parent (id)'),
               ('ALTER TABLE ex_new_child ADD CONSTRAINT ex_new_fk FOREIGN KEY (p) REFERENCES ex_parent (id) NOT VALID'))
       AS v (stmt);
ROLLBACK;
