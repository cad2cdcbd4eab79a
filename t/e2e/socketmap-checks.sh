# t/e2e/socketmap-checks.sh -- the checks of the socketmap front end (SPEC
# section 6) end to end, shared by test-socketmap.sh (ldif back-end) and
# test-socketmap-ldap.sh (ldap back-end on a private slapd), and by
# test-tables.sh: the same decisions from Postfix's own lmdb tables
# (CHECKS_FRONT=tables).  Sourced, not run: the caller has run e2e_init,
# started both smtp-sinks (e2e_sink_start and e2e_sink_start internet),
# mailswitch with socket = "" and the socketmap on $E2E_SOCKETMAP_PORT
# (e2e_mailswitch_start_socketmap) and Postfix in socketmap mode
# (e2e_postfix_start_socketmap) -- or mailswitch writing the tables and
# Postfix in tables mode (e2e_postfix_start_tables); the directory is
# etc/contacts.ldif (or contrib/ldap/contacts.ldif, the same people).
#
#   1. someone@example.org (an outside client) to a contact with
#      NOTIFY=SUCCESS,FAILURE, a contact's secondary address, a
#      canonicalized mailbox user, a forward_to address and an untouched
#      mailbox user; the refusals at RCPT (550 5.1.1 exactly, the loop,
#      ambiguous) and a quoted local part forwarded.  The sink: bob@fourthcoffee.com with
#      NOTIFY=FAILURE ORCPT=rfc822;bob@contoso.com (Postfix's virtual
#      alias expansion keeps the DSN request, less SUCCESS), the others as
#      section 1 says, all through the connectors (not "internet"); the
#      sender gets an RFC 3461 "expanded" notice through "internet".
#   2. the subsidiary (192.0.2.10, XCLIENT) to one Internet and one
#      internal recipient: the Internet copy leaves through "internet"
#      with MAIL FROM and From rewritten (smtp_generic_maps), the internal
#      copy through the connectors untouched.
#   3. another client that may relay (127.0.0.2: mynetworks, not
#      outbound.clients) with a Fourth Coffee sender to the Internet:
#      rewritten too -- under socketmap the rewrite is chosen by
#      address, not by client (SPEC section 6).
#   4. mailswitch logged "socketmap: rcpt=<a> -> <b> contact" (tables:
#      "tables: full write ok"); Postfix's maillog has no warning at all
#      (none about the socketmap or lmdb tables).
#
# Defines checks_send, checks_dumps, checks_header, checks_rcpt_args and
# checks_wait_msgid (SMTP through Postfix and the sinks' dumps: no
# socketmap client, t/lib/socketmap.sh is that) for the caller's own checks.

