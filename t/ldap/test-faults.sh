#!/bin/bash
# t/ldap/test-faults.sh -- faults under load, every message accounted for:
#
#	test-faults.sh MAILSWITCH_BINARY     (T_LOAD_GEN: contrib/bench's load_gen)
#
# A private slapd with generated contacts (t/ldap/gen-contacts.sh),
# mailswitch in milter mode (ldap back-end, timeout 1 s, cache on) behind
# the private Postfix (milter_default_action = tempfail), smtp-sink as the
# next hop.  Each scenario runs a paced load (FAULTS_MESSAGES messages, 300
# by default, 60 in a sanitizer build (T_SANITIZED=1); 2 recipients each,
# distinct, 8 sessions) and a fault in the middle of it:
#	stop    slapd stopped, then started again
#	hang    slapd frozen (SIGSTOP) for 2.5 s, then SIGCONT; meanwhile a
#	        recipient of a domain mailswitch has no entry for (no lookup)
#	        is answered at once, and every lookup gives up within the timeout
#	kill    mailswitch killed with -9, started again 1 s later
#	hup     20 SIGHUPs in 4 s, the configuration changed between them
#	        (connections 2 / 3), once broken (refused: the old one stays)
# Then, with Postfix's queue drained: every message accepted after DATA is
# delivered exactly once, to userI@fourthcoffee.com for its userI@contoso.com
# recipients; none refused 5xx; 4xx are counted (not accepted: the client
# does not retry).  A summary line per scenario.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

LOAD=${T_LOAD_GEN:-$(dirname "$MS")/../contrib/bench/load_gen}
[ -x "$LOAD" ] || e2e_die "no load_gen (T_LOAD_GEN): $LOAD"
if [ "${T_SANITIZED:-0}" = 1 ]; then
	msgs=${FAULTS_MESSAGES:-60}
else
	msgs=${FAULTS_MESSAGES:-300}
fi
# pace: the load lasts about 4 s, whatever its size
pace=$((4000 * 8 / msgs))

sh "$LDAP_LIB_DIR/gen-contacts.sh" $((5 * 1000)) >"$T/contacts.ldif"
slapd_start one --ldif "$T/contacts.ldif"
conf=$T/mailswitch.conf
# $1: the pool's size; the cache on (slapd_mailswitch_conf turns it off)
write_conf()
{
	slapd_mailswitch_conf "$conf.new" "\"${SLAPD_URI[one]}\"" timeout=1.0 \
	    "connections=$1"
	sed 's/cache = { entries = 0; };/cache = { entries = 10000; ttl = 300; };/' \
	    "$conf.new" >"$conf.tmp"
	mv "$conf.tmp" "$conf"
	rm -f "$conf.new"
}
write_conf 4
grep -q 'entries = 10000' "$conf" || e2e_die "the cache is not on in $conf"
e2e_start_milter "$MS" "$conf"

LOAD_PID=""
# Starts the load of scenario number $1 (recipients from $1 * 1000 on).
load_start()
{
	"$LOAD" smtp -s 8 -m "$msgs" -r 2 -b $(($1 * 1000)) -w "$pace" -T 60 \
	    -o "$T/load.$1" "127.0.0.1:$E2E_SMTP_PORT" >"$T/load.$1.out" 2>&1 &
	LOAD_PID=$!
}

