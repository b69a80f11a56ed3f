#!/usr/bin/env bash
# Smoke test of the installed Debian package (run by test/package.sh as the
# server's user): a throwaway server in DIR started from the system's
# binaries, /usr/lib/postgresql/15/bin, with pg_backfill preloaded from the
# system installation.
#
#   test/package_smoke.sh DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export PATH=/usr/lib/postgresql/15/bin:$PATH
dir=$1

fail() {
	echo "package: smoke test FAILED: $*" >&2
	exit 1
}
pg_backfill_start_cluster "$dir"
trap 'pg_backfill_stop_cluster "$dir"' EXIT
q() { psql -X -v ON_ERROR_STOP=1 -qAt "$@"; }

q -c 'CREATE EXTENSION pg_backfill'
[ "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_backfill'")" = 0.2 ] ||
	fail "the extension is not at 0.2"
launchers=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_backfill launcher'")
[ "$launchers" = 1 ] || fail "no pg_backfill launcher (shared_preload_libraries)"
echo "package:   CREATE EXTENSION pg_backfill: 0.2, launcher running"

q -c 'CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL)' \
	-c 'INSERT INTO t SELECT g, g FROM generate_series(1, 20000) g' \
	-c 'ALTER TABLE t ADD COLUMN c bigint'
job=$(q -c "SELECT start_backfill('t', 'c', 'a::bigint * 2', batch_size => 1000)")
[ "$(q -c "SELECT wait_backfill($job)")" = succeeded ] || fail "job $job did not succeed"
[ "$(q -c 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 2')" = 0 ] ||
	fail "job $job left rows wrong"
echo "package:   backfill job $job: succeeded, 20000 rows right"

warning=$(q -c 'SET pg_backfill.guard_min_size = 0' \
	-c 'ALTER TABLE t ADD COLUMN r double precision DEFAULT random()' 2>&1 >/dev/null)
case $warning in
*'WARNING:  ALTER TABLE ... ADD COLUMN "r" with a volatile default rewrites table "t"'*) ;;
*) fail "no guard warning on ADD COLUMN ... DEFAULT random(): $warning" ;;
esac
echo "package:   guard: ${warning%%$'\n'*}"
