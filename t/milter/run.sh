#!/bin/bash
# t/milter/run.sh -- run one miltertest script against the real daemon.
#
#	run.sh MAILSWITCH_BINARY t/milter/t-NAME.lua
#
# Starts the daemon in the foreground (-f) on a unix socket in a temp dir,
# with t/milter/t-NAME.conf when it exists, else t/milter/mailswitch-test.conf;
# as root it runs with -u nobody.  Then runs
#	miltertest -D socket=unix:SOCK -D log=LOG -D tdir=THIS_DIR -s SCRIPT
# (LOG is the daemon's stderr, so scripts can check its decision lines),
# stops the daemon by its PID (SIGTERM), prints the log on failure and
# exits with miltertest's status (or 1 when the daemon died or did not stop).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 MAILSWITCH_BINARY SCRIPT.lua" >&2
	exit 64
fi
bin=$1
script=$2
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$script" .lua)
# shellcheck source=t/lib/process.sh
. "$here/../lib/process.sh"
# shellcheck source=t/lib/tmpdir.sh
. "$here/../lib/tmpdir.sh"
case $script in /*) ;; *) script=$PWD/$script ;; esac

conf=$here/$name.conf
[ -f "$conf" ] || conf=$here/mailswitch-test.conf

command -v miltertest >/dev/null 2>&1 || {
	echo "miltertest is not installed" >&2
	exit 2
}
[ -x "$bin" ] || {
	echo "not executable: $bin" >&2
	exit 2
}

tmp=$(tmpdir_make mt)
pid=""

# Stop the daemon (if still running) and remove the temp dir.
cleanup()
{
	local rc=$?
	set +e
	proc_stop "$pid" 5 mailswitch
	tmpdir_remove "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

userargs=""
if [ "$(id -u)" -eq 0 ]; then
	userargs="-u nobody"
fi

# shellcheck disable=SC2086  # userargs is empty or two words
"$bin" -f -c "$conf" -p "unix:$tmp/sock" $userargs \
    >"$tmp/out" 2>"$tmp/log" &
pid=$!

if ! proc_wait_up "$pid" 100 test -S "$tmp/sock"; then	# at most 10 s
	echo "FAIL: $name: the daemon did not open unix:$tmp/sock" >&2
	echo "--- command: $bin -f -c $conf -p unix:$tmp/sock $userargs" >&2
	echo "--- daemon log:" >&2
	cat "$tmp/log" "$tmp/out" >&2
	exit 1
fi

set +e
timeout 50 miltertest -D "socket=unix:$tmp/sock" -D "log=$tmp/log" \
    -D "tdir=$here" -s "$script"
rc=$?
set -e

# The daemon must still be alive, and stop cleanly on SIGTERM.
if ! proc_alive "$pid"; then
	echo "FAIL: $name: the daemon died during the test" >&2
	wait "$pid" 2>/dev/null || echo "--- its exit status: $?" >&2
	pid=""
	[ "$rc" -ne 0 ] || rc=1
else
	kill -TERM "$pid"
	if ! proc_wait_exit "$pid" 100; then	# at most 10 s
		echo "FAIL: $name: the daemon did not stop within 10 s of SIGTERM" >&2
		[ "$rc" -ne 0 ] || rc=1
	else
		st=$PROC_STATUS
		pid=""
		if [ "$st" -gt 128 ]; then
			echo "FAIL: $name: the daemon was killed by signal" \
			    "$((st - 128)) instead of stopping cleanly on SIGTERM" >&2
			[ "$rc" -ne 0 ] || rc=1
		elif [ "$st" -ne 0 ]; then
			echo "FAIL: $name: the daemon exited $st after SIGTERM" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	fi
fi

if [ "$rc" -ne 0 ]; then
	echo "--- $name failed ($rc); conf $conf; daemon log:" >&2
	cat "$tmp/log" >&2
else
	echo "PASS: $name"
fi
exit "$rc"
