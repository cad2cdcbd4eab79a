#!/bin/bash
# contrib/bench/modes-bench.sh -- Postfix's own speed with mailswitch
# deciding, in every mode, against Postfix alone and Postfix's own tables;
# one private Postfix, one private slapd, one interleaved run; not in CI:
#
#	modes-bench.sh MAILSWITCH_BINARY [MESSAGES [SERIAL_MESSAGES [SETUPS]]]
#
# SETUPS: comma-separated letters, default A,H,B,M,X,U,T:
#   A  Postfix alone: no table, no check (the floor);
#   H  Postfix's own hash: table as virtual_alias_maps, exported from the
#      same directory (what an administrator runs from a nightly cron job:
#      ldapsearch, then postmap; hours behind the directory);
#   B  Postfix's own ldap: table as virtual_alias_maps (every recipient
#      a query to slapd);
#   M  mailswitch as milter (smtpd_milters, inet: socket);
#   X  mailswitch as socketmap server over loopback TCP: check_recipient_
#      access and virtual_alias_maps socketmap:inet:... (contrib/postfix/
#      main-socketmap.cf);
#   U  the same over a unix socket (socketmap:unix:...);
#   T  mailswitch's tables mode: the lmdb: tables mailswitch keeps
#      current from its replica, as check_recipient_access and
#      virtual_alias_maps (contrib/postfix/main-tables.cf).
# mailswitch runs on its ldap back-end with the replica (SPEC section 9:
# every lookup from memory, seconds behind the directory), the cache of
# modes-bench's earlier versions under it (100,000 entries, ttl 300 s),
# log_level info (a line per decision), one daemon per setup.
#
# Directory: a private slapd (t/lib/slapd.sh) with generated contacts
# (t/ldap/gen-contacts.sh: userI@contoso.com and uI@contoso.com ->
# userI@fourthcoffee.com), enough for every recipient of the runs; B
# returns a plain copy of each target in mail: (Postfix's ldap table cannot
# strip targetAddress's "SMTP:"), and H's table is made from the same
# entries: "userI@contoso.com userI@fourthcoffee.com" and
# "uI@contoso.com userI@fourthcoffee.com", postmap'd.
#
# Load: contrib/bench's load_gen smtp (one message per connection, no
# pipelining, 5 recipients a message, every one a contact): MESSAGES
# (default 2000) over 20 sessions (accepted msg/s at smtpd, delivered
# msg/s at smtp-sink) and SERIAL_MESSAGES (default 300) over one session
# (ms a message, the latency).  Each setup is run COLD (mailswitch
# started afresh and, for T, its tables written afresh; Postfix reloaded,
# so that its processes open their tables and connections anew; every
# recipient new to every setup) and then WARM (the same recipients
# again).  Order: SETUPS, then SETUPS reversed (A H B M X U T T U X M B H
# A), each figure the mean of its two runs.  A warm-up of 40 messages
# spawns Postfix's processes before the timed loads.
#
# Every delivered envelope is checked: each message (by its Subject,
# load_gen's number) reached smtp-sink exactly once per recipient, with
# exactly its 5 recipients rewritten to @fourthcoffee.com (A: unchanged,
# @contoso.com) and its sender unchanged.
#
# PROFILE=1 adds, per setup, after its timed runs: a load of MESSAGES
# warm messages under `perf record -a`: the CPU time of each command per
# message (Postfix's smtpd, cleanup, trivial-rewrite, qmgr, smtp, master;
# mailswitch, slapd, smtp-sink, the load); and for X, U and M a run of
# 200 messages with mailswitch at log_level debug: the socketmap requests
# a message, by map and key kind, from its log.  And, once: load_gen rtt's
# round trips on one connection over loopback TCP and over the unix
# socket (cache hits), with the server's CPU time a lookup.
#
# Everything listens on 127.0.0.1 (the unix socket in the bench's own
# folder), is stopped by its own PID (EXIT trap); every load and wait is
# bounded.  Needs root, slapd, postfix-ldap (B), postfix-lmdb (T).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 4 "MAILSWITCH_BINARY [MESSAGES [SERIAL_MESSAGES [SETUPS]]]" "$@"
cmdline="PROFILE=${PROFILE:-0} $0 $*"
bin=$(bench_binary "$1")
npar=${2:-2000}
nser=${3:-300}
setups=${4:-A,H,B,M,X,U,T}
profile=${PROFILE:-0}
bench_numbers "message counts" "$npar" "$nser"
[ "$npar" -ge 1 ] && [ "$npar" -le 20000 ] && [ "$nser" -ge 1 ] &&
    [ "$nser" -le 20000 ] || { echo "counts: 1..20000" >&2; exit 64; }
