# Shared by test/run.sh, test/demo.sh and test/bench/*.sh (sourced, not run).
#
# pg_backfill_enter_build TOP SCRIPT ARGS...
#     TOP is the tree's top directory, SCRIPT the calling script relative to
#     it. On first entry: installs missing Debian packages, copies the tree to
#     a build directory and re-runs SCRIPT from there, as the postgres user
#     when invoked as root (PostgreSQL refuses to run as root). Returns only
#     inside the build directory, with the working directory at its top.
# pg_backfill_build
#     Builds the extension and installs it into tmp_install/, a private copy
#     of the PostgreSQL 15 installation, and puts that copy's bin/ first in
#     PATH. Sets $bindir. Nothing under /usr is changed.
# pg_backfill_start_cluster DIR [postgresql.conf lines...]
#     initdb + start a throwaway server in DIR on a free port under a private
#     socket directory. Exports PGHOST/PGPORT/PGDATABASE for psql and pgbench.
# pg_backfill_stop_cluster DIR

PG_BACKFILL_PACKAGES="postgresql-15 postgresql-server-dev-15 libipc-run-perl
	libgtest-dev g++ make rsync python3"

pg_backfill_install_deps() {
	local missing=() pkg sudo=""
	for pkg in $PG_BACKFILL_PACKAGES; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "pg_backfill: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_backfill_enter_build() {
	local top=$1 script=$2 user build shared runas=()
	shift 2
	cd "$top"
	[ -z "${PG_BACKFILL_IN_BUILD:-}" ] || return 0
	pg_backfill_install_deps
	user=$(id -un)
	[ "$(id -u)" -ne 0 ] || user=postgres
	build=${PG_BACKFILL_BUILD_DIR:-${TMPDIR:-/tmp}/pg_backfill-build-$user-$(printf %s "$top" | md5sum | cut -c1-8)}
	mkdir -p "$build"
	# Build products are excluded, so they survive in $build for incremental builds.
	rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.d' --exclude '*.so' \
		--exclude tmp_install --exclude 'tmp_check*' --exclude results --exclude output_iso \
		--exclude 'regression.*' --exclude log --exclude test/unit/core_tests --exclude 'run_*' \
		"$top/" "$build/"
	shared=${PG_BACKFILL_SHARED:-$(cd "$top/.." && pwd)/shared}
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres: "$build"
		runas=(runuser -u postgres --)
	fi
	cd "$build"
	exec "${runas[@]}" env PG_BACKFILL_IN_BUILD=1 PG_BACKFILL_SHARED="$shared" \
		REGRESS="${REGRESS:-}" PG_BACKFILL_PACKAGE_RESULT="${PG_BACKFILL_PACKAGE_RESULT:-}" \
		bash "$build/$script" "$@"
}

pg_backfill_build() {
	local jobs sys_bindir tmp_install
	jobs=$(nproc 2>/dev/null || echo 2)
	make -s -j"$jobs" >build.log 2>&1 || { cat build.log; return 1; }
	# PostgreSQL finds its share and lib directories relative to its own
	# binaries, so a copy of /usr/lib/postgresql/15 and /usr/share/postgresql/15
	# plus "make install DESTDIR=" is a complete, writable installation.
	tmp_install=$PWD/tmp_install
	sys_bindir=$(pg_config --bindir)
	if [ "$(cat "$tmp_install/.version" 2>/dev/null)" != "$(pg_config --version)" ]; then
		rm -rf "$tmp_install"
		mkdir -p "$tmp_install$(dirname "$(dirname "$sys_bindir")")" "$tmp_install$(dirname "$(pg_config --sharedir)")"
		cp -a "$(dirname "$sys_bindir")" "$tmp_install$(dirname "$(dirname "$sys_bindir")")/"
		cp -a "$(pg_config --sharedir)" "$tmp_install$(dirname "$(pg_config --sharedir)")/"
		pg_config --version >"$tmp_install/.version"
	fi
	make -s install DESTDIR="$tmp_install" >>build.log 2>&1 || { cat build.log; return 1; }
	bindir=$tmp_install$sys_bindir
	export PATH="$bindir:$PATH"
}

pg_backfill_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_backfill_start_cluster() {
	local dir=$1 line
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	initdb -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	PGPORT=$(pg_backfill_free_port)
	{
		echo "port = $PGPORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "shared_preload_libraries = 'pg_backfill'"
		for line in "$@"; do echo "$line"; done
	} >>"$dir/data/postgresql.conf"
	pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null || { cat "$dir/server.log"; return 1; }
	export PGHOST=$dir PGPORT PGUSER=postgres PGDATABASE=postgres
}

pg_backfill_stop_cluster() {
	pg_ctl -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}
