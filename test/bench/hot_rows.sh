#!/usr/bin/env bash
# Benchmark (not a test): a backfill on a busy table whose application keeps
# some rows locked. pgbench_accounts (SCALE=20: 2 million rows) gets a new
# column (a fresh copy per run); a closed-loop application (pgbench -c 4) updates random accounts
# and writes the new column, and, in the second run, one more client keeps
# 10 random rows locked for 3 s at a time (a long application transaction).
# For each run it prints the backfill's rows/s, its rows skipped and swept,
# and the application's lock waits longer than 1 s behind the backfill's
# worker (log_lock_waits with deadlock_timeout = 1s, counted when the
# worker is named as a holder), and writes the job's progress every 0.5 s to
# run_hot_rows/timeline_{yes,no}.txt. Target: rows/s with the holder >= 0.8x
# without, and 0 waits > 1 s caused by the backfill.
#   SCALE=20 test/bench/hot_rows.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/hot_rows.sh "$@"
pg_backfill_build

scale=${SCALE:-20}
dir=$PWD/run_hot_rows
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '1GB'" "max_wal_size = '8GB'" \
	"log_lock_waits = on" "deadlock_timeout = '1s'" "log_line_prefix = '%m [%p] %b '" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill"
rows=$(sql -At -c "SELECT count(*) FROM pgbench_accounts")
cat >"$dir/app.sql" <<SQL
\set aid random(1, $((scale * 100000)))
UPDATE accounts SET abalance = abalance + 1, abalance_cents = (abalance + 1)::bigint * 100 WHERE aid = :aid;
SQL
{
	for i in $(seq 1 10); do echo "\\set a$i random(1, $((scale * 100000)))"; done
	echo "BEGIN;"
	echo "SELECT count(*) FROM (SELECT aid FROM accounts WHERE aid IN (:a1, :a2, :a3, :a4, :a5, :a6, :a7, :a8, :a9, :a10) ORDER BY aid FOR UPDATE) l;"
	echo "SELECT pg_sleep(3);"
	echo "COMMIT;"
} >"$dir/holder.sql"

# One run: a fresh copy of pgbench_accounts (accounts) with the new column,
# the application (and the holder, if asked) for the whole backfill. Prints
# "rows/s skipped swept waits".
run() {
	local holder=$1 job start end holder_pid app_pid waits worker
	sql -c "DROP TABLE IF EXISTS accounts" -c "CREATE TABLE accounts AS SELECT * FROM pgbench_accounts" \
		-c "ALTER TABLE accounts ADD PRIMARY KEY (aid)" -c "ALTER TABLE accounts ADD COLUMN abalance_cents bigint" \
		-c "VACUUM ANALYZE accounts" -c "CHECKPOINT"
	: >"$dir/server.log.mark"
	local log_start
	log_start=$(wc -l <"$dir/server.log")
	pgbench -n -c 4 -j 2 -T 600 -f "$dir/app.sql" >/dev/null 2>&1 &
	app_pid=$!
	holder_pid=
	if [ "$holder" = yes ]; then
		pgbench -n -c 1 -T 600 -f "$dir/holder.sql" >/dev/null 2>&1 &
		holder_pid=$!
	fi
	sleep 2 # the load is up (a warm-up, not a condition)
	job=$(sql -At -c "SELECT start_backfill('accounts', 'abalance_cents', 'abalance::bigint * 100')")
	sql -c "SELECT wait_backfill($job)" >/dev/null &
	local waiter=$!
	while kill -0 "$waiter" 2>/dev/null; do
		sql -At -c "SELECT clock_timestamp()::time(1), phase, rows_done, rows_skipped, rows_swept FROM backfill.jobs WHERE job_id = $job" >>"$dir/timeline_$holder.txt"
		sleep 0.5
	done
	kill "$app_pid" $holder_pid 2>/dev/null || true
	wait "$app_pid" $holder_pid 2>/dev/null || true
	worker=$(sql -At -c "SELECT worker_pid FROM backfill.jobs WHERE job_id = $job")
	# Waits > 1 s whose holder list names a pg_backfill worker process.
	waits=$(tail -n +"$log_start" "$dir/server.log" | grep -A1 'client backend .*still waiting' |
		grep -c 'pg_backfill worker' || true)
	sql -At -F ' ' -c "SELECT round(rows_done / extract(epoch FROM finished_at - started_at)), rows_skipped, rows_swept
		FROM backfill.jobs WHERE job_id = $job" | tr '\n' ' '
	echo "$waits"
	local wrong
	wrong=$(sql -At -c "SELECT count(*) FROM accounts WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100")
	[ "$wrong" -eq 0 ] || { echo "$wrong rows wrong" >&2; exit 1; }
}

echo "pgbench_accounts: $rows rows; closed-loop application (pgbench -c 4) writing the new column"
read -r r1 s1 w1 x1 <<<"$(run yes)"
read -r r0 s0 w0 x0 <<<"$(run no)"
printf "%-34s %12s %8s %8s %12s\n" "load" "rows/s" "skipped" "swept" "waits>1s"
printf "%-34s %12s %8s %8s %12s\n" "application" "$r0" "$s0" "$w0" "$x0"
printf "%-34s %12s %8s %8s %12s\n" "application + 3-s lock holder" "$r1" "$s1" "$w1" "$x1"
awk -v a="$r0" -v b="$r1" 'BEGIN { printf "rows/s with holder / without: %.2f (target >= 0.8)\n", b / a }'