case ,$setups, in
*[!AHBMXUT,]* | *,,*) echo "SETUPS: letters of A,H,B,M,X,U,T" >&2
    exit 64 ;;
esac
case $profile in
0) ;;
1) command -v perf >/dev/null 2>&1 || { echo "PROFILE=1: no perf" >&2
       exit 64; } ;;
*) echo "PROFILE: 0 or 1" >&2; exit 64 ;;
esac
IFS=, read -r -a setup_list <<<"$setups"
order="${setup_list[*]}"
for ((i = ${#setup_list[@]} - 1; i >= 0; i--)); do
	order="$order ${setup_list[i]}"
done
load=$(bench_load_gen "$bin")
BENCH_HARNESS="e2e slapd"
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"
# no 500-entry cap on the replica's paged searches
# shellcheck disable=SC2034  # read by slapd.sh
SLAPD_SIZELIMIT=unlimited

bench_start slapd

limit=300			# seconds, per load and per wait
nrcpt=5
nruns=$(wc -w <<<"$order")
per_run=$((nrcpt * (npar + nser)))
# recipients: run k's cold and warm loads from k x per_run; then the
# warm-up's, the profile's and the log count's, each a range of its own
wbase=$((nruns * per_run))
pbase=$((wbase + nrcpt * 40))
cbase=$((pbase + nrcpt * npar))
contacts=$((cbase + nrcpt * 200))
figs=$E2E_TMP/figures
: >"$figs"
sockdir=$E2E_TMP/sock
mkdir -p "$sockdir"
chown nobody "$sockdir"
tables=$E2E_TMP/tables
mkdir -p "$tables"
chown nobody "$tables"

echo "== slapd with $contacts contacts"
"$E2E_TOP/t/ldap/gen-contacts.sh" "$contacts" |
    sed 's/^targetAddress: SMTP:\(.*\)$/&\nmail: \1/' >"$SLAPD_TMP/contacts.ldif"
slapd_start bench --ldif "$SLAPD_TMP/contacts.ldif"

# write_conf SETUP FILE LOGLEVEL: mailswitch's configuration for SETUP
write_conf()
{
	local x=$1 out=$2 level=$3 in=$E2E_TMP/ms.in
	slapd_mailswitch_conf "$in" "\"${SLAPD_URI[bench]}\"" \
	    "timeout=5.0" "connections=4" "replica={ enabled = true; }"
	sed -i -e 's/cache = { entries = 0; };/cache = { entries = 100000; ttl = 300; negative_ttl = 60; };/' \
	    -e "s/^log_level = .*/log_level = \"$level\";/" \
	    -e '/^socket = /d' "$in"
	grep -q 'entries = 100000' "$in" ||
	    e2e_die "cannot set the cache in the generated configuration"
	{
		case $x in
		M) echo "socket = \"inet:$E2E_MILTER_PORT@127.0.0.1\";"
		   echo "socketmap = \"\";" ;;
		X) echo "socket = \"\";"
		   echo "socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";" ;;
		U) echo "socket = \"\";"
		   echo "socketmap = \"unix:$sockdir/socketmap.sock\";" ;;
		T) echo "socket = \"\";"
		   echo "socketmap = \"\";"
		   echo "tables = { path = \"$tables\"; };" ;;
		esac
		cat "$in"
	} >"$out"
	rm -f "$in"
}

