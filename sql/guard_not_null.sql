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
