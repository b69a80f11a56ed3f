#!/usr/bin/env bash
# The whole pg_backfill test suite. Every suite starts its own throwaway
# PostgreSQL servers; nothing touches the system's clusters.
#
#   test/run.sh                   all suites
#   test/run.sh unit regress      chosen suites: unit regress isolation installcheck tap replay
#   REGRESS="backfill_api" test/run.sh regress    chosen pg_regress files
#
# It installs missing Debian packages (apt-get, through sudo when not root),
# copies the tree to a build directory, builds there, and installs the
# extension into a private copy of the PostgreSQL 15 installation
# (tmp_install/), so tests need no root and never change /usr. PostgreSQL
# refuses to run as root, so as root it re-runs itself as the postgres user.
set -euo pipefail

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit regress isolation installcheck tap replay)
. "$(dirname "$0")/lib.sh"
pg_backfill_enter_build "$(cd "$(dirname "$0")/.." && pwd)" test/run.sh "${suites[@]}"
pg_backfill_build

passed=0
failed=0
failed_suites=()
run_suite() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_suites+=("$name")
	fi
}

# "make installcheck" the way the README tells a user to run it: against a
# running server (started here, from the private installation) that has the
# settings of test/regress.conf.
installcheck() {
	local dir=$PWD/tmp_check_server rc=0 conf=()
	mapfile -t conf < <(grep -Ev '^[[:space:]]*(#|$)' test/regress.conf)
	pg_backfill_start_cluster "$dir" "${conf[@]}" || return 1
	make -s installcheck bindir="$bindir" || rc=$?
	pg_backfill_stop_cluster "$dir"
	[ ! -s regression.diffs ] || cat regression.diffs
	[ ! -s output_iso/regression.diffs ] || cat output_iso/regression.diffs
	return $rc
}

for suite in "${suites[@]}"; do
	case $suite in
	unit) run_suite unit make -s unittest ;;
	regress)
		regress_args=()
		[ -z "${REGRESS:-}" ] || regress_args=(REGRESS="$REGRESS")
		run_suite regress make -s regresscheck bindir="$bindir" "${regress_args[@]}"
		[ ! -s regression.diffs ] || cat regression.diffs
		;;
	isolation)
		run_suite isolation make -s isolationcheck bindir="$bindir"
		[ ! -s output_iso/regression.diffs ] || cat output_iso/regression.diffs
		;;
	installcheck) run_suite installcheck installcheck ;;
	tap) run_suite tap make -s tapcheck bindir="$bindir" PROVE_FLAGS="--timer" ;;
	replay) run_suite replay bash test/replay/run.sh "$bindir" "${PG_BACKFILL_SHARED:-}" ;;
	*)
		echo "unknown suite: $suite (unit regress isolation installcheck tap replay)" >&2
		exit 2
		;;
	esac
done

[ $failed -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