# ms_start SETUP [LOGLEVEL]: mailswitch for SETUP, in the foreground as
# nobody, logging to $E2E_TMP/mailswitch.log; ready when its replica's
# full load is logged and its front end answers (M, X: the port; U: the
# socket, opened to Postfix's user; T: the tables written).
ms_start()
{
	local x=$1 level=${2:-info} conf=$E2E_TMP/ms-$1.conf log
	log=$E2E_TMP/mailswitch.log
	write_conf "$x" "$conf" "$level"
	[ -f "$log" ] && cat "$log" >>"$E2E_TMP/mailswitch-all.log"
	: >"$log"
	rm -f "$tables"/*.lmdb "$sockdir/socketmap.sock"
	"$bin" -f -c "$conf" -u nobody >>"$log" 2>&1 &
	E2E_MAILSWITCH_PID=$!
	ms_ready "$x" "$level" || { tail -n 20 "$log" >&2
	    e2e_die "mailswitch ($x) did not get ready in $limit s"; }
	[ "$x" = U ] && chmod 666 "$sockdir/socketmap.sock"
	return 0
}

# ms_ready SETUP LOGLEVEL: wait (at most $limit s) for what ms_start
# says; at log_level notice, where the replica's sync is not logged, 2 s
# after the front end answers (the replica loads in less)
ms_ready()
{
	local x=$1 log=$E2E_TMP/mailswitch.log synced=0
	for _ in $(seq 1 $((limit * 10))); do
		proc_alive "$E2E_MAILSWITCH_PID" || return 1
		if [ "$2" = notice ] && [ "$synced" = 0 ] &&
		    { e2e_port_open "$E2E_SOCKETMAP_PORT" ||
		      [ -S "$sockdir/socketmap.sock" ]; }; then
			sleep 2
			synced=1
		fi
		if [ "$synced" = 1 ] ||
		    grep -q 'replica: full sync ok' "$log"; then
			case $x in
			M) e2e_port_open "$E2E_MILTER_PORT" && return 0 ;;
			X) e2e_port_open "$E2E_SOCKETMAP_PORT" && return 0 ;;
			U) [ -S "$sockdir/socketmap.sock" ] && return 0 ;;
			T) grep -q 'tables: full write ok' "$log" && return 0 ;;
			esac
		fi
		sleep 0.1
	done
	return 1
}

echo "== H's table: exported from the directory, postmap'd"
awk '/^proxyAddresses: / { sub(/^[^:]*: [sS][mM][tT][pP]:/, ""); p[n++] = $0 }
    /^mail: / { for (i = 0; i < n; i++) print p[i], $2; n = 0 }
    /^$/ { n = 0 }' "$SLAPD_TMP/contacts.ldif" >"$E2E_TMP/virtual"
[ "$(wc -l <"$E2E_TMP/virtual")" -eq $((2 * contacts)) ] ||
    e2e_die "H's export has $(wc -l <"$E2E_TMP/virtual") lines, not $((2 * contacts))"

e2e_sink_start
e2e_postfix_start ""
for t in ldap hash lmdb; do
	postconf -c "$E2E_POSTFIX_DIR" -m | grep -qx "$t" ||
	    e2e_die "Postfix has no $t table (Debian: postfix-$t)"
done
bench_postfix_ldap bench
cp "$E2E_TMP/virtual" "$E2E_POSTFIX_DIR/virtual"
postmap -c "$E2E_POSTFIX_DIR" "hash:$E2E_POSTFIX_DIR/virtual" ||
    e2e_die "postmap of H's table failed"
# virtual_alias_domains empty (main-socketmap.cf, main-tables.cf); the
# access lookups of T as main-tables.cf has them (domains ".d" style)
e2e_postfix_set "virtual_alias_domains =" \
    "parent_domain_matches_subdomains = debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains"
echo "Postfix 127.0.0.1:$E2E_SMTP_PORT -> smtp-sink $E2E_SINK_PORT;" \
    "slapd ${SLAPD_URI[bench]}; $npar messages over 20 sessions," \
    "$nser over 1, $nrcpt recipients each; order $order"

# setup X: the private Postfix's tables and checks for setup X
setup()
{
	local tcp=socketmap:inet:127.0.0.1:$E2E_SOCKETMAP_PORT
	local unx=socketmap:unix:$sockdir/socketmap.sock
	case $1 in
	A) e2e_postfix_set "smtpd_milters =" "virtual_alias_maps =" \
	    "e2e_recipient_restrictions =" ;;
	H) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = hash:$E2E_POSTFIX_DIR/virtual" \
	    "e2e_recipient_restrictions =" ;;
	B) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = ldap:$E2E_POSTFIX_DIR/ldap-virtual.cf" \
	    "e2e_recipient_restrictions =" ;;
	M) e2e_postfix_set \
	    "smtpd_milters = inet:127.0.0.1:$E2E_MILTER_PORT" \
	    "virtual_alias_maps =" "e2e_recipient_restrictions =" ;;
	X) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = $tcp:virtual" \
	    "e2e_recipient_restrictions = check_recipient_access $tcp:access" ;;
	U) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = $unx:virtual" \
	    "e2e_recipient_restrictions = check_recipient_access $unx:access" ;;
	T) e2e_postfix_set "smtpd_milters =" \
	    "virtual_alias_maps = lmdb:$tables/virtual" \
	    "e2e_recipient_restrictions = check_recipient_access lmdb:$tables/access" ;;
	esac
	e2e_postfix_reload
}

# check_envelopes X N BASE: the dumps at smtp-sink are exactly the N
# messages of a load from BASE: message K (its Subject) once per
# recipient, its recipients exactly user(BASE + 5K + j)@DOMAIN (j 0..4;
# DOMAIN fourthcoffee.com, contoso.com for A), its sender unchanged.
check_envelopes()
{
	local want=fourthcoffee.com out
	[ "$1" = A ] && want=contoso.com
	find "$E2E_TMP/sink" -type f -name 'msg.*' >"$E2E_TMP/dumps"
	if ! out=$(awk -v n="$2" -v base="$3" -v r="$nrcpt" -v dom="$want" \
	    -v list="$E2E_TMP/dumps" '
	    # one dump: its sender, its recipients, its message number
	    function dump(f,   line, a, nr, rc, k, from, i, j) {
		k = -1; nr = 0; from = ""
		while ((getline line < f) > 0) {
			split(line, a, " ")
			if (a[1] == "X-Mail-Args:") from = a[2]
			else if (a[1] == "X-Rcpt-Args:") rc[++nr] = a[2]
			else if (line ~ /^Subject: smtp_load /) k = a[3]
			else if (line == "" || line == "\r") break
		}
		close(f)
		if (k < 0) { print f ": no load Subject"; bad++ }
		if (from != "<someone@example.org>") {
			print "message " k ": sender " from; bad++ }
		for (i = 1; i <= nr; i++) {
			if (seen[rc[i]]++) { print "twice: " rc[i]; bad++ }
			got[k]++
			j = -1
			if (match(rc[i], /^<user[0-9]+@/)) {
				j = substr(rc[i], 6, RLENGTH - 6) - base - r * k
				if (rc[i] != "<user" (base + r * k + j) "@" dom ">")
					j = -1
			}
			if (j < 0 || j >= r) {
				print "message " k ": recipient " rc[i]; bad++ }
		}
	    }
	    BEGIN {
		while ((getline f < list) > 0)
			dump(f)
		for (k = 0; k < n; k++)
			if (got[k] != r) {
				print "message " k ": " got[k] + 0 \
				    " recipients"; bad++ }
		exit bad > 0
	    }'); then
		echo "FATAL: setup $1: envelopes wrong:" >&2
		head -n 10 <<<"$out" >&2
		exit 1
	fi
}

# run_load X SESSIONS COUNT BASE: COUNT messages over SESSIONS sessions,
# recipients from BASE (contrib/bench/load.sh: T_SEND and T_DONE); check
# their envelopes.
run_load()
{
	bench_smtp "$@"
	# smtp-sink makes a dump at MAIL: let the last ones be written
	e2e_wait_for 5 envelopes_complete "$3" || true
	check_envelopes "$1" "$3" "$4"
}

# envelopes_complete N: the dumps hold N x 5 recipients
envelopes_complete()
{
	[ "$(find "$E2E_TMP/sink" -type f -name 'msg.*' -exec cat {} + |
	    grep -c '^X-Rcpt-Args:')" -ge $(($1 * nrcpt)) ]
}

# cpu_ticks PID: "utime stime" of the process (all threads), clock ticks
cpu_ticks()
{
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}

# profile X: a warm load of $npar messages under perf record on the
# bench's own processes (Postfix's master and every process it starts,
# mailswitch, slapd, smtp-sink: -p follows their children; other work on
# the machine is not counted); the CPU of each command a message, to
# $E2E_TMP/profile-X
profile()
{
	local x=$1 pid data=$E2E_TMP/perf-$1.data pids
	pids=$(e2e_postfix_master_pid),${SLAPD_PID[bench]},$E2E_SINK_PID
	[ -n "$E2E_MAILSWITCH_PID" ] && pids=$pids,$E2E_MAILSWITCH_PID
	perf record -F 997 -p "$pids" -o "$data" -- sleep "$limit" \
	    >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	run_load "$x" 20 "$npar" "$pbase"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	perf report -i "$data" --stdio --sort comm -F overhead,sample,comm \
	    2>/dev/null | awk -v n="$npar" -v x="$x" '
	    /^ *[0-9.]+%/ { printf "%s %s %.3f\n", x, $3, $2 / 997 * 1000 / n }
	    ' >"$E2E_TMP/profile-$x"
	echo "$x _elapsed $(awk -v t="$T_DONE" -v n="$npar" \
	    'BEGIN { printf "%.3f", t * 1000 / n }')" >>"$E2E_TMP/profile-$x"
	rm -f "$data"
}

# count_requests X: 200 messages with mailswitch at log_level debug; the
# socketmap requests a message by map and kind of key (address, domain,
# local part), from its log, to $E2E_TMP/requests-X
count_requests()
{
	local x=$1 log=$E2E_TMP/mailswitch.log
	e2e_mailswitch_stop
	ms_start "$x" debug
	e2e_postfix_reload
	run_load "$x" 4 40 "$wbase"
	local l0
	l0=$(wc -l <"$log")
	run_load "$x" 20 200 "$cbase"
	sleep 1
	tail -n +"$((l0 + 1))" "$log" | awk -v x="$x" '
	    / socketmap: (access|virtual|generic) (rcpt|address)=</ ||
	    / socketmap: (reject )?rcpt=</ || / socketmap: address=</ {
		if ($0 ~ / socketmap: rcpt=</) map = "virtual"
		else if ($0 ~ / socketmap: reject /) map = "access"
		else { for (i = 1; i <= NF; i++) if ($i == "socketmap:") {
			map = $(i + 1); break } }
		key = $0; sub(/.*=</, "", key); sub(/>.*/, "", key)
		kind = key ~ /@./ ? "address" : key ~ /@$/ ? "localpart@" : "domain"
		n[map " " kind]++
	    }
	    END { for (k in n) printf "%s %s %.2f\n", x, k, n[k] / 200 }' \
	    >"$E2E_TMP/requests-$x"
	e2e_mailswitch_stop
}

