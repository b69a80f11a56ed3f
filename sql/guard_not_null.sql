-- DDL guard: SET NOT NULL (NotNullImpliedByRelConstraints).
CREATE EXTENSION IF NOT EXISTS pg_backfill;
SET pg_backfill.guard_min_size = '8kB';
CREATE TABLE accounts (id int, email text, age int, nick text);
INSERT INTO accounts SELECT g, 'e' || g, g, 'n' || g FROM generate_series(1, 400) g;

-- Unsafe: nothing proves the column is not null
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
-- a CHECK that does not imply IS NOT NULL (weak implication) does not help
ALTER TABLE accounts ADD CONSTRAINT age_positive CHECK (age > 0);
ALTER TABLE accounts ALTER COLUMN age SET NOT NULL;
-- a NOT VALID proof does not count either
ALTER TABLE accounts ADD CONSTRAINT nick_nn CHECK (nick IS NOT NULL) NOT VALID;
ALTER TABLE accounts ALTER COLUMN nick SET NOT NULL;

-- Safe: a validated CHECK (col IS NOT NULL) proves it; already NOT NULL is a no-op
ALTER TABLE accounts VALIDATE CONSTRAINT nick_nn;
ALTER TABLE accounts ALTER COLUMN nick SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT id_nn CHECK (id IS NOT NULL) NOT VALID;
ALTER TABLE accounts VALIDATE CONSTRAINT id_nn;
ALTER TABLE accounts ALTER COLUMN id SET NOT NULL, DROP CONSTRAINT nick_nn;

-- Partitioned table: PostgreSQL sets NOT NULL on every partition and scans
-- each one whose own validated constraints do not prove it
CREATE TABLE journal (id int, kind text, note text) PARTITION BY RANGE (id);
CREATE TABLE journal_1 PARTITION OF journal FOR VALUES FROM (0) TO (1000);
CREATE TABLE journal_2 PARTITION OF journal FOR VALUES FROM (1000) TO (2000);
INSERT INTO journal SELECT g, 'k', 'n' FROM generate_series(1, 1999) g;
ALTER TABLE journal_1 ADD CONSTRAINT journal_1_kind_nn CHECK (kind IS NOT NULL) NOT VALID;
ALTER TABLE journal_1 VALIDATE CONSTRAINT journal_1_kind_nn;
-- Unsafe: proven on journal_1 only, so journal_2 is scanned
BEGIN;
ALTER TABLE journal ALTER COLUMN kind SET NOT NULL;
ROLLBACK;
SELECT verdict, reason FROM explain_ddl('ALTER TABLE journal ALTER COLUMN kind SET NOT NULL');
-- Safe: proven on every partition
ALTER TABLE journal_2 ADD CONSTRAINT journal_2_kind_nn CHECK (kind IS NOT NULL) NOT VALID;
ALTER TABLE journal_2 VALIDATE CONSTRAINT journal_2_kind_nn;
ALTER TABLE journal ALTER COLUMN kind SET NOT NULL;
-- Safe: a CHECK added to the partitioned table is validated on every partition
ALTER TABLE journal ADD CONSTRAINT journal_note_nn CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE journal VALIDATE CONSTRAINT journal_note_nn;
ALTER TABLE journal ALTER COLUMN note SET NOT NULL;
-- Safe: already NOT NULL on every partition
ALTER TABLE journal ALTER COLUMN note SET NOT NULL;
-- Unsafe: plain inheritance, the parent's NO INHERIT proof does not reach the child
CREATE TABLE base_t (id int, v int);
ALTER TABLE base_t ADD CONSTRAINT base_v_nn CHECK (v IS NOT NULL) NO INHERIT;
CREATE TABLE child_t () INHERITS (base_t);
INSERT INTO child_t SELECT g, g FROM generate_series(1, 400) g;
SELECT relation, scan, size_bytes > 0 AS measured, verdict
  FROM explain_ddl('ALTER TABLE base_t ALTER COLUMN v SET NOT NULL');
-- Safe: ONLY the parent, which its constraint proves
ALTER TABLE ONLY base_t ALTER COLUMN v SET NOT NULL;

-- The NOT NULL sequence in one transaction (a Django atomic migration, a
-- sqitch change): VALIDATE then scans under the AccessExclusiveLock the ADD
-- CONSTRAINT took. Unsafe, with the advice to commit first.
CREATE TABLE signups (id int, plan text);
INSERT INTO signups SELECT g, 'free' FROM generate_series(1, 400) g;
BEGIN;
ALTER TABLE signups ADD CONSTRAINT signups_plan_nn CHECK (plan IS NOT NULL) NOT VALID;
ALTER TABLE signups VALIDATE CONSTRAINT signups_plan_nn;
SELECT lock_mode, scan, verdict FROM explain_ddl('ALTER TABLE signups VALIDATE CONSTRAINT signups_plan_nn');
ROLLBACK;
-- In transactions of their own, VALIDATE holds only ShareUpdateExclusiveLock
ALTER TABLE signups ADD CONSTRAINT signups_plan_nn CHECK (plan IS NOT NULL) NOT VALID;
ALTER TABLE signups VALIDATE CONSTRAINT signups_plan_nn;
