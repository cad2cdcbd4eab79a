#!/bin/bash
# contrib/bench/soak-bench.sh -- a long run through a private Postfix with
# mailswitch as milter (ldap back-end, cache on, on_directory_error =
# tempfail) against a private slapd (t/lib/slapd.sh) that is stopped for a
# while every so often; not in CI:
#
#	soak-bench.sh MAILSWITCH_BINARY [MESSAGES [OUTAGE_EVERY [OUTAGE_SECONDS]]]
#
# defaults 100,000 messages, an outage every 20,000, of 5 s.  slapd holds
# CONTACTS (default 20,000) generated contacts (t/ldap/gen-contacts.sh:
# userI@contoso.com -> userI@fourthcoffee.com), more than the cache's
# CACHE_ENTRIES (default 5,000; ttl 300, negative_ttl 60, stale_ttl 0), so
# the cache is full and evicting for most of the run.  Message k goes to
# user(k mod CONTACTS)@contoso.com (one recipient; a different one from
# each message to the next, cycling over the contacts), over 20 parallel
# sessions, one message per connection (contrib/bench's load_gen soak:
# the build's, next to MAILSWITCH_BINARY's folder, or LOAD_GEN).
#
# The load runs in chunks of OUTAGE_EVERY / 2 messages; in each chunk that
# starts at a multiple of OUTAGE_EVERY (not the first) slapd is stopped
# (SIGTERM, by its PID) 2 s into the chunk, while the load goes on, and
# started again OUTAGE_SECONDS later on the same port.  Meanwhile mailswitch
# answers 451 to the recipients it has no cached answer for; the client
# sends each such message again (after 200 ms) until it is accepted, and
# counts the 4xx replies.
#
# After each chunk (all of it at smtp-sink) the dumps are reduced to one
# line each ("Message-ID recipient") and deleted, so the disk holds at most
# a chunk of them.  At the end (queue empty): every message accepted, each
# Message-ID delivered exactly once (lost = accepted - delivered, and the
# duplicates), every delivered recipient the rewritten one
# (userI@fourthcoffee.com, I = k mod CONTACTS).  mailswitch's resident
# memory (VmRSS), open descriptors (/proc/PID/fd) and threads are sampled
# after a warm-up (the start), after each chunk and at the end: a table.
#
# The environment reaches mailswitch (e.g. MALLOC_ARENA_MAX=1, to tell
# glibc's per-thread arenas from the daemon's own memory).
#
# Everything listens on 127.0.0.1, is stopped by its own PID (EXIT trap);
# every load and wait is bounded.  Needs root, slapd, Postfix.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 4 "MAILSWITCH_BINARY [MESSAGES [OUTAGE_EVERY [OUTAGE_SECONDS]]]" "$@"
bin=$(bench_binary "$1")
nmsg=${2:-100000}
every=${3:-20000}
outage=${4:-5}
contacts=${CONTACTS:-20000}
entries=${CACHE_ENTRIES:-5000}
bench_numbers counts "$nmsg" "$every" "$outage" "$contacts" "$entries"
[ "$nmsg" -ge 1 ] && [ "$every" -ge 2 ] && [ "$outage" -ge 1 ] &&
    [ "$contacts" -ge 1 ] && [ "$entries" -ge 1 ] ||
    { echo "MESSAGES >= 1, OUTAGE_EVERY >= 2, OUTAGE_SECONDS >= 1" >&2; exit 64; }
load=$(bench_load_gen "$bin")
BENCH_HARNESS="e2e slapd"
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"

bench_start slapd slapadd

limit=600			# seconds, per chunk and per wait
nsess=20
chunk=$((every / 2))


echo "== slapd with $contacts contacts"
"$E2E_TOP/t/ldap/gen-contacts.sh" "$contacts" >"$SLAPD_TMP/contacts.ldif"
slapd_start soak --ldif "$SLAPD_TMP/contacts.ldif"

conf=$E2E_TMP/mailswitch.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[soak]}\"" \
    "timeout=2.0" "connections=4"
