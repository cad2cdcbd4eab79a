#!/bin/bash
# t/e2e/test-outbound.sh -- the outbound Address Rewrite (SPEC section 2)
# end to end through a private Postfix:
#
#	test-outbound.sh MAILSWITCH_BINARY
#
# mailswitch runs with t/milter/mailswitch-test.conf (outbound.clients
# 192.0.2.0/24 and 2001:db8::/32, lookup = true, headers From, Sender,
# Reply-To), plus outbound.daemons = [ "subsidiary" ].  The SMTP client
# poses as other clients with XCLIENT ADDR=...  Messages:
#
#   a. 192.0.2.10 (the subsidiary) to someone@example.org (the Internet):
#      smtp-sink records MAIL FROM:<bob@contoso.com>, From with its display
#      name kept, Sender, and a folded Reply-To with its other mailbox kept;
#      Cc (not in outbound.headers) is untouched.
#   b. 192.0.2.10 to dan@contoso.com only (internal): untouched.
#   c. 198.51.100.7 (not the subsidiary) to someone@example.org: untouched.
#   d. 192.0.2.10 to the Internet with two From fields, the first one not
#      mapped: Postfix changes the second one only (smfi_chgheader index).
#   e. 198.51.100.7 through the second smtpd service (lib.sh), whose
#      milter_macro_daemon_name is "subsidiary": rewritten.
#   f. 192.0.2.10 with the null sender: MAIL FROM:<> kept.
#   g. 192.0.2.10 to partner@contoso.com only, a contact whose target
#      (partner@partner.example, t/e2e/outbound-contacts.ldif) is on the
#      Internet: rewritten (the recipients as delivered decide).
#   h. 192.0.2.10 to alice@contoso.com only, a contact whose target
#      (Alice.Wong@fourthcoffee.com) is in a configured (external_relay)
#      domain: internal, untouched.
#   i. 192.0.2.10 to nobody@contoso.com only, unknown in the internal_relay
#      domain and forwarded to nobody@legacy.contoso.com, the routing
#      domain of the other system: internal, untouched.
#
# Also: mailswitch's log lines carry Postfix's queue ids, and Postfix
# logged no milter warning (e.g. "ignoring ESMTP arguments").  Prints
# PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init

# The shared test configuration, with the LDIF path made absolute and the
# subsidiary's Postfix service name added.
conf=$E2E_TMP/mailswitch.conf
mailswitch_conf_subsidiary "$conf"
# The example directory plus a contact whose target is on the Internet
# (messages g and h).
cat "$E2E_TOP/etc/contacts.ldif" "$E2E_LIB_DIR/outbound-contacts.ldif" \
    >"$E2E_TMP/contacts.ldif"
sed -i "s|\"$E2E_TOP/etc/contacts.ldif\"|\"$E2E_TMP/contacts.ldif\"|" "$conf"
grep -qF "\"$E2E_TMP/contacts.ldif\"" "$conf" ||
    e2e_die "cannot set the LDIF path to $E2E_TMP/contacts.ldif"

e2e_start_milter "$bin" "$conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT (subsidiary service" \
    "$E2E_SUB_PORT), mailswitch on $E2E_MILTER_PORT, smtp-sink on" \
    "$E2E_SINK_PORT"

# send NAME PORT CLIENT-IP SENDER RCPT... -- one transaction posing as
# CLIENT-IP, each reply checked; the message (headers and body) is read
# from stdin.  Sets QID[NAME] to Postfix's queue id.
declare -A QID
send()
{
	local name=$1 port=$2 ip=$3 sender=$4 r
	shift 4
	smtp_open "$port"
	assert "$name: greeting 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "XCLIENT ADDR=$ip NAME=[UNAVAILABLE]"
	assert "$name: XCLIENT ADDR=$ip 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<$sender>"
	assert "$name: MAIL FROM:<$sender> 250" e2e_reply_starts "250"
	for r in "$@"; do
		smtp_cmd "RCPT TO:<$r>"
		assert "$name: RCPT TO:<$r> 250" e2e_reply_starts "250"
	done
	smtp_cmd "DATA"
	assert "$name: DATA 354" e2e_reply_starts "354"
	smtp_data_body
	smtp_end_queued "$name: end of data 250 queued"
	QID[$name]=$SMTP_QID
	echo "$name: queue id ${QID[$name]}"
}

