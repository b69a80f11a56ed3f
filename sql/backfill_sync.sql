-- start_backfill(..., sync => true): a C row trigger keeps rows written by
-- code that does not write the column filled while (and after) the job runs;
-- cancel_backfill drops it; backfill_status shows it; every bad input.
CREATE EXTENSION pg_backfill;
\i sql/helpers/wait_for.sql

CREATE TABLE accounts (aid integer PRIMARY KEY, abalance integer NOT NULL, note text, cents bigint);
INSERT INTO accounts SELECT g, g % 100 FROM generate_series(1, 3000) g;

-- The trigger exists when start_backfill returns, in its transaction, before
-- the first batch (the worker waits for the transaction).
BEGIN;
SELECT start_backfill('accounts', 'cents', 'abalance::bigint * 100', batch_size => 500, sync => true) AS job \gset
SELECT tgname = 'pg_backfill_sync_' || :job AS named, tgfoid::regproc, tgtype, tgenabled, tgisinternal,
       encode(tgargs, 'escape') = :job || '\000' AS args_job_id
FROM pg_trigger WHERE tgrelid = 'accounts'::regclass;
SELECT sync_trigger = (SELECT oid FROM pg_trigger WHERE tgrelid = 'accounts'::regclass) AS recorded,
       expression_tree LIKE '{OPEXPR %' AS tree_stored
FROM backfill.jobs WHERE job_id = :job;
-- INSERT without the column: filled. With it: kept.
INSERT INTO accounts (aid, abalance) VALUES (10001, 7);
INSERT INTO accounts (aid, abalance, cents) VALUES (10002, 7, -1);
-- UPDATE of an input the writer made without writing the column: recomputed.
UPDATE accounts SET abalance = 8 WHERE aid = 10001;
-- UPDATE of an input by a writer that also writes the column: its value stays.
UPDATE accounts SET abalance = 9, cents = -2 WHERE aid = 10002;
SELECT aid, abalance, cents FROM accounts WHERE aid > 10000 ORDER BY aid;
-- UPDATE that changes no input leaves the column as it is (even a wrong value).
UPDATE accounts SET cents = 5 WHERE aid = 10001;
UPDATE accounts SET note = 'x' WHERE aid = 10001;
SELECT aid, abalance, cents FROM accounts WHERE aid = 10001;
UPDATE accounts SET abalance = abalance WHERE aid = 10001;
SELECT aid, abalance, cents FROM accounts WHERE aid = 10001;
COMMIT;
SELECT wait_backfill(:job);
SELECT state, sync FROM backfill_status(:job);
-- The trigger stays after the job succeeded (the finishing steps drop it).
INSERT INTO accounts (aid, abalance) VALUES (10003, 3);
UPDATE accounts SET abalance = abalance + 1 WHERE aid <= 100;
-- INSERT ... ON CONFLICT DO UPDATE and COPY fire it too.
INSERT INTO accounts (aid, abalance) VALUES (10003, 4) ON CONFLICT (aid) DO UPDATE SET abalance = 5;
COPY accounts (aid, abalance) FROM stdin;
10004	6
\.
SELECT count(*) AS wrong FROM accounts WHERE cents IS DISTINCT FROM abalance::bigint * 100 AND aid NOT IN (10001, 10002);

-- The expression's inputs and the target column depend on the trigger.
ALTER TABLE accounts DROP COLUMN abalance;
ALTER TABLE accounts ALTER COLUMN abalance TYPE bigint;
ALTER TABLE accounts DROP COLUMN cents;
-- Renames are followed (columns by number).
ALTER TABLE accounts RENAME COLUMN abalance TO balance;
INSERT INTO accounts (aid, balance) VALUES (10005, 11);
SELECT cents FROM accounts WHERE aid = 10005;
ALTER TABLE accounts RENAME COLUMN balance TO abalance;
-- Dropped by hand (DROP TRIGGER), status says so.
SELECT format('DROP TRIGGER %I ON accounts', tgname) AS drop_trigger FROM pg_trigger
WHERE tgrelid = 'accounts'::regclass \gset
:drop_trigger;
SELECT sync FROM backfill_status(:job);

