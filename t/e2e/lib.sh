# t/e2e/lib.sh -- helpers for end-to-end tests through a PRIVATE Postfix.
#
# Source it from a bash script that runs `set -eu`:
#
#	. "$(dirname "$0")/lib.sh"
#	e2e_init                      # temp dir + trap that cleans everything
#	e2e_sink_start                # smtp-sink on 127.0.0.1:$E2E_SINK_PORT
#	e2e_mailswitch_start BIN CONF # mailswitch on inet:$E2E_MILTER_PORT@127.0.0.1
#	e2e_postfix_start milter      # Postfix on 127.0.0.1:$E2E_SMTP_PORT
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
#
# In that mode Postfix has no milter; the recipients of the switched
# domains go to the smtp-sink on $E2E_SINK_PORT (the connectors: the stock
# smtp / relay services), everything else to the dedicated "internet"
# transport (smtp_generic_maps = the generic map), which delivers to a
# second smtp-sink on $E2E_INET_PORT whose dumps are named msg.internet.*
# (e2e_sink_via FILE says which one received a message).
#
# Postfix has a second smtpd service on 127.0.0.1:$E2E_SUB_PORT, as
# contrib/postfix/master.cf shows for the subsidiary's own SMTP service:
# syslog_name postfix/subsidiary, milter_macro_daemon_name "subsidiary"
# (the {daemon_name} that outbound.daemons selects by).
#
# A second private Postfix, "the other system" (test-loop.sh), with its
# own config and queue under $E2E_TMP/two/postfix, smtpd on
# 127.0.0.1:$E2E_SMTP2_PORT and myhostname other-system.invalid, no milter:
#
#	e2e_postfix2_config           # then e2e_postfix2_set PARAM=VALUE ...
#	e2e_postfix2_start            # stopped by the EXIT trap too
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
. "$E2E_LIB_DIR/../lib/assert.sh"
E2E_TOP=$(cd "$E2E_LIB_DIR/../.." && pwd)

E2E_TMP=""
E2E_SINK_PID=""
E2E_MAILSWITCH_PID=""
E2E_POSTFIX_DIR=""
E2E_POSTFIX_UP=0
E2E_SMTP_PORT=""
E2E_SINK_PORT=""
E2E_MILTER_PORT=""
E2E_SUB_PORT=""
E2E_SOCKETMAP_PORT=""
E2E_INET_PORT=""
E2E_INET_SINK_PID=""
E2E_POSTFIX2_DIR=""
E2E_POSTFIX2_UP=0
E2E_SMTP2_PORT=""

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
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailswitch-e2e.XXXXXX")
	chmod 755 "$E2E_TMP"
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
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			echo "kept $E2E_TMP" >&2
		else
			rm -rf "$E2E_TMP"
		fi
	fi
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

# Wait (at most SECONDS) until COMMAND... succeeds.
e2e_wait_for()
{
	local secs=$1
	shift
	proc_wait_up "" $((secs * 10)) "$@"
}

# ---- smtp-sink: the "next hop" that records what Postfix delivered ----

# Start smtp-sink on 127.0.0.1:$E2E_SINK_PORT; one dump file per message
# under $E2E_TMP/sink/ (envelope as X-Mail-Args / X-Rcpt-Args lines).
# With "internet": a second one on 127.0.0.1:$E2E_INET_PORT, the next hop
# of the socketmap mode's "internet" transport, dumping to the same folder
# as msg.internet.* (counted, found and cleared with the first one's).
e2e_sink_start()
{
	local port=$E2E_SINK_PORT prefix=msg. log=sink.log pid
	if [ "${1:-}" = internet ]; then
		port=$E2E_INET_PORT prefix=msg.internet. log=sink-internet.log
	fi
	mkdir -p "$E2E_TMP/sink"
	chown nobody "$E2E_TMP/sink"
	smtp-sink -u nobody -d "$E2E_TMP/sink/$prefix" \
	    "127.0.0.1:$port" 256 \
	    >"$E2E_TMP/$log" 2>&1 &
	pid=$!
	if [ "${1:-}" = internet ]; then
		E2E_INET_SINK_PID=$pid
	else
		E2E_SINK_PID=$pid
	fi
	e2e_wait_port "$port" 10 "$pid" ||
	    e2e_die "smtp-sink did not start: $(cat "$E2E_TMP/$log")"
}

