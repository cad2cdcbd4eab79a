#!/bin/bash
# t/e2e/test-inbound.sh -- end to end through a private Postfix:
#
#	test-inbound.sh MAILSWITCH_BINARY
#
# A client sends one message to a contact (bob@contoso.com), a mailbox
# user's secondary address (dan.park@contoso.com) and an unknown address of
# an authoritative domain (nobody@sales.contoso.com).  The test asserts each
# RCPT reply, the envelope recipients smtp-sink (the next hop) recorded, the
# X-Mailswitch header, and mailswitch's decision line with Postfix's queue
# id.  Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
# E2E_INBOUND_CONF, when set, is the configuration to use instead of
# t/milter/mailswitch-test.conf (test-inbound-ldap.sh: the ldap back-end).
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init
conf=${E2E_INBOUND_CONF:-$E2E_TOP/t/milter/mailswitch-test.conf}

e2e_start_milter "$bin" "$conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, mailswitch on" \
    "$E2E_MILTER_PORT, smtp-sink on $E2E_SINK_PORT"

# One SMTP transaction, each reply checked.
smtp_begin_from_internet
smtp_cmd "RCPT TO:<bob@contoso.com>"
assert "RCPT bob@contoso.com (contact) 250" e2e_reply_starts "250"
smtp_cmd "RCPT TO:<dan.park@contoso.com>"
assert "RCPT dan.park@contoso.com (mailbox user) 250" \
    e2e_reply_starts "250"
smtp_cmd "RCPT TO:<nobody@sales.contoso.com>"
assert "RCPT nobody@sales.contoso.com 550 5.1.1 exactly" e2e_reply_is \
    "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"
smtp_cmd "DATA"
assert "DATA 354" e2e_reply_starts "354"
smtp_data_body <<'EOF'
From: Someone <someone@example.org>
To: bob@contoso.com, dan.park@contoso.com, nobody@sales.contoso.com
Subject: mailswitch end-to-end test
Message-ID: <e2e-inbound@example.org>

Hello through the mail switch.
EOF
smtp_end_queued "end of data 250 queued"
qid=$SMTP_QID
echo "queue id: $qid"

# What reached the next hop.
if e2e_sink_wait 1 20; then
	assert "one message at smtp-sink" test "$(e2e_sink_count)" -eq 1
	dump=$(find "$E2E_TMP/sink" -type f -name 'msg.*' | head -n 1)
	assert "envelope recipients: bob@fourthcoffee.com dan.park@contoso.com" \
	    e2e_same "$(e2e_sink_rcpts "$dump")" \
	    "$(printf '%s\n' '<bob@fourthcoffee.com>' '<dan.park@contoso.com>')"
	assert "bob@contoso.com not an envelope recipient" \
	    test -z "$(e2e_sink_rcpts "$dump" | grep -Fx '<bob@contoso.com>')"
	hdrs=$(e2e_sink_headers "$dump")
	assert "header X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" \
	    e2e_same "$(printf '%s\n' "$hdrs" | grep -i '^X-Mailswitch:')" \
	    "X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>"
	assert "message body intact" \
	    e2e_file_has "$dump" "Hello through the mail switch."
else
	assert "message arrived at smtp-sink within 20 s" false
fi

# What mailswitch logged.
assert "mailswitch log: $qid: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" \
    e2e_wait_for 5 grep -qF \
    "$qid: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" \
    "$E2E_TMP/mailswitch.log"
assert "mailswitch log: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1" \
    e2e_file_has "$E2E_TMP/mailswitch.log" \
    "reject rcpt=<nobody@sales.contoso.com> 550 5.1.1"
assert "mailswitch log: no line about dan.park (untouched)" \
    test -z "$(grep -F 'rcpt=<dan.park@contoso.com> ->' "$E2E_TMP/mailswitch.log")"

# What Postfix thought of the milter.
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)' \
    "$E2E_TMP/postfix/maillog")"
assert "Postfix sent to bob@fourthcoffee.com" \
    e2e_file_has "$E2E_TMP/postfix/maillog" \
    "$qid: to=<bob@fourthcoffee.com>"

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