# measure X K: run K of setup X: cold then warm; figures to $figs as
# "X cold|warm in out ms"
measure()
{
	local x=$1 k=$2 base temp in out ms
	base=$((k * per_run))
	e2e_mailswitch_stop
	case $x in
	M|X|U|T) ms_start "$x" ;;
	esac
	setup "$x"
	run_load "$x" 4 40 "$wbase"		# warm-up: spawn Postfix's daemons
	for temp in cold warm; do
		run_load "$x" 20 "$npar" "$base"
		in=$(awk -v n="$npar" -v t="$T_SEND" 'BEGIN { print n / t }')
		out=$(awk -v n="$npar" -v t="$T_DONE" 'BEGIN { print n / t }')
		run_load "$x" 1 "$nser" $((base + nrcpt * npar))
		ms=$(awk -v n="$nser" -v t="$T_SEND" 'BEGIN { print t * 1000 / n }')
		echo "$x $temp $in $out $ms" >>"$figs"
		printf '  %s %s: %4.0f msg/s accepted, %4.0f delivered (20 sessions);' \
		    "$x" "$temp" "$in" "$out"
		printf ' %5.2f ms/msg (1 session)  [load %s]\n' "$ms" \
		    "$(cut -d' ' -f1 /proc/loadavg)"
	done
	if [ "$profile" = 1 ] && [ ! -e "$E2E_TMP/profile-$x" ]; then
		profile "$x"
		case $x in
		M|X|U) count_requests "$x" ;;
		esac
	fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== load average before: $load_before"