# checks_send NAME IP SENDER RCPT... -- one transaction posing as IP (XCLIENT);
# RCPT is "ADDR" or "ADDR PARAMS" (e.g. "bob@contoso.com NOTIFY=SUCCESS"),
# each must be answered 250; the message is read from stdin.  Sets
# QID[NAME] and CHECKS_LAST (the end-of-data reply).  With CHECKS_WANT_DATA set,
# the end-of-data reply must start with it instead of "250 2.0.0".
declare -A QID
checks_send()
{
	local name=$1 ip=$2 sender=$3 r addr params
	shift 3
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "XCLIENT ADDR=$ip NAME=[UNAVAILABLE]"
	assert "$name: XCLIENT ADDR=$ip 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<$sender>"
	assert "$name: MAIL FROM:<$sender> 250" e2e_reply_starts "250"
	for r in "$@"; do
		addr=${r%% *} params=""
		[ "$addr" = "$r" ] || params=" ${r#* }"
		smtp_cmd "RCPT TO:<$addr>$params"
		assert "$name: RCPT TO:<$addr>$params 250" \
		    e2e_reply_starts "250"
	done
	smtp_cmd "DATA"
	assert "$name: DATA 354" e2e_reply_starts "354"
	smtp_data_body
	CHECKS_LAST=$SMTP_REPLY
	assert "$name: end of data ${CHECKS_WANT_DATA:-250 2.0.0 Ok: queued as}" \
	    e2e_reply_starts "${CHECKS_WANT_DATA:-250 2.0.0 Ok: queued as }"
	QID[$name]=${SMTP_REPLY##* }
	smtp_cmd "QUIT"
	smtp_close
}

# checks_dumps STRING -- every dump (both sinks) with a line containing STRING,
# but not a notice (MAIL FROM:<>) that quotes it.
checks_dumps()
{
	local d
	for d in $(grep -lF -- "$1" "$E2E_TMP"/sink/msg.* 2>/dev/null); do
		[ "$(e2e_sink_mailfrom "$d")" = "<>" ] || echo "$d"
	done
}

# checks_rcpt_args FILE ADDR -- the X-Rcpt-Args line of ADDR in dump FILE,
# without the field name ("<a> ORCPT=... NOTIFY=...").
checks_rcpt_args()
{
	sed -n "s/^X-Rcpt-Args: *\(<$2>.*\)/\1/p" "$1"
}

# checks_header FILE NAME -- the fields NAME of dump FILE, continuation lines
# kept.
checks_header()
{
	e2e_sink_headers "$1" | awk -v n="$2" '
		tolower($0) ~ "^" tolower(n) ":" { on = 1; print; next }
		/^[ \t]/ && on { print; next }
		{ on = 0 }'
}

# checks_wait_msgid ID N -- wait (at most 20 s) until N dumps carry Message-ID ID.
checks_wait_msgid()
{
	local i
	for i in $(seq 1 200); do
		[ "$(checks_dumps "Message-ID: <$1>" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

CHECKS_MAILLOG=$E2E_TMP/postfix/maillog
CHECKS_MSLOG=$E2E_TMP/mailswitch.log

echo "== 1. inbound: contacts, DSN, refusals at RCPT"
smtp_open
assert "greeting 220" e2e_reply_starts "220"
smtp_cmd "EHLO client.example.net"
assert "EHLO announces DSN" e2e_file_has "$E2E_TMP/smtp.log" "S: 250-DSN"
smtp_cmd "XCLIENT ADDR=203.0.113.7 NAME=[UNAVAILABLE]"
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
assert "1: MAIL FROM 250" e2e_reply_starts "250"
smtp_cmd "RCPT TO:<bob@contoso.com> NOTIFY=SUCCESS,FAILURE"
assert "1: RCPT bob@contoso.com NOTIFY=SUCCESS,FAILURE (contact) 250" \
    e2e_reply_starts "250"
smtp_cmd "RCPT TO:<awong@contoso.com>"
assert "1: RCPT awong@contoso.com (a contact's secondary address) 250" \
    e2e_reply_starts "250"
smtp_cmd "RCPT TO:<carol@sales.contoso.com>"
assert "1: RCPT carol@sales.contoso.com (canonicalize) 250" \
    e2e_reply_starts "250"
smtp_cmd "RCPT TO:<nobody@contoso.com>"
assert "1: RCPT nobody@contoso.com (forward_to) 250" e2e_reply_starts "250"
smtp_cmd "RCPT TO:<dan.park@contoso.com>"
assert "1: RCPT dan.park@contoso.com (mailbox user) 250" \
    e2e_reply_starts "250"
smtp_cmd "RCPT TO:<nobody@sales.contoso.com>"
assert "1: RCPT nobody@sales.contoso.com: 550 5.1.1 exactly" e2e_reply_is \
    "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"
smtp_cmd "RCPT TO:<loop1@contoso.com>"
assert "1: RCPT loop1@contoso.com: 554 5.4.6 exactly" e2e_reply_is \
    "554 5.4.6 <loop1@contoso.com>: Recipient address rejected: Routing loop detected"
smtp_cmd "RCPT TO:<self@contoso.com>"
assert "1: RCPT self@contoso.com: 554 5.4.6" e2e_reply_starts "554 5.4.6 "
smtp_cmd "RCPT TO:<shared@contoso.com>"
assert "1: RCPT shared@contoso.com: 550 5.1.4 exactly" e2e_reply_is \
    "550 5.1.4 <shared@contoso.com>: Recipient address rejected: ambiguous"
# a local part that needs its quotes: Postfix hands it to the maps in its
# internal form, unquoted ("a b@contoso.com"); it is forwarded as it is
smtp_cmd "RCPT TO:<\"a b\"@contoso.com>"
assert "1: RCPT \"a b\"@contoso.com (quoted, forward_to) 250" \
    e2e_reply_starts "250"
smtp_cmd "DATA"
assert "1: DATA 354" e2e_reply_starts "354"
smtp_data_body <<'EOF'
From: Someone <someone@example.org>
To: bob@contoso.com, awong@contoso.com, carol@sales.contoso.com
Cc: nobody@contoso.com, dan.park@contoso.com
Subject: mailswitch socketmap test 1
Message-ID: <sm-1@example.org>

Inbound through the socketmap maps.
EOF
smtp_end_queued "1: end of data 250 queued"
QID[1]=$SMTP_QID

# the message: one delivery per connector (smtp: fourthcoffee.com and
# legacy.contoso.com, relay: contoso.com and sales.contoso.com)
assert "1: two deliveries at the connectors' sink within 20 s" \
    checks_wait_msgid sm-1@example.org 2
rcpts=""
via=""
bobline=""
for d in $(checks_dumps "Message-ID: <sm-1@example.org>"); do
	rcpts=$(printf '%s\n%s' "$rcpts" "$(e2e_sink_rcpts "$d")")
	via="$via $(e2e_sink_via "$d")"
	[ -z "$(checks_rcpt_args "$d" bob@fourthcoffee.com)" ] ||
	    bobline=$(checks_rcpt_args "$d" bob@fourthcoffee.com)
done
assert "1: recipients as section 1 says" \
    e2e_same "$(printf '%s\n' "$rcpts" | sed '/^$/d' | sort)" \
    "$(printf '%s\n' '<Alice.Wong@fourthcoffee.com>' \
    '<Carol.Diaz@sales.contoso.com>' '<bob@fourthcoffee.com>' \
    '<dan.park@contoso.com>' '<nobody@legacy.contoso.com>' \
    '<"a b"@legacy.contoso.com>' | sort)"
assert "1: all through the connectors, none through internet" \
    e2e_same "$via" " smtp smtp"
assert "1: bob@fourthcoffee.com keeps the DSN request: ORCPT=rfc822;bob@contoso.com NOTIFY=FAILURE" \
    e2e_same "$bobline" \
    "<bob@fourthcoffee.com> ORCPT=rfc822;bob@contoso.com NOTIFY=FAILURE"
assert "1: no X-Mailswitch trace header (milter mode only)" \
    test -z "$(for d in $(checks_dumps "Message-ID: <sm-1@example.org>"); do
	grep -i '^X-Mailswitch:' "$d" || true; done)"

# the "expanded" notice to the sender (found by the queue id it reports)
e2e_wait_for 20 grep -qF -- "X-Postfix-Queue-ID: ${QID[1]}" \
    "$E2E_TMP"/sink/msg.* || true
notice=$(grep -lF -- "X-Postfix-Queue-ID: ${QID[1]}" "$E2E_TMP"/sink/msg.* |
    head -n 1)
if [ -n "$notice" ]; then
	assert "1: notice from <> to someone@example.org" \
	    e2e_same "$(e2e_sink_mailfrom "$notice") $(e2e_sink_rcpts "$notice")" \
	    "<> <someone@example.org>"
	assert "1: notice through internet (not a switched domain)" \
	    e2e_same "$(e2e_sink_via "$notice")" internet
	assert "1: notice: Final-Recipient: rfc822; bob@contoso.com" \
	    e2e_file_has "$notice" "Final-Recipient: rfc822; bob@contoso.com"
	assert "1: notice: Action: expanded" \
	    e2e_file_has "$notice" "Action: expanded"
	assert "1: notice: <bob@contoso.com>: alias expanded" \
	    e2e_file_has "$notice" "<bob@contoso.com>: alias expanded"
	assert "1: one report only (only bob asked for SUCCESS)" \
	    test "$(grep -c '^Action:' "$notice")" -eq 1
else
	assert "1: an RFC 3461 notice to someone@example.org within 20 s" false
fi

echo "== 2. outbound: the subsidiary to the Internet and to Contoso"
checks_send 2 192.0.2.10 bob@fourthcoffee.com someone@example.org \
    dan@contoso.com <<'EOF'
From: "Bob Lee" <bob@fourthcoffee.com>
Reply-To: bob@fourthcoffee.com
To: someone@example.org, dan@contoso.com
Subject: mailswitch socketmap test 2
Message-ID: <sm-2@fourthcoffee.com>

One Internet and one internal recipient.
EOF
assert "2: two deliveries within 20 s" checks_wait_msgid sm-2@fourthcoffee.com 2
inet="" conn=""
for d in $(checks_dumps "Message-ID: <sm-2@fourthcoffee.com>"); do
	case $(e2e_sink_via "$d") in
	internet) inet=$d ;;
	*) conn=$d ;;
	esac
