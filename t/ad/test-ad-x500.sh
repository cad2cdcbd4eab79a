#!/bin/bash
# t/ad/test-ad-x500.sh -- replies to old Exchange addresses (SPEC section
# 11) against a real Active Directory domain controller (Samba's,
# t/lib/samba.sh), the X500: values as AD stores them in proxyAddresses:
#
#	test-ad-x500.sh MAILSWITCH_BINARY
#
# 1. -q over ldaps://: the template's contacts carry
#    X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob (Bob Lee) and
#    .../cn=userN: their IMCEAEX- addresses reach the contacts' targets;
#    an unknown one gets 550 5.1.1 in sales.contoso.com, local@forward_to
#    in contoso.com.
# 2. Added over LDAPS as a migration leaves them: Bob Lee's legacy DN of
#    SPEC section 11's example, with spaces and parentheses, as a second
#    X500: value; Dan Park (a recipient without a target, as a mailbox
#    user is to mailswitch) with an x500: one; the two long contacts of
#    t/e2e/x500-checks.sh (a DN of 999 characters: AD holds 1123 a value).
#    Then x500-checks.sh's checks through the private Postfix: in milter
#    mode on the ldap back-end, in socketmap mode on the replica (paged
#    full load by uSNChanged).
# Needs root, Postfix, Samba (t/run-tests.sh installs it).
set -eu
. "$(dirname "$0")/lib.sh"
. "$AD_LIB_DIR/../e2e/x500-checks.sh"
ad_test_init "$0" "$@"
unknown_550="550 5.1.1 <IMCEAEX-_O=CONTOSO_CN=NOBODY@sales.contoso.com>: Recipient address rejected: User unknown"

# q_is CONF ADDRESS RC OUTPUT WHAT: -q ADDRESS exits RC printing OUTPUT
q_is()
{
	q_run "$1" "$2"
	assert "$5: -q ${2:0:70}... -> $3 $4" is "$Q_RC $Q_OUT" "$3 $4"
}

echo "== 1. -q, the template's X500: values"
ldaps=$(ad_conf ldaps "ldaps://127.0.0.1/")
q_is "$ldaps" "IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com" \
    0 bob@fourthcoffee.com "Bob Lee's X500: value"
q_is "$ldaps" "imceaex-_O=FOURTHCOFFEE_OU=EXCHANGE_CN=RECIPIENTS_CN=USER1999@sales.contoso.com" \
    0 user1999@fourthcoffee.com "the last generated contact's, in capitals"
q_is "$ldaps" "IMCEAEX-_O=CONTOSO_CN=NOBODY@sales.contoso.com" 67 \
    "$unknown_550" "unknown, authoritative domain"
q_is "$ldaps" "IMCEAEX-_O=CONTOSO_CN=NOBODY@contoso.com" 0 \
    "IMCEAEX-_O=CONTOSO_CN=NOBODY@legacy.contoso.com" "unknown, forward_to"

echo "== 2. as a migration leaves them: long ones, spaces, parentheses"
{
	printf '%s\n' "dn: CN=Bob Lee,OU=Contacts,$SAMBA_BASE" \
	    "changetype: modify" "add: proxyAddresses" \
	    "proxyAddresses: X500:/o=FourthCoffee/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Bob" \
	    "" "dn: CN=Dan Park,OU=Contacts,$SAMBA_BASE" "objectClass: contact" \
	    "proxyAddresses: SMTP:dan@contoso.com" \
	    "proxyAddresses: x500:/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=dpark"
	x500_ldif_entries contact
} | samba_modify || e2e_die "ldapmodify failed: $(tail -n 5 "$SAMBA_TMP/modify.log")"
assert "the DC holds the 999-character DN as it was given" has \
    "$(samba_search '(cn=Longest)' proxyAddresses)" "proxyAddresses: X500:$X5_LONGEST_DN"
q_is "$ldaps" "$X5_BOB" 0 bob@fourthcoffee.com "SPEC's example"

x500_run milter "$MS" "$ldaps"
replica=$(ad_conf replica "ldaps://127.0.0.1/" connections=2 \
    "replica={ enabled = true; poll = 1; change_attribute = \"uSNChanged\"; page_size = 1000; }")
x500_run socketmap "$MS" "$replica"

if ! assert_summary; then
	x500_show_logs
	exit 1
fi
