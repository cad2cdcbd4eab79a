#!/bin/bash
# t/e2e/test-socketmap-ldap.sh -- the socketmap front end (SPEC section 6)
# end to end with the ldap back-end: a private slapd (t/lib/slapd.sh,
# contrib/ldap/contacts.ldif, no cache) and a private Postfix in socketmap
# mode (contrib/postfix/main-socketmap.cf, master-socketmap.cf):
#
#	test-socketmap-ldap.sh MAILSWITCH_BINARY
#
# First the checks of t/e2e/socketmap-checks.sh (as test-socketmap.sh),
# then the directory outages, none of which loses a message:
#
#   5. slapd stopped: RCPT to a contact is answered 451 4.3.0 (the access
#      map's tempfail), also for an unknown address of an authoritative
#      domain (an outage is never "not found"); the client retries once
#      slapd is back and the message arrives, rewritten.
#   6. slapd stopped while a message from the subsidiary to the Internet
#      (which needs no lookup at RCPT) waits for delivery: the Internet
#      transport's generic lookup fails: Postfix's smtp exits (fatal),
#      qmgr keeps the message, master throttles the transport; slapd back,
#      the retry delivers it with the rewritten sender.
#   7. slapd stopped between RCPT (accepted) and DATA: cleanup's virtual
#      lookup fails and Postfix answers 4xx at end of data -- the client
#      keeps the message.
#
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/ldap.sh"

e2e_ldap_init "$@"

slapd_start one
e2e_ldap_conf "$E2E_TMP/ldap.conf"
e2e_ldap_outbound >>"$E2E_TMP/ldap.conf"
e2e_socketmap_conf "$E2E_TMP/ldap.conf" "$E2E_TMP/mailswitch.conf"

e2e_start_socketmap "$bin" "$E2E_TMP/mailswitch.conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, mailswitch socketmap on" \
    "$E2E_SOCKETMAP_PORT, smtp-sink on $E2E_SINK_PORT (connectors) and" \
    "$E2E_INET_PORT (internet), slapd ${SLAPD_URI[one]}"

. "$E2E_LIB_DIR/socketmap-checks.sh"

assert "slapd was asked (the ldap back-end is in use)" \
    grep -q "SRCH base=\"dc=contoso,dc=com\"" "$SLAPD_TMP/one/slapd.log"

# rcpt ADDR -- one RCPT TO:<ADDR> from someone@example.org; sets RCPT_REPLY.
rcpt()
{
	smtp_rcpt_from 203.0.113.7 "$1"
}

echo "== 5. slapd stopped: 451 4.3.0 at RCPT; the retry arrives"
slapd_stop one
rcpt bob@contoso.com
assert "5: RCPT bob@contoso.com: 451 4.3.0 exactly" \
    e2e_same "$RCPT_REPLY" \
    "451 4.3.0 <bob@contoso.com>: Recipient address rejected: Temporary lookup failure"
rcpt nobody@sales.contoso.com
assert "5: RCPT nobody@sales.contoso.com: 451 4.3.0, not 550" \
    e2e_same "$RCPT_REPLY" \
    "451 4.3.0 <nobody@sales.contoso.com>: Recipient address rejected: Temporary lookup failure"
assert "5: mailswitch logged the failure with the server's URI" \
    e2e_file_has "$CHECKS_MSLOG" "${SLAPD_URI[one]}"
slapd_run one
checks_send 5 203.0.113.7 someone@example.org bob@contoso.com <<'EOF'
From: Someone <someone@example.org>
To: bob@contoso.com
Subject: mailswitch socketmap ldap 5
Message-ID: <sm-5@example.org>

Retried after the outage.
EOF
assert "5: the retry arrived within 20 s" checks_wait_msgid sm-5@example.org 1
d=$(checks_dumps "Message-ID: <sm-5@example.org>" | head -n 1)
[ -z "$d" ] || assert "5: the retry went to <bob@fourthcoffee.com>" \
    e2e_same "$(e2e_sink_rcpts "$d")" "<bob@fourthcoffee.com>"

echo "== 6. slapd stopped while a message waits for the Internet transport"
warn_before=$(grep -ci warning "$CHECKS_MAILLOG" || true)
slapd_stop one
checks_send 6 192.0.2.10 bob@fourthcoffee.com someone@example.org <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
To: someone@example.org
Subject: mailswitch socketmap ldap 6
Message-ID: <sm-6@fourthcoffee.com>

Deferred by the generic lookup, delivered after the outage.
EOF
# Postfix 3.7's smtp client does not defer on a smtp_generic_maps lookup
# error: it exits ("fatal: smtp_generic_maps map lookup problem"), qmgr
# keeps the message, master throttles the transport (service_throttle_time)
assert "6: Postfix's smtp gave up on the generic lookup (fatal, message kept)" \
    e2e_wait_for 15 grep -qF "fatal: smtp_generic_maps map lookup problem for bob@fourthcoffee.com" \
    "$CHECKS_MAILLOG"
assert "6: nothing at smtp-sink while slapd is down" \
    test -z "$(checks_dumps "Message-ID: <sm-6@fourthcoffee.com>")"
slapd_run one
assert "6: delivered after slapd is back, within 20 s" \
    checks_wait_msgid sm-6@fourthcoffee.com 1
d=$(checks_dumps "Message-ID: <sm-6@fourthcoffee.com>" | head -n 1)
if [ -n "$d" ]; then
	assert "6: MAIL FROM:<bob@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@contoso.com>"
	assert "6: From rewritten" \
	    e2e_same "$(checks_header "$d" From)" 'From: "Bob Lee" <bob@contoso.com>'
fi

echo "== 7. slapd stopped between RCPT and DATA"
smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "XCLIENT ADDR=203.0.113.7 NAME=[UNAVAILABLE]"
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
smtp_cmd "RCPT TO:<alice@contoso.com>"
assert "7: RCPT alice@contoso.com 250 (slapd up)" e2e_reply_starts "250"
slapd_stop one
smtp_cmd "DATA"
r7_data=$SMTP_REPLY
if [ "$SMTP_CODE" = 354 ]; then
	smtp_data_body <<'EOF'
From: Someone <someone@example.org>
To: alice@contoso.com
Subject: mailswitch socketmap ldap 7
Message-ID: <sm-7@example.org>

The directory went away after RCPT.
EOF
fi
r7=$SMTP_REPLY
smtp_cmd "QUIT"
smtp_close
echo "    DATA: $r7_data; end of data: $r7"
slapd_run one
sleep 3
n7=$(checks_dumps "Message-ID: <sm-7@example.org>" | wc -l)
case $r7 in
4*)	assert "7: 4xx to the client, nothing delivered" test "$n7" -eq 0 ;;
250*)	assert "7: accepted: delivered to Alice.Wong@fourthcoffee.com" \
	    e2e_wait_for 20 test -n "$(checks_dumps "Message-ID: <sm-7@example.org>")"
	d=$(checks_dumps "Message-ID: <sm-7@example.org>" | head -n 1)
	[ -z "$d" ] || assert "7: to <Alice.Wong@fourthcoffee.com>, not alice@contoso.com" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<Alice.Wong@fourthcoffee.com>" ;;
*)	assert "7: a 4xx or 250 at end of data" false ;;
esac
echo "    Postfix's warnings during the outages:"
tail -n +1 "$CHECKS_MAILLOG" | grep -i warning | tail -n +"$((warn_before + 1))" |
    sed 's/^/    /'

assert "nothing left in Postfix's queue" e2e_wait_for 15 \
    test "$(e2e_postfix_queued)" -eq 0
assert "mailswitch stopped without a sanitizer report" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
