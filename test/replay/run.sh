#!/usr/bin/env bash
# Replays the real-migration corpus (../shared/eval/real) through a throwaway
# server with the DDL guard in warn mode and every table counted as big
# (guard_min_size = 0), and compares the guard's predicted rewrite/scan with
# what PostgreSQL 15 recorded (statements.tsv). Fails on any backend crash.
#
#   test/replay/run.sh <bindir> <shared_dir> [project ...]
#
# The report goes to stdout and to $REPLAY_OUT (default
# $TMPDIR/pg_backfill-replay-report.txt). The scratch directory (cluster,
# scripts, psql logs) is removed unless REPLAY_KEEP is set. Skips (exit 0)
# when the corpus is absent.
set -euo pipefail

bindir=${1:?usage: run.sh <bindir> <shared_dir> [project ...]}
shared=${2:-}
shift 2 || true
corpus=${shared:+$shared/eval/real}
if [ -z "$corpus" ] || [ ! -f "$corpus/statements.tsv" ]; then
	echo "replay: corpus not found (${corpus:-no shared dir given}); skipping"
	exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
export PATH="$bindir:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/pg_backfill-replay.XXXXXX")
cleanup() {
	pg_backfill_stop_cluster "$work"
	[ -n "${REPLAY_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
pg_backfill_start_cluster "$work" "pg_backfill.guard = warn" "pg_backfill.guard_min_size = 0" \
	"timezone = 'Etc/UTC'" "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
	"log_min_messages = warning"

status=0
python3 "$here/replay.py" --bindir "$bindir" --host "$PGHOST" --port "$PGPORT" --corpus "$corpus" \
	--work "$work" --out "${REPLAY_OUT:-${TMPDIR:-/tmp}/pg_backfill-replay-report.txt}" "$@" || status=$?

if grep -q "terminated by signal" "$work/server.log"; then
	echo "replay: FAILED: a backend crashed:"
	grep -B2 -A2 "terminated by signal" "$work/server.log"
	status=1
fi
exit $status
