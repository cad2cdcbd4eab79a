#!/bin/bash
# contrib/bench/replica-million.sh -- the directory replica at a million
# contacts (issue 20, part 2); not in CI:
#
#	replica-million.sh MAILSWITCH_BINARY [CONTACTS]
#
# A private slapd (t/lib/slapd.sh, database limit raised) holding CONTACTS
# (default 1000000) generated contacts (t/ldap/gen-contacts.sh) and
# CONTACTS/10 mailbox users (proxy addresses, no target), and mailswitch
# (socketmap only, log_level info) with replica { poll = 5; page_size =
# 1000; syncrepl = "off"; }.  It prints:
#
#   load      the full load's duration, from the "full sync ok" line, and
#             the CPU time mailswitch and slapd spent until then
#   after load  VmRSS and VmHWM of the daemon
#   change    one contact's targetAddress changed with ldapmodify, and the
#             time until the socketmap (virtual) answers the new target
#   after change  VmRSS and VmHWM again
#   idle poll the CPU (utime + stime, /proc/PID/stat) of slapd and of
#             mailswitch over 3 poll intervals with no change, per poll
#
# slapadd of a million entries takes minutes: the loaded database is kept
# under $REPLICA_MILLION_CACHE (default /var/cache/mailswitch-tests/
# replica-million), one folder per CONTACTS, and copied from there on the
# next run.  Everything listens on 127.0.0.1 and is stopped by its own PID;
# every wait is bounded.  Needs root, slapd, ldapmodify.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 2 "MAILSWITCH_BINARY [CONTACTS]" "$@"
bin=$(bench_binary "$1")
count=${2:-1000000}
bench_numbers CONTACTS "$count"
users=$((count / 10))
poll=5
cache=${REPLICA_MILLION_CACHE:-/var/cache/mailswitch-tests/replica-million}/$count
# shellcheck disable=SC1091  # the tree's test library, not followed
. "$here/../../t/lib/slapd.sh"
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_MAXSIZE=8589934592
mspid=""
stop_all()
{
	proc_stop "$mspid" 10 mailswitch
	slapd_cleanup
}
export SLAPD_OWNER=1		# slapd_init: our trap, not its own
slapd_init
trap stop_all EXIT

t0=$(date +%s.%N)
if [ -s "$cache/db/data.mdb" ]; then
	# any small directory to start with, then the cached one in its place
	slapd_start one
	slapd_stop one
	rm -rf "$SLAPD_TMP/one/db"
	cp -r "$cache/db" "$SLAPD_TMP/one/db"
	slapd_run one
	how="copied from the cache"
else
	bench_million_ldif "$count" "$SLAPD_BASE" >"$SLAPD_TMP/c.ldif"
	slapd_start one --ldif "$SLAPD_TMP/c.ldif"
	rm -f "$SLAPD_TMP/c.ldif"
	slapd_stop one
	mkdir -p "$cache"
	rm -rf "$cache/db"
	cp -r "$SLAPD_TMP/one/db" "$cache/db"
	slapd_run one
	how="slapadd, kept in the cache"
fi
# shellcheck disable=SC2153  # set by slapd.sh
slapd_pid=${SLAPD_PID[one]}
printf 'slapd: %d contacts + %d users, %s, %.1f s\n' "$count" "$users" \
    "$how" "$(echo "$(date +%s.%N) - $t0" | bc)"

# status field of the daemon, in MiB
mib()
{
	awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' \
	    "/proc/$mspid/status"
}

# utime + stime of PID, in clock ticks
ticks()
{
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

port=$(slapd_free_port)
conf=$SLAPD_TMP/ms.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=30.0 \
    "replica={ enabled = true; poll = $poll; refresh = 86400; page_size = 1000; syncrepl = \"off\"; }"
sed -i "s|^socket = .*|socket = \"\";\nsocketmap = \"inet:$port@127.0.0.1\";|;
    s|log_level = \"debug\"|log_level = \"info\"|" "$conf"
s_start=$(ticks "$slapd_pid")
"$bin" -c "$conf" -f >"$SLAPD_TMP/ms.log" 2>&1 &
mspid=$!

# The socketmap's reply to "virtual KEY" (without its netstring frame).
smap()
{
	local req="virtual $1" reply
	exec 5<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%d:%s,' "${#req}" "$req" >&5
	IFS= read -r -d , -t 5 reply <&5 || true
	exec 5<&-
	printf '%s\n' "${reply#*:}"
}

# the full load: at most 600 s
for _ in $(seq 1 6000); do
	grep -q 'full sync ok' "$SLAPD_TMP/ms.log" && break
	proc_alive "$mspid" || { cat "$SLAPD_TMP/ms.log" >&2; exit 1; }
	sleep 0.1
done
line=$(grep 'full sync ok' "$SLAPD_TMP/ms.log" | head -n 1)
[ -n "$line" ] || { echo "no full load in 600 s" >&2; exit 1; }
echo "load: ${line#*replica: }"
hz=$(getconf CLK_TCK)
printf 'load CPU: mailswitch %.1f s, slapd %.1f s\n' \
    "$(echo "$(ticks "$mspid") / $hz" | bc -l)" \
    "$(echo "($(ticks "$slapd_pid") - $s_start) / $hz" | bc -l)"
sleep 1
echo "after load: VmRSS $(mib VmRSS) MiB, VmHWM $(mib VmHWM) MiB"

# one change, seen through the socketmap: at most 120 s
k=$((count / 2))
before=$(smap "user$k@contoso.com")
echo "before change: user$k@contoso.com -> $before"
t0=$(date +%s.%N)
printf '%s\n' "dn: cn=User $k,ou=contacts,$SLAPD_BASE" "changetype: modify" \
    "replace: targetAddress" "targetAddress: SMTP:moved$k@fourthcoffee.com" |
    ldapmodify -x -H "${SLAPD_URI[one]}" -D "$SLAPD_ROOT_DN" \
    -w "$SLAPD_ROOT_PASSWORD" >/dev/null
seen=""
for _ in $(seq 1 1200); do
	case $(smap "user$k@contoso.com") in
	"OK moved$k@fourthcoffee.com") seen=1; break ;;
	esac
	sleep 0.1
done
[ -n "$seen" ] || { echo "change not seen in 120 s" >&2; exit 1; }
printf 'change: seen after %.1f s (poll %d s)\n' \
    "$(echo "$(date +%s.%N) - $t0" | bc)" "$poll"
sleep 2
echo "after change: VmRSS $(mib VmRSS) MiB, VmHWM $(mib VmHWM) MiB"
grep 'sync ok' "$SLAPD_TMP/ms.log" | tail -n 2 | sed 's/^.*replica: /  /'

# idle polls: 3 intervals with no change
s0=$(ticks "$slapd_pid")
m0=$(ticks "$mspid")
sleep $((3 * poll))
s1=$(ticks "$slapd_pid")
m1=$(ticks "$mspid")
printf 'idle poll: CPU a poll: slapd %.2f s, mailswitch %.2f s\n' \
    "$(echo "($s1 - $s0) / $hz / 3" | bc -l)" \
    "$(echo "($m1 - $m0) / $hz / 3" | bc -l)"
grep 'sync ok' "$SLAPD_TMP/ms.log" | tail -n 1 | sed 's/^.*replica: /  last: /'
echo "command: $0 $*"
