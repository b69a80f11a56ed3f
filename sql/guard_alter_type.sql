-- DDL guard: ALTER COLUMN TYPE (ATColumnChangeRequiresRewrite).
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
SET timezone = 'UTC';
CREATE TABLE items (id int PRIMARY KEY, name varchar(20), price numeric(8,2),
                    seen timestamp, qty int CHECK (qty >= 0), code text);
CREATE INDEX items_name ON items (name);
INSERT INTO items SELECT g, 'n' || g, g, '2024-01-01', g, 'c' || g FROM generate_series(1, 400) g;

-- Unsafe: conversions that rewrite
ALTER TABLE items ALTER COLUMN id TYPE bigint;
ALTER TABLE items ALTER COLUMN name TYPE varchar(10);
ALTER TABLE items ALTER COLUMN price TYPE numeric(8,3);
ALTER TABLE items ALTER COLUMN code TYPE int USING length(code);
SET timezone = 'Europe/Berlin';
ALTER TABLE items ALTER COLUMN seen TYPE timestamptz;
SET timezone = 'UTC';
-- binary-coercible, but the CHECK on the column is re-validated (scan)
ALTER TABLE items ALTER COLUMN qty TYPE int;

-- Safe: binary-coercible changes
ALTER TABLE items ALTER COLUMN name TYPE varchar(40);
ALTER TABLE items ALTER COLUMN name TYPE text;
ALTER TABLE items ALTER COLUMN price TYPE numeric(10,3);
ALTER TABLE items ALTER COLUMN price TYPE numeric;
ALTER TABLE items ALTER COLUMN seen TYPE timestamp;
ALTER TABLE items ALTER COLUMN seen TYPE timestamptz;

-- An index over a column whose collation changes cannot be reused
-- (CheckIndexCompatible compares collations): it is rebuilt
CREATE TABLE labels (id int, name text COLLATE "C");
INSERT INTO labels SELECT g, 'n' || g FROM generate_series(1, 400) g;
CREATE INDEX CONCURRENTLY labels_name ON labels (name);
-- Safe: same type and collation
ALTER TABLE labels ALTER COLUMN name TYPE text COLLATE "C";
-- Unsafe: varchar takes the default collation
SELECT index_build, verdict, reason FROM explain_ddl('ALTER TABLE labels ALTER COLUMN name TYPE varchar');
ALTER TABLE labels ALTER COLUMN name TYPE varchar;
-- Safe: varchar to text keeps the (default) collation
ALTER TABLE labels ALTER COLUMN name TYPE text;
