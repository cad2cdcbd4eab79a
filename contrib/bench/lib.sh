# contrib/bench/lib.sh -- the openings the benchmark scripts share: their
# command line, checked the same way.  Sourced first (it only defines
# functions); the test harness comes after, from harness.sh.
#
#	bench_usage MIN MAX USAGE ARGS...  # exit 64 unless MIN..MAX ARGS
#	bin=$(bench_binary FILE)           # its absolute path; exit 64 when
#	                                   # it is not executable
#	bench_numbers WHAT VALUE...        # exit 64 unless whole numbers
#	load=$(bench_load_gen BIN)         # the build's load_gen (or
#	                                   # $LOAD_GEN); exit 64 when none
#	bench_million_ldif N BASE >FILE    # the million benchmarks' directory
#
# shellcheck shell=bash

# bench_usage MIN MAX USAGE ARGS...: "usage: $0 USAGE" and exit 64 unless
# there are MIN to MAX ARGS.
bench_usage()
{
	local min=$1 max=$2 usage=$3
	shift 3
	if [ $# -lt "$min" ] || [ $# -gt "$max" ]; then
		echo "usage: $0 $usage" >&2
		exit 64
	fi
}

# bench_binary FILE: prints FILE's absolute path; exits 64 (after saying
# why) when it is not an executable file.
bench_binary()
{
	local abs
	abs=$(cd "$(dirname "$1")" 2>/dev/null && pwd)/$(basename "$1")
	if [ ! -f "$abs" ] || [ ! -x "$abs" ]; then
		echo "not executable: $1" >&2
		exit 64
	fi
	echo "$abs"
}

# bench_numbers WHAT VALUE...: exit 64 with "WHAT must be numbers" unless
# every VALUE is a whole number (digits only).
bench_numbers()
{
	local what=$1 v
	shift
	for v in "$@"; do
		case $v in
		'' | *[!0-9]*) echo "$what must be numbers" >&2; exit 64 ;;
		esac
	done
}

# bench_load_gen BIN: prints contrib/bench's load_gen of the build that
# made BIN (BUILD/milter/mailswitch: BUILD/contrib/bench/load_gen), or
# $LOAD_GEN when set; exits 64 when it is not executable.
bench_load_gen()
{
	local gen=${LOAD_GEN:-$(dirname "$(dirname "$1")")/contrib/bench/load_gen}
	if [ ! -x "$gen" ]; then
		echo "no $gen (set LOAD_GEN)" >&2
		exit 64
	fi
	echo "$gen"
}

# bench_million_ldif N BASE: prints the directory of replica-million.sh
# and ldif-million.sh as LDIF: N generated contacts (t/ldap/gen-contacts.sh)
# under BASE, then N/10 mailbox users under ou=users (a proxy address
# mbxI@contoso.com each, no target).
bench_million_ldif()
{
	local n=$1 base=$2
	sh "$(dirname "${BASH_SOURCE[0]}")/../../t/ldap/gen-contacts.sh" "$n"
	awk -v n=$((n / 10)) -v base="$base" 'BEGIN {
		printf "dn: ou=users,%s\nobjectClass: organizationalUnit\n", base
		print "ou: users\n"
		for (i = 0; i < n; i++) {
			printf "dn: cn=Mailbox %d,ou=users,%s\n", i, base
			print "objectClass: inetOrgPerson"
			print "objectClass: mailswitchRecipient"
			printf "cn: Mailbox %d\nsn: Mailbox\n", i
			printf "proxyAddresses: SMTP:mbx%d@contoso.com\n\n", i
		}
	}'
}
