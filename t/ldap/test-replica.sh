#!/bin/bash
# t/ldap/test-replica.sh -- the directory replica (SPEC section 9) in poll
# mode, through the private Postfix and the socketmap front end:
#
#	test-replica.sh MAILSWITCH_BINARY
#
# 1. Paged load: a slapd "big" holding 1200 generated contacts
#    (t/ldap/gen-contacts.sh), replica page_size = 100: the full sync
#    says 1200 entries, so does mailswitch_replica_entries, slapd served
#    it in pages of 100 (no search returned more), user1199@contoso.com
#    is rewritten to user1199@fourthcoffee.com and slapd saw no lookup of
#    it (answered from memory).
# 2. Poll mode: slapd "one" (the example directory, no syncprov), replica
#    { poll = 1; page_size = 2; max_age = 4; syncrepl = "auto" }: auto
#    finds no syncrepl and polls.  The full sync counts the entries of
#    contrib/ldap/contacts.ldif that have a proxy or target attribute; a
#    contact is rewritten, an unknown address of the authoritative
#    sales.contoso.com gets 550, without a query to slapd.  ldapmodify:
#    an added contact, a changed target and a deleted contact are each
#    seen within poll + 5 s (measured and printed).
# 3. slapd stopped: a contact is still rewritten and the unknown address
#    still gets 550 while the replica is younger than max_age; past it
#    the unknown address gets 451 4.3.0, the contact is still rewritten,
#    the warning is logged and the failed incremental syncs are counted.
#    Changes made meanwhile (slapd up on a side port mailswitch does not
#    know); slapd back on its port: "in sync again", 550 again, the
#    changes applied, the same mailswitch process.
# 4. SIGHUP with slapd stopped: the new configuration's replica answers
#    from the copy it took over (550, a contact rewritten, the same entry
#    count), its own full sync fails until slapd is back, then succeeds.
# 5. slapd closes connections idle for 2 s (idletimeout), poll 4 s: no
#    failed sync, an add seen within poll + 2 s (the session is checked,
#    and opened again, right before each poll).
# Also: 1b. on the 1200 entries, poll 1 s: three renames and three moves
# (modrdn), each address asked every 50 ms for 4 s, never anything but
# its target (the copy is keyed by entryUUID); 2. a poll that fails after
# its change search (slapd limits a paged search to 5 entries in all:
# the sweep fails) still brings its change once the sweeps pass again;
# 3. directory_up 0 after the failed sync, though the replica answers.
# Needs root, slapd, ldap-utils, curl.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"
command -v ldapmodify >/dev/null 2>&1 || e2e_die "ldapmodify is not installed"
ldap_metrics_init
log=$E2E_TMP/mailswitch.log
failed_incr='mailswitch_replica_syncs_total{kind="incremental",result="failed"}'
ok_incr='mailswitch_replica_syncs_total{kind="incremental",result="ok"}'
ok_full='mailswitch_replica_syncs_total{kind="full",result="ok"}'
POLL=1
MAX_AGE=4
MARGIN=5	# seconds a change may take beyond poll

# True when slapd NAME's log shows at least MIN search results of exactly
# N entries and, with "only", none of more than N: a load in pages of N.
# (Not "only" where the replica polls: an incremental search need not be
# paged.)
paged_by()
{
	local f=$SLAPD_TMP/$1/slapd.log n=$2 min=$3 only=${4:-} pages big
	pages=$(grep -c "SEARCH RESULT tag=101 err=0 .* nentries=$n " "$f" ||
	    true)
	big=$(sed -n 's/.*SEARCH RESULT .* nentries=\([0-9]*\) .*/\1/p' "$f" |
	    awk -v n="$n" '$1 > n' | wc -l)
	echo "    slapd $1: $pages results of $n entries, $big of more" >&2
	[ "$pages" -ge "$min" ] && { [ -z "$only" ] || [ "$big" -eq 0 ]; }
}

unknown_550="550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"
unknown_451="451 4.3.0 <nobody@sales.contoso.com>: Temporary lookup failure"

e2e_sink_start
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"

