# t/e2e/ldap.sh -- t/e2e/lib.sh with a private slapd (t/lib/slapd.sh) for
# the end-to-end tests on the ldap back-end.  Source it in place of lib.sh:
#
#	. "$here/ldap.sh"
#	e2e_ldap_init "$@"             # MAILSWITCH_BINARY in $bin; e2e_init
#	                               # + slapd_init, one EXIT trap
#	slapd_start one [OPTIONS...]
#	e2e_ldap_conf FILE [KEY=VALUE...]
#	e2e_ldap_outbound >>FILE
#
# The EXIT trap stops slapd first (slapd_cleanup keeps the exit status),
# then everything of lib.sh (e2e_cleanup exits with that status).

# shellcheck shell=bash
E2E_LDAP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_LDAP_DIR/lib.sh"
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_OWNER=1
. "$E2E_LDAP_DIR/../lib/slapd.sh"

# e2e_ldap_init "$@" -- take the test's one argument, MAILSWITCH_BINARY, as
# an absolute path in $bin (usage and exit 64 otherwise); make lib.sh's and
# slapd.sh's temp dirs; install the one EXIT trap that stops both, slapd
# first.
e2e_ldap_init()
{
	mailswitch_binary "$@"
	e2e_init
	slapd_init
	trap 'slapd_cleanup; e2e_cleanup' EXIT
}

# Write FILE: slapd_mailswitch_conf on slapd "one" (timeout 2 s, two
# connections, no cache), with the further ldap settings KEY=VALUE.
e2e_ldap_conf()
{
	local file=$1
	shift
	slapd_mailswitch_conf "$file" "\"${SLAPD_URI[one]}\"" \
	    "timeout=2.0" "connections=2" "$@"
}

# Print the outbound section of t/milter/mailswitch-test.conf (the
# subsidiary's clients, fourthcoffee.com and its subdomains leave as
# contoso.com, looked up in the directory) for a configuration's end.
e2e_ldap_outbound()
{
	cat <<'CONF'
outbound = {
  clients = [ "192.0.2.0/24", "2001:db8::/32" ];
  lookup = true;
  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; },
            { from = "*.fourthcoffee.com"; to = "contoso.com"; } );
  headers = [ "From", "Sender", "Reply-To" ];
};
CONF
}
