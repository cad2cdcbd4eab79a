# t/lib/sendmail.sh -- helpers for end-to-end tests through a PRIVATE
# Sendmail.  It sources t/e2e/lib.sh (temp dir, ports, smtp-sink,
# mailswitch, the scripted SMTP client, the checks) and adds Sendmail:
#
#	. "$TOP/t/lib/sendmail.sh"
#	sendmail_init                       # e2e_init + the Sendmail binaries + trap
#	e2e_sink_start                # smtp-sink on 127.0.0.1:$E2E_SINK_PORT
#	e2e_mailswitch_start BIN CONF # mailswitch on inet:$E2E_MILTER_PORT@127.0.0.1
#	sendmail_start NAME MACROS          # Sendmail NAME on 127.0.0.1:${SENDMAIL_PORT[NAME]}
#
# Debian's sendmail-bin conflicts with postfix, so it is never installed:
# sendmail_init takes the sendmail-bin and sendmail-cf packages from a cache
# folder ($MAILSWITCH_SENDMAIL_CACHE, default /var/cache/mailswitch-tests/
# sendmail), downloads them there with `apt-get download` when missing, and
# unpacks them (dpkg -x) into the temp dir.  sendmail.cf is built with m4
# from Sendmail's own cf files.
#
# Each instance NAME has its own folder $E2E_TMP/sendmail-NAME (queue,
# pid file, statistics, aliases, service switch, hosts file), listens on
# 127.0.0.1:${SENDMAIL_PORT[NAME]} (DAEMON_OPTIONS Name=MTA) and on
# 127.0.0.1:${SENDMAIL_SUB_PORT[NAME]} (Name=subsidiary, the {daemon_name} that
# outbound.daemons selects by), relays everything to smtp-sink: the
# domains of contrib/sendmail/mailertable by its smtp mailer (mailer=smtp
# in the maillog), the others by SMART_HOST (mailer=relay).  It uses
# contrib/sendmail/mailswitch.mc for the milter,
# with MACROS "stock" (its confMILTER_MACROS_* lines dropped: Sendmail's
# default lists, no `v') or "documented" (the lists as given there).
#
# Sendmail runs in the foreground (-bD) under unshare --uts --mount, by
# in-ns.sh: its own fully qualified host name and a private /dev/log, read
# by syslogd.pl into $SENDMAIL_MAILLOG (one file for every instance; each logs
# with its own label, -L sm-NAME).  Everything is stopped by its PID; the
# EXIT trap stops what is still running (and keeps $E2E_TMP with
# E2E_KEEP=1).  Needs root, m4, perl (perl-base) and unshare (util-linux).

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
SENDMAIL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SENDMAIL_LIB_DIR/../e2e/lib.sh"

SENDMAIL_CACHE=${MAILSWITCH_SENDMAIL_CACHE:-/var/cache/mailswitch-tests/sendmail}
SENDMAIL_ROOT=""		# the unpacked packages
SENDMAIL_BIN=""		# ROOT/usr/libexec/sendmail/sendmail
SENDMAIL_CF_DIR=""		# ROOT/usr/share/sendmail/cf
SENDMAIL_VERSION=""		# of the unpacked sendmail-bin
SENDMAIL_MAILLOG=""
SENDMAIL_SYSLOG_SOCK=""
SENDMAIL_SYSLOG_PID=""
SENDMAIL_HOSTNAME=sendmail.mailswitch-test.invalid
declare -gA SENDMAIL_PID=() SENDMAIL_PORT=() SENDMAIL_SUB_PORT=() SENDMAIL_DIR=()

# The temp dir and ports (e2e_init), Sendmail's binaries, the syslog
# reader, and a trap that also stops the Sendmails.
sendmail_init()
{
	e2e_init m4 perl unshare mount hostname dpkg dpkg-deb apt-get
	trap sendmail_cleanup EXIT
	sendmail_unpack
	sendmail_syslog_start
}

# Stop the Sendmails and the syslog reader, then what e2e_cleanup stops.
sendmail_cleanup()
{
	local rc=$? name
	set +e
	for name in "${!SENDMAIL_PID[@]}"; do
		sendmail_stop "$name"
	done
	proc_stop "$SENDMAIL_SYSLOG_PID" 5 syslogd.pl
	SENDMAIL_SYSLOG_PID=""
	(exit "$rc")
	e2e_cleanup
}

