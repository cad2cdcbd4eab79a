#!/bin/bash
# contrib/bench/audit-bench.sh -- the directory audit (mailswitch -A, SPEC
# section 11): its time and peak memory on generated directories, on the
# LDIF back-end and on a private slapd; not in CI:
#
#	audit-bench.sh MAILSWITCH_BINARY [SIZES]
#
# SIZES: comma-separated contact counts (default 10000,100000).
# Environment: REPS (default 2): the rounds of each size, each in the
# order ldif slapd slapd ldif (A B B A: the machine is noisy); PAGE_SIZE
# (default 500, the replica's default): the paged search's page.
#
# The directory: t/ldap/gen-contacts.sh's contacts (userI@contoso.com and
# uI@contoso.com -> userI@fourthcoffee.com) each with an X500: value as a
# migration leaves it, and five in 100 with a defect, so that every check
# runs and finds something: a proxy address of the next contact's
# (ambiguous), a target held by nobody in the authoritative
# sales.contoso.com (unroutable), no primary address while the next
# contact holds what the rule makes of its target (collision), a
# secondary that is no address (malformed), one in no configured domain
# (unconfigured).  The LDIF back-end reads the very file slapd was loaded
# from.  The domains and rules of etc/mailswitch.conf.
#
# Each run: /usr/bin/time's elapsed seconds, CPU seconds (user + system)
# and maximum resident set size of `mailswitch -c CONF -A`, and on slapd
# the CPU seconds slapd spent meanwhile (/proc/PID/stat) (its output to a file: the findings are
# counted and must be the same in every run of a size).  A table at the
# end, with the command line.  slapd listens on 127.0.0.1 only and is
# stopped by its PID (EXIT trap); its database may grow to 8 GiB (a million
# contacts need more than the harness's 1 GiB).  Needs root (the slapd helpers), slapd,
# slapadd, GNU time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 2 "MAILSWITCH_BINARY [SIZES]" "$@"
bin=$(bench_binary "$1")
sizes=${2:-10000,100000}
reps=${REPS:-2}
page=${PAGE_SIZE:-500}
cmdline="REPS=$reps PAGE_SIZE=$page $0 $*"
case $reps$page in
*[!0-9]*) echo "REPS, PAGE_SIZE: numbers" >&2; exit 64 ;;
esac
case ,$sizes, in
*[!0-9,]* | *,,*) echo "SIZES: numbers, separated by commas" >&2; exit 64 ;;
esac
IFS=, read -r -a size_list <<<"$sizes"
[ -x /usr/bin/time ] || { echo "no /usr/bin/time (Debian: time)" >&2; exit 64; }
BENCH_HARNESS=slapd
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"
# no 500-entry cap on a search's total
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_SIZELIMIT=unlimited
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_MAXSIZE=8589934592
slapd_init
trap slapd_cleanup EXIT
top=$SLAPD_TOP
tmp=$SLAPD_TMP

# directory N FILE: the generated directory (see above); I % 100 picks a
# contact's defect: 1 also holds the next one's uI (ambiguous), 2 has a
# target unknown in sales.contoso.com (unroutable), 3 has no primary and
# 4 holds its userI@contoso.com (collision: I's replies reach I+1), 5 a
# secondary that is no address, 6 one in no configured domain
directory()
{
	"$top/t/ldap/gen-contacts.sh" "$1" | awk '
	/^dn: cn=User / { split($0, w, " "); i = w[3]; sub(/,.*/, "", i); d = i % 100 }
	/^proxyAddresses: SMTP:/ && d == 3 { next }
	/^targetAddress: / && d == 2 {
		printf "targetAddress: SMTP:gone%d@sales.contoso.com\n", i; next }
	{ print }
	/^proxyAddresses: smtp:u/ {
		printf "proxyAddresses: X500:/o=FourthCoffee/ou=Exchange " \
		    "Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user%d\n", i
		if (d == 1) printf "proxyAddresses: smtp:u%d@contoso.com\n", i + 1
		if (d == 4) printf "proxyAddresses: smtp:user%d@contoso.com\n", i - 1
		if (d == 5) printf "proxyAddresses: smtp:user%d@@contoso.com\n", i
		if (d == 6) printf "proxyAddresses: smtp:user%d@old.example\n", i
	}' >"$2"
}

# cpu_ticks PID: utime + stime of PID, in clock ticks
cpu_ticks()
{
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

printf '%-8s %-6s %4s %9s %9s %10s %9s %9s\n' contacts where run seconds \
    "CPU s" "peak KiB" findings "slapd CPU" >"$tmp/table"
for n in "${size_list[@]}"; do
	echo "== $n contacts: generating and loading slapd" >&2
	directory "$n" "$tmp/d$n.ldif"
	chmod 644 "$tmp/d$n.ldif"
	slapd_start "s$n" --ldif "$tmp/d$n.ldif"
	slapd_mailswitch_conf "$tmp/slapd$n.conf" "\"${SLAPD_URI[s$n]}\"" \
	    timeout=30.0 "replica={ page_size = $page; }"
	sed -e 's/backend = "ldap";/backend = "ldif"; ldif = { path = "'"d$n.ldif"'"; };/' \
	    "$tmp/slapd$n.conf" >"$tmp/ldif$n.conf"
	for c in "$tmp/slapd$n.conf" "$tmp/ldif$n.conf"; do
		cat >>"$c" <<-'CONF'
		outbound = { clients = [ "192.0.2.0/24" ]; lookup = true;
		  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; } ); };
		CONF
	done
	for r in $(seq 1 "$reps"); do
		for where in ldif slapd slapd ldif; do
			# shellcheck disable=SC2153  # set by slapd.sh
			spid=${SLAPD_PID[s$n]}
			s0=$(cpu_ticks "$spid")
			set +e
			/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
			    "$bin" -c "$tmp/$where$n.conf" -A >"$tmp/out" \
			    2>"$tmp/err"
			rc=$?
			set -e
			scpu=-
			[ "$where" = slapd ] && scpu=$(awk -v a="$s0" \
			    -v b="$(cpu_ticks "$spid")" -v hz="$hz" \
			    'BEGIN { printf "%.2f", (b - a) / hz }')
			if [ "$rc" != 1 ]; then
				cat "$tmp/err" >&2
				echo "-A on $where: exit $rc (want 1)" >&2
				exit 1
			fi
			found=$(wc -l <"$tmp/out")
			if [ -e "$tmp/found$n" ] && [ "$(cat "$tmp/found$n")" != "$found" ]; then
				echo "-A on $where: $found findings, another run $(cat "$tmp/found$n")" >&2
				exit 1
			fi
			echo "$found" >"$tmp/found$n"
			read -r secs usr sys kib < <(tail -n 1 "$tmp/time")
			cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
			printf '%-8s %-6s %4s %9s %9s %10s %9s %9s\n' "$n" "$where" \
			    "$r" "$secs" "$cpu" "$kib" "$found" "$scpu" >>"$tmp/table"
			echo "   $where: $secs s, CPU $cpu s (slapd $scpu), $kib KiB, $found findings ($(tail -n 1 "$tmp/err"))" >&2
		done
	done
	slapd_stop "s$n"
done
echo
cat "$tmp/table"
echo
echo "$cmdline"
