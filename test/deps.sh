# Sourced by test/run.sh and test/demo.sh: installs the Debian packages the
# build, the tests and the demo need, when any is missing. Works as root or
# as a user with sudo.
PG_BACKFILL_PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-contrib libipc-run-perl
	libgtest-dev g++ make rsync python3"

pg_backfill_install_deps() {
	local missing=() pkg
	for pkg in $PG_BACKFILL_PACKAGES; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "pg_backfill: installing ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
