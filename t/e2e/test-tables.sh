#!/bin/bash
# t/e2e/test-tables.sh -- the tables mode end to end through a private
# Postfix, ldif back-end: Postfix decides from its own lmdb tables, which
# mailswitch writes, exactly as with the socketmap:
#
#	test-tables.sh MAILSWITCH_BINARY
#
# mailswitch runs with t/milter/mailswitch-test.conf (etc/contacts.ldif,
# a copy of it here) with no milter, no socketmap and tables = { path =
# DIR; } -- less the wildcard outbound rule, which Postfix's generic table
# cannot hold; Postfix with contrib/postfix/main-tables.cf, master-tables.cf
# and transport (t/lib/postfix.sh: e2e_postfix_start_tables).
#
#   0. Postfix before the tables exist: RCPT is deferred (451 4.3.5), and
#      stays so in the processes that saw no table until they restart
#      (postfix reload) -- README says to start mailswitch first;
#   1-4. the checks of t/e2e/socketmap-checks.sh (CHECKS_FRONT=tables): DSN
#      kept through the rewrite and the "expanded" notice, the refusals at
#      RCPT with the section 1 texts, the contacts, canonicalize,
#      forward_to (a quoted local part too), the outbound rewrite on the
#      Internet transport only, Postfix's log without a warning;
#   5. a change of the export and a SIGHUP: a new contact in the
#      authoritative domain, refused before, is accepted and rewritten, a
#      removed one is refused, a retargeted one goes to its new target --
#      through the same Postfix processes (the tables change in place:
#      none logs "has changed -- restarting");
#   6. mailswitch stopped without a sanitizer report.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root and
# Postfix's lmdb table (Debian: postfix-lmdb).
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init postmap
tables=$E2E_TMP/tables
mkdir -p "$tables"
chown nobody "$tables"
cp "$E2E_TOP/etc/contacts.ldif" "$E2E_TMP/contacts.ldif"
chmod 644 "$E2E_TMP/contacts.ldif"
{
	echo "socket = \"\";"
	echo "socketmap = \"\";"
	echo "tables = { path = \"$tables\"; };"
	sed -e '/^[ \t]*socket[ \t]*=/d' \
	    -e "s|path = \"../../etc/contacts.ldif\"|path = \"$E2E_TMP/contacts.ldif\"|" \
	    -e 's|^\(  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; }\),$|\1 );|' \
	    -e '/from = "\*\.fourthcoffee\.com"/d' \
	    "$E2E_TOP/t/milter/mailswitch-test.conf"
} >"$E2E_TMP/mailswitch.conf"
grep -q "path = \"$E2E_TMP/contacts.ldif\"" "$E2E_TMP/mailswitch.conf" &&
    ! grep -q '\*\.fourthcoffee' "$E2E_TMP/mailswitch.conf" ||
    e2e_die "cannot derive the configuration from mailswitch-test.conf"
"$bin" -c "$E2E_TMP/mailswitch.conf" -n ||
    e2e_die "the derived configuration does not load"

# writes: the lines "tables: ... write ok" in mailswitch's log so far;
# more_writes N: true when there are more than N
writes() { grep -c 'tables: .* ok:' "$E2E_TMP/mailswitch.log" || true; }
more_writes() { [ "$(writes)" -gt "$1" ]; }

e2e_sink_start
e2e_sink_start internet
e2e_postfix_start_tables "$tables"
postconf -c "$E2E_POSTFIX_DIR" -m | grep -qx lmdb ||
    e2e_die "Postfix has no lmdb table (install postfix-lmdb)"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, tables in $tables," \
    "smtp-sink on $E2E_SINK_PORT (connectors) and $E2E_INET_PORT (internet)"

echo "== 0. Postfix before the tables exist"
smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
smtp_cmd "RCPT TO:<bob@contoso.com>"
assert "0: RCPT without tables: 451 4.3.5 (deferred, nothing accepted)" \
    e2e_reply_starts "451 4.3.5"
smtp_cmd "QUIT"
smtp_close

: >"$E2E_TMP/mailswitch.log"
"$bin" -f -c "$E2E_TMP/mailswitch.conf" -u nobody \
    >>"$E2E_TMP/mailswitch.log" 2>&1 &
