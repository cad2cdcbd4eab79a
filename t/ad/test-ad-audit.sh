#!/bin/bash
# t/ad/test-ad-audit.sh -- mailswitch -A (SPEC section 11) against a real
# Active Directory domain controller (Samba's, t/lib/samba.sh):
#
#	test-ad-audit.sh MAILSWITCH_BINARY
#
# 1. The template's 2,005 recipients (2,000 contacts with X500: values,
#    one with 1,600 proxy addresses, Exchange 2010-style contacts, a
#    mailbox user) hold nothing wrong: -A over ldaps:// as the ordinary
#    bind account exits 0 with no finding, paged (page_size 1000, AD's
#    MaxPageSize), the continuation references skipped.
# 2. The seeds of t/lib/audit-seeds.sh added over LDAPS (contacts in
#    OU=Contacts, the users among them as recipients without a target),
#    and "Big Dup" holding the last of Big List's 1,600 addresses (every
#    value of an entry is read): exactly their findings, in order, exit 1;
#    the counts on stderr.  The same with the values asked for in ranges
#    (directory.ldap.range_size 1500, AD's MaxValRange, and 100): Big List
#    comes back as "proxyAddresses;range=0-1499" (or 0-99) and is read
#    whole by further requests, so its 1,600th address is still found.
# 3. The DC stopped: 75.
# Needs root, Postfix, Samba (t/run-tests.sh installs it).
set -eu
. "$(dirname "$0")/lib.sh"
. "$AD_LIB_DIR/../lib/audit-seeds.sh"
ad_test_init "$0" "$@"
ou="OU=Contacts,$SAMBA_BASE"


conf=$(ad_conf audit "ldaps://127.0.0.1/" "replica={ page_size = 1000; }")

echo "== 1. the template's recipients"
audit_run "$conf"
assert "-A exits 0" is "$A_RC" 0
assert "no finding" audit_same /dev/null "$T/got"
assert "stderr: $SAMBA_RECIPIENTS entries, nothing found" is "$A_ERR" \
    "mailswitch: audit of $SAMBA_RECIPIENTS entries (ldaps://127.0.0.1/): 0 ambiguous, 0 loop, 0 unroutable, 0 collision, 0 malformed, 0 unconfigured"

echo "== 2. the seeds"
{
	audit_seeds_ldif "$ou" "$ou" CN contact | sed 1d
	printf '%s\n' "" "dn: CN=Big Dup,$ou" "objectClass: contact" \
	    "proxyAddresses: SMTP:big1599@contoso.com"
} | samba_modify ||
    e2e_die "ldapmodify failed: $(tail -n 5 "$SAMBA_TMP/modify.log")"
{
	printf '%s\n' "ambiguous	big1599@contoso.com	held by 2 entries: 'CN=Big Dup,$ou'; 'CN=Big List,$ou'"
	audit_seeds_expected "$ou" "$ou" CN
} >"$T/want"
audit_run "$conf"
assert "-A exits 1" is "$A_RC" 1
assert "exactly the seeded findings, in order" audit_same "$T/want" "$T/got"
counts="mailswitch: audit of $((SAMBA_RECIPIENTS + ${#AUDIT_SEEDS[@]} + 1)) entries (ldaps://127.0.0.1/): 3 ambiguous, 2 loop, 1 unroutable, 1 collision, 3 malformed, 1 unconfigured"
assert "stderr: the counts" is "$A_ERR" "$counts"
for rs in 1500 100; do
	c=$(ad_conf "audit-r$rs" "ldaps://127.0.0.1/" "range_size=$rs" \
	    "replica={ page_size = 1000; }")
	audit_run "$c"
	assert "range_size $rs: -A exits 1" is "$A_RC" 1
	assert "range_size $rs: the same findings (Big List read whole)" \
	    audit_same "$T/want" "$T/got"
	assert "range_size $rs: the same counts" is "$A_ERR" "$counts"
done

echo "== 3. the DC stopped"
samba_stop
audit_run "$conf"
assert "the DC stopped: -A exits 75" is "$A_RC" 75
assert "... and says the directory fails" has "$A_ERR" \
    "mailswitch: audit: the directory fails: "

assert_summary