# header FILE NAME -- the fields NAME of dump FILE, unfolded lines kept as
# they are (continuation lines follow their field), in order.
header()
{
	e2e_sink_headers "$1" | awk -v n="$2" '
		tolower($0) ~ "^" tolower(n) ":" { on = 1; print; next }
		/^[ \t]/ && on { print; next }
		{ on = 0 }'
}

send a "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    someone@example.org <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
Sender: bob@fourthcoffee.com (Bob Lee)
Reply-To: "Bob Lee" <bob@fourthcoffee.com>,
	Someone <someone@example.org>
To: someone@example.org
Cc: Bob <bob@fourthcoffee.com>
Subject: outbound a
Message-ID: <e2e-outbound-a@fourthcoffee.com>

To the Internet.
EOF

send b "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    dan@contoso.com <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
Reply-To: bob@fourthcoffee.com
To: dan@contoso.com
Subject: outbound b
Message-ID: <e2e-outbound-b@fourthcoffee.com>

Internal.
EOF

send c "$E2E_SMTP_PORT" 198.51.100.7 bob@fourthcoffee.com \
    someone@example.org <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
To: someone@example.org
Subject: outbound c
Message-ID: <e2e-outbound-c@fourthcoffee.com>

From an outside client.
EOF

send d "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    someone@example.org <<'EOF'
From: Someone <someone@example.org>
From: "Bob Lee" <bob@fourthcoffee.com>
To: someone@example.org
Subject: outbound d
Message-ID: <e2e-outbound-d@fourthcoffee.com>

Two From fields.
EOF

send e "$E2E_SUB_PORT" 198.51.100.7 Alice.Wong@fourthcoffee.com \
    someone@example.org <<'EOF'
From: Alice Wong <Alice.Wong@fourthcoffee.com>
To: someone@example.org
Subject: outbound e
Message-ID: <e2e-outbound-e@fourthcoffee.com>

Through the subsidiary's own smtpd service.
EOF

send f "$E2E_SMTP_PORT" 192.0.2.10 "" someone@example.org <<'EOF'
From: Mail Delivery System <MAILER-DAEMON@fourthcoffee.com>
To: someone@example.org
Subject: outbound f
Message-ID: <e2e-outbound-f@fourthcoffee.com>

A bounce.
EOF

if ! e2e_sink_wait 6 30; then
	assert "6 messages at smtp-sink within 30 s (got $(e2e_sink_count))" \
	    false
fi

# The dump of message NAME (found by its Message-ID).
dump()
{
	e2e_sink_find "Message-ID: <e2e-outbound-$1@fourthcoffee.com>"
}

# a. subsidiary to the Internet: envelope and header fields rewritten.
d=$(dump a)
if [ -n "$d" ]; then
	assert "a: MAIL FROM:<bob@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@contoso.com>"
	assert "a: From: \"Bob Lee\" <bob@contoso.com>" \
	    e2e_same "$(header "$d" From)" 'From: "Bob Lee" <bob@contoso.com>'
	assert "a: Sender: bob@contoso.com (Bob Lee)" \
	    e2e_same "$(header "$d" Sender)" 'Sender: bob@contoso.com (Bob Lee)'
	assert "a: Reply-To rewritten, folding and other mailbox kept" \
	    e2e_same "$(header "$d" Reply-To)" \
	    "$(printf '%s\n\t%s' 'Reply-To: "Bob Lee" <bob@contoso.com>,' \
	    'Someone <someone@example.org>')"
	assert "a: Cc untouched" \
	    e2e_same "$(header "$d" Cc)" 'Cc: Bob <bob@fourthcoffee.com>'
	assert "a: recipient untouched" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<someone@example.org>"
	assert "a: one header of each" \
	    test "$(header "$d" From | wc -l)" -eq 1
