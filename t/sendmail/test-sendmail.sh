#!/bin/bash
# t/sendmail/test-sendmail.sh -- mailswitch behind a REAL Sendmail:
#
#	test-sendmail.sh MAILSWITCH_BINARY
#
# Two private Sendmail instances (t/lib/sendmail.sh) use the milter as
# contrib/sendmail/mailswitch.mc attaches it, relay to smtp-sink and share
# one mailswitch (t/milter/mailswitch-test.conf: the example LDIF, plus
# outbound.daemons = [ "subsidiary" ]; no `mta' key, so "auto"):
#
#   stock       Sendmail's default milter macro lists: no `v'
#   documented  the lists of contrib/sendmail/mailswitch.mc (with `v')
#
# Each instance gets the same messages; the tables below say what every
# RCPT must be answered, and what smtp-sink (the next hop) must receive:
# envelope recipients with their DSN parameters, MAIL FROM with its own,
# header fields.  Also: mailswitch's log lines carry Sendmail's queue ids,
# Sendmail sent fourthcoffee.com by contrib/sendmail/mailertable's smtp
# mailer, logged no milter error and delivered everything (its queue is
# empty), and mailswitch stopped without a sanitizer report.  Prints
# PASS/FAIL lines; exits non-zero on any failure.  Needs root and, the
# first time, apt-get download (t/lib/sendmail.sh).  E2E_KEEP=1 keeps the
# temp dir;
# SENDMAIL_CONFIGS="documented" runs one configuration only;
# MAILSWITCH_SENDMAIL_CACHE moves the package cache.
set -eu

. "$(dirname "$0")/../lib/sendmail.sh"
mailswitch_binary "$@"

# ---- the cases ----

# Inbound, one message per table, from someone@example.org through the
# port of DAEMON_OPTIONS Name=MTA.  A row:
#   RCPT TO argument (path and ESMTP parameters) | RCPT reply, its start |
#   delivered as: address and parameters as smtp-sink records them
#   ("-": not delivered) | what the row is about
# Under Sendmail a rewritten recipient keeps its RCPT's parameters and gets
# ORCPT=rfc822;<original> unless the client gave one (SPEC section 1); an
# untouched one is Sendmail's own business (it adds no ORCPT).
INBOUND=(
	"<bob@contoso.com>|250 2.1.5|bob@fourthcoffee.com ORCPT=rfc822;bob@contoso.com|contact, primary address"
	"<awong@contoso.com>|250 2.1.5|Alice.Wong@fourthcoffee.com ORCPT=rfc822;awong@contoso.com|contact, secondary address"
	"<carol@sales.contoso.com>|250 2.1.5|Carol.Diaz@sales.contoso.com ORCPT=rfc822;carol@sales.contoso.com|mailbox user, canonicalize"
	"<dan.park@contoso.com>|250 2.1.5|dan.park@contoso.com|mailbox user, untouched"
	"<nobody@sales.contoso.com>|550 5.1.1 |-|unknown, authoritative domain"
	"<someone@example.net>|250 2.1.5|someone@example.net|no configured domain"
)
# an ORCPT of 1,932 octets of xtext ("+2B" is "+"), as long as Sendmail's
# 2,048-octet command line allows
LONG_ORCPT=$(printf 'a+2B%.0s' $(seq 1 480))@example.org
DSN=(
	"<bob@contoso.com> NOTIFY=SUCCESS,FAILURE|250 2.1.5|bob@fourthcoffee.com NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@contoso.com|NOTIFY kept, ORCPT added"
	"<awong@contoso.com> NOTIFY=FAILURE ORCPT=rfc822;x@y|250 2.1.5|Alice.Wong@fourthcoffee.com NOTIFY=FAILURE ORCPT=rfc822;x@y|client's ORCPT kept, once"
	"<carol@sales.contoso.com> NOTIFY=NEVER|250 2.1.5|Carol.Diaz@sales.contoso.com NOTIFY=NEVER ORCPT=rfc822;carol@sales.contoso.com|NOTIFY=NEVER kept"
	"<frank@sales.contoso.com> NOTIFY=FAILURE ORCPT=rfc822;$LONG_ORCPT|250 2.1.5|frank@fourthcoffee.com NOTIFY=FAILURE ORCPT=rfc822;$LONG_ORCPT|ESMTP parameters of nearly 2 KB kept whole"
)
# How the original is spelled must not matter: smfi_delrcpt names the
# recipient as Sendmail passed it.
ODD=(
	"<Bob.Lee@Contoso.COM>|250 2.1.5|bob@fourthcoffee.com ORCPT=rfc822;Bob.Lee@Contoso.COM|secondary address, mixed case"
	"<@mx.example.net:awong@contoso.com>|250 2.1.5|Alice.Wong@fourthcoffee.com ORCPT=rfc822;awong@contoso.com|source route"
)
# The reply text after "550 5.1.1 " for nobody@sales.contoso.com: Sendmail
# puts "<address>... " before the milter's text.
REJECT_TEXT="<nobody@sales.contoso.com>... <nobody@sales.contoso.com>: Recipient address rejected: User unknown"

