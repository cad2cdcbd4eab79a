#!/bin/bash
# shellcheck disable=SC2317  # functions run from traps and check()
# t/milter/test-metrics.sh -- the metrics endpoint (SPEC section 7) of a
# running milter, on the LDIF back-end (t/ldap/test-metrics.sh has the
# cache and the outage of a real slapd):
#
#	test-metrics.sh MAILSWITCH_BINARY
#
# Starts the daemon (-f, -u nobody as root, a unix milter socket) on a copy
# of t/milter/mailswitch-test.conf with metrics = "inet:PORT@127.0.0.1" on
# a free port (t/ports.sh), and checks:
#   1. the first scrape: 200, Content-Type text/plain; version=0.0.4,
#      every family with its zeros, a valid exposition (promtool check
#      metrics when installed, else t/metrics.sh's strict parser);
#   2. a message played with miltertest: a contact rewritten (+1 contact),
#      an unknown recipient of an authoritative domain (+1 unknown), the
#      message accepted (+1 accepted), LDIF lookups counted and timed, the
#      milter connection counted while open and gone after;
#   3. another path 404, POST 405, a request over 8 KB refused with a 4xx,
#      a connection that sends nothing dropped after 5 s without holding
#      up a scrape meanwhile;
#   4. SIGHUP: the counters survive, reloads_total{result="ok"} +1, a new
#      loaded timestamp; a bad configuration: {result="failed"} +1, the
#      timestamp unchanged; the final text valid again;
#   5. SIGTERM: exit 0, the port closed.
# One PASS/FAIL line per check; every wait is bounded; the EXIT trap stops
# the daemon by its PID and removes the temp dir (T_KEEP=1 keeps it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=t/lib/base.sh
. "$top/t/lib/base.sh"
. "$top/t/metrics.sh"
# shellcheck source=t/lib/mailswitch.sh
. "$top/t/lib/mailswitch.sh"
mailswitch_binary "$@"

for c in miltertest curl; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "FATAL: $c is not installed" >&2
		exit 2
	}
done

tmp=$(tmpdir_make metrics)
METRICS_TMP=$tmp
pid=""
idle_pid=""

cleanup()
{
	local rc=$? p
	set +e
	for p in $idle_pid $pid; do
		proc_stop "$p" 5
	done
	if [ "$rc" -ne 0 ] && [ -f "$tmp/log" ]; then
		echo "--- daemon log:" >&2
		cat "$tmp/log" >&2
	fi
	tmpdir_remove "$tmp" "${T_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# v SERIES: its value in the last scrape
v() { metrics_value "$1"; }

D='mailswitch_decisions_total{frontend="milter",direction="inbound",verdict='
TS=mailswitch_config_loaded_timestamp_seconds
OK='mailswitch_config_reloads_total{result="ok"}'
FAILED='mailswitch_config_reloads_total{result="failed"}'

# ---- the daemon ------------------------------------------------------------

METRICS_PORT=$(free_port) || { echo "FATAL: no free port" >&2; exit 1; }
conf=$tmp/mailswitch.conf
cp "$top/etc/contacts.ldif" "$tmp/contacts.ldif"
chmod 644 "$tmp/contacts.ldif"
{
	echo "metrics = \"inet:$METRICS_PORT@127.0.0.1\";"
	sed -e "s|\"../../etc/contacts.ldif\"|\"$tmp/contacts.ldif\"|" \
	    "$here/mailswitch-test.conf"
} >"$conf"
chmod 644 "$conf"
userargs=()
[ "$(id -u)" -ne 0 ] || userargs=(-u nobody)
"$bin" -f -c "$conf" -p "unix:$tmp/sock" "${userargs[@]}" \
    >"$tmp/out" 2>"$tmp/log" &
pid=$!
proc_wait_up "$pid" 100 test -S "$tmp/sock" ||
    { echo "FATAL: the daemon did not start" >&2; exit 1; }

# ---- 1. the first scrape ---------------------------------------------------

echo "== the first scrape"
metrics_wait mailswitch_directory_up 1 5 || true
assert_is "GET /metrics: 200, text/plain; version=0.0.4" "$METRICS_STATUS" \
    "200 text/plain; version=0.0.4"
cp "$METRICS_BODY" "$tmp/first"
assert "the first scrape is a valid exposition" metrics_valid "$tmp/first"
for f in decisions_total directory_lookups_total \
    directory_lookup_duration_seconds cache_hits_total cache_misses_total \
    cache_entries cache_stale_answers_total directory_up connections \
    messages_total config_reloads_total config_loaded_timestamp_seconds \
    build_info; do
	grep -q "^# HELP mailswitch_$f " "$tmp/first" &&
	    grep -q "^# TYPE mailswitch_$f " "$tmp/first" ||
	    assert_fail "family mailswitch_$f: HELP and TYPE"
done
assert_pass "every family has HELP and TYPE"
assert_is "39 decision series, all 0" \
    "$(grep -c '^mailswitch_decisions_total{.*} 0$' "$tmp/first")" 39
assert_is "contact 0 before any mail" "$(v "${D}\"contact\"}")" 0
assert_is "directory_up 1 (the LDIF is loaded)" "$(v mailswitch_directory_up)" 1
assert_is "build_info" "$(grep -c '^mailswitch_build_info{version="[0-9][^"]*"} 1$' \
    "$tmp/first")" 1
