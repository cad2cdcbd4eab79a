#!/usr/bin/env bash
# t/ldap/cache-threads.sh CACHE_THREADS_PROGRAM -- the cache and the ldap
# back-end's pool under 16 threads against a private slapd (t/lib/slapd.sh)
# holding CACHE_T_USERS (default 200) generated contacts
# (t/ldap/gen-contacts.sh): see t/ldap/cache_threads.c.  Every wait is
# bounded; the slapd is stopped on exit.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 CACHE_THREADS_PROGRAM" >&2
	exit 64
fi
prog=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/slapd.sh"
slapd_init

users=${CACHE_T_USERS:-200}
"$here/gen-contacts.sh" "$users" >"$SLAPD_TMP/contacts.ldif"
slapd_start one --ldif "$SLAPD_TMP/contacts.ldif"
slapd_mailswitch_conf "$SLAPD_TMP/mailswitch.conf" "\"${SLAPD_URI[one]}\"" \
    "timeout=5.0" "connections=4"
CACHE_T_CONF=$SLAPD_TMP/mailswitch.conf CACHE_T_USERS=$users CK_FORK=no \
    timeout 600 "$prog"
