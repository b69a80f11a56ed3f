#!/usr/bin/env bash
# Benchmark (not a test): is a backfill's cost per row flat as the table
# grows? Fills abalance_cents = abalance::bigint * 100 on fresh copies of
# pgbench_accounts at a small and a large scale (default 20 and 100: 2 and 10
# million rows) in one run on one server, with key batches and with TID-range
# batches (strategy => 'tid'), and one UPDATE as the reference, REPS times
# each, and prints the median rows/s per scale and the large/small ratios
# (target: within 10%, ratio >= 0.9).
# shared_buffers (default 6GB) holds both scales' tables before and after the
# fill, so the ratio measures the batches' own cost, not the server's
# buffer eviction, which slows one UPDATE just the same once the table
# outgrows the cache (shown by the reference's ratio).
#   SMALL=20 LARGE=100 REPS=3 BATCH=5000 test/bench/scale.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/scale.sh "$@"
pg_backfill_build

small=${SMALL:-20}
large=${LARGE:-100}
reps=${REPS:-3}
batch=${BATCH:-5000}
dir=$PWD/run_bench_scale
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '${SHARED_BUFFERS:-6GB}'" \
	"max_wal_size = '32GB'" "checkpoint_timeout = '30min'" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
sql -c "CREATE EXTENSION pg_backfill"
. test/bench/fill_lib.sh

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# rows/s of "$@" on a fresh copy, REPS times: the median.
rows_per_s() {
	local rows i t m
	rows=$(sql -At -c "SELECT count(*) FROM pgbench_accounts")
	for i in $(seq "$reps"); do
		read -r t m <<<"$(timed_fill "$@")"
		awk -v r="$rows" -v t="$t" 'BEGIN { print r / t }'
	done | median
}

declare -A result
for scale in "$small" "$large"; do
	pgbench -i -q -s "$scale" >/dev/null 2>&1
	result[update,$scale]=$(rows_per_s sql -c "UPDATE bench SET abalance_cents = abalance::bigint * 100")
	result[key,$scale]=$(STRATEGY=key rows_per_s fill_with_backfill)
	result[tid,$scale]=$(STRATEGY=tid rows_per_s fill_with_backfill)
	echo "scale $scale done"
done

printf '%-24s %14s %14s %8s\n' "method (median of $reps)" "${small}00k rows/s" "${large}00k rows/s" "ratio"
for m in update key tid; do
	awk -v m="$m" -v s="${result[$m,$small]}" -v l="${result[$m,$large]}" \
		'BEGIN { printf "%-24s %14.0f %14.0f %8.2f\n", m, s, l, l / s }'
done
