#!/bin/bash
# t/ad/test-ad-entries.sh -- what Active Directory's entries hold, read as
# AD means it (a real Samba AD DC, t/lib/samba.sh), SPEC sections 9, 10
# and 2:
#
#	test-ad-entries.sh MAILSWITCH_BINARY
#
# 1. Ranged values in lookups.  AD sends an attribute with more values
#    than MaxValRange (1,500) as "proxyAddresses;range=0-1499" and the
#    rest only when asked; Samba sends all of them unless the client asks
#    for a range, and then that range only (checked here with ldapsearch:
#    "proxyAddresses;range=0-99" gives 100 values under that name).  So
#    mailswitch asks in ranges itself (directory.ldap.range_size): with
#    range_size 100, 1500 and 7, the 1,600th address of "Big List" is
#    found (it is in none of the first ranges: the further reads happened)
#    and -Q reads its target ranged too; a contact with fewer values comes
#    back as "range=0-*"; range_size 0 asks plainly.  A ranged read that
#    cannot finish (range_size 1: 1,600 reads, timeout 0.3 s) fails the
#    lookup, 451, even for big5@contoso.com, which its first reads had:
#    never an entry with part of its addresses.
# 2. Ranged values in the replica (range_size 100, uSNChanged, poll 1 s):
#    the paged full load counts every recipient and answers for the
#    1,600th address; a contact added with 250 addresses is seen within
#    poll, by its 250th.
# 3. Exchange 2010-style contacts, whose primary SMTP address is their
#    external one (Dave Jones: SMTP:dave@fourthcoffee.example,
#    smtp:dave@contoso.com; Erin Jones: ..., smtp:erin.jones@contoso.com),
#    sent out (SPEC section 2, step 1): -Q, the socketmap's generic map
#    (ldap and replica) and the milter behind Postfix give the secondary
#    address in the rule's domain -- erin.jones@contoso.com, where the
#    rule fourthcoffee.example -> contoso.com alone would give erin@.
# Needs root, Postfix, Samba.
set -eu
. "$(dirname "$0")/lib.sh"
t_start=$(date +%s%3N)
ad_test_init "$0" "$@"
log=$E2E_TMP/mailswitch.log
POLL=1
MARGIN=5

# big_values ATTRIBUTE-ASKED -- "NAME COUNT" of what the DC returns for
# Big List's proxyAddresses when asked so
big_values()
{
	samba_search '(cn=Big List)' "$1" |
	    awk -F: '/^proxyAddresses/ { n[$1]++ }
	        END { for (a in n) print a, n[a] }'
}

echo "== 1. ranged values in lookups (at $(($(ms_now) - t_start)) ms)"
assert "the DC answers a plain request with all 1,600 values" \
    is "$(big_values proxyAddresses)" "proxyAddresses 1600"
assert "... and a ranged one with that range only" \
    is "$(big_values 'proxyAddresses;range=0-99')" \
    "proxyAddresses;range=0-99 100"
assert "... the last range ending in *" \
    is "$(big_values 'proxyAddresses;range=1500-1599')" \
    "proxyAddresses;range=1500-* 100"
for rs in 100 1500 7 0; do
	c=$(ad_conf "r$rs" "ldaps://127.0.0.1/" "range_size=$rs")
	q_is "$c" big1599@contoso.com 0 big@fourthcoffee.com \
	    "range_size $rs, the 1,600th address"
	q_is "$c" BIG@contoso.com 0 big@fourthcoffee.com \
	    "range_size $rs, the primary"
	q_is "$c" bob.lee@contoso.com 0 bob@fourthcoffee.com \
	    "range_size $rs, three values"
	Q_is "$c" big@fourthcoffee.com big@contoso.com "range_size $rs"
	q_is "$c" nobody@sales.contoso.com 67 \
	    "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown" \
	    "range_size $rs"
done
c=$(AD_TIMEOUT=0.3 ad_conf r1 "ldaps://127.0.0.1/" "range_size=1")
q_run "$c" big5@contoso.com
assert "range_size 1, timeout 0.3 s: -q big5@contoso.com 75 (not a part)" \
    is "$Q_RC $Q_OUT" \
    "75 451 4.3.0 <big5@contoso.com>: Temporary lookup failure"
assert "... and says so" has "$Q_ERR" \
    "not taken with part of its proxyAddresses"
assert "... naming the entry" has "$Q_ERR" \
    "entry 'CN=Big List,OU=Contacts,DC=contoso,DC=com': proxyAddresses;range="

