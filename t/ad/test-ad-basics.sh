#!/bin/bash
# t/ad/test-ad-basics.sh -- mailswitch against a real Active Directory
# domain controller (Samba's, t/lib/samba.sh: CONTOSO.COM with 2,005
# recipients), through its command line, the socketmap and a private
# Postfix: what SPEC section 10 says works with AD today.
#
#	test-ad-basics.sh MAILSWITCH_BINARY
#
# 0. The DC listens on its six ports of 127.0.0.1 and nowhere else.
# 1. ldaps:// as the ordinary bind account (its UPN, a password file of
#    mode 0600), the test's CA: -n 0; -q rewrites a contact found by a
#    primary and by a secondary address spelt in another case than stored,
#    the last of the 2,000 generated contacts (each has an X500: value
#    too, which must not make the entry fail), one of the 1,600 addresses
#    of one contact; a mailbox user is kept, canonicalised in
#    sales.contoso.com; an unknown address there gets 550 5.1.1; -Q finds
#    the sender by its target (a contact added over LDAPS whose primary
#    address differs from what the outbound rule would make).  The DC
#    sends continuation references for the Configuration, DomainDnsZones
#    and ForestDnsZones partitions with every subtree search of the base:
#    they are skipped (the answers above are right).
# 2. StartTLS on 389, ldaps:// by the DC's host name (its certificate's
#    DNS name), the global catalog: ldap://:3268 with StartTLS and
#    ldaps://:3269.  A simple bind in clear is refused by the DC: -n 78.
# 3. The replica (ldaps://, change_attribute uSNChanged, page_size 1000,
#    poll 1 s): the paged full load counts every recipient; an added
#    contact and a changed target are seen within poll + 5 s, through the
#    socketmap and Postfix.
# 4. The DC frozen (SIGSTOP): -q (the ldap back-end without a replica)
#    gives 75 and the 451 line within about its timeout; the milter on
#    the replica still rewrites and refuses (younger than max_age).
# 5. The DC stopped: the same; restarted: the replica is in sync again and
#    sees a contact added after the restart; -q answers again.
# Needs root, Postfix, Samba (t/run-tests.sh installs it), curl.
set -eu
. "$(dirname "$0")/lib.sh"
t_start=$(date +%s%3N)
ad_test_init "$0" "$@"
ldap_metrics_init
log=$E2E_TMP/mailswitch.log
POLL=1
MARGIN=5
unknown_550="550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"
tf="451 4.3.0 <bob@contoso.com>: Temporary lookup failure"

# True when every TCP or UDP socket listening in the test's namespace is
# bound to 127.0.0.1, and the DC's ports are among them.
dc_on_loopback_only()
{
	local l p
	l=$(ss -Htlnu | awk '{ print $5 }')
	printf '%s\n' "$l" | sed 's/^/    listening: /' | sort -u | head -n 30 >&2
	for p in 88 389 464 636 3268 3269; do
		grep -qx "127.0.0.1:$p" <<<"$l" ||
		    { echo "    nothing on 127.0.0.1:$p" >&2; return 1; }
	done
	[ -z "$(grep -v '^127\.0\.0\.1:' <<<"$l")" ]
}

assert "the DC listens on 88, 389, 464, 636, 3268, 3269 of 127.0.0.1, nothing elsewhere" \
    dc_on_loopback_only

echo "== 1. ldaps://, the bind account, the data"
ldaps=$(ad_conf ldaps "ldaps://127.0.0.1/")
n_run "$ldaps"
assert "ldaps: -n 0" is "$N_RC" 0
q_is "$ldaps" bob@contoso.com 0 bob@fourthcoffee.com "primary"
q_is "$ldaps" BOB.LEE@CONTOSO.COM 0 bob@fourthcoffee.com \
    "a secondary stored as smtp:Bob.Lee@Contoso.com, asked in capitals"
q_is "$ldaps" user1999@contoso.com 0 user1999@fourthcoffee.com \
    "the last generated contact (with an X500: value)"
q_is "$ldaps" u1234@contoso.com 0 user1234@fourthcoffee.com "a secondary"
q_is "$ldaps" big1599@contoso.com 0 big@fourthcoffee.com \
    "the last of 1,600 proxy addresses"