k=0
for x in $order; do
	echo "== setup $x"
	measure "$x" "$k"
	k=$((k + 1))
done
e2e_mailswitch_stop
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

if [ "$profile" = 1 ] && [[ $setups == *[XU]* ]]; then
	echo
	echo "== socketmap round trips on one connection (cache hits)"
	# rtt_run X ADDR: 100,000 lookups after a warm-up, server CPU a lookup
	rtt_run()
	{
		local c0 c1
		ms_start "$1" notice
		timeout 60 "$load" rtt -n 2000 -k 1000 "$2" >/dev/null ||
		    e2e_die "load_gen rtt warm-up failed"
		c0=$(cpu_ticks "$E2E_MAILSWITCH_PID")
		# the client's CPU too: what a Postfix process spends a lookup
		TIMEFORMAT='%U %S'
		{ time timeout 120 "$load" rtt -n 100000 -k 1000 "$2" |
		    sed 's/^/    /' >&3; } 3>&1 2>"$E2E_TMP/rtt-client"
		c1=$(cpu_ticks "$E2E_MAILSWITCH_PID")
		awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		    split(a, x, " "); split(b, y, " ");
		    printf "    server CPU: user %.1f us + system %.1f us a" \
			" lookup\n", (y[1] - x[1]) * 1e6 / hz / 100000,
			(y[2] - x[2]) * 1e6 / hz / 100000 }'
		awk 'NF == 2 { printf "    client CPU: user %.1f us + system" \
		    " %.1f us a lookup\n", $1 * 1e6 / 100000, $2 * 1e6 / 100000 }' \
		    "$E2E_TMP/rtt-client"
		e2e_mailswitch_stop
	}
	for rep in 1 2; do
		echo "  loopback TCP (#$rep), log_level notice:"
		rtt_run X "127.0.0.1:$E2E_SOCKETMAP_PORT"
		echo "  unix socket (#$rep), log_level notice:"
		rtt_run U "unix:$sockdir/socketmap.sock"
	done