# Print the newest cached .deb of package NAME, or nothing.
sendmail_cached_deb()
{
	find "$SENDMAIL_CACHE" -maxdepth 1 -type f -name "${1}_*.deb" 2>/dev/null |
	    sort -V | tail -n 1
}

# Make sure the cache holds sendmail-bin and sendmail-cf: apt-get download
# them (once more after `apt-get update` when the package lists lack them).
# apt's sandbox user _apt may not write to the cache: download as root.
sendmail_download()
{
	local log=$E2E_TMP/apt-download.log
	[ -n "$(sendmail_cached_deb sendmail-bin)" ] &&
	    [ -n "$(sendmail_cached_deb sendmail-cf)" ] && return 0
	mkdir -p "$SENDMAIL_CACHE"
	echo "downloading sendmail-bin sendmail-cf into $SENDMAIL_CACHE"
	if ! (cd "$SENDMAIL_CACHE" && apt-get download -q \
	    -o APT::Sandbox::User=root sendmail-bin sendmail-cf) >"$log" 2>&1
	then
		apt-get update -qq >>"$log" 2>&1 || true
		(cd "$SENDMAIL_CACHE" && apt-get download -q \
		    -o APT::Sandbox::User=root sendmail-bin sendmail-cf) \
		    >>"$log" 2>&1 ||
		    e2e_die "cannot download sendmail-bin sendmail-cf: $(tail -n 5 "$log")"
	fi
}

# Unpack the cached packages into $E2E_TMP/sendmail-root.
sendmail_unpack()
{
	local deb
	sendmail_download
	SENDMAIL_ROOT=$E2E_TMP/sendmail-root
	mkdir -p "$SENDMAIL_ROOT"
	for deb in "$(sendmail_cached_deb sendmail-bin)" "$(sendmail_cached_deb sendmail-cf)"
	do
		dpkg -x "$deb" "$SENDMAIL_ROOT" || e2e_die "cannot unpack $deb"
	done
	SENDMAIL_BIN=$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail
	SENDMAIL_CF_DIR=$SENDMAIL_ROOT/usr/share/sendmail/cf
	[ -x "$SENDMAIL_BIN" ] || e2e_die "no $SENDMAIL_BIN in the sendmail-bin package"
	[ -f "$SENDMAIL_CF_DIR/m4/cf.m4" ] ||
	    e2e_die "no $SENDMAIL_CF_DIR/m4/cf.m4 in the sendmail-cf package"
	SENDMAIL_VERSION=$(dpkg-deb -f "$(sendmail_cached_deb sendmail-bin)" Version)
}

# Start the datagram reader behind every instance's /dev/log.
sendmail_syslog_start()
{
	SENDMAIL_SYSLOG_SOCK=$E2E_TMP/syslog.sock
	SENDMAIL_MAILLOG=$E2E_TMP/maillog
	: >"$SENDMAIL_MAILLOG"
	perl "$SENDMAIL_LIB_DIR/../sendmail/syslogd.pl" "$SENDMAIL_SYSLOG_SOCK" \
	    "$SENDMAIL_MAILLOG" >"$E2E_TMP/syslogd.out" 2>&1 &
	SENDMAIL_SYSLOG_PID=$!
	e2e_wait_for 10 test -S "$SENDMAIL_SYSLOG_SOCK" ||
	    e2e_die "syslogd.pl did not start: $(cat "$E2E_TMP/syslogd.out")"
}