echo "== 1. a paged load: 1200 entries, page_size = 100"
"$LDAP_LIB_DIR/gen-contacts.sh" 1200 >"$T/big.ldif"
slapd_start big --ldif "$T/big.ldif"
replica_conf "$T/big.conf" big \
    'enabled = true; poll = 600; refresh = 3600; page_size = 100; max_age = 3600; syncrepl = "auto";'
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
mark=0
t0=$(ms_now)
replica_start "$T/big.conf"
assert "log: replica: full sync ok (within 20 s)" \
    log_wait_since "$mark" 20 "replica: full sync ok: "
echo "    full load of 1200 entries done within $(($(ms_now) - t0)) ms" \
    "of mailswitch's start" >&2
grep -F "replica: full sync ok" "$log" | head -n 1 >&2 || true
assert "log: the full sync has 1200 entries" \
    e2e_file_has "$log" "replica: full sync ok: 1200 entries, "
assert "log: ... from the server's URI" \
    e2e_file_has "$log" "(${SLAPD_URI[big]})"
metrics_get "$METRICS_PORT"
assert "mailswitch_replica_entries 1200" \
    is "$(metrics_value mailswitch_replica_entries)" 1200
assert "one full sync ok" is "$(metrics_value "$ok_full")" 1
assert "slapd answered in pages of 100 (12 of them, none larger)" \
    paged_by big 100 12 only
assert "slapd: no size limit hit" \
    test -z "$(grep -F 'SEARCH RESULT' "$SLAPD_TMP/big/slapd.log" | grep -v 'err=0 ')"
msg_send user1199@contoso.com
assert "RCPT user1199@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to user1199@fourthcoffee.com" \
    msg_delivered_to "<user1199@fourthcoffee.com>"
assert "virtual u0@contoso.com: user0@fourthcoffee.com" \
    smap_is virtual u0@contoso.com "OK user0@fourthcoffee.com"
assert "slapd saw no lookup of user1199 or u0 (from memory)" \
    no_lookup_at big user1199@contoso.com u0@contoso.com
assert "no sanitizer report (big)" e2e_mailswitch_sane
cp "$log" "$T/mailswitch-big.log"

echo "== 1b. renames and moves while polling 1200 entries (poll 1 s)"
# The copy is keyed by entryUUID: a renamed or moved contact is one entry
# that changed, never an old DN and a new one (5.1.4 until a sweep) nor
# an entry gone (a sweep between the change search and the rename:
# forward_to, contoso.com being an internal relay domain).  Its address
# is asked every 50 ms for 4 s after each modrdn, three of each kind at
# different moments of the polls (whose sweep of 1200 entries runs only
# every few seconds).
printf '%s\n' "dn: ou=moved,$SLAPD_BASE" "objectClass: organizationalUnit" \
    "ou: moved" "" | slapd_modify big ||
    e2e_die "ldapmodify (ou=moved) failed: $(cat "$SLAPD_TMP/big/modify.log")"
replica_conf "$T/big-poll.conf" big \
    'enabled = true; poll = 1; refresh = 3600; page_size = 100; max_age = 3600; syncrepl = "auto";'
replica_start "$T/big-poll.conf"
assert "log: replica: full sync ok (within 20 s)" \
    log_wait_since 0 20 "replica: full sync ok: 1200 entries, "
ok_rename=1
ok_move=1
for i in 42 44 46; do
	sleep "0.$(((i * 37) % 9 + 1))"
	printf '%s\n' "dn: cn=User $i,ou=contacts,$SLAPD_BASE" "changetype: modrdn" \
	    "newrdn: cn=User $i Renamed" "deleteoldrdn: 1" | slapd_modify big ||
	    e2e_die "modrdn failed: $(cat "$SLAPD_TMP/big/modify.log")"
	smap_steady 4 "user$i@contoso.com" "OK user$i@fourthcoffee.com" \
	    "NOTFOUND " || ok_rename=0
done
assert "rename (3 contacts): each address answers its target at every moment" \
    test "$ok_rename" = 1