e2e_sink_stop()
{
	proc_stop "$E2E_SINK_PID" 5 smtp-sink
	E2E_SINK_PID=""
	proc_stop "$E2E_INET_SINK_PID" 5 "smtp-sink (internet)"
	E2E_INET_SINK_PID=""
}

# Print which smtp-sink received dump FILE: "internet" (the socketmap
# mode's Internet transport) or "smtp" (the connectors, and every delivery
# in milter mode).
e2e_sink_via()
{
	case $(basename "$1") in
	msg.internet.*) echo internet ;;
	*) echo smtp ;;
	esac
}

# Number of messages smtp-sink has received so far.
e2e_sink_count()
{
	find "$E2E_TMP/sink" -type f -name 'msg.*' 2>/dev/null | wc -l
}

# Wait (at most SECONDS) until smtp-sink has received at least N messages.
e2e_sink_wait()
{
	local n=$1 secs=${2:-20} i
	for i in $(seq 1 $((secs * 10))); do
		[ "$(e2e_sink_count)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# Remove what smtp-sink has received so far.
e2e_sink_clear()
{
	find "$E2E_TMP/sink" -type f -name 'msg.*' -delete 2>/dev/null || true
}

# ---- mailswitch ----

# Start BINARY with CONF in the foreground (logging to
# $E2E_TMP/mailswitch.log) on inet:$E2E_MILTER_PORT@127.0.0.1 as nobody.
e2e_mailswitch_start()
{
	local bin=$1 conf=$2
	shift 2
	[ -x "$bin" ] || e2e_die "not executable: $bin"
	"$bin" -f -c "$conf" -p "inet:$E2E_MILTER_PORT@127.0.0.1" \
	    -u nobody "$@" >"$E2E_TMP/mailswitch.log" 2>&1 &
	E2E_MAILSWITCH_PID=$!
	if ! e2e_wait_port "$E2E_MILTER_PORT" 10 "$E2E_MAILSWITCH_PID"; then
		cat "$E2E_TMP/mailswitch.log" >&2
		e2e_die "mailswitch did not start"
	fi
}

# Write OUT, a copy of the configuration IN for the socketmap front end:
# socket = "" (or MILTER, e.g. "inet:PORT@127.0.0.1", for both front
# ends) and socketmap = "inet:$E2E_SOCKETMAP_PORT@127.0.0.1"; a relative
# ldif path is made absolute (it is relative to IN's folder).
e2e_socketmap_conf()
{
	local in=$1 out=$2 milter=${3:-} dir
	dir=$(cd "$(dirname "$in")" && pwd)
	{
		echo "socket = \"$milter\";"
		echo "socketmap = \"inet:$E2E_SOCKETMAP_PORT@127.0.0.1\";"
		sed -e '/^[ \t]*socket[ \t]*=/d' -e '/^[ \t]*socketmap[ \t]*=/d' \
		    -e "s|\(path[ \t]*=[ \t]*\"\)\([^/\"][^\"]*\"\)|\1$dir/\2|" \
		    "$in"
	} >"$out"
}

# Start BINARY with CONF (from e2e_socketmap_conf: no -p, which would set
# the milter's socket) in the foreground as nobody, logging to
# $E2E_TMP/mailswitch.log; wait for the socketmap port (and the milter's,
# when CONF has one on $E2E_MILTER_PORT).
e2e_mailswitch_start_socketmap()
{
	local bin=$1 conf=$2
	shift 2
	[ -x "$bin" ] || e2e_die "not executable: $bin"
	"$bin" -f -c "$conf" -u nobody "$@" >>"$E2E_TMP/mailswitch.log" 2>&1 &
	E2E_MAILSWITCH_PID=$!
	if ! e2e_wait_port "$E2E_SOCKETMAP_PORT" 10 "$E2E_MAILSWITCH_PID"; then
		cat "$E2E_TMP/mailswitch.log" >&2
		e2e_die "mailswitch (socketmap) did not start"
	fi
	if grep -q "^socket = \"inet:$E2E_MILTER_PORT@" "$conf" &&
	    ! e2e_wait_port "$E2E_MILTER_PORT" 10 "$E2E_MAILSWITCH_PID"; then
		cat "$E2E_TMP/mailswitch.log" >&2
		e2e_die "mailswitch (milter) did not start"
	fi
}

e2e_mailswitch_stop()
{
	proc_stop "$E2E_MAILSWITCH_PID" 10 mailswitch
	E2E_MAILSWITCH_PID=""
}

# Stop mailswitch; true when its log has no sanitizer report (ASan, UBSan,
# LSan, TSan write theirs to stderr, some only at exit).
e2e_mailswitch_sane()
{
	local pat='AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:'
	e2e_mailswitch_stop
	if grep -qE "$pat" "$E2E_TMP/mailswitch.log"; then
		grep -E -A5 "$pat" "$E2E_TMP/mailswitch.log" | head -n 40 >&2
		return 1
	fi
	return 0
}

# ---- the private Postfix ----

# Write main.cf and master.cf of a private instance under $E2E_TMP/postfix.
# MILTER: "" for none, or e.g. "inet:127.0.0.1:$E2E_MILTER_PORT".
# Every recipient goes to smtp-sink (transport_maps = static:...).
e2e_postfix_config()
{
	local milter=${1:-} d
	d=$E2E_TMP/postfix
	E2E_POSTFIX_DIR=$d/etc
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cat >"$d/etc/main.cf" <<EOF
# private Postfix for mailswitch tests (generated by t/e2e/lib.sh)
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = $d
mail_owner = postfix
setgid_group = postdrop
myhostname = mailswitch-test.invalid
mydomain = invalid
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
relay_domains = contoso.com, sales.contoso.com, legacy.contoso.com,
    fourthcoffee.com, example.org
transport_maps = static:smtp:[127.0.0.1]:$E2E_SINK_PORT
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = \${e2e_recipient_restrictions}
e2e_recipient_restrictions =
smtpd_authorized_xclient_hosts = 127.0.0.1
smtpd_peername_lookup = no
smtp_host_lookup = native
smtpd_tls_security_level = none
smtp_tls_security_level = none
debug_peer_list =
biff = no
# deliver at once, do not wait for retries between the tests
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
smtp_connect_timeout = 5s
default_process_limit = 100

smtpd_milters = $milter
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_connect_macros = j {daemon_name} {daemon_addr} v {client_addr} _
milter_mail_macros = i {auth_type} {auth_authen} {auth_author}
    {mail_addr} {mail_host} {mail_mailer} {client_addr}
milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}
milter_end_of_header_macros = i
milter_end_of_data_macros = i
EOF
	cat >"$d/etc/master.cf" <<EOF
# private Postfix for mailswitch tests (generated by t/e2e/lib.sh)
127.0.0.1:$E2E_SMTP_PORT inet n - n - - smtpd
127.0.0.1:$E2E_SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix/subsidiary
  -o milter_macro_daemon_name=subsidiary
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# Set a main.cf parameter of the private instance (before or after start;
# after start, follow with e2e_postfix_reload).
e2e_postfix_set()
{
	postconf -c "$E2E_POSTFIX_DIR" -e "$@"
}

e2e_postfix_reload()
{
	postfix -c "$E2E_POSTFIX_DIR" reload >>"$E2E_TMP/postfix.out" 2>&1
	sleep 1
}

# Configure (unless done) and start the private Postfix; wait for its
# smtpd port.  MILTER as for e2e_postfix_config.
e2e_postfix_start()
{
	[ -n "$E2E_POSTFIX_DIR" ] || e2e_postfix_config "${1:-}"
	if ! postfix -c "$E2E_POSTFIX_DIR" start \
	    >>"$E2E_TMP/postfix.out" 2>&1; then
		cat "$E2E_TMP/postfix.out" "$E2E_TMP/postfix/maillog" >&2
		e2e_die "postfix did not start (run with a tty to see why)"
	fi
	E2E_POSTFIX_UP=1
	e2e_wait_port "$E2E_SMTP_PORT" 15 ||
	    e2e_die "postfix smtpd is not listening on $E2E_SMTP_PORT"
	e2e_wait_port "$E2E_SUB_PORT" 15 ||
	    e2e_die "postfix smtpd (subsidiary) is not listening on $E2E_SUB_PORT"
}

# Configure the private Postfix for the socketmap front end on
# 127.0.0.1:PORT (default $E2E_SOCKETMAP_PORT) and start it: no milter;
# the parameters of contrib/postfix/main-socketmap.cf and the services of
# contrib/postfix/master-socketmap.cf, with inet:127.0.0.1:PORT for their
# unix socket (unix:mailswitch/socketmap.sock, the Debian package's); then
# what only the test changes: the connectors of contrib/postfix/transport
# and relay_transport (Contoso's own servers) go to the smtp-sink on
# $E2E_SINK_PORT, default_transport (the "internet" transport, with
# smtp_generic_maps) to the one on $E2E_INET_PORT; example.org and the
# other Internet domains are no relay domains, the subsidiary
# (192.0.2.0/24, posed as with XCLIENT) is in mynetworks.  DSN is
# announced (smtpd's default).  service_throttle_time is 3s, not 60s: a
# generic lookup that fails (TEMP) is fatal to Postfix's smtp process and
# master throttles the transport that long (test-socketmap-ldap.sh).
e2e_postfix_start_socketmap()
{
	local port=${1:-$E2E_SOCKETMAP_PORT}
	e2e_postfix_start_contrib main-socketmap.cf master-socketmap.cf \
	    "s|socketmap:unix:mailswitch/socketmap\.sock:|socketmap:inet:127.0.0.1:$port:|g" \
	    "127.0.0.1:$port:access" "127.0.0.1:$port:generic"
}

# Configure the private Postfix for the tables mode with the tables in DIR
# and start it, as e2e_postfix_start_socketmap does for the socketmap:
# contrib/postfix/main-tables.cf and master-tables.cf, with DIR for their
# folder (/var/lib/mailswitch/postfix, the Debian package's).
e2e_postfix_start_tables()
{
	local dir=$1
	e2e_postfix_start_contrib main-tables.cf master-tables.cf \
	    "s|lmdb:/var/lib/mailswitch/postfix/|lmdb:$dir/|g" \
	    "lmdb:$dir/access" "lmdb:$dir/generic"
}

# e2e_postfix_start_contrib MAIN MASTER SED MAIN_HAS MASTER_HAS: the
# private Postfix with contrib/postfix's MAIN and MASTER, each edited by
# the sed expression SED (which must leave MAIN_HAS in MAIN and
# MASTER_HAS in MASTER), then the test's own settings (see above); start.
e2e_postfix_start_contrib()
{
	local main=$1 master=$2 edit=$3 main_has=$4 master_has=$5
	local c=$E2E_TOP/contrib/postfix d line
	d=$E2E_TMP/postfix
	e2e_postfix_config ""
	# contrib's main.cf lines, one parameter per line, through postconf
	mkdir -p "$d/contrib"
	sed "$edit" "$c/$main" >"$d/contrib/main.cf"
	grep -qF "$main_has" "$d/contrib/main.cf" ||
	    e2e_die "$main: no $main_has after $edit"
	: >"$d/contrib/master.cf"
	postconf -c "$d/contrib" -n >"$d/contrib/params" ||
	    e2e_die "postconf cannot read contrib/postfix/$main"
	while IFS= read -r line; do
		case $line in
		config_directory\ =*) continue ;;
		esac
		postconf -c "$E2E_POSTFIX_DIR" -e "$line"
	done <"$d/contrib/params"
	postconf -c "$E2E_POSTFIX_DIR" -X e2e_recipient_restrictions
	sed "$edit" "$c/$master" >>"$E2E_POSTFIX_DIR/master.cf"
	grep -qF "$master_has" "$E2E_POSTFIX_DIR/master.cf" ||
	    e2e_die "$master: no $master_has after $edit"
	sed "s/\[mail\.fourthcoffee\.com\]:25/[127.0.0.1]:$E2E_SINK_PORT/g" \
	    "$c/transport" >"$E2E_POSTFIX_DIR/transport"
	postmap -c "$E2E_POSTFIX_DIR" "$E2E_POSTFIX_DIR/transport" ||
	    e2e_die "postmap contrib/postfix/transport failed"
	e2e_postfix_set "transport_maps = hash:$E2E_POSTFIX_DIR/transport" \
	    "relay_transport = relay:[127.0.0.1]:$E2E_SINK_PORT" \
	    "default_transport = internet:[127.0.0.1]:$E2E_INET_PORT" \
	    "relay_domains = contoso.com, sales.contoso.com, legacy.contoso.com, fourthcoffee.com" \
	    "mynetworks = 127.0.0.0/8, 192.0.2.0/24" \
	    "service_throttle_time = 3s"
	[ "$(postconf -c "$E2E_POSTFIX_DIR" -h smtpd_milters)" = "" ] ||
	    e2e_die "$main with a milter"
	e2e_postfix_start
}

# PID of the private instance's master, or nothing.
e2e_postfix_master_pid()
{
	local f=$E2E_TMP/postfix/queue/pid/master.pid
	[ -r "$f" ] && tr -d ' \n' <"$f"
}

e2e_postfix_stop()
{
	local pid i
	[ "$E2E_POSTFIX_UP" = 1 ] || return 0
	pid=$(e2e_postfix_master_pid || true)
	postfix -c "$E2E_POSTFIX_DIR" stop >>"$E2E_TMP/postfix.out" 2>&1 || true
	if [ -n "$pid" ] && ! proc_gone "$pid" 100; then
		postfix -c "$E2E_POSTFIX_DIR" abort \
		    >>"$E2E_TMP/postfix.out" 2>&1 || true
	fi
	E2E_POSTFIX_UP=0
}

# ---- a second private Postfix: "the other system" ----

# Write the second instance's main.cf and master.cf under
# $E2E_TMP/two/postfix (those of e2e_postfix_config, no milter), on a free
# port $E2E_SMTP2_PORT (and one more for the subsidiary's smtpd it keeps),
# myhostname other-system.invalid: a Postfix that finds its own name in
# the greeting of its next hop refuses to deliver ("loops back to
# myself"); the maillog is $E2E_TMP/two/postfix/maillog.
e2e_postfix2_config()
{
	local sub
	E2E_SMTP2_PORT=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT" \
	    "$E2E_MILTER_PORT" "$E2E_SUB_PORT" "$E2E_SOCKETMAP_PORT" \
	    "$E2E_INET_PORT")
	sub=$(e2e_free_port "$E2E_SMTP_PORT" "$E2E_SINK_PORT" \
	    "$E2E_MILTER_PORT" "$E2E_SUB_PORT" "$E2E_SOCKETMAP_PORT" \
	    "$E2E_INET_PORT" "$E2E_SMTP2_PORT")
	mkdir -p "$E2E_TMP/two"
	chmod 755 "$E2E_TMP/two"
	(
		E2E_TMP=$E2E_TMP/two E2E_SMTP_PORT=$E2E_SMTP2_PORT \
		    E2E_SUB_PORT=$sub
		e2e_postfix_config ""
	)
	E2E_POSTFIX2_DIR=$E2E_TMP/two/postfix/etc
	e2e_postfix2_set "myhostname = other-system.invalid"
}

# Set a main.cf parameter of the second instance.
e2e_postfix2_set()
{
	postconf -c "$E2E_POSTFIX2_DIR" -e "$@"
}

# Configure (unless done) and start the second instance; wait for its port.
e2e_postfix2_start()
{
	[ -n "$E2E_POSTFIX2_DIR" ] || e2e_postfix2_config
	if ! postfix -c "$E2E_POSTFIX2_DIR" start \
	    >>"$E2E_TMP/postfix2.out" 2>&1; then
		cat "$E2E_TMP/postfix2.out" "$E2E_TMP/two/postfix/maillog" >&2
		e2e_die "the second postfix did not start"
	fi
	E2E_POSTFIX2_UP=1
	e2e_wait_port "$E2E_SMTP2_PORT" 15 ||
	    e2e_die "the second postfix is not listening on $E2E_SMTP2_PORT"
}

# Stop the second instance (its master by PID, as e2e_postfix_stop).
e2e_postfix2_stop()
{
	local pid="" f=$E2E_TMP/two/postfix/queue/pid/master.pid
	[ "$E2E_POSTFIX2_UP" = 1 ] || return 0
	[ -r "$f" ] && pid=$(tr -d ' \n' <"$f")
	postfix -c "$E2E_POSTFIX2_DIR" stop >>"$E2E_TMP/postfix2.out" 2>&1 ||
	    true
	if [ -n "$pid" ] && ! proc_gone "$pid" 100; then
		postfix -c "$E2E_POSTFIX2_DIR" abort \
		    >>"$E2E_TMP/postfix2.out" 2>&1 || true
	fi
	E2E_POSTFIX2_UP=0
}

# Messages still in the private queue (0 when empty).
e2e_postfix_queued()
{
	find "$E2E_TMP/postfix/queue/incoming" "$E2E_TMP/postfix/queue/active" \
	    "$E2E_TMP/postfix/queue/deferred" "$E2E_TMP/postfix/queue/maildrop" \
	    -type f 2>/dev/null | wc -l
}

# ---- a scripted SMTP client (bash /dev/tcp), for exact per-reply checks ----

# Open a session to the private smtpd (or the one on PORT, e.g.
# $E2E_SUB_PORT) on fd 5; read the greeting.
smtp_open()
{
	local port=${1:-$E2E_SMTP_PORT}
	exec 5<>"/dev/tcp/127.0.0.1/$port" ||
	    e2e_die "cannot connect to 127.0.0.1:$port"
	SMTP_REPLY=""
	smtp_read
}

# Read one (possibly multi-line) reply into SMTP_REPLY (its last line,
# without CR) and SMTP_CODE; at most 20 s per line.
smtp_read()
{
	local line
	SMTP_REPLY=""
	while :; do
		if ! IFS= read -r -t 20 line <&5; then
			SMTP_REPLY="(no reply)"
			SMTP_CODE=000
			return 1
		fi
		line=${line%$'\r'}
		echo "S: $line" >>"$E2E_TMP/smtp.log"
		case $line in
		[0-9][0-9][0-9]-*) continue ;;
		esac
		SMTP_REPLY=$line
		SMTP_CODE=${line:0:3}
		return 0
	done
}