q_is "$ldaps" cdiaz@contoso.com 0 cdiaz@contoso.com "a mailbox user, kept"
q_is "$ldaps" carol@sales.contoso.com 0 Carol.Diaz@sales.contoso.com \
    "a mailbox user, canonicalised"
q_is "$ldaps" nobody@sales.contoso.com 67 "$unknown_550" "unknown"
q_is "$ldaps" nobody@contoso.com 0 nobody@legacy.contoso.com \
    "unknown in the internal relay domain: forward_to"
samba_contact_add "Gina Tran" SMTP:gtran@fourthcoffee.com \
    SMTP:gina.tran@contoso.com smtp:gtran@contoso.com ||
    e2e_die "cannot add a contact: $(tail -n 5 "$SAMBA_TMP/modify.log")"
set +e
Q_OUT=$(timeout 30 "$MS" -c "$ldaps" -Q gtran@fourthcoffee.com -a 192.0.2.7 2>"$T/qq.err")
Q_RC=$?
set -e
assert "-Q gtran@fourthcoffee.com: its contact's primary address (directory, not the rule)" \
    is "$Q_RC $Q_OUT" "0 gina.tran@contoso.com"
refs=$(samba_search '(proxyAddresses=smtp:bob@contoso.com)' 1.1 |
    grep -c '^# refldaps://' || true)
assert "the DC sends 3 continuation references with a subtree search (skipped above)" \
    is "$refs" 3

echo "== 2. StartTLS, the host name, the global catalog; no clear simple bind"
c=$(ad_conf starttls "ldap://127.0.0.1/" starttls=true)
n_run "$c"
assert "StartTLS: -n 0" is "$N_RC" 0
q_is "$c" u7@contoso.com 0 user7@fourthcoffee.com "StartTLS"
c=$(ad_conf byname "ldaps://$SAMBA_HOST/")
q_is "$c" bob@contoso.com 0 bob@fourthcoffee.com "ldaps://$SAMBA_HOST/"
c=$(ad_conf gc "ldap://127.0.0.1:3268/" starttls=true)
n_run "$c"
assert "global catalog 3268, StartTLS: -n 0" is "$N_RC" 0
q_is "$c" big1599@contoso.com 0 big@fourthcoffee.com "global catalog 3268"
c=$(ad_conf gcs "ldaps://127.0.0.1:3269/")
q_is "$c" bob.lee@contoso.com 0 bob@fourthcoffee.com "global catalog 3269"
q_is "$c" nobody@sales.contoso.com 67 "$unknown_550" "global catalog 3269"
c=$(ad_conf clear "ldap://127.0.0.1/")
n_run "$c"
assert "a simple bind in clear: -n 78 (the DC refuses it)" is "$N_RC" 78
assert "... and says why" has "$N_ERR" "Strong(er) authentication required"

echo "== 3. the replica: paged full load, adds and changes within poll"
e2e_sink_start
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"
want=$((SAMBA_RECIPIENTS + 1))	# and Gina Tran
rc=$(ad_replica_conf replica "ldaps://127.0.0.1/" \
    "enabled = true; poll = $POLL; refresh = 3600; change_attribute = \"uSNChanged\"; page_size = 1000; max_age = 3600; syncrepl = \"auto\";")
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
t0=$(ms_now)
replica_start "$rc"
assert "log: replica: full sync ok (within 30 s)" \
    log_wait_since 0 30 "replica: full sync ok: "
echo "    full load within $(($(ms_now) - t0)) ms of mailswitch's start" >&2
grep -F "replica: full sync ok" "$log" | head -n 1 >&2 || true
assert "log: the full sync has $want entries" \
    e2e_file_has "$log" "replica: full sync ok: $want entries, "
metrics_get "$METRICS_PORT"
assert "mailswitch_replica_entries $want" \
    is "$(metrics_value mailswitch_replica_entries)" "$want"
assert "log: no RFC 4533 on AD: polling (incremental syncs, within 5 s)" \
    log_wait_since 0 5 "replica: incremental sync ok: "
assert "log: no entry of the DC is broken" \
    test -z "$(grep -iE 'entry .*(malformed|two |bad)' "$log")"
