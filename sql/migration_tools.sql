-- Migration tools: the exact statement sequences that Django and sqitch send,
-- replayed as a non-superuser migration role that raised the guard to block
-- mode for its own session (the CI setting). Each sequence must run with the
-- tool's defaults where it is safe, and be refused where it is not. The same
-- sequences with a session queued behind the migration's lock are in the
-- isolation spec migration_tools.
--
-- Where the statements come from (nothing else of the tools is in the tree):
-- * Django 3.2.25 (Debian 12, python3-django 3:3.2.25-0+deb12u7), a throwaway
--   project with app "shop" and model Order (db_table "orders"):
--   `python3 manage.py sqlmigrate shop 000N`, and the server log
--   (log_statement = all) of `python3 manage.py migrate` for what it sends
--   around them (BEGIN, the django_migrations INSERT, COMMIT; without BEGIN
--   for a migration with atomic = False, where each statement commits alone).
-- * sqitch 1.3.1 (Debian 12, sqitch 1.3.1-1): `sqitch add` wrote the deploy
--   scripts' template (BEGIN; ... COMMIT;); `sqitch deploy` runs each with
--   `psql --quiet --no-psqlrc --no-align --tuples-only --set ON_ERROR_STOP=1
--   --file deploy/<change>.sql` (App/Sqitch/Engine/pg.pm) and adds no
--   transaction of its own around the script.
-- The Django table "orders" is created in schema migtools, found through the
-- search_path as Django finds it in public.
\i sql/helpers/wait_for.sql
-- The guard files before this one may leave the extension installed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_backfill;
RESET client_min_messages;
CREATE ROLE regress_migrator LOGIN;
CREATE SCHEMA migtools AUTHORIZATION regress_migrator;
SET search_path = migtools, public;
SET pg_backfill.guard_min_size = '8kB';
SET ROLE regress_migrator;

-- A migration role cannot change the guard for everyone, but it can raise it
-- for its own session.
SET pg_backfill.guard = block;
SET pg_backfill.session_guard = block;
SHOW pg_backfill.guard;

