# t/lib/socketmap.sh -- questions to mailswitch's socketmap front end
# (SPEC section 6) from a shell test, each on a connection of its own,
# asked by the tools' one socketmap client: t/socketmap/smclient.c -l
# (contrib/bench/smap_conn.c), the build's ($T_SMCLIENT, by default
# t/smclient in the build folder of $MS).  Sourced by t/ldap/lib.sh (and
# so by the tests of t/ldap, t/ad and t/e2e that use it).
#
#	smap_query NAME KEY                    # one lookup: SMAP_REPLY
#	smap_is NAME KEY REPLY                 # the reply is REPLY (shows it if not)
#	smap_wait SECONDS NAME KEY REPLY       # ask until the reply is REPLY: SMAP_MS
#	smap_steady SECONDS KEY VIRTUAL ACCESS # the same answers all the while
#
# The daemon listens on 127.0.0.1:$SMAP_PORT, by default t/e2e/lib.sh's
# $E2E_SOCKETMAP_PORT.
#
# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script

SMAP_REPLY=""
SMAP_MS=""

# smap_ms_now: milliseconds since the epoch.
smap_ms_now()
{
	date +%s%3N
}

# smap_query NAME KEY: one request "NAME KEY"; the reply's data in
# SMAP_REPLY ("(no reply)" when none came within 5 s).  Always true.
smap_query()
{
	local client=${T_SMCLIENT:-$(dirname "$MS")/../t/smclient}
	SMAP_REPLY="(no reply)"
	if [ ! -x "$client" ]; then
		SMAP_REPLY="(no socketmap client: $client; set T_SMCLIENT)"
		return 0
	fi
	SMAP_REPLY=$("$client" -l \
	    "inet:${SMAP_PORT:-$E2E_SOCKETMAP_PORT}@127.0.0.1" "$1" "$2" \
	    2>/dev/null) || SMAP_REPLY="(no reply)"
}

# smap_wait SECONDS NAME KEY REPLY: ask "NAME KEY" every 0.1 s, at most
# SECONDS (and 10 * SECONDS times), until the reply is REPLY.  SMAP_MS:
# how long it took from the call, or from $SMAP_T0 (milliseconds since
# the epoch) when set.  True when the reply came.
smap_wait()
{
	local secs=$1 t0=${SMAP_T0:-$(smap_ms_now)} i
	for i in $(seq 1 $((secs * 10))); do
		smap_query "$2" "$3"
		SMAP_MS=$(($(smap_ms_now) - t0))
		[ "$SMAP_REPLY" = "$4" ] && return 0
		[ "$SMAP_MS" -gt $((secs * 1000)) ] && break
		sleep 0.1
	done
	echo "    $2 $3: '$SMAP_REPLY' after $SMAP_MS ms, want '$4'" >&2
	return 1
}

# smap_steady SECONDS KEY VIRTUAL ACCESS: ask for KEY in maps virtual and
# access every 50 ms for SECONDS (at most 20 * SECONDS times); true when
# every answer was VIRTUAL and ACCESS.  The first wrong answers are shown
# with their time.  For what must never change while the directory does
# (a rename).
smap_steady()
{
	local secs=$1 key=$2 want_v=$3 want_a=$4 t0 now bad=0 n=0
	t0=$(smap_ms_now)
	while [ "$n" -lt $((secs * 20)) ]; do
		now=$(($(smap_ms_now) - t0))
		[ "$now" -lt $((secs * 1000)) ] || break
		n=$((n + 1))
		smap_query virtual "$key"
		if [ "$SMAP_REPLY" != "$want_v" ]; then
			[ "$bad" -ge 6 ] ||
			    echo "    +${now} ms virtual $key: '$SMAP_REPLY'" >&2
			bad=$((bad + 1))
		fi
		smap_query access "$key"
		if [ "$SMAP_REPLY" != "$want_a" ]; then
			[ "$bad" -ge 6 ] ||
			    echo "    +${now} ms access $key: '$SMAP_REPLY'" >&2
			bad=$((bad + 1))
		fi
		sleep 0.05
	done
	echo "    $n questions of $key in $secs s, $bad wrong answers" >&2
	[ "$bad" -eq 0 ]
}

# smap_is NAME KEY REPLY: true when the reply to "NAME KEY" is REPLY;
# shows both on stderr otherwise.
smap_is()
{
	smap_query "$1" "$2"
	[ "$SMAP_REPLY" = "$3" ] && return 0
	echo "    want: $(echo "$3" | tr '\n' ' ')" >&2
	echo "    got:  $(echo "$SMAP_REPLY" | tr '\n' ' ')" >&2
	return 1
}
