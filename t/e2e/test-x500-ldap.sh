#!/bin/bash
# t/e2e/test-x500-ldap.sh -- replies to old Exchange addresses (SPEC
# section 11) end to end on the ldap back-end: a private slapd
# (t/lib/slapd.sh, contrib/ldap/contacts.ldif and the two long contacts
# of t/e2e/x500-checks.sh), without and with the replica, each through the
# private Postfix in milter mode and in socketmap mode:
#
#	test-x500-ldap.sh MAILSWITCH_BINARY
#
# The lookups are (proxyAddresses=x500:<dn>) searches on slapd without
# the replica (checked in slapd's log), answers from memory with it.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/ldap.sh"
. "$here/x500-checks.sh"

e2e_ldap_init "$@"

{
	cat "$E2E_TOP/contrib/ldap/contacts.ldif"
	x500_ldif_entries top inetOrgPerson mailswitchRecipient
} >"$E2E_TMP/contacts.ldif"
slapd_start one --ldif "$E2E_TMP/contacts.ldif"
e2e_ldap_conf "$E2E_TMP/ldap.conf"
e2e_ldap_conf "$E2E_TMP/ldap-replica.conf" \
    "replica={ enabled = true; poll = 1; page_size = 3; }"
echo "slapd on ${SLAPD_URI[one]}"

echo "== -q"
assert "-q of SPEC's example: bob@fourthcoffee.com" e2e_same \
    "$("$bin" -c "$E2E_TMP/ldap.conf" -q "$X5_BOB")" "bob@fourthcoffee.com"
assert "slapd was asked for the X500 value, escaped (RFC 4515)" \
    grep -qiF 'filter="(proxyAddresses=x500:/o=fourthcoffee/ou=exchange administrative group \28fydibohf23spdlt\29/cn=recipients/cn=bob)"' \
    "$SLAPD_TMP/one/slapd.log"

x500_run milter "$bin" "$E2E_TMP/ldap.conf"
x500_run socketmap "$bin" "$E2E_TMP/ldap.conf"
asked=$(grep -ciF 'filter="(proxyAddresses=x500:' "$SLAPD_TMP/one/slapd.log")
x500_run milter "$bin" "$E2E_TMP/ldap-replica.conf"
x500_run socketmap "$bin" "$E2E_TMP/ldap-replica.conf"
assert "with the replica, slapd was not asked for an X500 value" test \
    "$(grep -ciF 'filter="(proxyAddresses=x500:' "$SLAPD_TMP/one/slapd.log")" \
    -eq "$asked"

if ! assert_summary; then
	x500_show_logs
	exit 1
fi
