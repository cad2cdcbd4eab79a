#!/bin/bash
# t/ldap/test-deadline.sh -- directory.ldap.timeout bounds the WHOLE
# lookup, not each step of it:
#
#	test-deadline.sh MAILSWITCH_BINARY
#
# One slapd, mailswitch (ldap back-end, timeout 1 s, ONE pooled
# connection, no cache) behind a private Postfix.  slapd frozen
# (SIGSTOP): several RCPTs at once, each in its own SMTP session, so that
# all but one wait for the pooled connection; the one that holds it
# finds the search timing out and its retry on a fresh connection (a
# connect the kernel completes, a bind nobody answers) gets only what is
# left.  Every RCPT is answered 451 4.3.0 within about the timeout
# (DEADLINE_MS, 1500 by default: a step-by-step bound gives 2 s), and so
# is -q.  Thawed: answers again.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

limit=${DEADLINE_MS:-1500}
slapd_start one
conf=$T/mailswitch.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=1.0 \
    connections=1
e2e_start_milter "$MS" "$conf"
pid=$E2E_MAILSWITCH_PID

echo "== slapd up: the pooled connection is made"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250

echo "== slapd frozen (SIGSTOP): 4 RCPTs at once, one pooled connection"
slapd_pause one
addrs="bob@contoso.com alice@contoso.com dan@contoso.com carol@contoso.com"
pids=""
for a in $addrs; do
	(
		smtp_rcpt "$a" 2>/dev/null
		printf '%s|%s\n' "$RCPT_MS" "$RCPT_REPLY" >"$T/par.$a"
	) &
	pids="$pids $!"
done
# shellcheck disable=SC2086  # a list of PIDs
wait $pids	# not the daemons this shell started
for a in $addrs; do
	IFS='|' read -r ms reply <"$T/par.$a" || { ms=99999; reply=none; }
	echo "    RCPT TO:<$a> -> $reply (${ms} ms)"
	assert "RCPT $a, frozen, pool busy: 451 4.3.0" \
	    is "$reply" "451 4.3.0 <$a>: Temporary lookup failure"
	assert "RCPT $a, frozen, pool busy: within $limit ms (timeout 1 s)" \
	    le "$ms" "$limit"
done
q_run "$conf" bob@contoso.com
assert "-q, frozen: exit 75 within $limit ms" \
    is "$Q_RC $((Q_MS <= limit))" "75 1"
assert "-q, frozen: says it timed out" has "$Q_ERR" "Timed out"

echo "== slapd thawed (SIGCONT)"
slapd_resume one
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250 after the thaw" starts "$RCPT_REPLY" 250
assert "the same mailswitch process ($pid)" kill -0 "$pid"
for a in $addrs; do
	assert "log: $a refused 451 4.3.0" e2e_file_has \
	    "$E2E_TMP/mailswitch.log" "reject rcpt=<$a> 451 4.3.0"
done
assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
