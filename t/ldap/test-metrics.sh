#!/bin/bash
# t/ldap/test-metrics.sh -- the metrics (SPEC section 7) of the ldap
# back-end with its cache, behind a private Postfix:
#
#	test-metrics.sh MAILSWITCH_BINARY
#
# One slapd, mailswitch (ldap, timeout 1 s, a cache) with metrics on a
# free port.  The first RCPT of bob@contoso.com misses the cache and
# reaches slapd (found); the second is a hit and reaches nothing; the
# start-up check says directory_up 1.  slapd stopped: a cold key tries
# again (tryagain +1, a tempfail decision) and directory_up is 0; slapd
# back: directory_up 1 again.  SIGHUP: a new, empty cache (entries 0) but
# the hits and misses go on from where they were.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"
ldap_metrics_init
METRICS_PORT=$(free_port "$E2E_MILTER_PORT") || e2e_die "no free port"

slapd_start one
ldap_metrics_conf "entries = 100; ttl = 300; negative_ttl = 60;"
e2e_start_milter "$MS" "$conf"
pid=$E2E_MAILSWITCH_PID

v() { metrics_value "$1"; }
L='mailswitch_directory_lookups_total{outcome='
TF='mailswitch_decisions_total{frontend="milter",direction="inbound",verdict="tempfail"}'

echo "== slapd up"
assert "the start-up check: directory_up 1" \
    metrics_wait mailswitch_directory_up 1 10
assert "cache entries 0 before any mail" is "$(v mailswitch_cache_entries)" 0
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
metrics_get "$METRICS_PORT"
found=$(v "${L}\"found\"}")
misses=$(v mailswitch_cache_misses_total)
assert "a cold key: misses ($misses) and found lookups ($found)" \
    test "$misses" -ge 1 -a "$found" -ge 1
assert "the cache holds answers" test "$(v mailswitch_cache_entries)" -ge 1
assert "no hit yet" is "$(v mailswitch_cache_hits_total)" 0
smtp_rcpt bob@contoso.com
metrics_get "$METRICS_PORT"
hits=$(v mailswitch_cache_hits_total)
assert "the same key again: hits ($hits)" test "$hits" -ge 1
assert "... and no new back-end lookup" is "$(v "${L}\"found\"}")" "$found"
assert "... nor a new miss" is "$(v mailswitch_cache_misses_total)" "$misses"
assert "the exposition is valid" metrics_valid "$METRICS_BODY"

echo "== slapd stopped"
slapd_stop one
smtp_rcpt alice@contoso.com
assert "RCPT alice@contoso.com: 451 4.3.0" starts "$RCPT_REPLY" "451 4.3.0"
metrics_get "$METRICS_PORT"
assert "directory_up 0" is "$(v mailswitch_directory_up)" 0
assert "tryagain counted" test "$(v "${L}\"tryagain\"}")" -ge 1
assert "a tempfail decision" is "$(v "$TF")" 1
smtp_rcpt bob@contoso.com
assert "bob, cached: 250 during the outage" starts "$RCPT_REPLY" 250

echo "== slapd started again"
slapd_run one
smtp_rcpt alice@contoso.com
assert "RCPT alice@contoso.com: 250 again" starts "$RCPT_REPLY" 250
metrics_get "$METRICS_PORT"
assert "directory_up 1 again" is "$(v mailswitch_directory_up)" 1

echo "== SIGHUP: a new cache, the counters go on"
metrics_get "$METRICS_PORT"
hits=$(v mailswitch_cache_hits_total)
misses=$(v mailswitch_cache_misses_total)
kill -HUP "$pid"
assert "reloads_total{ok} 1" \
    metrics_wait 'mailswitch_config_reloads_total{result="ok"}' 1 10
assert "the new cache is empty" is "$(v mailswitch_cache_entries)" 0
assert "hits kept ($hits)" is "$(v mailswitch_cache_hits_total)" "$hits"
assert "misses kept ($misses)" is "$(v mailswitch_cache_misses_total)" "$misses"
smtp_rcpt bob@contoso.com
metrics_get "$METRICS_PORT"
assert "a miss in the new cache adds to them" \
    test "$(v mailswitch_cache_misses_total)" -gt "$misses"
assert "the exposition is valid" metrics_valid "$METRICS_BODY"
assert "still the same mailswitch process ($pid)" kill -0 "$pid"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
