#!/bin/bash
# contrib/bench/replica-reload-bench.sh -- the directory replica's memory
# over repeated full reloads; not in CI:
#
#	replica-reload-bench.sh MAILSWITCH_BINARY [CONTACTS [SAMPLES [CHANGE]]]
#
# A private slapd (t/lib/slapd.sh, database limit raised) holding CONTACTS
# (default 100000) generated contacts (t/ldap/gen-contacts.sh); mailswitch
# (socketmap only, log_level info) with replica { poll = 4; refresh = 8;
# syncrepl = "off"; }.  Every 5 s, SAMPLES times (default 12): with CHANGE=1
# (the default) one contact's target changed with ldapmodify first, so that
# every sync builds a new index; then the count of full syncs so far and
# VmRSS / VmHWM of the daemon.  Everything listens on 127.0.0.1 and is
# stopped by its own PID; every wait is bounded.  Needs root, slapd.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 4 "MAILSWITCH_BINARY [CONTACTS [SAMPLES [CHANGE]]]" "$@"
bin=$(bench_binary "$1")
count=${2:-100000}
samples=${3:-12}
change=${4:-1}
bench_numbers counts "$count" "$samples" "$change"
BENCH_HARNESS=slapd
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"
mspid=""
stop_all()
{
	proc_stop "$mspid" 10 mailswitch
	slapd_cleanup
}
slapd_init
trap stop_all EXIT
sh "$here/../../t/ldap/gen-contacts.sh" "$count" >"$SLAPD_TMP/c.ldif"
slapd_start one --ldif "$SLAPD_TMP/c.ldif"
port=$(slapd_free_port)
conf=$SLAPD_TMP/ms.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=5.0 \
    'replica={ enabled = true; poll = 4; refresh = 8; page_size = 500; syncrepl = "off"; }'
sed -i "s|^socket = .*|socket = \"\";\nsocketmap = \"inet:$port@127.0.0.1\";|;
    s|log_level = \"debug\"|log_level = \"info\"|" "$conf"
"$bin" -c "$conf" -f >"$SLAPD_TMP/ms.log" 2>&1 &
mspid=$!
for i in $(seq 1 "$samples"); do
	sleep 5
	proc_alive "$mspid" || { echo "mailswitch exited" >&2; exit 1; }
	if [ "$change" = 1 ]; then
		printf '%s\n' "dn: cn=User $i,ou=contacts,$SLAPD_BASE" \
		    "changetype: modify" "replace: targetAddress" \
		    "targetAddress: SMTP:moved$i@fourthcoffee.com" |
		    ldapmodify -x -H "${SLAPD_URI[one]}" \
		    -D "cn=admin,$SLAPD_BASE" -w admin-secret >/dev/null
	fi
	printf '%3d s  %2d full syncs  %s\n' $((i * 5)) \
	    "$(grep -c 'full sync ok' "$SLAPD_TMP/ms.log")" \
	    "$(grep -E 'VmRSS|VmHWM' "/proc/$mspid/status" | tr -s ' \t\n' ' ')"
done
grep -E 'sync ok' "$SLAPD_TMP/ms.log" | tail -n 4
echo "command: $0 $*"
