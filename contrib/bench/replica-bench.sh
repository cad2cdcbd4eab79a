#!/bin/bash
# contrib/bench/replica-bench.sh -- the directory replica (SPEC section 9):
# its initial load and memory, and the cold throughput it gives through a
# private Postfix, against the LDIF back-end and Postfix's own LDAP table;
# not in CI:
#
#	replica-bench.sh MAILSWITCH_BINARY [SIZES [MESSAGES [SERIAL_MESSAGES
#	    [FRONT_ENDS]]]]
#
# SIZES: comma-separated contact counts (default 10000,100000);
# MESSAGES (default 1500) over 20 sessions and SERIAL_MESSAGES (default
# 200) over 1 session per throughput run; FRONT_ENDS: socketmap,milter
# (default) or socketmap.  Environment: REPS (default 3), the loads of each
# back-end at each size; ROUNDS (default 1), the passes of the throughput
# runs; PAGE_SIZE (default 500) and POLL (default 15), the replica's
# page_size and poll (POLL=3600: no incremental sync during the runs);
# PERF=1: perf record -a during the 20-session load of each run, and at
# the end the CPU by command of the first run of each setup.
# The defaults take about 4 minutes on the project's 2-CPU test machine.
#
# Directory: a private slapd (t/lib/slapd.sh) per size, holding that many
# generated contacts (t/ldap/gen-contacts.sh: userI@contoso.com ->
# userI@fourthcoffee.com) plus, as in modes-bench.sh, a plain copy of each
# target in mail: (for Postfix's ldap table, which cannot strip the
# "SMTP:" of targetAddress); the LDIF back-end reads the very same file.
# slapd's default sizelimit (500 entries a search) also caps a paged
# search's total (size.prtotal defaults to the hard limit): the bench's
# slapd has "sizelimit unlimited", as a directory must have for the
# replica's bind DN (an anonymous one here).
#
# (a) Load: for each size, REPS times in turn (replica, ldif, ldap), a
# mailswitch daemon (foreground, socketmap only, log_level info) is
# started and timed:
#   replica  ldap back-end, cache as modes-bench.sh (100,000 entries, ttl
#            300 s), replica = { enabled = true; page_size = PAGE_SIZE; }:
#            from the start to its log line "replica: full sync ok: N
#            entries, C changes, S s (URI)" (S, the sync's own duration, is
#            shown too; N must be the size);
#   ldif     the LDIF back-end on the same contacts: from the start to the
#            socketmap port accepting (it loads before it listens);
#   ldap     the ldap back-end without the replica: up, nothing to load.
# Then VmRSS and VmHWM (/proc/PID/status), and one socketmap lookup of the
# last contact, which must be OK -- and, for the replica, must not reach
# slapd (its log, -d 256, shows every search's filter).  After the replica's
# last load of each size (POLL <= 60), its first incremental sync (the
# directory unchanged: the search on modifyTimestamp >= the highest value
# seen, then the DN-only sweep) is awaited: its duration and the CPU time
# of mailswitch and of slapd meanwhile.
#
# (b) Throughput, COLD: one Postfix (modes-bench.sh's: one message per
# connection, 5 recipients a message, all contacts, through
# contrib/bench/load_gen smtp) in the setups
#   R  mailswitch socketmap server (check_recipient_access and
#      virtual_alias_maps socketmap:..., as modes-bench.sh's D), ldap
#      back-end with the replica, measured after its full load;
#   L  the same on the LDIF back-end;
#   B  Postfix's own LDAP table, virtual_alias_maps = ldap:...
#      (modes-bench.sh's B: every recipient a query);
#   MR, ML  mailswitch as milter (smtpd_milters), replica / LDIF;
# in the order R L B MR ML ML MR B L R (the milter ones only with milter in
# FRONT_ENDS), ROUNDS times, each figure the mean of its runs.  Every run
# uses recipients no run used before (run k: contacts from k x 5 x (MESSAGES +
# SERIAL_MESSAGES)), and mailswitch is started afresh before it (B: none
# runs), so every lookup is a first one: for R and L an in-memory lookup,
# for B a search.  The directory of (b) is the largest size's, or more
# contacts when the runs need more.  A warm-up of 40 messages (recipients
# of their own, the last 200 contacts) spawns Postfix's processes first.
# Every dump at smtp-sink is checked: all recipients @fourthcoffee.com.
# Over the two timed loads of a run: the searches with an address in
# their filter that slapd logged (none for R once loaded), the replica's
# own searches (a page each: a poll, every POLL s, ran during the run),
# and the CPU time of mailswitch and of slapd (/proc/PID/stat), per
# message.
#
# Figures in a table at the end, with the targets (100,000 contacts loaded
# in <= 5 s and <= 100 MiB; R no more than 5 % behind L; R >= 1.2 x B)
# and the command line, with the environment that matters.  Everything
# listens on 127.0.0.1, is stopped by its own PID (EXIT trap); every load
# and wait is bounded.  Needs root, slapd, Postfix with its ldap table
# (Debian: postfix-ldap).  E2E_KEEP=1 SLAPD_KEEP=1 keep the logs
# (mailswitch-all.log: every daemon's, in turn).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 5 "MAILSWITCH_BINARY [SIZES [MESSAGES [SERIAL_MESSAGES [FRONT_ENDS]]]]" "$@"
cmdline="$*"
bin=$(bench_binary "$1")
sizes=${2:-10000,100000}
npar=${3:-1500}
nser=${4:-200}
fronts=${5:-socketmap,milter}
reps=${REPS:-3}
rounds=${ROUNDS:-1}
page=${PAGE_SIZE:-500}
poll=${POLL:-15}
perf=${PERF:-0}
env_now="REPS=$reps ROUNDS=$rounds PAGE_SIZE=$page POLL=$poll PERF=$perf"
cmdline="$env_now $0 $cmdline"
bench_numbers counts "$npar" "$nser" "$reps" "$rounds" "$page" "$poll" "$perf"
case ,$sizes, in
*[!0-9,]* | *,,*) echo "SIZES: numbers, separated by commas" >&2; exit 64 ;;
esac
IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}"; do
	if [ "$n" -lt 1 ] || [ "$n" -gt 1000000 ]; then
		echo "sizes: 1..1000000" >&2
		exit 64
	fi
