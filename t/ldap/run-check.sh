#!/bin/bash
# t/ldap/run-check.sh -- run a check test against a private slapd.
#
#	run-check.sh CHECK_BINARY
#
# Starts one slapd (t/lib/slapd.sh: the example directory of
# contrib/ldap/contacts.ldif, plus twelve entries holding
# many@contoso.com and the broken entries of check_ldap's entry rows) and
# runs CHECK_BINARY with
#	T_CONF         a mailswitch configuration: the domains and outbound
#	               rules of etc/mailswitch.conf, directory.backend =
#	               "ldap" on it
#	T_TLS_CONF     the same with StartTLS (certificates of slapd_certs)
#	T_REPLICA_CONF the same as T_CONF with directory.ldap.replica enabled
#	               (SPEC section 9: every lookup from an in-memory copy)
#	T_LDAP_URI     its ldap:// URI
#	T_LDAP_DOWN    an ldap:// URI where nothing listens
#	T_LDAP_TMP     a scratch folder, removed afterwards
#	T_LDAP_BIND_DN / T_LDAP_BIND_PASSWORD   the read-only account
# check_resolve then runs its example table on the ldap back-end and on
# its replica, and check_ldap its lookups.  Exits with the test's status.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 CHECK_BINARY" >&2
	exit 64
fi
bin=$1
. "$(dirname "$0")/../lib/slapd.sh"

slapd_init
slapd_certs
# the example directory, plus twelve entries sharing many@contoso.com
# (more than the back-end's size limit)
ldif=$SLAPD_TMP/contacts.ldif
{
	cat "$SLAPD_TOP/contrib/ldap/contacts.ldif"
	for i in $(seq 1 12); do
		printf '\n%s\n' "dn: cn=Many $i,ou=users,dc=contoso,dc=com"
		printf '%s\n' "objectClass: inetOrgPerson" \
		    "objectClass: mailswitchRecipient" "cn: Many $i" "sn: $i" \
		    "proxyAddresses: SMTP:many$i@contoso.com" \
		    "proxyAddresses: smtp:many@contoso.com"
	done
	# entries whose values break the rules (lib/directory/dir_entry.h); check_ldap
	# reads "mail" as the target attribute for the two-targets one
	while IFS='|' read -r cn ou attrs; do
		printf '\n%s\n' "dn: cn=$cn,ou=$ou,dc=contoso,dc=com"
		printf '%s\n' "objectClass: inetOrgPerson" \
		    "objectClass: mailswitchRecipient" "cn: $cn" "sn: $cn"
		printf '%s\n' "$attrs" | tr '|' '\n'
	done <<-'EOF'
	Bad Secondary|users|proxyAddresses: SMTP:badsec@contoso.com|proxyAddresses: smtp:not an address|proxyAddresses: smtp:bob@|proxyAddresses: X500:/o=Contoso/cn=badsec
	Bad Primary|users|proxyAddresses: SMTP:bad primary@contoso.com|proxyAddresses: smtp:badprimary@contoso.com
	Two Primaries|users|proxyAddresses: SMTP:two1@contoso.com|proxyAddresses: SMTP:two2@contoso.com
	Bad Target|contacts|proxyAddresses: SMTP:badtarget@contoso.com|targetAddress: SMTP:bob@@fourthcoffee.com
	X400 Target|contacts|proxyAddresses: SMTP:x400target@contoso.com|targetAddress: X400:c=US;a= ;p=FourthCoffee;s=Lee;
	Two Targets|contacts|proxyAddresses: SMTP:twotargets@contoso.com|mail: SMTP:tt1@fourthcoffee.com|mail: tt2@fourthcoffee.com
	Spaced|users|proxyAddresses:: c210cDpzcGFjZWRAY29udG9zby5jb20g|proxyAddresses: SMTP:sp1@contoso.com|proxyAddresses: SMTP:sp2@contoso.com
	EOF
} >"$ldif"
slapd_start one --tls good --ldif "$ldif"
down=$(slapd_free_port)
conf=$SLAPD_TMP/mailswitch-ldap.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    connections=2
replconf=$SLAPD_TMP/mailswitch-ldap-replica.conf
slapd_mailswitch_conf "$replconf" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    connections=2 \
    "replica={ enabled = true; poll = 1; page_size = 7; max_age = 60; }"
tlsconf=$SLAPD_TMP/mailswitch-ldap-tls.conf
slapd_mailswitch_conf "$tlsconf" "\"${SLAPD_URI[one]}\"" timeout=2.0 \
    connections=2 starttls=true "tls_ca_file=\"$SLAPD_TMP/certs/ca.pem\""
# and the outbound rules of etc/mailswitch.conf (check_resolve's senders)
for c in "$conf" "$replconf" "$tlsconf"; do
	printf '%s\n' 'outbound = { rules = (' \
	    '  { from = "fourthcoffee.com"; to = "contoso.com"; },' \
	    '  { from = "*.fourthcoffee.com"; to = "contoso.com"; } ); };' >>"$c"
done

set +e
T_CONF=$conf T_TLS_CONF=$tlsconf T_REPLICA_CONF=$replconf \
    T_LDAP_URI=${SLAPD_URI[one]} \
    T_LDAP_DOWN="ldap://127.0.0.1:$down/" T_LDAP_TMP=$SLAPD_TMP \
    T_LDAP_BIND_DN=$SLAPD_BIND_DN T_LDAP_BIND_PASSWORD=$SLAPD_BIND_PASSWORD \
    "$bin"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	echo "--- $(basename "$bin") failed ($rc) against ${SLAPD_URI[one]};" \
	    "slapd log:" >&2
	tail -n 30 "$SLAPD_TMP/one/slapd.log" >&2
fi
exit "$rc"