# Waits for the load, then for Postfix's queue, and accounts for every
# message of scenario $2 (number $1).
account()
{
	local n=$1 name=$2 base=$(($1 * 1000)) f k want got i
	local accepted t4 t5 other delivered=0 wrong=0 dup=0 lost=0
	wait "$LOAD_PID" || true
	accepted=$(grep -c ' accepted$' "$T/load.$n" || true)
	t4=$(grep -c ' refused 4' "$T/load.$n" || true)
	t5=$(grep -c ' refused 5' "$T/load.$n" || true)
	other=$(grep -c ' refused [0-3]' "$T/load.$n" || true)
	for i in $(seq 1 300); do
		[ "$(e2e_postfix_queued)" -eq 0 ] && break
		sleep 0.1
	done
	sleep 0.3
	declare -A seen=()
	for f in "$E2E_TMP"/sink/msg.*; do
		[ -e "$f" ] || continue
		delivered=$((delivered + 1))
		k=$(sed -n 's/^Subject: smtp_load \([0-9]*\).*/\1/p' "$f" | head -n 1)
		if [ -z "$k" ]; then
			wrong=$((wrong + 1)); echo "    no Subject: $f" >&2; continue
		fi
		if [ -n "${seen[$k]:-}" ]; then
			dup=$((dup + 1)); echo "    message $k delivered twice" >&2
		fi
		seen[$k]=1
		if ! grep -qx "$k accepted" "$T/load.$n"; then
			wrong=$((wrong + 1))
			echo "    message $k delivered but not accepted" >&2
		fi
		want=$(printf '<user%d@fourthcoffee.com>\n' \
		    $((base + 2 * k)) $((base + 2 * k + 1)) | sort)
		got=$(e2e_sink_rcpts "$f")
		if [ "$got" != "$want" ]; then
			wrong=$((wrong + 1))
			echo "    message $k: recipients '$got', not '$want'" >&2
		fi
	done
	for k in $(sed -n 's/ accepted$//p' "$T/load.$n"); do
		[ -n "${seen[$k]:-}" ] || { lost=$((lost + 1)); echo "    message $k lost" >&2; }
	done
	printf '%-5s sent %d accepted %d 4xx %d 5xx %d other %d delivered %d wrong %d twice %d lost %d (%s)\n' \
	    "$name" "$msgs" "$accepted" "$t4" "$t5" "$other" "$delivered" \
	    "$wrong" "$dup" "$lost" "$(cat "$T/load.$n.out")" | tee -a "$T/summary"
	assert "$name: every message answered" \
	    is "$((accepted + t4 + t5 + other))" "$msgs"
	assert "$name: no 5xx" is "$t5" 0
	assert "$name: nothing lost, nothing twice, nothing wrong" \
	    is "$lost $dup $wrong" "0 0 0"
	assert "$name: delivered = accepted" is "$delivered" "$accepted"
	assert "$name: some accepted" le 1 "$accepted"
	e2e_sink_clear
}

t_start=$(ms_now)

echo "== 1: slapd stopped and started again during the load"
load_start 1
sleep 1
slapd_stop one
sleep 1.5
slapd_run one
account 1 stop

echo "== 2: slapd frozen (SIGSTOP) for 2.5 s during the load"
load_start 2
sleep 1
slapd_pause one
sleep 0.3
smtp_rcpt someone@legacy.contoso.com
assert "hang: a recipient without a lookup answered 250 meanwhile" \
    starts "$RCPT_REPLY" 250
assert "hang: ... at once (<= 500 ms)" le "$RCPT_MS" 500
smtp_rcpt user99999@contoso.com
assert "hang: a lookup gives up: 451 4.3.0" starts "$RCPT_REPLY" "451 4.3.0"
assert "hang: ... within the timeout (<= 1500 ms)" le "$RCPT_MS" 1500
sleep 0.8
slapd_resume one
account 2 hang

echo "== 3: mailswitch killed (-9) during the load, started again"
load_start 3
sleep 1
kill -KILL "$E2E_MAILSWITCH_PID"
wait "$E2E_MAILSWITCH_PID" 2>/dev/null || true
cat "$E2E_TMP/mailswitch.log" >>"$T/mailswitch-before-kill.log"
sleep 1
e2e_mailswitch_start "$MS" "$conf"
account 3 kill
assert "kill: some 4xx while it was down (tempfail)" \
    le 1 "$(grep -c ' refused 4' "$T/load.3")"

echo "== 4: 20 SIGHUPs in 4 s, the configuration changing (once broken)"
load_start 4
for i in $(seq 1 20); do
	case $i in
	10) cp "$conf" "$conf.good"; echo "directory = {" >>"$conf" ;;
	11) mv "$conf.good" "$conf" ;;
	*) write_conf $((2 + i % 2)) ;;
	esac
	kill -HUP "$E2E_MAILSWITCH_PID"
	sleep 0.2
done
account 4 hup
assert "hup: the broken configuration refused, the old one kept" \
    e2e_file_has "$E2E_TMP/mailswitch.log" "reload failed, keeping the running configuration"
assert "hup: reloaded" \
    e2e_file_has "$E2E_TMP/mailswitch.log" "configuration reloaded from"
assert "hup: still the same mailswitch process" kill -0 "$E2E_MAILSWITCH_PID"

echo "== summary ($msgs messages a scenario, $(( ($(ms_now) - t_start) / 1000 )) s)"
cat "$T/summary"
assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
