#!/bin/bash
# shellcheck disable=SC2317,SC2119  # functions run from traps; free_port takes no $1 here
# t/socketmap/test-socketmap.sh -- the socketmap server itself (SPEC
# section 6, milter/socketmap.h), without Postfix.
#
#	test-socketmap.sh MAILSWITCH_BINARY SMCLIENT_BINARY
#
# Starts the daemon (-f, -u nobody, stderr to a log) on a COPY of
# t/milter/mailswitch-test.conf in a temp dir with socket = "" and
# socketmap = "inet:PORT@127.0.0.1" (a free port from t/ports.sh), and
# runs t/socketmap/smclient.c against it: the answer table, pipelining, a
# request split byte by byte, malformed netstrings and requests, 10,000-byte
# requests, 64 concurrent clients, a client stalled mid-request (closed
# after the 10 s read timeout while the others are served), the connection
# limit (512), SIGHUP during streams of requests and a new forward_to seen
# on the same connection, SIGTERM with a request in flight.  Then: the
# daemon exits 0, the port is closed, the log has the expected lines and
# no sanitizer report.  A second, short run does the same on a unix socket
# (table, pipelining, malformed, SIGTERM).
#
# Prints one PASS/FAIL line per check; every wait is bounded; the EXIT trap
# stops the daemon (by PID) and removes the temp dir (T_KEEP=1 keeps it).
# Exit status 0 only when every check passed.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 MAILSWITCH_BINARY SMCLIENT_BINARY" >&2
	exit 64
fi
bin=$1
client=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=t/lib/base.sh
. "$top/t/lib/base.sh"

for b in "$bin" "$client"; do
	[ -x "$b" ] || {
		echo "FATAL: not executable: $b" >&2
		exit 2
	}
done

tmp=$(tmpdir_make sm)
rundir=$tmp/run
mkdir "$rundir"
chmod 755 "$rundir"
[ "$(id -u)" -ne 0 ] || chown nobody "$rundir"
conf=$tmp/mailswitch.conf
pid=""
started=$(date +%s)

cleanup()
{
	local rc=$?
	set +e
	proc_stop "$pid" 5 mailswitch
	if [ "$rc" -ne 0 ]; then
		for p in "$tmp"/log.*; do
			[ -f "$p" ] || continue
			echo "--- daemon log ($p, last 60 lines):" >&2
			tail -n 60 "$p" >&2
		done
	fi
	tmpdir_remove "$tmp" "${T_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# The LDIF must be readable by nobody (it is read again on SIGHUP).
ldif=$tmp/contacts.ldif
cp "$top/etc/contacts.ldif" "$ldif"
chmod 644 "$ldif"

# make_conf SOCKETMAP: the configuration copy, milter off.
make_conf()
{
	sed -e "s|\"\\.\\./\\.\\./etc/contacts\\.ldif\"|\"$ldif\"|" \
	    -e 's|^socket *=.*|socket = "";|' \
	    -e '/^socket *=/a socketmap = "'"$1"'";' \
	    "$top/t/milter/mailswitch-test.conf" >"$conf"
	chmod 644 "$conf"
	if ! grep -q "path = \"$ldif\"" "$conf" ||
	    ! grep -q '^socket = "";$' "$conf" ||
	    ! grep -q "^socketmap = \"$1\";\$" "$conf" ||
	    ! grep -q 'forward_to = "legacy.contoso.com"' "$conf"; then
		echo "FATAL: could not write $conf" >&2
		exit 2
	fi
}

# start_daemon ADDR NAME: start on the current $conf, wait (10 s) until ADDR
# accepts; its stderr goes to $tmp/log.NAME.
start_daemon()
{
	log=$tmp/log.$2
	"$bin" -f -c "$conf" -u nobody >"$tmp/out.$2" 2>"$log" &
	pid=$!
	if ! "$client" -w "$1"; then
		echo "FATAL: the daemon did not open $1" >&2
		cat "$tmp/out.$2" "$log" >&2
		exit 1
	fi
}

# wait_exit TENTHS: wait until the daemon is gone; sets $status, clears $pid.
status=""
wait_exit()
{
	proc_wait_exit "$pid" "$1" || return 1
	status=$PROC_STATUS
	pid=""
}

# log_has TEXT: the current log has a line with TEXT (fixed string); says
# on stderr what it missed.
log_has()
{
	grep -qF -- "$1" "$log" || { echo "    no '$1' in the log" >&2; return 1; }
}

# after_stop ADDR: the checks once the client sent SIGTERM.
after_stop()
{
	if wait_exit 100; then
		if [ "$status" -eq 0 ]; then
			assert_pass "stop: the daemon exits 0 after SIGTERM"
		else
			assert_fail "stop: the daemon exits $status after SIGTERM, want 0"
		fi
	else
		assert_fail "stop: the daemon still runs 10 s after SIGTERM (SIGKILLed)"
		proc_kill "$pid"
		pid=""
	fi
	if "$client" -r "$1"; then
		assert_pass "stop: $1 refuses connections"
	else
		assert_fail "stop: $1 still accepts connections"
	fi
	assert "stop: the log says mailswitch stopped" log_has "mailswitch stopped"
	# sanitizer builds: any report is a failure
	if grep -qE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error' \
	    "$log" "$tmp/client.err"; then
		assert_fail "sanitizers: a report in the daemon's or the client's stderr:"
		grep -hE -A12 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error' \
		    "$log" "$tmp/client.err" | head -n 60 | sed 's/^/    /'
	else
		assert_pass "sanitizers: no report in the daemon's or the client's stderr"
	fi
}

# run_client ARGS...: the client (bounded), its lines counted.
run_client()
{
	local out=$tmp/client.out st=0
	timeout 60 "$client" "$@" >"$out" 2>"$tmp/client.err" || st=$?
	cat "$out"
	ASSERT_FAILS=$((ASSERT_FAILS + $(grep -c '^FAIL' "$out" || true)))
	if [ "$st" -ne 0 ] && ! grep -q '^FAIL' "$out"; then
		assert_fail "smclient $* exited $st without a FAIL line"
		sed 's/^/    smclient: /' "$tmp/client.err"
	fi
}

# ==== inet: every case ======================================================

port=$(free_port) || {
	echo "FATAL: no free port" >&2
	exit 2
}
addr="inet:$port@127.0.0.1"
make_conf "$addr"
start_daemon "$addr" inet
run_client "$addr" "$pid" "$conf"
after_stop "$addr"
assert "log: SIGHUP reloaded the configuration" log_has "configuration reloaded"
assert "log: the refused connections are logged" log_has "connections open, refused"
assert "log: the stalled request is logged" log_has "socketmap: a request unfinished after 10 s"
assert "log: the malformed requests are logged" log_has "socketmap: refused request"

# ==== unix: a short run =======================================================

addr="unix:$rundir/socketmap.sock"
make_conf "$addr"
start_daemon "$addr" unix
run_client -q "$addr" "$pid" "$conf"
after_stop "$addr"

elapsed=$(($(date +%s) - started))
assert_summary "${elapsed} s"
