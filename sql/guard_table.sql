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