done
if [ -n "$inet" ]; then
	assert "2 Internet copy: RCPT <someone@example.org>" \
	    e2e_same "$(e2e_sink_rcpts "$inet")" "<someone@example.org>"
	assert "2 Internet copy: MAIL FROM:<bob@contoso.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$inet")" "<bob@contoso.com>"
	assert "2 Internet copy: From: \"Bob Lee\" <bob@contoso.com>" \
	    e2e_same "$(checks_header "$inet" From)" 'From: "Bob Lee" <bob@contoso.com>'
	assert "2 Internet copy: Reply-To: bob@contoso.com" \
	    e2e_same "$(checks_header "$inet" Reply-To)" 'Reply-To: bob@contoso.com'
	assert "2 Internet copy: To unchanged (nothing there maps)" \
	    e2e_same "$(checks_header "$inet" To)" \
	    'To: someone@example.org, dan@contoso.com'
else
	assert "2: a copy through internet" false
fi
if [ -n "$conn" ]; then
	assert "2 internal copy: RCPT <dan@contoso.com>" \
	    e2e_same "$(e2e_sink_rcpts "$conn")" "<dan@contoso.com>"
	assert "2 internal copy: MAIL FROM:<bob@fourthcoffee.com>" \
	    e2e_same "$(e2e_sink_mailfrom "$conn")" "<bob@fourthcoffee.com>"
	assert "2 internal copy: From untouched" \
	    e2e_same "$(checks_header "$conn" From)" \
	    'From: "Bob Lee" <bob@fourthcoffee.com>'
	assert "2 internal copy: Reply-To untouched" \
	    e2e_same "$(checks_header "$conn" Reply-To)" 'Reply-To: bob@fourthcoffee.com'
