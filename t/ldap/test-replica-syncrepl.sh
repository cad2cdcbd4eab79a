#!/bin/bash
# t/ldap/test-replica-syncrepl.sh -- the directory replica (SPEC section 9)
# kept current by RFC 4533 refreshAndPersist, through the private Postfix
# and the socketmap front end:
#
#	test-replica-syncrepl.sh MAILSWITCH_BINARY
#
# slapd with the syncprov overlay (the example directory), replica
# { poll = 5; syncrepl = "auto" }: after the full load mailswitch starts
# a refreshAndPersist search (cookie: none).  ldapmodify: an added
# contact, a changed target and a deleted contact are each answered
# within 2 s, and no incremental (polling) search ever runs: only the
# push explains them; the push syncs are counted.  slapd stopped: the
# push sync fails, the replica keeps answering.  Changes made while
# mailswitch cannot reach slapd (slapd_aside: slapd up on a side port);
# slapd back on its port: mailswitch starts refreshAndPersist again with
# "cookie: resumed" and the changes made meanwhile (an add, a changed
# target, a delete) are applied; a change made right after is seen
# within 2 s; the same mailswitch process.  Then a syncprov slapd with
# 1200 contacts: the unpaged refresh is over its size limit (500), the
# server refuses the search and auto falls back to polling.  Then a quiet
# session, { poll = 2; max_age = 5 }: no change for 20 s, yet an unknown
# address gets 550 at every moment and the replica's age stays below
# max_age (the liveness check refreshes it); max_age 4 (not above poll
# plus timeout) is refused at load.
#
# poll = 5, not 600: with syncrepl mailswitch does not poll (checked: no
# "incremental sync" line), and poll also sets how often it tries to
# reconnect (capped at 30 s), which keeps this test short.
# Needs root, slapd with syncprov, ldap-utils, curl.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"
command -v ldapmodify >/dev/null 2>&1 || e2e_die "ldapmodify is not installed"
ldap_metrics_init
log=$E2E_TMP/mailswitch.log
ok_push='mailswitch_replica_syncs_total{kind="push",result="ok"}'
failed_push='mailswitch_replica_syncs_total{kind="push",result="failed"}'
POLL=5
PUSH=2		# seconds a pushed change may take
RECONNECT=40	# seconds mailswitch may take to reconnect (retry <= 30 s)
unknown_550="550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"

e2e_sink_start
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"
slapd_start one --syncprov
uri=${SLAPD_URI[one]}
assert "slapd offers syncrepl (supportedControl 1.3.6.1.4.1.4203.1.9.1.1)" \
    test -n "$(timeout 10 ldapsearch -x -LLL -o nettimeout=5 -H "$uri" -b "" \
    -s base supportedControl | grep -F '1.3.6.1.4.1.4203.1.9.1.1')"
replica_conf "$T/mailswitch.conf" one \
    "enabled = true; poll = $POLL; syncrepl = \"auto\";"
want=$(ldif_recipients "$SLAPD_TOP/contrib/ldap/contacts.ldif")

echo "== the full load, then refreshAndPersist"
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
t0=$(ms_now)
replica_start "$T/mailswitch.conf"
assert "log: replica: full sync ok: $want entries (within 10 s)" \
    log_wait_since 0 10 "replica: full sync ok: $want entries, "
assert "log: syncrepl refreshAndPersist started, cookie: none (within 5 s)" \
    log_wait_since 0 5 \
    "replica: syncrepl refreshAndPersist started ($uri, cookie: none)"
echo "    refreshAndPersist started within $(($(ms_now) - t0)) ms of mailswitch's start" >&2
grep -F "replica: " "$log" | head -n 3 >&2 || true
msg_send bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to bob@fourthcoffee.com" \
    msg_delivered_to "<bob@fourthcoffee.com>"
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1" \
    is "$RCPT_REPLY" "$unknown_550"
metrics_get "$METRICS_PORT"
assert "mailswitch_replica_entries $want" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"
push0=$(metrics_value "$ok_push")
echo "    push syncs ok so far: $push0" >&2

# Apply the LDIF changes on stdin, then wait (at most $PUSH s) until the
# socketmap answers "NAME KEY" with REPLY; print how long it took.  True
# when it did in time.
pushed()
{
	SMAP_T0=$(ms_now)
	slapd_modify one ||
	    { echo "    ldapmodify failed: $(tail -n 3 "$SLAPD_TMP/one/modify.log")" >&2; return 1; }
	smap_wait "$PUSH" "$@" || return 1
	echo "    seen after $SMAP_MS ms (poll is $POLL s)"
	le "$SMAP_MS" $((PUSH * 1000))
}

echo "== ldapmodify: add, change, delete -- pushed"
smtp_rcpt newguy@sales.contoso.com
assert "RCPT newguy@sales.contoso.com before the add: 550" \
    starts "$RCPT_REPLY" "550 5.1.1"