fi

echo
echo "== mean of the 2 runs of each setup, order $order"
printf '%-30s %9s %10s %8s %10s %10s\n' "" "20 sess." "20 sess." \
    "" "1 session" ""
printf '%-30s %9s %10s %8s %10s %10s\n' "setup" "accepted" "delivered" \
    "vs H" "ms/msg" "- H's ms"
for temp in cold warm; do
	for x in "${setup_list[@]}"; do
		case $x in
		A) name="A Postfix alone" ;;
		H) name="H Postfix hash: (nightly)" ;;
		B) name="B Postfix ldap:" ;;
		M) name="M mailswitch milter" ;;
		X) name="X socketmap, TCP" ;;
		U) name="U socketmap, unix" ;;
		T) name="T tables (lmdb:)" ;;
		esac
		awk -v x="$x" -v t="$temp" -v name="$name" '
		    $2 == t { i[$1] += $3; o[$1] += $4; m[$1] += $5; n[$1]++ }
		    END {
			vs = "-"; dm = "-"
			if (n["H"]) {
				vs = sprintf("%.3f", (i[x] / n[x]) / (i["H"] / n["H"]))
				dm = sprintf("%+.2f", m[x] / n[x] - m["H"] / n["H"])
			}
			printf "%-30s %9.0f %10.0f %8s %10.2f %10s\n",
			    name ", " t, i[x] / n[x], o[x] / n[x], vs,
			    m[x] / n[x], dm }' "$figs"
	done
