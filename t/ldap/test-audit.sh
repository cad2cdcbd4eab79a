#!/bin/bash
# t/ldap/test-audit.sh -- mailswitch -A on the ldap back-end (SPEC section
# 11), against a private slapd:
#
#	test-audit.sh MAILSWITCH_BINARY
#
# 1. slapd holds the seeds of t/lib/audit-seeds.sh (one case of every
#    kind of finding among clean entries): -A prints exactly those
#    findings, in order, exits 1, and says on stderr how many entries it
#    read and what it found; the same with page_size 3 (six pages, as the
#    replica's full load reads them) and with the replica enabled (-A
#    starts no replica: it reads the directory once, itself); slapd's log
#    shows the paged search.
#    With directory.ldap.range_size, which slapd does not know (it drops
#    the attribute asked for in a range): 75, naming range_size, never a
#    directory that looks clean.
# 2. slapd stopped: -A exits 75 and says the directory fails.
# 3. A bad configuration (an attribute name no filter may hold): 78 with
#    FILE:LINE.
# Needs root (the slapd helpers), slapd, slapadd, openssl.
set -eu
. "$(dirname "$0")/lib.sh"
. "$LDAP_LIB_DIR/../lib/audit-seeds.sh"
ldap_test_init "$@"

contacts="ou=contacts,$SLAPD_BASE"
users="ou=users,$SLAPD_BASE"
{
	printf '%s\n' "dn: $SLAPD_BASE" "objectClass: dcObject" \
	    "objectClass: organization" "dc: contoso" "o: Contoso" "" \
	    "dn: $contacts" "objectClass: organizationalUnit" "ou: contacts" \
	    "" "dn: $users" "objectClass: organizationalUnit" "ou: users"
	audit_seeds_ldif "$contacts" "$users" cn inetOrgPerson \
	    mailswitchRecipient
} >"$T/seeds.ldif"
slapd_start one --ldif "$T/seeds.ldif"

outbound='outbound = { clients = [ "192.0.2.0/24" ]; lookup = true;
  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; } ); };'
conf=$T/audit.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=2.0
echo "$outbound" >>"$conf"
paged=$T/audit-paged.conf
slapd_mailswitch_conf "$paged" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    "replica={ page_size = 3; }"
echo "$outbound" >>"$paged"
replica=$T/audit-replica.conf
slapd_mailswitch_conf "$replica" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    "replica={ enabled = true; page_size = 5; }"
echo "$outbound" >>"$replica"
audit_seeds_expected "$contacts" "$users" cn >"$T/want"

echo "== 1. the seeds"
for c in "$conf" "$paged" "$replica"; do
	name=$(basename "$c" .conf)
	audit_run "$c"
	assert "$name: -A exits 1" is "$A_RC" 1
	assert "$name: exactly the seeded findings, in order" audit_same "$T/want" "$T/got"
	assert "$name: stderr: 16 entries and the counts" is "$A_ERR" \
	    "mailswitch: audit of 16 entries (${SLAPD_URI[one]}): 2 ambiguous, 2 loop, 1 unroutable, 1 collision, 3 malformed, 1 unconfigured"
done
# one page, six pages of 3, four of 5
assert "slapd was asked page by page (11 searches for one page each)" \
    test "$(grep -c 'filter="(|(proxyAddresses=\*)(targetAddress=\*))"' \
    "$SLAPD_TMP/one/slapd.log")" -eq 11
# OpenLDAP knows no ranged values: it drops proxyAddresses asked for as
# "proxyAddresses;range=0-99", and an entry found by it comes without it
ranged=$T/audit-ranged.conf
slapd_mailswitch_conf "$ranged" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    range_size=100
echo "$outbound" >>"$ranged"
audit_run "$ranged"
assert "range_size on a server without ranges: -A exits 75" is "$A_RC" 75
assert "... and says why, not a clean audit" has "$A_ERR" \
    "but sent none of their values (directory.ldap.range_size is set: does the server know ranged values?)"

echo "== 2. slapd stopped"
slapd_stop one
audit_run "$conf"
assert "slapd stopped: -A exits 75" is "$A_RC" 75
assert "slapd stopped: nothing on stdout" test ! -s "$T/got"
assert "slapd stopped: it says the directory fails" has "$A_ERR" \
    "mailswitch: audit: the directory fails: "

echo "== 3. a bad configuration"
sed 's/^directory = {/directory = {\n  proxy_attribute = "proxy)(x";/' \
    "$conf" >"$T/bad.conf"
audit_run "$T/bad.conf"
assert "an attribute name no filter may hold: -A exits 78" is "$A_RC" 78
assert "... with FILE:LINE" has "$A_ERR" \
    "$T/bad.conf:7: bad attribute name 'proxy)(x'"

assert_summary