done
if [ "$npar" -lt 1 ] || [ "$npar" -gt 20000 ] || [ "$nser" -lt 1 ] ||
    [ "$nser" -gt 20000 ] || [ "$reps" -lt 1 ] || [ "$reps" -gt 20 ] ||
    [ "$rounds" -lt 1 ] || [ "$rounds" -gt 10 ] ||
    [ "$page" -lt 1 ] || [ "$page" -gt 100000 ] || [ "$poll" -lt 1 ]; then
	echo "MESSAGES, SERIAL_MESSAGES: 1..20000; REPS 1..20; ROUNDS" \
	    "1..10; PAGE_SIZE 1..100000; POLL >= 1" >&2
	exit 64
fi
case $perf in
0) ;;
1) command -v perf >/dev/null 2>&1 ||
       { echo "PERF=1: no perf" >&2; exit 64; } ;;
*) echo "PERF: 0 or 1" >&2; exit 64 ;;
esac
case $fronts in
socketmap) one="R L B B L R" ;;
socketmap,milter | milter,socketmap) one="R L B MR ML ML MR B L R" ;;
*) echo "FRONT_ENDS: socketmap or socketmap,milter" >&2; exit 64 ;;
esac
order=$one
for _ in $(seq 2 "$rounds"); do
	order="$order $one"
done
load=$(bench_load_gen "$bin")
BENCH_HARNESS="e2e slapd"
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"
# no 500-entry cap on a search (see above)
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_SIZELIMIT=unlimited

bench_start slapd slapadd

limit=300			# seconds, per load and per wait
nrcpt=5
nruns=$(wc -w <<<"$order")
per_run=$((nrcpt * (npar + nser)))
largest=0
for n in "${size_list[@]}"; do
	[ "$n" -gt "$largest" ] && largest=$n
done
tp_contacts=$((nruns * per_run + nrcpt * 40))
[ "$tp_contacts" -lt "$largest" ] && tp_contacts=$largest
wbase=$((tp_contacts - nrcpt * 40))	# the warm-up's recipients: the last
figs=$E2E_TMP/figures
: >"$figs"