cache="cache = { entries = $entries; ttl = 300; negative_ttl = 60; };"
sed -i -e "s/cache = { entries = 0; };/$cache/" \
    -e 's/^log_level = .*/log_level = "notice";/' "$conf"
grep -q "entries = $entries;" "$conf" ||
    e2e_die "cannot set the cache in the generated configuration"
# serve-stale off, where the daemon knows it (the point is the tempfails)
sed "s/ttl = 300;/& stale_ttl = 0;/" "$conf" >"$conf.stale"
if "$bin" -n -c "$conf.stale" >/dev/null 2>&1; then
	mv "$conf.stale" "$conf"
	stale="stale_ttl = 0"
else
	rm -f "$conf.stale"
	stale="no stale_ttl in this daemon"
fi
"$bin" -n -c "$conf" >"$E2E_TMP/check.out" 2>&1 ||
    e2e_die "configuration refused: $(cat "$E2E_TMP/check.out")"

e2e_sink_start
e2e_mailswitch_start "$bin" "$conf"
pid=$E2E_MAILSWITCH_PID
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
echo "Postfix 127.0.0.1:$E2E_SMTP_PORT -> smtp-sink $E2E_SINK_PORT;" \
    "mailswitch milter $E2E_MILTER_PORT (PID $pid, cache $entries entries," \
    "$stale); slapd ${SLAPD_URI[soak]}"
echo "$nmsg messages over $nsess sessions in chunks of $chunk; slapd down" \
    "${outage}s every $every"

now() { date +%s.%N; }

# sample LABEL SENT: a row of the table: mailswitch's VmRSS (kB), open
# descriptors, threads
sample()
{
	local rss fds thr
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	echo "$1 $2 $rss $fds $thr" >>"$E2E_TMP/samples"
	printf '  %-10s %8s messages: RSS %6s kB, %3s fds, %3s threads\n' \
	    "$1" "$2" "$rss" "$fds" "$thr"
}

# harvest: reduce the dumps at smtp-sink to "MESSAGE-ID RECIPIENT" lines in
# $E2E_TMP/delivered, then delete them
harvest()
{
	local list=$E2E_TMP/dumps
	find "$E2E_TMP/sink" -type f -name 'msg.*' -print0 >"$list"
	[ -s "$list" ] || return 0
	xargs -0 awk '
	    FNR == 1 { r = "" }
	    /^X-Rcpt-Args:/ && r == "" { r = $2 }
	    /^Message-I[Dd]:/ { print $2, r; nextfile }' <"$list" \
	    >>"$E2E_TMP/delivered"
	xargs -0 rm -f <"$list"
}

# wait_sink N: wait (bounded) until N dumps are at smtp-sink
wait_sink()
{
	e2e_sink_wait "$1" "$limit" || {
		echo "only $(e2e_sink_count) of $1 messages arrived" >&2
		tail -n 20 "$E2E_TMP/postfix/maillog" >&2
		exit 1
	}
}

# run FIRST COUNT: COUNT messages from FIRST; adds to the totals
accepted=0 tempfail=0 errors=0 outages=0
run()
{
	local first=$1 n=$2 out a t e
	if ! out=$(timeout $((limit + 30)) "$load" soak -s "$nsess" -m "$n" \
	    -k "$first" -c "$contacts" -T "$limit" \
	    "127.0.0.1:$E2E_SMTP_PORT" 2>&1); then
		echo "load_gen soak failed or timed out: $out" >&2
		tail -n 20 "$E2E_TMP/postfix/maillog" >&2
		exit 1
	fi
	echo "$first $n $out" >>"$E2E_TMP/load.log"
	read -r _ a _ t _ e _ <<<"$out"
	accepted=$((accepted + a)) tempfail=$((tempfail + t))
	errors=$((errors + e))
	LAST_TEMPFAIL=$t
}

