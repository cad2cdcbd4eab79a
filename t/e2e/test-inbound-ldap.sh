#!/bin/bash
# t/e2e/test-inbound-ldap.sh -- test-inbound.sh on the ldap back-end:
#
#	test-inbound-ldap.sh MAILSWITCH_BINARY
#
# Starts a private slapd (t/lib/slapd.sh: contrib/ldap/mailswitch.schema
# and contrib/ldap/contacts.ldif, the people of etc/contacts.ldif), writes
# a configuration with the domains of t/milter/mailswitch-test.conf and
# directory.backend = "ldap" on it (no cache), and runs test-inbound.sh
# with it (E2E_INBOUND_CONF): the same assertions, through a private
# Postfix.  slapd is stopped by its PID on exit.  Needs root.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 MAILSWITCH_BINARY" >&2
	exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/slapd.sh"

slapd_init			# its EXIT trap stops slapd
slapd_start one
conf=$SLAPD_TMP/mailswitch-ldap.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=2.0
echo "slapd on ${SLAPD_URI[one]}"

set +e
E2E_INBOUND_CONF=$conf "$here/test-inbound.sh" "$1"
rc=$?
set -e
if ! grep -q "SRCH base=\"dc=contoso,dc=com\"" "$SLAPD_TMP/one/slapd.log"; then
	echo "FAIL: slapd was never asked (is the ldap back-end in use?)"
	rc=1
fi
exit "$rc"
