# t/ldap/lib.sh -- what the t/ldap/test-*.sh scripts share: private slapd
# servers (t/lib/slapd.sh) plus the private Postfix, smtp-sink and
# mailswitch of t/lib/ (by t/e2e/lib.sh), one EXIT trap that stops them
# all by PID.
#
#	. "$(dirname "$0")/lib.sh"
#	ldap_test_init MAILSWITCH_BINARY     # sets $MS, $T (a scratch folder)
#	q_run CONF ADDRESS                   # mailswitch -q: Q_OUT Q_ERR Q_RC Q_MS
#	n_run CONF                           # mailswitch -n: N_ERR N_RC
#	smtp_rcpt ADDRESS                    # one RCPT through Postfix: RCPT_REPLY RCPT_MS
#	msg_send ADDRESS                     # one whole message: RCPT_REPLY QID
#	msg_delivered_to RCPT                # smtp-sink got it, for exactly RCPT
#	smap_query, smap_is, smap_wait, smap_steady  # the socketmap (t/lib/socketmap.sh)
#	log_mark; log_wait_since MARK SECONDS STRING   # the daemon's log
#	replica_conf FILE NAME BODY; replica_start FILE  # the replica tests
#	replica_changes_aside NAME LOCAL TARGET    # changes slapd "one" hides
#
# Needs root (Postfix), slapd, slapadd, openssl.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
LDAP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LDAP_LIB_DIR/../e2e/lib.sh"
SLAPD_OWNER=1
. "$LDAP_LIB_DIR/../lib/slapd.sh"
# shellcheck source=t/lib/socketmap.sh
. "$LDAP_LIB_DIR/../lib/socketmap.sh"
# shellcheck source=t/metrics.sh
. "$LDAP_LIB_DIR/../metrics.sh"

MS=""
T=""

# Cleans up slapd servers, then everything of t/e2e/lib.sh.
ldap_cleanup()
{
	slapd_cleanup
	e2e_cleanup
}

ldap_test_init()
{
	[ $# -eq 1 ] || { echo "usage: $0 MAILSWITCH_BINARY" >&2; exit 64; }
	MS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	[ -x "$MS" ] || e2e_die "not executable: $MS"
	e2e_init
	slapd_init
	trap ldap_cleanup EXIT
	T=$SLAPD_TMP
}

# Fails a check when file $1 (a -q / -n stderr) holds a sanitizer report.
sanitizer_free()
{
	local pat='AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:'
	if grep -qE "$pat" "$1"; then
		grep -E -A5 "$pat" "$1" | head -n 40 >&2
		assert "no sanitizer report ($2)" false
	fi
}

# ldap_metrics_init -- for a test that reads the metrics (t/metrics.sh,
# sourced above): dies unless curl is installed; METRICS_TMP is $T.
ldap_metrics_init()
{
	command -v curl >/dev/null 2>&1 || e2e_die "curl is not installed"
	METRICS_TMP=$T
}

# ldap_metrics_conf CACHE -- write $T/mailswitch.conf (mode 644; its path
# also in $conf) for slapd one: timeout 1 s, two connections, the metrics
# on $METRICS_PORT and the cache group "cache = { CACHE };".
ldap_metrics_conf()
{
	conf=$T/mailswitch.conf
	slapd_mailswitch_conf "$T/base.conf" "\"${SLAPD_URI[one]}\"" \
	    timeout=1.0 connections=2
	{
		echo "metrics = \"inet:$METRICS_PORT@127.0.0.1\";"
		sed -e "s|cache = { entries = 0; };|cache = { $1 };|" \
		    "$T/base.conf"
	} >"$conf"
	chmod 644 "$conf"
	grep -qF "cache = { $1 };" "$conf" || e2e_die "no cache group in $conf"
}

# Milliseconds since the epoch.
ms_now()
{
	date +%s%3N
}

# Run mailswitch -c CONF -v -q ADDRESS; stdout in Q_OUT, stderr in Q_ERR,
# exit status in Q_RC, the time it took in Q_MS.
q_run()
{
	local t0
	t0=$(ms_now)
	set +e
	Q_OUT=$(timeout 30 "$MS" -c "$1" -v -q "$2" 2>"$T/q.err")
	Q_RC=$?
	set -e
	Q_MS=$(($(ms_now) - t0))
	Q_ERR=$(cat "$T/q.err")
	sanitizer_free "$T/q.err" "-q $2"
	echo "    -q $2 -> $Q_RC '$Q_OUT' (${Q_MS} ms) ${Q_ERR:+[$Q_ERR]}" >&2
}

# Run mailswitch -c CONF -n; stderr in N_ERR, exit status in N_RC.
n_run()
{
	set +e
	N_ERR=$(timeout 30 "$MS" -c "$1" -n 2>&1 >/dev/null)
	N_RC=$?
	set -e
	printf '%s\n' "$N_ERR" >"$T/n.err"
	sanitizer_free "$T/n.err" "-n $1"
	echo "    -n -> $N_RC ${N_ERR:+[$N_ERR]}" >&2
}

# One SMTP session through the private Postfix (with the milter): MAIL
# FROM and RCPT TO:<ADDRESS>; the RCPT reply in RCPT_REPLY, the time it
# took in RCPT_MS.
smtp_rcpt()
{
	local t0
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	t0=$(ms_now)
	smtp_cmd "RCPT TO:<$1>"
	RCPT_MS=$(($(ms_now) - t0))
	RCPT_REPLY=$SMTP_REPLY
	smtp_cmd "QUIT"
	smtp_close
	echo "    RCPT TO:<$1> -> $RCPT_REPLY (${RCPT_MS} ms)" >&2
}

# True when "$1" is exactly "$2" (shows both otherwise).
is()
{
	e2e_same "$1" "$2"
}

# True when text $1 starts with $2.
starts()
{
	case $1 in
	"$2"*) return 0 ;;
	esac
	echo "    '$1' does not start with '$2'" >&2
	return 1
}