for i in 43 45 47; do
	sleep "0.$(((i * 37) % 9 + 1))"
	printf '%s\n' "dn: cn=User $i,ou=contacts,$SLAPD_BASE" "changetype: modrdn" \
	    "newrdn: cn=User $i" "deleteoldrdn: 1" \
	    "newsuperior: ou=moved,$SLAPD_BASE" | slapd_modify big ||
	    e2e_die "modrdn (move) failed: $(cat "$SLAPD_TMP/big/modify.log")"
	smap_steady 4 "u$i@contoso.com" "OK user$i@fourthcoffee.com" \
	    "NOTFOUND " || ok_move=0
done
assert "move to ou=moved (3 contacts): each address answers its target at every moment" \
    test "$ok_move" = 1
metrics_get "$METRICS_PORT"
assert "still 1200 entries (a rename is no add)" \
    is "$(metrics_value mailswitch_replica_entries)" 1200
assert "log: the renames were seen as changes (polls with changes)" \
    e2e_file_has "$log" "replica: incremental sync ok: 1200 entries, 1 changes"
assert "no sanitizer report (big, renames)" e2e_mailswitch_sane
slapd_stop big

echo "== 2. poll mode on the example directory (no syncprov)"
slapd_start one
replica_conf "$T/one.conf" one \
    "enabled = true; poll = $POLL; page_size = 2; max_age = $MAX_AGE; syncrepl = \"auto\";"
want=$(ldif_recipients "$SLAPD_TOP/contrib/ldap/contacts.ldif")
echo "    contrib/ldap/contacts.ldif: $want entries with a proxy or target" >&2
assert "the example has entries to count (> 10)" test "$want" -gt 10
t0=$(ms_now)
replica_start "$T/one.conf"
assert "log: replica: full sync ok (within 10 s)" \
    log_wait_since 0 10 "replica: full sync ok: "
echo "    full sync within $(($(ms_now) - t0)) ms of mailswitch's start" >&2
grep -F "replica: full sync ok" "$log" | head -n 1 >&2 || true
assert "log: the full sync has $want entries" \
    e2e_file_has "$log" "replica: full sync ok: $want entries, "
assert "slapd answered in pages of 2 ($(((want + 1) / 2)) at least)" \
    paged_by one 2 $(((want + 1) / 2))
metrics_get "$METRICS_PORT"
assert "mailswitch_replica_entries $want" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"
assert "log: auto fell back to polling (incremental syncs, within 5 s)" \
    log_wait_since 0 5 "replica: incremental sync ok: "
assert "log: no refreshAndPersist (slapd has no syncprov)" \
    test -z "$(grep -F 'refreshAndPersist' "$log")"
msg_send bob@contoso.com
assert "RCPT bob@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to bob@fourthcoffee.com" \
    msg_delivered_to "<bob@fourthcoffee.com>"
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1" is "$RCPT_REPLY" \
    "$unknown_550"
assert "slapd saw no lookup of bob or nobody (from memory)" \
    no_lookup_at one bob@contoso.com nobody@sales.contoso.com

echo "== ldapmodify: add, change, delete (poll = $POLL s)"
smtp_rcpt newguy@sales.contoso.com
assert "RCPT newguy@sales.contoso.com before the add: 550" \
    starts "$RCPT_REPLY" "550 5.1.1"
SMAP_T0=$(ms_now)
contact_ldif "New Guy" newguy newguy@fourthcoffee.com | slapd_modify one ||
    e2e_die "ldapmodify (add) failed: $(cat "$SLAPD_TMP/one/modify.log")"
assert "add: virtual newguy@sales.contoso.com -> newguy@fourthcoffee.com" \
    smap_wait $((POLL + MARGIN)) virtual newguy@sales.contoso.com \
    "OK newguy@fourthcoffee.com"
echo "    the add was seen after $SMAP_MS ms"
assert "add seen within poll + $MARGIN s" le "$SMAP_MS" $(((POLL + MARGIN) * 1000))
msg_send newguy@sales.contoso.com
assert "RCPT newguy@sales.contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to newguy@fourthcoffee.com" \
    msg_delivered_to "<newguy@fourthcoffee.com>"

