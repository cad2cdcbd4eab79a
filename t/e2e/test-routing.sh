#!/bin/bash
# t/e2e/test-routing.sh -- end to end through a private Postfix:
#
#	test-routing.sh MAILSWITCH_BINARY
#
# The reject replies as the SMTP client sees them (exact text: loop 554
# 5.4.6, ambiguous 550 5.1.4, bad syntax 501 5.1.3), and the rewrites that
# reach the next hop: forward_to (nobody@contoso.com ->
# nobody@legacy.contoso.com), canonicalize (carol@sales.contoso.com ->
# Carol.Diaz@sales.contoso.com), a chain (erin@ -> erin@fourthcoffee.com),
# two recipients with one target delivered once, and untouched recipients.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init
conf=$E2E_TOP/t/milter/mailswitch-test.conf

e2e_start_milter "$bin" "$conf"

smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "XCLIENT ADDR=203.0.113.8 NAME=[UNAVAILABLE]"
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
assert "MAIL FROM 250" e2e_reply_starts "250"

# Rejects, exact replies.
smtp_cmd "RCPT TO:<loop1@contoso.com>"
assert "RCPT loop1@contoso.com 554 5.4.6 exactly" e2e_reply_is \
    "554 5.4.6 <loop1@contoso.com>: Routing loop detected"
smtp_cmd "RCPT TO:<self@contoso.com>"
assert "RCPT self@contoso.com 554 5.4.6 exactly" e2e_reply_is \
    "554 5.4.6 <self@contoso.com>: Routing loop detected"
smtp_cmd "RCPT TO:<shared@contoso.com>"
assert "RCPT shared@contoso.com 550 5.1.4 exactly" e2e_reply_is \
    "550 5.1.4 <shared@contoso.com>: Recipient address rejected: ambiguous"
smtp_cmd "RCPT TO:<Nobody@Sales.Contoso.COM>"
assert "RCPT Nobody@Sales.Contoso.COM 550 5.1.1 exactly" e2e_reply_is \
    "550 5.1.1 <Nobody@Sales.Contoso.COM>: Recipient address rejected: User unknown"
# Postfix checks the syntax itself before the milter sees it; either way
# the client gets this reply.
smtp_cmd "RCPT TO:<a b@contoso.com>"
assert "RCPT <a b@contoso.com> 501 5.1.3" e2e_reply_starts \
    "501 5.1.3 Bad recipient address syntax"

# Accepted, rewritten or not.
for r in nobody@contoso.com carol@sales.contoso.com erin@contoso.com \
    bob@contoso.com bob.lee@contoso.com someone@example.org \
    x@fourthcoffee.com Carol.Diaz@sales.contoso.com; do
	smtp_cmd "RCPT TO:<$r>"
	assert "RCPT $r 250" e2e_reply_starts "250"
done
smtp_cmd "DATA"
assert "DATA 354" e2e_reply_starts "354"
smtp_data_body <<'EOF'
From: someone@example.org
To: undisclosed-recipients:;
Subject: mailswitch routing test

Routing test.
EOF
smtp_end_queued "end of data 250 queued"
qid=$SMTP_QID

if e2e_sink_wait 1 20; then
	sleep 1		# one message, but let a stray second one show up
	assert "one message at smtp-sink" test "$(e2e_sink_count)" -eq 1
	dump=$(find "$E2E_TMP/sink" -type f -name 'msg.*' | head -n 1)
	want=$(printf '%s\n' '<nobody@legacy.contoso.com>' \
	    '<Carol.Diaz@sales.contoso.com>' '<erin@fourthcoffee.com>' \
	    '<bob@fourthcoffee.com>' '<someone@example.org>' \
	    '<x@fourthcoffee.com>' | sort)
	assert "envelope recipients (forward, canonical, chain, once, untouched)" \
	    e2e_same "$(e2e_sink_rcpts "$dump")" "$want"
	n=$(e2e_sink_headers "$dump" | grep -ci '^X-Mailswitch:' || true)
	assert "five X-Mailswitch headers (got $n)" test "$n" -eq 5
	for h in "rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>" \
	    "rcpt=<carol@sales.contoso.com> -> <Carol.Diaz@sales.contoso.com>" \
	    "rcpt=<erin@contoso.com> -> <erin@fourthcoffee.com>" \
	    "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" \
	    "rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>"; do
		assert "header X-Mailswitch: $h" \
		    e2e_file_has "$dump" "X-Mailswitch: $h"
	done
else
	assert "message arrived at smtp-sink within 20 s" false
fi

assert "mailswitch log: $qid: rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>" \
    e2e_wait_for 5 grep -qF \
    "$qid: rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>" \
    "$E2E_TMP/mailswitch.log"
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)' \
    "$E2E_TMP/postfix/maillog")"

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