assert "no address in the text" eval "! grep -q @ '$tmp/first'"
ts0=$(v "$TS")
assert "the load time is set ($ts0)" test "${ts0%%.*}" -gt 1600000000

# ---- 2. one message ----------------------------------------------------------

echo "== a message through the milter"
cat >"$tmp/t-msg.lua" <<'LUA'
dofile(tdir .. "/mtlib.lua")
local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue", "4XbQ9M1mk0z1")
rcpt(conn, "<nobody@sales.contoso.com>", "replycode", "4XbQ9M1mk0z1")
-- while the connection is open, the gauge counts it
os.execute("touch " .. tdir_tmp .. "/open; " ..
    "for i in $(seq 1 50); do [ -f " .. tdir_tmp .. "/seen ] && break; " ..
    "sleep 0.1; done")
finish(conn, "4XbQ9M1mk0z1")
added(conn, "<bob@fourthcoffee.com>")
mt.disconnect(conn)
LUA
(
	for _ in $(seq 1 100); do
		[ -f "$tmp/open" ] && break
		sleep 0.1
	done
	metrics_get "$METRICS_PORT" /metrics
	cp "$METRICS_BODY" "$tmp/during"
	touch "$tmp/seen"
) &
watcher=$!
set +e
timeout 50 miltertest -D "socket=unix:$tmp/sock" -D "log=$tmp/log" \
    -D "tdir=$here" -D "tdir_tmp=$tmp" -s "$tmp/t-msg.lua" >"$tmp/mt.out" 2>&1
rc=$?
set -e
wait "$watcher" || true
if [ "$rc" -eq 0 ]; then
	assert_pass "miltertest: bob rewritten, nobody@sales refused, message accepted"
else
	assert_fail "miltertest exited $rc"
	cat "$tmp/mt.out"
fi
assert_is "connections{milter} 1 while the connection is open" "$(awk \
    '$1 == "mailswitch_connections{frontend=\"milter\"}" { print $2 }' \
    "$tmp/during")" 1
metrics_wait 'mailswitch_connections{frontend="milter"}' 0 5 || true
assert_is "connections{milter} 0 after it closed" \
    "$(v 'mailswitch_connections{frontend="milter"}')" 0
assert_is "+1 contact" "$(v "${D}\"contact\"}")" 1
assert_is "+1 unknown" "$(v "${D}\"unknown\"}")" 1
assert_is "no tempfail" "$(v "${D}\"tempfail\"}")" 0
assert_is "messages_total{accepted} 1" \
    "$(v 'mailswitch_messages_total{result="accepted"}')" 1
found=$(v 'mailswitch_directory_lookups_total{outcome="found"}')
notfound=$(v 'mailswitch_directory_lookups_total{outcome="notfound"}')
assert "LDIF lookups counted (found $found, not found $notfound)" \
    test "$found" -ge 1 -a "$notfound" -ge 1
assert_is "the histogram counts each of them" \
    "$(v mailswitch_directory_lookup_duration_seconds_count)" \
    "$((found + notfound))"
assert_is "the +Inf bucket too" \
    "$(v 'mailswitch_directory_lookup_duration_seconds_bucket{le="+Inf"}')" \
    "$((found + notfound))"
assert_is "no cache for LDIF: 0 hits" "$(v mailswitch_cache_hits_total)" 0

