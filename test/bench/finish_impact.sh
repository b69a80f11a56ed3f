#!/usr/bin/env bash
# Benchmark (not a test): the application's latency while a job's worker runs
# its finishing steps (finish_backfill: set default, the NOT NULL route with
# its VALIDATE, CREATE INDEX CONCURRENTLY, drop the sync trigger) on a copy
# of pgbench_accounts (scale 20 = 2 million rows), under an open-loop
# application load (pgbench -R RATE, dual-writing the column,
# test/demo/app_after.sql). Per repetition: a fresh copy whose column a sync
# job fills before the load starts; a BASELINE-second window of the load;
# then finish_backfill and the worker's steps, their phases polled from
# backfill.jobs (and the index build's from pg_stat_progress_create_index)
# every 50 ms by one session; then AFTER seconds with the column finished. Prints per step its duration and the
# application's p50, p99 and longest transaction (those that started in it)
# against the baseline window, the same per phase of the index build and
# after the steps (the finished column's own cost: the application's updates
# of an indexed column), medians over REPS, and how many application
# lock waits lasted longer than a step attempt's lock_timeout (100 ms; the
# server logs each such wait: log_lock_waits, deadlock_timeout = 100ms).
# Targets (issue 10): p99 <= 2x baseline while VALIDATE and CREATE INDEX
# CONCURRENTLY run; no application wait longer than the step's lock_timeout.
#   REPS=3 SCALE=20 RATE=3000 test/bench/finish_impact.sh
# (EXTRA_CONF= adds one postgresql.conf line, e.g.
# "pg_backfill.finish_cpu_limit = 1" for the steps at full speed.)
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/finish_impact.sh "$@"
pg_backfill_build

scale=${SCALE:-20}
rate=${RATE:-3000}
reps=${REPS:-3}
baseline=${BASELINE:-10}
after=${AFTER:-3}
out=${OUT:-${TMPDIR:-/tmp}/pg_backfill-bench-finish}
dir=$PWD/run_finish
mkdir -p "$out"
rm -f "$out"/*
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '512MB'" \
	"max_wal_size = '16GB'" "checkpoint_timeout = '30min'" "pg_backfill.guard = off" \
	"pg_backfill.progress_interval = 0" "log_lock_waits = on" "deadlock_timeout = '100ms'" \
	"log_line_prefix = '%m [%p] %b '" ${EXTRA_CONF:+"$EXTRA_CONF"}
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill"
sed 's/pgbench_accounts/bench/g' test/demo/app_after.sql >"$dir/app.sql"

for rep in $(seq "$reps"); do
	sql -c "DROP TABLE IF EXISTS bench" -c "CREATE TABLE bench AS SELECT * FROM pgbench_accounts" \
		-c "ALTER TABLE bench ADD PRIMARY KEY (aid)" -c "ALTER TABLE bench ADD COLUMN abalance_cents bigint" \
		-c "VACUUM ANALYZE bench"
	job=$(sql -At -c "SELECT start_backfill('bench', 'abalance_cents', 'abalance::bigint * 100', sync => true)")
	sql -At -c "SELECT wait_backfill($job)" >/dev/null
	sql -c "VACUUM ANALYZE bench" -c "CHECKPOINT"
	rm -f "$dir"/pgbench_log.*
	pgbench -n -c 8 -j 2 -R "$rate" -T 100000 -D scale="$scale" -f "$dir/app.sql" -l \
		--log-prefix="$dir/pgbench_log" >"$dir/pgbench.txt" 2>&1 &
	pgb=$!
	sleep 1
	t_base=$(now)
	sleep "$baseline"
	log_from=$(wc -c <"$dir/server.log")
	echo "$(now) finish_backfill" >"$out/phases_$rep.txt"
	sql -At -c "SELECT finish_backfill($job, set_not_null => true, set_default => '0', create_index => true)" >/dev/null
	# One session polls, a statement every 50 ms (the server sleeps between
	# them): a psql started per poll would cost the application more than
	# the steps do (a fork and a new backend every 50 ms).
	coproc POLL { psql -X -At -F ' ' 2>&1; }
	last=""
	last_build=""
	while :; do
		echo "SELECT extract(epoch FROM statement_timestamp()), j.state, replace(j.phase, ' ', '_'),
		             coalesce(replace(p.phase, ' ', '_'), '-')
		        FROM backfill.jobs j LEFT JOIN pg_stat_progress_create_index p ON p.pid = j.worker_pid,
		             pg_sleep(0.05)
		       WHERE j.job_id = $job;" >&"${POLL[1]}"
		read -r at state phase build <&"${POLL[0]}"
		if [ "$phase" != "$last" ]; then
			echo "$at $phase" >>"$out/phases_$rep.txt"
			last=$phase
		fi
		if [ "$build" != "$last_build" ]; then
			echo "$at $build" >>"$out/build_phases_$rep.txt"
			last_build=$build
		fi
		[ "$state" = running ] || [ "$state" = queued ] || break
	done
	exec {POLL[1]}>&-
	wait "$POLL_PID" || true
	echo "$(now) end_$state" >>"$out/phases_$rep.txt"
	echo "$(now) -" >>"$out/build_phases_$rep.txt"
	sleep "$after"
	sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pgbench'" >/dev/null
	wait "$pgb" || true
	cat "$dir"/pgbench_log.* >"$out/txlog_$rep.log"
	tail -c +"$((log_from + 1))" "$dir/server.log" | grep -c 'client backend .*still waiting' >"$out/long_waits_$rep.txt" || true
	echo "$t_base" >"$out/baseline_$rep.txt"
	echo "$(date +%T) repetition $rep: job $job $state"
done

python3 test/bench/finish_report.py "$out" "$reps" "$baseline" "$after"