else
	assert "a: message at smtp-sink" false
fi

# b. internal mail: untouched.
d=$(dump b)
if [ -n "$d" ]; then
	assert "b (internal): MAIL FROM:<bob@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@fourthcoffee.com>"
	assert "b (internal): From untouched" \
	    e2e_same "$(header "$d" From)" \
	    'From: "Bob Lee" <bob@fourthcoffee.com>'
	assert "b (internal): Reply-To untouched" \
	    e2e_same "$(header "$d" Reply-To)" 'Reply-To: bob@fourthcoffee.com'
else
	assert "b: message at smtp-sink" false
fi

# c. an outside client: untouched.
d=$(dump c)
if [ -n "$d" ]; then
	assert "c (198.51.100.7): MAIL FROM:<bob@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@fourthcoffee.com>"
	assert "c (198.51.100.7): From untouched" \
	    e2e_same "$(header "$d" From)" \
	    'From: "Bob Lee" <bob@fourthcoffee.com>'
else
	assert "c: message at smtp-sink" false
fi

# d. two From fields: the second one changed, in its place.
d=$(dump d)
if [ -n "$d" ]; then
	assert "d: MAIL FROM:<bob@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@contoso.com>"
	assert "d: first From kept, second From rewritten, in order" \
	    e2e_same "$(header "$d" From)" \
	    "$(printf '%s\n%s' 'From: Someone <someone@example.org>' \
	    'From: "Bob Lee" <bob@contoso.com>')"
else
	assert "d: message at smtp-sink" false
fi

# e. selected by the Postfix service (milter_macro_daemon_name).
d=$(dump e)
if [ -n "$d" ]; then
	assert "e (daemon subsidiary): MAIL FROM:<alice@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<alice@contoso.com>"
	assert "e (daemon subsidiary): From rewritten" \
	    e2e_same "$(header "$d" From)" 'From: Alice Wong <alice@contoso.com>'
else
	assert "e: message at smtp-sink" false
fi

# f. the null sender stays null (its header fields are rewritten).
d=$(dump f)
if [ -n "$d" ]; then
	assert "f: MAIL FROM:<> kept" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<>"
	assert "f: From rewritten" \
	    e2e_same "$(header "$d" From)" \
	    'From: Mail Delivery System <MAILER-DAEMON@contoso.com>'
else
	assert "f: message at smtp-sink" false
fi

# g, h: "to the Internet" is decided on the recipients as delivered.
send g "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    partner@contoso.com <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
To: partner@contoso.com
Subject: outbound g
Message-ID: <e2e-outbound-g@fourthcoffee.com>

To a contact whose target is on the Internet.
EOF

send h "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    alice@contoso.com <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
To: alice@contoso.com
Subject: outbound h
Message-ID: <e2e-outbound-h@fourthcoffee.com>

To a contact whose target is in a configured domain.
EOF

send i "$E2E_SMTP_PORT" 192.0.2.10 bob@fourthcoffee.com \
    nobody@contoso.com <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
To: nobody@contoso.com
Subject: outbound i
Message-ID: <e2e-outbound-i@fourthcoffee.com>

To an unknown address of the shared domain, forwarded to the other system.
EOF

if ! e2e_sink_wait 9 30; then
	assert "9 messages at smtp-sink within 30 s (got $(e2e_sink_count))" \
	    false
fi

# g. a contact with an Internet target: the message goes to the Internet.
d=$(dump g)
if [ -n "$d" ]; then
	assert "g (contact -> Internet): recipient <partner@partner.example>" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<partner@partner.example>"
	assert "g (contact -> Internet): MAIL FROM:<bob@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@contoso.com>"
	assert "g (contact -> Internet): From rewritten" \
	    e2e_same "$(header "$d" From)" 'From: "Bob Lee" <bob@contoso.com>'
