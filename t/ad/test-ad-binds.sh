#!/bin/bash
# t/ad/test-ad-binds.sh -- how mailswitch binds to Active Directory (a
# real Samba AD DC, t/lib/samba.sh), SPEC section 10:
#
#	test-ad-binds.sh MAILSWITCH_BINARY
#
# 1. A simple bind in clear (ldap://, no StartTLS), which the DC refuses:
#    -n 78 with one line naming ldaps:// and starttls as the cure, -q 75
#    with the 451 line; the daemon warns at load that the password goes
#    in clear and its failed lookups name the cure.  Over ldaps:// and
#    StartTLS: -n 0 and not a word on stderr.
# 2. bind = "gssapi" from the keytab of the bind account (owned by the
#    user mailswitch runs as, mode 0600), no password anywhere: -n 0, -q
#    and -Q over ldap:// (GSSAPI signs and seals: the DC, like AD, takes
#    no SASL bind without a layer in clear), over ldaps://, StartTLS and
#    the global catalog's 3268 and 3269 (no SASL layer inside TLS, as AD
#    requires: the DC refuses one there); principal "" takes the keytab's
#    first; the test's own credential cache is never written.
# 3. Each keytab that cannot work is a configuration error (-n and -q 78,
#    FILE:LINE, naming it): missing, unreadable by the user mailswitch
#    runs as, mode 0644 and 0640, owned by another user, not a keytab,
#    without the principal; a bind_dn next to bind = "gssapi".
# 4. The KDC unreachable (krb5.conf's kdc a closed port): -q 75 with the
#    451 line, -n 78 saying so -- a directory failure, not a configuration
#    error.  The DC frozen (SIGSTOP; its KDC is in the same process): -q
#    answers within about its timeout, not the 13 to 27 s that MIT's
#    libraries wait for a KDC (tickets are got in the background; the
#    process ends once that attempt has, so that no thread is left in
#    them).
# 5. The replica over GSSAPI (ldap://, uSNChanged, poll 1 s): the full
#    load counts every recipient, an added contact is seen.
# 6. Concurrent binds: 16 lookups at once right after the start bind up
#    to 8 connections at once (the pool's), all answered, with one ticket from
#    the KDC (its log counts the AS exchanges): the credential is got once.
#    Renewal is t/ad/test-ad-renewal.sh's.
# 7. A Samba DC before 4.20 with its default "ldap server require strong
#    auth = yes" refuses GSSAPI inside TLS whatever the client does (no
#    layer: "Sign or Seal are required"; a layer: "not allowed if TLS is
#    used"): -q over ldaps:// 75, naming the cure (ldap://, or
#    allow_sasl_over_tls on the DC); ldap:// still works.
# The DC runs with "ldap server require strong auth = allow_sasl_over_tls"
# until part 7: Active Directory's rule (MS-ADTS 5.1.1.1.2: no SASL layer
# on a TLS connection; a simple bind or a SASL bind without a layer over
# TLS, a SASL bind with one in clear), and with auth_audit at level 3 (one
# log line per ticket the KDC gives).  Needs root, Samba, krb5-user,
# libsasl2-modules-gssapi-mit, util-linux (setpriv).
set -eu
. "$(dirname "$0")/lib.sh"
t_start=$(date +%s%3N)
ad_test_init "$0" "$@"
log=$E2E_TMP/mailswitch.log
tf="451 4.3.0 <bob@contoso.com>: Temporary lookup failure"

samba_stop
samba_option "ldap server require strong auth" allow_sasl_over_tls
samba_option "log level" "1 auth_audit:3"
samba_start
# the KDC over TCP only: over UDP its answer is too big, the client asks
# again over TCP, and the DC logs the ticket twice
sed 's/^\[libdefaults\]/[libdefaults]\n\tudp_preference_limit = 1/' \
    "$KRB5_CONFIG" >"$T/krb5.conf"
export KRB5_CONFIG=$T/krb5.conf

# The keytab as the package wants it: owned by the user mailswitch runs
# as (these configurations say user = "nobody"), mode 0600.
kt=$T/mailswitch.keytab
cp "$SAMBA_KEYTAB" "$kt"
chown nobody "$kt"
chmod 600 "$kt"

# gconf NAME URI [KEY=VALUE...] -- $T/NAME.conf, bind = "gssapi" with the
# keytab $kt (unless a KEY=VALUE gives another) and the test's CA;
# prints its path.
gconf()
{
	local name=$1 uri=$2 k=$kt
	shift 2
	case " $* " in *" keytab="*) k="" ;; esac
	samba_mailswitch_conf "$T/$name.conf" "\"$uri\"" 'bind="gssapi"' \
	    ${k:+"keytab=\"$k\""} "tls_ca_file=\"$SAMBA_CA\"" \
	    "timeout=${AD_TIMEOUT:-5.0}" "$@"
	echo "$T/$name.conf"
}

