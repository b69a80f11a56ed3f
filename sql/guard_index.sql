-- DDL guard: CREATE INDEX, REINDEX, CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW.
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE events (id int PRIMARY KEY, kind text);
INSERT INTO events SELECT g, 'k' || (g % 7) FROM generate_series(1, 400) g;
CREATE MATERIALIZED VIEW event_kinds AS SELECT id, kind FROM events;

-- Unsafe
CREATE INDEX events_kind ON events (kind);
CREATE UNIQUE INDEX events_id_kind ON events (id, kind);
REINDEX TABLE events;
REINDEX INDEX events_kind;
CLUSTER events USING events_pkey;
VACUUM FULL events;
REFRESH MATERIALIZED VIEW event_kinds;

-- Safe: CONCURRENTLY, IF NOT EXISTS on an existing index, plain VACUUM
CREATE INDEX CONCURRENTLY events_kind2 ON events (kind);
REINDEX INDEX CONCURRENTLY events_kind2;
CREATE INDEX IF NOT EXISTS events_kind ON events (kind);
VACUUM events;
CREATE UNIQUE INDEX CONCURRENTLY event_kinds_key ON event_kinds (id);
REFRESH MATERIALIZED VIEW CONCURRENTLY event_kinds;

-- partitioned: the build happens on every partition; ON ONLY builds nothing
CREATE TABLE measures (at date, v int) PARTITION BY RANGE (at);
CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO measures SELECT '2024-01-01'::date + (g % 300), g FROM generate_series(1, 400) g;
CREATE INDEX measures_v ON measures (v);
CREATE INDEX measures_v_only ON ONLY measures (v);

-- Without a table name, VACUUM FULL, CLUSTER and REINDEX SCHEMA / DATABASE /
-- SYSTEM process every table the user may (each in its own transaction):
-- the largest is judged. Run as a role owning two tables.
CREATE ROLE guard_maint;
CREATE SCHEMA maint AUTHORIZATION guard_maint;
SET pg_backfill.guard = block;
SET ROLE guard_maint;
CREATE TABLE maint.big (id int PRIMARY KEY, pad text);
INSERT INTO maint.big SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g;
CREATE TABLE maint.tiny (id int PRIMARY KEY);
INSERT INTO maint.tiny VALUES (1);
ALTER TABLE maint.big CLUSTER ON big_pkey;
ALTER TABLE maint.tiny CLUSTER ON tiny_pkey;
-- Unsafe (block mode: refused)
VACUUM FULL;
CLUSTER;
REINDEX SCHEMA maint;
SELECT command, relation, lock_mode, rewrite, index_build, verdict
  FROM explain_ddl('VACUUM FULL; CLUSTER; REINDEX SCHEMA maint; REINDEX SCHEMA CONCURRENTLY maint');
-- Safe: CONCURRENTLY
REINDEX SCHEMA CONCURRENTLY maint;
-- Safe: every table below the threshold
RESET ROLE;
SET pg_backfill.guard_min_size = '1MB';
SET ROLE guard_maint;
SELECT command, relation, verdict FROM explain_ddl('VACUUM FULL; CLUSTER; REINDEX SCHEMA maint');
RESET ROLE;
RESET pg_backfill.guard;
SET pg_backfill.guard_min_size = '8kB';
DROP SCHEMA maint CASCADE;
DROP ROLE guard_maint;