E2E_MAILSWITCH_PID=$!
e2e_wait_for 20 grep -q 'tables: full write ok' "$E2E_TMP/mailswitch.log" ||
    { cat "$E2E_TMP/mailswitch.log" >&2; e2e_die "no tables written"; }
assert "0: the three tables, readable by Postfix (postmap -q)" \
    e2e_same "$(postmap -c "$E2E_POSTFIX_DIR" -q bob@contoso.com \
    "lmdb:$tables/virtual") $(postmap -c "$E2E_POSTFIX_DIR" -q \
    sales.contoso.com "lmdb:$tables/access") $(postmap -c \
    "$E2E_POSTFIX_DIR" -q bob@fourthcoffee.com "lmdb:$tables/generic")" \
    "bob@fourthcoffee.com 550 5.1.1 User unknown bob@contoso.com"
# the processes that opened no table keep failing until they restart;
# their warnings stay apart (socketmap-checks wants none from here on)
e2e_postfix_reload
cp "$E2E_TMP/postfix/maillog" "$E2E_TMP/maillog.0"
: >"$E2E_TMP/postfix/maillog"
assert "0: Postfix said why it deferred: the table is unavailable" \
    e2e_file_has "$E2E_TMP/maillog.0" "lmdb:$tables/access is unavailable"

CHECKS_FRONT=tables
. "$E2E_LIB_DIR/socketmap-checks.sh"

echo "== 5. the export changes: SIGHUP, the tables follow in place"
# newbie@sales.contoso.com: unknown (550) before
smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
smtp_cmd "RCPT TO:<newbie@sales.contoso.com>"
assert "5: before: newbie@sales.contoso.com 550 5.1.1" \
    e2e_reply_starts "550 5.1.1"
smtp_cmd "QUIT"
smtp_close
n=$(writes)
awk 'BEGIN { skip = 0 }
    /^dn: cn=Frank Moss,/ { skip = 1 }
    /^$/ { skip = 0 }
    !skip { print }' "$E2E_TOP/etc/contacts.ldif" |
    sed 's/^targetAddress: SMTP:Alice.Wong@fourthcoffee.com$/targetAddress: SMTP:alice.w@fourthcoffee.com/' \
    >"$E2E_TMP/contacts.ldif.new"
cat >>"$E2E_TMP/contacts.ldif.new" <<'LDIF'

dn: cn=New Bie,ou=contacts,dc=contoso,dc=com
objectClass: contact
cn: New Bie
proxyAddresses: SMTP:newbie@sales.contoso.com
targetAddress: SMTP:newbie@fourthcoffee.com
LDIF
mv "$E2E_TMP/contacts.ldif.new" "$E2E_TMP/contacts.ldif"
chmod 644 "$E2E_TMP/contacts.ldif"
kill -HUP "$E2E_MAILSWITCH_PID"
assert "5: a full write after the SIGHUP within 10 s" \
    e2e_wait_for 10 more_writes "$n"
checks_send 5 203.0.113.7 someone@example.org newbie@sales.contoso.com \
    alice@contoso.com <<'EOF'
From: Someone <someone@example.org>
To: newbie@sales.contoso.com, alice@contoso.com
Subject: mailswitch tables test 5
Message-ID: <tables-5@example.org>

After the change.
EOF
assert "5: delivered within 20 s" checks_wait_msgid tables-5@example.org 1
rcpts=""
for d in $(checks_dumps "Message-ID: <tables-5@example.org>"); do
	rcpts=$(printf '%s\n%s' "$rcpts" "$(e2e_sink_rcpts "$d")")
done
assert "5: the new contact and the new target" \
    e2e_same "$(printf '%s\n' "$rcpts" | sed '/^$/d' | sort)" \
    "$(printf '%s\n' '<alice.w@fourthcoffee.com>' \
    '<newbie@fourthcoffee.com>' | sort)"
smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<someone@example.org>"
smtp_cmd "RCPT TO:<frank@sales.contoso.com>"
assert "5: after: frank@sales.contoso.com (removed) 550 5.1.1" \
    e2e_reply_is "550 5.1.1 <frank@sales.contoso.com>: Recipient address rejected: User unknown"
smtp_cmd "QUIT"
smtp_close
assert "5: no Postfix process restarted for a table change" \
    test -z "$(grep 'has changed -- restarting' "$CHECKS_MAILLOG" |
    tee /dev/stderr)"

assert "6: mailswitch stopped without a sanitizer report" \
    e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
