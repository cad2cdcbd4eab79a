#!/bin/bash
# t/e2e/test-outbound-ldap.sh -- the outbound Address Rewrite with the ldap
# back-end, end to end through a private Postfix and a private slapd
# (t/lib/slapd.sh, contrib/ldap/contacts.ldif, no cache):
#
#	test-outbound-ldap.sh MAILSWITCH_BINARY
#
#   1. slapd up: mail from the subsidiary (XCLIENT ADDR=192.0.2.10) to the
#      Internet leaves as MAIL FROM:<bob@contoso.com> (found in the
#      directory by its target address).
#   2. slapd stopped, on_directory_error = tempfail: the same message is
#      answered 451 4.3.0 at end of data (SPEC section 2), and logged;
#      mail from an outside client, which needs no lookup, still passes.
#   3. slapd started again: the next message is rewritten again.
#   4. slapd stopped, on_directory_error = accept: the message passes with
#      its sender untouched.
#
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/ldap.sh"

e2e_ldap_init "$@"

slapd_start one

# conf FILE ACTION -- a configuration for the slapd with
# on_directory_error = ACTION and the outbound settings of
# t/milter/mailswitch-test.conf.
conf()
{
	e2e_ldap_conf "$1"
	sed -i "s/^on_directory_error = .*/on_directory_error = \"$2\";/" "$1"
	grep -q "^on_directory_error = \"$2\";" "$1" ||
	    e2e_die "cannot set on_directory_error in $1"
	e2e_ldap_outbound >>"$1"
}
conf "$E2E_TMP/tempfail.conf" tempfail
conf "$E2E_TMP/accept.conf" accept

e2e_start_milter "$bin" "$E2E_TMP/tempfail.conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, mailswitch on" \
    "$E2E_MILTER_PORT, smtp-sink on $E2E_SINK_PORT, slapd ${SLAPD_URI[one]}"

# send NAME CLIENT-IP WANT -- bob@fourthcoffee.com to someone@example.org
# posing as CLIENT-IP; WANT is the start of the end-of-data reply.  Sets
# LAST to the reply.
send()
{
	local name=$1 ip=$2 want=$3
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "XCLIENT ADDR=$ip NAME=[UNAVAILABLE]"
	assert "$name: XCLIENT ADDR=$ip 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<bob@fourthcoffee.com>"
	assert "$name: MAIL FROM 250" e2e_reply_starts "250"
	smtp_cmd "RCPT TO:<someone@example.org>"
	assert "$name: RCPT TO:<someone@example.org> 250" \
	    e2e_reply_starts "250"
	smtp_cmd "DATA"
	assert "$name: DATA 354" e2e_reply_starts "354"
	smtp_data_body <<EOF
From: "Bob Lee" <bob@fourthcoffee.com>
To: someone@example.org
Subject: outbound ldap $name
Message-ID: <e2e-outbound-ldap-$name@fourthcoffee.com>

Through the ldap back-end.
EOF
	assert "$name: end of data: $want" e2e_reply_starts "$want"
	LAST=$SMTP_REPLY
	smtp_cmd "QUIT"
	smtp_close
}

# arrived NAME -- true when message NAME is at smtp-sink.
arrived()
{
	[ -n "$(e2e_sink_find "Message-ID: <e2e-outbound-ldap-$1@")" ]
}

# sent NAME SENDER -- message NAME reached smtp-sink with MAIL FROM:SENDER.
sent()
{
	local d
	e2e_wait_for 20 arrived "$1" || true
	d=$(e2e_sink_find "Message-ID: <e2e-outbound-ldap-$1@")
	if [ -z "$d" ]; then
		assert "$1: message at smtp-sink within 20 s" false
		return
	fi
	assert "$1: MAIL FROM:$2" e2e_same "$(e2e_sink_mailfrom "$d")" "$2"
}

# 1. the directory answers
send up 192.0.2.10 "250 2.0.0 Ok: queued as "
qid=${LAST##* }
sent up "<bob@contoso.com>"
assert "mailswitch log: $qid: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
    e2e_wait_for 5 grep -qF \
    "$qid: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
    "$E2E_TMP/mailswitch.log"

# 2. the directory is down: subsidiary mail to the Internet is deferred
slapd_stop one
send down 192.0.2.10 "451 4.3.0 "
assert "down: the reply says why" e2e_same "$LAST" \
    "451 4.3.0 Temporary lookup failure"
assert "mailswitch log: defer from 451 4.3.0" \
    e2e_wait_for 5 grep -qF "defer from 451 4.3.0" "$E2E_TMP/mailswitch.log"
send outside 198.51.100.7 "250 2.0.0 Ok: queued as "
sent outside "<bob@fourthcoffee.com>"

# 3. the directory is back
slapd_run one
send again 192.0.2.10 "250 2.0.0 Ok: queued as "
sent again "<bob@contoso.com>"

# 4. on_directory_error = accept: passes untouched
slapd_stop one
assert "mailswitch (tempfail) stopped without a sanitizer report" \
    e2e_mailswitch_sane
e2e_mailswitch_start "$bin" "$E2E_TMP/accept.conf"
send accept 192.0.2.10 "250 2.0.0 Ok: queued as "
sent accept "<bob@fourthcoffee.com>"

assert "down: no message at smtp-sink" \
    test -z "$(e2e_sink_find "Message-ID: <e2e-outbound-ldap-down@")"
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)|ignoring ESMTP' \
    "$E2E_TMP/postfix/maillog")"

assert "mailswitch (accept) stopped without a sanitizer report" \
    e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
