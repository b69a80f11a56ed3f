-- DDL guard: SET LOGGED / UNLOGGED, SET TABLESPACE, SET ACCESS METHOD, ATTACH PARTITION.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE logs (id int, msg text);
INSERT INTO logs SELECT g, 'm' || g FROM generate_series(1, 400) g;

-- Unsafe: rewrites
ALTER TABLE logs SET UNLOGGED;
ALTER TABLE logs SET LOGGED;
-- Safe: already in that state, same tablespace, same access method
ALTER TABLE logs SET LOGGED;
ALTER TABLE logs SET TABLESPACE pg_default;
ALTER TABLE logs SET ACCESS METHOD heap;

-- ATTACH PARTITION: scans the partition unless a validated CHECK implies the bound
CREATE TABLE sales (at date, amount int) PARTITION BY RANGE (at);
CREATE TABLE sales_2023 (at date, amount int);
INSERT INTO sales_2023 SELECT '2023-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
ALTER TABLE sales ATTACH PARTITION sales_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE sales_2022 (at date, amount int);
INSERT INTO sales_2022 SELECT '2022-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
ALTER TABLE sales_2022 ADD CONSTRAINT in_2022
  CHECK (at IS NOT NULL AND at >= '2022-01-01' AND at < '2023-01-01') NOT VALID;
ALTER TABLE sales_2022 VALIDATE CONSTRAINT in_2022;
ALTER TABLE sales ATTACH PARTITION sales_2022 FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
-- a parent index the partition lacks is built while attaching
CREATE INDEX sales_amount ON sales (amount);
CREATE TABLE sales_2021 (at date, amount int);
INSERT INTO sales_2021 SELECT '2021-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
ALTER TABLE sales_2021 ADD CONSTRAINT in_2021
  CHECK (at IS NOT NULL AND at >= '2021-01-01' AND at < '2022-01-01');
ALTER TABLE sales ATTACH PARTITION sales_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');

-- ATTACH PARTITION with a DEFAULT partition: PostgreSQL also scans the
-- default partition (AccessExclusiveLock) for rows of the new range unless
-- its validated constraints exclude them
CREATE TABLE sales_other PARTITION OF sales DEFAULT;
INSERT INTO sales_other SELECT '2030-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
CREATE TABLE sales_2019 (at date, amount int);
CREATE INDEX sales_2019_amount ON sales_2019 (amount);
ALTER TABLE sales_2019 ADD CONSTRAINT in_2019
  CHECK (at IS NOT NULL AND at >= '2019-01-01' AND at < '2020-01-01');
-- Unsafe: the default partition is scanned
BEGIN;
ALTER TABLE sales ATTACH PARTITION sales_2019 FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
ROLLBACK;
SELECT relation, lock_mode, scan, index_build, verdict
  FROM explain_ddl($$ALTER TABLE sales ATTACH PARTITION sales_2019 FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')$$);
-- Safe: a validated CHECK on the default partition excludes the new range
ALTER TABLE sales_other ADD CONSTRAINT sales_other_from_2020 CHECK (at >= '2020-01-01') NOT VALID;
ALTER TABLE sales_other VALIDATE CONSTRAINT sales_other_from_2020;
ALTER TABLE sales ATTACH PARTITION sales_2019 FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');

-- Missing indexes are found as AttachPartitionEnsureIndexes finds them
-- (CompareIndexInfo), not by counting: an index on another column does not count
CREATE TABLE sales_2018 (at date, amount int);
INSERT INTO sales_2018 SELECT '2018-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
ALTER TABLE sales_2018 ADD CONSTRAINT in_2018
  CHECK (at IS NOT NULL AND at >= '2018-01-01' AND at < '2019-01-01') NOT VALID;
ALTER TABLE sales_2018 VALIDATE CONSTRAINT in_2018;
CREATE INDEX CONCURRENTLY sales_2018_at ON sales_2018 (at);
-- Unsafe: no index matches sales_amount
BEGIN;
ALTER TABLE sales ATTACH PARTITION sales_2018 FOR VALUES FROM ('2018-01-01') TO ('2019-01-01');
ROLLBACK;
-- an index with another operator class does not match either
CREATE INDEX CONCURRENTLY sales_2018_amount_hash ON sales_2018 USING hash (amount);
SELECT relation, index_build, verdict
  FROM explain_ddl($$ALTER TABLE sales ATTACH PARTITION sales_2018 FOR VALUES FROM ('2018-01-01') TO ('2019-01-01')$$);
-- Safe: a matching index is reused
CREATE INDEX CONCURRENTLY sales_2018_amount ON sales_2018 (amount);
ALTER TABLE sales ATTACH PARTITION sales_2018 FOR VALUES FROM ('2018-01-01') TO ('2019-01-01');

-- CREATE TABLE ... PARTITION OF re-checks the DEFAULT partition the same way
-- (check_default_partition_contents)
BEGIN;
CREATE TABLE sales_2031 PARTITION OF sales FOR VALUES FROM ('2031-01-01') TO ('2032-01-01');
ROLLBACK;
-- Safe: the default partition's validated CHECK excludes the range
CREATE TABLE sales_2017 PARTITION OF sales FOR VALUES FROM ('2017-01-01') TO ('2018-01-01');
-- Safe: IF NOT EXISTS naming an existing table does nothing
CREATE TABLE IF NOT EXISTS sales_2017 PARTITION OF sales FOR VALUES FROM ('2031-01-01') TO ('2032-01-01');
-- Safe: not a partition
CREATE TABLE sales_archive (at date, amount int);
