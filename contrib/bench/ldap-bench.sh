#!/usr/bin/env bash
# contrib/bench/ldap-bench.sh -- lookups per second through the ldap
# back-end with a cold and a warm cache, and with no cache, against a
# private slapd (t/lib/slapd.sh) holding ENTRIES generated contacts
# (t/ldap/gen-contacts.sh: userI@contoso.com -> userI@fourthcoffee.com):
#
#	ldap-bench.sh CACHE_BENCH [ENTRIES [THREADS [LOOKUPS]]]
#
# CACHE_BENCH is the cache_bench program of a build (contrib/bench/).
# ENTRIES defaults to 10000, THREADS to 8, LOOKUPS (random lookups per
# thread in a warm pass) to 5000.  The pool has CONNECTIONS (environment,
# default 4) connections.  Runs, with directory.cache entries = 100000,
# ttl = 300, negative_ttl = 60:
#   cold: every address once, split over the threads (all queries);
#   warm: LOOKUPS random addresses per thread with 1 and THREADS threads
#         (all hits);
# then the same with entries = 0 (every lookup a query).  The slapd listens
# on 127.0.0.1 only and is stopped on exit.  Needs slapd, slapadd, openssl
# and ss (the test harness's requirements); runs as any user.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/bench/lib.sh
. "$here/lib.sh"

bench_usage 1 4 "CACHE_BENCH [ENTRIES [THREADS [LOOKUPS]]]" "$@"
bench=$(bench_binary "$1")
entries=${2:-10000}
threads=${3:-8}
lookups=${4:-5000}
conns=${CONNECTIONS:-4}
bench_numbers counts "$entries" "$threads" "$lookups" "$conns"
top=$(cd "$here/../.." && pwd)
BENCH_HARNESS=slapd
# shellcheck source=contrib/bench/harness.sh
. "$here/harness.sh"
slapd_init
trap slapd_cleanup EXIT

echo "== slapd with $entries contacts"
"$top/t/ldap/gen-contacts.sh" "$entries" >"$SLAPD_TMP/contacts.ldif"
slapd_start bench --ldif "$SLAPD_TMP/contacts.ldif"
slapd_mailswitch_conf "$SLAPD_TMP/nocache.conf" "\"${SLAPD_URI[bench]}\"" \
    "timeout=5.0" "connections=$conns"
sed 's/cache = { entries = 0; };/cache = { entries = 100000; ttl = 300; negative_ttl = 60; };/' \
    "$SLAPD_TMP/nocache.conf" >"$SLAPD_TMP/cached.conf"
grep -q 'entries = 100000' "$SLAPD_TMP/cached.conf" ||
    { echo "cannot set the cache in the generated configuration" >&2; exit 1; }

for conf in cached nocache; do
	echo "== $conf, $conns connections, ${SLAPD_URI[bench]}"
	timeout 1800 "$bench" -c "$SLAPD_TMP/$conf.conf" -N "$entries" \
	    -p 'user%d@contoso.com' -t "$threads" -l "$lookups"
done
