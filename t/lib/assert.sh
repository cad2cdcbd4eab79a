# t/lib/assert.sh -- the one way a shell test records a check.
#
# Every check prints one line, "PASS: NAME" or "FAIL: NAME" on stdout, and
# a failure is counted in ASSERT_FAILS; the test ends with assert_summary,
# whose status is the test's.  Predicates that explain a failure print
# their "want / got" lines on stderr (e2e_same and e2e_file_has below,
# t/lib/smtp.sh's e2e_reply_is, t/ldap/lib.sh's is / has / lacks ...).
#
#	assert "bob is rewritten" e2e_same "$got" "<bob@fourthcoffee.com>"
#	assert_is "SIGTERM: exit 0" "$status" 0
#	if ...; then assert_pass "NAME"; else assert_fail "NAME: why"; fi
#	assert_summary
#
# e2e_same and e2e_file_has keep the names they had in t/e2e/lib.sh:
# dozens of tests call them.
#
# shellcheck shell=bash

ASSERT_FAILS=0

# assert_pass NAME: record a check that passed.
assert_pass()
{
	echo "PASS: $*"
}

# assert_fail NAME: record a check that failed (NAME may say why).
assert_fail()
{
	echo "FAIL: $*"
	ASSERT_FAILS=$((ASSERT_FAILS + 1))
}

# assert NAME COMMAND...: PASS when COMMAND succeeds, FAIL otherwise.
assert()
{
	local name=$1
	shift
	if "$@"; then
		assert_pass "$name"
	else
		assert_fail "$name"
	fi
}

# assert_is NAME GOT WANT: PASS when the two strings are equal; the FAIL
# line shows both.
assert_is()
{
	if [ "$2" = "$3" ]; then
		assert_pass "$1"
	else
		assert_fail "$1 (got '$2', want '$3')"
	fi
}

# assert_summary [NOTE]: the verdict line (NOTE appended, e.g. the time it
# took); true when no check failed.
assert_summary()
{
	local note=${1:+ ($1)}
	if [ "$ASSERT_FAILS" -eq 0 ]; then
		echo "PASS: all checks$note"
		return 0
	fi
	echo "FAIL: $ASSERT_FAILS check(s) failed$note"
	return 1
}

# ---- predicates that say what they wanted and what they got ----

# True when the two strings are equal; shows both otherwise.
e2e_same()
{
	if [ "$1" = "$2" ]; then
		return 0
	fi
	echo "    want: $(echo "$2" | tr '\n' ' ')" >&2
	echo "    got:  $(echo "$1" | tr '\n' ' ')" >&2
	return 1
}

# True when FILE has a line containing STRING (plain text).
e2e_file_has()
{
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		return 0
	fi
	echo "    no line with: $2 (in $(basename "$1"))" >&2
	return 1
}
