#!/usr/bin/env bash
# Benchmark (not a test): a backfill's impact on a concurrent application,
# and its speed, for four methods under three loads, on a fresh copy of a
# pgbench_accounts table (scale 20 = 2 million rows) per run:
#   update       one UPDATE statement
#   plpgsql      a PL/pgSQL procedure committing every 10,000 rows (hand_written_backfill.sql)
#   defaults     start_backfill with defaults (the pacing controller on)
#   unthrottled  start_backfill + alter_backfill(pace => 'off')
#   noyield      defaults with pg_backfill.cpu_yield_interval = 0 (ALTER
#                SYSTEM for the run): batches do not offer the CPU to others
#   defaults_S   start_backfill with the controller on and batch_size => S
#                (the controller's ceiling: its batches are S x sqrt(duty))
#   fixed_S_D    start_backfill with pace => 'off', batch_size => S and
#                batch_delay => 'D ms': one point of the rate/latency map
#                without the controller (e.g. fixed_100_1)
#   idle_S       no backfill: the application alone for S seconds, the
#                control (how its p99 drifts from the baseline window by itself)
# Loads (the application dual-writes the new column, test/demo/app_after.sql):
#   none, open (pgbench -R RATE, open loop: latency counts from the scheduled
#   start), closed (pgbench -c 4, closed loop).
# Each loaded run: one pgbench session with per-transaction logs (-l); a
# BASELINE-second window, then the method (the "during" window, until it
# ends), then AFTER seconds; then its connections are terminated so pgbench
# ends and writes its logs. Prints per load and method the medians over REPS
# repetitions: rows/s and its ratio to one UPDATE, app p50/p99 during and
# baseline, TPS during/baseline, WAL bytes per row (WAL in the window minus
# the application's baseline WAL rate); and draws one PNG per load (gnuplot)
# with the application's p99 per second and the backfill's rows/s over time
# (first repetition). gnuplot-nox is installed on first use (bench only).
#   REPS=3 SCALE=20 RATE=3000 LOADS="none open closed" test/bench/pacing_impact.sh
# (METHODS= picks methods, EXTRA_CONF= adds one postgresql.conf line,
# FILLFACTOR= the copy's fillfactor (100; below it the fill's updates can be
# HOT and the table need not grow), OUT= the figures' directory.)
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
PG_BACKFILL_PACKAGES="$PG_BACKFILL_PACKAGES gnuplot-nox"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/pacing_impact.sh "$@"
pg_backfill_build

