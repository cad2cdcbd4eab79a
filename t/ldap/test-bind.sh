#!/bin/bash
# t/ldap/test-bind.sh -- simple bind with bind_dn + bind_password_file:
#
#	test-bind.sh MAILSWITCH_BINARY
#
# A slapd where only bound clients read entries (--auth).  A password file
# of mode 0600 (one trailing newline): -n 0, -q rewrites, and the milter
# (started as root, running as nobody) answers behind Postfix.  Mode 0644
# or 0640: -n and -q exit 78 with a message that names the file and does
# not hold the password.  A wrong password: -q 75 with the 451 line, -n 78,
# and the milter, reloaded (SIGHUP) on it, answers 451 at RCPT.  Anonymous on this server: -n 78 (the
# base is not readable).  The password goes in clear over this ldap://
# server: -n warns, naming the server and the cure, and the milter logs
# it at load; with StartTLS no warning.  Nothing mailswitch prints or logs
# ever holds the password.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

slapd_start auth --auth
uri="\"${SLAPD_URI[auth]}\""
pw=$SLAPD_BIND_PASSWORD
tf="451 4.3.0 <bob@contoso.com>: Temporary lookup failure"
all_output=$T/all-output

# conf NAME PASSWORD-FILE-CONTENT MODE -- writes $T/NAME.conf and
# $T/NAME.pw, prints the configuration's path
conf()
{
	printf '%s' "$2" >"$T/$1.pw"
	chmod "$3" "$T/$1.pw"
	slapd_mailswitch_conf "$T/$1.conf" "$uri" timeout=2.0 \
	    "bind_dn=\"$SLAPD_BIND_DN\"" "bind_password_file=\"$T/$1.pw\""
	echo "$T/$1.conf"
}

# Keep everything mailswitch said, to look for the password at the end.
keep()
{
	printf '%s\n%s\n%s\n' "${Q_OUT:-}" "${Q_ERR:-}" "${N_ERR:-}" \
	    >>"$all_output"
}

echo "== the right password, mode 0600"
good=$(conf good "$pw"$'\n' 600)
n_run "$good"; keep
assert "0600: -n 0" is "$N_RC" 0
q_run "$good" bob@contoso.com; keep
assert "0600: -q bob@contoso.com -> bob@fourthcoffee.com" \
    is "$Q_RC $Q_OUT" "0 bob@fourthcoffee.com"
assert "slapd saw the bind" e2e_file_has "$T/auth/slapd.log" \
    "BIND dn=\"$SLAPD_BIND_DN\" method=128"
clear="warning: $good: directory.ldap: a simple bind sends the password in clear to ${SLAPD_URI[auth]}: use ldaps:// or starttls = true"
assert "0600: -n warns that the password goes in clear (one line)" \
    is "$N_ERR" "$clear"

echo "== the password file readable by others"
for mode in 644 640 604; do
	c=$(conf "mode$mode" "$pw" "$mode")
	n_run "$c"; keep
	assert "mode $mode: -n 78" is "$N_RC" 78
	assert "mode $mode: the message names the file and why" has \
	    "$N_ERR" "bind_password_file $T/mode$mode.pw: readable by group or others"
	q_run "$c" bob@contoso.com; keep
	assert "mode $mode: -q 78 too" is "$Q_RC" 78
done

echo "== a wrong password"
wrong=$(conf wrong "not-$pw" 600)
q_run "$wrong" bob@contoso.com; keep
assert "wrong password: -q 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
assert "wrong password: Invalid credentials" has "$Q_ERR" \
    "bind as $SLAPD_BIND_DN: Invalid credentials"
n_run "$wrong"; keep
assert "wrong password: -n 78" is "$N_RC" 78

echo "== anonymous, where only bound clients may read"
slapd_mailswitch_conf "$T/anon.conf" "$uri" timeout=2.0
n_run "$T/anon.conf"; keep
assert "anonymous: -n 78 (the base cannot be read)" is "$N_RC" 78
assert "anonymous: says so" has "$N_ERR" "No such object"

echo "== the milter, as nobody, behind Postfix"
cp "$good" "$T/milter.conf"
e2e_start_milter "$MS" "$T/milter.conf"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com: 250 (bound)" starts "$RCPT_REPLY" 250
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com: 550 5.1.1 (bound)" \
    starts "$RCPT_REPLY" "550 5.1.1"
assert "the milter warned at load that the password goes in clear" \
    e2e_file_has "$E2E_TMP/mailswitch.log" \
    "$T/milter.conf: ${clear#warning: $good: }"

echo "== SIGHUP: a wrong password, read as nobody"
chown nobody "$T/wrong.pw"
sed "s|$T/good.pw|$T/wrong.pw|" "$good" >"$T/milter.conf"
kill -HUP "$E2E_MAILSWITCH_PID"
assert "the milter reloaded (reading the file as nobody)" \
    e2e_wait_for 10 grep -q "configuration reloaded" "$E2E_TMP/mailswitch.log"
smtp_rcpt bob@contoso.com
assert "RCPT bob@contoso.com, wrong password: $tf" is "$RCPT_REPLY" "$tf"
assert "the milter logged the bind failure" e2e_file_has \
    "$E2E_TMP/mailswitch.log" "Invalid credentials"
cat "$E2E_TMP/mailswitch.log" >>"$all_output"

echo "== the password is never shown"
assert "mailswitch's output and logs do not hold the password" \
    test -z "$(grep -F -- "$pw" "$all_output")"
assert "(and they were looked at)" test -s "$all_output"
assert "Postfix's log does not hold it either" \
    test -z "$(grep -F -- "$pw" "$E2E_TMP/postfix/maillog")"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
