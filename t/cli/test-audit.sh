#!/usr/bin/env bash
# t/cli/test-audit.sh MAILSWITCH_BINARY -- mailswitch -A on the LDIF
# back-end (SPEC section 11): the seeds of t/lib/audit-seeds.sh (one case
# of every kind of finding among clean entries) plus a record libldap
# refuses give exactly those findings, in order, with exit status 1; the
# same again (two audits diff); the entries in reverse order give the same
# lines; the clean entries alone give none and 0.  Prints PASS/FAIL lines.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/audit-seeds.sh"
. "$here/../lib/assert.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

same()		# FILE FILE: equal, or the difference shown
{
	diff -u "$1" "$2" >&2
}

contacts=ou=contacts,dc=contoso,dc=com
users=ou=users,dc=contoso,dc=com
{
	printf 'version: 1\n'
	audit_seeds_ldif "$contacts" "$users" cn top person
	printf '\ndn: cn=Broken,ou=users,dc=contoso,dc=com\nproxyAddresses:: @@@\n'
} >"$tmp/seeds.ldif"
broken=$(wc -l <"$tmp/seeds.ldif")
cat >"$tmp/audit.conf" <<'CONF'
directory = { backend = "ldif"; ldif = { path = "seeds.ldif"; }; };
max_hops = 8;
domains = (
  { name = "contoso.com"; authority = "internal_relay"; forward_to = "legacy.contoso.com"; },
  { name = "sales.contoso.com"; authority = "authoritative"; canonicalize = true; },
  { name = "fourthcoffee.com"; authority = "external_relay"; }
);
outbound = {
  clients = [ "192.0.2.0/24" ];
  lookup = true;
  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; } );
};
CONF
# the findings: the seeds', and the broken record among the malformed
audit_seeds_expected "$contacts" "$users" cn |
    awk -v b="malformed	-	$tmp/seeds.ldif:$broken: bad base64 value" '
	/^malformed/ && !done { print b; done = 1 } { print }' >"$tmp/want"

"$bin" -c "$tmp/audit.conf" -A >"$tmp/got" 2>"$tmp/err"
rc=$?
assert "-A exits 1 (findings)" test "$rc" = 1
assert "-A prints exactly the seeded findings, in order" same "$tmp/want" "$tmp/got"
assert "stderr: the counts by kind" grep -qx \
    "mailswitch: audit of 16 entries ($tmp/seeds.ldif): 2 ambiguous, 2 loop, 1 unroutable, 1 collision, 4 malformed, 1 unconfigured" \
    "$tmp/err"
"$bin" -c "$tmp/audit.conf" -A >"$tmp/again" 2>/dev/null
assert "a second audit gives the same lines" same "$tmp/got" "$tmp/again"

# the same entries in reverse order: the same findings
awk 'BEGIN { RS = ""; ORS = "\n\n" } { r[NR] = $0 } END {
	for (i = NR; i >= 1; i--) print r[i] }' "$tmp/seeds.ldif" |
    grep -v '^version: 1$' >"$tmp/reversed.ldif"
sed 's/seeds\.ldif/reversed.ldif/' "$tmp/audit.conf" >"$tmp/reversed.conf"
"$bin" -c "$tmp/reversed.conf" -A 2>/dev/null |
    sed "s|reversed\\.ldif:[0-9]*:|seeds.ldif:$broken:|" >"$tmp/reversed"
assert "the entries in reverse order: the same lines" same "$tmp/got" "$tmp/reversed"

# the clean entries alone: nothing, 0
{
	printf 'version: 1\n'
	AUDIT_SEEDS=("${AUDIT_SEEDS[@]:0:7}")
	audit_seeds_ldif "$contacts" "$users" cn top person
} >"$tmp/clean.ldif"
sed 's/seeds\.ldif/clean.ldif/' "$tmp/audit.conf" >"$tmp/clean.conf"
"$bin" -c "$tmp/clean.conf" -A >"$tmp/clean" 2>"$tmp/err"
rc=$?
assert "the clean entries: exit 0" test "$rc" = 0
assert "the clean entries: no finding" test ! -s "$tmp/clean"

assert_summary
