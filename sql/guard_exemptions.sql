-- DDL guard: empty tables, tables below pg_backfill.guard_min_size, and
-- tables created or truncated in the current transaction are exempt.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';

-- empty (0 blocks)
CREATE TABLE empty_t (id int);
ALTER TABLE empty_t ADD COLUMN u uuid DEFAULT gen_random_uuid();
ALTER TABLE empty_t ADD COLUMN n int NOT NULL;
CREATE INDEX empty_t_id ON empty_t (id);

-- below the threshold; at the threshold (8192 bytes) it is no longer exempt
CREATE TABLE small_t (id int);
INSERT INTO small_t VALUES (1);
SET pg_backfill.guard_min_size = '1MB';
ALTER TABLE small_t ADD COLUMN u uuid DEFAULT gen_random_uuid();
SET pg_backfill.guard_min_size = '8kB';
ALTER TABLE small_t ADD COLUMN v uuid DEFAULT gen_random_uuid();

-- created in this transaction, even with rows
BEGIN;
CREATE TABLE new_t AS SELECT g AS id FROM generate_series(1, 400) g;
ALTER TABLE new_t ADD COLUMN u uuid DEFAULT gen_random_uuid();
CREATE INDEX new_t_id ON new_t (id);
ALTER TABLE new_t ALTER COLUMN id SET NOT NULL;
COMMIT;

-- truncated in this transaction, even if refilled
BEGIN;
TRUNCATE new_t;
INSERT INTO new_t (id) SELECT generate_series(1, 400);
ALTER TABLE new_t ADD COLUMN w uuid DEFAULT gen_random_uuid();
COMMIT;
-- ... but not in the next one
ALTER TABLE new_t ADD COLUMN x uuid DEFAULT gen_random_uuid();

-- the size is measured from the storage manager, not pg_class estimates:
-- right after a bulk load relpages still reads 0
CREATE TABLE bulk_t (id int);
INSERT INTO bulk_t SELECT generate_series(1, 400);
SELECT relpages FROM pg_class WHERE relname = 'bulk_t';
ALTER TABLE bulk_t ADD COLUMN u uuid DEFAULT gen_random_uuid();

-- a partitioned table's size is the sum of its partitions
CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
INSERT INTO parted SELECT g, '2020-01-01'::date + g FROM generate_series(1, 600) g;
ALTER TABLE parted ADD COLUMN u uuid DEFAULT gen_random_uuid();
SELECT size_bytes = pg_relation_size('parted_a') + pg_relation_size('parted_b') AS summed, verdict
  FROM explain_ddl('ALTER TABLE parted ADD COLUMN u2 uuid DEFAULT gen_random_uuid()');

-- explain_ddl gives the exemption reasons
SELECT verdict, reason FROM explain_ddl('ALTER TABLE empty_t ADD COLUMN z uuid DEFAULT gen_random_uuid()');
SET pg_backfill.guard_min_size = '1MB';
SELECT verdict, reason FROM explain_ddl('ALTER TABLE small_t ADD COLUMN z uuid DEFAULT gen_random_uuid()');
