# contrib/bench/harness.sh -- the tree's test harness as the benchmarks
# use it, sourced at the top level (t/lib/slapd.sh declares its arrays
# there) after the command line is checked:
#
#	BENCH_HARNESS="e2e slapd"; . "$here/harness.sh"
#
# e2e:   t/e2e/lib.sh (the private Postfix, smtp-sink, mailswitch) and
#        contrib/bench/load.sh (bench_load, bench_smtp);
# slapd: t/lib/slapd.sh owned by the benchmark (SLAPD_OWNER=1: its EXIT
#        trap, not slapd_init's) with the database limit raised to 1 GiB
#        (the harness sizes it for the test directories);
# both:  bench_start E2E_INIT_ARGS... -- e2e_init, slapd_init and the EXIT
#        trap that stops them (slapd first); bench_postfix_ldap NAME --
#        Postfix's own ldap table on slapd NAME, as ldap-virtual.cf.
#
# shellcheck shell=bash disable=SC2034  # SLAPD_* are read by slapd.sh
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

case " ${BENCH_HARNESS:-} " in
*" e2e "*)
	# shellcheck disable=SC1091  # the tree's test library, not followed
	. "$BENCH_DIR/../../t/e2e/lib.sh"
	# shellcheck source=contrib/bench/load.sh
	. "$BENCH_DIR/load.sh"
	;;
esac
case " ${BENCH_HARNESS:-} " in
*" slapd "*)
	SLAPD_OWNER=1
	# shellcheck disable=SC1091  # the tree's test library, not followed
	. "$BENCH_DIR/../../t/lib/slapd.sh"
	SLAPD_MAXSIZE=1073741824
	;;
esac

# bench_start E2E_INIT_ARGS...: the harness's e2e_init (with its
# arguments: the programs it needs) and slapd_init, and the EXIT trap that
# stops slapd, then the rest.
bench_start()
{
	e2e_init "$@"
	slapd_init
	trap 'slapd_cleanup; e2e_cleanup' EXIT
}

# bench_postfix_ldap NAME: $E2E_POSTFIX_DIR/ldap-virtual.cf, Postfix's own
# ldap table (virtual_alias_maps = ldap:...) on slapd NAME: the contact's
# plain target in mail: (Postfix's table cannot strip targetAddress's
# "SMTP:").
bench_postfix_ldap()
{
	cat >"$E2E_POSTFIX_DIR/ldap-virtual.cf" <<LDAP
server_host = ${SLAPD_URI[$1]%/}/
version = 3
bind = no
search_base = $SLAPD_BASE
scope = sub
query_filter = (|(proxyAddresses=smtp:%s)(proxyAddresses=%s))
result_attribute = mail
domain = contoso.com
LDAP
}