now() { date +%s.%N; }
# elapsed T0 [T1]: seconds from T0 to T1 (default: now), 3 decimals
elapsed()
{
	awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.3f", b - a }'
}
# mem PID: "VmRSS VmHWM" of PID, kB
mem()
{
	awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 }
	    END { print r + 0, h + 0 }' "/proc/$1/status"
}
# addr_searches NAME FROM: the searches for an address (a filter with
# "@contoso.com") that slapd NAME logged after line FROM of its log
addr_searches()
{
	tail -n +"$(($2 + 1))" "$SLAPD_TMP/$1/slapd.log" |
	    grep -c 'SRCH base=.*filter=.*@contoso\.com' || true
}
slapd_lines() { wc -l <"$SLAPD_TMP/$1/slapd.log"; }
# sync_pages NAME FROM: the replica's searches (each page one) that slapd
# NAME logged after line FROM: the full load's and the sweep's filter, and
# the incremental one on modifyTimestamp
sync_pages()
{
	local f='SRCH base=.*filter="(\(\|\(proxyAddresses=\*\)|\(modifyTimestamp>=)'
	tail -n +"$(($2 + 1))" "$SLAPD_TMP/$1/slapd.log" | grep -cE "$f" ||
	    true
}
# cpu_ms PID: user + system CPU time of PID (all threads), ms
cpu_ms()
{
	sed 's/^.*) //' "/proc/$1/stat" |
	    awk -v hz="$(getconf CLK_TCK)" '{ print ($12 + $13) * 1000 / hz }'
}

# contacts_ldif N FILE: N generated contacts with mail: (see above)
contacts_ldif()
{
	"$E2E_TOP/t/ldap/gen-contacts.sh" "$1" |
	    sed 's/^targetAddress: SMTP:\(.*\)$/&\nmail: \1/' >"$2"
	chmod 644 "$2"
}

# write_confs TAG URI LDIF MILTER: $E2E_TMP/TAG-{replica,ldif,ldap}.conf,
# socketmap on $E2E_SOCKETMAP_PORT and, with MILTER = 1, the milter on
# $E2E_MILTER_PORT; log_level info; the ldap ones with the cache of
# modes-bench.sh, the ldif one on LDIF.
write_confs()
{
	local tag=$1 uri=$2 ldif=$3 milter="" kind cache backend
	cache="cache = { entries = 100000; ttl = 300; negative_ttl = 60; };"
	backend="backend = \"ldif\"; ldif = { path = \"$ldif\"; };"
	[ "$4" = 1 ] && milter="inet:$E2E_MILTER_PORT@127.0.0.1"
	for kind in replica ldif ldap; do
		if [ "$kind" = replica ]; then
			slapd_mailswitch_conf "$E2E_TMP/$tag.in" "\"$uri\"" \
			    "timeout=5.0" "connections=4" \
			    "replica={ enabled = true; page_size = $page; poll = $poll; }"
		else
			slapd_mailswitch_conf "$E2E_TMP/$tag.in" "\"$uri\"" \
			    "timeout=5.0" "connections=4"
		fi
		sed -i -e "s/cache = { entries = 0; };/$cache/" \
		    -e 's/^log_level = .*/log_level = "info";/' "$E2E_TMP/$tag.in"
		if [ "$kind" = ldif ]; then
			sed -i "s|backend = \"ldap\";|$backend|" \
			    "$E2E_TMP/$tag.in"
			grep -q 'backend = "ldif"' "$E2E_TMP/$tag.in" ||
			    e2e_die "cannot set the ldif back-end"
		fi
		grep -q 'entries = 100000' "$E2E_TMP/$tag.in" ||
		    e2e_die "cannot set the cache in the generated configuration"
		e2e_socketmap_conf "$E2E_TMP/$tag.in" "$E2E_TMP/$tag-$kind.conf" \
		    "$milter"
	done
	rm -f "$E2E_TMP/$tag.in"
}

# sync_seconds KIND LINE: the duration of LINE, a "replica: KIND sync ok"
sync_seconds()
{
	local n='[0-9]*' v='\([0-9.]*\)'
	sed -n "s/.*replica: $1 sync ok: $n entries, $n changes, $v s.*/\\1/p" \
	    <<<"$2"
}

