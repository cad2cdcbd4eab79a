#!/bin/bash
# t/ldap/test-values.sh -- many values of one attribute, on OpenLDAP:
#
#	test-values.sh MAILSWITCH_BINARY
#
# One slapd with the example directory plus "Big List", a contact with
# 1,600 proxy addresses (what Active Directory would send in ranges,
# t/ad/test-ad-entries.sh; slapd sends them all).
# 1. directory.ldap.range_size 0 (the default: ask plainly): -q finds the
#    1,600th address, -Q the contact's primary address by its target, and
#    the replica answers for the 1,600th too.
# 2. range_size 100 on slapd, which knows no ranged values and drops an
#    attribute asked for with a range option: every lookup that finds an
#    entry fails as a directory error naming range_size (-q 75, the 451
#    line), never "not found" (which an authoritative domain would answer
#    550); an address no entry holds is still 550.
# 3. The replica with range_size 100 there: its full load gets every
#    entry without its addresses, and fails, naming range_size, rather
#    than take them so (an empty copy would answer 5.1.1 for every
#    contact); meanwhile the socketmap answers as the lookups above do:
#    TEMP, never NOTFOUND.
# Needs root (t/e2e helpers).
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

ldif=$T/big.ldif
{
	cat "$SLAPD_TOP/contrib/ldap/contacts.ldif"
	echo
	printf '%s\n' "dn: cn=Big List,ou=contacts,$SLAPD_BASE" \
	    "objectClass: inetOrgPerson" "objectClass: mailswitchRecipient" \
	    "cn: Big List" "sn: List" "proxyAddresses: SMTP:big@contoso.com"
	for k in $(seq 1 1599); do
		echo "proxyAddresses: smtp:big$k@contoso.com"
	done
	echo "targetAddress: SMTP:big@fourthcoffee.com"
} >"$ldif"
slapd_start one --ldif "$ldif"
u550="550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"

# conf NAME [KEY=VALUE...] -- $T/NAME.conf on slapd one, with the outbound
# rule of the example; prints its path
conf()
{
	local name=$1
	shift
	slapd_mailswitch_conf "$T/$name.conf" "\"${SLAPD_URI[one]}\"" \
	    timeout=2.0 "$@"
	printf '%s\n' 'outbound = { clients = [ "192.0.2.0/24" ];' \
	    '  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; } ); };' \
	    >>"$T/$name.conf"
	echo "$T/$name.conf"
}

echo "== 1. range_size 0: all 1,600 values, asked plainly"
c=$(conf plain)
q_run "$c" big1599@contoso.com
assert "-q big1599@contoso.com (the 1,600th)" \
    is "$Q_RC $Q_OUT" "0 big@fourthcoffee.com"
set +e
out=$(timeout 30 "$MS" -c "$c" -Q big@fourthcoffee.com -a 192.0.2.7 2>&1)
rc=$?
set -e
assert "-Q big@fourthcoffee.com: its primary address" \
    is "$rc $out" "0 big@contoso.com"
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"
replica_conf "$T/replica.conf" one "enabled = true; poll = 1; syncrepl = \"off\";"
replica_start "$T/replica.conf"
assert "replica: full sync ok (within 20 s)" \
    log_wait_since 0 20 "replica: full sync ok: "
assert "replica: virtual big1599@contoso.com" \
    smap_is virtual big1599@contoso.com "OK big@fourthcoffee.com"
assert "no sanitizer report in the replica's log" e2e_mailswitch_sane

echo "== 2. range_size 100 on a server that knows no ranges"
c=$(conf ranged range_size=100)
q_run "$c" bob@contoso.com
assert "-q bob@contoso.com: 75, the 451 line (not 'not found')" \
    is "$Q_RC $Q_OUT" "75 451 4.3.0 <bob@contoso.com>: Temporary lookup failure"
assert "... naming range_size" has "$Q_ERR" \
    "the server found it by proxyAddresses but sent none of its values (directory.ldap.range_size is set"
q_run "$c" nobody@sales.contoso.com
assert "-q nobody@sales.contoso.com: still 550" is "$Q_RC $Q_OUT" "67 $u550"

echo "== 3. range_size 100 on it, the replica: no copy without addresses"
replica_conf "$T/replica-ranged.conf" one \
    "enabled = true; poll = 1; syncrepl = \"off\";"
sed -i 's/^    connections = 2;$/&\n    range_size = 100;/' "$T/replica-ranged.conf"
grep -q '^    range_size = 100;$' "$T/replica-ranged.conf" ||
    e2e_die "no range_size in $T/replica-ranged.conf"
replica_start "$T/replica-ranged.conf"
assert "replica: the full sync fails, naming range_size (within 20 s)" \
    log_wait_since 0 20 "but sent none of their values (directory.ldap.range_size is set"
if log_has_since 0 "full sync ok"; then
	assert_fail "replica: no full sync ok"
else
	assert_pass "replica: no full sync ok"
fi
smap_query virtual bob@contoso.com
assert_is "replica: socketmap virtual bob@contoso.com: TEMP, not NOTFOUND" \
    "${SMAP_REPLY%% *}" TEMP
assert "... naming range_size" has "$SMAP_REPLY" \
    "(directory.ldap.range_size is set"
assert "no sanitizer report in the replica's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