else
	assert "g: message at smtp-sink" false
fi

# h. a contact with a target in a configured domain: internal mail.
d=$(dump h)
if [ -n "$d" ]; then
	assert "h (contact -> fourthcoffee.com): recipient <Alice.Wong@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<Alice.Wong@fourthcoffee.com>"
	assert "h (contact -> fourthcoffee.com): MAIL FROM:<bob@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@fourthcoffee.com>"
	assert "h (contact -> fourthcoffee.com): From untouched" \
	    e2e_same "$(header "$d" From)" \
	    'From: "Bob Lee" <bob@fourthcoffee.com>'
else
	assert "h: message at smtp-sink" false
fi

# i. forwarded to the routing domain of the other system: internal mail.
d=$(dump i)
if [ -n "$d" ]; then
	assert "i (forward_to): recipient <nobody@legacy.contoso.com>" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<nobody@legacy.contoso.com>"
	assert "i (forward_to): MAIL FROM:<bob@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<bob@fourthcoffee.com>"
	assert "i (forward_to): From untouched" \
	    e2e_same "$(header "$d" From)" \
	    'From: "Bob Lee" <bob@fourthcoffee.com>'
else
	assert "i: message at smtp-sink" false
fi

assert "mailswitch log: ${QID[g]}: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
    e2e_wait_for 5 grep -qF \
    "${QID[g]}: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
    "$E2E_TMP/mailswitch.log"
assert "mailswitch log: no outbound line for ${QID[h]} (h)" \
    test -z "$(grep -F "${QID[h]}:" "$E2E_TMP/mailswitch.log" | grep -F outbound)"

# What mailswitch logged, with Postfix's queue ids.
log=$E2E_TMP/mailswitch.log
for m in a d; do
	assert "mailswitch log: ${QID[$m]}: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
	    e2e_wait_for 5 grep -qF \
	    "${QID[$m]}: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
	    "$log"
done
assert "mailswitch log: ${QID[e]}: from=<Alice.Wong@fourthcoffee.com> -> <alice@contoso.com> outbound" \
    e2e_file_has "$log" \
    "${QID[e]}: from=<Alice.Wong@fourthcoffee.com> -> <alice@contoso.com> outbound"
assert "mailswitch log: ${QID[a]}: header From rewritten" \
    e2e_file_has "$log" \
    "${QID[a]}: header From: \"Bob Lee\" <bob@fourthcoffee.com> -> \"Bob Lee\" <bob@contoso.com> outbound"
assert "mailswitch log: ${QID[f]}: from=<> unchanged outbound null" \
    e2e_file_has "$log" "${QID[f]}: from=<> unchanged outbound null"
for m in b c; do
	assert "mailswitch log: no outbound line for ${QID[$m]} ($m)" \
	    test -z "$(grep -F "${QID[$m]}:" "$log" | grep -F outbound)"
done

# What Postfix did and thought of the milter.
maillog=$E2E_TMP/postfix/maillog
assert "Postfix logged no milter warning" \
    test -z "$(grep -iE 'warning:.*milter|milter.*(error|warning)|ignoring ESMTP' \
    "$maillog")"
assert "Postfix queued ${QID[a]} from=<bob@contoso.com>" \
    e2e_file_has "$maillog" "${QID[a]}: from=<bob@contoso.com>"
assert "Postfix queued ${QID[b]} from=<bob@fourthcoffee.com>" \
    e2e_file_has "$maillog" "${QID[b]}: from=<bob@fourthcoffee.com>"
assert "Postfix: ${QID[e]} came through postfix/subsidiary/smtpd" \
    grep -qE "postfix/subsidiary/smtpd\[[0-9]+\]: ${QID[e]}: client=" \
    "$maillog"

assert "mailswitch stopped without a sanitizer report" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