# ms_start CONF KIND WANT: start mailswitch on CONF (KIND replica, ldif or
# ldap) in the foreground, logging to $E2E_TMP/mailswitch.log (the previous
# daemon's log appended to mailswitch-all.log); wait until its socketmap
# port accepts (and the milter's, when CONF has one) and, for the replica,
# until its first full sync is logged.  Sets T_READY (seconds from the
# start to all that), SYNC_N and SYNC_S (the sync line's entries and
# duration; "-" when no replica); the sync must have loaded WANT entries.
ms_start()
{
	local conf=$1 kind=$2 want=$3 log=$E2E_TMP/mailswitch.log t0 line
	[ -f "$log" ] && cat "$log" >>"$E2E_TMP/mailswitch-all.log"
	: >"$log"
	t0=$(now)
	"$bin" -f -c "$conf" -u nobody >>"$log" 2>&1 &
	E2E_MAILSWITCH_PID=$!
	for _ in $(seq 1 $((limit * 50))); do
		e2e_port_open "$E2E_SOCKETMAP_PORT" && break
		kill -0 "$E2E_MAILSWITCH_PID" 2>/dev/null ||
		    { cat "$log" >&2; e2e_die "mailswitch ($kind) exited"; }
		sleep 0.02
	done
	e2e_port_open "$E2E_SOCKETMAP_PORT" ||
	    { cat "$log" >&2; e2e_die "mailswitch ($kind) did not start"; }
	if grep -q "^socket = \"inet:$E2E_MILTER_PORT@" "$conf" &&
	    ! e2e_wait_port "$E2E_MILTER_PORT" 10 "$E2E_MAILSWITCH_PID"; then
		cat "$log" >&2
		e2e_die "mailswitch ($kind): no milter"
	fi
	SYNC_N=- SYNC_S=-
	if [ "$kind" = replica ]; then
		line=""
		for _ in $(seq 1 $((limit * 50))); do
			line=$(grep -m 1 'replica: full sync ok:' "$log" || true)
			[ -n "$line" ] && break
			if grep -q 'replica: full sync failed' "$log"; then
				tail -n 20 "$log" >&2
				e2e_die "the replica's full sync failed"
			fi
			kill -0 "$E2E_MAILSWITCH_PID" 2>/dev/null ||
			    { tail -n 20 "$log" >&2; e2e_die "mailswitch exited"; }
			sleep 0.02
		done
		[ -n "$line" ] ||
		    { tail -n 20 "$log" >&2; e2e_die "no full sync in $limit s"; }
		T_READY=$(elapsed "$t0")
		SYNC_N=$(sed -n 's/.*replica: full sync ok: \([0-9]*\) entries.*/\1/p' \
		    <<<"$line")
		SYNC_S=$(sync_seconds full "$line")
		if [ -z "$SYNC_N" ] || [ -z "$SYNC_S" ]; then
			e2e_die "cannot read the sync line: $line"
		fi
		[ "$SYNC_N" = "$want" ] ||
		    e2e_die "the replica loaded $SYNC_N entries, not $want: $line"
	else
		T_READY=$(elapsed "$t0")
	fi
}

ms_stop() { e2e_mailswitch_stop; }

# lookup_check SLAPD KIND I: socketmap "virtual userI@contoso.com" must be
# OK; for replica and ldif, slapd SLAPD must not have been asked.
lookup_check()
{
	local before n
	before=$(slapd_lines "$1")
	timeout 20 "$load" rtt -n 1 -k 1 -p "user$3@contoso.com" \
	    "127.0.0.1:$E2E_SOCKETMAP_PORT" >"$E2E_TMP/rtt.out" 2>&1 ||
	    { cat "$E2E_TMP/rtt.out" >&2; tail -n 5 "$E2E_TMP/mailswitch.log" >&2
	      e2e_die "$2: no OK answer for user$3@contoso.com"; }
	sleep 0.2
	n=$(tail -n +"$((before + 1))" "$SLAPD_TMP/$1/slapd.log" |
	    grep -c "filter=.*user$3@contoso\.com" || true)
	if [ "$2" != ldap ] && [ "$n" -ne 0 ]; then
		e2e_die "$2: the lookup of user$3@contoso.com reached slapd"
	fi
}