assert "add: newguy@sales.contoso.com within $PUSH s" pushed \
    virtual newguy@sales.contoso.com "OK newguy@fourthcoffee.com" \
    < <(contact_ldif "New Guy" newguy newguy@fourthcoffee.com)
msg_send newguy@sales.contoso.com
assert "delivered to newguy@fourthcoffee.com" \
    msg_delivered_to "<newguy@fourthcoffee.com>"
assert "change: alice@contoso.com -> alice.new@fourthcoffee.com within $PUSH s" \
    pushed virtual alice@contoso.com "OK alice.new@fourthcoffee.com" \
    < <(printf '%s\n' "dn: cn=Alice Wong,ou=contacts,$SLAPD_BASE" \
    "changetype: modify" "replace: targetAddress" \
    "targetAddress: SMTP:alice.new@fourthcoffee.com")
msg_send awong@contoso.com
assert "delivered to alice.new@fourthcoffee.com" \
    msg_delivered_to "<alice.new@fourthcoffee.com>"
assert "frank@sales.contoso.com before the delete: a contact" \
    smap_is virtual frank@sales.contoso.com "OK frank@fourthcoffee.com"
assert "delete: frank@sales.contoso.com unknown within $PUSH s" \
    pushed access frank@sales.contoso.com "OK 550 5.1.1 User unknown" \
    < <(printf '%s\n' "dn: cn=Frank Moss,ou=contacts,$SLAPD_BASE" \
    "changetype: delete")
smtp_rcpt frank@sales.contoso.com
assert "RCPT frank@sales.contoso.com after the delete: 550 5.1.1" \
    starts "$RCPT_REPLY" "550 5.1.1"
metrics_get "$METRICS_PORT"
assert "push syncs ok counted (> $push0)" \
    gt "$(metrics_value "$ok_push")" "$push0"
assert "entries: one added, one deleted ($want)" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"
assert "log: push sync ok lines" e2e_file_has "$log" "replica: push sync ok: "
assert "log: no incremental (polling) sync while syncrepl runs" \
    test -z "$(grep -F 'replica: incremental sync' "$log")"
assert "slapd saw no lookup of bob, nobody, newguy, alice or frank" \
    no_lookup_at one bob@ nobody@ newguy@ alice@ frank@

echo "== slapd stopped; changes made while mailswitch cannot reach it"
mark=$(log_mark)
slapd_stop one
assert "log: the push sync failed (warning, within 5 s)" \
    log_wait_since "$mark" 5 "replica: push sync failed: "
assert "down: virtual bob@contoso.com still answered" \
    smap_is virtual bob@contoso.com "OK bob@fourthcoffee.com"
smtp_rcpt nobody@sales.contoso.com
assert "down: RCPT nobody@sales.contoso.com still 550 (max_age 3600)" \
    is "$RCPT_REPLY" "$unknown_550"
metrics_get "$METRICS_PORT"
assert "$failed_push > 0" gt "$(metrics_value "$failed_push")" 0
replica_changes_aside "Late Comer" late late@fourthcoffee.com
assert "the changes are not seen yet (late@sales.contoso.com unknown)" \
    smap_is access late@sales.contoso.com "OK 550 5.1.1 User unknown"

echo "== slapd back on its port: resumed from the cookie"
t0=$(ms_now)
slapd_run one
assert "log: refreshAndPersist started again, cookie: resumed (within $RECONNECT s)" \
    log_wait_since "$mark" "$RECONNECT" \
    "replica: syncrepl refreshAndPersist started ($uri, cookie: resumed)"
echo "    resumed $(($(ms_now) - t0)) ms after slapd's start" >&2
tail -n +"$((mark + 1))" "$log" | grep -F "replica: " | head -n 5 >&2 || true
assert "resumed from the cookie: no full reload since the stop" \
    test -z "$(tail -n +"$((mark + 1))" "$log" | grep -F 'replica: full sync')"
SMAP_T0=$(ms_now)
assert "resumed: the contact added meanwhile" smap_wait "$PUSH" \
    virtual late@sales.contoso.com "OK late@fourthcoffee.com"
SMAP_T0=$(ms_now)
assert "resumed: the target changed meanwhile" smap_wait "$PUSH" \
    virtual bob@contoso.com "OK bob.new@fourthcoffee.com"
SMAP_T0=$(ms_now)
assert "resumed: the mailbox deleted meanwhile is unknown" smap_wait "$PUSH" \
    access gina@sales.contoso.com "OK 550 5.1.1 User unknown"
assert "resumed: the rest unchanged (dan@contoso.com a mailbox)" \
    smap_is access dan@contoso.com "NOTFOUND "
assert "resumed: the rest unchanged (alice.new)" \
    smap_is virtual alice@contoso.com "OK alice.new@fourthcoffee.com"
