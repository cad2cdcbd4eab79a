#!/bin/bash
# t/ldap/test-query.sh -- mailswitch -q on the ldap back-end, a table:
#
#	test-query.sh MAILSWITCH_BINARY
#
# One slapd with the example directory.  Each row: an address as given to
# -q, the exit status and the start of the line printed.  Case variations
# of proxy addresses, missing entries (rejected in the authoritative
# domain, forwarded in the shared one), and LDAP filter injection through
# addresses the RFC 5321 parser accepts: "*" is an atext character, and a
# quoted local part may hold ( ) = \ -- none of them may match anything, or
# break the search (a broken filter would be a 451).  In the table,
# "\\\\" is one backslash in the local part: the here-document halves it,
# then the quoted-pair does.  Needs root (t/e2e helpers).
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

slapd_start one
conf=$T/mailswitch.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=2.0

u="Recipient address rejected: User unknown"
# address | status | output starts with
while IFS='|' read -r addr want_rc want_out; do
	[ -n "$addr" ] || continue
	q_run "$conf" "$addr"
	assert "-q $addr: $want_rc $want_out" \
	    starts "$Q_RC $Q_OUT" "$want_rc $want_out"
done <<EOF
bob@contoso.com|0|bob@fourthcoffee.com
BOB@CONTOSO.COM|0|bob@fourthcoffee.com
Bob.Lee@Contoso.Com|0|bob@fourthcoffee.com
"bob"@contoso.com|0|bob@fourthcoffee.com
aWong@contoso.com|0|Alice.Wong@fourthcoffee.com
CAROL@SALES.CONTOSO.COM|0|Carol.Diaz@sales.contoso.com
carol.diaz@sales.contoso.com|0|carol.diaz@sales.contoso.com
ZM@contoso.com|0|zoe.mueller@fourthcoffee.com
erin@contoso.com|0|erin@fourthcoffee.com
loop1@contoso.com|67|554 5.4.6 <loop1@contoso.com>: Routing loop detected
shared@contoso.com|67|550 5.1.4 <shared@contoso.com>: Recipient address rejected: ambiguous
nobody@sales.contoso.com|67|550 5.1.1 <nobody@sales.contoso.com>: $u
nobody@contoso.com|0|nobody@legacy.contoso.com
*@sales.contoso.com|67|550 5.1.1 <*@sales.contoso.com>: $u
*@contoso.com|0|*@legacy.contoso.com
*@fourthcoffee.com|0|*@fourthcoffee.com
carol*@sales.contoso.com|67|550 5.1.1 <carol*@sales.contoso.com>: $u
*carol@sales.contoso.com|67|550 5.1.1 <*carol@sales.contoso.com>: $u
"*"@sales.contoso.com|67|550 5.1.1
"a)(proxyAddresses=*"@sales.contoso.com|67|550 5.1.1
"carol)(cn=*"@sales.contoso.com|67|550 5.1.1
"*)(objectClass=*"@sales.contoso.com|67|550 5.1.1
"x\\\\2a"@sales.contoso.com|67|550 5.1.1
"carol\\\\40sales.contoso.com"@sales.contoso.com|67|550 5.1.1
"bob\\\\"@contoso.com|0|"bob\\\\"@legacy.contoso.com
"smtp:carol"@sales.contoso.com|67|550 5.1.1
EOF

assert "slapd saw no malformed filter" \
    test -z "$(grep -i 'bad search filter\|err=87' "$T/one/slapd.log")"
assert "slapd answered every search with success" \
    test -z "$(grep 'SEARCH RESULT' "$T/one/slapd.log" | grep -v 'err=0 ')"

if ! assert_summary; then
	exit 1
fi
