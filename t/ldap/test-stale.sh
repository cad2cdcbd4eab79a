#!/bin/bash
# t/ldap/test-stale.sh -- serve-stale (directory.cache.stale_ttl) through
# the private Postfix:
#
#	test-stale.sh MAILSWITCH_BINARY
#
# One slapd, mailswitch (ldap, timeout 1 s, a cache with ttl 1 and
# stale_ttl 60) with metrics on a free port.  bob@contoso.com (a contact)
# is looked up once: the message goes to bob@fourthcoffee.com.  More than
# ttl later, slapd stopped: bob@contoso.com is still rewritten and
# delivered, the log line says "(stale answer, N s old)" and
# mailswitch_cache_stale_answers_total counts it; alice@contoso.com, never
# looked up, gets 451 4.3.0 at RCPT.  slapd back: bob's answer is fresh
# again (no "stale" in its log line).  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"
ldap_metrics_init
METRICS_PORT=$(free_port "$E2E_MILTER_PORT") || e2e_die "no free port"

slapd_start one
ldap_metrics_conf "entries = 100; ttl = 1; negative_ttl = 1; stale_ttl = 60;"
e2e_start_milter "$MS" "$conf"
pid=$E2E_MAILSWITCH_PID
log=$E2E_TMP/mailswitch.log
stale_metric=mailswitch_cache_stale_answers_total

# The log line of queue id $1's rewrite of bob (waits for it).
bob_line()
{
	e2e_wait_for 5 grep -qF "$1: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" \
	    "$log" || return 0
	grep -F "$1: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" "$log" |
	    tail -n 1
}

echo "== slapd up: bob@contoso.com looked up once"
msg_send bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "queued" test -n "$QID"
assert "delivered to bob@fourthcoffee.com" msg_delivered_to "<bob@fourthcoffee.com>"
line=$(bob_line "$QID")
assert "log: the rewrite ($line)" has "$line" "-> <bob@fourthcoffee.com> contact"
assert "log: a fresh answer" test -z "$(printf '%s' "$line" | grep stale)"
metrics_get "$METRICS_PORT"
assert "no stale answer yet" is "$(metrics_value "$stale_metric")" 0

sleep 2		# > ttl: bob's answer expires
echo "== slapd stopped, bob's answer expired"
slapd_stop one
msg_send bob@contoso.com
assert "RCPT bob@contoso.com: 250 (a stale answer)" starts "$RCPT_REPLY" 250
assert "queued" test -n "$QID"
assert "still delivered to bob@fourthcoffee.com" msg_delivered_to \
    "<bob@fourthcoffee.com>"
line=$(bob_line "$QID")
assert "log: the rewrite says stale ($line)" has "$line" \
    "contact (stale answer, "
assert "log: ... and how old" test -n \
    "$(printf '%s' "$line" | grep -E '\(stale answer, [0-9]+ s old\)$')"
metrics_get "$METRICS_PORT"
assert "$stale_metric counts it" test \
    "$(metrics_value "$stale_metric")" -ge 1
msg_send alice@contoso.com
assert "RCPT alice@contoso.com (never looked up): 451 4.3.0" is \
    "$RCPT_REPLY" "451 4.3.0 <alice@contoso.com>: Temporary lookup failure"
assert "log: the failure of alice" e2e_file_has "$log" \
    "reject rcpt=<alice@contoso.com> 451 4.3.0"

echo "== slapd back: fresh again"
slapd_run one
msg_send bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to bob@fourthcoffee.com" msg_delivered_to "<bob@fourthcoffee.com>"
line=$(bob_line "$QID")
assert "log: the rewrite ($line)" has "$line" "-> <bob@fourthcoffee.com> contact"
assert "log: a fresh answer, not stale" \
    test -z "$(printf '%s' "$line" | grep stale)"
msg_send alice@contoso.com
assert "RCPT alice@contoso.com: 250 now" starts "$RCPT_REPLY" 250
assert "delivered to alice's target" msg_delivered_to \
    "<Alice.Wong@fourthcoffee.com>"
assert "the same mailswitch process ($pid)" kill -0 "$pid"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
