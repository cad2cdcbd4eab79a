#!/bin/bash
# contrib/bench/modes-bench.sh -- one load through a private Postfix in four
# setups, all against ONE private slapd (t/ldap/slapd.sh) holding generated
# contacts (t/ldap/gen-contacts.sh: userI@contoso.com ->
# userI@fourthcoffee.com):
#
#	modes-bench.sh MAILSWITCH_BINARY [MESSAGES [SERIAL_MESSAGES]]
#
#   A  Postfix alone (no lookups: the floor);
#   B  Postfix's own LDAP table: virtual_alias_maps = ldap:... (no cache:
#      every recipient is a query, which is what Postfix does);
#   C  mailswitch as milter (smtpd_milters, as postfix-bench.sh);
#   D  mailswitch as socketmap server (check_recipient_access and
#      virtual_alias_maps socketmap:..., as contrib/postfix/main-socketmap.cf);
# mailswitch on its ldap back-end with its cache (100,000 entries, ttl 300 s)
# and log_level info (one line per decision), both front ends in one process.
#
# Load: contrib/bench's smtp_load (smtp-source's dialogue, one message per
# connection, but 5 recipients that change from message to message, which
# smtp-source cannot do): MESSAGES (default 2000) over 20 parallel sessions
# (accepted msg/s at smtpd, delivered msg/s at smtp-sink) and
# SERIAL_MESSAGES (default 300) over 1 session (ms per message).  Each
# setup is measured COLD (every recipient new: contacts 0 .. 5 x MESSAGES-1,
# then the next 5 x SERIAL_MESSAGES; mailswitch restarted just before, so
# its cache is empty) and then WARM (the same recipients again: all cache
# hits).  Order A B C D D C B A, each figure the mean of its two runs.
# Every dump at smtp-sink is checked: all recipients @fourthcoffee.com in B,
# C, D (rewritten), @contoso.com in A.
#
# Then smap_rtt: 100,000 sequential "virtual userI@contoso.com" lookups on
# one persistent socketmap connection after a warm-up (cache hits), with
# perf stat on the server (CPU time per lookup), when perf is there, and
# its user and system time from /proc; once with log_level info (a log
# line per lookup, as in the runs above) and once with notice.
#
# Postfix's LDAP table cannot strip the "SMTP:" of targetAddress
# (result_format has no such expansion), so the bench's LDIF adds to every
# contact a plain copy of its target, mail: userI@fourthcoffee.com, which B
# returns (result_attribute = mail); mailswitch reads targetAddress as ever.
#
# Everything listens on 127.0.0.1, is stopped by its own PID (EXIT trap);
# every load and wait is bounded.  Needs root, postfix-ldap (B), slapd.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 MAILSWITCH_BINARY [MESSAGES [SERIAL_MESSAGES]]" >&2
	exit 64
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
npar=${2:-2000}
nser=${3:-300}
case $npar$nser in
*[!0-9]*) echo "message counts must be numbers" >&2; exit 64 ;;
esac
[ "$npar" -ge 1 ] && [ "$npar" -le 20000 ] && [ "$nser" -ge 1 ] &&
    [ "$nser" -le 20000 ] || { echo "counts: 1..20000" >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
load=${SMTP_LOAD:-$(dirname "$(dirname "$bin")")/contrib/bench/smtp_load}
rtt=${SMAP_RTT:-$(dirname "$load")/smap_rtt}
[ -x "$load" ] && [ -x "$rtt" ] ||
    { echo "no $load or $rtt (set SMTP_LOAD, SMAP_RTT)" >&2; exit 64; }
. "$here/../../t/e2e/lib.sh"
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_OWNER=1
. "$here/../../t/ldap/slapd.sh"
# the harness sizes its database for the test directories: raise the limit
eval "$(declare -f slapd_config | sed '1s/^slapd_config/slapd_config_small/')"
slapd_config()
{
	slapd_config_small "$@"
	sed -i 's/^maxsize .*/maxsize 1073741824/' "$SLAPD_TMP/$1/slapd.conf"
}

e2e_init
slapd_init
trap 'slapd_cleanup; e2e_cleanup' EXIT

limit=300			# seconds, per load and per wait
nrcpt=5
wbase=$((nrcpt * (npar + nser)))	# warm-up recipients, after the others
contacts=$((wbase + nrcpt * 40))

echo "== slapd with $contacts contacts"
"$E2E_TOP/t/ldap/gen-contacts.sh" "$contacts" |
    sed 's/^targetAddress: SMTP:\(.*\)$/&\nmail: \1/' >"$SLAPD_TMP/contacts.ldif"
slapd_start bench --ldif "$SLAPD_TMP/contacts.ldif"

slapd_mailswitch_conf "$E2E_TMP/ldap.conf" "\"${SLAPD_URI[bench]}\"" \
    "timeout=5.0" "connections=4"
sed -i -e 's/cache = { entries = 0; };/cache = { entries = 100000; ttl = 300; negative_ttl = 60; };/' \
    -e 's/^log_level = .*/log_level = "info";/' "$E2E_TMP/ldap.conf"
grep -q 'entries = 100000' "$E2E_TMP/ldap.conf" ||
    e2e_die "cannot set the cache in the generated configuration"
e2e_socketmap_conf "$E2E_TMP/ldap.conf" "$E2E_TMP/mailswitch.conf" \
    "inet:$E2E_MILTER_PORT@127.0.0.1"

e2e_sink_start
e2e_postfix_start ""
postconf -c "$E2E_POSTFIX_DIR" -m | grep -qx ldap ||
    e2e_die "Postfix has no ldap table (install postfix-ldap)"
cat >"$E2E_POSTFIX_DIR/ldap-virtual.cf" <<LDAP
server_host = ${SLAPD_URI[bench]%/}/
version = 3
bind = no
search_base = $SLAPD_BASE
scope = sub
query_filter = (|(proxyAddresses=smtp:%s)(proxyAddresses=%s))
result_attribute = mail
domain = contoso.com
LDAP
e2e_postfix_set "virtual_alias_domains ="
e2e_mailswitch_start_socketmap "$bin" "$E2E_TMP/mailswitch.conf"
echo "Postfix 127.0.0.1:$E2E_SMTP_PORT -> smtp-sink $E2E_SINK_PORT;" \
    "mailswitch milter $E2E_MILTER_PORT, socketmap $E2E_SOCKETMAP_PORT;" \
    "slapd ${SLAPD_URI[bench]}; $npar messages over 20 sessions," \
    "$nser over 1, $nrcpt recipients each"

now() { date +%s.%N; }

# setup X: configure the private Postfix for setup A, B, C or D.
setup()
{
	local sm=socketmap:inet:127.0.0.1:$E2E_SOCKETMAP_PORT
	case $1 in
	A) e2e_postfix_set "smtpd_milters =" "virtual_alias_maps =" \
	    "e2e_recipient_restrictions =" ;;
	B) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = ldap:$E2E_POSTFIX_DIR/ldap-virtual.cf" \
	    "e2e_recipient_restrictions =" ;;
	C) e2e_postfix_set \
	    "smtpd_milters = inet:127.0.0.1:$E2E_MILTER_PORT" \
	    "virtual_alias_maps =" "e2e_recipient_restrictions =" ;;
	D) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = $sm:virtual" \
	    "e2e_recipient_restrictions = check_recipient_access $sm:access" ;;
	esac
	e2e_postfix_reload
}

