#!/bin/bash
# shellcheck disable=SC2317  # functions run from traps and check()
# t/milter/test-signals.sh -- the daemon's signals (SPEC section 3).
#
#	test-signals.sh MAILSWITCH_BINARY
#
# "SIGHUP re-reads the configuration (a bad new one is logged and the old
# one stays), SIGTERM/SIGINT stop after the messages in flight are done."
# Connections keep the configuration generation they started with.
#
# Starts the daemon itself (-f, -u nobody, unix socket, stderr to a log) on
# a COPY of t/milter/mailswitch-test.conf in a temp dir, edits that copy,
# signals the daemon by its own PID and plays Postfix with miltertest
# scripts written into the temp dir (they use t/milter/mtlib.lua).  Checks:
#   1. SIGHUP: a new forward_to, a new LDIF path, a changed LDIF are used by
#      new connections; a connection opened before keeps its generation.
#   2. a bad configuration on SIGHUP is logged (FILE:LINE), the old one
#      stays, and a later good SIGHUP works; so is a FIFO as the LDIF path
#      or as an @include (refused, never a hang); so are LDIF exports
#      that crashed the loader or had it read a FIFO or a device through a
#      URL value (issue 15): the daemon lives and answers.
#   3. SIGTERM with a message in flight: the listener closes (new
#      connections refused), the message completes with its recipient
#      changes, then the daemon logs "mailswitch stopped" and exits 0.
#   4. SIGINT stops it with status 0 too, right after a burst of SIGHUPs.
#   5. -P FILE: the pidfile holds the PID while running, is removed at stop.
#   6. a SIGHUP that changes a start-only setting (metrics, socketmap) logs
#      a warning naming the key and that a restart applies it; nothing new
#      listens; keys the command line overrides are not warned about.
# Prints one PASS/FAIL line per check; every wait is bounded; the EXIT trap
# stops whatever is still running (by PID) and removes the temp dir (set
# T_KEEP=1 to keep it).  Exit status 0 only when every check passed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=t/lib/base.sh
. "$top/t/lib/base.sh"
# shellcheck source=t/lib/mailswitch.sh
. "$top/t/lib/mailswitch.sh"
mailswitch_binary "$@"

command -v miltertest >/dev/null 2>&1 || {
	echo "FATAL: miltertest is not installed" >&2
	exit 2
}
[ -x "$bin" ] || {
	echo "FATAL: not executable: $bin" >&2
	exit 2
}

tmp=$(tmpdir_make sig)
conf=$tmp/mailswitch.conf
# The socket and the pidfile live in a run directory owned by the daemon's
# user (as /run/mailswitch would be), so that it may remove them at stop.
rundir=$tmp/run
sock=$rundir/sock
pidfile=$rundir/mailswitch.pid
pid=""			# the daemon under test
bgpid=""		# a background miltertest
started=$(date +%s)
budget=90		# seconds; ctest's TIMEOUT is 120

