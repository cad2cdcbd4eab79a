#!/bin/bash
# t/e2e/test-loop.sh -- the loop check between two systems (SPEC section
# 8), end to end with TWO private Postfix instances on 127.0.0.1:
#
#	test-loop.sh MAILSWITCH_BINARY
#
# Instance 1 is the gateway with mailswitch (milter): it rewrites
# bob@contoso.com -> bob@fourthcoffee.com and sends fourthcoffee.com to
# instance 2 (transport_maps).  Instance 2, "the other system", finds no
# bob there and sends him back: virtual_alias_maps bob@fourthcoffee.com ->
# bob@contoso.com, contoso.com to instance 1.  The message comes back with
# the X-Mailswitch field of its first pass; instance 1 must refuse it with
# 554 5.4.6 at end of data, instance 2 then bounces it to the sender
# (someone@example.org, to smtp-sink): exactly one bounce, one pass each
# way, no endless loop (every wait bounded: 30 s).  Prints PASS/FAIL
# lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init
conf=$E2E_TOP/t/milter/mailswitch-test.conf
log1=$E2E_TMP/postfix/maillog
log2=$E2E_TMP/two/postfix/maillog
trace="X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>"

e2e_sink_start
e2e_mailswitch_start "$bin" "$conf"

# instance 2, the other system: bob@fourthcoffee.com back to contoso.com
e2e_postfix2_config
cat >"$E2E_POSTFIX2_DIR/virtual" <<EOF
bob@fourthcoffee.com	bob@contoso.com
EOF
cat >"$E2E_POSTFIX2_DIR/transport" <<EOF
contoso.com	smtp:[127.0.0.1]:$E2E_SMTP_PORT
*	smtp:[127.0.0.1]:$E2E_SINK_PORT
EOF
e2e_postfix2_set "virtual_alias_maps = texthash:$E2E_POSTFIX2_DIR/virtual" \
    "transport_maps = texthash:$E2E_POSTFIX2_DIR/transport"
e2e_postfix2_start

# instance 1, the gateway: fourthcoffee.com to instance 2
e2e_postfix_config "inet:127.0.0.1:$E2E_MILTER_PORT"
cat >"$E2E_POSTFIX_DIR/transport" <<EOF
fourthcoffee.com	smtp:[127.0.0.1]:$E2E_SMTP2_PORT
*	smtp:[127.0.0.1]:$E2E_SINK_PORT
EOF
e2e_postfix_set "transport_maps = texthash:$E2E_POSTFIX_DIR/transport"
e2e_postfix_start
echo "gateway Postfix on 127.0.0.1:$E2E_SMTP_PORT (mailswitch on" \
    "$E2E_MILTER_PORT), the other system on $E2E_SMTP2_PORT, smtp-sink" \
    "on $E2E_SINK_PORT"

smtp_begin_from_internet
smtp_cmd "RCPT TO:<bob@contoso.com>"
assert "RCPT bob@contoso.com (contact) 250" e2e_reply_starts "250"
smtp_cmd "DATA"
assert "DATA 354" e2e_reply_starts "354"
smtp_data_body <<'EOF'
From: Someone <someone@example.org>
To: bob@contoso.com
Subject: mailswitch loop test
Message-ID: <e2e-loop@example.org>

Around and around.
EOF
smtp_end_queued "end of data 250 queued"
qid=$SMTP_QID
echo "queue id: $qid"

# Both queues empty (the bounce delivered), at most 30 s; then 3 s more
# for anything that would still go round.
queued2()
{
	find "$E2E_TMP/two/postfix/queue/incoming" \
	    "$E2E_TMP/two/postfix/queue/active" \
	    "$E2E_TMP/two/postfix/queue/deferred" \
	    "$E2E_TMP/two/postfix/queue/maildrop" -type f 2>/dev/null | wc -l
}
settled()
{
	[ "$(e2e_sink_count)" -ge 1 ] && [ "$(e2e_postfix_queued)" -eq 0 ] &&
	    [ "$(queued2)" -eq 0 ]
}
assert "settled within 30 s: a message at smtp-sink, both queues empty" \
    e2e_wait_for 30 settled
sleep 3

# Counts a fixed string's lines in FILE.
count()
{
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

# the first pass: rewritten, sent to the other system once
assert "mailswitch log: $qid: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact" \
    e2e_file_has "$E2E_TMP/mailswitch.log" \
    "$qid: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact"
assert "gateway: sent to the other system once" test \
    "$(grep -F "relay=127.0.0.1[127.0.0.1]:$E2E_SMTP2_PORT" "$log1" |
    grep -cF 'status=sent')" -eq 1

# the message back: refused at end of data, once
assert "mailswitch log: reject 554 5.4.6 routing loop, with a queue id" \
    grep -qE "[0-9A-Za-z]+: reject 554 5\.4\.6 routing loop: X-Mailswitch: rcpt=<bob@contoso\.com> -> <bob@fourthcoffee\.com> already present" \
    "$E2E_TMP/mailswitch.log"
assert "mailswitch log: one routing loop refusal" test \
    "$(count "$E2E_TMP/mailswitch.log" "routing loop: ")" -eq 1
assert "gateway: one milter-reject END-OF-MESSAGE 5.4.6 Routing loop detected" \
    test "$(grep -F 'milter-reject: END-OF-MESSAGE' "$log1" |
    grep -cF '5.4.6 Routing loop detected')" -eq 1
assert "other system: one delivery attempt to the gateway" test \
    "$(count "$log2" "relay=127.0.0.1[127.0.0.1]:$E2E_SMTP_PORT")" -eq 1
assert "other system: the gateway said 554 5.4.6 Routing loop detected" \
    e2e_file_has "$log2" "said: 554 5.4.6 Routing loop detected"
assert "other system: one bounce" test \
    "$(count "$log2" "status=bounced")" -eq 1
assert "gateway: nothing bounced" test \
    "$(count "$log1" "status=bounced")" -eq 0

# exactly one message reached the sink: the bounce to the sender
assert "one message at smtp-sink" test "$(e2e_sink_count)" -eq 1
dump=$(find "$E2E_TMP/sink" -type f -name 'msg.*' | head -n 1)
if [ -n "$dump" ]; then
	assert "the bounce: from <>" \
	    e2e_same "$(e2e_sink_mailfrom "$dump")" "<>"
	assert "the bounce: to <someone@example.org>" \
	    e2e_same "$(e2e_sink_rcpts "$dump")" "<someone@example.org>"
	assert "the bounce names 554 5.4.6 Routing loop detected" \
	    e2e_file_has "$dump" "554 5.4.6 Routing loop detected"
	assert "the bounce returns the trace field of the first pass" \
	    e2e_file_has "$dump" "$trace"
	assert "the bounce returns the message id" \
	    e2e_file_has "$dump" "<e2e-loop@example.org>"
fi
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)' "$log1")"
assert "mailswitch ran clean" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	echo "--- $log2" >&2
	tail -n 60 "$log2" >&2
	exit 1
fi