# idle_poll SLAPD N: wait (at most POLL + $limit s) for the replica's
# first incremental sync, the directory unchanged; its duration and the
# CPU time mailswitch and slapd SLAPD spent meanwhile, to
# $E2E_TMP/poll-figures as "N seconds mailswitch_ms slapd_ms".
idle_poll()
{
	local log=$E2E_TMP/mailswitch.log c0 c1 s0 s1 line="" dur
	c0=$(cpu_ms "$E2E_MAILSWITCH_PID")
	s0=$(cpu_ms "${SLAPD_PID[$1]}")
	for _ in $(seq 1 $(((poll + limit) * 10))); do
		line=$(grep -m 1 'replica: incremental sync ok:' "$log" || true)
		[ -n "$line" ] && break
		kill -0 "$E2E_MAILSWITCH_PID" 2>/dev/null ||
		    { tail -n 20 "$log" >&2; e2e_die "mailswitch exited"; }
		sleep 0.1
	done
	[ -n "$line" ] || { tail -n 20 "$log" >&2
	    e2e_die "no incremental sync in $((poll + limit)) s"; }
	c1=$(cpu_ms "$E2E_MAILSWITCH_PID")
	s1=$(cpu_ms "${SLAPD_PID[$1]}")
	dur=$(sync_seconds incremental "$line")
	echo "$2 ${dur:-0} $(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
	    "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" \
	    >>"$E2E_TMP/poll-figures"
	printf '  %7d replica: first incremental sync (nothing changed)' "$2"
	printf ' %s s; CPU mailswitch %.0f ms, slapd %.0f ms\n' "${dur:-?}" \
	    "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
	    "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')"
}

# ---- (a) load time and memory ----

echo "== (a) load: sizes $sizes, $reps loads of each back-end, page_size $page"
tp_slapd=""
for n in "${size_list[@]}"; do
	contacts_ldif "$n" "$E2E_TMP/contacts-$n.ldif"
	t0=$(now)
	slapd_start "s$n" --ldif "$E2E_TMP/contacts-$n.ldif"
	echo "  slapd with $n contacts: slapadd and start $(elapsed "$t0") s"
	write_confs "a$n" "${SLAPD_URI[s$n]}" "$E2E_TMP/contacts-$n.ldif" 0
	for r in $(seq 1 "$reps"); do
		for kind in replica ldif ldap; do
			ms_start "$E2E_TMP/a$n-$kind.conf" "$kind" "$n"
			lookup_check "s$n" "$kind" $((n - 1))
			read -r rss hwm < <(mem "$E2E_MAILSWITCH_PID")
			if [ "$kind" = replica ] && [ "$r" = "$reps" ] &&
			    [ "$poll" -le 60 ]; then
				idle_poll "s$n" "$n"
			fi
			ms_stop
			echo "$n $kind $r $T_READY $SYNC_S $rss $hwm $SYNC_N" \
			    >>"$E2E_TMP/load-figures"
			printf '  %7d %-8s #%d: ready %6.3f s (sync %s s),' \
			    "$n" "$kind" "$r" "$T_READY" "$SYNC_S"
			printf ' VmRSS %6.1f MiB, VmHWM %6.1f MiB\n' \
			    "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
			    "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
		done
	done
	if [ "$n" = "$largest" ] && [ "$n" = "$tp_contacts" ] &&
	    [ -z "$tp_slapd" ]; then
		tp_slapd=s$n
	else
		slapd_stop "s$n"
	fi
done

# ---- (b) cold throughput through Postfix ----

echo
echo "== (b) cold throughput: $order; $tp_contacts contacts"
if [ -z "$tp_slapd" ]; then
	tp_slapd=tp
	contacts_ldif "$tp_contacts" "$E2E_TMP/contacts-tp.ldif"
	slapd_start tp --ldif "$E2E_TMP/contacts-tp.ldif"
	tp_ldif=$E2E_TMP/contacts-tp.ldif
else
	tp_ldif=$E2E_TMP/contacts-$largest.ldif
fi
write_confs b "${SLAPD_URI[$tp_slapd]}" "$tp_ldif" 1

e2e_sink_start
e2e_postfix_start ""
postconf -c "$E2E_POSTFIX_DIR" -m | grep -qx ldap ||
    e2e_die "Postfix has no ldap table (install postfix-ldap)"
bench_postfix_ldap "$tp_slapd"
e2e_postfix_set "virtual_alias_domains ="
echo "Postfix 127.0.0.1:$E2E_SMTP_PORT -> smtp-sink $E2E_SINK_PORT;" \
    "mailswitch socketmap $E2E_SOCKETMAP_PORT, milter $E2E_MILTER_PORT;" \
    "slapd ${SLAPD_URI[$tp_slapd]}; $npar messages over 20 sessions," \
    "$nser over 1, $nrcpt recipients each"

