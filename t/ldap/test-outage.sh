#!/bin/bash
# t/ldap/test-outage.sh -- the directory goes away and comes back:
#
#	test-outage.sh MAILSWITCH_BINARY
#
# One slapd, mailswitch (ldap back-end, timeout 1 s, no cache) behind a
# private Postfix.  With slapd stopped: -q exits 75 with the 451 line, -n
# exits 78, the running milter answers 451 4.3.0 at RCPT -- also for an
# unknown address of an authoritative domain (an outage is never "not
# found") -- and logs the server's URI.  slapd started again: the SAME
# mailswitch process answers again.  slapd restarted between two messages:
# no 4xx (a pooled connection found dead is replaced at once).  slapd frozen (SIGSTOP): 451 within
# about the timeout, for -q and at RCPT; thawed: answers again.  Needs
# root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

slapd_start one
conf=$T/mailswitch.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\"" timeout=1.0 \
    connections=2
e2e_start_milter "$MS" "$conf"
pid=$E2E_MAILSWITCH_PID
tf="451 4.3.0 <bob@contoso.com>: Temporary lookup failure"

echo "== slapd up"
n_run "$conf"
assert "-n with slapd up: 0" is "$N_RC" 0
q_run "$conf" bob@contoso.com
assert "-q bob@contoso.com: bob@fourthcoffee.com, 0" \
    is "$Q_RC $Q_OUT" "0 bob@fourthcoffee.com"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1" starts "$RCPT_REPLY" "550 5.1.1"

echo "== slapd stopped"
slapd_stop one
q_run "$conf" bob@contoso.com
assert "-q bob@contoso.com: exit 75" is "$Q_RC" 75
assert "-q bob@contoso.com: the 451 line" is "$Q_OUT" "$tf"
assert "-q: the reason names the URI" has "$Q_ERR" "${SLAPD_URI[one]}"
assert "-q: the reason is libldap's" has "$Q_ERR" "Can't contact LDAP server"
n_run "$conf"
assert "-n with slapd down: 78" is "$N_RC" 78
assert "-n: says the directory does not answer, and where" \
    has "$N_ERR" "does not answer: ldap: ${SLAPD_URI[one]}"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: exactly $tf" is "$RCPT_REPLY" "$tf"
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 451 4.3.0, not 550" \
    is "$RCPT_REPLY" \
    "451 4.3.0 <nobody@sales.contoso.com>: Temporary lookup failure"
assert "log: the failure with the server's URI" e2e_file_has \
    "$E2E_TMP/mailswitch.log" "reject rcpt=<bob@contoso.com> 451 4.3.0"
assert "log: the server's URI" e2e_file_has \
    "$E2E_TMP/mailswitch.log" "${SLAPD_URI[one]}"

echo "== slapd started again"
slapd_run one
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250 again" starts "$RCPT_REPLY" 250
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1 again" \
    starts "$RCPT_REPLY" "550 5.1.1"
assert "the same mailswitch process ($pid)" kill -0 "$pid"
q_run "$conf" alice@contoso.com
assert "-q alice@contoso.com: Alice.Wong@fourthcoffee.com" \
    is "$Q_RC $Q_OUT" "0 Alice.Wong@fourthcoffee.com"

echo "== slapd restarted while the milter's connections are idle"
slapd_restart one
for a in bob@contoso.com alice@contoso.com dan@contoso.com; do
	smtp_rcpt "$a"
	assert "RCPT $a: 250, the dead pooled connection replaced at once" \
	    starts "$RCPT_REPLY" 250
done

echo "== slapd frozen (SIGSTOP)"
slapd_pause one
q_run "$conf" bob@contoso.com
assert "-q, server frozen: the 451 line, exit 75" is "$Q_RC $Q_OUT" "75 $tf"
assert "-q, server frozen: within 2.5 s (timeout 1 s)" le "$Q_MS" 2500
assert "-q, server frozen: says it timed out" has "$Q_ERR" "Timed out"
smtp_rcpt bob@contoso.com
assert "RCPT, server frozen: $tf" is "$RCPT_REPLY" "$tf"
assert "RCPT, server frozen: within 2.5 s (timeout 1 s)" le "$RCPT_MS" 2500
smtp_rcpt alice@contoso.com
assert "RCPT again, server frozen: 451 within 2.5 s" \
    is "$RCPT_REPLY $((RCPT_MS <= 2500))" \
    "451 4.3.0 <alice@contoso.com>: Temporary lookup failure 1"

echo "== slapd thawed (SIGCONT)"
slapd_resume one
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250 after the thaw" starts "$RCPT_REPLY" 250
smtp_rcpt alice@contoso.com
assert "RCPT alice@contoso.com: 250 after the thaw" starts "$RCPT_REPLY" 250
assert "still the same mailswitch process ($pid)" kill -0 "$pid"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