# True when text $1 contains $2.
has()
{
	case $1 in
	*"$2"*) return 0 ;;
	esac
	echo "    '$1' lacks '$2'" >&2
	return 1
}

# True when text $1 does not contain $2.
lacks()
{
	case $1 in
	*"$2"*) echo "    '$1' holds '$2'" >&2; return 1 ;;
	esac
	return 0
}

# True when number $1 <= $2.
le()
{
	[ "$1" -le "$2" ] || { echo "    $1 > $2" >&2; return 1; }
}

# One message through the private Postfix to ADDRESS; the RCPT reply in
# RCPT_REPLY, the queue id in QID ("" when refused).
msg_send()
{
	QID=""
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	smtp_cmd "RCPT TO:<$1>"
	RCPT_REPLY=$SMTP_REPLY
	if [ "$SMTP_CODE" = 250 ]; then
		smtp_cmd "DATA"
		smtp_data_body <<EOF
From: Someone <someone@example.org>
To: $1
Subject: mailswitch test

Hello.
EOF
		case $SMTP_REPLY in
		"250 2.0.0 Ok: queued as "*) QID=${SMTP_REPLY##* } ;;
		esac
	fi
	smtp_cmd "QUIT"
	smtp_close
	echo "    $1: RCPT $RCPT_REPLY, queue id '$QID'" >&2
}

# True when the one message smtp-sink holds (waits at most 20 s) went to
# exactly RCPT (e.g. "<bob@fourthcoffee.com>"); clears smtp-sink.
msg_delivered_to()
{
	local dump ok=1
	e2e_sink_wait 1 20 || { echo "    nothing at smtp-sink" >&2; return 1; }
	dump=$(find "$E2E_TMP/sink" -type f -name 'msg.*' | head -n 1)
	e2e_same "$(e2e_sink_rcpts "$dump")" "$1" || ok=0
	[ "$(e2e_sink_count)" -eq 1 ] ||
	    { echo "    $(e2e_sink_count) messages at smtp-sink" >&2; ok=0; }
	e2e_sink_clear
	[ "$ok" = 1 ]
}

# The number of lines in the daemon's log now (a mark for log_wait_since).
log_mark()
{
	wc -l <"$E2E_TMP/mailswitch.log"
}

# Wait at most SECONDS until a line after line MARK of the daemon's log
# holds STRING; true when one does.
log_wait_since()
{
	e2e_wait_for "$2" log_has_since "$1" "$3"
}

# True when a line after line MARK of the daemon's log holds STRING.
log_has_since()
{
	tail -n +"$(($1 + 1))" "$E2E_TMP/mailswitch.log" | grep -qF -- "$2"
}

# True when number $1 < $2 (decimals allowed; "absent" is not a number).
lt()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		exit !(a ~ /^[0-9]+(\.[0-9]+)?$/ && a + 0 < b + 0) }' ||
	    { echo "    $1 is not < $2" >&2; return 1; }
}