# setup X: configure the private Postfix for R, L, B, MR or ML.
setup()
{
	local sm=socketmap:inet:127.0.0.1:$E2E_SOCKETMAP_PORT
	case $1 in
	B) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = ldap:$E2E_POSTFIX_DIR/ldap-virtual.cf" \
	    "e2e_recipient_restrictions =" ;;
	MR|ML) e2e_postfix_set \
	    "smtpd_milters = inet:127.0.0.1:$E2E_MILTER_PORT" \
	    "virtual_alias_maps =" "e2e_recipient_restrictions =" ;;
	R|L) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = $sm:virtual" \
	    "e2e_recipient_restrictions = check_recipient_access $sm:access" ;;
	esac
	e2e_postfix_reload
}

# rcpts_ok N: the N dumps at smtp-sink hold N x 5 recipients, all of
# @fourthcoffee.com (rewritten); sets TOTAL and GOOD.
rcpts_ok()
{
	TOTAL=$(find "$E2E_TMP/sink" -type f -name 'msg.*' -exec cat {} + |
	    grep -c '^X-Rcpt-Args:' || true)
	GOOD=$(find "$E2E_TMP/sink" -type f -name 'msg.*' -exec cat {} + |
	    grep -c '^X-Rcpt-Args: <user[0-9]*@fourthcoffee\.com>' || true)
	[ "$TOTAL" -eq $(($1 * nrcpt)) ] && [ "$GOOD" -eq "$TOTAL" ]
}

# check_rcpts X N: rcpts_ok N, within 5 s (smtp-sink creates a dump at
# the MAIL command: the last ones may still be written when they are all
# there).
check_rcpts()
{
	local i
	for i in $(seq 1 50); do
		rcpts_ok "$2" && return 0
		[ "$i" = 50 ] || sleep 0.1
	done
	echo "FATAL: setup $1: $GOOD of $TOTAL recipients" \
	    "@fourthcoffee.com, want $(($2 * nrcpt))" >&2
	exit 1
}

# run_load X SESSIONS COUNT BASE: COUNT messages over SESSIONS sessions,
# recipients from BASE (contrib/bench/load.sh: T_SEND and T_DONE); check
# them.
run_load()
{
	bench_smtp "$@"
	check_rcpts "$1" "$3"
}

# measure X K: run K (0-based) of setup X; figures to $figs as "X in out
# ms searches_per_msg rss_kB ready_s mailswitch_cpu_ms_per_msg
# slapd_cpu_ms_per_msg sync_pages" (the last four over the two timed
# loads).
measure()
{
	local x=$1 k=$2 base in out ms before q rss=- hwm ready=- spid
	local c0=0 c1=0 s0 s1 mcpu scpu pages perf_pid
	base=$((k * per_run))
	spid=${SLAPD_PID[$tp_slapd]}
	setup "$x"
	ms_stop
	case $x in
	R|MR) ms_start "$E2E_TMP/b-replica.conf" replica "$tp_contacts"
	      ready=$T_READY ;;
	L|ML) ms_start "$E2E_TMP/b-ldif.conf" ldif "$tp_contacts"
	      ready=$T_READY ;;
	esac
	run_load "$x" 4 40 "$wbase"		# warm-up: spawn Postfix's daemons
	before=$(slapd_lines "$tp_slapd")
	[ -n "$E2E_MAILSWITCH_PID" ] && c0=$(cpu_ms "$E2E_MAILSWITCH_PID")
	s0=$(cpu_ms "$spid")
	if [ "$perf" = 1 ]; then
		perf record -a -F 499 -o "$E2E_TMP/perf-$x-$k.data" -- \
		    sleep "$limit" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	run_load "$x" 20 "$npar" "$base"
	if [ "$perf" = 1 ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
	fi
	in=$(awk -v n="$npar" -v t="$T_SEND" 'BEGIN { print n / t }')
	out=$(awk -v n="$npar" -v t="$T_DONE" 'BEGIN { print n / t }')
	run_load "$x" 1 "$nser" $((base + nrcpt * npar))
	ms=$(awk -v n="$nser" -v t="$T_SEND" 'BEGIN { print t * 1000 / n }')
	[ -n "$E2E_MAILSWITCH_PID" ] && c1=$(cpu_ms "$E2E_MAILSWITCH_PID")
	s1=$(cpu_ms "$spid")
	sleep 0.2
	q=$(addr_searches "$tp_slapd" "$before")
	q=$(awk -v q="$q" -v n=$((npar + nser)) 'BEGIN { print q / n }')
	pages=$(sync_pages "$tp_slapd" "$before")
	mcpu=$(awk -v a="$c0" -v b="$c1" -v n=$((npar + nser)) \
	    'BEGIN { print (b - a) / n }')
	scpu=$(awk -v a="$s0" -v b="$s1" -v n=$((npar + nser)) \
	    'BEGIN { print (b - a) / n }')
	if [ -n "$E2E_MAILSWITCH_PID" ]; then
		read -r rss hwm < <(mem "$E2E_MAILSWITCH_PID")
	fi
	echo "$x $in $out $ms $q $rss $ready $mcpu $scpu $pages" >>"$figs"
	printf '  %-2s run %2d: %4.0f msg/s accepted, %4.0f delivered (20 sessions);' \
	    "$x" "$((k + 1))" "$in" "$out"
	printf ' %5.2f ms/msg (1 session)\n' "$ms"
	printf '            slapd: %.2f address searches/msg, %d sync pages;' \
	    "$q" "$pages"
	printf ' CPU/msg: mailswitch %.2f ms, slapd %.2f ms\n' "$mcpu" "$scpu"
}

