#!/usr/bin/env bash
# The "package" suite of test/run.sh: the Debian package as a user gets it.
#
#   1. dpkg-buildpackage -us -uc -b in a copy of the tree (debian/, with
#      pg_buildext), giving postgresql-15-backfill_<version>_<arch>.deb;
#   2. dpkg -i of that .deb (files under /usr);
#   3. a smoke test from the installed package (test/package_smoke.sh): a
#      throwaway server started from /usr/lib/postgresql/15/bin with
#      pg_backfill preloaded: CREATE EXTENSION, a job that finishes, the
#      guard's warning on an unsafe ALTER TABLE;
#   4. the autopkgtest, debian/tests/installcheck (pg_buildext installcheck:
#      pg_regress and isolation on a pg_virtualenv cluster);
#   5. dpkg -r, unless the package was installed before the suite;
#   6. make dist (the PGXN zip from git), when the tree is a git checkout.
#
# Installing writes to /usr, so it needs root or passwordless sudo; without
# either the suite is skipped (exit 77). The build itself skips the package's
# build-time tests (DEB_BUILD_OPTIONS=nocheck): step 4 runs the same command
# against the installed package. One run at a time installs (flock).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/test/lib.sh"

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! sudo -n true 2>/dev/null; then
		echo "package: skipped: installing the .deb under /usr needs root or passwordless sudo"
		exit 77
	fi
	sudo=(sudo -n)
fi

PG_BACKFILL_PACKAGES="$PG_BACKFILL_PACKAGES dpkg-dev debhelper postgresql-server-dev-all" pg_backfill_install_deps

package=postgresql-15-backfill
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
deb=${package}_${version}_$(dpkg --print-architecture).deb
work=${TMPDIR:-/tmp}/pg_backfill-package-$(id -un)-$(printf %s "$top" | md5sum | cut -c1-8)
rm -rf "$work"
mkdir -p "$work/src"
chmod 755 "$work"
rsync -a --exclude .git --exclude '*.o' --exclude '*.d' --exclude '*.so' --exclude tmp_install \
	--exclude 'tmp_check*' --exclude results --exclude output_iso --exclude 'regression.*' --exclude log \
	--exclude test/unit/core_tests --exclude 'run_*' --exclude '*.zip' --exclude debian/.debhelper \
	--exclude "debian/$package" --exclude debian/files --exclude 'debian/*.substvars' \
	--exclude debian/debhelper-build-stamp "$top/" "$work/src/"

echo "package: dpkg-buildpackage -us -uc -b (log: $work/build.log)"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	exit 1
fi
dpkg-deb --contents "$work/$deb" | awk '{print "package:   " $NF}' | grep -E 'pg_backfill|README'

# The server runs as postgres when this runs as root.
runas=()
[ "$(id -u)" -ne 0 ] || runas=(runuser -u postgres --)
smoke_dir=$work/server
mkdir -p "$smoke_dir"
[ "$(id -u)" -ne 0 ] || chown postgres: "$smoke_dir"

# One install at a time on this machine, whoever runs it (flock on a
# read-only descriptor, so any user can share the lock file).
lock=/tmp/pg_backfill-package.lock
[ -e "$lock" ] || { touch "$lock" && chmod 644 "$lock"; }
exec 9<"$lock"
flock 9
was_installed=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
remove() {
	if [ "$was_installed" = installed ]; then
		echo "package: $package was installed before this suite; the one built here stays installed"
	else
		"${sudo[@]}" dpkg -r "$package" >"$work/dpkg-r.log" 2>&1 && echo "package: dpkg -r $package" ||
			{ cat "$work/dpkg-r.log"; return 1; }
	fi
}
trap remove EXIT
echo "package: dpkg -i $deb"
"${sudo[@]}" dpkg -i "$work/$deb" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log"; exit 1; }

"${runas[@]}" bash "$work/src/test/package_smoke.sh" "$smoke_dir/cluster"

echo "package: autopkgtest debian/tests/installcheck"
if ! (cd "$work/src" && debian/tests/installcheck) >"$work/installcheck.log" 2>&1; then
	tail -60 "$work/installcheck.log"
	exit 1
fi
grep -E '^ *All [0-9]+ tests passed' "$work/installcheck.log" | sed 's/^ */package:   /'

if git -C "$top" rev-parse --verify -q HEAD >/dev/null; then
	zip=$(make -s -C "$top" dist | tail -1)
	mv "$top/$zip" "$work/"
	python3 - "$work/$zip" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
prefix = sys.argv[1].rsplit("/", 1)[1][:-len(".zip")] + "/"
need = ["META.json", "LICENSE", "Makefile", "pg_backfill.control", "pg_backfill--0.1.sql"]
missing = [n for n in need if prefix + n not in names]
stray = [n for n in names if not n.startswith(prefix)]
if missing or stray:
    sys.exit("package: make dist: missing %s, outside %s: %s" % (missing, prefix, stray[:5]))
print("package: make dist: %s, %d files under %s" % (sys.argv[1].rsplit("/", 1)[1], len(names), prefix))
PY
fi
echo "package: ok"