# True when number $1 >= $2 (decimals allowed; "absent" is not a number).
ge()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		exit !(a ~ /^[0-9]+(\.[0-9]+)?$/ && a + 0 >= b + 0) }' ||
	    { echo "    $1 is not >= $2" >&2; return 1; }
}

# The replica tests (test-replica*.sh): write the configuration FILE for
# slapd NAME (slapd_mailswitch_conf: no cache) with the replica group
# REPLICA (its body, "enabled = true; ..."), the metrics on $METRICS_PORT
# and the socketmap on $E2E_SOCKETMAP_PORT (the milter's socket comes
# from -p).
replica_conf()
{
	local file=$1 name=$2 replica=$3
	slapd_mailswitch_conf "$T/base-$name.conf" "\"${SLAPD_URI[$name]}\"" \
	    timeout=2.0 connections=2 "replica={ $replica }"
	{
		echo "metrics = \"inet:$METRICS_PORT@127.0.0.1\";"
		echo "socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";"
		cat "$T/base-$name.conf"
	} >"$file"
	chmod 644 "$file"
	grep -q 'replica = { enabled = true;' "$file" ||
	    e2e_die "no replica group in $file"
}

# Start mailswitch on CONF of replica_conf (the milter, -p, and the
# socketmap); its PID in $pid.
replica_start()
{
	e2e_mailswitch_start "$MS" "$1"
	pid=$E2E_MAILSWITCH_PID
	e2e_wait_port "$E2E_SOCKETMAP_PORT" 10 "$pid" ||
	    e2e_die "no socketmap server on $E2E_SOCKETMAP_PORT"
}

# True when slapd NAME's log has no search whose filter holds one of
# the ADDRESSes (a lookup on the message path; the replica's own searches
# name no address).
no_lookup_at()
{
	local f=$SLAPD_TMP/$1/slapd.log a ok=0
	shift
	for a in "$@"; do
		if grep -F 'SRCH base=' "$f" | grep -qiF -- "$a"; then
			grep -F 'SRCH base=' "$f" | grep -iF -- "$a" |
			    head -n 3 >&2
			ok=1
		fi
	done
	return "$ok"
}

# A contact of sales.contoso.com (LDIF add record): NAME LOCAL TARGET.
contact_ldif()
{
	printf '%s\n' "dn: cn=$1,ou=contacts,$SLAPD_BASE" \
	    "objectClass: inetOrgPerson" "objectClass: mailswitchRecipient" \
	    "cn: $1" "sn: $1" "proxyAddresses: SMTP:$2@sales.contoso.com" \
	    "targetAddress: SMTP:$3" ""
}

# replica_changes NAME LOCAL TARGET: on slapd "one", add the contact
# NAME (contact_ldif), delete the mailbox user Gina Ho and give Bob Lee
# the target bob.new@fourthcoffee.com; slapd_modify's status.
replica_changes()
{
	{
		contact_ldif "$1" "$2" "$3"
		printf '%s\n' "dn: cn=Gina Ho,ou=users,$SLAPD_BASE" \
		    "changetype: delete" ""
		printf '%s\n' "dn: cn=Bob Lee,ou=contacts,$SLAPD_BASE" \
		    "changetype: modify" "replace: targetAddress" \
		    "targetAddress: SMTP:bob.new@fourthcoffee.com"
	} | slapd_modify one
}

# replica_changes_aside NAME LOCAL TARGET: assert that Gina is still a
# mailbox (the socketmap's access says NOTFOUND), then make
# replica_changes with slapd "one" set aside (slapd_aside: stopped, its
# clients cannot see them until it is back); dies when ldapmodify fails.
replica_changes_aside()
{
	assert "gina@sales.contoso.com before: a mailbox (kept)" \
	    smap_is access gina@sales.contoso.com "NOTFOUND "
	slapd_aside one replica_changes "$@" ||
	    e2e_die "ldapmodify (aside) failed: $(cat "$SLAPD_TMP/one/modify.log")"
}

# The number of entries of LDIF file $1 that have a proxyAddresses or a
# targetAddress value: what the replica loads.
ldif_recipients()
{
	awk 'BEGIN { RS = ""; n = 0 }
	    /(^|\n)(proxyAddresses|targetAddress)::? / { n++ }
	    END { print n }' "$1"
}

# True when number $1 > $2 (decimals allowed; "absent" is not a number).
gt()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		exit !(a ~ /^[0-9]+(\.[0-9]+)?$/ && a + 0 > b + 0) }' ||
	    { echo "    $1 is not > $2" >&2; return 1; }
}