k=0
for x in $order; do
	measure "$x" "$k"
	k=$((k + 1))
done
ms_stop

# ---- summary ----

echo
echo "== (a) load: mean (min-max) of $reps; ready = from the start to the" \
    "sync line (replica) or to the port (ldif, ldap)"
printf '%9s %-24s %19s %8s %16s %16s\n' contacts back-end "ready s" \
    "sync s" "VmRSS MiB" "VmHWM MiB"
for n in "${size_list[@]}"; do
	for kind in replica ldif ldap; do
		case $kind in
		replica) name="ldap + replica" ;;
		ldif) name="ldif" ;;
		ldap) name="ldap, no replica" ;;
		esac
		awk -v n="$n" -v kind="$kind" -v name="$name" '
		    function mm(v, lo, hi) { return sprintf("%.2f (%.2f-%.2f)",
			v, lo, hi) }
		    $1 == n && $2 == kind {
			c++; t += $4; s += $5; r += $6; h += $7
			if (c == 1 || $4 < tl) tl = $4; if ($4 > th) th = $4
			if (c == 1 || $6 < rl) rl = $6; if ($6 > rh) rh = $6
			if (c == 1 || $7 < hl) hl = $7; if ($7 > hh) hh = $7
		    }
		    END {
			sync = kind == "replica" ? sprintf("%.3f", s / c) : "-"
			printf "%9d %-24s %19s %8s %16s %16s\n", n, name,
			    mm(t / c, tl, th), sync,
			    sprintf("%.1f (%.1f-%.1f)", r / c / 1024,
				rl / 1024, rh / 1024),
			    sprintf("%.1f (%.1f-%.1f)", h / c / 1024,
				hl / 1024, hh / 1024)
		    }' "$E2E_TMP/load-figures"
	done
done

if [ -s "$E2E_TMP/poll-figures" ]; then
	echo
	echo "== (a) the first incremental sync after the load, nothing" \
	    "changed (poll = $poll s)"
	printf '%9s %10s %16s %16s\n' contacts "seconds" "mailswitch CPU" \
	    "slapd CPU"
	awk '{ printf "%9d %10.3f %13.0f ms %13.0f ms\n", $1, $2, $3, $4 }' \
	    "$E2E_TMP/poll-figures"
fi

echo
echo "== (b) cold throughput, $tp_contacts contacts: mean of the" \
    "$((2 * rounds)) runs of each, order $order"
printf '%-22s %17s %10s %16s %9s %21s %6s %8s\n' "" "20 sessions" \
    "20 sess." "1 session" "slapd" "CPU ms a message" "sync" \
    "mailsw."
printf '%-22s %17s %10s %16s %9s %10s %10s %6s %8s\n' setup \
    "accepted msg/s" "delivered" "ms/msg" "searches" "mailswitch" \
    "slapd" "pages" "VmRSS"
printf '%-22s %17s %10s %16s %9s %10s %10s %6s %8s\n' "" \
    "mean (min-max)" "msg/s" "mean (min-max)" "a msg" "" "" "" "MiB"