echo "== 2. ranged values in the replica (at $(($(ms_now) - t_start)) ms)"
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"
rc=$(ad_replica_conf replica "ldaps://127.0.0.1/" \
    "enabled = true; poll = $POLL; change_attribute = \"uSNChanged\"; page_size = 1000;")
sed -i 's/^    scope = "sub";/    scope = "sub";\n    range_size = 100;/' "$rc"
grep -q 'range_size = 100;' "$rc" || e2e_die "no range_size in $rc"
e2e_sink_start
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
replica_start "$rc"
assert "log: replica: full sync ok (within 30 s)" \
    log_wait_since 0 30 "replica: full sync ok: "
assert "log: the full sync has $SAMBA_RECIPIENTS entries" \
    e2e_file_has "$log" "replica: full sync ok: $SAMBA_RECIPIENTS entries, "
assert "replica: virtual big1599@contoso.com (the 1,600th address)" \
    smap_is virtual big1599@contoso.com "OK big@fourthcoffee.com"
assert "replica: generic big@fourthcoffee.com" \
    smap_is generic big@fourthcoffee.com "OK big@contoso.com"
many=()
for i in $(seq 1 249); do
	many+=("smtp:many$i@sales.contoso.com")
done
SMAP_T0=$(ms_now)
samba_contact_add "Many Values" SMTP:many@fourthcoffee.com \
    SMTP:many@sales.contoso.com "${many[@]}" ||
    e2e_die "cannot add a contact: $(tail -n 5 "$SAMBA_TMP/modify.log")"
assert "replica: a contact added with 250 addresses, by its 250th" \
    smap_wait $((POLL + MARGIN)) virtual many249@sales.contoso.com \
    "OK many@fourthcoffee.com"
echo "    seen after $SMAP_MS ms" >&2
assert "replica: no sync failed" \
    test -z "$(grep -F 'sync failed' "$log")"

echo "== 3. Exchange 2010-style contacts, sent out (at $(($(ms_now) - t_start)) ms)"
ldaps=$(ad_conf ex2010 "ldaps://127.0.0.1/")
Q_is "$ldaps" dave@fourthcoffee.example dave@contoso.com "ldap"
Q_is "$ldaps" erin@fourthcoffee.example erin.jones@contoso.com \
    "ldap (not the rule's erin@contoso.com)"
Q_is "$ldaps" ERIN@FourthCoffee.Example erin.jones@contoso.com "ldap, any case"
Q_is "$ldaps" someone@fourthcoffee.example someone@contoso.com \
    "ldap, no contact: the rule"
assert "replica: generic erin@fourthcoffee.example" \
    smap_is generic erin@fourthcoffee.example "OK erin.jones@contoso.com"
assert "replica: generic dave@fourthcoffee.example" \
    smap_is generic dave@fourthcoffee.example "OK dave@contoso.com"
assert "replica: virtual erin.jones@contoso.com (inbound)" \
    smap_is virtual erin.jones@contoso.com "OK erin@fourthcoffee.example"
# the milter (on the replica) behind Postfix: Erin writes to the Internet
smtp_open
smtp_cmd "EHLO client.example.net"
smtp_cmd "XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]"
smtp_cmd "EHLO client.example.net"
smtp_cmd "MAIL FROM:<erin@fourthcoffee.example>"
smtp_cmd "RCPT TO:<someone@example.org>"
assert "milter: RCPT someone@example.org 250" e2e_reply_starts "250"
smtp_cmd "DATA"
smtp_data_body <<'EOF'
From: Erin Jones <erin@fourthcoffee.example>
To: someone@example.org
Subject: ad entries ex2010
Message-ID: <ad-entries-ex2010@fourthcoffee.example>

From an Exchange 2010-style contact.
EOF
assert "milter: end of data 250" e2e_reply_starts "250"
smtp_cmd "QUIT"
smtp_close
e2e_wait_for 20 test -n "$(e2e_sink_find 'Message-ID: <ad-entries-ex2010@')" || true
d=$(e2e_sink_find 'Message-ID: <ad-entries-ex2010@')
assert "milter: the message arrived" test -n "$d"
if [ -n "$d" ]; then
	assert "milter: MAIL FROM:<erin.jones@contoso.com>" \
	    is "$(e2e_sink_mailfrom "$d")" "<erin.jones@contoso.com>"
	assert "milter: From: Erin Jones <erin.jones@contoso.com>" \
	    e2e_file_has "$d" "From: Erin Jones <erin.jones@contoso.com>"
fi
assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

echo "    test-ad-entries: $(($(ms_now) - t_start)) ms in all" >&2
if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
