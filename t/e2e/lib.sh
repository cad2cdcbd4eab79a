# t/e2e/lib.sh -- the frame of the end-to-end tests through a PRIVATE
# Postfix: the temp dir, the ports, the EXIT trap that stops everything by
# PID; it sources the pieces each test starts, one file each under t/lib/:
#
#	sink.sh        smtp-sink, the next hop          e2e_sink_*
#	mailswitch.sh  the daemon under test            e2e_mailswitch_*
#	postfix.sh     the private Postfix (and a 2nd)  e2e_postfix_*
#	smtp.sh        a scripted SMTP client           smtp_*, e2e_reply_*
#
# Source it from a bash script that runs `set -eu`:
#
#	. "$(dirname "$0")/lib.sh"
#	mailswitch_binary "$@"        # MAILSWITCH_BINARY as $bin
#	e2e_init                      # temp dir + trap that cleans everything
#	e2e_sink_start                # smtp-sink on 127.0.0.1:$E2E_SINK_PORT
#	e2e_mailswitch_start BIN CONF # mailswitch on inet:$E2E_MILTER_PORT@127.0.0.1
#	e2e_postfix_start milter      # Postfix on 127.0.0.1:$E2E_SMTP_PORT
#	                              # (the three: e2e_start_milter BIN CONF)
#
# Or the socketmap front end (SPEC section 6) instead of the milter (or
# the tables mode: e2e_postfix_start_tables DIR, the same with Postfix's
# lmdb tables in DIR):
#
#	e2e_sink_start; e2e_sink_start internet   # two next hops
#	e2e_socketmap_conf IN OUT     # socket = "", socketmap on
#	                              # inet:$E2E_SOCKETMAP_PORT@127.0.0.1
#	e2e_mailswitch_start_socketmap BIN OUT
#	e2e_postfix_start_socketmap   # contrib/postfix/main-socketmap.cf and
#	                              # master-socketmap.cf, on that port
#	                              # (the four: e2e_start_socketmap BIN OUT)
#
# In that mode Postfix has no milter; the recipients of the switched
# domains go to the smtp-sink on $E2E_SINK_PORT (the connectors: the stock
# smtp / relay services), everything else to the dedicated "internet"
# transport (smtp_generic_maps = the generic map), which delivers to a
# second smtp-sink on $E2E_INET_PORT whose dumps are named msg.internet.*
# (e2e_sink_via FILE says which one received a message).
#
# Everything listens on 127.0.0.1 only, is started and stopped by its own
# PID (Postfix with `postfix -c DIR stop`), every wait is bounded, and the
# EXIT trap stops whatever is still running and removes the temp dir
# (set E2E_KEEP=1 to keep it for a post-mortem).  Needs root (Postfix,
# smtp-sink -u, mailswitch -u nobody).

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_LIB_DIR/../ports.sh"
. "$E2E_LIB_DIR/../lib/process.sh"
. "$E2E_LIB_DIR/../lib/tmpdir.sh"
. "$E2E_LIB_DIR/../lib/assert.sh"
. "$E2E_LIB_DIR/../lib/sink.sh"
. "$E2E_LIB_DIR/../lib/mailswitch.sh"
. "$E2E_LIB_DIR/../lib/postfix.sh"
. "$E2E_LIB_DIR/../lib/smtp.sh"
E2E_TOP=$(cd "$E2E_LIB_DIR/../.." && pwd)

E2E_TMP=""
E2E_SMTP_PORT=""
E2E_SINK_PORT=""
E2E_MILTER_PORT=""
E2E_SUB_PORT=""
E2E_SOCKETMAP_PORT=""
E2E_INET_PORT=""

# Print a message on stderr and exit non-zero (the trap cleans up).
e2e_die()
{
	echo "FATAL: $*" >&2
	exit 2
}

# Refuse to run without what we need; exit 77 (ctest "skipped" convention
# is not configured, so this is an honest failure with a reason).
e2e_require()
{
	local cmd
	[ "$(id -u)" -eq 0 ] || e2e_die "must run as root (private Postfix)"
	for cmd in postfix postconf smtp-sink "$@"; do
		command -v "$cmd" >/dev/null 2>&1 ||
		    e2e_die "missing command: $cmd"
	done
}

# Create the temp dir and install the cleanup trap.
e2e_init()
{
	e2e_require "$@"
	E2E_TMP=$(tmpdir_make e2e)
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	E2E_SMTP_PORT=$(e2e_free_port)
	E2E_SINK_PORT=$(e2e_free_port "$E2E_SMTP_PORT")
	E2E_MILTER_PORT=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT")
	E2E_SUB_PORT=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT" \
	    "$E2E_MILTER_PORT")
	E2E_SOCKETMAP_PORT=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT" \
	    "$E2E_MILTER_PORT" "$E2E_SUB_PORT")
	E2E_INET_PORT=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT" \
	    "$E2E_MILTER_PORT" "$E2E_SUB_PORT" "$E2E_SOCKETMAP_PORT")
}

# Stop everything we started, by PID; remove the temp dir.
e2e_cleanup()
{
	local rc=$?
	set +e
	e2e_postfix2_stop
	e2e_postfix_stop
	e2e_mailswitch_stop
	e2e_sink_stop
	tmpdir_remove "$E2E_TMP" "${E2E_KEEP:-0}"
	exit "$rc"
}

# Print a free TCP port on 127.0.0.1 that is not one of the arguments.
e2e_free_port()
{
	free_port "$@" || e2e_die "no free port found"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
e2e_port_open()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Wait (at most SECONDS, default 10) until 127.0.0.1:PORT accepts; the
# optional PID must stay alive meanwhile.
e2e_wait_port()
{
	proc_wait_up "${3:-}" $((${2:-10} * 10)) e2e_port_open "$1"
}

# e2e_start_milter BIN CONF: the milter path of most tests: smtp-sink
# (e2e_sink_start), BIN with CONF on $E2E_MILTER_PORT
# (e2e_mailswitch_start), the private Postfix with that milter
# (e2e_postfix_start).
e2e_start_milter()
{
	e2e_sink_start
	e2e_mailswitch_start "$1" "$2"
	e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
}

# e2e_start_socketmap BIN CONF: the socketmap path: both smtp-sinks (the
# connectors' and the internet transport's), BIN with CONF (from
# e2e_socketmap_conf) and the private Postfix in socketmap mode.
e2e_start_socketmap()
{
	e2e_sink_start
	e2e_sink_start internet
	e2e_mailswitch_start_socketmap "$1" "$2"
	e2e_postfix_start_socketmap
}

# Wait (at most SECONDS) until COMMAND... succeeds.
e2e_wait_for()
{
	local secs=$1
	shift
	proc_wait_up "" $((secs * 10)) "$@"
}

# Show the files a failing test wants a human to read.
e2e_show_logs()
{
	local f
	for f in "$E2E_TMP/smtp.log" "$E2E_TMP/mailswitch.log" \
	    "$E2E_TMP/postfix/maillog"; do
		[ -s "$f" ] || continue
		echo "--- $f" >&2
		tail -n 60 "$f" >&2
	done
}
