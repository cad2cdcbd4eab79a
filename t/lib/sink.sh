# t/lib/sink.sh -- smtp-sink, the "next hop" that records what the private
# Postfix (or Sendmail) delivered: one dump file per message under
# $E2E_TMP/sink/, the envelope as X-Mail-Args / X-Rcpt-Args lines; and
# what a test reads from those dumps.
#
#	e2e_sink_start [internet]        # on 127.0.0.1:$E2E_SINK_PORT (or
#	                                 # $E2E_INET_PORT); e2e_sink_stop
#	e2e_sink_count; e2e_sink_wait N [SECONDS]; e2e_sink_clear
#	f=$(e2e_sink_find MESSAGE_ID)
#	e2e_sink_rcpts "$f"; e2e_sink_mailfrom "$f"; e2e_sink_headers "$f"
#	e2e_sink_via "$f"                # "internet" or "smtp"
#
# Sourced by t/e2e/lib.sh, whose frame it uses ($E2E_TMP, the ports,
# e2e_die, e2e_wait_port).  The functions keep the e2e_sink_ prefix they
# had there: some 35 tests and contrib/bench call them by that name.
# Needs root (smtp-sink -u nobody).

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
E2E_SINK_PID=""
E2E_INET_SINK_PID=""

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
