-- DDL guard: ADD CONSTRAINT (CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY, EXCLUDE).
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT generate_series(1, 400);
CREATE TABLE children (id int, parent_id int, code int, slot int4range);
INSERT INTO children SELECT g, g, g, int4range(g, g + 1) FROM generate_series(1, 400) g;

-- Unsafe: validated on the spot
ALTER TABLE children ADD CONSTRAINT code_positive CHECK (code > 0);
ALTER TABLE children ADD CONSTRAINT children_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id);
ALTER TABLE children ADD CONSTRAINT children_code_key UNIQUE (code);
ALTER TABLE children ADD PRIMARY KEY (id);
ALTER TABLE children ADD CONSTRAINT no_overlap EXCLUDE USING gist (slot WITH &&);
-- PRIMARY KEY USING INDEX on a nullable column scans to set NOT NULL
CREATE TABLE tickets (code int, serial int NOT NULL);
INSERT INTO tickets SELECT g, g FROM generate_series(1, 400) g;
CREATE UNIQUE INDEX CONCURRENTLY tickets_code_idx ON tickets (code);
ALTER TABLE tickets ADD CONSTRAINT tickets_pk PRIMARY KEY USING INDEX tickets_code_idx;

-- Safe: NOT VALID, then VALIDATE (ShareUpdateExclusiveLock), USING INDEX
ALTER TABLE children ADD CONSTRAINT code_small CHECK (code < 1000) NOT VALID;
ALTER TABLE children VALIDATE CONSTRAINT code_small;
ALTER TABLE children ADD CONSTRAINT children_parent_fk2 FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;
ALTER TABLE children VALIDATE CONSTRAINT children_parent_fk2;
CREATE UNIQUE INDEX CONCURRENTLY children_parent_idx ON children (parent_id);
ALTER TABLE children ADD CONSTRAINT children_parent_key UNIQUE USING INDEX children_parent_idx;
CREATE UNIQUE INDEX CONCURRENTLY tickets_serial_idx ON tickets (serial);
ALTER TABLE tickets DROP CONSTRAINT tickets_pk;
ALTER TABLE tickets ADD CONSTRAINT tickets_pk PRIMARY KEY USING INDEX tickets_serial_idx;