-- Django 0001_initial (CreateModel), and a table that is big for the guard.
BEGIN;
CREATE TABLE "django_migrations" ("id" bigserial NOT NULL PRIMARY KEY, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" timestamp with time zone NOT NULL);
COMMIT;
BEGIN;
CREATE TABLE "orders" ("id" bigserial NOT NULL PRIMARY KEY, "total" integer NOT NULL);
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0001_initial', '2026-11-29T05:20:46.008311+00:00'::timestamptz) RETURNING "django_migrations"."id";
COMMIT;
INSERT INTO orders (total) SELECT g % 1000 FROM generate_series(1, 3000) g;
ANALYZE orders;
SELECT verdict, reason FROM explain_ddl('ALTER TABLE orders ADD COLUMN c int NOT NULL');

-- Django 0002: AddField(IntegerField(default=0)), atomic. A constant default
-- is a fast default (no rewrite, no scan), and DROP DEFAULT touches the
-- catalog only: both pass, in one transaction.
BEGIN;
ALTER TABLE "orders" ADD COLUMN "quantity" integer DEFAULT 0 NOT NULL;
ALTER TABLE "orders" ALTER COLUMN "quantity" DROP DEFAULT;
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0002_order_quantity', '2026-11-29T05:21:30.081641+00:00'::timestamptz) RETURNING "django_migrations"."id";
COMMIT;
SELECT count(*) AS rows, count(*) FILTER (WHERE quantity = 0) AS zero FROM orders;

-- Django 0003: AddField(TextField(null=True)), atomic.
BEGIN;
ALTER TABLE "orders" ADD COLUMN "note" text NULL;
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0003_order_note', '2026-11-29T05:21:30.089316+00:00'::timestamptz) RETURNING "django_migrations"."id";
COMMIT;

-- Django 0004: RunSQL with state_operations=[AddField(BigIntegerField(null=True))],
-- atomic. The job is started in the migration's transaction: it stays queued,
-- with no worker, until that transaction commits. Django discards the job id
-- (\gset keeps it out of the expected output, as Django keeps it out of reach).
BEGIN;
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN total_cents bigint');
SELECT start_backfill('orders', 'total_cents', 'total::bigint * 100') \gset
SELECT state, worker_pid FROM backfill.jobs WHERE job_id = column_backfill_job('orders', 'total_cents');
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0004_total_cents_start', '2026-11-29T05:21:30.098863+00:00'::timestamptz) RETURNING "django_migrations"."id";
COMMIT;

-- Django 0005, atomic = False (each statement in its own transaction), a
-- later migration that finds the job by its column: wait, the NOT NULL
-- sequence with each lock taken under run_with_lock_retries, VALIDATE under
-- ShareUpdateExclusiveLock, AddIndexConcurrently. Nothing is refused.
SELECT wait_column_backfill('orders', 'total_cents');
SELECT run_with_lock_retries('ALTER TABLE orders ADD CONSTRAINT orders_total_cents_nn CHECK (total_cents IS NOT NULL) NOT VALID');
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_cents_nn;
SELECT run_with_lock_retries('ALTER TABLE orders ALTER COLUMN total_cents SET NOT NULL');
SELECT run_with_lock_retries('ALTER TABLE orders DROP CONSTRAINT orders_total_cents_nn');
CREATE INDEX CONCURRENTLY "orders_total_cents" ON "orders" ("total_cents");
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0005_total_cents_finish', '2026-11-29T05:21:41.965839+00:00'::timestamptz) RETURNING "django_migrations"."id";
SELECT count(*) AS wrong FROM orders WHERE total_cents IS DISTINCT FROM total::bigint * 100;
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'total_cents';
SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_total_cents'::regclass;

-- The same 0005 left atomic (Django's default), on a second filled column:
-- VALIDATE would scan the table under the AccessExclusiveLock that ADD
-- CONSTRAINT took in the same transaction, so block mode refuses it, and the
-- hint says that each statement needs its own transaction. Nothing of the
-- migration is left.
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN discount_cents bigint');
SELECT start_backfill('orders', 'discount_cents', 'total::bigint * 10') \gset
SELECT wait_column_backfill('orders', 'discount_cents');
BEGIN;
SELECT wait_column_backfill('orders', 'discount_cents');
ALTER TABLE orders ADD CONSTRAINT orders_discount_cents_nn CHECK (discount_cents IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_discount_cents_nn;
ALTER TABLE orders ALTER COLUMN discount_cents SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_discount_cents_nn;
COMMIT;
SELECT count(*) AS constraints FROM pg_constraint WHERE conname = 'orders_discount_cents_nn';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'discount_cents';

-- Django's AlterField(null=False) with a default on a nullable column: one
-- UPDATE of every row, then SET NOT NULL with nothing to prove it: refused.
BEGIN;
ALTER TABLE "orders" ALTER COLUMN "note" SET DEFAULT '';
UPDATE "orders" SET "note" = '' WHERE "note" IS NULL;
ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;
ALTER TABLE "orders" ALTER COLUMN "note" DROP DEFAULT;
COMMIT;

-- Django 0006: AddField(UUIDField(default=uuid.uuid4)). Django calls
-- uuid.uuid4() once and sends its value as a constant default: the guard
-- sees a fast default (safe), and every existing row gets the same uuid.
BEGIN;
ALTER TABLE "orders" ADD COLUMN "token" uuid DEFAULT '8f152211-8d1f-4304-8fc6-53b0f2e6bbed'::uuid NOT NULL;
ALTER TABLE "orders" ALTER COLUMN "token" DROP DEFAULT;
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0006_order_token', '2026-11-29T05:21:44.446647+00:00'::timestamptz) RETURNING "django_migrations"."id";
COMMIT;
SELECT count(*) AS rows, count(DISTINCT token) AS distinct_tokens FROM orders;
ALTER TABLE orders DROP COLUMN token;
-- The fix (README, Migration tools): RunSQL with state_operations=[AddField(
-- UUIDField(null=True, default=uuid.uuid4))], atomic: the database's default
-- for new rows, a backfill with one value per row (the NOT NULL sequence then
-- follows as in 0005, atomic = False).
BEGIN;
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN token uuid');
ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
SELECT start_backfill('orders', 'token', 'gen_random_uuid()') \gset
COMMIT;
SELECT wait_column_backfill('orders', 'token');
INSERT INTO orders (total, quantity, total_cents, discount_cents) VALUES (1, 0, 100, 10);
SELECT count(*) AS rows, count(DISTINCT token) AS distinct_tokens, count(token) AS filled FROM orders;
DELETE FROM orders WHERE id > 3000;

-- sqitch: deploy/orders_amount.sql as `sqitch add` templates it (BEGIN;
-- COMMIT;), with the guard's own safe sequence: add the column, its default
-- for new rows, the backfill. Without lock_timeout, then with it (PGOPTIONS=
-- '-c lock_timeout=5s' for sqitch's psql). psql prints the job id, which here
-- depends on the tests before (\gset).
BEGIN;

ALTER TABLE orders ADD COLUMN amount_cents bigint;
ALTER TABLE orders ALTER COLUMN amount_cents SET DEFAULT 0;
SELECT start_backfill('orders', 'amount_cents', 'total::bigint * 100 + quantity') \gset

COMMIT;
SELECT wait_column_backfill('orders', 'amount_cents');
SET lock_timeout = '5s';
BEGIN;

ALTER TABLE orders ADD COLUMN shipping_cents bigint;
ALTER TABLE orders ALTER COLUMN shipping_cents SET DEFAULT 0;
SELECT start_backfill('orders', 'shipping_cents', 'quantity::bigint') \gset

COMMIT;
RESET lock_timeout;
SELECT wait_column_backfill('orders', 'shipping_cents');
SELECT count(*) AS wrong FROM orders
 WHERE amount_cents IS DISTINCT FROM total::bigint * 100 + quantity
    OR shipping_cents IS DISTINCT FROM quantity::bigint;

-- sqitch: deploy/orders_amount_not_null.sql. In the template's BEGIN/COMMIT
-- it sends the statements of Django's atomic 0005 above in one transaction,
-- refused at VALIDATE the same way (psql with ON_ERROR_STOP ends there and
-- sqitch rolls the change back). Without BEGIN/COMMIT psql commits each
-- statement:
SELECT wait_column_backfill('orders', 'amount_cents');
SELECT run_with_lock_retries('ALTER TABLE orders ADD CONSTRAINT orders_amount_cents_nn CHECK (amount_cents IS NOT NULL) NOT VALID');
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_cents_nn;
SELECT run_with_lock_retries('ALTER TABLE orders ALTER COLUMN amount_cents SET NOT NULL');
SELECT run_with_lock_retries('ALTER TABLE orders DROP CONSTRAINT orders_amount_cents_nn');
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount_cents';

-- sqitch revert/orders_amount.sql (template transaction): cancel the job on
-- the column, then drop it; the guard lets the drop through once the cancel
-- is done in the same transaction.
SELECT run_with_lock_retries('ALTER TABLE orders ADD COLUMN rebate_cents bigint');
SELECT start_backfill('orders', 'rebate_cents', 'total::bigint', batch_size => 100, batch_delay => '1h') \gset
SELECT wait_for($$(SELECT rows_done > 0 FROM backfill_status(column_backfill_job('orders', 'rebate_cents')))$$);
BEGIN;

SELECT cancel_column_backfill('orders', 'rebate_cents');
ALTER TABLE orders DROP COLUMN rebate_cents;

COMMIT;
SELECT state FROM backfill_status() WHERE job_id = :start_backfill;

RESET ROLE;
RESET search_path;
DROP SCHEMA migtools CASCADE;
DROP ROLE regress_migrator;
DROP EXTENSION pg_backfill;
