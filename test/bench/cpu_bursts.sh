#!/usr/bin/env bash
# Benchmark (not a test): what a background process's CPU bursts cost the
# application's p99 on this host, without PostgreSQL's WAL or I/O in the
# picture. The dual-writing application of pacing_impact.sh runs open loop
# (pgbench -R RATE, 8 clients) on a 2M-row table; after a baseline window a
# CPU burner (cpu_burst.c) runs each SPEC for SECONDS, with a gap between:
#   SPEC = BURST_MS_DUTY[_YIELD_MS], e.g. 2_0.25 (2-ms bursts, on the CPU a
#   quarter of the time) or 2_0.25_0.2 (the same, calling sched_yield()
#   every 0.2 ms while it runs, as the backfill worker does).
# Prints, per window, pgbench's latency p50 and p99 and the p99 of its
# schedule lag (from its per-transaction log).
#   SPECS="2_0.1 2_0.25 2_0.25_0.2 0.5_0.25 10_0.25_0.2" test/bench/cpu_bursts.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/cpu_bursts.sh "$@"
pg_backfill_build

specs=${SPECS:-2_0.1 2_0.25 2_0.25_0.2 0.5_0.25 10_0.25_0.2}
rate=${RATE:-3000}
secs=${SECONDS_EACH:-10}
dir=$PWD/run_cpu_bursts
pg_backfill_start_cluster "$dir" "shared_buffers = '512MB'" "max_wal_size = '16GB'" \
	"checkpoint_timeout = '30min'" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
cc -O2 -o "$dir/cpu_burst" test/bench/cpu_burst.c
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s 20 >/dev/null 2>&1
sed 's/pgbench_accounts/bench/g' test/demo/app_after.sql >"$dir/app.sql"
sql -c "CREATE TABLE bench AS SELECT * FROM pgbench_accounts" -c "ALTER TABLE bench ADD PRIMARY KEY (aid)" \
	-c "ALTER TABLE bench ADD COLUMN abalance_cents bigint" -c "VACUUM ANALYZE bench" -c "CHECKPOINT"
rm -f "$dir"/pgbench_log.* "$dir/windows"
pgbench -n -c 8 -j 2 -R "$rate" -T 100000 -D scale=20 -f "$dir/app.sql" -l --log-prefix="$dir/pgbench_log" \
	>"$dir/pgbench.txt" 2>&1 &
pgb=$!
sleep 12
for spec in $specs; do
	IFS=_ read -r burst duty yield_ms <<<"$spec"
	echo "$spec $(date +%s.%N)" >>"$dir/windows"
	"$dir/cpu_burst" "$burst" "$duty" "$secs" "${yield_ms:-0}"
	echo "gap $(date +%s.%N)" >>"$dir/windows"
	sleep 5
done
sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pgbench'" >/dev/null
wait "$pgb" || true
cat "$dir"/pgbench_log.* >"$dir/txlog"
python3 - "$dir/txlog" "$dir/windows" <<'PY'
import sys
sys.path.insert(0, "test/bench")
from txlog import quantile, read_txlog_with_lag
txs = sorted(read_txlog_with_lag(sys.argv[1]))
marks = [line.split() for line in open(sys.argv[2])]
# The baseline skips pgbench's first 2 s; each window skips its first 0.5 s.
windows = [("baseline", txs[0][0] + 2, float(marks[0][1]))]
for i, (name, at) in enumerate(marks):
    windows.append((name, float(at) + 0.5, float(marks[i + 1][1]) if i + 1 < len(marks) else txs[-1][0]))
print(f"{'window':14s} {'txns':>6s} {'p50 ms':>7s} {'p99 ms':>7s} {'lag p99':>8s}")
for name, start, end in windows:
    inside = [(latency, lag) for t, latency, lag in txs if start <= t < end]
    if inside:
        lat = [latency for latency, _ in inside]
        lag = [lag for _, lag in inside]
        print(f"{name:14s} {len(inside):6d} {quantile(lat, 0.5):7.2f} {quantile(lat, 0.99):7.2f} {quantile(lag, 0.99):8.2f}")
PY
