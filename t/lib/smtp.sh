# t/lib/smtp.sh -- a scripted SMTP client (bash /dev/tcp on fd 5), for
# exact per-reply checks against the private Postfix (or Sendmail), and
# the checks of its last reply.  Every line sent and read is appended to
# $E2E_TMP/smtp.log; a read waits at most 20 s.
#
#	smtp_open [PORT]                 # default $E2E_SMTP_PORT; the greeting
#	smtp_cmd "RCPT TO:<bob@contoso.com>"   # SMTP_REPLY, SMTP_CODE
#	smtp_data_body <message          # after DATA's 354: text and the dot
#	smtp_close                       # or smtp_end_queued NAME: SMTP_QID
#	smtp_begin_from_internet         # open, XCLIENT, MAIL FROM, asserted
#	smtp_rcpt_from IP ADDRESS        # one RCPT's reply in RCPT_REPLY
#	assert "RCPT bob" e2e_reply_starts 250
#	assert "RCPT bob" e2e_reply_is "250 2.1.5 Ok"
#
# Sourced by t/e2e/lib.sh, whose frame it uses ($E2E_TMP, $E2E_SMTP_PORT,
# e2e_die).  e2e_reply_is and e2e_reply_starts keep the names they had
# there: some 20 tests call them.

# shellcheck shell=bash disable=SC2034  # SMTP_CODE, SMTP_QID, RCPT_REPLY are for the sourcing script

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

# smtp_begin_from_internet: a session to the private smtpd as a client on
# the Internet (XCLIENT ADDR=203.0.113.7), up to MAIL FROM
# <someone@example.org>; asserts "greeting 220", "XCLIENT 220" and
# "MAIL FROM 250".
smtp_begin_from_internet()
{
	smtp_open
	assert "greeting 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "XCLIENT ADDR=203.0.113.7 NAME=[UNAVAILABLE]"
	assert "XCLIENT 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	assert "MAIL FROM 250" e2e_reply_starts "250"
}

# smtp_rcpt_from IP ADDRESS: one session to the private smtpd, as a client
# at IP (XCLIENT; "" for none: Postfix sees 127.0.0.1), MAIL FROM
# <someone@example.org>, RCPT TO:<ADDRESS>, QUIT; the RCPT reply in
# RCPT_REPLY.
smtp_rcpt_from()
{
	smtp_open
	smtp_cmd "EHLO client.example.net"
	if [ -n "$1" ]; then
		smtp_cmd "XCLIENT ADDR=$1 NAME=[UNAVAILABLE]"
		smtp_cmd "EHLO client.example.net"
	fi
	smtp_cmd "MAIL FROM:<someone@example.org>"
	smtp_cmd "RCPT TO:<$2>"
	RCPT_REPLY=$SMTP_REPLY
	smtp_cmd "QUIT"
	smtp_close
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

# smtp_end_queued NAME: after smtp_data_body, assert NAME: Postfix's
# "250 2.0.0 Ok: queued as QID"; the queue id in SMTP_QID (the reply's
# last word, whatever it was); QUIT and close the session.
smtp_end_queued()
{
	assert "$1" e2e_reply_starts "250 2.0.0 Ok: queued as "
	SMTP_QID=${SMTP_REPLY##* }
	smtp_cmd "QUIT"
	smtp_close
}

# Close the session's fd 5 (the braces keep stderr: "exec ... 2>/dev/null"
# alone would send the rest of the script's stderr to /dev/null).
smtp_close()
{
	{ exec 5>&- 5<&-; } 2>/dev/null || true
}

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