# warm-up, not counted (Message-IDs after the run's): spawn Postfix's
# processes and mailswitch's threads and connections, and fill the cache
# (CACHE_ENTRIES distinct recipients, at least 400 messages)
warm=$((entries < 400 ? 400 : entries))
echo "== warm-up: $warm messages"
timeout $((limit + 30)) "$load" soak -s "$nsess" -m "$warm" -k "$nmsg" \
    -c "$contacts" -T "$limit" "127.0.0.1:$E2E_SMTP_PORT" >/dev/null ||
    e2e_die "warm-up failed: $(tail -n 5 "$E2E_TMP/postfix/maillog")"
wait_sink "$warm"
e2e_sink_clear
sleep 1
sample start 0

echo "== load"
t0=$(now)
sent=0
while [ "$sent" -lt "$nmsg" ]; do
	n=$((nmsg - sent < chunk ? nmsg - sent : chunk))
	label=chunk
	if [ "$sent" -gt 0 ] && [ $((sent % every)) -eq 0 ]; then
		label=outage
		outages=$((outages + 1))
		run "$sent" "$n" &
		lpid=$!
		sleep 2
		slapd_stop soak
		sleep "$outage"
		slapd_run soak
		# run's totals are in a subshell: take them from its log line
		wait "$lpid" || exit 1
		read -r _ _ _ a _ t _ e _ <<<"$(tail -n 1 "$E2E_TMP/load.log")"
		accepted=$((accepted + a)) tempfail=$((tempfail + t))
		errors=$((errors + e))
		LAST_TEMPFAIL=$t
	else
		run "$sent" "$n"
	fi
	sent=$((sent + n))
	wait_sink "$n"
	harvest
	sample "$label" "$sent"
	[ "$LAST_TEMPFAIL" -eq 0 ] || echo "             ($LAST_TEMPFAIL 4xx replies, each message sent again)"
done
t1=$(now)

echo "== draining"
for _ in $(seq 1 $((limit * 10))); do
	[ "$(e2e_postfix_queued)" -eq 0 ] && break
	sleep 0.1
done
queued=$(e2e_postfix_queued)
sleep 2				# a late duplicate
harvest
sample end "$sent"

delivered=$(wc -l <"$E2E_TMP/delivered")
unique=$(awk '{ print $1 }' "$E2E_TMP/delivered" | sort -u | wc -l)
dups=$((delivered - unique))
lost=$((accepted - unique))
# the recipient of message k is user(k mod contacts)@fourthcoffee.com
wrong=$(awk -v c="$contacts" '{
	    k = $1; sub(/^<soak\./, "", k); sub(/@.*/, "", k);
	    if ($2 != "<user" (k % c) "@fourthcoffee.com>") n++ }
	END { print n + 0 }' "$E2E_TMP/delivered")
seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')

echo
awk '{ printf "%-8s %8s messages  RSS %7s kB  %4s fds  %3s threads\n",
    $1, $2, $3, $4, $5 }' "$E2E_TMP/samples"
awk 'NR == 1 { r = $3; f = $4; t = $5 } END {
    printf "end - start: RSS %+d kB, fds %+d, threads %+d\n",
	$3 - r, $4 - f, $5 - t }' "$E2E_TMP/samples"
echo "messages $nmsg sent in $seconds s ($(awk -v n="$nmsg" -v s="$seconds" \
    'BEGIN { printf "%.0f", n / s }') msg/s), $outages outages of ${outage}s"
echo "accepted $accepted; 4xx replies $tempfail (each message sent again" \
    "until accepted); connection errors $errors"
echo "delivered $delivered ($unique distinct, $dups duplicates), lost $lost," \
    "not rewritten $wrong; still queued $queued"
echo "mailswitch log: $(wc -l <"$E2E_TMP/mailswitch.log") lines"
echo "($(nproc) CPUs; Postfix $(postconf -c "$E2E_POSTFIX_DIR" -h mail_version);" \
    "$("$bin" -V 2>&1 | head -n 1); $contacts contacts, cache $entries)"
[ "$accepted" -eq "$nmsg" ] && [ "$lost" -eq 0 ] && [ "$dups" -eq 0 ] &&
    [ "$wrong" -eq 0 ]
