#!/bin/bash
# t/ldap/test-tls.sh -- StartTLS and ldaps://, always verified:
#
#	test-tls.sh MAILSWITCH_BINARY
#
# A CA and a server certificate (CN=localhost, IP SAN 127.0.0.1) made with
# openssl; a slapd with it ("good"), one with a certificate of another CA
# ("other"), one without TLS ("plain").  With tls_ca_file = the CA:
# StartTLS and ldaps:// to "good" work (-n 0, -q rewrites, and the milter
# behind Postfix on StartTLS); to "other" they are refused (-q 75 with the
# 451 line, -n 78), as is StartTLS to "plain" -- and those servers never
# see a search (no plaintext fallback).  Without tls_ca_file the system's
# CAs do not know the test CA: refused too.  "good" frozen (SIGSTOP):
# ldaps:// and StartTLS give up within about the timeout (the TLS
# handshake is bounded too).  An unreadable tls_ca_file is a configuration
# error (-n 78).  Needs root (Postfix).
set -eu
. "$(dirname "$0")/lib.sh"
ldap_test_init "$@"

slapd_certs
ca=$T/certs/ca.pem
slapd_start good --tls good
slapd_start other --tls other
slapd_start plain
tf="451 4.3.0 <bob@contoso.com>: Temporary lookup failure"

# conf NAME URI KEY=VALUE... -- writes $T/NAME.conf, prints its path
conf()
{
	local name=$1 uri=$2
	shift 2
	slapd_mailswitch_conf "$T/$name.conf" "\"$uri\"" timeout=2.0 "$@"
	echo "$T/$name.conf"
}

# works CONF WHAT: -n 0 and -q bob@contoso.com rewritten
works()
{
	n_run "$1"
	assert "$2: -n 0" is "$N_RC" 0
	q_run "$1" bob@contoso.com
	assert "$2: -q bob@contoso.com -> bob@fourthcoffee.com" \
	    is "$Q_RC $Q_OUT" "0 bob@fourthcoffee.com"
}

# refused CONF WHAT SERVER: -q 75 with the 451 line, -n 78, and SERVER
# saw no search
refused()
{
	q_run "$1" bob@contoso.com
	assert "$2: -q 75, the 451 line" is "$Q_RC $Q_OUT" "75 $tf"
	n_run "$1"
	assert "$2: -n 78" is "$N_RC" 78
	assert "$2: $3 saw no search (no plaintext fallback)" \
	    test -z "$(grep 'SRCH' "$T/$3/slapd.log")"
}

echo "== the right CA"
works "$(conf st-good "${SLAPD_URI[good]}" starttls=true "tls_ca_file=\"$ca\"")" \
    "StartTLS, good certificate"
works "$(conf ldaps-good "${SLAPD_LDAPS[good]}" "tls_ca_file=\"$ca\"")" \
    "ldaps://, good certificate"
assert "good: the searches came over TLS" \
    e2e_file_has "$T/good/slapd.log" "STARTTLS"

echo "== another CA, no TLS, no CA"
c=$(conf st-other "${SLAPD_URI[other]}" starttls=true "tls_ca_file=\"$ca\"")
refused "$c" "StartTLS, certificate of another CA" other
c=$(conf ldaps-other "${SLAPD_LDAPS[other]}" "tls_ca_file=\"$ca\"")
refused "$c" "ldaps://, certificate of another CA" other
assert "ldaps://, another CA: the reason is given" has "$Q_ERR" \
    "${SLAPD_LDAPS[other]}: connect: "
c=$(conf st-plain "${SLAPD_URI[plain]}" starttls=true "tls_ca_file=\"$ca\"")
refused "$c" "StartTLS to a server without TLS" plain
assert "StartTLS to a server without TLS: says StartTLS failed" \
    has "$Q_ERR" "${SLAPD_URI[plain]}: StartTLS: "
c=$(conf ldaps-noca "${SLAPD_LDAPS[other]}")
refused "$c" "ldaps:// without tls_ca_file (system CAs)" other

echo "== the good server frozen (SIGSTOP): TLS handshakes time out too"
slapd_pause good
for c in ldaps-good st-good; do
	sed -i 's/timeout = 2.0;/timeout = 1.0;/' "$T/$c.conf"
	q_run "$T/$c.conf" bob@contoso.com
	assert "$c, server frozen: -q 75, the 451 line" \
	    is "$Q_RC $Q_OUT" "75 $tf"
	assert "$c, server frozen: within 2.5 s (timeout 1 s)" \
	    le "$Q_MS" 2500
	sed -i 's/timeout = 1.0;/timeout = 2.0;/' "$T/$c.conf"
done
slapd_resume good

echo "== configuration errors"
n_run "$(conf st-noca "${SLAPD_URI[good]}" starttls=true \
    "tls_ca_file=\"$T/certs/missing.pem\"")"
assert "unreadable tls_ca_file: -n 78" is "$N_RC" 78
assert "unreadable tls_ca_file: named" has "$N_ERR" \
    "directory.ldap.tls_ca_file $T/certs/missing.pem: cannot read"

echo "== the milter on StartTLS, behind Postfix"
e2e_start_milter "$MS" "$T/st-good.conf"
for a in bob@contoso.com alice@contoso.com dan@contoso.com; do
	smtp_rcpt "$a"
	assert "RCPT $a over StartTLS: 250" starts "$RCPT_REPLY" 250
done
smtp_rcpt nobody@sales.contoso.com
assert "RCPT nobody@sales.contoso.com over StartTLS: 550 5.1.1" \
    starts "$RCPT_REPLY" "550 5.1.1"

assert "no sanitizer report in the milter's log" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