# The number of tickets the KDC gave mailswitch@CONTOSO.COM so far.
as_count()
{
	grep -F 'Auth: [Kerberos KDC,' "$SAMBA_DC/log/log.samba" |
	    grep -F "[$SAMBA_PRINCIPAL]" | grep -cF 'status [NT_STATUS_OK]' ||
	    true
}

# line_of FILE KEY -- the line of "KEY = " in FILE
line_of()
{
	grep -n "^ *$2 = " "$1" | head -n 1 | cut -d: -f1
}

echo "== 1. a simple bind in clear; over TLS"
clear=$(ad_conf clear "ldap://127.0.0.1/")
n_run "$clear"
assert "clear: -n 78 (the DC refuses the bind)" is "$N_RC" 78
assert "clear: -n says it in one line" \
    is "$(printf '%s\n' "$N_ERR" | grep -c .)" 1
assert "clear: ... the DC's refusal" has "$N_ERR" \
    "Strong(er) authentication required"
assert "clear: ... and the cure" has "$N_ERR" \
    "the password went in clear, which the server refuses: use ldaps:// or starttls = true"
q_run "$clear" bob@contoso.com
assert "clear: -q 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
assert "clear: -q names the cure" has "$Q_ERR" "use ldaps:// or starttls"
for c in "$(ad_conf tls "ldaps://127.0.0.1/")" \
    "$(ad_conf st "ldap://127.0.0.1/" starttls=true)"; do
	n_run "$c"
	assert "$(basename "$c" .conf): -n 0 without a word" \
	    is "$N_RC:$N_ERR" "0:"
done
sm_conf=$T/clear-daemon.conf
SAMBA_CONF_TOP="socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";" \
    ad_conf clear-daemon "ldap://127.0.0.1/" >/dev/null
e2e_mailswitch_start "$MS" "$sm_conf"
e2e_wait_port "$E2E_SOCKETMAP_PORT" 10 "$E2E_MAILSWITCH_PID" ||
    e2e_die "no socketmap server"
assert "at start: the password in clear is logged, with the cure" \
    e2e_file_has "$log" "$sm_conf: directory.ldap: a simple bind sends the password in clear to ldap://127.0.0.1/: use ldaps:// or starttls = true"
smap_query virtual bob@contoso.com
assert "at start: the lookup is deferred (TEMP)" starts "$SMAP_REPLY" "TEMP "
assert "at start: the failure's log line names the cure" \
    e2e_file_has "$log" "the password went in clear, which the server refuses: use ldaps:// or starttls = true"
assert "the daemon's log holds no password" \
    test -z "$(grep -F -- "$SAMBA_BIND_PASSWORD" "$log")"
e2e_mailswitch_stop

