#!/bin/bash
# t/e2e/test-x500.sh -- replies to old Exchange addresses (SPEC section 11)
# end to end on the ldif back-end, through the private Postfix in milter
# mode and then in socketmap mode:
#
#	test-x500.sh MAILSWITCH_BINARY
#
# The directory is etc/contacts.ldif with the two long contacts of
# t/e2e/x500-checks.sh; the configuration t/milter/mailswitch-test.conf's.
# The checks are x500-checks.sh's, in each mode, and -q answers the same.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root.
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"
. "$E2E_LIB_DIR/x500-checks.sh"

e2e_init
{
	cat "$E2E_TOP/etc/contacts.ldif"
	x500_ldif_entries top contact
} >"$E2E_TMP/contacts.ldif"
sed "s|path = \"[^\"]*\"|path = \"$E2E_TMP/contacts.ldif\"|" \
    "$E2E_TOP/t/milter/mailswitch-test.conf" >"$E2E_TMP/ldif.conf"

echo "== -q"
assert "-q of SPEC's example: bob@fourthcoffee.com" e2e_same \
    "$("$bin" -c "$E2E_TMP/ldif.conf" -q "$X5_BOB")" "bob@fourthcoffee.com"
assert "-q of the 2009-octet one: longest@fourthcoffee.com" e2e_same \
    "$("$bin" -c "$E2E_TMP/ldif.conf" -q "<$X5_LONGEST>")" \
    "longest@fourthcoffee.com"

x500_run milter "$bin" "$E2E_TMP/ldif.conf"
x500_run socketmap "$bin" "$E2E_TMP/ldif.conf"

if ! assert_summary; then
	x500_show_logs
	exit 1
fi
