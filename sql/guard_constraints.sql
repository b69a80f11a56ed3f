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

-- A foreign key validated on a table created in this transaction: its own
-- lock is exempt, but the old referenced table stays ShareRowExclusiveLock'd
-- while every referencing row is checked
BEGIN;
CREATE TABLE new_children (id int, parent_id int);
INSERT INTO new_children SELECT g, g FROM generate_series(1, 400) g;
-- Unsafe: the lock on parents
ALTER TABLE new_children ADD CONSTRAINT new_children_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id);
SELECT relation, lock_mode, fk_validation, verdict
  FROM explain_ddl('ALTER TABLE new_children ADD CONSTRAINT new_children_fk2 FOREIGN KEY (parent_id) REFERENCES parents (id)');
-- Unsafe: a new column's REFERENCES is validated when the column has a DEFAULT
ALTER TABLE new_children ADD COLUMN parent2_id int DEFAULT 1 REFERENCES parents (id);
-- Safe: NOT VALID (validate after committing)
ALTER TABLE new_children ADD CONSTRAINT new_children_parent_fk3 FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;
ROLLBACK;
-- Safe: the new referencing table is empty
BEGIN;
CREATE TABLE new_children (id int, parent_id int);
ALTER TABLE new_children ADD CONSTRAINT new_children_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id);
ROLLBACK;

-- ALTER DOMAIN: PostgreSQL 15 checks every stored value of the domain,
-- holding ShareLock on each table using it until the statement ends
CREATE DOMAIN quantity AS int;
CREATE DOMAIN small_quantity AS quantity CHECK (VALUE < 100000);
CREATE TABLE stock (id int, q quantity);
INSERT INTO stock SELECT g, g FROM generate_series(1, 400) g;
CREATE TABLE stock_moves (id int, q small_quantity);
INSERT INTO stock_moves SELECT g, g FROM generate_series(1, 400) g;
-- Unsafe: reported for each table, with the sizes summed
BEGIN;
ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0);
ROLLBACK;
BEGIN;
ALTER DOMAIN quantity SET NOT NULL;
ROLLBACK;
-- Safe: NOT VALID checks only new values
ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0) NOT VALID;
-- Unsafe in PostgreSQL 15: VALIDATE CONSTRAINT on a domain also takes ShareLock and scans
BEGIN;
ALTER DOMAIN quantity VALIDATE CONSTRAINT quantity_positive;
ROLLBACK;
SELECT relation, lock_mode, scan, size_bytes > 0 AS measured, verdict
  FROM explain_ddl('ALTER DOMAIN quantity VALIDATE CONSTRAINT quantity_positive');
-- Safe: all tables using the domain together below the threshold
SET pg_backfill.guard_min_size = '1MB';
ALTER DOMAIN quantity VALIDATE CONSTRAINT quantity_positive;
SET pg_backfill.guard_min_size = '8kB';
-- Safe: the domain is already NOT NULL
CREATE DOMAIN code_nn AS text NOT NULL;
CREATE TABLE coded (c code_nn);
INSERT INTO coded SELECT 'c' || g FROM generate_series(1, 400) g;
ALTER DOMAIN code_nn SET NOT NULL;
