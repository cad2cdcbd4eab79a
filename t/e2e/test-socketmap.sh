#!/bin/bash
# t/e2e/test-socketmap.sh -- the socketmap front end (SPEC section 6) end
# to end through a private Postfix, ldif back-end:
#
#	test-socketmap.sh MAILSWITCH_BINARY
#
# mailswitch runs with t/milter/mailswitch-test.conf (etc/contacts.ldif)
# with socket = "" (no milter) and socketmap on 127.0.0.1; Postfix with
# contrib/postfix/main-socketmap.cf, master-socketmap.cf and transport
# (t/lib/postfix.sh: e2e_postfix_start_socketmap).  The checks are those of
# t/e2e/socketmap-checks.sh: DSN kept through the rewrite and the
# "expanded" notice, the refusals at RCPT, the contacts, the outbound
# rewrite on the Internet transport only, the logs.  Prints PASS/FAIL
# lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

e2e_init
e2e_socketmap_conf "$E2E_TOP/t/milter/mailswitch-test.conf" \
    "$E2E_TMP/mailswitch.conf"
e2e_start_socketmap "$bin" "$E2E_TMP/mailswitch.conf"
echo "private Postfix on 127.0.0.1:$E2E_SMTP_PORT, mailswitch socketmap on" \
    "$E2E_SOCKETMAP_PORT, smtp-sink on $E2E_SINK_PORT (connectors) and" \
    "$E2E_INET_PORT (internet)"

. "$E2E_LIB_DIR/socketmap-checks.sh"

assert "mailswitch stopped without a sanitizer report" e2e_mailswitch_sane

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
