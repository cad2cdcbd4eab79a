#!/usr/bin/env bash
# t/pkg/test-boot.sh SOURCE-DIR -- the package on a booted Debian 12, as a
# new mail administrator would try it (README, "The boot test").
#
# On this machine (the host), as root:
#   1. builds the package (DEB_BUILD_OPTIONS=nocheck: test-package.sh runs
#      the unit tests) in a temporary copy of SOURCE-DIR;
#   2. makes, once, a Debian 12 tree with debootstrap --variant=minbase:
#      systemd, dbus, man-db (systemd-analyze verify runs man for the
#      unit's Documentation=), Postfix, swaks and the package's own dependencies
#      (without procps: no /bin/kill), cached under
#      $MAILSWITCH_BOOT_CACHE (default /var/cache/mailswitch-tests) in a
#      folder named after that package list, so that a new dependency
#      makes a new tree;
#   3. copies the tree into a temporary folder, puts the package, README,
#      contrib/postfix/ and t/pkg/boot-inside.sh in /root/boot-test, and a
#      oneshot unit that runs boot-inside.sh after multi-user.target and
#      powers the container off when it ends;
#   4. boots it with systemd-nspawn -b --private-network (its own network
#      namespace: only a loopback of its own), at most 600 s, and stops it
#      by its PID if it outlives that;
#   5. prints boot-inside.sh's results ("ok" / "not ok" lines) and, on
#      failure, the container's journal and console.
# boot-inside.sh does the rest (Postfix as "Internet Site", apt install,
# README's lines, mail in both modes, reload, restart, purge).
#
# Needs root, debootstrap and systemd-container (t/run-tests.sh installs
# them) and the build dependencies.  Exit 77 (skipped) when not root.  The
# temporary folder is removed at the end (T_KEEP=1 keeps it).  Prints how
# long each part took.  Bounds: the build 600 s, debootstrap 900 s, the
# container MAILSWITCH_BOOT_TIMEOUT (600 s): within ctest's 2400 s.
set -u
src=$(cd "${1:?usage: test-boot.sh SOURCE-DIR}" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (debootstrap, systemd-nspawn)"
	exit 77
fi
for cmd in debootstrap systemd-nspawn dpkg-buildpackage; do
	command -v "$cmd" >/dev/null || { echo "FATAL: no $cmd"; exit 1; }
done
# shellcheck source=t/pkg/build.sh
. "$src/t/pkg/build.sh"
# shellcheck source=t/lib/process.sh
. "$src/t/lib/process.sh"

suite=bookworm
cache=${MAILSWITCH_BOOT_CACHE:-/var/cache/mailswitch-tests}
boot_timeout=${MAILSWITCH_BOOT_TIMEOUT:-600}	# seconds the container may run
started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/mailswitch-boot.XXXXXX")
nspawn_pid=""
fail=1

since() { echo $(($(date +%s) - $1)); }

# Stop the container by its PID: SIGTERM makes systemd-nspawn shut the
# container down cleanly; after 20 s SIGKILL to systemd-nspawn and to the
# container's init (its child; killing a PID namespace's init ends every
# process in it).
stop_container()
{
	local init
	[ -n "$nspawn_pid" ] || return 0
	if proc_alive "$nspawn_pid"; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		if ! proc_gone "$nspawn_pid" 200; then
			init=$(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null)
			kill -KILL "$nspawn_pid" $init 2>/dev/null
		fi
	fi
	wait "$nspawn_pid" 2>/dev/null
	nspawn_pid=""
}

cleanup()
{
	local rc=$?
	stop_container
	if [ "$fail" != 0 ] && [ -d "$work/root" ]; then
		echo "# ---- the container's console (tail) ----"
		tail -n 60 "$work/console.log" 2>/dev/null | sed 's/^/# /'
		echo "# ---- the container's journal (tail) ----"
		if [ -s "$work/root/root/boot-test/journal.txt" ]; then
			tail -n 400 "$work/root/root/boot-test/journal.txt"
		else
			journalctl -D "$work/root/var/log/journal" --no-pager \
			    2>/dev/null | tail -n 400
		fi | sed 's/^/# /'
		echo "# ---- boot-inside.sh's own output (tail) ----"
		tail -n 80 "$work/root/root/boot-test/inside.log" 2>/dev/null |
		    sed 's/^/# /'
	fi
	if [ "${T_KEEP:-0}" = 1 ]; then
		echo "# kept $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. the package ---------------------------------------------------------
t=$(date +%s)
deb=$(pkg_build "$src" "$work/build" nocheck) || {
	echo "not ok - dpkg-buildpackage (nocheck)"
	exit 1
}
echo "ok - built $(basename "$deb") ($(since "$t") s)"

# ---- 2. the Debian tree, cached -------------------------------------------
# The package's dependencies and recommendations (apt-get install takes
# both), as package names (first of alternatives).
depends=$({ dpkg-deb -f "$deb" Depends; dpkg-deb -f "$deb" Recommends; } |
    tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' -e 's/:any$//' |
    grep -v '^$' | sort -u | paste -sd, -)
include="systemd,systemd-sysv,dbus,man-db,postfix,swaks,$depends"
key=$(echo "$suite $include" | sha256sum | cut -c1-16)
tree=$cache/debian-$suite-$key
# Debian's archive, as this machine's apt knows it (debootstrap's own
# default otherwise).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' \
    /etc/apt/sources.list 2>/dev/null)
if [ -f "$tree/complete" ]; then
	echo "ok - Debian $suite tree from the cache ($tree)"
else
	t=$(date +%s)
	mkdir -p "$cache"
	rm -rf "$tree.new"
	# shellcheck disable=SC2086  # $mirror may be empty: debootstrap's default
	if timeout 900 debootstrap --variant=minbase --include="$include" \
	    "$suite" "$tree.new/root" $mirror >"$work/debootstrap.log" 2>&1 &&
	    chroot "$tree.new/root" apt-get clean &&
	    touch "$tree.new/complete"; then
		# older trees (other package lists) go
		find "$cache" -maxdepth 1 -name "debian-$suite-*" ! -name "*.new" \
		    -exec rm -rf {} +
		mv "$tree.new" "$tree"
		echo "ok - debootstrap --variant=minbase $suite, cached in $tree ($(since "$t") s)"
	else
		echo "not ok - debootstrap $suite (see below)"
		tail -30 "$work/debootstrap.log" | sed 's/^/# /'
		rm -rf "$tree.new"
		exit 1
	fi
fi

# ---- 3. this run's copy ----------------------------------------------------
t=$(date +%s)
cp -a "$tree/root" "$work/root" || { echo "not ok - copy the tree"; exit 1; }
root=$work/root
bt=$root/root/boot-test
mkdir -p "$bt/contrib" "$root/var/log/journal"
cp "$deb" "$bt/"
cp "$src/README" "$src/t/pkg/boot-inside.sh" "$src/t/pkg/postfix-lines.sh" "$bt/"
cp -r "$src/contrib/postfix" "$bt/contrib/"
cat >"$root/etc/systemd/system/mailswitch-boot-test.service" <<EOF
[Unit]
Description=mailswitch boot test (t/pkg/boot-inside.sh)
After=multi-user.target
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/bin/bash /root/boot-test/boot-inside.sh
TimeoutStartSec=$((boot_timeout - 60))
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/mailswitch-boot-test.service \
    "$root/etc/systemd/system/multi-user.target.wants/mailswitch-boot-test.service"
echo "ok - copied the tree, the package and the test into $work ($(since "$t") s)"

# ---- 4. boot ---------------------------------------------------------------
t=$(date +%s)
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 systemd-nspawn --quiet --boot \
    --register=no --keep-unit --private-network --hostname=gateway \
    --directory="$root" </dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!
if ! proc_gone "$nspawn_pid" $((boot_timeout * 10)); then
	echo "not ok - the container did not power off within $boot_timeout s: stopped by PID"
	stop_container
	booted=bad
else
	wait "$nspawn_pid"
	st=$?
	nspawn_pid=""
	echo "ok - the container booted, ran the test and powered off (exit $st, $(since "$t") s)"
	booted=good
fi

# ---- 5. the results --------------------------------------------------------
result=$bt/result.log
if [ -f "$result" ]; then
	cat "$result"
else
	echo "not ok - boot-inside.sh wrote no result"
fi
if [ "$booted" = good ] && grep -qx 'DONE 0 failed' "$result" 2>/dev/null &&
    ! grep -q '^not ok' "$result"; then
	fail=0
fi
echo "# test-boot.sh: $(since "$started") s in all"
exit "$fail"