-- cancel_backfill drops the trigger (with lock retries).
SELECT start_backfill('accounts', 'note', 'abalance::text', batch_delay => '1 h', batch_size => 1,
                      sync => true) AS job \gset
SELECT wait_for($$(SELECT batches_done >= 1 FROM backfill.jobs WHERE job_id = $$ || :job || ')');
SELECT sync FROM backfill_status(:job);
SELECT cancel_backfill(:job);
SELECT sync, state FROM backfill_status(:job);
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'accounts'::regclass;
SELECT sync_trigger FROM backfill.jobs WHERE job_id = :job;
-- A rolled-back start leaves no trigger.
BEGIN;
SELECT start_backfill('accounts', 'note', 'abalance::text', sync => true) > 0 AS started;
ROLLBACK;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'accounts'::regclass;

-- A name in use gets a suffix.
UPDATE accounts SET note = NULL;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
SELECT format('CREATE TRIGGER pg_backfill_sync_%s BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION noop()',
              (SELECT last_value + 1 FROM backfill.jobs_job_id_seq)) AS create_trigger \gset
:create_trigger;
SELECT start_backfill('accounts', 'note', 'abalance::text', sync => true) AS job \gset
SELECT tgname = 'pg_backfill_sync_' || :job || '_1' AS suffixed FROM pg_trigger
WHERE oid = (SELECT sync_trigger FROM backfill.jobs WHERE job_id = :job);
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM accounts WHERE note IS DISTINCT FROM abalance::text;
SELECT format('DROP TRIGGER %I ON accounts', tgname) AS drop_trigger FROM pg_trigger
WHERE oid = (SELECT sync_trigger FROM backfill.jobs WHERE job_id = :job) \gset
:drop_trigger;
SELECT format('DROP TRIGGER pg_backfill_sync_%s ON accounts', :job) AS drop_trigger \gset
:drop_trigger;

-- The expression runs as the job's owner, in a security-restricted
-- operation, with search_path pinned, whoever writes: like the worker.
CREATE ROLE sync_owner;
CREATE ROLE sync_writer;
CREATE TABLE docs (id integer PRIMARY KEY, body text, who text, path text);
GRANT SELECT, UPDATE, TRIGGER ON docs TO sync_owner;
GRANT SELECT, INSERT, UPDATE ON docs TO sync_writer;
CREATE FUNCTION whoami(text) RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_user || ':' || $1 $$;
CREATE FUNCTION search_path_now(text) RETURNS text LANGUAGE plpgsql STABLE
AS $$ BEGIN RETURN current_setting('search_path'); END $$;
CREATE FUNCTION try_set_role(text) RETURNS text LANGUAGE plpgsql VOLATILE
AS $$ BEGIN SET ROLE NONE; RETURN 'escaped'; END $$;
SET ROLE sync_owner;
SELECT start_backfill('docs', 'who', 'whoami(body)', sync => true) AS who_job \gset
SELECT start_backfill('docs', 'path', 'search_path_now(body)', sync => true) AS path_job \gset
RESET ROLE;
SET ROLE sync_writer;
INSERT INTO docs (id, body) VALUES (1, 'a');
SELECT who, path FROM docs;
RESET ROLE;
SELECT who FROM docs;
-- Code in the expression cannot leave the owner's rights.
SELECT wait_backfill(:who_job), wait_backfill(:path_job);
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'docs'::regclass;
SELECT format('DROP TRIGGER %I ON docs', tgname) AS d1 FROM pg_trigger WHERE tgrelid = 'docs'::regclass
ORDER BY tgname LIMIT 1 \gset
:d1;
SELECT format('DROP TRIGGER %I ON docs', tgname) AS d1 FROM pg_trigger WHERE tgrelid = 'docs'::regclass
ORDER BY tgname LIMIT 1 \gset
:d1;
SET ROLE sync_owner;
SELECT start_backfill('docs', 'who', 'try_set_role(body)', only_null => false, sync => true) AS job \gset
RESET ROLE;
SET ROLE sync_writer;
INSERT INTO docs (id, body) VALUES (2, 'b');
RESET ROLE;
-- The worker fails the same way; a failed job keeps its trigger (resume
-- may continue it) until it is dropped by hand.
SELECT wait_for($$(SELECT state = 'failed' FROM backfill.jobs WHERE job_id = $$ || :job || ')');
SELECT state, last_error, sync FROM backfill_status(:job);
SELECT format('DROP TRIGGER %I ON docs', tgname) AS d1 FROM pg_trigger WHERE tgrelid = 'docs'::regclass \gset
:d1;
-- Sync needs the TRIGGER privilege, as CREATE TRIGGER does.
REVOKE TRIGGER ON docs FROM sync_owner;
SET ROLE sync_owner;
SELECT start_backfill('docs', 'who', 'body', sync => true);
BEGIN;
SELECT start_backfill('docs', 'who', 'body') > 0 AS without_sync_is_fine;
ROLLBACK;
RESET ROLE;

-- A trigger that is not its job's sync trigger refuses to run.
CREATE TRIGGER fake BEFORE INSERT ON docs FOR EACH ROW EXECUTE FUNCTION backfill.sync_trigger('999999');
INSERT INTO docs (id, body) VALUES (3, 'c');
DROP TRIGGER fake ON docs;
CREATE TRIGGER fake AFTER INSERT ON docs FOR EACH ROW EXECUTE FUNCTION backfill.sync_trigger('1');
INSERT INTO docs (id, body) VALUES (3, 'c');
DROP TRIGGER fake ON docs;
SELECT backfill.sync_trigger();

-- Bad input.
SELECT start_backfill('accounts', 'note', 'abalance::text', sync => NULL);
CREATE TABLE gen (id integer PRIMARY KEY, a integer, g integer GENERATED ALWAYS AS (a * 2) STORED, c text);
SELECT start_backfill('gen', 'c', 'g::text', sync => true);
SELECT start_backfill('gen', 'c', 'gen::text', sync => true);
SELECT start_backfill('gen', 'c', 'ctid::text', sync => true);
SELECT count(*) AS jobs FROM backfill.jobs WHERE relid = 'gen'::regclass;

-- Partitioned tables: the trigger is cloned to every partition, present and
-- future, whose columns may be numbered differently.
CREATE TABLE parted (id integer NOT NULL, a integer, c bigint, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000);
CREATE TABLE parted_2 (junk integer, id integer NOT NULL, c bigint, a integer);
ALTER TABLE parted_2 DROP COLUMN junk;
ALTER TABLE parted ATTACH PARTITION parted_2 FOR VALUES FROM (1000) TO (2000);
INSERT INTO parted (id, a) SELECT g, g FROM generate_series(1, 1999) g;
SELECT start_backfill('parted', 'c', 'a * 3', sync => true) AS job \gset
SELECT wait_backfill(:job);
CREATE TABLE parted_3 PARTITION OF parted FOR VALUES FROM (2000) TO (3000);
INSERT INTO parted (id, a) VALUES (5, 5), (1005, 1005), (2005, 2005) ON CONFLICT (id) DO UPDATE SET a = 7;
INSERT INTO parted_2 (id, a) VALUES (1500, 10) ON CONFLICT (id) DO UPDATE SET a = 10;
UPDATE parted SET a = a + 1 WHERE id % 100 = 0;
SELECT count(*) AS wrong FROM parted WHERE c IS DISTINCT FROM a * 3;
SELECT tgrelid::regclass, count(*) FROM pg_trigger WHERE tgfoid = 'backfill.sync_trigger'::regproc GROUP BY 1 ORDER BY 1;
SELECT format('DROP TRIGGER %I ON parted', tgname) AS d1 FROM pg_trigger WHERE tgrelid = 'parted'::regclass \gset
:d1;

DROP TABLE accounts, docs, gen, parted;
DROP FUNCTION noop(), whoami(text), search_path_now(text), try_set_role(text), wait_for(text);
DROP ROLE sync_owner;
DROP ROLE sync_writer;
DROP EXTENSION pg_backfill;