msg_send u1500@contoso.com
assert "RCPT u1500@contoso.com: 250" starts "$RCPT_REPLY" 250
assert "delivered to user1500@fourthcoffee.com" \
    msg_delivered_to "<user1500@fourthcoffee.com>"
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1" is "$RCPT_REPLY" "$unknown_550"
assert "virtual big1234@contoso.com (one of 1,600)" \
    smap_is virtual big1234@contoso.com "OK big@fourthcoffee.com"

assert "before the add: newguy@sales.contoso.com unknown" \
    smap_is access newguy@sales.contoso.com "OK 550 5.1.1 User unknown"
SMAP_T0=$(ms_now)
samba_contact_add "New Guy" SMTP:newguy@fourthcoffee.com \
    SMTP:newguy@sales.contoso.com ||
    e2e_die "ldapmodify (add) failed: $(tail -n 5 "$SAMBA_TMP/modify.log")"
assert "add: virtual newguy@sales.contoso.com -> newguy@fourthcoffee.com" \
    smap_wait $((POLL + MARGIN)) virtual newguy@sales.contoso.com \
    "OK newguy@fourthcoffee.com"
echo "    the add was seen after $SMAP_MS ms" >&2
SMAP_T0=$(ms_now)
samba_contact_target "Contact 0007" SMTP:seven.new@fourthcoffee.com ||
    e2e_die "ldapmodify (modify) failed: $(tail -n 5 "$SAMBA_TMP/modify.log")"
assert "change: virtual u7@contoso.com -> seven.new@fourthcoffee.com" \
    smap_wait $((POLL + MARGIN)) virtual u7@contoso.com \
    "OK seven.new@fourthcoffee.com"
echo "    the change was seen after $SMAP_MS ms" >&2
msg_send user7@contoso.com
assert "delivered to seven.new@fourthcoffee.com" \
    msg_delivered_to "<seven.new@fourthcoffee.com>"
assert "entries: one more ($((want + 1)))" \
    metrics_wait mailswitch_replica_entries $((want + 1)) 5

echo "== 4. the DC frozen (SIGSTOP)"
quick=$(AD_TIMEOUT=2.0 ad_conf quick "ldaps://127.0.0.1/")
samba_freeze
q_run "$quick" bob@contoso.com
assert "frozen: -q (no replica) 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
assert "frozen: -q gave up within 5 s (timeout 2 s)" le "$Q_MS" 5000
msg_send bob@contoso.com
assert "frozen: RCPT bob@contoso.com 250 (the replica)" starts "$RCPT_REPLY" 250
assert "frozen: delivered to bob@fourthcoffee.com" \
    msg_delivered_to "<bob@fourthcoffee.com>"
smtp_rcpt nobody@sales.contoso.com
assert "frozen: RCPT nobody@sales.contoso.com still 550 (fresh replica)" \
    is "$RCPT_REPLY" "$unknown_550"
samba_thaw

echo "== 5. the DC stopped, then restarted"
mark=$(log_mark)
samba_stop
q_run "$quick" bob@contoso.com
assert "stopped: -q 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
assert "stopped: virtual newguy@sales.contoso.com from the replica" \
    smap_is virtual newguy@sales.contoso.com "OK newguy@fourthcoffee.com"
assert "stopped: a failed sync is logged (within 5 s)" \
    log_wait_since "$mark" 5 "replica: incremental sync failed: "
mark=$(log_mark)
samba_start
echo "    the DC restarted in $SAMBA_START_MS ms" >&2
assert "restarted: replica in sync again (within 10 s)" \
    log_wait_since "$mark" 10 "replica: in sync again"
SMAP_T0=$(ms_now)
samba_contact_add "After Restart" SMTP:after@fourthcoffee.com \
    SMTP:after@sales.contoso.com ||
    e2e_die "ldapmodify (add) failed: $(tail -n 5 "$SAMBA_TMP/modify.log")"
assert "restarted: a contact added afterwards is seen" \
    smap_wait $((POLL + MARGIN)) virtual after@sales.contoso.com \
    "OK after@fourthcoffee.com"
q_is "$ldaps" after@sales.contoso.com 0 after@fourthcoffee.com "restarted"
assert "the same mailswitch process ($pid)" kill -0 "$pid"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane
echo "    test-ad-basics: $(($(ms_now) - t_start)) ms in all" >&2

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
