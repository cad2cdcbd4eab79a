#!/bin/bash
# t/e2e/test-rcpt-spellings.sh -- RCPT TO spellings end to end through a
# private Postfix (t/e2e/lib.sh, smtp-sink as the next hop):
#
#	test-rcpt-spellings.sh MAILSWITCH_BINARY
#
# One message per row of the table below, all in one SMTP session (one
# transaction each).  A row is
#
#	RCPT-ARGS | MUST-ARRIVE | MUST-NOT-ARRIVE
#
#   RCPT-ARGS       what follows "RCPT TO:" exactly as the client sends it,
#                   several RCPT commands separated by ';'
#   MUST-ARRIVE     the envelope recipients smtp-sink must record, each
#                   EXACTLY ONCE (spelled as recorded), separated by ';'
#   MUST-NOT-ARRIVE recipients that must never reach smtp-sink (compared
#                   without regard to case), separated by ';'
#
# Every RCPT must get 250 and the message "250 2.0.0 Ok: queued as";
# a rewritten recipient must reach its target once and never its original
# (SPEC section 1: smfi_delrcpt must name the recipient as Postfix stored
# it -- Postfix drops source routes and needless quoting).  <postmaster>
# (no domain) must be accepted untouched: Postfix completes it with
# @$myorigin (mailswitch-test.invalid), and transport_maps send it to
# smtp-sink too.  Also: Postfix logged no milter warning, nothing stayed
# in the queue, mailswitch stopped without a sanitizer report.  Prints
# PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init
conf=$E2E_TOP/t/milter/mailswitch-test.conf

# The table.  bob@contoso.com (primary) and bob.lee@contoso.com are Bob
# Lee's proxy addresses (target bob@fourthcoffee.com); alice@contoso.com
# is Alice Wong's (target Alice.Wong@fourthcoffee.com); contoso.com is
# internal_relay with forward_to = "legacy.contoso.com".
pm=postmaster@mailswitch-test.invalid
ROWS=(
	# source routes
	'<@x.example:bob@contoso.com>|<bob@fourthcoffee.com>|<bob@contoso.com>'
	'<@a.example,@b.example:alice@contoso.com>|<Alice.Wong@fourthcoffee.com>|<alice@contoso.com>'
	'<@x.example:nobody@contoso.com>|<nobody@legacy.contoso.com>|<nobody@contoso.com>'
	# needless quoting
	'<"bob"@contoso.com>|<bob@fourthcoffee.com>|<bob@contoso.com>;<"bob"@contoso.com>'
	'<"bob.lee"@contoso.com>|<bob@fourthcoffee.com>|<bob.lee@contoso.com>;<"bob.lee"@contoso.com>'
	# letter case
	'<BOB@Contoso.COM>|<bob@fourthcoffee.com>|<bob@contoso.com>'
	# % and ! local parts, forward_to keeps the local part
	'<a%b@contoso.com>|<a%b@legacy.contoso.com>|<a%b@contoso.com>;<a@b>'
	'<host!a@contoso.com>|<host!a@legacy.contoso.com>|<host!a@contoso.com>;<a@host>'
	# a local part that needs its quotes
	'<"a b"@contoso.com>|<"a b"@legacy.contoso.com>|<"a b"@contoso.com>'
	# a space after the colon (Postfix accepts it unless strict)
	' <bob@contoso.com>|<bob@fourthcoffee.com>|<bob@contoso.com>'
	# postmaster, no domain, any case: untouched
	"<postmaster>|<$pm>|"
	"<POSTMASTER>|<POSTMASTER@mailswitch-test.invalid>|"
	# two spellings of one recipient in one message
	'<bob@contoso.com>;<@x.example:bob@contoso.com>|<bob@fourthcoffee.com>|<bob@contoso.com>'
)

e2e_start_milter "$bin" "$conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, mailswitch on" \
    "$E2E_MILTER_PORT, smtp-sink on $E2E_SINK_PORT"

# Split "a;b;c" into the array SPLIT (empty fields dropped).
split()
{
	SPLIT=()
	local IFS=';' f
	for f in $1; do
		[ -n "$f" ] && SPLIT+=("$f")
	done
	return 0
}

