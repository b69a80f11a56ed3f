#!/usr/bin/env bash
# Benchmark (not a test): the cost of the in-server application latency
# measurement (pg_backfill.measure_app_latency: a clock read and one or two
# atomic adds in every client backend's commit) on pgbench -S, the cheapest
# transaction there is. One server, preloaded; ROUNDS alternating pairs of
# SECONDS-long runs with the measurement on and off (reload between), so
# drift and other load on the machine hit both sides alike; prints each pair
# and the median of the per-pair ratios on/off. On a machine shared with
# other load the pairs scatter far more than 1%, so it also times the
# callback's work alone (latency_hook_cost.cpp: clock read, bucket, atomic
# adds) and sets it against the measured time per pgbench -S transaction.
#   SCALE=10 ROUNDS=10 SECONDS_EACH=10 CLIENTS=2 test/bench/latency_overhead.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/latency_overhead.sh "$@"
pg_backfill_build

scale=${SCALE:-10}
rounds=${ROUNDS:-10}
secs=${SECONDS_EACH:-10}
clients=${CLIENTS:-2}
dir=$PWD/run_latency_overhead
pg_backfill_start_cluster "$dir" "shared_buffers = '256MB'" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill"
run() {
	sql -c "ALTER SYSTEM SET pg_backfill.measure_app_latency = $1" -c "SELECT pg_reload_conf()" >/dev/null
	pgbench -n -S -c "$clients" -j "$clients" -T "$secs" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
run on >/dev/null # warm-up
: >"$dir/pairs"
for i in $(seq 1 "$rounds"); do
	# Alternate which side goes first.
	if [ $((i % 2)) -eq 1 ]; then on=$(run on); off=$(run off); else off=$(run off); on=$(run on); fi
	echo "$i $on $off" | tee -a "$dir/pairs"
done
g++ -std=c++17 -O2 -Isrc -o "$dir/hook_cost" test/bench/latency_hook_cost.cpp
hook_ns=$("$dir/hook_cost")
python3 - "$dir/pairs" "$hook_ns" "$clients" <<'PY'
import statistics, sys
pairs = [tuple(map(float, l.split()[1:])) for l in open(sys.argv[1]) if l.strip()]
ratios = [on / off for on, off in pairs]
print("pgbench -S TPS with measurement on / off, median of %d pairs: %.4f (cost %.2f%%)"
      % (len(pairs), statistics.median(ratios), 100 * (1 - statistics.median(ratios))))
print("median TPS on %.0f, off %.0f; per-pair ratios min %.4f max %.4f"
      % (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs), min(ratios), max(ratios)))
hook_ns, clients = float(sys.argv[2]), int(sys.argv[3])
tx_ns = 1e9 * clients / statistics.median(p[1] for p in pairs)  # per transaction, per client
print("the callback's work alone: %.0f ns per commit = %.2f%% of a pgbench -S transaction (%.0f ns per client)"
      % (hook_ns, 100 * hook_ns / tx_ns, tx_ns))
PY
