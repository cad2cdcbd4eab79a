#!/usr/bin/env bash
# t/ldap/replica-threads.sh REPLICA_THREADS_PROGRAM -- the directory
# replica under 8 threads of lookups while the directory changes and
# full reloads are swapped in: see t/ldap/replica_threads.c.  A private
# slapd (t/lib/slapd.sh) holds REPLICA_T_USERS (default 2000) generated
# contacts (t/ldap/gen-contacts.sh); the replica polls every second and
# reloads every second.  While the program's threads run, this script
# adds and deletes the contacts "cn=Churn K" and rewrites the
# description of User entries with ldapmodify, in a loop bounded in
# rounds and in time (the program runs until there were 20 rounds and 2
# full reloads, 30 s at most).  Afterwards slapd's log must show no lookup of an
# address (every answer came from memory) and at least 2 full reloads
# (paged by 500) while the threads ran.  Every
# wait is bounded; slapd and the program are stopped by PID.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 REPLICA_THREADS_PROGRAM" >&2
	exit 64
fi
prog=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/slapd.sh"
slapd_init
command -v ldapmodify >/dev/null 2>&1 || slapd_die "ldapmodify is not installed"

users=${REPLICA_T_USERS:-2000}
churn=10
seconds=6
"$here/gen-contacts.sh" "$users" >"$SLAPD_TMP/contacts.ldif"
slapd_start one --ldif "$SLAPD_TMP/contacts.ldif"
slapd_mailswitch_conf "$SLAPD_TMP/mailswitch.conf" "\"${SLAPD_URI[one]}\"" \
    "timeout=5.0" "connections=4" \
    "replica={ enabled = true; poll = 1; refresh = 1; page_size = 500; }"
ready=$SLAPD_TMP/ready
enough=$SLAPD_TMP/enough
log=$SLAPD_TMP/one/slapd.log

REPLICA_T_CONF=$SLAPD_TMP/mailswitch.conf REPLICA_T_READY=$ready \
    REPLICA_T_ENOUGH=$enough \
    REPLICA_T_USERS=$users REPLICA_T_CHURN=$churn \
    REPLICA_T_SECONDS=$seconds CK_FORK=no \
    timeout 120 "$prog" &
pid=$!
stop_prog()
{
	proc_stop "$pid" 10 "$(basename "$prog")"
}

# the program loads the replica (at most 20 s), then creates $ready
if ! proc_wait_up "$pid" 300 test -e "$ready"; then
	stop_prog
	echo "FAIL: the program did not load the replica (status $PROC_STATUS)" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
# a full load of more than 2000 entries: 4 pages of 500 and one smaller
pages500()
{
	grep -c 'SEARCH RESULT tag=101 err=0 .* nentries=500 ' "$log" || true
}
pages0=$(pages500)

# change the directory while the threads look up: at most 400 rounds,
# at most 40 s, until the program is done; once there were 20 rounds
# and 2 full reloads, tell the program it may stop (it runs 6 s at least)
declare -A present
rounds=0 added=0 deleted=0 described=0 t_end=$((SECONDS + 40))
while [ "$rounds" -lt 400 ] && [ "$SECONDS" -lt "$t_end" ] &&
    proc_alive "$pid"; do
	k=$((rounds % churn))
	u=$(((rounds * 7919) % users))
	{
		if [ -n "${present[$k]:-}" ]; then
			printf '%s\n' "dn: cn=Churn $k,ou=contacts,$SLAPD_BASE" \
			    "changetype: delete" ""
		else
			printf '%s\n' "dn: cn=Churn $k,ou=contacts,$SLAPD_BASE" \
			    "objectClass: inetOrgPerson" \
			    "objectClass: mailswitchRecipient" \
			    "cn: Churn $k" "sn: Churn" \
			    "proxyAddresses: SMTP:churn$k@contoso.com" \
			    "targetAddress: SMTP:churn$k@fourthcoffee.com" ""
		fi
		printf '%s\n' "dn: cn=User $u,ou=contacts,$SLAPD_BASE" \
		    "changetype: modify" "replace: description" \
		    "description: round $rounds"
	} | slapd_modify one || {
		echo "FAIL: ldapmodify (round $rounds)" >&2
		tail -n 5 "$SLAPD_TMP/one/modify.log" >&2
		stop_prog
		exit 1
	}
	if [ -n "${present[$k]:-}" ]; then
		present[$k]=""
		deleted=$((deleted + 1))
	else
		present[$k]=1
		added=$((added + 1))
	fi
	described=$((described + 1))
	rounds=$((rounds + 1))
	if [ ! -e "$enough" ] && [ "$rounds" -ge 20 ] &&
	    [ $((($(pages500) - pages0) / 4)) -ge 2 ]; then
		: >"$enough"
	fi
	# a change every 50 ms or so: several per poll
	sleep 0.05
done
echo "directory changes: $rounds rounds, $added contacts added," \
    "$deleted deleted, $described descriptions"

if proc_wait_exit "$pid" 600; then
	rc=$PROC_STATUS
else
	echo "FAIL: the program did not end" >&2
	stop_prog
	rc=1
fi

fails=0
if [ "$rounds" -lt 20 ]; then
	echo "FAIL: only $rounds rounds of changes while the threads ran" >&2
	fails=$((fails + 1))
fi
# lookups on the message path search for the address itself
# ("(|(proxyAddresses=smtp:KEY)(proxyAddresses=KEY))"): none may reach
# slapd once the replica is loaded
if grep -F 'SRCH base=' "$log" | grep -qE 'filter=.*[A-Za-z0-9]@(contoso|fourthcoffee)\.com'; then
	echo "FAIL: lookups reached slapd:" >&2
	grep -F 'SRCH base=' "$log" |
	    grep -E 'filter=.*[A-Za-z0-9]@(contoso|fourthcoffee)\.com' |
	    head -n 5 >&2
	fails=$((fails + 1))
fi
pages=$(pages500)
reloads=$(((pages - pages0) / 4))
echo "slapd: $(grep -c 'SRCH base=' "$log" || true) searches in all;" \
    "$((pages - pages0)) pages of 500 while the threads ran: $reloads full" \
    "reloads"
if [ "$reloads" -lt 2 ]; then
	echo "FAIL: fewer than 2 full reloads (refresh = 1) while the threads ran" >&2
	fails=$((fails + 1))
fi
if [ "$rc" -ne 0 ]; then
	echo "FAIL: $(basename "$prog") exited with $rc" >&2
	tail -n 20 "$log" >&2
	exit "$rc"
fi
[ "$fails" -eq 0 ] || exit 1
echo "PASS: replica threads"
