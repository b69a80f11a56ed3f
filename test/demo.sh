#!/usr/bin/env bash
# The pg_backfill demo, on a throwaway cluster:
#   1. pgbench tables at scale 50 (5 million rows in pgbench_accounts),
#   2. the DDL guard (block mode) stops an ADD COLUMN that would rewrite the table,
#   3. an application load (pgbench, rate-limited) runs before the deploy,
#   4. the safe column addition: abalance_cents bigint, nullable,
#   5. the application now also writes abalance_cents while pg_backfill fills
#      the existing rows with abalance::bigint * 100, showing its progress,
#   6. every row is checked, and rows/s, TPS before/during and the lock waits
#      pgbench spent behind the backfill are printed.
# SCALE=10 test/demo.sh runs a smaller demo. Installs what it needs (apt-get).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/.." && pwd)" test/demo.sh "$@"
pg_backfill_build

scale=${SCALE:-50}
rate=${RATE:-300}
dir=$PWD/run_demo
# deadlock_timeout = the backfill's lock_timeout, so log_lock_waits logs every
# wait that lasts longer than a batch is allowed to wait for its own locks.
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '1GB'" \
	"max_wal_size = '8GB'" "log_lock_waits = on" "deadlock_timeout = '1s'" "log_line_prefix = '%m [%p] %b '" \
	"pg_backfill.lock_timeout = '1s'" "pg_backfill.guard = block"
trap 'pg_backfill_stop_cluster "$dir"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
pgbench_tps() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1"; }

step "1. pgbench tables at scale $scale"
# pgbench -i adds its primary keys to full tables; the guard would rightly
# refuse that, so initialisation runs with the guard off (a superuser setting).
PGOPTIONS="-c pg_backfill.guard=off" pgbench -i -q -s "$scale" 2>&1 | tail -2
sql -c "CREATE EXTENSION pg_backfill"
sql -At -c "SELECT format('pgbench_accounts: %s rows, %s', count(*), pg_size_pretty(pg_relation_size('pgbench_accounts'))) FROM pgbench_accounts"

step "2. the guard stops an ADD COLUMN that would rewrite the whole table"
echo "=> ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint DEFAULT (random() * 100)::bigint"
if sql -c "ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint DEFAULT (random() * 100)::bigint" 2>&1; then
	echo "the guard did not stop the statement" >&2
	exit 1
fi

step "3. application load before the deploy (pgbench -R $rate, 15 s)"
pgbench -n -c 4 -j 2 -R "$rate" -T 15 -D scale="$scale" -f test/demo/app_before.sql >"$dir/before.txt" 2>&1
grep -E '^(tps|latency average)' "$dir/before.txt"

step "4. the safe column addition"
echo "=> SET lock_timeout = '2s'; ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint"
sql -c "SET lock_timeout = '2s'" -c "ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint"

step "5. backfill abalance_cents while the application writes it too"
pgbench -n -c 4 -j 2 -R "$rate" -T 86400 -P 1 -D scale="$scale" -f test/demo/app_after.sql \
	>"$dir/during.txt" 2>"$dir/during_progress.txt" &
pgbench_pid=$!
echo "=> SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100')"
job=$(sql -At -c "SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100')")
echo "=> SELECT wait_backfill($job)    -- NOTICEs show progress"
sql -c "SET pg_backfill.progress_interval = '3s'" -c "SELECT wait_backfill($job)"
kill "$pgbench_pid"
wait "$pgbench_pid" 2>/dev/null || true
sql -c "SELECT job_id, state, rows_done, batches_done, lock_timeouts, rate, started_at, finished_at FROM backfill_status($job)"

step "6. check every row"
wrong=$(sql -At -c "SELECT count(*) FROM pgbench_accounts WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100")
echo "rows where abalance_cents <> abalance * 100: $wrong"

step "7. figures"
rows_per_s=$(sql -At -c "SELECT round(rows_done / extract(epoch FROM finished_at - started_at)) FROM backfill.jobs WHERE job_id = $job")
# Every lock wait longer than deadlock_timeout (= the backfill's lock_timeout)
# is logged as "still waiting" with the waiter's backend type. Counting the
# pgbench sessions' ones (client backend), whoever held the lock, bounds the
# waits behind the backfill from above.
long_waits=$(grep -c 'client backend .*still waiting' "$dir/server.log" || true)
tps_during=$(awk '/^progress:/ {n++; s+=$4} END {if (n) printf "%.1f", s/n}' "$dir/during_progress.txt")
lat_during=$(awk '/^progress:/ {n++; s+=$7} END {if (n) printf "%.3f", s/n}' "$dir/during_progress.txt")
echo "backfill: $rows_per_s rows/s"
echo "pgbench before: $(pgbench_tps "$dir/before.txt") tps, $(sed -n 's/^latency average = //p' "$dir/before.txt") average latency"
echo "pgbench during: $tps_during tps, $lat_during ms average latency"
echo "lock waits longer than the backfill's lock_timeout (1s), any holder: $long_waits"
[ "$long_waits" -eq 0 ] || grep -A1 'client backend .*still waiting' "$dir/server.log"
[ "$wrong" -eq 0 ] && [ "$long_waits" -eq 0 ]