# Write the instance NAME's files and build its sendmail.cf; MACROS is
# "stock" or "documented" (see the top of this file).
sendmail_config()
{
	local name=$1 macros=$2 d port sub used
	d=$E2E_TMP/sendmail-$name
	used="$E2E_SMTP_PORT $E2E_SINK_PORT $E2E_MILTER_PORT $E2E_SUB_PORT"
	used="$used ${SENDMAIL_PORT[*]:-} ${SENDMAIL_SUB_PORT[*]:-}"
	# shellcheck disable=SC2086  # a list of ports
	port=$(e2e_free_port $used)
	# shellcheck disable=SC2086
	sub=$(e2e_free_port $used "$port")
	SENDMAIL_DIR[$name]=$d
	SENDMAIL_PORT[$name]=$port
	SENDMAIL_SUB_PORT[$name]=$sub
	mkdir -p "$d/queue"
	chmod 700 "$d/queue"
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' >"$d/aliases"
	printf 'hosts files\naliases files\n' >"$d/service.switch"
	printf '127.0.0.1 localhost %s\n' "$SENDMAIL_HOSTNAME" >"$d/hosts"
	: >"$d/statistics"

	# contrib's snippet, with this test's milter port; "stock" drops
	# its macro lists.
	case $macros in
	stock)
		sed -e "s/inet:8895@127\\.0\\.0\\.1/inet:$E2E_MILTER_PORT@127.0.0.1/" \
		    -e '/^define(`confMILTER_MACROS_/d' \
		    "$E2E_TOP/contrib/sendmail/mailswitch.mc" >"$d/mailswitch.mc"
		! grep -q confMILTER_MACROS_ "$d/mailswitch.mc" ||
		    e2e_die "cannot drop the macro lists"
		;;
	documented)
		sed -e "s/inet:8895@127\\.0\\.0\\.1/inet:$E2E_MILTER_PORT@127.0.0.1/" \
		    "$E2E_TOP/contrib/sendmail/mailswitch.mc" >"$d/mailswitch.mc"
		grep -q "^define(\`confMILTER_MACROS_CONNECT', .*v," \
		    "$d/mailswitch.mc" ||
		    e2e_die "contrib/sendmail/mailswitch.mc sends no v"
		;;
	*)
		e2e_die "sendmail_config: MACROS is stock or documented, not $macros"
		;;
	esac
	grep -q "S=inet:$E2E_MILTER_PORT@127.0.0.1" "$d/mailswitch.mc" ||
	    e2e_die "cannot set the milter port in mailswitch.mc"

	cat >"$d/sendmail.mc" <<EOF
