-- DDL guard: the ADD COLUMN family on a table above the size threshold.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
SET pg_backfill.guard = warn;
CREATE TABLE orders (id bigint PRIMARY KEY, note text);
INSERT INTO orders SELECT g, 'note ' || g FROM generate_series(1, 500) g;
SELECT pg_size_pretty(pg_relation_size('orders'));

-- Unsafe: volatile defaults rewrite the table (ATExecAddColumn).
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ADD COLUMN r1 float8 DEFAULT random();
ALTER TABLE orders ADD COLUMN r2 int DEFAULT (CASE WHEN random() > 2 THEN 1 ELSE 0 END)::int;
ALTER TABLE orders ADD COLUMN created timestamptz NOT NULL DEFAULT clock_timestamp();
-- a user function: VOLATILE plpgsql rewrites; an unlabelled SQL function with
-- a constant body is inlined by the planner and does not
CREATE FUNCTION volatile_code() RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN 'x'; END$$;
CREATE FUNCTION inlined_const() RETURNS int LANGUAGE sql AS $$SELECT 42$$;
ALTER TABLE orders ADD COLUMN code text DEFAULT volatile_code();
ALTER TABLE orders ADD COLUMN answer int DEFAULT inlined_const();
-- serial, identity and stored generated columns
ALTER TABLE orders ADD COLUMN seq bigserial;
ALTER TABLE orders ADD COLUMN ident int GENERATED ALWAYS AS IDENTITY;
ALTER TABLE orders ADD COLUMN doubled bigint GENERATED ALWAYS AS (id * 2) STORED;
-- domains: with a constraint, or with a volatile default
CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
CREATE DOMAIN random_text AS text DEFAULT md5(random()::text);
CREATE DOMAIN plain_text AS text;
ALTER TABLE orders ADD COLUMN qty positive_int;
ALTER TABLE orders ADD COLUMN salt random_text;
-- NOT NULL without a default fails on the first row, after a scan
ALTER TABLE orders ADD COLUMN must int NOT NULL;
ALTER TABLE orders ADD COLUMN must2 int NOT NULL DEFAULT NULL;
-- inline CHECK, UNIQUE, PRIMARY KEY, validated REFERENCES
ALTER TABLE orders ADD COLUMN pct int CHECK (pct BETWEEN 0 AND 100);
ALTER TABLE orders ADD COLUMN ext_id int UNIQUE;
CREATE TABLE customers (id int PRIMARY KEY);
INSERT INTO customers VALUES (1);
ALTER TABLE orders ADD COLUMN customer_id int DEFAULT 1 REFERENCES customers (id);

-- Safe: nullable, non-volatile defaults, NOT NULL with a constant default,
-- a domain without constraints, REFERENCES without a default.
ALTER TABLE orders ADD COLUMN memo text;
ALTER TABLE orders ADD COLUMN zero int DEFAULT 0;
ALTER TABLE orders ADD COLUMN label text NOT NULL DEFAULT 'x';
ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT now();
ALTER TABLE orders ADD COLUMN day date DEFAULT CURRENT_DATE;
ALTER TABLE orders ADD COLUMN stamp text DEFAULT to_char(now(), 'YYYY');
ALTER TABLE orders ADD COLUMN tags jsonb DEFAULT '{}'::jsonb;
ALTER TABLE orders ADD COLUMN plain plain_text;
ALTER TABLE orders ADD COLUMN buyer_id int REFERENCES customers (id);

-- block mode: the same unsafe statement is refused with SQLSTATE 55000
SET pg_backfill.guard = block;
ALTER TABLE orders ADD COLUMN token2 uuid DEFAULT gen_random_uuid();
\set VERBOSITY sqlstate
ALTER TABLE orders ADD COLUMN token2 uuid DEFAULT gen_random_uuid();
\set VERBOSITY default
ALTER TABLE orders ADD COLUMN token2 uuid;
SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'token2';
RESET pg_backfill.guard;

-- The one-call hint runs as given, in block mode: the column added, every
-- existing row filled with its own value, new rows get the default, and no
-- sync trigger is left.
SET pg_backfill.guard = block;
DO $$
DECLARE h text;
BEGIN
  SELECT hint INTO h FROM explain_ddl('ALTER TABLE orders ADD COLUMN token3 uuid NOT NULL DEFAULT gen_random_uuid()');
  EXECUTE substring(h FROM ': (SELECT add_column_backfill\(.*?\));');
END$$;
SELECT wait_column_backfill('orders', 'token3');
INSERT INTO orders (id, note) VALUES (501, 'new');
SELECT count(*) AS rows, count(DISTINCT token3) AS distinct_tokens, bool_and(attnotnull) AS not_null
  FROM orders, pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'token3';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal;
RESET pg_backfill.guard;

-- Names and literals in hints are quoted as PostgreSQL quotes them
-- (quote_identifier, quote_literal), and names the hint makes up are chosen
-- as PostgreSQL would, avoiding ones in use.
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."O'Brien Orders" (id int);
INSERT INTO "Sales"."O'Brien Orders" SELECT generate_series(1, 400);
ALTER TABLE "Sales"."O'Brien Orders" ADD COLUMN "it's" text DEFAULT md5(random()::text) || E'a\\b' NOT NULL;
CREATE SEQUENCE "Sales"."O'Brien Orders_Ident_backfill_seq";
ALTER TABLE "Sales"."O'Brien Orders" ADD COLUMN "Ident" int GENERATED ALWAYS AS IDENTITY;
ALTER TABLE "Sales"."O'Brien Orders" ADD COLUMN n serial;
SET pg_backfill.guard = block;
ALTER TABLE "Sales"."O'Brien Orders" ALTER COLUMN id SET NOT NULL;
SET pg_backfill.guard = warn;
-- the SET NOT NULL hint's statements run as given, each in a transaction of
-- its own as the hint says, without a warning
DO $$
DECLARE h text; stmt text;
BEGIN
  SELECT hint INTO h FROM explain_ddl($sql$ALTER TABLE "Sales"."O'Brien Orders" ALTER COLUMN id SET NOT NULL$sql$);
  FOREACH stmt IN ARRAY regexp_split_to_array(substring(h FROM ': (.*);'), ';\s*') LOOP
    EXECUTE stmt;
    COMMIT;
  END LOOP;
END$$;
SELECT attnotnull FROM pg_attribute WHERE attrelid = '"Sales"."O''Brien Orders"'::regclass AND attname = 'id';
DROP SCHEMA "Sales" CASCADE;