# Outbound (SPEC section 2).  A row:
#   name | port (sub: Name=subsidiary, mta: Name=MTA) | MAIL FROM argument |
#   RCPT TO address | MAIL FROM as smtp-sink records it (path and
#   parameters but SIZE and BODY, sorted) | From as it arrives | about
# Sendmail keeps the MAIL FROM's own parameters across smfi_chgfrom; given
# them again it sends an empty AUTH= (SPEC: no ESMTP parameters then).
OUTBOUND=(
	"o1|sub|<bob@fourthcoffee.com> RET=HDRS ENVID=sm-o1|someone@example.org|<bob@contoso.com> ENVID=sm-o1 RET=HDRS|\"Bob Lee\" <bob@contoso.com>|subsidiary to the Internet: rewritten, DSN parameters kept"
	"o2|sub|<Alice.Wong@fourthcoffee.com>|someone@example.org|<alice@contoso.com>|\"Alice Wong\" <alice@contoso.com>|subsidiary to the Internet, no parameters"
	"o3|sub|<bob@fourthcoffee.com> RET=FULL|dan@contoso.com|<bob@fourthcoffee.com> RET=FULL|\"Bob Lee\" <bob@fourthcoffee.com>|subsidiary, internal: untouched"
	"o4|mta|<bob@fourthcoffee.com>|someone@example.org|<bob@fourthcoffee.com>|\"Bob Lee\" <bob@fourthcoffee.com>|not the subsidiary: untouched"
)
declare -A DISPLAY_NAME=([bob@fourthcoffee.com]="Bob Lee" [Alice.Wong@fourthcoffee.com]="Alice Wong")

# ---- the servers ----

sendmail_init
conf=$E2E_TMP/mailswitch.conf
mailswitch_conf_subsidiary "$conf"
! grep -qE '^[[:space:]]*mta[[:space:]]*=' "$conf" ||
    e2e_die "the test configuration must not set mta"

configs=${SENDMAIL_CONFIGS:-stock documented}
e2e_sink_start
e2e_mailswitch_start "$bin" "$conf"
for c in $configs; do
	sendmail_start "$c" "$c"
	echo "Sendmail $SENDMAIL_VERSION '$c' on 127.0.0.1:${SENDMAIL_PORT[$c]}" \
	    "(subsidiary ${SENDMAIL_SUB_PORT[$c]})"
done
echo "mailswitch on $E2E_MILTER_PORT, smtp-sink on $E2E_SINK_PORT"

# ---- sending ----

declare -A QID=()

# send CONFIG NAME PORT MAIL-FROM-ARGUMENT ROW... -- one transaction, each
# reply checked; a ROW is "RCPT-ARGUMENT|REPLY-START|...".  The message
# (headers and body) is read from stdin; QID[CONFIG/NAME] is Sendmail's
# queue id.
send()
{
	local c=$1 name=$2 port=$3 from=$4 row rcpt want
	shift 4
	smtp_open "$port"
	assert "$c/$name: greeting 220" e2e_reply_starts "220"
	smtp_cmd "EHLO client.example.net"
	assert "$c/$name: EHLO 250" e2e_reply_starts "250"
	smtp_cmd "MAIL FROM:$from"
	assert "$c/$name: MAIL FROM:$from 250" e2e_reply_starts "250"
	for row in "$@"; do
		IFS='|' read -r rcpt want _ <<<"$row"
		smtp_cmd "RCPT TO:$rcpt"
		assert "$c/$name: RCPT TO:$rcpt $want" \
		    e2e_reply_starts "$want"
		case $want in
		550*)	assert "$c/$name: RCPT TO:$rcpt reply text" \
			    e2e_reply_is "$want$REJECT_TEXT" ;;
		esac
	done
	smtp_cmd "DATA"
	assert "$c/$name: DATA 354" e2e_reply_starts "354"
	smtp_data_body
	assert "$c/$name: end of data 250" e2e_reply_starts "250 2.0.0 "
	QID[$c/$name]=$(awk '{ print $3 }' <<<"$SMTP_REPLY")
	smtp_cmd "QUIT"
	smtp_close
	echo "$c/$name: queue id ${QID[$c/$name]}"
}

