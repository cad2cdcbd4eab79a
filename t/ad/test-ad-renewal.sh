#!/bin/bash
# t/ad/test-ad-renewal.sh -- bind = "gssapi": the tickets got from the
# keytab are renewed from it, before they expire and after (SPEC section
# 10), against a real Samba AD DC (t/lib/samba.sh):
#
#	test-ad-renewal.sh MAILSWITCH_BINARY
#
# Two daemons, A and B, each with its own socketmap port and krb5.conf,
# run with tickets of 310 s (ticket_lifetime: Samba's KDC gives no
# service ticket from a ticket-granting ticket with 300 s or less left, so
# no shorter one works at all), the DC closing idle connections after
# 5 s (MaxConnIdleTime), so that a lookup after a pause binds again, and
# the DC's auth_audit log counting the tickets it gives:
#   t = 0     A and B answer a lookup each: one ticket each
#   t = 20    A answers again on a new connection: no new ticket (the one
#             it has is good); B's krb5.conf now names a KDC that is not
#             there
#   t = 163   A has renewed its tickets half way through their life, by
#             itself, before they expired: one ticket since t = 20, and
#             it answers; B could not, and logged why
#   t = 315   B's tickets have expired; its krb5.conf is right again
#   t = 320   B answers: the lookup asked for new tickets at once and
#             waited for them (not for the next attempt, due later)
# No lookup failed.  About 5.5 minutes, so only in the plain build
# (t/CMakeLists.txt).  Needs root, Samba, krb5-user,
# libsasl2-modules-gssapi-mit.
set -eu
. "$(dirname "$0")/lib.sh"
t_start=$(date +%s%3N)
ad_test_init "$0" "$@"
LIFETIME=310
B_PID=""
B_PORT=""

# Stops B by its PID, then the rest (t/ad/lib.sh).
renewal_cleanup()
{
	local rc=$?
	proc_stop "$B_PID" 10 "mailswitch B"
	ad_cleanup
	return "$rc"
}
trap renewal_cleanup EXIT

samba_stop
samba_option "log level" "1 auth_audit:3"
samba_admin_limit MaxConnIdleTime 5
samba_start
kt=$T/mailswitch.keytab
cp "$SAMBA_KEYTAB" "$kt"
chown nobody "$kt"
chmod 600 "$kt"
# the KDC over TCP only (over UDP its answer is too big, the client asks
# again over TCP, and the DC logs the ticket twice)
sed "s/^\[libdefaults\]/[libdefaults]\n\tticket_lifetime = ${LIFETIME}s\n\tudp_preference_limit = 1/" \
    "$KRB5_CONFIG" >"$T/krb5-short.conf"
sed "s/kdc = $SAMBA_HOST/kdc = 127.0.0.1:9/" "$T/krb5-short.conf" \
    >"$T/krb5-nokdc.conf"
cp "$T/krb5-short.conf" "$T/krb5-b.conf"
export KRB5_CONFIG=$T/krb5-short.conf

# The number of tickets the KDC gave mailswitch@CONTOSO.COM so far.
as_count()
{
	grep -F 'Auth: [Kerberos KDC,' "$SAMBA_DC/log/log.samba" |
	    grep -F "[$SAMBA_PRINCIPAL]" | grep -cF 'status [NT_STATUS_OK]' ||
	    true
}

# conf NAME PORT -- $T/NAME.conf: GSSAPI from $kt over ldap://, the
# socketmap on PORT; prints its path.
conf()
{
	SAMBA_CONF_TOP="socketmap = \"inet:$2@127.0.0.1\";" \
	    samba_mailswitch_conf "$T/$1.conf" "\"ldap://$SAMBA_HOST/\"" \
	    'bind="gssapi"' "keytab=\"$kt\"" timeout=5.0 connections=2
	echo "$T/$1.conf"
}

# ask NAME PORT KEY REPLY WHAT -- the socketmap on PORT answers KEY with
# REPLY
ask()
{
	E2E_SOCKETMAP_PORT=$2 smap_query virtual "$3"
	assert "$1: $5: virtual $3" is "$SMAP_REPLY" "$4"
}

# until SECONDS -- sleep until SECONDS after $t0
until_t()
{
	local left=$(($1 - ($(ms_now) - t0) / 1000))
	[ "$left" -le 0 ] || sleep "$left"
}

e2e_mailswitch_start "$MS" "$(conf a "$E2E_SOCKETMAP_PORT")"
e2e_wait_port "$E2E_SOCKETMAP_PORT" 10 "$E2E_MAILSWITCH_PID" ||
    e2e_die "A: no socketmap server"
B_PORT=$(slapd_free_port "$E2E_SOCKETMAP_PORT") || e2e_die "no free port"
KRB5_CONFIG=$T/krb5-b.conf "$MS" -f -c "$(conf b "$B_PORT")" -p "" \
    -u nobody >"$E2E_TMP/mailswitch-b.log" 2>&1 &
B_PID=$!
e2e_wait_port "$B_PORT" 10 "$B_PID" || e2e_die "B: no socketmap server"

t0=$(ms_now)
n=$(as_count)
ask A "$E2E_SOCKETMAP_PORT" bob@contoso.com "OK bob@fourthcoffee.com" "t=0"
assert "A: t=0: one ticket" is "$(($(as_count) - n))" 1
n=$(as_count)
ask B "$B_PORT" bob@contoso.com "OK bob@fourthcoffee.com" "t=0"
assert "B: t=0: one ticket" is "$(($(as_count) - n))" 1
until_t 20
n=$(as_count)
ask A "$E2E_SOCKETMAP_PORT" u1@contoso.com "OK user1@fourthcoffee.com" \
    "t=20 (a new connection)"
assert "A: t=20: no new ticket" is "$(($(as_count) - n))" 0
cp "$T/krb5-nokdc.conf" "$T/krb5-b.conf"
n=$(as_count)
until_t $((LIFETIME / 2 + 8))
assert "A: renewed by itself half way, before its tickets expired" \
    is "$(($(as_count) - n))" 1
ask A "$E2E_SOCKETMAP_PORT" u2@contoso.com "OK user2@fourthcoffee.com" \
    "t=$((LIFETIME / 2 + 8))"
assert "B: its renewal failed, and it said so" \
    e2e_file_has "$E2E_TMP/mailswitch-b.log" "Cannot contact any KDC"
until_t $((LIFETIME + 5))
cp "$T/krb5-short.conf" "$T/krb5-b.conf"
until_t $((LIFETIME + 10))
n=$(as_count)
ask B "$B_PORT" u3@contoso.com "OK user3@fourthcoffee.com" \
    "t=$((LIFETIME + 10)) (its tickets expired)"
assert "B: renewed from the keytab after its tickets expired" \
    is "$(($(as_count) - n))" 1
assert "A logged no bind failure" \
    test -z "$(grep -E 'GSSAPI bind as .*: ' "$E2E_TMP/mailswitch.log")"
assert "B logged no bind failure" \
    test -z "$(grep -E 'GSSAPI bind as .*: ' "$E2E_TMP/mailswitch-b.log")"
proc_stop "$B_PID" 10 "mailswitch B"
B_PID=""
assert "no sanitizer report in A's log" e2e_mailswitch_sane

echo "    test-ad-renewal: $(($(ms_now) - t_start)) ms in all" >&2
if ! assert_summary; then
	e2e_show_logs
	cat "$E2E_TMP/mailswitch-b.log" >&2
	exit 1
fi