else
	assert "2: a copy through the connectors" false
fi

echo "== 3. outbound: by address, not by client"
checks_send 3 127.0.0.2 Alice.Wong@fourthcoffee.com partner@partner.example \
    <<'EOF'
From: Alice Wong <Alice.Wong@fourthcoffee.com>
To: partner@partner.example
Subject: mailswitch socketmap test 3
Message-ID: <sm-3@fourthcoffee.com>

From a client that is not the subsidiary's.
EOF
assert "3: delivered within 20 s" checks_wait_msgid sm-3@fourthcoffee.com 1
d=$(checks_dumps "Message-ID: <sm-3@fourthcoffee.com>" | head -n 1)
if [ -n "$d" ]; then
	assert "3: through internet" e2e_same "$(e2e_sink_via "$d")" internet
	assert "3: MAIL FROM:<alice@contoso.com> (the directory's primary)" \
	    e2e_same "$(e2e_sink_mailfrom "$d")" "<alice@contoso.com>"
	assert "3: From: Alice Wong <alice@contoso.com>" \
	    e2e_same "$(checks_header "$d" From)" 'From: Alice Wong <alice@contoso.com>'
fi

echo "== 4. the logs"
if [ "${CHECKS_FRONT:-socketmap}" = tables ]; then
	assert "mailswitch log: tables: full write ok" \
	    e2e_file_has "$CHECKS_MSLOG" "tables: full write ok"
else
	assert "mailswitch log: socketmap: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact" \
	    e2e_file_has "$CHECKS_MSLOG" \
	    "socketmap: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact"
	assert "mailswitch log: socketmap: rcpt=<awong@contoso.com> -> <Alice.Wong@fourthcoffee.com> contact" \
	    e2e_file_has "$CHECKS_MSLOG" \
	    "socketmap: rcpt=<awong@contoso.com> -> <Alice.Wong@fourthcoffee.com> contact"
	assert "mailswitch log: socketmap: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1" \
	    e2e_file_has "$CHECKS_MSLOG" \
	    "socketmap: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1"
	assert "mailswitch log: the generic rewrite of bob@fourthcoffee.com" \
	    e2e_file_has "$CHECKS_MSLOG" \
	    "socketmap: address=<bob@fourthcoffee.com> -> <bob@contoso.com>"
fi
assert "Postfix: ${QID[1]}: to=<bob@fourthcoffee.com>, orig_to=<bob@contoso.com>" \
    e2e_file_has "$CHECKS_MAILLOG" \
    "${QID[1]}: to=<bob@fourthcoffee.com>, orig_to=<bob@contoso.com>"
assert "Postfix: ${QID[2]} left through postfix/internet/smtp" \
    grep -qE "postfix/internet/smtp\[[0-9]+\]: ${QID[2]}: to=<someone@example.org>" \
    "$CHECKS_MAILLOG"
assert "Postfix logged no warning (none about the socketmap tables)" \
    test -z "$(grep -iE 'warning|socketmap.*(error|fail)' "$CHECKS_MAILLOG" |
    tee /dev/stderr)"
