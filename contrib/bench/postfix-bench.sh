#!/bin/bash
# contrib/bench/postfix-bench.sh -- throughput of a private Postfix with and
# without mailswitch attached (reuses t/e2e/lib.sh):
#
#	postfix-bench.sh MAILSWITCH_BINARY [PARALLEL_MESSAGES [SERIAL_MESSAGES]]
#
# Load: smtp-source to one fixed directory recipient (bob@contoso.com, a
# contact, so with mailswitch every message is rewritten and gets a header),
# one message per SMTP session, a new connection each time:
#   - PARALLEL_MESSAGES (default 2000) over 20 parallel sessions: messages
#     per second accepted by smtpd, and delivered to smtp-sink;
#   - SERIAL_MESSAGES (default 300) over 1 session: milliseconds per message.
# Arrivals are counted at smtp-sink (one dump file per message).  Every run
# is bounded in time; everything listens on 127.0.0.1 and is stopped by the
# EXIT trap.  Needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 3 "MAILSWITCH_BINARY [PARALLEL_MESSAGES [SERIAL_MESSAGES]]" "$@"
bin=$(bench_binary "$1")
npar=${2:-2000}
nser=${3:-300}
bench_numbers "message counts" "$npar" "$nser"
[ "$npar" -ge 1 ] && [ "$npar" -le 100000 ] && [ "$nser" -ge 1 ] &&
    [ "$nser" -le 100000 ] || { echo "counts: 1..100000" >&2; exit 64; }
BENCH_HARNESS=e2e
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"

e2e_init smtp-source
conf=$E2E_TOP/etc/mailswitch.conf	# log_level info: one line per decision
rcpt=bob@contoso.com
limit=300			# seconds, per smtp-source run and per wait

# run_load SESSIONS COUNT: send COUNT messages over SESSIONS parallel
# sessions (contrib/bench/load.sh: T_SEND and T_DONE).
run_load()
{
	bench_load smtp-source "$2" "$limit" smtp-source -s "$1" -m "$2" \
	    -f someone@example.org -t "$rcpt" "127.0.0.1:$E2E_SMTP_PORT"
}

# measure LABEL: warm up, then the two loads; append a row to $rows.
rows=""
measure()
{
	local label=$1 rate_in rate_out ms
	run_load 4 40 || return 1			# warm-up: spawn daemons
	run_load 20 "$npar" || return 1
	rate_in=$(awk -v n="$npar" -v t="$T_SEND" 'BEGIN { printf "%.0f", n / t }')
	rate_out=$(awk -v n="$npar" -v t="$T_DONE" 'BEGIN { printf "%.0f", n / t }')
	run_load 1 "$nser" || return 1
	ms=$(awk -v n="$nser" -v t="$T_SEND" 'BEGIN { printf "%.2f", t * 1000 / n }')
	echo "  $rate_in msg/s accepted, $rate_out msg/s delivered" \
	    "(20 sessions); $ms ms/msg (1 session)"
	rows=$rows$(printf '%-20s %16s %16s %16s' "$label" "$rate_in" \
	    "$rate_out" "$ms")$'\n'
}

e2e_sink_start
e2e_postfix_start ""
echo "Postfix 127.0.0.1:$E2E_SMTP_PORT -> smtp-sink 127.0.0.1:$E2E_SINK_PORT;" \
    "$npar messages over 20 sessions, $nser over 1 session, rcpt $rcpt"

echo "run 1: Postfix alone"
measure "postfix alone"

echo "run 2: Postfix + mailswitch"
e2e_mailswitch_start "$bin" "$conf"
e2e_postfix_set "smtpd_milters = inet:127.0.0.1:$E2E_MILTER_PORT"
e2e_postfix_reload
measure "postfix + mailswitch"

# sanity: with the milter the recipient was rewritten
dump=$(find "$E2E_TMP/sink" -type f -name 'msg.*' | head -n 1)
if ! grep -q '^X-Rcpt-Args: <bob@fourthcoffee.com>' "$dump"; then
	echo "warning: the last run was not rewritten by mailswitch" >&2
fi

echo
printf '%-20s %16s %16s %16s\n' "" "20 sessions" "20 sessions" "1 session"
printf '%-20s %16s %16s %16s\n' "setup" "accepted msg/s" "delivered msg/s" "ms/msg"
printf '%s' "$rows"
echo
echo "($(nproc) CPUs; Postfix $(postconf -c "$E2E_POSTFIX_DIR" -h mail_version);" \
    "$("$bin" -V 2>&1 | head -n 1))"