done
echo "(vs H: accepted msg/s against H's, same temperature; - H's ms:" \
    "the one-session latency less H's)"
if [[ $setups == *H* ]]; then
	echo
	echo "== targets (issue 20): the fastest mailswitch mode >= 0.95 x H," \
	    "one session within H + 0.5 ms"
	for temp in cold warm; do
		awk -v t="$temp" '
		    $2 == t { i[$1] += $3; m[$1] += $5; n[$1]++ }
		    END {
			best = ""
			split("M X U T", ms, " ")
			for (k = 1; k <= 4; k++) {
				x = ms[k]
				if (!n[x]) continue
				if (best == "" || i[x] / n[x] > i[best] / n[best])
					best = x
			}
			if (best == "" || !n["H"]) exit
			r = (i[best] / n[best]) / (i["H"] / n["H"])
			d = m[best] / n[best] - m["H"] / n["H"]
			printf "  %s: %s %.3f x H (%s), %+.2f ms/msg against H (%s)\n",
			    t, best, r, (r >= 0.95 ? "met" : "MISSED"), d,
			    (d <= 0.5 ? "met" : "MISSED") }' "$figs"
	done
fi

if [ "$profile" = 1 ]; then
	echo
	echo "== CPU ms a message by command (perf record on the bench's" \
	    "processes, warm, $npar messages over 20 sessions; _elapsed:" \
	    "wall ms a message)"
	cat "$E2E_TMP"/profile-* | awk -v list="${setup_list[*]}" '
	    { cpu[$1 " " $2] = $3; cmds[$2] = 1 }
	    END {
		ns = split(list, sl, " ")
		split("_elapsed smtpd cleanup trivial-rewrite qmgr smtp master" \
		    " mailswitch slapd smtp-sink", order, " ")
		printf "%-16s", "command"
		for (j = 1; j <= ns; j++) hdr = hdr sprintf("%9s", sl[j])
		print hdr
		for (i = 1; i in order; i++) {
			c = order[i]; line = sprintf("%-16s", c)
			for (j = 1; j <= ns; j++)
				line = line sprintf("%9.3f", cpu[sl[j] " " c] + 0)
			print line; done[c] = 1
		}
		line = sprintf("%-16s", "(other)")
		for (j = 1; j <= ns; j++) {
			s = sl[j]; o = 0
			for (c in cmds) if (!(c in done)) o += cpu[s " " c]
			line = line sprintf("%9.3f", o)
		}
		print line
		line = sprintf("%-16s", "(all CPU)")
		for (j = 1; j <= ns; j++) {
			s = sl[j]; o = 0
			for (c in cmds) if (c != "_elapsed") o += cpu[s " " c]
			line = line sprintf("%9.3f", o)
		}
		print line
	    }'
	if ls "$E2E_TMP"/requests-* >/dev/null 2>&1; then
		echo
		echo "== socketmap requests a message (200 messages of 5" \
		    "recipients, log_level debug)"
		cat "$E2E_TMP"/requests-* | sort | awk '{ printf "  %s %-8s %-11s %5.2f\n", $1, $2, $3, $4 }'
	fi
fi

echo
echo "($(nproc) CPUs; load average before $load_before, after $load_after;" \
    "Postfix $(postconf -c "$E2E_POSTFIX_DIR" -h mail_version);" \
    "$("$bin" -V 2>&1 | head -n 1); $contacts contacts)"
echo "command: $cmdline"
