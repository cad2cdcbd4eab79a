# t/ad/lib.sh -- what the t/ad/ scripts share: the Samba AD DC of
# t/lib/samba.sh plus the helpers of t/ldap/lib.sh (the private Postfix,
# smtp-sink and mailswitch of t/lib/ by t/e2e/lib.sh, q_run, n_run, smtp_rcpt,
# msg_send, smap_query, log_wait_since...), one EXIT trap that stops them
# all by PID.
#
#	. "$(dirname "$0")/lib.sh"
#	ad_test_init "$0" MAILSWITCH_BINARY
#	    # re-executes the script in its own network and mount namespace
#	    # (t/lib/samba.sh), then sets $MS, $T (a scratch folder) and
#	    # starts the DC from the cached template
#	ad_conf NAME URI [KEY=VALUE...]   # $T/NAME.conf, bound over TLS
#	ad_restore_before STEP            # the DC back to its snapshot
#	q_is CONF ADDRESS RC OUTPUT WHAT  # assert mailswitch -q's answer
#	Q_is CONF ADDRESS OUTPUT WHAT     # assert mailswitch -Q's answer
#
# Needs root, Postfix, slapd (t/ldap/lib.sh checks for it), Samba.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
AD_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$AD_LIB_DIR/../ldap/lib.sh"
SAMBA_OWNER=1
. "$AD_LIB_DIR/../lib/samba.sh"

# Stops the DC, then everything of t/ldap/lib.sh (which exits).
ad_cleanup()
{
	samba_cleanup
	ldap_cleanup
}

# ad_test_init SCRIPT MAILSWITCH_BINARY
ad_test_init()
{
	local script=$1
	shift
	[ $# -eq 1 ] || { echo "usage: $script MAILSWITCH_BINARY" >&2; exit 64; }
	samba_enter_ns "$script" "$@"
	ldap_test_init "$1"
	samba_init "$T/samba"
	trap ad_cleanup EXIT
	samba_setup
	samba_start
}

# Write $T/NAME.conf for the DC at URI (one server; ldaps:// or
# ldap:// with starttls=true among the KEY=VALUEs): the test's CA, the
# bind account by its UPN and password file, timeout $AD_TIMEOUT (5 s,
# the default; Samba ends a search at the whole second of its start
# plus the time limit sent, so mailswitch sends what is left rounded up
# plus one second: t/ad/test-ad-replica.sh checks it at 1.5 s); then the
# KEY=VALUE lines given.  Prints the file's path.
ad_conf()
{
	local name=$1 uri=$2
	shift 2
	samba_mailswitch_conf "$T/$name.conf" "\"$uri\"" \
	    "tls_ca_file=\"$SAMBA_CA\"" "bind_dn=\"$SAMBA_BIND_UPN\"" \
	    "bind_password_file=\"$SAMBA_BIND_PWFILE\"" "timeout=${AD_TIMEOUT:-5.0}" "$@"
	echo "$T/$name.conf"
}

# Write $T/NAME.conf for a replica of the DC (ad_conf at URI with the
# replica group REPLICA, its body), the metrics on $METRICS_PORT and the
# socketmap on $E2E_SOCKETMAP_PORT; prints the file's path.
ad_replica_conf()
{
	local name=$1 uri=$2 replica=$3
	SAMBA_CONF_TOP="metrics = \"inet:$METRICS_PORT@127.0.0.1\";
socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";" \
	    ad_conf "$name" "$uri" connections=2 "replica={ $replica }"
}

# q_is CONF ADDRESS RC OUTPUT WHAT -- assert (as WHAT) that mailswitch -c
# CONF -q ADDRESS exits RC printing OUTPUT (q_run of t/ldap/lib.sh).
q_is()
{
	q_run "$1" "$2"
	assert "$5: -q $2 -> $3 $4" is "$Q_RC $Q_OUT" "$3 $4"
}

# Q_is CONF ADDRESS OUTPUT WHAT -- assert (as WHAT) that mailswitch -c CONF
# -Q ADDRESS, asked from the subsidiary (192.0.2.7), exits 0 printing
# OUTPUT; its stderr is appended to $T/qq.err.
Q_is()
{
	local out rc
	set +e
	out=$(timeout 30 "$MS" -c "$1" -Q "$2" -a 192.0.2.7 2>>"$T/qq.err")
	rc=$?
	set -e
	assert "$4: -Q $2 -> $3" is "$rc $out" "0 $3"
}

# ad_restore_before STEP -- restore the DC from its snapshot "before"
# (samba_snapshot; stopped, restored, started), assert as "STEP." that
# this rolled its highestCommittedUSN back, then add the contact Post
# Restore (post@sales.contoso.com -> post@fourthcoffee.com), which the
# snapshot never had; dies if the add fails.
ad_restore_before()
{
	local usn_before usn_after
	usn_before=$(samba_rootdse highestCommittedUSN)
	samba_stop
	samba_restore before
	samba_start
	usn_after=$(samba_rootdse highestCommittedUSN)
	echo "    highestCommittedUSN: $usn_before before the restore, $usn_after after" >&2
	assert "$1. (the restore rolled the DC's USN back)" lt "$usn_after" "$usn_before"
	samba_contact_add "Post Restore" SMTP:post@fourthcoffee.com \
	    SMTP:post@sales.contoso.com ||
	    e2e_die "add failed: $(tail -n 3 "$SAMBA_TMP/modify.log")"
}