# ---- 3. the HTTP side ------------------------------------------------------

echo "== the HTTP side"
metrics_get "$METRICS_PORT" /other
assert_is "GET /other: 404" "${METRICS_STATUS%% *}" 404
metrics_get "$METRICS_PORT" / 
assert_is "GET /: 404" "${METRICS_STATUS%% *}" 404
metrics_get "$METRICS_PORT" /metrics -X POST -d x=1
assert_is "POST /metrics: 405" "${METRICS_STATUS%% *}" 405
metrics_get "$METRICS_PORT" /metrics -I
assert_is "HEAD /metrics: 405" "${METRICS_STATUS%% *}" 405
big=$(head -c 9000 /dev/zero | tr '\0' a)
metrics_get "$METRICS_PORT" /metrics -H "X-Big: $big"
code=${METRICS_STATUS%% *}
assert "a request over 8 KB: refused with a 4xx (got $code)" \
    test "$code" -ge 400 -a "$code" -lt 500
metrics_get "$METRICS_PORT" "/metrics?$(head -c 9000 /dev/zero | tr '\0' b)"
code=${METRICS_STATUS%% *}
assert "a request line over 8 KB: 4xx (got $code)" \
    test "$code" -ge 400 -a "$code" -lt 500

# An idle connection: opened, nothing sent; the daemon closes it.
t0=$(date +%s%N)
(
	exec 3<>"/dev/tcp/127.0.0.1/$METRICS_PORT"
	timeout 15 cat <&3 >/dev/null
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$tmp/idle_ms"
) &
idle_pid=$!
sleep 0.5
metrics_get "$METRICS_PORT" /metrics
assert_is "a scrape while a connection idles: 200" "${METRICS_STATUS%% *}" 200
wait "$idle_pid" || true
idle_pid=""
idle_ms=$(cat "$tmp/idle_ms" 2>/dev/null || echo 99999)
assert "the idle connection dropped after about 5 s (${idle_ms} ms)" \
    test "$idle_ms" -ge 4000 -a "$idle_ms" -le 8000

# ---- 4. SIGHUP ---------------------------------------------------------------

echo "== SIGHUP"
metrics_get "$METRICS_PORT" /metrics
lookups=$(v mailswitch_directory_lookup_duration_seconds_count)
sleep 0.1
kill -HUP "$pid"
assert "reloads_total{ok} 1" metrics_wait "$OK" 1
assert_is "reloads_total{failed} 0" "$(v "$FAILED")" 0
assert_is "the counters survive: contact 1" "$(v "${D}\"contact\"}")" 1
assert_is "the counters survive: unknown 1" "$(v "${D}\"unknown\"}")" 1
assert_is "the counters survive: accepted 1" \
    "$(v 'mailswitch_messages_total{result="accepted"}')" 1
assert_is "the counters survive: lookups" \
    "$(v mailswitch_directory_lookup_duration_seconds_count)" "$lookups"
ts1=$(v "$TS")
assert "a new load time ($ts0 -> $ts1)" \
    awk -v a="$ts0" -v b="$ts1" 'BEGIN { exit !(b > a) }'

cp "$conf" "$tmp/conf.good"
echo "this is = not a configuration" >>"$conf"
kill -HUP "$pid"
assert "a bad configuration: reloads_total{failed} 1" metrics_wait "$FAILED" 1
assert_is "reloads_total{ok} still 1" "$(v "$OK")" 1
assert_is "the load time unchanged" "$(v "$TS")" "$ts1"
assert_is "the counters survive it: contact 1" "$(v "${D}\"contact\"}")" 1
assert "the log says FILE:LINE" grep -q "reload failed.*$conf:[0-9]" "$tmp/log"
cp "$tmp/conf.good" "$conf"
assert "the last scrape is a valid exposition" metrics_valid "$METRICS_BODY"

# ---- 5. the stop -------------------------------------------------------------

echo "== SIGTERM"
kill -TERM "$pid"
st="still running 10 s after it"
! proc_wait_exit "$pid" 100 || st=$PROC_STATUS
pid=""
assert_is "SIGTERM: exit 0" "$st" 0
metrics_get "$METRICS_PORT" /metrics
assert_is "the port is closed" "${METRICS_STATUS%% *}" 000
assert "no sanitizer report in the daemon's log" eval "! grep -qE \
    'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:' '$tmp/log'"

assert_summary