SMAP_T0=$(ms_now)
printf '%s\n' "dn: cn=Alice Wong,ou=contacts,$SLAPD_BASE" "changetype: modify" \
    "replace: targetAddress" "targetAddress: SMTP:alice.new@fourthcoffee.com" |
    slapd_modify one ||
    e2e_die "ldapmodify (modify) failed: $(cat "$SLAPD_TMP/one/modify.log")"
assert "change: virtual alice@contoso.com -> alice.new@fourthcoffee.com" \
    smap_wait $((POLL + MARGIN)) virtual alice@contoso.com \
    "OK alice.new@fourthcoffee.com"
echo "    the change was seen after $SMAP_MS ms"
assert "change seen within poll + $MARGIN s" le "$SMAP_MS" $(((POLL + MARGIN) * 1000))
msg_send awong@contoso.com
assert "delivered to alice.new@fourthcoffee.com" \
    msg_delivered_to "<alice.new@fourthcoffee.com>"

assert "frank@sales.contoso.com before the delete: a contact" \
    smap_is virtual frank@sales.contoso.com "OK frank@fourthcoffee.com"
SMAP_T0=$(ms_now)
printf '%s\n' "dn: cn=Frank Moss,ou=contacts,$SLAPD_BASE" "changetype: delete" |
    slapd_modify one ||
    e2e_die "ldapmodify (delete) failed: $(cat "$SLAPD_TMP/one/modify.log")"
assert "delete: access frank@sales.contoso.com -> 550 5.1.1" \
    smap_wait $((POLL + MARGIN)) access frank@sales.contoso.com \
    "OK 550 5.1.1 User unknown"
echo "    the delete was seen after $SMAP_MS ms"
assert "delete seen within poll + $MARGIN s" le "$SMAP_MS" $(((POLL + MARGIN) * 1000))
smtp_rcpt frank@sales.contoso.com
assert "RCPT frank@sales.contoso.com after the delete: 550 5.1.1" \
    starts "$RCPT_REPLY" "550 5.1.1"
assert "entries: one added, one deleted ($want)" \
    metrics_wait mailswitch_replica_entries "$want" 5
metrics_get "$METRICS_PORT"
assert "incremental syncs counted" ge "$(metrics_value "$ok_incr")" 1
assert "no failed incremental sync yet" is "$(metrics_value "$failed_incr")" 0
assert "slapd saw no lookup of newguy, alice or frank (from memory)" \
    no_lookup_at one newguy@ alice@ frank@

echo "== a poll that fails after its change search: its changes still come"
# slapd refuses paged searches of more than 5 entries in all: a poll's
# search for the changed entries passes, its sweep of every entry fails.
# The contact added meanwhile was put into the copy by the failed polls,
# and the highest change value moved on; once the sweep passes again, the
# next poll finds nothing new, yet must publish what the failed ones left.
# (A sweep is due until one succeeds: once one failed, every poll's
# fails, so the add below is put into the copy by failed polls only.)
mark=$(log_mark)
slapd_stop one
slapd_prtotal one 5
slapd_run one
assert "log: the sweep refused, a failed incremental sync (within 10 s)" \
    log_wait_since "$mark" 10 "replica: incremental sync failed: search: Size limit exceeded"
contact_ldif "Half Poll" halfpoll halfpoll@fourthcoffee.com | slapd_modify one ||
    e2e_die "ldapmodify (add) failed: $(cat "$SLAPD_TMP/one/modify.log")"
mark=$(log_mark)
assert "log: polls after the add fail too (within 10 s)" \
    log_wait_since "$mark" 10 "replica: incremental sync failed: search: Size limit exceeded"
smap_query virtual halfpoll@sales.contoso.com
echo "    meanwhile: virtual halfpoll@sales.contoso.com -> '$SMAP_REPLY'" >&2
assert "meanwhile: halfpoll@sales.contoso.com not published (unknown, or try again past max_age)" \
    test "$SMAP_REPLY" != "OK halfpoll@fourthcoffee.com"
slapd_stop one
slapd_prtotal one unlimited
SMAP_T0=$(ms_now)
slapd_run one
assert "sweeps pass again: halfpoll@sales.contoso.com -> halfpoll@fourthcoffee.com within poll + $MARGIN s" \
    smap_wait $((POLL + MARGIN)) virtual halfpoll@sales.contoso.com \
    "OK halfpoll@fourthcoffee.com"
