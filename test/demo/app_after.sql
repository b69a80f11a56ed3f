-- The application after its deploy: it also writes the new column, so rows it
-- touches never need the backfill (only_null skips them).
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
UPDATE pgbench_accounts SET abalance = abalance + :delta, abalance_cents = (abalance + :delta)::bigint * 100
    WHERE aid = :aid;
SELECT abalance, abalance_cents FROM pgbench_accounts WHERE aid = :aid;
