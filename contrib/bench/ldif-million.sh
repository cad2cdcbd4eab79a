#!/bin/bash
# contrib/bench/ldif-million.sh -- the LDIF back-end at a million contacts
# (issue 20, part 2: the replica's scale, Benchmark 9); not in CI:
#
#	ldif-million.sh MAILSWITCH_BINARY [CONTACTS]
#
# Environment: RELOADS (default 2), the SIGHUPs, one after the other.
#
# The directory of replica-million.sh as an LDIF export: CONTACTS (default
# 1000000) generated contacts (t/ldap/gen-contacts.sh) and CONTACTS/10
# mailbox users (proxy addresses, no target), generated afresh into a
# temp folder (awk: seconds).  mailswitch (socketmap only, log_level
# info, directory.backend = "ldif" on that file) is started in the
# foreground, and it prints:
#
#   start     the time from the start to the socketmap answering the last
#             contact's target (the LDIF is loaded before it listens), the
#             CPU time (utime + stime, /proc/PID/stat) until then, VmRSS
#             and VmHWM a second later
#   reload    SIGHUP (the LDIF back-end reads the file again and builds a
#             new index beside the running one): the time until the log's
#             "configuration reloaded" line, the CPU it took, VmRSS and
#             VmHWM after it (the HWM is the peak of the two indexes), and
#             the last contact answered again; RELOADS times
#
# No directory server: only the daemon, on 127.0.0.1, stopped by its PID
# (EXIT trap); every wait is bounded (600 s).  Needs root (the daemon
# drops to nobody, who must read the LDIF on the reload) and ss.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 2 "MAILSWITCH_BINARY [CONTACTS]" "$@"
bin=$(bench_binary "$1")
count=${2:-1000000}
reloads=${RELOADS:-2}
bench_numbers "CONTACTS, RELOADS" "$count" "$reloads"
users=$((count / 10))
top=$here/../..
# shellcheck disable=SC1091  # the tree's test library, not followed
. "$top/t/lib/process.sh"
# shellcheck disable=SC1091
. "$top/t/lib/tmpdir.sh"
# shellcheck disable=SC1091
. "$top/t/ports.sh"

tmp=$(tmpdir_make ldif-million)
mspid=""
stop_all()
{
	proc_stop "$mspid" 10 mailswitch
	tmpdir_remove "$tmp" "${BENCH_KEEP:-0}"
}
trap stop_all EXIT

t0=$(date +%s.%N)
bench_million_ldif "$count" "dc=contoso,dc=com" >"$tmp/contacts.ldif"
chmod 644 "$tmp/contacts.ldif"
printf 'ldif: %d contacts + %d users, %d MiB, generated in %.1f s\n' \
    "$count" "$users" $(($(stat -c %s "$tmp/contacts.ldif") / 1048576)) \
    "$(echo "$(date +%s.%N) - $t0" | bc)"

# shellcheck disable=SC2119  # no ports to exclude
port=$(free_port) || { echo "no free port" >&2; exit 1; }
cat >"$tmp/ms.conf" <<CONF
socket = "";
socketmap = "inet:$port@127.0.0.1";
user = "nobody";
log_level = "info";
on_directory_error = "tempfail";
directory = {
  backend = "ldif";
  ldif = { path = "contacts.ldif"; };
};
domains = (
  { name = "contoso.com"; authority = "internal_relay"; forward_to = "legacy.contoso.com"; },
  { name = "sales.contoso.com"; authority = "authoritative"; canonicalize = true; },
  { name = "fourthcoffee.com"; authority = "external_relay"; }
);
CONF

# status field of the daemon, in MiB
mib()
{
	awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' \
	    "/proc/$mspid/status"
}

# utime + stime of PID, in seconds
cpu()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, "");
	    printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# The socketmap's reply to "virtual KEY" (without its netstring frame),
# empty when nothing listens yet.
smap()
{
	local req="virtual $1" reply=""
	exec 5<>"/dev/tcp/127.0.0.1/$port" || return 0
	printf '%d:%s,' "${#req}" "$req" >&5
	IFS= read -r -d , -t 5 reply <&5 || true
	exec 5<&-
	printf '%s\n' "${reply#*:}"
}

last=$((count - 1))
want="OK user$last@fourthcoffee.com"
# wait_answer: until the socketmap answers $want (at most 600 s)
wait_answer()
{
	for _ in $(seq 1 12000); do
		[ "$(smap "user$last@contoso.com" 2>/dev/null)" = "$want" ] &&
		    return 0
		proc_alive "$mspid" || { cat "$tmp/ms.log" >&2; exit 1; }
		sleep 0.05
	done
	echo "no answer in 600 s" >&2
	exit 1
}

t0=$(date +%s.%N)
"$bin" -c "$tmp/ms.conf" -f >"$tmp/ms.log" 2>&1 &
mspid=$!
wait_answer
printf 'start: answered after %.2f s, CPU %s s\n' \
    "$(echo "$(date +%s.%N) - $t0" | bc)" "$(cpu "$mspid")"
sleep 1
echo "after start: VmRSS $(mib VmRSS) MiB, VmHWM $(mib VmHWM) MiB"

for r in $(seq 1 "$reloads"); do
	c0=$(cpu "$mspid")
	t0=$(date +%s.%N)
	kill -HUP "$mspid"
	done=""
	for _ in $(seq 1 12000); do
		[ "$(grep -c 'configuration reloaded' "$tmp/ms.log")" -ge "$r" ] &&
		    { done=1; break; }
		proc_alive "$mspid" || { cat "$tmp/ms.log" >&2; exit 1; }
		sleep 0.05
	done
	[ -n "$done" ] || { echo "no reload in 600 s" >&2; exit 1; }
	printf 'reload %d: done after %.2f s, CPU %.2f s\n' "$r" \
	    "$(echo "$(date +%s.%N) - $t0" | bc)" \
	    "$(echo "$(cpu "$mspid") - $c0" | bc)"
	wait_answer
	sleep 1
	echo "after reload $r: VmRSS $(mib VmRSS) MiB, VmHWM $(mib VmHWM) MiB"
done
grep -E 'reload|error|warning' "$tmp/ms.log" | sed 's/^/  log: /' || true
echo "command: $0 $*"