echo "== 2. bind = \"gssapi\" from the keytab"
ccache=${KRB5CCNAME#FILE:}
rm -f "$ccache"
c=$(gconf gssapi "ldap://$SAMBA_HOST/" "principal=\"$SAMBA_PRINCIPAL\"")
assert "gssapi: the configuration names no password" \
    test -z "$(grep -E 'bind_dn|password' "$c")"
n_run "$c"
assert "gssapi over ldap://: -n 0, not a word" is "$N_RC:$N_ERR" "0:"
q_is "$c" bob@contoso.com 0 bob@fourthcoffee.com "gssapi over ldap:// (sealed)"
q_is "$c" big1599@contoso.com 0 big@fourthcoffee.com "gssapi over ldap://"
q_is "$c" nobody@sales.contoso.com 67 \
    "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown" \
    "gssapi over ldap://"
Q_is "$c" dave@fourthcoffee.example dave@contoso.com "gssapi over ldap://"
q_is "$(gconf ldaps "ldaps://$SAMBA_HOST/")" bob.lee@contoso.com 0 \
    bob@fourthcoffee.com "gssapi over ldaps://, principal \"\" (the first)"
q_is "$(gconf st "ldap://$SAMBA_HOST/" starttls=true)" u7@contoso.com 0 \
    user7@fourthcoffee.com "gssapi over StartTLS"
q_is "$(gconf gc "ldap://$SAMBA_HOST:3268/")" u8@contoso.com 0 \
    user8@fourthcoffee.com "gssapi, global catalog 3268"
q_is "$(gconf gcs "ldaps://$SAMBA_HOST:3269/")" u9@contoso.com 0 \
    user9@fourthcoffee.com "gssapi, global catalog 3269 (TLS)"
assert "the test's own credential cache was never written" \
    test ! -e "$ccache"

echo "== 3. keytabs that cannot work: configuration errors"
chmod 755 "$T"		# for mailswitch -n as nobody
nk=$T/nobody
mkdir -p "$nk"
chmod 755 "$nk"
cp "$kt" "$nk/root.keytab"
chown root "$nk/root.keytab"
cp "$kt" "$nk/open.keytab"
chmod 644 "$nk/open.keytab"
cp "$kt" "$nk/group.keytab"
chmod 640 "$nk/group.keytab"
cp "$kt" "$nk/daemon.keytab"
chown daemon "$nk/daemon.keytab"
printf 'not a keytab\n' >"$nk/junk.keytab"
chown nobody "$nk/junk.keytab"
chmod 600 "$nk/junk.keytab"
# bad NAME WHAT KEY MESSAGE [KEY=VALUE...] -- -n and -q 78, the message
# at FILE:LINE of KEY
bad()
{
	local name=$1 what=$2 key=$3 msg=$4 c
	shift 4
	c=$(gconf "$name" "ldap://$SAMBA_HOST/" "$@")
	chmod 644 "$c"
	n_run "$c"
	assert "$what: -n 78" is "$N_RC" 78
	assert "$what: FILE:LINE of $key, and why" \
	    starts "$N_ERR" "$c:$(line_of "$c" "$key"): $msg"
	q_run "$c" bob@contoso.com
	assert "$what: -q 78 too" is "$Q_RC" 78
}
bad missing "a missing keytab" keytab \
    "directory.ldap.keytab $nk/none.keytab: cannot open: " \
    "keytab=\"$nk/none.keytab\""
bad open "a keytab of mode 0644" keytab \
    "directory.ldap.keytab $nk/open.keytab: readable or writable by group or others (mode 0644)" \
    "keytab=\"$nk/open.keytab\""
bad group "a keytab of mode 0640" keytab \
    "directory.ldap.keytab $nk/group.keytab: readable or writable by group or others (mode 0640)" \
    "keytab=\"$nk/group.keytab\""
bad daemon "a keytab owned by another user" keytab \
    "directory.ldap.keytab $nk/daemon.keytab: owned by uid $(id -u daemon), neither root nor the user mailswitch runs as" \
    "keytab=\"$nk/daemon.keytab\""
bad junk "a file that is no keytab" keytab \
    "directory.ldap.keytab $nk/junk.keytab: not a keytab: " \
    "keytab=\"$nk/junk.keytab\""
bad nokey "a principal that is not in the keytab" principal \
    "directory.ldap.principal: keytab $kt: principal 'Administrator@CONTOSO.COM' is not in it" \
    "principal=\"Administrator@CONTOSO.COM\""
bad both "a bind_dn next to bind = \"gssapi\"" bind_dn \
    "'directory.ldap.bind_dn' is for bind = \"simple\"" \
    "bind_dn=\"$SAMBA_BIND_UPN\""
# unreadable: as the user mailswitch runs as (nobody), a keytab of root's
c=$(gconf unreadable "ldap://$SAMBA_HOST/" "keytab=\"$nk/root.keytab\"")
chmod 644 "$c"
cp "$c" "$nk/unreadable.conf"
set +e
N_ERR=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$MS" -c "$nk/unreadable.conf" -n 2>&1 >/dev/null)
N_RC=$?
set -e
echo "    -n as nobody -> $N_RC [$N_ERR]" >&2
assert "a keytab nobody may not read, -n as nobody: 78" is "$N_RC" 78
assert "... FILE:LINE, and why" starts "$N_ERR" \
    "$nk/unreadable.conf:$(line_of "$c" keytab): directory.ldap.keytab $nk/root.keytab: cannot open: Permission denied"
n_run "$c"
assert "the same keytab, owned by root, read by root: -n 0" is "$N_RC" 0

echo "== 4. the KDC unreachable: a directory failure"
sed "s/kdc = $SAMBA_HOST/kdc = 127.0.0.1:9/" "$KRB5_CONFIG" >"$T/krb5-nokdc.conf"
c=$(gconf nokdc "ldap://$SAMBA_HOST/")
KRB5_CONFIG=$T/krb5-nokdc.conf q_run "$c" bob@contoso.com
assert "no KDC: -q 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
assert "no KDC: says why" has "$Q_ERR" "Cannot contact any KDC"
KRB5_CONFIG=$T/krb5-nokdc.conf n_run "$c"
assert "no KDC: -n 78, the directory does not answer" is "$N_RC" 78
assert "no KDC: -n says why" has "$N_ERR" \
    "the directory does not answer: ldap: ldap://$SAMBA_HOST/: GSSAPI bind as $SAMBA_PRINCIPAL: "
assert "no KDC: ... Cannot contact any KDC" has "$N_ERR" \
    "Cannot contact any KDC for realm 'CONTOSO.COM'"
c=$(AD_TIMEOUT=2.0 gconf frozen "ldap://$SAMBA_HOST/")
samba_freeze
t0=$(ms_now)
set +e
timeout 60 "$MS" -c "$c" -v -q bob@contoso.com >"$T/frozen.out" \
    2>"$T/frozen.err" &
qp=$!
e2e_wait_for 20 test -s "$T/frozen.out"
answered=$(($(ms_now) - t0))
wait "$qp"
Q_RC=$?
set -e
ended=$(($(ms_now) - t0))
samba_thaw
echo "    frozen: answered after $answered ms, ended after $ended ms" >&2
sanitizer_free "$T/frozen.err" "-q, the DC frozen"
assert "the DC frozen (its KDC too): -q 75, the 451 line" \
    is "$Q_RC $(cat "$T/frozen.out")" "75 $tf"
assert "... answered within about the timeout of 2 s (not the KDC's 13 to 27 s)" \
    le "$answered" 5000
assert "... saying the KDC has not answered" has "$(cat "$T/frozen.err")" \
    "no ticket for $SAMBA_PRINCIPAL: the KDC has not answered within the lookup's time"

echo "== 5. the replica over GSSAPI"
METRICS_PORT=$(slapd_free_port "$E2E_MILTER_PORT") || e2e_die "no free port"
SAMBA_CONF_TOP="metrics = \"inet:$METRICS_PORT@127.0.0.1\";
socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";" \
    gconf replica "ldap://$SAMBA_HOST/" connections=2 \
    "replica={ enabled = true; poll = 1; change_attribute = \"uSNChanged\"; page_size = 1000; }" \
    >/dev/null
replica_start "$T/replica.conf"
assert "log: replica: full sync ok (within 30 s)" \
    log_wait_since 0 30 "replica: full sync ok: "
assert "log: the full sync has $SAMBA_RECIPIENTS entries" \
    e2e_file_has "$log" "replica: full sync ok: $SAMBA_RECIPIENTS entries, "
samba_contact_add "Kerb Test" SMTP:kerb@fourthcoffee.com \
    SMTP:kerb@sales.contoso.com ||
    e2e_die "cannot add a contact: $(tail -n 5 "$SAMBA_TMP/modify.log")"
SMAP_T0=$(ms_now)
fails=$ASSERT_FAILS
assert "the replica sees an added contact (within 6 s of the add)" \
    smap_wait 6 virtual kerb@sales.contoso.com "OK kerb@fourthcoffee.com"
[ "$ASSERT_FAILS" = "$fails" ] ||
    grep -F 'replica: ' "$log" | tail -n 8 | cut -c1-240 >&2
assert "no sanitizer report in the replica's log" e2e_mailswitch_sane

echo "== 6. 8 binds at once"
: >"$log"
SAMBA_CONF_TOP="socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";" \
    gconf burst "ldap://$SAMBA_HOST/" connections=8 >/dev/null
as0=$(as_count)
e2e_mailswitch_start "$MS" "$T/burst.conf"
e2e_wait_port "$E2E_SOCKETMAP_PORT" 10 "$E2E_MAILSWITCH_PID" ||
    e2e_die "no socketmap server"
burst=""
for i in $(seq 1 16); do
	(smap_query virtual "u$i@contoso.com"; echo "$SMAP_REPLY" >"$T/burst.$i") &
	burst="$burst $!"
done
for p in $burst; do
	wait "$p" || true
done
ok=0
for i in $(seq 1 16); do
	[ "$(cat "$T/burst.$i")" = "OK user$i@fourthcoffee.com" ] && ok=$((ok + 1))
done
assert "16 lookups at once on 8 connections: all answered" is "$ok" 16
assert "... with one ticket from the KDC (the first bind gets it once)" \
    is "$(($(as_count) - as0))" 1
echo "    connections to the DC now: $(ss -Htn state established \
    '( dport = :389 )' | wc -l)" >&2
assert "the daemon logged no bind failure" \
    test -z "$(grep -E 'GSSAPI bind as .*: ' "$log")"
assert "no sanitizer report in the daemon's log" e2e_mailswitch_sane

echo "== 7. Samba's own default: no GSSAPI inside TLS at all"
samba_stop
sed -i '/ldap server require strong auth/d' "$SAMBA_DC/etc/smb.conf"
samba_start
q_run "$(gconf ldaps7 "ldaps://$SAMBA_HOST/")" bob@contoso.com
assert "Samba's default, ldaps://: -q 75" is "$Q_RC $Q_OUT" "75 $tf"
assert "... the DC's reason and the cure" has "$Q_ERR" \
    "which a Samba DC before 4.20 refuses unless 'ldap server require strong auth = allow_sasl_over_tls': use ldap://"
q_is "$(gconf ldap7 "ldap://$SAMBA_HOST/")" bob@contoso.com 0 \
    bob@fourthcoffee.com "Samba's default, ldap:// (sealed)"

echo "    test-ad-binds: $(($(ms_now) - t_start)) ms in all" >&2
if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