# check_rcpts X N: the N dumps at smtp-sink hold N x 5 recipients, all of
# @fourthcoffee.com (B, C, D: rewritten) or all of @contoso.com (A).
check_rcpts()
{
	local want=fourthcoffee.com total good
	[ "$1" = A ] && want=contoso.com
	total=$(find "$E2E_TMP/sink" -type f -name 'msg.*' -exec cat {} + |
	    grep -c '^X-Rcpt-Args:' || true)
	good=$(find "$E2E_TMP/sink" -type f -name 'msg.*' -exec cat {} + |
	    grep -c "^X-Rcpt-Args: <user[0-9]*@$want>" || true)
	if [ "$total" -ne $(($2 * nrcpt)) ] || [ "$good" -ne "$total" ]; then
		echo "FATAL: setup $1: $good of $total recipients @$want," \
		    "want $(($2 * nrcpt))" >&2
		exit 1
	fi
}

# run_load X SESSIONS COUNT BASE: COUNT messages over SESSIONS sessions,
# recipients from BASE; wait for all at smtp-sink; check them; set T_SEND
# and T_DONE (seconds).
run_load()
{
	local x=$1 s=$2 n=$3 b=$4 t0 t1 t2
	e2e_sink_clear
	t0=$(now)
	if ! timeout "$limit" "$load" -s "$s" -m "$n" -r "$nrcpt" -b "$b" \
	    -T "$limit" "127.0.0.1:$E2E_SMTP_PORT" >>"$E2E_TMP/load.log" 2>&1
	then
		echo "smtp_load failed or timed out:" >&2
		tail -n 3 "$E2E_TMP/load.log" >&2
		tail -n 20 "$E2E_TMP/postfix/maillog" >&2
		exit 1
	fi
	t1=$(now)
	e2e_sink_wait "$n" "$limit" ||
	    { echo "only $(e2e_sink_count) of $n messages arrived" >&2; exit 1; }
	t2=$(now)
	check_rcpts "$x" "$n"
	T_SEND=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	T_DONE=$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')
}