assert "change right after: newguy@sales.contoso.com -> newguy2@fourthcoffee.com within $PUSH s" \
    pushed virtual newguy@sales.contoso.com "OK newguy2@fourthcoffee.com" \
    < <(printf '%s\n' "dn: cn=New Guy,ou=contacts,$SLAPD_BASE" \
    "changetype: modify" "replace: targetAddress" \
    "targetAddress: SMTP:newguy2@fourthcoffee.com")
msg_send bob@contoso.com
assert "delivered to bob.new@fourthcoffee.com" \
    msg_delivered_to "<bob.new@fourthcoffee.com>"
smtp_rcpt gina@sales.contoso.com
assert "RCPT gina@sales.contoso.com: 550 5.1.1" starts "$RCPT_REPLY" "550 5.1.1"
metrics_get "$METRICS_PORT"
assert "entries: +1 -1 meanwhile ($want)" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"
assert "log: still no incremental (polling) sync" \
    test -z "$(grep -F 'replica: incremental sync' "$log")"
assert "the same mailswitch process ($pid)" kill -0 "$pid"
assert "slapd saw no lookup of late, gina or bob (from memory)" \
    no_lookup_at one late@ gina@ bob@

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane
cp "$log" "$T/mailswitch-one.log"
slapd_stop one

echo "== syncprov, but the unpaged refresh is over slapd's size limit (500)"
"$LDAP_LIB_DIR/gen-contacts.sh" 1200 >"$T/big.ldif"
slapd_start big --syncprov --ldif "$T/big.ldif"
replica_conf "$T/big.conf" big \
    'enabled = true; poll = 1; page_size = 100; syncrepl = "auto";'
replica_start "$T/big.conf"
assert "big: full sync ok: 1200 entries (paged, within 10 s)" \
    log_wait_since 0 10 "replica: full sync ok: 1200 entries, "
assert "big: the refused syncrepl search is logged (within 5 s)" \
    log_wait_since 0 5 "refused the syncrepl search"
grep -F "refused the syncrepl search" "$log" | head -n 1 >&2 || true
assert "big: auto falls back to polling (within 5 s)" \
    log_wait_since 0 5 "replica: incremental sync ok: 1200 entries, "
assert "big: user1199@contoso.com from the replica" \
    smap_is virtual user1199@contoso.com "OK user1199@fourthcoffee.com"
SMAP_T0=$(ms_now)
printf '%s\n' "dn: cn=User 5,ou=contacts,$SLAPD_BASE" "changetype: modify" \
    "replace: targetAddress" "targetAddress: SMTP:x5@fourthcoffee.com" |
    slapd_modify big ||
    e2e_die "ldapmodify (big) failed: $(cat "$SLAPD_TMP/big/modify.log")"
assert "big: a change polled within poll + 5 s" smap_wait 6 \
    virtual user5@contoso.com "OK x5@fourthcoffee.com"
echo "    seen after $SMAP_MS ms (poll is 1 s)"
metrics_get "$METRICS_PORT"
assert "big: mailswitch_replica_entries 1200" \
    is "$(metrics_value mailswitch_replica_entries)" 1200
assert "big: slapd saw no lookup of user1199 or user5" \
    no_lookup_at big user1199@ user5@
assert "no sanitizer report in the milter's log (big)" e2e_mailswitch_sane

echo "== a quiet refreshAndPersist session stays fresh (max_age)"
# max_age 5 > poll 2 + timeout 2 (a smaller one is refused at load): no
# change for 20 s, four times max_age, yet the session is connected and
# healthy, so an unknown address is refused at every moment, never 451
# (a copy older than max_age answers it 451: 550 all the while is the
# age kept below max_age; the metric is read once more at the end)
slapd_start quiet --syncprov
replica_conf "$T/quiet.conf" quiet \
    'enabled = true; poll = 2; max_age = 5; syncrepl = "auto";'
replica_start "$T/quiet.conf"
assert "quiet: refreshAndPersist started (within 10 s)" \
    log_wait_since 0 10 "replica: syncrepl refreshAndPersist started"
assert "quiet: nobody@sales.contoso.com refused at every moment for 20 s" \
    smap_steady 20 nobody@sales.contoso.com "NOTFOUND " \
    "OK 550 5.1.1 User unknown"
metrics_get "$METRICS_PORT"
assert "quiet: mailswitch_replica_age_seconds below max_age" \
    lt "$(metrics_value mailswitch_replica_age_seconds)" 5
assert "quiet: no 'older than max_age' warning" \
    test -z "$(grep -F 'older than max_age' "$log")"
assert "quiet: no polling (the push session only)" \
    test -z "$(grep -F 'replica: incremental sync' "$log")"
assert "no sanitizer report in the milter's log (quiet)" e2e_mailswitch_sane
n_run "$(sed 's/max_age = 5;/max_age = 4;/' "$T/quiet.conf" >"$T/quiet4.conf"; echo "$T/quiet4.conf")"
assert "quiet: max_age 4, not above poll 2 + timeout 2: -n 78" is "$N_RC" 78
assert "... naming the line" has "$N_ERR" "$T/quiet4.conf:"

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
