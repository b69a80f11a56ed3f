#!/usr/bin/env bash
# The whole pg_backfill test suite. Every suite starts its own throwaway
# PostgreSQL servers; nothing touches the system's clusters.
#
#   test/run.sh                   all suites
#   test/run.sh unit regress      chosen suites: unit regress isolation tap replay
#   REGRESS="backfill_api" test/run.sh regress    chosen pg_regress files
#
# It installs missing Debian packages (apt-get, through sudo when not root),
# copies the tree to a build directory, builds there, and installs the
# extension into a private copy of the PostgreSQL 15 installation
# (tmp_install/), so tests need no root and never change /usr. PostgreSQL
# refuses to run as root, so as root it re-runs itself as the postgres user.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit regress isolation tap replay)

if [ -z "${PG_BACKFILL_IN_BUILD:-}" ]; then
	. "$here/test/deps.sh"
	pg_backfill_install_deps
	runas=()
	user=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		user=postgres
		runas=(runuser -u postgres --)
	fi
	build=${PG_BACKFILL_BUILD_DIR:-${TMPDIR:-/tmp}/pg_backfill-build-$user-$(printf %s "$here" | md5sum | cut -c1-8)}
	mkdir -p "$build"
	# Build products in $build are excluded, so they survive for incremental builds.
	rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.d' --exclude '*.so' \
		--exclude tmp_install --exclude 'tmp_check*' --exclude results --exclude output_iso \
		--exclude 'regression.*' --exclude log --exclude test/unit/core_tests \
		"$here/" "$build/"
	[ "$(id -u)" -ne 0 ] || chown -R postgres: "$build"
	shared=${PG_BACKFILL_SHARED:-$(cd "$here/.." && pwd)/shared}
	cd "$build"
	exec "${runas[@]}" env PG_BACKFILL_IN_BUILD=1 PG_BACKFILL_SHARED="$shared" REGRESS="${REGRESS:-}" \
		bash "$build/test/run.sh" "${suites[@]}"
fi

cd "$here"
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" >build.log 2>&1 || { cat build.log; exit 1; }

# A private server tree: PostgreSQL finds its share and lib directories
# relative to its own binaries, so a copy of /usr/lib/postgresql/15 and
# /usr/share/postgresql/15 plus "make install DESTDIR=" is a complete,
# writable installation.
tmp_install=$here/tmp_install
sys_bindir=$(pg_config --bindir)
if [ "$(cat "$tmp_install/.version" 2>/dev/null)" != "$(pg_config --version)" ]; then
	rm -rf "$tmp_install"
	mkdir -p "$tmp_install$(dirname "$(dirname "$sys_bindir")")" "$tmp_install$(dirname "$(pg_config --sharedir)")"
	cp -a "$(dirname "$sys_bindir")" "$tmp_install$(dirname "$(dirname "$sys_bindir")")/"
	cp -a "$(pg_config --sharedir)" "$tmp_install$(dirname "$(pg_config --sharedir)")/"
	pg_config --version >"$tmp_install/.version"
fi
make -s install DESTDIR="$tmp_install" >>build.log 2>&1 || { cat build.log; exit 1; }
bindir=$tmp_install$sys_bindir
export PATH="$bindir:$PATH"

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
	tap) run_suite tap make -s tapcheck bindir="$bindir" PROVE_FLAGS="--timer" ;;
	replay) run_suite replay bash test/replay/run.sh "$bindir" "${PG_BACKFILL_SHARED:-}" ;;
	*)
		echo "unknown suite: $suite (unit regress isolation tap replay)" >&2
		exit 2
		;;
	esac
done

[ $failed -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