# Stop what is still running, by PID, and remove the temp dir.
cleanup()
{
	local rc=$? p
	set +e
	for p in $bgpid $pid; do
		proc_stop "$p" 5
	done
	if [ "$rc" -ne 0 ]; then
		for p in "$tmp"/log.* "$tmp/log"; do
			[ -f "$p" ] || continue
			echo "--- daemon log ($p):" >&2
			cat "$p" >&2
		done
	fi
	tmpdir_remove "$tmp" "${T_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# ---- the configuration copy and the LDIF copy ---------------------------

ldif_orig=$top/etc/contacts.ldif
if [ "$(id -u)" -eq 0 ] &&
    ! runuser -u nobody -- test -r "$ldif_orig" 2>/dev/null; then
	# nobody re-reads it on SIGHUP: use a copy it can read
	cp "$ldif_orig" "$tmp/contacts-orig.ldif"
	chmod 644 "$tmp/contacts-orig.ldif"
	ldif_orig=$tmp/contacts-orig.ldif
fi
ldif_copy=$tmp/contacts.ldif

# Rewrite the configuration copy with the sed script $1 (new file + rename,
# world-readable, so that the daemon never reads half a file).
conf_edit()
{
	sed -e "$1" "$conf" >"$conf.new"
	chmod 644 "$conf.new"
	mv -f "$conf.new" "$conf"
}

# Write the LDIF copy with Bob's target address set to $1.
ldif_write()
{
	sed -e "s|^targetAddress: SMTP:bob@fourthcoffee.com\$|targetAddress: SMTP:$1|" \
	    "$top/etc/contacts.ldif" >"$ldif_copy.new"
	grep -q "^targetAddress: SMTP:$1\$" "$ldif_copy.new" || {
		echo "FATAL: could not change Bob's target in the LDIF" >&2
		exit 2
	}
	chmod 644 "$ldif_copy.new"
	mv -f "$ldif_copy.new" "$ldif_copy"
}

sed -e "s|\"\\.\\./\\.\\./etc/contacts\\.ldif\"|\"$ldif_orig\"|" \
    "$here/mailswitch-test.conf" >"$conf"
chmod 644 "$conf"
grep -q "path = \"$ldif_orig\"" "$conf" || {
	echo "FATAL: could not make the LDIF path absolute in $conf" >&2
	exit 2
}
grep -q 'forward_to = "legacy.contoso.com"' "$conf" || {
	echo "FATAL: $conf has no forward_to = \"legacy.contoso.com\"" >&2
	exit 2
}

# ---- the miltertest script ----------------------------------------------
#
# Globals from -D: socket, log, tdir, mode, to (bare recipient), want (the
# address it must become), qid, marker and go (files for "hold" steps).
#   rewrite   one connection, one message: to becomes want.
#   keep      one message; create marker; wait for go; a second message on
#             the SAME connection: to still becomes want.
#   inflight  MAIL + RCPT; create marker; wait for go; then the body and
#             end of message: to becomes want.
#   refused   a single connection attempt must fail.
cat >"$tmp/sig.lua" <<'EOF'
dofile(tdir .. "/mtlib.lua")

-- Create the file path (tells the shell we reached a point).
local function touch(path)
	local f = io.open(path, "w")
	if f == nil then fail("cannot create " .. path) end
	f:close()
end

-- Wait (at most 30 s) until the shell creates path.
local function await(path)
	for _ = 1, 300 do
		local f = io.open(path, "r")
		if f ~= nil then
			f:close()
			return
		end
		mt.sleep(0.1)
	end
	fail("the test never created " .. path)
end

local function message(conn, n)
	mailfrom(conn, "someone@example.org")
	rcpt(conn, "<" .. to .. ">", "continue")
	finish(conn, qid .. n)
	deleted(conn, "<" .. to .. ">")
	added(conn, "<" .. want .. ">")
end

if mode == "refused" then
	-- mt.connect() raises an error when it cannot connect
	local ok, conn = pcall(mt.connect, socket, 1, 0.1)
	if ok and conn ~= nil then
		-- accepted: while stopping, the connect step must answer
		-- tempfail (the MTA keeps the mail), never continue
		local got = "?"
		if pcall(mt.conninfo, conn, "client.example.net",
		    "203.0.113.7") then
			got = reply_name(conn)
		end
		mt.disconnect(conn)
		if got ~= "tempfail" then
			fail("a new connection to " .. socket ..
			    " was accepted (connect step answered " .. got .. ")")
		end
		mt.echo("ok: new connection answered tempfail")
	else
		mt.echo("ok: connection refused: " .. tostring(conn))
	end
elseif mode == "rewrite" then
	local conn = connect()
	message(conn, "1")
	mt.disconnect(conn)
elseif mode == "keep" then
	local conn = connect()
	message(conn, "1")
	touch(marker)
	await(go)
	message(conn, "2")
	mt.disconnect(conn)
elseif mode == "inflight" then
	local conn = connect()
	mailfrom(conn, "someone@example.org")
	rcpt(conn, "<" .. to .. ">", "continue")
	touch(marker)
	await(go)
	finish(conn, qid)
	deleted(conn, "<" .. to .. ">")
	added(conn, "<" .. want .. ">")
	mt.disconnect(conn)
else
	fail("unknown mode " .. tostring(mode))
end
EOF

# mt MODE RCPT WANT [QID]: run the script in the foreground (bounded);
# its output goes to $tmp/mt.out.  Returns its status.
mtrun()
{
	timeout 20 miltertest -D "socket=unix:$sock" -D "log=$tmp/log" \
	    -D "tdir=$here" -D "mode=$1" -D "to=${2:-}" -D "want=${3:-}" \
	    -D "qid=${4:-SIG1}" -D "marker=$tmp/marker" -D "go=$tmp/go" \
	    -s "$tmp/sig.lua" >"$tmp/mt.out" 2>&1
}

# mt_check NAME MODE RCPT WANT: a PASS/FAIL line for one miltertest run.
mt_check()
{
	local name=$1
	shift
	if [ $(($(date +%s) - started)) -gt "$budget" ]; then
		assert_fail "$name (not run: the test's $budget s are spent)"
	elif mtrun "$@"; then
		assert_pass "$name"
	else
		assert_fail "$name"
		sed 's/^/    miltertest: /' "$tmp/mt.out"
	fi
}

# mt_bg MODE RCPT WANT QID: start the script in the background (bgpid).
mt_bg()
{
	rm -f "$tmp/marker" "$tmp/go"
	timeout 40 miltertest -D "socket=unix:$sock" -D "log=$tmp/log" \
	    -D "tdir=$here" -D "mode=$1" -D "to=$2" -D "want=$3" \
	    -D "qid=$4" -D "marker=$tmp/marker" -D "go=$tmp/go" \
	    -s "$tmp/sig.lua" >"$tmp/bg.out" 2>&1 &
	bgpid=$!
}

# mt_bg_wait NAME: wait for the background script; PASS/FAIL on its status.
mt_bg_wait()
{
	local st=0
	wait "$bgpid" || st=$?
	bgpid=""
	if [ "$st" -eq 0 ]; then
		assert_pass "$1"
	else
		assert_fail "$1 (miltertest exit $st)"
		sed 's/^/    miltertest: /' "$tmp/bg.out"
	fi
}

# ---- bounded waits --------------------------------------------------------

# wait_file PATH TENTHS: wait until PATH exists.
wait_file()
{
	for _ in $(seq 1 "$2"); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# log_count TEXT: how many log lines contain TEXT (fixed string).
log_count()
{
	grep -cF -- "$1" "$tmp/log" 2>/dev/null || true
}

# wait_log TEXT MIN TENTHS: wait until at least MIN log lines contain TEXT.
wait_log()
{
	for _ in $(seq 1 "$3"); do
		[ "$(log_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_exit TENTHS: wait until the daemon is gone; sets $status (its exit
# status) and clears $pid; returns 1 when it is still running.
status=""
wait_exit()
{
	proc_wait_exit "$pid" "$1" || return 1
	status=$PROC_STATUS
	pid=""
}

# kill_daemon: the daemon did not stop by itself: SIGKILL it, reap it.
kill_daemon()
{
	proc_kill "$pid"
	pid=""
}

# start_daemon PIDFILE: start the daemon, wait (10 s) for its socket.
start_daemon()
{
	[ ! -s "$tmp/log" ] || mv -f "$tmp/log" "$tmp/log.$(date +%s%N)"
	rm -f "$sock"
	"$bin" -f -c "$conf" -p "unix:$sock" -u nobody -P "$1" \
	    >"$tmp/out" 2>"$tmp/log" &
	pid=$!
	proc_wait_up "$pid" 100 test -S "$sock" && return 0
	echo "FATAL: the daemon did not open unix:$sock" >&2
	echo "--- command: $bin -f -c $conf -p unix:$sock -u nobody -P $1" >&2
	cat "$tmp/out" >&2
	exit 1
}

# hup WHAT MIN: send SIGHUP, wait (10 s) for the MIN-th log line with WHAT.
hup()
{
	kill -HUP "$pid"
	wait_log "$1" "$2" 100
}

alive()
{
	proc_alive "$pid"
}

# Waits (at most 5 s) until the pidfile holds PID.
pidfile_holds()
{
	for _ in $(seq 1 50); do
		[ "$(cat "$pidfile" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

mkdir "$rundir"
chmod 755 "$rundir"
[ "$(id -u)" -ne 0 ] || chown nobody "$rundir"

# ==== 1. SIGHUP reloads =====================================================

start_daemon "$pidfile"
daemon_pid=$pid

# 5 (first half): the pidfile while it runs (written just after the socket)
pidfile_holds "$daemon_pid"
if [ -f "$pidfile" ] && [ "$(cat "$pidfile")" = "$daemon_pid" ]; then
	assert_pass "5: the pidfile holds the daemon's PID ($daemon_pid) while it runs"
else
	assert_fail "5: the pidfile $pidfile holds '$(cat "$pidfile" 2>/dev/null)'," \
	    "want '$daemon_pid'"
fi

mt_check "1: original config: nobody@contoso.com -> nobody@legacy.contoso.com" \
    rewrite nobody@contoso.com nobody@legacy.contoso.com
mt_check "1: original LDIF: bob@contoso.com -> bob@fourthcoffee.com" \
    rewrite bob@contoso.com bob@fourthcoffee.com

reloads=$(log_count "configuration reloaded")
conf_edit 's|forward_to = "legacy.contoso.com"|forward_to = "other.contoso.com"|'
reloads=$((reloads + 1))
assert "1: SIGHUP after forward_to = \"other.contoso.com\": log says configuration reloaded" \
    hup "configuration reloaded" "$reloads"
mt_check "1: after SIGHUP: nobody@contoso.com -> nobody@other.contoso.com" \
    rewrite nobody@contoso.com nobody@other.contoso.com

# a new LDIF (path) with Bob's target changed
ldif_write bob@newcoffee.example
conf_edit "s|path = \"$ldif_orig\"|path = \"$ldif_copy\"|"
reloads=$((reloads + 1))
assert "1: SIGHUP with a new LDIF path: log says configuration reloaded" \
    hup "configuration reloaded" "$reloads"
mt_check "1: new LDIF: bob@contoso.com -> bob@newcoffee.example" \
    rewrite bob@contoso.com bob@newcoffee.example

# the same LDIF path, its content changed
ldif_write bob@third.example
reloads=$((reloads + 1))
assert "1: SIGHUP after the LDIF changed in place: log says configuration reloaded" \
    hup "configuration reloaded" "$reloads"
mt_check "1: changed LDIF: bob@contoso.com -> bob@third.example" \
    rewrite bob@contoso.com bob@third.example

# a connection opened before SIGHUP keeps its generation
mt_bg keep nobody@contoso.com nobody@other.contoso.com KEEP
if wait_file "$tmp/marker" 100; then
	conf_edit 's|forward_to = "other.contoso.com"|forward_to = "gen3.contoso.com"|'
	reloads=$((reloads + 1))
	assert "1: SIGHUP with a connection open: log says configuration reloaded" \
	    hup "configuration reloaded" "$reloads"
	mt_check "1: a new connection uses the new generation: nobody@contoso.com -> nobody@gen3.contoso.com" \
	    rewrite nobody@contoso.com nobody@gen3.contoso.com
	: >"$tmp/go"
else
	assert_fail "1: the held connection never reached its first message's end"
fi
mt_bg_wait "1: the connection opened before SIGHUP keeps its generation (nobody@other.contoso.com)"

# ==== 2. a bad configuration on SIGHUP ======================================

conf_edit 's|^max_hops = 8;|max_hops = 0;|'
badline=$(grep -n '^max_hops = 0;' "$conf" | cut -d: -f1)
if [ -z "$badline" ]; then
	echo "FATAL: could not break $conf (max_hops)" >&2
	exit 2
fi
failed=$(log_count "reload failed")
if hup "reload failed" $((failed + 1)); then
	assert_pass "2: SIGHUP with max_hops = 0: log says reload failed"
	if grep -F "reload failed" "$tmp/log" | tail -n 1 |
	    grep -qF "$conf:$badline"; then
		assert_pass "2: the reload failure names $(basename "$conf"):$badline"
	else
		assert_fail "2: the reload failure does not name $conf:$badline:" \
		    "$(grep -F "reload failed" "$tmp/log" | tail -n 1)"
	fi
else
	assert_fail "2: SIGHUP with max_hops = 0: no 'reload failed' in the log within 10 s"
fi
assert "2: the daemon still runs after a bad reload" alive
mt_check "2: the previous config stays: nobody@contoso.com -> nobody@gen3.contoso.com" \
    rewrite nobody@contoso.com nobody@gen3.contoso.com
mt_check "2: the previous LDIF stays: bob@contoso.com -> bob@third.example" \
    rewrite bob@contoso.com bob@third.example

conf_edit 's|^max_hops = 0;|max_hops = 8;|; s|forward_to = "gen3.contoso.com"|forward_to = "fixed.contoso.com"|'
reloads=$((reloads + 1))
assert "2: a later good SIGHUP: log says configuration reloaded" \
    hup "configuration reloaded" "$reloads"
mt_check "2: after the good SIGHUP: nobody@contoso.com -> nobody@fixed.contoso.com" \
    rewrite nobody@contoso.com nobody@fixed.contoso.com

# a path that is not a regular file (a FIFO would block the reader for
# ever): the reload fails with FILE:LINE, the daemon keeps answering
mkfifo "$tmp/fifo"
chmod 644 "$tmp/fifo"
for what in ldif include; do
	if [ "$what" = ldif ]; then
		conf_edit "s|path = \"$ldif_copy\"|path = \"$tmp/fifo\"|"
	else
		conf_edit "s|path = \"$tmp/fifo\"|path = \"$ldif_copy\"|; \$a @include \"$tmp/fifo\""
	fi
	failed=$(log_count "reload failed")
	if hup "reload failed" $((failed + 1)); then
		line=$(grep -F "reload failed" "$tmp/log" | tail -n 1)
		assert "2: SIGHUP with a FIFO ($what): the reload failure says why, with FILE:LINE" \
		    sh -c 'printf "%s\n" "$1" | grep -qE "$2:[0-9]+: .*a FIFO, not a regular file"' \
		    sh "$line" "$conf"
	else
		assert_fail "2: SIGHUP with a FIFO ($what): no 'reload failed' in the log within 10 s"
	fi
	mt_check "2: after the FIFO ($what) the previous config stays: nobody@contoso.com -> nobody@fixed.contoso.com" \
	    rewrite nobody@contoso.com nobody@fixed.contoso.com
done
conf_edit "/^@include/d"
reloads=$((reloads + 1))
assert "2: the FIFO gone, SIGHUP reloads again" \
    hup "configuration reloaded" "$reloads"

# exports that crashed the LDIF loader or libldap, or made it read a FIFO
# or a device (issue 15): the reload fails with the export's FILE:LINE,
# the daemon lives and answers
bad_ldif_rows=(
	"1|1\n"
	"4|dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n7\n\n"
	"2|dn: cn=a,dc=x\n: x\n"
	"2|dn: cn=a,dc=x\n-\n"
	"3|dn: cn=a,dc=x\nchangetype: add\n-\n"
	# URL values that libldap would read whole: a FIFO, a device
	"3|dn: cn=a,dc=x\ncn: a\ndescription:< file://$tmp/fifo\n"
	"2|dn: cn=a,dc=x\nproxyAddresses:< file:///dev/zero\n"
)
for r in "${bad_ldif_rows[@]}"; do
	badline=${r%%|*}
	# shellcheck disable=SC2059  # the row is a printf format
	printf "${r#*|}" >"$tmp/bad.ldif"
	chmod 644 "$tmp/bad.ldif"
	conf_edit "s|path = \"$ldif_copy\"|path = \"$tmp/bad.ldif\"|"
	failed=$(log_count "reload failed")
	if hup "reload failed" $((failed + 1)); then
		line=$(grep -F "reload failed" "$tmp/log" | tail -n 1)
		assert "2: SIGHUP with a broken export ($r): the reload failure names bad.ldif:$badline" \
		    sh -c 'printf "%s\n" "$1" | grep -qF "$2"' sh "$line" \
		    "$tmp/bad.ldif:$badline: "
	else
		assert_fail "2: SIGHUP with a broken export ($r): no 'reload failed' in the log within 10 s"
	fi
	assert "2: the daemon still runs after the broken export ($r)" alive
	mt_check "2: after the broken export ($r) the previous config stays: nobody@contoso.com -> nobody@fixed.contoso.com" \
	    rewrite nobody@contoso.com nobody@fixed.contoso.com
	conf_edit "s|path = \"$tmp/bad.ldif\"|path = \"$ldif_copy\"|"
done
reloads=$((reloads + 1))
assert "2: the export fixed, SIGHUP reloads again" \
    hup "configuration reloaded" "$reloads"

# ==== 6. start-only settings changed on SIGHUP ===============================
#
# socket, socketmap, metrics, user and pidfile are taken at start only: a
# reload that changes one logs a warning naming the key and saying that a
# restart applies it; the daemon stays on what it has.  socket, user and
# pidfile are overridden here (-p, -u, -P): changing them in the file
# changes nothing, and is not warned about.

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open()
{
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' sh "$1" 2>/dev/null
}

m_port=$(free_port) && s_port=$(free_port "$m_port") || {
	echo "FATAL: no free port" >&2
	exit 2
}
warned=$(log_count "which only a restart applies")
conf_edit "\$a metrics = \"inet:$m_port@127.0.0.1\";\nsocketmap = \"inet:$s_port@127.0.0.1\";"
reloads=$((reloads + 1))
assert "6: SIGHUP with metrics and socketmap set: log says configuration reloaded" \
    hup "configuration reloaded" "$reloads"
assert "6: the reload warns that 'metrics' needs a restart, naming both values" \
    grep -qF "reload: 'metrics' changed to inet:$m_port@127.0.0.1, which only a restart applies: still (none)" "$tmp/log"
assert "6: the reload warns that 'socketmap' needs a restart, naming both values" \
    grep -qF "reload: 'socketmap' changed to inet:$s_port@127.0.0.1, which only a restart applies: still (none)" "$tmp/log"
assert "6: exactly two such warnings (one per key)" \
    test "$(log_count "which only a restart applies")" -eq $((warned + 2))
if port_open "$m_port" || port_open "$s_port"; then
	assert_fail "6: a new listener was opened by the reload"
else
	assert_pass "6: no new listener opened by the reload"
fi
mt_check "6: the milter still answers on its socket: nobody@contoso.com -> nobody@fixed.contoso.com" \
    rewrite nobody@contoso.com nobody@fixed.contoso.com
# overridden keys, and back to the started values: no (new) warning
warned=$(log_count "which only a restart applies")
conf_edit "/^metrics = /d; /^socketmap = /d; s|^socket  = .*|socket = \"inet:$m_port@127.0.0.1\";|; s|^user    = .*|user = \"root\";|; s|^pidfile = .*|pidfile = \"$tmp/other.pid\";|"
reloads=$((reloads + 1))
assert "6: SIGHUP with socket, user and pidfile changed under -p, -u, -P: reloaded" \
    hup "configuration reloaded" "$reloads"
assert "6: no warning: the overrides decide, and metrics and socketmap are as at start" \
    test "$(log_count "which only a restart applies")" -eq "$warned"
mt_check "6: the milter still answers: nobody@contoso.com -> nobody@fixed.contoso.com" \
    rewrite nobody@contoso.com nobody@fixed.contoso.com

# ==== 3. SIGTERM with a message in flight ===================================

mt_bg inflight nobody@contoso.com nobody@fixed.contoso.com INFLIGHT
if wait_file "$tmp/marker" 100; then
	kill -TERM "$pid"
	# libmilter's listener may take ~5 s to notice: try a new
	# connection every 0.5 s for 10 s, while the message is held open.
	refused=0
	for _ in $(seq 1 20); do
		if mtrun refused; then
			refused=1
			break
		fi
		sleep 0.5
	done
	if [ "$refused" -eq 1 ]; then
		assert_pass "3: a new connection after SIGTERM is refused or answered tempfail (message still in flight)"
	else
		assert_fail "3: a new connection is still served 10 s after SIGTERM"
		sed 's/^/    miltertest: /' "$tmp/mt.out"
	fi
	assert "3: the daemon still runs while the message is in flight" alive
	: >"$tmp/go"
else
	assert_fail "3: the in-flight message never reached RCPT"
	kill -TERM "$pid"
	: >"$tmp/go"
fi
mt_bg_wait "3: the in-flight message completes after SIGTERM (delrcpt nobody@contoso.com, addrcpt nobody@fixed.contoso.com)"
stopped=0
if wait_exit 100; then
	stopped=1
	assert "3: the daemon exits with status 0 after SIGTERM (got $status)" \
	    test "$status" -eq 0
	assert "3: the log says mailswitch stopped" \
	    wait_log "mailswitch stopped" 1 10
else
	assert_fail "3: the daemon did not exit within 10 s of the in-flight message's end (SIGKILLed)"
	kill_daemon
fi
# the in-flight message was logged before the stop
if awk '/INFLIGHT: rcpt=<nobody@contoso.com> -> <nobody@fixed.contoso.com>/ { m = NR }
    /mailswitch stopped/ { s = NR } END { exit !(m && s && m < s) }' "$tmp/log"; then
	assert_pass "3: the in-flight rewrite is logged before 'mailswitch stopped'"
else
	assert_fail "3: no in-flight rewrite logged before 'mailswitch stopped'"
fi
mt_check "3: after the stop a new connection is refused" refused
# 5 (second half)
if [ "$stopped" -eq 1 ]; then
	assert "5: the pidfile is removed at stop (SIGTERM)" test ! -e "$pidfile"
else
	assert_fail "5: the pidfile is removed at stop (SIGTERM): not checked, the daemon had to be killed"
	rm -f "$pidfile"
fi

# ==== 4. SIGINT ===============================================================

start_daemon "$pidfile"
mt_check "4: second daemon answers: nobody@contoso.com -> nobody@fixed.contoso.com" \
    rewrite nobody@contoso.com nobody@fixed.contoso.com
pidfile_holds "$pid"
if [ -f "$pidfile" ] && [ "$(cat "$pidfile")" = "$pid" ]; then
	assert_pass "5: the pidfile holds the second daemon's PID ($pid)"
else
	assert_fail "5: the pidfile $pidfile holds '$(cat "$pidfile" 2>/dev/null)', want '$pid'"
fi
# a burst of SIGHUPs just before the stop: the stop is not held up
for _ in 1 2 3 4 5; do kill -HUP "$pid"; done
kill -INT "$pid"
if wait_exit 150; then
	assert "4: the daemon exits with status 0 after SIGINT (got $status)" \
	    test "$status" -eq 0
	assert "4: the log says mailswitch stopped" \
	    wait_log "mailswitch stopped" 1 10
	assert "5: the pidfile is removed at stop (SIGINT)" test ! -e "$pidfile"
else
	assert_fail "4: the daemon did not exit within 15 s of SIGINT (SIGKILLed)"
	kill_daemon
fi
mt_check "4: after the stop a new connection is refused" refused

elapsed=$(($(date +%s) - started))
assert_summary "${elapsed} s"