scale=${SCALE:-20}
rate=${RATE:-3000}
reps=${REPS:-3}
baseline=${BASELINE:-10}
after=${AFTER:-3}
loads=${LOADS:-none open closed}
methods=${METHODS:-defaults unthrottled plpgsql update}
fillfactor=${FILLFACTOR:-100}
out=${OUT:-${TMPDIR:-/tmp}/pg_backfill-bench-pacing}
dir=$PWD/run_pacing
mkdir -p "$out"
rm -f "$out"/*.dat "$out"/*.png "$out/results.tsv"
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '512MB'" \
	"max_wal_size = '16GB'" "checkpoint_timeout = '30min'" "pg_backfill.guard = off" \
	"pg_backfill.progress_interval = 0" ${EXTRA_CONF:+"$EXTRA_CONF"}
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill"
sql -f test/bench/hand_written_backfill.sql
sed 's/pgbench_accounts/bench/g' test/demo/app_after.sql >"$dir/app.sql"
rows=$(sql -At -c "SELECT count(*) FROM pgbench_accounts")

fresh_table() {
	sql -c "DROP TABLE IF EXISTS bench" \
		-c "CREATE TABLE bench WITH (fillfactor = $fillfactor) AS SELECT * FROM pgbench_accounts" \
		-c "ALTER TABLE bench ADD PRIMARY KEY (aid)" -c "ALTER TABLE bench ADD COLUMN abalance_cents bigint" \
		-c "VACUUM ANALYZE bench" -c "CHECKPOINT"
}

# Runs method $1; writes the job id (backfill methods) to $dir/job.
run_method() {
	echo "" >"$dir/job"
	case $1 in
	update) sql -c "UPDATE bench SET abalance_cents = abalance::bigint * 100" ;;
	idle_*) sleep "${1#idle_}" ;;
	plpgsql) sql -c "CALL fill_by_hand(10000)" ;;
	noyield)
		sql -c "ALTER SYSTEM SET pg_backfill.cpu_yield_interval = 0" -c "SELECT pg_reload_conf()" >/dev/null
		run_method defaults
		sql -c "ALTER SYSTEM RESET pg_backfill.cpu_yield_interval" -c "SELECT pg_reload_conf()" >/dev/null
		;;
	defaults | defaults_* | unthrottled | fixed_*)
		local alter="" size delay
		case $1 in
		unthrottled) alter="SELECT alter_backfill(:job, pace => 'off');" ;;
		defaults_*) alter="SELECT alter_backfill(:job, batch_size => ${1#defaults_});" ;;
		fixed_*)
			IFS=_ read -r _ size delay <<<"$1"
			alter="SELECT alter_backfill(:job, pace => 'off', batch_size => $size, batch_delay => '$delay ms');"
			;;
		esac
		sql -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
SELECT start_backfill('bench', 'abalance_cents', 'abalance::bigint * 100') AS job \gset
$alter
COMMIT;
\t on
\a
\o $dir/job
SELECT :job;
\o
SELECT wait_backfill(:job);
SQL
		;;
	esac
}

# One run: load $1, method $2, repetition $3.
run_one() {
	local load=$1 method=$2 rep=$3 tag="$1_$2_$3" pgb="" t0 t1 lsn0 lsn1 lsnb wrong job
	fresh_table
	rm -f "$dir"/pgbench_log.*
	case $load in
	open) pgbench -n -c 8 -j 2 -R "$rate" -T 100000 -D scale="$scale" -f "$dir/app.sql" -l \
		--log-prefix="$dir/pgbench_log" >"$dir/pgbench.txt" 2>&1 &
		pgb=$! ;;
	closed) pgbench -n -c 4 -j 2 -T 100000 -D scale="$scale" -f "$dir/app.sql" -l \
		--log-prefix="$dir/pgbench_log" >"$dir/pgbench.txt" 2>&1 &
		pgb=$! ;;
	esac
	if [ -n "$pgb" ]; then
		sleep 1
		lsnb=$(sql -At -c "SELECT pg_current_wal_lsn()")
		sleep "$baseline"
	fi
	lsn0=$(sql -At -c "SELECT pg_current_wal_lsn()")
	t0=$(now)
	run_method "$method"
	t1=$(now)
	lsn1=$(sql -At -c "SELECT pg_current_wal_lsn()")
	job=$(tr -d ' \n' <"$dir/job")
	if [ -n "$pgb" ]; then
		sleep "$after"
		sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pgbench'" >/dev/null
		wait "$pgb" || true
		cat "$dir"/pgbench_log.* >"$out/txlog_$tag.log"
	else
		lsnb=$lsn0
	fi
	local filled=$rows
	if [[ $method == idle_* ]]; then
		filled=0
	else
		wrong=$(sql -At -c "SELECT count(*) FROM bench WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100")
		[ "$wrong" -eq 0 ] || { echo "$wrong rows wrong after $tag" >&2; exit 1; }
	fi
	local wal_window wal_base
	wal_window=$(sql -At -c "SELECT '$lsn1'::pg_lsn - '$lsn0'::pg_lsn")
	wal_base=$(sql -At -c "SELECT '$lsn0'::pg_lsn - '$lsnb'::pg_lsn")
	if [ -n "$job" ]; then
		sql -At -F ' ' -c "SELECT extract(epoch FROM at), coalesce(rows_per_s, 0), batch_size, extract(epoch FROM pause) * 1000, seconds, rows, wal_bytes_per_s * seconds, replace(reason, ' ', '_') FROM backfill_history($job)" >"$out/history_$tag.dat"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$load" "$method" "$rep" "$t0" "$t1" "$filled" "$wal_window" \
		"$wal_base" "$baseline" >>"$out/results.tsv"
	echo "$(date +%T) $tag: $(awk -v a="$t0" -v b="$t1" -v r="$filled" 'BEGIN { printf "%.1f s, %.0f rows/s", b - a, r / (b - a) }')"
}

for load in $loads; do
	for rep in $(seq 1 "$reps"); do
		for method in $methods; do
			run_one "$load" "$method" "$rep"
		done
	done
done

python3 test/bench/pacing_report.py "$out" "$rate"
for load in $loads; do
	[ -f "$out/plot_$load.gp" ] && gnuplot "$out/plot_$load.gp" && echo "plot: $out/pacing_$load.png"
done
echo "figures and logs: $out"