echo "    seen $SMAP_MS ms after slapd's restart" >&2
unset SMAP_T0
want=$((want + 1))
assert "entries: one more ($want)" \
    metrics_wait mailswitch_replica_entries "$want" 5

echo "== 3. slapd stopped"
metrics_get "$METRICS_PORT"
echo "    replica age before the stop: $(metrics_value mailswitch_replica_age_seconds) s" >&2
mark=$(log_mark)
slapd_stop one
t_stop=$(ms_now)
smtp_rcpt nobody@sales.contoso.com
assert "fresh: RCPT nobody@sales.contoso.com still 550 5.1.1" \
    is "$RCPT_REPLY" "$unknown_550"
msg_send bob@contoso.com
assert "fresh: RCPT bob@contoso.com 250" starts "$RCPT_REPLY" 250
metrics_get "$METRICS_PORT"
age=$(metrics_value mailswitch_replica_age_seconds)
echo "    replica age now: $age s, $(($(ms_now) - t_stop)) ms after the stop" >&2
assert "... while the replica is younger than max_age ($age < $MAX_AGE)" \
    lt "$age" "$MAX_AGE"
assert "fresh: bob delivered to bob@fourthcoffee.com" \
    msg_delivered_to "<bob@fourthcoffee.com>"
assert "log: a failed sync (warning, within 5 s)" \
    log_wait_since "$mark" 5 "replica: incremental sync failed: "
smap_is virtual bob@contoso.com "OK bob@fourthcoffee.com" >/dev/null || true
smap_is access nobody@sales.contoso.com "OK 550 5.1.1 User unknown" >/dev/null || true
metrics_get "$METRICS_PORT"
assert "directory_up 0 after the failed sync, lookups from the replica notwithstanding" \
    is "$(metrics_value mailswitch_directory_up)" 0
assert "log: past max_age, not-found answers are try-again (within $((MAX_AGE + 6)) s)" \
    log_wait_since "$mark" $((MAX_AGE + 6)) \
    "replica: older than max_age ("
echo "    past max_age $(($(ms_now) - t_stop)) ms after the stop" >&2
grep -F "replica: " "$log" | tail -n +1 | grep -E 'failed|max_age' |
    tail -n 2 >&2 || true
smtp_rcpt nobody@sales.contoso.com
assert "stale: RCPT nobody@sales.contoso.com 451 4.3.0, not 550" \
    is "$RCPT_REPLY" "$unknown_451"
assert "stale: access nobody@sales.contoso.com 451" \
    smap_is access nobody@sales.contoso.com "OK 451 4.3.0 Temporary lookup failure"
msg_send bob.lee@contoso.com
assert "stale: RCPT bob.lee@contoso.com 250 (found answers still served)" \
    starts "$RCPT_REPLY" 250
assert "stale: delivered to bob@fourthcoffee.com" \
    msg_delivered_to "<bob@fourthcoffee.com>"
assert "stale: virtual newguy@sales.contoso.com still the added contact" \
    smap_is virtual newguy@sales.contoso.com "OK newguy@fourthcoffee.com"
metrics_get "$METRICS_PORT"
assert "$failed_incr > 0" gt "$(metrics_value "$failed_incr")" 0
assert "replica age >= max_age" \
    ge "$(metrics_value mailswitch_replica_age_seconds)" "$MAX_AGE"
assert "the replica still holds $want entries" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"

echo "== changes while mailswitch cannot reach slapd; slapd back"
replica_changes_aside "Outage Add" outage outage@fourthcoffee.com
mark=$(log_mark)
t0=$(ms_now)
slapd_run one
assert "log: replica: in sync again (within 10 s)" \
    log_wait_since "$mark" 10 "replica: in sync again (${SLAPD_URI[one]})"
echo "    in sync again $(($(ms_now) - t0)) ms after slapd's start" >&2
smtp_rcpt nobody@sales.contoso.com
assert "back: RCPT nobody@sales.contoso.com 550 5.1.1 again" \
    is "$RCPT_REPLY" "$unknown_550"
