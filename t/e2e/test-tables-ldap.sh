#!/bin/bash
# t/e2e/test-tables-ldap.sh -- the tables mode with the replica (SPEC
# section 9): a private slapd (t/lib/slapd.sh, contrib/ldap/contacts.ldif),
# mailswitch on the ldap back-end with the replica polling every second
# (max_age 4 s) and writing the lmdb tables, a private Postfix deciding
# from them (contrib/postfix/main-tables.cf, master-tables.cf):
#
#	test-tables-ldap.sh MAILSWITCH_BINARY
#
# Each change in the directory reaches Postfix within seconds, through
# an update of the tables (not a full write), logged key by key:
#
#   1. a contact added in the authoritative domain: refused (550 5.1.1)
#      before; in the virtual table within poll + 3 s of the ldapmodify
#      (postmap -q, the time printed); accepted and rewritten after;
#   2. a chain's last link retargeted (erin.old@contoso.com): mail to
#      erin@contoso.com, whose chain goes through it, goes to the new
#      target -- a key that did not change itself, decided again because
#      its decision read one that did;
#   3. a contact deleted: refused (550 5.1.1) after;
#   4. slapd stopped past max_age: the tables are written again with not
#      found as try again -- an unknown address of the authoritative
#      domain gets 451 4.3.0, not 550, a known contact is still accepted
#      and rewritten; slapd back: 550 again;
#   5. every message accounted for, none of Postfix's processes restarted
#      for a table change, no warning in Postfix's log, mailswitch stopped
#      without a sanitizer report.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root,
# slapd and Postfix's lmdb table (Debian: postfix-lmdb).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/ldap.sh"

e2e_ldap_init "$@"

tables=$E2E_TMP/tables
mkdir -p "$tables"
chown nobody "$tables"
slapd_start one
e2e_ldap_conf "$E2E_TMP/ldap.conf" \
    "replica={ enabled = true; poll = 1; max_age = 4; syncrepl = \"off\"; }"
{
	echo "socket = \"\";"
	echo "tables = { path = \"$tables\"; };"
	sed -e '/^socket = /d' -e 's/^log_level = .*/log_level = "info";/' \
	    "$E2E_TMP/ldap.conf"
	cat <<'EOF'
outbound = {
  clients = [ "192.0.2.0/24" ];
  lookup = true;
  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; } );
};
EOF
} >"$E2E_TMP/mailswitch.conf"
MSLOG=$E2E_TMP/mailswitch.log
"$bin" -f -c "$E2E_TMP/mailswitch.conf" -u nobody >"$MSLOG" 2>&1 &
E2E_MAILSWITCH_PID=$!
e2e_wait_for 30 grep -q 'tables: full write ok' "$MSLOG" ||
    { cat "$MSLOG" >&2; e2e_die "no tables written"; }
assert "the first write is the replica's copy (16 entries)" \
    grep -q 'tables: full write ok: 16 directory entries' "$MSLOG"

e2e_sink_start
e2e_sink_start internet
e2e_postfix_start_tables "$tables"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, tables in $tables," \
    "slapd ${SLAPD_URI[one]}"

# rcpt_reply ADDR: the reply to RCPT TO:<ADDR> (the session then quits)
rcpt_reply()
{
	smtp_rcpt_from "" "$1"
	echo "$RCPT_REPLY"
}
# reply_is ADDR PREFIX: true when RCPT TO:<ADDR> is answered PREFIX...
reply_is()
{
	case $(rcpt_reply "$1") in
	"$2"*) return 0 ;;
	esac
	return 1
}
# e2e_sink_find_q STRING: a dump has a line with STRING
e2e_sink_find_q() { [ -n "$(e2e_sink_find "$1")" ]; }
# delivered_to NAME RCPT WANT: a message to RCPT is delivered to WANT
declare -A SENT
delivered_to()
{
	local id="tables-ldap-$1@example.org" d got
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	smtp_cmd "RCPT TO:<$2>"
	smtp_cmd "DATA"
	printf 'Subject: %s\r\nMessage-ID: <%s>\r\n\r\nbody\r\n.\r\n' "$1" \
	    "$id" >&5
	smtp_read
	smtp_cmd "QUIT"
	smtp_close
	SENT[$1]=1
	e2e_wait_for 20 e2e_sink_find_q "Message-ID: <$id>" ||
	    { echo "    $1: not delivered" >&2; return 1; }
	d=$(e2e_sink_find "Message-ID: <$id>")
	got=$(e2e_sink_rcpts "$d")
	e2e_same "$got" "<$3>"
}

echo "== 1. a contact added"
assert "1: before: newbie@sales.contoso.com 550 5.1.1" \
    reply_is newbie@sales.contoso.com "550 5.1.1"
