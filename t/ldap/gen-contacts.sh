#!/bin/sh
# t/ldap/gen-contacts.sh N -- writes on stdout an LDIF for slapd_start
# --ldif (t/lib/slapd.sh): the base entries of dc=contoso,dc=com and N
# generated contacts, I = 0 .. N-1:
#
#	dn: cn=User I,ou=contacts,dc=contoso,dc=com
#	proxyAddresses: SMTP:userI@contoso.com
#	proxyAddresses: smtp:uI@contoso.com
#	targetAddress: SMTP:userI@fourthcoffee.com
#
# Used by t/ldap/cache-threads.sh and contrib/bench/ldap-bench.sh.
set -eu
case ${1:-} in
''|*[!0-9]*) echo "usage: $0 COUNT" >&2; exit 64 ;;
esac
awk -v n="$1" 'BEGIN {
	print "dn: dc=contoso,dc=com"
	print "objectClass: top"
	print "objectClass: dcObject"
	print "objectClass: organization"
	print "dc: contoso"
	print "o: Contoso"
	print ""
	print "dn: ou=contacts,dc=contoso,dc=com"
	print "objectClass: top"
	print "objectClass: organizationalUnit"
	print "ou: contacts"
	print ""
	for (i = 0; i < n; i++) {
		printf "dn: cn=User %d,ou=contacts,dc=contoso,dc=com\n", i
		print "objectClass: inetOrgPerson"
		print "objectClass: mailswitchRecipient"
		printf "cn: User %d\n", i
		print "sn: User"
		printf "proxyAddresses: SMTP:user%d@contoso.com\n", i
		printf "proxyAddresses: smtp:u%d@contoso.com\n", i
		printf "targetAddress: SMTP:user%d@fourthcoffee.com\n", i
		print ""
	}
}'
