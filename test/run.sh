#!/usr/bin/env bash
# The whole pg_backfill test suite. Every suite starts its own throwaway
# PostgreSQL servers; nothing touches the system's clusters.
#
#   test/run.sh                   all suites
#   test/run.sh unit regress      chosen suites: unit regress isolation installcheck tap replay package
#   REGRESS="backfill_api" test/run.sh regress    chosen pg_regress files
#
# It installs missing Debian packages (apt-get, through sudo when not root),
# copies the tree to a build directory, builds there, and installs the
# extension into a private copy of the PostgreSQL 15 installation
# (tmp_install/), so tests need no root and never change /usr. PostgreSQL
# refuses to run as root, so as root it re-runs itself as the postgres user.
# The exception is the package suite (test/package.sh): it builds the Debian
# package and installs it under /usr for its test (removing it afterwards),
# so it runs first, as the invoking user (root, or through sudo; skipped
# without either), and its result is passed on in PG_BACKFILL_PACKAGE_RESULT.
set -euo pipefail

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit regress isolation installcheck tap replay package)
. "$(dirname "$0")/lib.sh"

summary() {
	[ $failed -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
	echo "suites: $passed passed, $failed failed, $skipped skipped"
	[ $failed -eq 0 ]
}
passed=0
failed=0
skipped=0
failed_suites=()
if [ -z "${PG_BACKFILL_IN_BUILD:-}" ]; then
	rest=()
	for suite in "${suites[@]}"; do
		[ "$suite" = package ] || { rest+=("$suite"); continue; }
		echo "=== package"
		rc=0
		bash "$(dirname "$0")/package.sh" || rc=$?
		case $rc in
		0) PG_BACKFILL_PACKAGE_RESULT=passed ;;
		77) PG_BACKFILL_PACKAGE_RESULT=skipped ;;
		*) PG_BACKFILL_PACKAGE_RESULT=failed ;;
		esac
		export PG_BACKFILL_PACKAGE_RESULT
	done
	suites=("${rest[@]}")
fi
case ${PG_BACKFILL_PACKAGE_RESULT:-} in
passed) passed=1 ;;
skipped) skipped=1 ;;
failed) failed=1 failed_suites=(package) ;;
esac
if [ ${#suites[@]} -eq 0 ]; then
	summary
	exit
fi

pg_backfill_enter_build "$(cd "$(dirname "$0")/.." && pwd)" test/run.sh "${suites[@]}"
pg_backfill_build

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
		echo "unknown suite: $suite (unit regress isolation installcheck tap replay package)" >&2
		exit 2
		;;
	esac
done

summary
