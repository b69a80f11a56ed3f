#!/usr/bin/env bash
# The pg_backfill demo, on a throwaway cluster:
#   1. pgbench tables at scale 50 (5 million rows in pgbench_accounts),
#   2. the DDL guard (block mode) stops an ADD COLUMN that would rewrite the table,
#   3. an application load (pgbench, rate-limited) runs before the deploy,
#   4. the safe column addition: abalance_cents bigint, nullable,
#   5. the application now also writes abalance_cents while pg_backfill fills
#      the existing rows with abalance::bigint * 100, showing its progress,
#   6. every row is checked, and rows/s, TPS and latency (average, p50, p99, from
#      pgbench's per-transaction logs) before and during the backfill, side by
#      side, the pacing controller's decisions, and the lock waits pgbench
#      spent behind the backfill are printed.
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
# The table's pages go to disk now, as a production table's long have: left
# in the page cache, the kernel writes them back 30 s after pgbench -i
# (vm.dirty_expire_centisecs), inside the backfill's window, and the
# application's commits wait behind that writeback (a 120-ms stall).
sql -c "CHECKPOINT"
sql -At -c "SELECT format('pgbench_accounts: %s rows, %s', count(*), pg_size_pretty(pg_relation_size('pgbench_accounts'))) FROM pgbench_accounts"

step "2. the guard stops an ADD COLUMN that would rewrite the whole table"
echo "=> ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint DEFAULT (random() * 100)::bigint"
if sql -c "ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint DEFAULT (random() * 100)::bigint" 2>&1; then
	echo "the guard did not stop the statement" >&2
	exit 1
fi

step "3. application load before the deploy (pgbench -R $rate, 15 s)"
pgbench -n -c 4 -j 2 -R "$rate" -T 15 -D scale="$scale" -f test/demo/app_before.sql -l \
	--log-prefix="$dir/before_log" >"$dir/before.txt" 2>&1
grep -E '^(tps|latency average)' "$dir/before.txt"

step "4. the safe column addition"
echo "=> SET lock_timeout = '2s'; ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint"
sql -c "SET lock_timeout = '2s'" -c "ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint"

step "5. backfill abalance_cents while the application writes it too"
pgbench -n -c 4 -j 2 -R "$rate" -T 86400 -P 1 -D scale="$scale" -f test/demo/app_after.sql -l \
	--log-prefix="$dir/during_log" >"$dir/during.txt" 2>"$dir/during_progress.txt" &
pgbench_pid=$!
echo "=> SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100')"
job=$(sql -At -c "SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100')")
echo "=> SELECT wait_backfill($job)    -- NOTICEs show progress"
sql -c "SET pg_backfill.progress_interval = '3s'" -c "SELECT wait_backfill($job)"
# Ending pgbench's sessions ends pgbench, which then writes its logs.
sql -q -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pgbench'" >/dev/null
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
# Application latency from pgbench's per-transaction logs (open loop: from
# each transaction's scheduled start): before = the 15 s run before the
# deploy, during = transactions that ended while the job ran.
window=$(sql -At -F ' ' -c "SELECT extract(epoch FROM started_at), extract(epoch FROM finished_at) FROM backfill.jobs WHERE job_id = $job")
latency() { # files... -> "tps mean p50 p99 count" of transactions ending in [from, to]
	local from=$1 to=$2
	shift 2
	cat "$@" | awk -v from="$from" -v to="$to" '{ t = $5 + $6 / 1e6; if (t >= from && t <= to) printf "%.3f %.6f\n", $3 / 1000.0, t }' |
		sort -n | awk '{ lat[NR] = $1; sum += $1; if (NR == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
			END { if (NR == 0) { print "- - - - 0"; exit }
			      printf "%.0f %.2f %.2f %.2f %d\n", NR / (hi - lo), sum / NR, lat[int(NR * 0.5) + 1], lat[int(NR * 0.99) + 1], NR }'
}
read -r tps_b mean_b p50_b p99_b n_b <<<"$(latency 0 9999999999 "$dir"/before_log.*)"
read -r tps_d mean_d p50_d p99_d n_d <<<"$(latency $window "$dir"/during_log.*)"
# Without transactions in either window there is nothing to compare: the
# demo is broken, not the backfill.
[ "$n_b" -gt 0 ] && [ "$n_d" -gt 0 ] || { echo "no application transactions found in a window" >&2; exit 1; }
echo "backfill: $rows_per_s rows/s"
printf '%-28s %12s %12s\n' "application (pgbench -R $rate)" "before" "during"
printf '%-28s %12s %12s\n' "TPS" "$tps_b" "$tps_d"
printf '%-28s %12s %12s\n' "latency average (ms)" "$mean_b" "$mean_d"
printf '%-28s %12s %12s\n' "latency p50 (ms)" "$p50_b" "$p50_d"
printf '%-28s %12s %12s\n' "latency p99 (ms)" "$p99_b" "$p99_d"
printf '%-28s %12s %12s\n' "transactions" "$n_b" "$n_d"
# The demo's target is on pgbench's average latency (0.1's unpaced worker
# took it from 0.6 to 15 ms); the p99, printed beside it, is the benchmark's
# (test/bench/pacing_impact.sh).
awk -v mb="$mean_b" -v md="$mean_d" -v b="$p99_b" -v d="$p99_d" \
	'BEGIN { printf "during / before: average %.2fx (target: within 2x), p99 %.2fx\n", md / mb, d / b }'
echo "what the pacing controller did (backfill_history, reasons and their intervals):"
sql -c "SELECT regexp_replace(reason, ' [0-9.]+x', ' Nx') AS held_back_by, count(*) AS seconds,
               round(avg(rows_per_s)) AS avg_rows_per_s, round(avg(batch_size)) AS avg_batch_size
          FROM backfill_history($job) GROUP BY 1 ORDER BY 2 DESC"
echo "lock waits longer than the backfill's lock_timeout (1s), any holder: $long_waits"
[ "$long_waits" -eq 0 ] || grep -A1 'client backend .*still waiting' "$dir/server.log"
[ "$wrong" -eq 0 ] && [ "$long_waits" -eq 0 ]
