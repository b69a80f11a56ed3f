#!/usr/bin/env bash
# Benchmark (not a test): application UPDATE throughput on pgbench_accounts
# with no trigger, with pg_backfill's C sync trigger
# (start_backfill(..., sync => true)) and with the same trigger written in
# PL/pgSQL (pgroll's approach), side by side. The application's statement is
# pgbench's account update, which changes abalance (an input of the
# expression abalance::bigint * 100) without writing abalance_cents, so every
# UPDATE makes the trigger compute the value: the trigger's worst case.
# Rounds run none / C / PL/pgSQL in a rotating order so drift hits all three
# alike; the median TPS of each is reported with the ratios to "none".
# A second measure, far less sensitive to other load on the machine: the
# same UPDATE as one statement over BULK_ROWS rows (pgroll's benchmark
# measures this path), repeated BULK_REPS times per trigger, interleaved;
# the backend's CPU time is measured and the lowest of each is reported
# (with PostgreSQL's cheapest C row trigger as the floor any BEFORE UPDATE
# row trigger costs).
#   SCALE=10 CLIENTS=2 SECONDS_PER_RUN=8 ROUNDS=9 BULK_ROWS=200000 BULK_REPS=9 test/bench/sync_trigger.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/../.." && pwd)" test/bench/sync_trigger.sh "$@"
pg_backfill_build

scale=${SCALE:-10}
clients=${CLIENTS:-2}
seconds=${SECONDS_PER_RUN:-8}
rounds=${ROUNDS:-9}
bulk_rows=${BULK_ROWS:-200000}
bulk_reps=${BULK_REPS:-9}
dir=$PWD/run_bench_sync
# synchronous_commit = off: commits do not wait for a WAL flush, so the
# statement's CPU cost -- where a trigger's cost shows -- dominates.
pg_backfill_start_cluster "$dir" "max_worker_processes = 16" "shared_buffers = '1GB'" \
	"max_wal_size = '8GB'" "checkpoint_timeout = '30min'" "synchronous_commit = off" "pg_backfill.guard = off"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

pgbench -i -q -s "$scale" >/dev/null 2>&1
sql <<'SQL'
CREATE EXTENSION pg_backfill;
ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint;
SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100', batch_size => 10000,
                      sync => true) AS job \gset
SELECT wait_backfill(:job);
-- The same rule in PL/pgSQL.
CREATE FUNCTION sync_plpgsql() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.abalance_cents IS NULL THEN
			NEW.abalance_cents := NEW.abalance::bigint * 100;
		END IF;
	ELSIF NEW.abalance_cents IS NOT DISTINCT FROM OLD.abalance_cents
	      AND NEW.abalance IS DISTINCT FROM OLD.abalance THEN
		NEW.abalance_cents := NEW.abalance::bigint * 100;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER sync_plpgsql BEFORE INSERT OR UPDATE ON pgbench_accounts FOR EACH ROW EXECUTE FUNCTION sync_plpgsql();
-- The floor: PostgreSQL's own cheapest C row trigger (compares the old and
-- new tuple and returns the new one): what any BEFORE UPDATE row trigger
-- costs in the executor (old-row fetch, tuple materialization), before its
-- function does anything.
CREATE TRIGGER z_floor BEFORE UPDATE ON pgbench_accounts FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
VACUUM ANALYZE pgbench_accounts;
CHECKPOINT;
SQL
c_trigger=$(sql -At -c "SELECT tgname FROM pg_trigger WHERE tgfoid = 'backfill.sync_trigger'::regproc")

cat >"$dir/update.sql" <<'EOF2'
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
EOF2