total=0
for c in $configs; do
	send "$c" in "${SENDMAIL_PORT[$c]}" "<someone@example.org>" "${INBOUND[@]}" <<EOF
From: Someone <someone@example.org>
To: bob@contoso.com, awong@contoso.com, carol@sales.contoso.com
Subject: mailswitch behind Sendmail ($c): inbound
Message-ID: <sm-$c-in@example.org>

Hello through the mail switch.
EOF
	send "$c" dsn "${SENDMAIL_PORT[$c]}" "<someone@example.org> RET=HDRS ENVID=sm-dsn" \
	    "${DSN[@]}" <<EOF
From: Someone <someone@example.org>
To: bob@contoso.com, awong@contoso.com, carol@sales.contoso.com
Subject: mailswitch behind Sendmail ($c): DSN
Message-ID: <sm-$c-dsn@example.org>

Hello through the mail switch.
EOF
	send "$c" odd "${SENDMAIL_PORT[$c]}" "<someone@example.org>" "${ODD[@]}" <<EOF
From: Someone <someone@example.org>
To: Bob.Lee@Contoso.COM, awong@contoso.com
Subject: mailswitch behind Sendmail ($c): spelling
Message-ID: <sm-$c-odd@example.org>

Hello through the mail switch.
EOF
	total=$((total + 3))
	for row in "${OUTBOUND[@]}"; do
		IFS='|' read -r name kind from rcpt _ <<<"$row"
		port=${SENDMAIL_PORT[$c]}
		[ "$kind" = sub ] && port=${SENDMAIL_SUB_PORT[$c]}
		sender=${from%%>*}
		sender=${sender#<}
		send "$c" "$name" "$port" "$from" "<$rcpt>|250 2.1.5" <<EOF
From: "${DISPLAY_NAME[$sender]}" <$sender>
To: $rcpt
Subject: mailswitch behind Sendmail ($c): outbound $name
Message-ID: <sm-$c-$name@fourthcoffee.com>

Outbound $name.
EOF
		total=$((total + 1))
	done
done

# Sendmail's queues empty: every message delivered (smtp-sink has written
# what it received before it answers the end of data).
all_delivered()
{
	local c
	for c in $configs; do
		[ "$(sendmail_queued "$c")" -eq 0 ] || return 1
	done
}
assert "Sendmail delivered all $total messages within 30 s" \
    e2e_wait_for 30 all_delivered

# ---- what arrived ----

# The dumps of the message with Message-ID ID, one per line: Sendmail
# delivers a message in one transaction per mailer (the mailertable's
# smtp, SMART_HOST's relay).  False when there is none.
dumps_of()
{
	grep -lF -- "Message-ID: <$1>" "$E2E_TMP"/sink/msg.* 2>/dev/null
}

# The envelope recipients in the dumps FILE..., sorted, one per line.
rcpts_of()
{
	local f
	for f in "$@"; do
		e2e_sink_rcpts "$f"
	done | sort
}

# header FILE NAME -- the fields NAME of dump FILE, in order.
header()
{
	e2e_sink_headers "$1" | awk -v n="$2" '
		tolower($0) ~ "^" tolower(n) ":" { on = 1; print; next }
		/^[ \t]/ && on { print; next }
		{ on = 0 }'
}

# Print the words of a parameter list sorted, SIZE= and BODY= left out.
params()
{
	tr ' ' '\n' <<<"$1" | grep -v -e '^$' -e '^SIZE=' -e '^BODY=' | sort |
	    tr '\n' ' ' | sed 's/ $//'
}

# check_inbound CONFIG NAME ROW... -- the envelope and headers of message
# NAME against its table.
check_inbound()
{
	local c=$1 name=$2 d row rcpt want got orig addr args about traces=""
	local -a ds
	shift 2
	mapfile -t ds < <(dumps_of "sm-$c-$name@example.org")
	if [ "${#ds[@]}" -eq 0 ]; then
		assert "$c/$name: delivered to smtp-sink" false
		return
	fi
	for row in "$@"; do
		IFS='|' read -r rcpt _ want about <<<"$row"
		orig=${rcpt%%>*}
		orig=${orig#<}
		orig=${orig#@*:}	# a source route is dropped
		if [ "$want" = - ]; then
			assert "$c/$name: $orig ($about) never arrives" \
			    test -z "$(rcpts_of "${ds[@]}" | grep -Fix "<$orig>")"
			continue
		fi
		addr=${want%% *}
		args=""
		[ "$addr" = "$want" ] || args=${want#* }
		got=$(sendmail_sink_rcpt_args "$addr" "${ds[@]}")
		assert "$c/$name: $orig ($about) arrives as <$addr>, once" \
		    test "$(rcpts_of "${ds[@]}" | grep -Fxc "<$addr>")" -eq 1
		assert "$c/$name: <$addr> parameters: ${args:-none}" \
		    e2e_same "$(params "$got")" "$(params "$args")"
		assert "$c/$name: <$addr> one ORCPT at most" \
		    test "$(grep -o 'ORCPT=' <<<"$got" | wc -l)" -le 1
		if [ "${addr,,}" != "${orig,,}" ]; then
			assert "$c/$name: original <$orig> never arrives" \
			    test -z "$(rcpts_of "${ds[@]}" | grep -Fix "<$orig>")"
			traces="$traces${traces:+$'\n'}X-Mailswitch: rcpt=<$orig> -> <$addr>"
		fi
	done
	for d in "${ds[@]}"; do
		assert "$c/$name: one X-Mailswitch header per rewritten recipient ($(basename "$d"))" \
		    e2e_same "$(header "$d" X-Mailswitch | sort)" \
		    "$(sort <<<"$traces")"
		assert "$c/$name: body intact ($(basename "$d"))" \
		    e2e_file_has "$d" "Hello through the mail switch."
	done
}

# check_outbound CONFIG ROW
check_outbound()
{
	local c=$1 row=$2 name kind from rcpt want_from want_hdr about d got
	local -a ds
	IFS='|' read -r name kind from rcpt want_from want_hdr about <<<"$row"
	mapfile -t ds < <(dumps_of "sm-$c-$name@fourthcoffee.com")
	if [ "${#ds[@]}" -ne 1 ]; then
		assert "$c/$name: delivered once to smtp-sink (${#ds[@]})" false
		return
	fi
	d=${ds[0]}
	got=$(sed -n 's/^X-Mail-Args: *//p' "$d")
	assert "$c/$name ($about): MAIL FROM $want_from" \
	    e2e_same "$(params "$got")" "$(params "$want_from")"
	assert "$c/$name: no empty ESMTP parameter (AUTH=)" \
	    test -z "$(tr ' ' '\n' <<<"$got" | grep -E '^[A-Za-z-]+=$')"
	assert "$c/$name: From: $want_hdr" \
	    e2e_same "$(header "$d" From)" "From: $want_hdr"
	assert "$c/$name: recipient <$rcpt> untouched" \
	    e2e_same "$(e2e_sink_rcpts "$d")" "<$rcpt>"
}

# check_logs CONFIG -- mailswitch's lines carry Sendmail's queue ids;
# Sendmail's own maillog.
check_logs()
{
	local c=$1 q log=$E2E_TMP/mailswitch.log m
	q=${QID[$c/in]}
	assert "$c: mailswitch log: $q: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact" \
	    e2e_wait_for 5 grep -qF \
	    "$q: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact" "$log"
	assert "$c: mailswitch log: $q: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1" \
	    e2e_file_has "$log" "$q: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1"
	q=${QID[$c/o1]}
	assert "$c: mailswitch log: $q: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" \
	    e2e_file_has "$log" "$q: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound"
	for m in o3 o4; do
		q=${QID[$c/$m]}
		assert "$c: mailswitch log: no outbound rewrite for $q ($m)" \
		    test -z "$(grep -F "$q: from=" "$log" | grep -F -- '->')"
	done
	q=${QID[$c/in]}
	assert "$c: Sendmail: $q to <bob@fourthcoffee.com> by the mailertable (mailer=smtp)" \
	    e2e_wait_for 5 sendmail_sent "$c" "$q" bob@fourthcoffee.com smtp
	assert "$c: Sendmail: $q to <dan.park@contoso.com> by SMART_HOST (mailer=relay)" \
	    sendmail_sent "$c" "$q" dan.park@contoso.com relay
	assert "$c: Sendmail logged no milter error" \
	    test -z "$(sendmail_maillog "$c" | grep -iE 'milter.*(error|fail|abort)|reject=4')"
}

for c in $configs; do
	check_inbound "$c" in "${INBOUND[@]}"
	check_inbound "$c" dsn "${DSN[@]}"
	check_inbound "$c" odd "${ODD[@]}"
	for row in "${OUTBOUND[@]}"; do
		check_outbound "$c" "$row"
	done
	check_logs "$c"
done
assert "mailswitch log: no NOQUEUE line (Sendmail's {i} everywhere)" \
    test -z "$(grep -F NOQUEUE "$E2E_TMP/mailswitch.log")"
assert "mailswitch stopped without a sanitizer report" e2e_mailswitch_sane

if ! assert_summary; then
	sendmail_show_logs
	exit 1
fi
