# t/ldap/lib.sh -- what the t/ldap/test-*.sh scripts share: private slapd
# servers (t/ldap/slapd.sh) plus the private Postfix, smtp-sink and
# mailswitch of t/e2e/lib.sh, one EXIT trap that stops them all by PID.
#
#	. "$(dirname "$0")/lib.sh"
#	ldap_test_init MAILSWITCH_BINARY     # sets $MS, $T (a scratch folder)
#	q_run CONF ADDRESS                   # mailswitch -q: Q_OUT Q_ERR Q_RC Q_MS
#	n_run CONF                           # mailswitch -n: N_ERR N_RC
#	smtp_rcpt ADDRESS                    # one RCPT through Postfix: RCPT_REPLY RCPT_MS
#
# Needs root (Postfix), slapd, slapadd, openssl.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
LDAP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LDAP_LIB_DIR/../e2e/lib.sh"
SLAPD_OWNER=1
. "$LDAP_LIB_DIR/slapd.sh"

MS=""
T=""

# Cleans up slapd servers, then everything of t/e2e/lib.sh.
ldap_cleanup()
{
	slapd_cleanup
	e2e_cleanup
}

ldap_test_init()
{
	[ $# -eq 1 ] || { echo "usage: $0 MAILSWITCH_BINARY" >&2; exit 64; }
	MS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	[ -x "$MS" ] || e2e_die "not executable: $MS"
	e2e_init
	slapd_init
	trap ldap_cleanup EXIT
	T=$SLAPD_TMP
}

# Fails a check when file $1 (a -q / -n stderr) holds a sanitizer report.
sanitizer_free()
{
	local pat='AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:'
	if grep -qE "$pat" "$1"; then
		grep -E -A5 "$pat" "$1" | head -n 40 >&2
		e2e_check "no sanitizer report ($2)" false
	fi
}

# Milliseconds since the epoch.
ms_now()
{
	date +%s%3N
}

# Run mailswitch -c CONF -v -q ADDRESS; stdout in Q_OUT, stderr in Q_ERR,
# exit status in Q_RC, the time it took in Q_MS.
q_run()
{
	local t0
	t0=$(ms_now)
	set +e
	Q_OUT=$(timeout 30 "$MS" -c "$1" -v -q "$2" 2>"$T/q.err")
	Q_RC=$?
	set -e
	Q_MS=$(($(ms_now) - t0))
	Q_ERR=$(cat "$T/q.err")
	sanitizer_free "$T/q.err" "-q $2"
	echo "    -q $2 -> $Q_RC '$Q_OUT' (${Q_MS} ms) ${Q_ERR:+[$Q_ERR]}" >&2
}

# Run mailswitch -c CONF -n; stderr in N_ERR, exit status in N_RC.
n_run()
{
	set +e
	N_ERR=$(timeout 30 "$MS" -c "$1" -n 2>&1 >/dev/null)
	N_RC=$?
	set -e
	printf '%s\n' "$N_ERR" >"$T/n.err"
	sanitizer_free "$T/n.err" "-n $1"
	echo "    -n -> $N_RC ${N_ERR:+[$N_ERR]}" >&2
}

# One SMTP session through the private Postfix (with the milter): MAIL
# FROM and RCPT TO:<ADDRESS>; the RCPT reply in RCPT_REPLY, the time it
# took in RCPT_MS.
smtp_rcpt()
{
	local t0
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	t0=$(ms_now)
	smtp_cmd "RCPT TO:<$1>"
	RCPT_MS=$(($(ms_now) - t0))
	RCPT_REPLY=$SMTP_REPLY
	smtp_cmd "QUIT"
	smtp_close
	echo "    RCPT TO:<$1> -> $RCPT_REPLY (${RCPT_MS} ms)" >&2
}

# True when "$1" is exactly "$2" (shows both otherwise).
is()
{
	e2e_same "$1" "$2"
}

# True when text $1 starts with $2.
starts()
{
	case $1 in
	"$2"*) return 0 ;;
	esac
	echo "    '$1' does not start with '$2'" >&2
	return 1
}

# True when text $1 contains $2.
has()
{
	case $1 in
	*"$2"*) return 0 ;;
	esac
	echo "    '$1' lacks '$2'" >&2
	return 1
}

# True when text $1 does not contain $2.
lacks()
{
	case $1 in
	*"$2"*) echo "    '$1' holds '$2'" >&2; return 1 ;;
	esac
	return 0
}

# True when number $1 <= $2.
le()
{
	[ "$1" -le "$2" ] || { echo "    $1 > $2" >&2; return 1; }
}