divert(-1)
# private Sendmail for mailswitch tests (generated by t/lib/sendmail.sh)
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$SENDMAIL_HOSTNAME')dnl
define(\`QUEUE_DIR', \`$d/queue')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
define(\`STATUS_FILE', \`$d/statistics')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOSTS_FILE', \`$d/hosts')dnl
define(\`confCW_FILE', \`$d/local-host-names')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
dnl the temp dir is under /tmp (mode 1777)
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $E2E_SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $E2E_SINK_PORT')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $E2E_SINK_PORT')dnl
define(\`LOCAL_MAILER_PATH', \`/bin/false')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA')dnl
DAEMON_OPTIONS(\`Port=$sub, Addr=127.0.0.1, Name=subsidiary')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
dnl for the test only: relay for anyone (the client is 127.0.0.1 anyway)
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`mailertable', \`hash $d/mailertable')dnl
include(\`$d/mailswitch.mc')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	: >"$d/local-host-names"
	# contrib's connectors, to smtp-sink (SMTP_MAILER_ARGS has its port)
	sed -e 's/smtp:\[mx\.fourthcoffee\.com\]/smtp:[127.0.0.1]/' \
	    "$E2E_TOP/contrib/sendmail/mailertable" >"$d/mailertable"
	grep -q '^fourthcoffee\.com[[:space:]]*smtp:\[127\.0\.0\.1\]$' \
	    "$d/mailertable" || e2e_die "cannot point mailertable at smtp-sink"
	m4 -D_CF_DIR_="$SENDMAIL_CF_DIR/" "$SENDMAIL_CF_DIR/m4/cf.m4" "$d/sendmail.mc" \
	    >"$d/sendmail.cf" 2>"$d/m4.err" ||
	    e2e_die "m4 failed: $(cat "$d/m4.err")"
	# the one warning expected: promiscuous_relay makes an open relay
	if grep -v -e 'promiscuous_relay' -e 'relay.  Do NOT use it' \
	    "$d/m4.err" | grep -q .; then
		e2e_die "m4 complained: $(cat "$d/m4.err")"
	fi
	mkdir -p "$d/ns"
	# shellcheck disable=SC2094  # makemap reads FILE, writes FILE.db
	(sendmail_ns "$d/ns" "$SENDMAIL_ROOT/usr/libexec/sendmail/makemap" \
	    -C "$d/sendmail.cf" hash "$d/mailertable" <"$d/mailertable") \
	    >"$d/makemap.out" 2>&1 ||
	    e2e_die "makemap failed: $(cat "$d/makemap.out")"
	(sendmail_ns "$d/ns" "$SENDMAIL_BIN" -C "$d/sendmail.cf" -bi) \
	    >"$d/newaliases.out" 2>&1 ||
	    e2e_die "newaliases failed: $(cat "$d/newaliases.out")"
}

# Run COMMAND... with Sendmail's host name and the private /dev/log
# (in-ns.sh; SCRATCH is a folder of its own).  It execs: call it in a
# subshell, ( ... ) or with &, whose PID then is the command's.
sendmail_ns()
{
	local scratch=$1
	shift
	exec unshare --uts --mount --propagation private \
	    "$SENDMAIL_LIB_DIR/../sendmail/in-ns.sh" "$SENDMAIL_HOSTNAME" \
	    "$SENDMAIL_SYSLOG_SOCK" "$scratch" "$@"
}

# Configure and start the instance NAME (MACROS: stock | documented);
# wait (at most 30 s) until both its ports accept.
sendmail_start()
{
	local name=$1 macros=$2 d pid
	sendmail_config "$name" "$macros"
	d=${SENDMAIL_DIR[$name]}
	sendmail_ns "$d/ns" "$SENDMAIL_BIN" -bD -q5s -C "$d/sendmail.cf" -L "sm-$name" \
	    >"$d/sendmail.out" 2>&1 &
	pid=$!
	SENDMAIL_PID[$name]=$pid
	if ! e2e_wait_port "${SENDMAIL_PORT[$name]}" 30 "$pid" ||
	    ! e2e_wait_port "${SENDMAIL_SUB_PORT[$name]}" 10 "$pid"; then
		cat "$d/sendmail.out" >&2
		grep -F "sm-$name" "$SENDMAIL_MAILLOG" | tail -n 20 >&2
		e2e_die "Sendmail $name did not start"
	fi
}

# Stop the instance NAME (the daemon, by its PID: it stops its children).
sendmail_stop()
{
	local name=$1
	[ -n "${SENDMAIL_PID[$name]:-}" ] || return 0
	proc_stop "${SENDMAIL_PID[$name]}" 10 "Sendmail $name"
	unset "SENDMAIL_PID[$name]"
}

# Messages still in the queue of instance NAME.
sendmail_queued()
{
	find "${SENDMAIL_DIR[$1]}/queue" -type f -name 'qf*' 2>/dev/null | wc -l
}

# Print the maillog lines of instance NAME.
sendmail_maillog()
{
	grep -F "sm-${1}[" "$SENDMAIL_MAILLOG" 2>/dev/null
}

# True when instance NAME logged that it sent message QID to ADDRESS
# (stat=Sent on a to= line naming <ADDRESS>), by MAILER when given.
sendmail_sent()
{
	sendmail_maillog "$1" | grep -F "$2: to=" | grep -F "<$3>" |
	    grep -F "mailer=${4:-}" | grep -qF 'stat=Sent'
}

# Print the ESMTP parameters smtp-sink recorded for recipient ADDRESS
# (e.g. "bob@fourthcoffee.com") in the dumps FILE..., as given after the
# path, one line per time it was received.
sendmail_sink_rcpt_args()
{
	local a=$1
	shift
	awk -v a="<$a>" 'tolower($1) == "x-rcpt-args:" && tolower($2) == tolower(a) {
		$1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$@"
}

# Print the ESMTP parameters of the MAIL FROM smtp-sink recorded in FILE.
sendmail_sink_mail_args()
{
	awk 'tolower($1) == "x-mail-args:" { $1 = ""; $2 = ""; sub(/^ +/, "");
		print }' "$1"
}

# Show the files a failing test wants a human to read.
sendmail_show_logs()
{
	e2e_show_logs
	if [ -s "$SENDMAIL_MAILLOG" ]; then
		echo "--- $SENDMAIL_MAILLOG" >&2
		tail -n 80 "$SENDMAIL_MAILLOG" >&2
	fi
}
