#!/usr/bin/env bash
# Benchmark (not a test): fills abalance_cents = abalance::bigint * 100 on a
# freshly loaded copy of pgbench_accounts (scale 50 = 5 million rows), without
# concurrent load, three ways:
#   (a) one UPDATE statement,
#   (b) a PL/pgSQL procedure committing every 10,000 rows by keyset
#       (test/bench/hand_written_backfill.sql),
#   (c) start_backfill(..., batch_delay => 0) + wait_backfill,
#   (d) the same on a copy without a primary key (walked by TID ranges),
# and prints rows/s and the table's size afterwards (bloat) for each, and the
# ratios c/a, c/b and d/a. Each run starts from an identical fresh copy
# (test/bench/fill_lib.sh).
#   SCALE=50 BATCH=10000 test/bench/backfill_throughput.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/backfill_throughput.sh "$@"
pg_backfill_build

scale=${SCALE:-50}
batch=${BATCH:-10000}
dir=$PWD/run_bench
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '2GB'" \
	"max_wal_size = '16GB'" "checkpoint_timeout = '30min'" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill"
rows=$(sql -At -c "SELECT count(*) FROM pgbench_accounts")

. test/bench/fill_lib.sh

sql -f test/bench/hand_written_backfill.sql
echo "table: $rows rows; batch size $batch for (b) and (c)"
read -r t_a m_a <<<"$(timed_fill sql -c "UPDATE bench SET abalance_cents = abalance::bigint * 100")"
read -r t_b m_b <<<"$(timed_fill sql -c "CALL fill_by_hand($batch)")"
read -r t_c m_c <<<"$(timed_fill fill_with_backfill)"
read -r t_d m_d <<<"$(KEY=none timed_fill fill_with_backfill)"
m_0=$(sql -At -c "SELECT pg_relation_size('pgbench_accounts') / 1048576")

echo "table size before any fill: $m_0 MB"
awk -v rows="$rows" -v a="$t_a" -v b="$t_b" -v c="$t_c" -v d="$t_d" \
	-v ma="$m_a" -v mb="$m_b" -v mc="$m_c" -v md="$m_d" 'BEGIN {
	printf "(a) one UPDATE:               %7.1f s  %9.0f rows/s  %6d MB after\n", a, rows / a, ma
	printf "(b) PL/pgSQL keyset commits:  %7.1f s  %9.0f rows/s  %6d MB after\n", b, rows / b, mb
	printf "(c) start_backfill + wait:    %7.1f s  %9.0f rows/s  %6d MB after\n", c, rows / c, mc
	printf "(d) start_backfill, no key:   %7.1f s  %9.0f rows/s  %6d MB after\n", d, rows / d, md
	printf "c/a = %.2f   c/b = %.2f   d/a = %.2f   (rows/s ratios; floors: c/a 0.85, d/a 0.9)\n", a / c, b / c, a / d
}'