# One session from 127.0.0.1 (in mynetworks: <postmaster>, completed with
# @$myorigin, is not relayed elsewhere, so no relay check refuses it).
declare -A QID SENT
smtp_open
assert "greeting 220" e2e_reply_starts "220"
smtp_cmd "EHLO client.example.net"
n=0
for row in "${ROWS[@]}"; do
	n=$((n + 1))
	args=${row%%|*}
	split "$args"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	assert "row $n: MAIL FROM 250" e2e_reply_starts "250"
	ok=1
	for a in "${SPLIT[@]}"; do
		smtp_cmd "RCPT TO:$a"
		assert "row $n: RCPT TO:$a 250" e2e_reply_starts "250"
		[ "$SMTP_CODE" = 250 ] || ok=0
	done
	if [ "$ok" = 0 ]; then
		smtp_cmd "RSET"
		continue
	fi
	smtp_cmd "DATA"
	assert "row $n: DATA 354" e2e_reply_starts "354"
	smtp_data_body <<EOF
From: Someone <someone@example.org>
To: undisclosed-recipients:;
Subject: rcpt spelling row $n
Message-ID: <e2e-spelling-$n@example.org>

Row $n: RCPT TO:$args
EOF
	assert "row $n: end of data 250 queued" \
	    e2e_reply_starts "250 2.0.0 Ok: queued as "
	if [ "$SMTP_CODE" = 250 ]; then
		QID[$n]=${SMTP_REPLY##* }
		SENT[$n]=1
	fi
done
smtp_cmd "QUIT"
smtp_close

nsent=${#SENT[@]}
e2e_sink_wait "$nsent" 20 ||
    assert "$nsent messages at smtp-sink within 20 s (got $(e2e_sink_count))" \
    false
# Let a second copy (a recipient delivered twice in two transactions)
# arrive too, if there is one.
e2e_wait_for 5 test "$(e2e_postfix_queued)" -eq 0 || true
sleep 1

# The envelope recipients of every copy of row N that reached smtp-sink,
# one per line (ESMTP parameters dropped; a quoted local part may hold a
# space).
arrived()
{
	local f
	grep -lF -- "Message-ID: <e2e-spelling-$1@example.org>" \
	    "$E2E_TMP"/sink/msg.* 2>/dev/null | while IFS= read -r f; do
		sed -n 's/^X-Rcpt-Args: *\(<.*>\).*/\1/p' "$f"
	done
}

# traces N: how many X-Mailswitch trace fields the copies of row N carry.
traces()
{
	local f
	grep -lF -- "Message-ID: <e2e-spelling-$1@example.org>" \
	    "$E2E_TMP"/sink/msg.* 2>/dev/null | while IFS= read -r f; do
		grep -ci '^X-Mailswitch:' "$f" || true
	done | awk '{ n += $1 } END { print n + 0 }'
}

# count_of WANT LIST: how often WANT (exactly) is a line of LIST.
count_of()
{
	printf '%s\n' "$2" | grep -cxF -- "$1" || true
}

n=0
for row in "${ROWS[@]}"; do
	n=$((n + 1))
	[ -n "${SENT[$n]:-}" ] || continue
	args=${row%%|*}
	rest=${row#*|}
	want=${rest%%|*}
	nowant=${rest#*|}
	got=$(arrived "$n")
	split "$want"
	for w in "${SPLIT[@]}"; do
		c=$(count_of "$w" "$got")
		assert "row $n ($args, ${QID[$n]}): $w arrived exactly once (got $c)" \
		    test "$c" -eq 1
	done
	split "$nowant"
	for w in "${SPLIT[@]}"; do
		c=$(printf '%s\n' "$got" | grep -cixF -- "$w" || true)
		assert "row $n ($args): $w never arrived (got $c)" \
		    test "$c" -eq 0
	done
	assert "row $n ($args): no other recipient (got: $(printf '%s\n' "$got" | tr '\n' ' '))" \
	    test "$(printf '%s\n' "$got" | grep -c .)" -eq \
	    "$(split "$want"; echo ${#SPLIT[@]})"
	# one trace field for the one rewritten recipient, none for postmaster
	t=$(traces "$n")
	if [ -n "$nowant" ]; then
		assert "row $n ($args): one X-Mailswitch trace field (got $t)" \
		    test "$t" -eq 1
	else
		assert "row $n ($args): no X-Mailswitch trace field (got $t)" \
		    test "$t" -eq 0
	fi
done

# mailswitch left <postmaster> alone (and said so at debug level).
log=$E2E_TMP/mailswitch.log
for m in postmaster POSTMASTER; do
	assert "mailswitch log: rcpt=<$m> unchanged postmaster" \
	    e2e_file_has "$log" "rcpt=<$m> unchanged postmaster"
	assert "mailswitch log: no reject of <$m>" \
	    test -z "$(grep -F "reject rcpt=<$m>" "$log")"
done

maillog=$E2E_TMP/postfix/maillog
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)|ignoring ESMTP' \
    "$maillog")"
assert "nothing left in the private queue" test "$(e2e_postfix_queued)" -eq 0
assert "mailswitch stopped without a sanitizer report" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