# measure X: cold then warm; the figures go to $E2E_TMP/figures as
# "X cold|warm in out ms".
measure()
{
	local x=$1 temp in out
	setup "$x"
	case $x in
	C|D) e2e_mailswitch_stop
	     e2e_mailswitch_start_socketmap "$bin" "$E2E_TMP/mailswitch.conf" ;;
	esac
	run_load "$x" 4 40 "$wbase"		# warm-up: spawn daemons
	for temp in cold warm; do
		run_load "$x" 20 "$npar" 0
		in=$(awk -v n="$npar" -v t="$T_SEND" 'BEGIN { print n / t }')
		out=$(awk -v n="$npar" -v t="$T_DONE" 'BEGIN { print n / t }')
		run_load "$x" 1 "$nser" $((nrcpt * npar))
		ms=$(awk -v n="$nser" -v t="$T_SEND" 'BEGIN { print t * 1000 / n }')
		echo "$x $temp $in $out $ms" >>"$E2E_TMP/figures"
		printf '  %s %s: %.0f msg/s accepted, %.0f delivered (20 sessions);' \
		    "$x" "$temp" "$in" "$out"
		printf ' %.2f ms/msg (1 session)\n' "$ms"
	done
}

for x in A B C D D C B A; do
	echo "== setup $x"
	measure "$x"
done

echo
echo "== socketmap round trips, one connection, cache hits"
keys=$((wbase < 1000 ? wbase : 1000))
# cpu_ticks PID: "utime stime" of the process (all threads), in clock ticks
cpu_ticks()
{
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}
# rtt_run LABEL: warm-up, then 100,000 timed lookups under perf stat
rtt_run()
{
	echo "  $1:"
	timeout 60 "$rtt" -n 2000 -k "$keys" \
	    "127.0.0.1:$E2E_SOCKETMAP_PORT" >/dev/null || exit 1
	cpu0=$(cpu_ticks "$E2E_MAILSWITCH_PID")
	if command -v perf >/dev/null 2>&1; then
		timeout 120 perf stat -e task-clock,context-switches \
		    -p "$E2E_MAILSWITCH_PID" -o "$E2E_TMP/perf.txt" -- \
		    "$rtt" -n 100000 -k "$keys" \
		    "127.0.0.1:$E2E_SOCKETMAP_PORT" | sed 's/^/    /'
		awk '/task-clock/ { gsub(",", "", $1); printf "    server CPU" \
		    " (perf stat task-clock): %.1f us per lookup\n",
		    $1 * 1000 / 100000 }' "$E2E_TMP/perf.txt"
	else
		timeout 120 "$rtt" -n 100000 -k "$keys" \
		    "127.0.0.1:$E2E_SOCKETMAP_PORT" | sed 's/^/    /'
	fi
	cpu1=$(cpu_ticks "$E2E_MAILSWITCH_PID")
	awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
	    split(a, x, " "); split(b, y, " ");
	    printf "    server CPU (/proc/PID/stat): user %.1f us + system" \
		" %.1f us per lookup\n", (y[1] - x[1]) * 1e6 / hz / 100000,
		(y[2] - x[2]) * 1e6 / hz / 100000 }'
}
rtt_run "log_level info (as above: one log line per lookup)"
sed 's/^log_level = .*/log_level = "notice";/' "$E2E_TMP/mailswitch.conf" \
    >"$E2E_TMP/mailswitch-notice.conf"
e2e_mailswitch_stop
e2e_mailswitch_start_socketmap "$bin" "$E2E_TMP/mailswitch-notice.conf"
rtt_run "log_level notice (no line per lookup)"

echo
printf '%-28s %15s %15s %10s\n' "" "20 sessions" "20 sessions" "1 session"
printf '%-28s %15s %15s %10s\n' "setup" "accepted msg/s" "delivered msg/s" \
    "ms/msg"
for x in A B C D; do
	for temp in cold warm; do
		case $x in
		A) name="A postfix alone" ;;
		B) name="B postfix ldap: table" ;;
		C) name="C mailswitch milter" ;;
		D) name="D mailswitch socketmap" ;;
		esac
		awk -v x="$x" -v t="$temp" -v name="$name" '
		    $1 == x && $2 == t { i += $3; o += $4; m += $5; n++ }
		    END { printf "%-28s %15.0f %15.0f %10.2f\n",
			name ", " t, i / n, o / n, m / n }' "$E2E_TMP/figures"
	done
done
echo
echo "($(nproc) CPUs; Postfix $(postconf -c "$E2E_POSTFIX_DIR" -h mail_version);" \
    "$("$bin" -V 2>&1 | head -n 1); mean of the 2 runs of each, A B C D D C B A)"