for x in R L B MR ML; do
	case $x in
	R) name="R socketmap, replica" ;;
	L) name="L socketmap, ldif" ;;
	B) name="B postfix ldap:" ;;
	MR) name="MR milter, replica" ;;
	ML) name="ML milter, ldif" ;;
	esac
	awk -v x="$x" -v name="$name" '
	    $1 == x { i += $2; o += $3; m += $4; q += $5; n++
		      mc += $8; sc += $9; pg += $10
		      if (n == 1 || $2 < il) il = $2; if ($2 > ih) ih = $2
		      if (n == 1 || $4 < ml) ml = $4; if ($4 > mh) mh = $4
		      if ($6 != "-") { r += $6; nr++ } }
	    END { if (n == 0) exit
		  printf "%-22s %17s %10.0f %16s %9.2f %10.2f %10.2f %6.0f" \
		    " %8s\n", name,
		    sprintf("%.0f (%.0f-%.0f)", i / n, il, ih), o / n,
		    sprintf("%.2f (%.2f-%.2f)", m / n, ml, mh), q / n,
		    mc / n, sc / n, pg / n,
		    nr ? sprintf("%.1f", r / nr / 1024) : "-" }' "$figs"
done
echo "(sync pages: the replica's searches during a run, a page each: a" \
    "poll ran then; B's mailswitch CPU is none: it is not running)"

if [ "$perf" = 1 ]; then
	echo
	echo "== CPU by command during the 20-session load (perf record -a," \
	    "the first run of each setup; % of the samples, both CPUs)"
	for x in R L B MR ML; do
		f="" k=0
		for y in $order; do
			if [ "$y" = "$x" ]; then
				f=$E2E_TMP/perf-$x-$k.data
				break
			fi
			k=$((k + 1))
		done
		if [ -z "$f" ] || [ ! -s "$f" ]; then
			continue
		fi
		echo "  $x:"
		perf report -i "$f" --stdio --sort comm 2>/dev/null |
		    awk '/^ *[0-9.]+%/ && n < 10 { print "    " $0; n++ }'
	done
fi

echo
echo "== targets"
awk -v big=100000 '
    $1 == big && $2 == "replica" { c++; t += $4; if ($7 > h) h = $7 }
    END { if (c == 0) { print "  (no size 100000: no load targets)"; exit }
	  printf "  100,000 loaded in <= 5 s: %.2f s (mean), %s\n", t / c,
	    t / c <= 5 ? "met" : "MISSED"
	  printf "  100,000 in <= 100 MiB: VmHWM %.1f MiB (max), %s\n",
	    h / 1024, h / 1024 <= 100 ? "met" : "MISSED" }' \
    "$E2E_TMP/load-figures"
awk '
    { i[$1] += $2; o[$1] += $3; m[$1] += $4; c[$1] += $8; n[$1]++ }
    function r(a, x, y) { return (a[x] / n[x]) / (a[y] / n[y]) }
    function pair(x, y, what,    ok) {
	if (!n[x] || !n[y]) return
	if (what == "none") {
		printf "  %s vs %s: accepted %.3f x, delivered %.3f x," \
		    " ms/msg %.3f x (no target)\n", x, y, r(i, x, y),
		    r(o, x, y), r(m, x, y)
		return
	}
	if (what == "within 5 %")
		ok = r(i, x, y) >= 0.95 && r(o, x, y) >= 0.95 &&
		    r(m, x, y) <= 1.05
	else
		ok = r(i, x, y) >= 1.2 && r(o, x, y) >= 1.2
	printf "  %s vs %s: accepted %.3f x, delivered %.3f x, ms/msg" \
	    " %.3f x; target %s: %s\n", x, y, r(i, x, y), r(o, x, y),
	    r(m, x, y), what, ok ? "met" : "MISSED"
	if (what == "within 5 %" && c[y] > 0)
		printf "    (mailswitch CPU a message: %.3f x)\n", r(c, x, y)
    }
    END { pair("R", "L", "within 5 %"); pair("MR", "ML", "within 5 %")
	  pair("R", "B", ">= 1.2 x"); pair("L", "B", "none") }' "$figs"
echo
echo "($(nproc) CPUs;" \
    "Postfix $(postconf -c "$E2E_POSTFIX_DIR" -h mail_version);" \
    "$(slapd -VV 2>&1 | sed -n 's/.*slapd \([0-9.]*\).*/slapd \1/p' |
	head -n 1);" \
    "$("$bin" -V 2>&1 | head -n 1))"
echo "command: $cmdline"