use_trigger() {
	case $1 in
	none) sql -c "ALTER TABLE pgbench_accounts DISABLE TRIGGER USER" ;;
	floor) sql -c "ALTER TABLE pgbench_accounts DISABLE TRIGGER USER, ENABLE TRIGGER z_floor" ;;
	c) sql -c "ALTER TABLE pgbench_accounts DISABLE TRIGGER USER, ENABLE TRIGGER $c_trigger" ;;
	plpgsql) sql -c "ALTER TABLE pgbench_accounts DISABLE TRIGGER USER, ENABLE TRIGGER sync_plpgsql" ;;
	esac
}
run() {
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -D scale="$scale" -f "$dir/update.sql" 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

declare -A tps
for r in $(seq 1 "$rounds"); do
	line="round $r:"
	order=(none c plpgsql none c)
	for t in "${order[@]:$(((r - 1) % 3)):3}"; do
		use_trigger "$t"
		v=$(run)
		tps[$t]+="$v "
		line+=" $t $v"
	done
	echo "$line"
done
# One UPDATE statement over bulk_rows rows, per trigger: the CPU time its
# backend spent (ms, from /proc/<pid>/schedstat), which other load on the
# machine disturbs far less than elapsed time.
bulk() {
	sql -At <<SQL | tail -1
SELECT split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint AS c0 \gset
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid <= $bulk_rows;
SELECT (split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint - :c0) / 1000000;
SQL
}
# STATEMENTS single-row UPDATE statements of random accounts (what the
# application runs), executed by PL/pgSQL in one session: backend CPU ms.
statements=${STATEMENTS:-20000}
single() {
	sql -At <<SQL | tail -1
SELECT split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint AS c0 \gset
DO \$\$
BEGIN
	FOR i IN 1..$statements LOOP
		UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1 + (i * 7919) % (100000 * $scale);
	END LOOP;
END
\$\$;
SELECT (split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint - :c0) / 1000000;
SQL
}
declare -A best best_single
for r in $(seq 1 "$bulk_reps"); do
	for t in none floor c plpgsql; do
		use_trigger "$t"
		sql -c "VACUUM pgbench_accounts"
		ms=$(bulk)
		if [ -z "${best[$t]:-}" ] || [ "$ms" -lt "${best[$t]}" ]; then best[$t]=$ms; fi
		ms=$(single)
		if [ -z "${best_single[$t]:-}" ] || [ "$ms" -lt "${best_single[$t]}" ]; then best_single[$t]=$ms; fi
	done
done

use_trigger c
sql -c "UPDATE pgbench_accounts SET abalance = abalance WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100" \
	-c "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100" \
	-c "UPDATE pgbench_accounts SET abalance = abalance - 1 WHERE abalance_cents IS DISTINCT FROM (abalance - 1)::bigint * 100"
wrong=$(sql -At -c "SELECT count(*) FROM pgbench_accounts WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100")

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
none=$(echo "${tps[none]}" | median)
c=$(echo "${tps[c]}" | median)
plpgsql=$(echo "${tps[plpgsql]}" | median)
echo "scale $scale, $clients clients, ${seconds}s x $rounds rounds, pgbench -M prepared, UPDATE of abalance (every row recomputed)"
printf '%-28s %10s %8s\n' "trigger" "median TPS" "vs none"
printf '%-28s %10.0f %8s\n' "none" "$none" "1.00"
printf '%-28s %10.0f %8.3f\n' "C (pg_backfill sync)" "$c" "$(awk -v a="$c" -v b="$none" 'BEGIN { print a / b }')"
printf '%-28s %10.0f %8.3f\n' "PL/pgSQL (same rule)" "$plpgsql" "$(awk -v a="$plpgsql" -v b="$none" 'BEGIN { print a / b }')"
echo
echo "one UPDATE of $bulk_rows rows (abalance = abalance + 1): backend CPU ms, lowest of $bulk_reps, interleaved"
printf '%-28s %10s %8s %10s\n' "trigger" "CPU ms" "vs none" "rows/CPU-s"
for t in none floor c plpgsql; do
	case $t in none) name="none" ;; floor) name="floor (builtin C no-op)" ;; c) name="C (pg_backfill sync)" ;;
	plpgsql) name="PL/pgSQL (same rule)" ;; esac
	printf '%-28s %10d %8.3f %10.0f\n' "$name" "${best[$t]}" "$(awk -v a="${best[none]}" -v b="${best[$t]}" 'BEGIN { print a / b }')" \
		"$(awk -v n="$bulk_rows" -v b="${best[$t]}" 'BEGIN { print n * 1000 / b }')"
done
echo
echo "$statements single-row UPDATE statements (random accounts): backend CPU ms, lowest of $bulk_reps, interleaved"
printf '%-28s %10s %8s\n' "trigger" "CPU ms" "vs none"
for t in none floor c plpgsql; do
	case $t in none) name="none" ;; floor) name="floor (builtin C no-op)" ;; c) name="C (pg_backfill sync)" ;;
	plpgsql) name="PL/pgSQL (same rule)" ;; esac
	printf '%-28s %10d %8.3f\n' "$name" "${best_single[$t]}" "$(awk -v a="${best_single[none]}" -v b="${best_single[$t]}" 'BEGIN { print a / b }')"
done
echo "rows wrong after re-touching the rows updated while the C trigger was disabled: $wrong"