slapd_modify one <<'LDIF'
dn: cn=New Bie,ou=contacts,dc=contoso,dc=com
objectClass: inetOrgPerson
objectClass: mailswitchRecipient
cn: New Bie
sn: Bie
proxyAddresses: SMTP:newbie@sales.contoso.com
targetAddress: SMTP:newbie@fourthcoffee.com
LDIF
# the change in the virtual table within poll (1 s) + 3 s: the next
# poll, the 200 ms tick and the write, with room for a loaded machine
in_virtual()
{
	[ "$(postmap -c "$E2E_POSTFIX_DIR" -q newbie@sales.contoso.com \
	    "lmdb:$tables/virtual" 2>/dev/null)" = "newbie@fourthcoffee.com" ]
}
t0=$(date +%s%N)
until in_virtual || [ $(( $(date +%s%N) - t0 )) -gt 10000000000 ]; do
	sleep 0.05
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "    the new contact was in the virtual table after $ms ms"
assert "1: in the virtual table within poll + 3 s (${ms} ms)" \
    test "$ms" -le 4000
assert "1: after: 250" reply_is newbie@sales.contoso.com "250"
assert "1: delivered to newbie@fourthcoffee.com" \
    delivered_to 1 newbie@sales.contoso.com newbie@fourthcoffee.com
assert "1: logged: tables: rcpt=<newbie@sales.contoso.com> -> <newbie@fourthcoffee.com> contact" \
    e2e_file_has "$MSLOG" \
    "tables: rcpt=<newbie@sales.contoso.com> -> <newbie@fourthcoffee.com> contact"
assert "1: an update, not a full write" \
    grep -q 'tables: update ok: ' "$MSLOG"

echo "== 2. a chain's last link retargeted"
assert "2: before: erin@contoso.com to erin@fourthcoffee.com" \
    delivered_to 2a erin@contoso.com erin@fourthcoffee.com
slapd_modify one <<'LDIF'
dn: cn=Erin Old,ou=contacts,dc=contoso,dc=com
changetype: modify
replace: targetAddress
targetAddress: SMTP:erin.new@fourthcoffee.com
LDIF
assert "2: the update reaches erin@contoso.com within 10 s" \
    e2e_wait_for 10 grep -q \
    'tables: rcpt=<erin@contoso.com> -> <erin.new@fourthcoffee.com> contact' \
    "$MSLOG"
assert "2: after: erin@contoso.com to erin.new@fourthcoffee.com" \
    delivered_to 2b erin@contoso.com erin.new@fourthcoffee.com

echo "== 3. a contact deleted"
slapd_modify one <<'LDIF'
dn: cn=Frank Moss,ou=contacts,dc=contoso,dc=com
changetype: delete
LDIF
assert "3: within 10 s: frank@sales.contoso.com 550 5.1.1" \
    e2e_wait_for 10 reply_is frank@sales.contoso.com "550 5.1.1"

echo "== 4. the directory down past max_age"
n=$(grep -c 'tables: full write ok' "$MSLOG")
slapd_stop one
# more_full N: more than N full writes logged
more_full() { [ "$(grep -c 'tables: full write ok' "$MSLOG")" -gt "$1" ]; }
assert "4: the tables written again past max_age within 15 s" \
    e2e_wait_for 15 more_full "$n"
assert "4: logged: older than max_age" \
    e2e_file_has "$MSLOG" "tables: the directory's copy is older than max_age"
assert "4: nobody@sales.contoso.com: 451 4.3.0, not 550" \
    e2e_same "$(rcpt_reply nobody@sales.contoso.com)" \
    "451 4.3.0 <nobody@sales.contoso.com>: Recipient address rejected: Temporary lookup failure"
assert "4: a contact still goes to its target" \
    delivered_to 4 bob@contoso.com bob@fourthcoffee.com
n=$(grep -c 'tables: full write ok' "$MSLOG")
slapd_restart one
assert "4: slapd back: the tables written again within 15 s" \
    e2e_wait_for 15 more_full "$n"
assert "4: nobody@sales.contoso.com: 550 5.1.1 again" \
    reply_is nobody@sales.contoso.com "550 5.1.1"
assert "4: logged: current again" \
    e2e_file_has "$MSLOG" "tables: the directory's copy is current again"

echo "== 5. the rest"
assert "5: the ${#SENT[@]} messages accepted were delivered once each" \
    test "$(e2e_sink_count)" -eq "${#SENT[@]}"
assert "5: no Postfix process restarted for a table change" \
    test -z "$(grep 'has changed -- restarting' "$E2E_TMP/postfix/maillog" |
    tee /dev/stderr)"
assert "5: Postfix logged no warning" \
    test -z "$(grep -i 'warning' "$E2E_TMP/postfix/maillog" |
    tee /dev/stderr)"
assert "5: mailswitch stopped without a sanitizer report" \
    e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