assert "back: the contact added meanwhile" smap_wait $((POLL + MARGIN)) \
    virtual outage@sales.contoso.com "OK outage@fourthcoffee.com"
assert "back: the target changed meanwhile" smap_wait $((POLL + MARGIN)) \
    virtual bob@contoso.com "OK bob.new@fourthcoffee.com"
assert "back: the mailbox deleted meanwhile is unknown" \
    smap_wait $((POLL + MARGIN)) access gina@sales.contoso.com \
    "OK 550 5.1.1 User unknown"
msg_send bob@contoso.com
assert "back: delivered to bob.new@fourthcoffee.com" \
    msg_delivered_to "<bob.new@fourthcoffee.com>"
metrics_get "$METRICS_PORT"
assert "back: replica age < max_age" \
    lt "$(metrics_value mailswitch_replica_age_seconds)" "$MAX_AGE"
assert "the same mailswitch process ($pid)" kill -0 "$pid"
assert "slapd saw no lookup of bob, gina or outage (from memory)" \
    no_lookup_at one bob@ gina@ outage@

echo "== 4. SIGHUP while slapd is down: the new replica serves the old copy"
metrics_get "$METRICS_PORT"
entries_before=$(metrics_value mailswitch_replica_entries)
slapd_stop one
mark=$(log_mark)
kill -HUP "$pid"
assert "log: configuration reloaded (within 10 s)" \
    log_wait_since "$mark" 10 "configuration reloaded from"
smtp_rcpt nobody@sales.contoso.com
assert "after SIGHUP: RCPT nobody@sales.contoso.com still 550 (the copy, not 451)" \
    is "$RCPT_REPLY" "$unknown_550"
assert "after SIGHUP: virtual bob@contoso.com from the copy" \
    smap_is virtual bob@contoso.com "OK bob.new@fourthcoffee.com"
metrics_get "$METRICS_PORT"
assert "after SIGHUP: mailswitch_replica_entries still $entries_before" \
    is "$(metrics_value mailswitch_replica_entries)" "$entries_before"
assert "after SIGHUP: the new replica's full sync fails (slapd down)" \
    log_wait_since "$mark" 5 "replica: full sync failed: "
mark=$(log_mark)
slapd_run one
assert "slapd back: the new replica's own full sync (within 10 s)" \
    log_wait_since "$mark" 10 "replica: full sync ok: $entries_before entries"
assert "log: in sync again" \
    log_wait_since "$mark" 5 "replica: in sync again"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane
slapd_stop one

echo "== 5. slapd closes idle connections (idletimeout 2 s), poll 4 s"
# as Active Directory's MaxConnIdleTime or a firewall would: the session
# is checked right before each poll and opened again, no failed sync
slapd_start idle --idletimeout 2
replica_conf "$T/idle.conf" idle \
    'enabled = true; poll = 4; max_age = 3600; syncrepl = "auto";'
replica_start "$T/idle.conf"
assert "idle: full sync ok (within 10 s)" \
    log_wait_since 0 10 "replica: full sync ok: "
sleep 9
SMAP_T0=$(ms_now)
contact_ldif "Idle Add" idleadd idleadd@fourthcoffee.com | slapd_modify idle ||
    e2e_die "ldapmodify (add) failed: $(cat "$SLAPD_TMP/idle/modify.log")"
assert "idle: an add seen within poll + 2 s" \
    smap_wait 6 virtual idleadd@sales.contoso.com "OK idleadd@fourthcoffee.com"
echo "    seen after $SMAP_MS ms" >&2
unset SMAP_T0
sleep 5
assert "idle: slapd closed the idle session, mailswitch connected again" \
    e2e_file_has "$log" "no longer answers"
assert "idle: no failed sync in 20 s of polling" \
    test -z "$(grep -F 'sync failed' "$log")"
metrics_get "$METRICS_PORT"
assert "idle: incremental syncs ok (at least 3)" ge "$(metrics_value "$ok_incr")" 3
assert "idle: none failed" is "$(metrics_value "$failed_incr")" 0
assert "no sanitizer report in the milter's log (idle)" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
