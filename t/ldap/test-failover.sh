#!/bin/bash
# t/ldap/test-failover.sh -- two directory servers, tried in order:
#
#	test-failover.sh MAILSWITCH_BINARY
#
# Two slapd with the same data; uri = [ first, second ], no cache.  The
# first stopped: -q and -n still work (the second answers) and the running
# milter (behind a private Postfix, its pooled connections to the first
# now dead) answers from the second without a 4xx.  Both stopped: 451.
# The second started again: answers again from the same process.  The
# first frozen (SIGSTOP) while the second is up: answers, within about the
# timeout.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

slapd_start one
slapd_start two
conf=$T/mailswitch.conf
slapd_mailswitch_conf "$conf" "\"${SLAPD_URI[one]}\", \"${SLAPD_URI[two]}\"" \
    timeout=1.0 connections=2
e2e_start_milter "$MS" "$conf"
pid=$E2E_MAILSWITCH_PID

echo "== both up"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
smtp_rcpt alice@contoso.com
assert "RCPT alice@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "the first server answered" e2e_file_has "$T/one/slapd.log" "SRCH base"
assert "the second did not" test -z "$(grep 'SRCH base' "$T/two/slapd.log")"

echo "== the first stopped"
slapd_stop one
q_run "$conf" bob@contoso.com
assert "-q bob@contoso.com: bob@fourthcoffee.com from the second" \
    is "$Q_RC $Q_OUT" "0 bob@fourthcoffee.com"
n_run "$conf"
assert "-n: 0 (the second answers)" is "$N_RC" 0
for a in bob@contoso.com alice@contoso.com dan@contoso.com; do
	smtp_rcpt "$a"
	assert "RCPT $a: 250 from the second" starts "$RCPT_REPLY" 250
done
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1 (the second says so)" \
    starts "$RCPT_REPLY" "550 5.1.1"
assert "the second server answered" e2e_file_has "$T/two/slapd.log" "SRCH base"

echo "== both stopped"
slapd_stop two
q_run "$conf" bob@contoso.com
assert "-q: 75, the 451 line" is "$Q_RC $Q_OUT" \
    "75 451 4.3.0 <bob@contoso.com>: Temporary lookup failure"
assert "-q: names both servers" has "$Q_ERR" \
    "${SLAPD_URI[one]}: connect: Can't contact LDAP server; ${SLAPD_URI[two]}: connect: Can't contact LDAP server"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 451 4.3.0" is "$RCPT_REPLY" \
    "451 4.3.0 <bob@contoso.com>: Temporary lookup failure"

echo "== the second started again"
slapd_run two
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250 again" starts "$RCPT_REPLY" 250
assert "the same mailswitch process ($pid)" kill -0 "$pid"

echo "== the first back but frozen, the second up"
slapd_run one
slapd_pause one
q_run "$conf" bob@contoso.com
assert "-q: the second answers after the first times out" \
    is "$Q_RC $Q_OUT" "0 bob@fourthcoffee.com"
assert "-q: within 2.5 s (timeout 1 s)" le "$Q_MS" 2500
for a in alice@contoso.com dan@contoso.com; do
	smtp_rcpt "$a"
	assert "RCPT $a: 250 within 2.5 s" \
	    is "${RCPT_REPLY:0:3} $((RCPT_MS <= 2500))" "250 1"
done
slapd_resume one

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
