#!/usr/bin/env bash
# Benchmark (not a test): where the application's backends wait while a
# backfill runs. Samples pg_stat_activity of the pgbench sessions (state
# active) SAMPLE_HZ times per second, first without a backfill (baseline),
# then while start_backfill runs with the settings given in BACKFILL_ARGS,
# under an open-loop load (pgbench -R RATE) and a closed-loop one (-c 4).
# Prints, per load and window, the share of samples per wait event ("CPU"
# when an active backend waits on nothing: running or runnable), and the
# backfill worker's own; then the stalls: samples in which three or more of
# the application's backends waited on one event at once (what the slow
# transactions of a p99 wait on, when they wait together).
#   SCALE=20 RATE=3000 SECONDS_EACH=15 test/bench/wait_events.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/wait_events.sh "$@"
pg_backfill_build

scale=${SCALE:-20}
rate=${RATE:-3000}
secs=${SECONDS_EACH:-15}
hz=${SAMPLE_HZ:-100}
backfill_args=${BACKFILL_ARGS:-}
dir=$PWD/run_wait_events
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '512MB'" \
	"max_wal_size = '16GB'" "checkpoint_timeout = '30min'" "pg_backfill.guard = off" \
	"pg_backfill.progress_interval = 0" "track_io_timing = on"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql -c "CREATE EXTENSION pg_backfill" \
	-c "CREATE UNLOGGED TABLE samples (load text, phase text, tick int, who text, wait text)"

# Samples for $1 seconds; a procedure so each sample sees fresh activity.
sql <<'SQL'
CREATE PROCEDURE sample(load text, phase text, seconds float8, hz int, job bigint DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + seconds * interval '1 s';
	tick int := 0;
BEGIN
	-- With a job: until it is no longer running (or the deadline).
	WHILE clock_timestamp() < deadline
	      AND (job IS NULL OR (SELECT state IN ('queued', 'running') FROM backfill.jobs WHERE job_id = job)) LOOP
		PERFORM pg_stat_clear_snapshot();
		tick := tick + 1;
		INSERT INTO samples
		SELECT load, phase, tick, CASE WHEN backend_type = 'pg_backfill worker' THEN 'worker' ELSE 'app' END,
		       coalesce(wait_event_type || ':' || wait_event, 'CPU')
		  FROM pg_stat_activity
		 WHERE state = 'active' AND pid <> pg_backend_pid()
		   AND (application_name = 'pgbench' OR backend_type = 'pg_backfill worker');
		COMMIT;
		PERFORM pg_sleep(1.0 / hz);
	END LOOP;
END $$;
SQL

run_load() {
	local load=$1
	shift
	sql -c "DROP TABLE IF EXISTS bench" -c "CREATE TABLE bench AS SELECT * FROM pgbench_accounts" \
		-c "ALTER TABLE bench ADD PRIMARY KEY (aid)" -c "ALTER TABLE bench ADD COLUMN abalance_cents bigint" \
		-c "VACUUM ANALYZE bench" -c "CHECKPOINT"
	sed 's/pgbench_accounts/bench/g' test/demo/app_after.sql >"$dir/app.sql"
	pgbench -n "$@" -j 2 -T $((3 * secs)) -D scale="$scale" -f "$dir/app.sql" >"$dir/pgbench_$load.txt" 2>&1 &
	local pgb=$!
	sleep 2
	sql -c "CALL sample('$load', 'baseline', $secs, $hz)"
	local job
	job=$(sql -At -c "SELECT start_backfill('bench', 'abalance_cents', 'abalance::bigint * 100' $backfill_args)")
	sql -c "CALL sample('$load', 'backfill', $secs, $hz, $job)"
	echo "$load: backfill job $job $(sql -At -c "SELECT state || ' ' || rows_done || ' rows, ' || rate || ' rows/s' FROM backfill_status($job)")"
	sql -c "SELECT cancel_backfill(job_id) FROM backfill.jobs WHERE job_id = $job AND state IN ('queued', 'running')" >/dev/null
	wait "$pgb" || true
	grep -E '^(tps|latency)' "$dir/pgbench_$load.txt" | sed "s/^/$load: /"
}

run_load open_loop -c 8 -R "$rate"
run_load closed_loop -c 4

sql <<'SQL'
-- pct: share of the active samples of (load, phase, who); per_tick: backends
-- in that wait per sample on average (ticks: samples taken).
WITH ticks AS (SELECT load, phase, max(tick) AS ticks FROM samples GROUP BY 1, 2)
SELECT * FROM (
	SELECT s.load, s.phase, s.who, s.wait, t.ticks, count(*) AS samples,
	       round(count(*)::numeric / t.ticks, 3) AS per_tick,
	       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY s.load, s.phase, s.who), 1) AS pct
	  FROM samples s JOIN ticks t USING (load, phase) GROUP BY 1, 2, 3, 4, 5) s
 WHERE pct >= 0.5
 ORDER BY 1, 2, 3, 6 DESC;
-- Stalls: per load, phase and event, the samples with >= 3 application
-- backends in that wait at once, and their share of all samples.
WITH ticks AS (SELECT load, phase, max(tick) AS ticks FROM samples GROUP BY 1, 2),
     per_sample AS (SELECT load, phase, tick, wait, count(*) AS n FROM samples WHERE who = 'app' GROUP BY 1, 2, 3, 4)
SELECT p.load, p.phase, p.wait, count(*) AS stall_samples, round(100.0 * count(*) / t.ticks, 2) AS pct_of_samples,
       max(p.n) AS most_backends
  FROM per_sample p JOIN ticks t USING (load, phase)
 WHERE p.n >= 3 AND p.wait <> 'CPU'
 GROUP BY p.load, p.phase, p.wait, t.ticks
 ORDER BY 1, 2, 4 DESC;
SQL