# Send one command line and read the reply.
smtp_cmd()
{
	echo "C: $1" >>"$E2E_TMP/smtp.log"
	printf '%s\r\n' "$1" >&5
	smtp_read
}

# Send the lines of a message (dot-stuffing not needed for our text) and
# the final dot; read the reply.
smtp_data_body()
{
	local line
	while IFS= read -r line; do
		printf '%s\r\n' "$line" >&5
	done
	echo "C: (message) ." >>"$E2E_TMP/smtp.log"
	printf '.\r\n' >&5
	smtp_read
}

# Close the session's fd 5 (the braces keep stderr: "exec ... 2>/dev/null"
# alone would send the rest of the script's stderr to /dev/null).
smtp_close()
{
	{ exec 5>&- 5<&-; } 2>/dev/null || true
}

# ---- checks ----

# True when the last SMTP reply is exactly TEXT.
e2e_reply_is()
{
	if [ "$SMTP_REPLY" = "$1" ]; then
		return 0
	fi
	echo "    want: $1" >&2
	echo "    got:  $SMTP_REPLY" >&2
	return 1
}

# True when the last SMTP reply starts with CODE (e.g. "250" or "250 2.1.5").
e2e_reply_starts()
{
	case $SMTP_REPLY in
	"$1"*) return 0 ;;
	esac
	echo "    want: $1..." >&2
	echo "    got:  $SMTP_REPLY" >&2
	return 1
}

# Print the envelope recipients smtp-sink recorded in dump FILE, sorted,
# one per line, without ESMTP parameters (e.g. "<bob@fourthcoffee.com>").
e2e_sink_rcpts()
{
	# the path up to its '>' (a quoted local part may hold a space)
	sed -n 's/^X-Rcpt-Args: *\(<\("[^"]*"\|[^ >]\)*>\).*/\1/p' "$1" | sort
}

# Print the envelope sender smtp-sink recorded in dump FILE, without ESMTP
# parameters (e.g. "<bob@contoso.com>", or "<>").
e2e_sink_mailfrom()
{
	sed -n 's/^X-Mail-Args: *\([^ ]*\).*/\1/p' "$1"
}

# Print the dump file of the message that has a line containing STRING
# (plain text, e.g. its Message-ID); nothing when none has.
e2e_sink_find()
{
	grep -lF -- "$1" "$E2E_TMP"/sink/msg.* 2>/dev/null | head -n 1
}

# Print the header section of dump FILE (up to the first empty line).
e2e_sink_headers()
{
	sed -n '1,/^$/p' "$1"
}

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
