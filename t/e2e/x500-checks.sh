# t/e2e/x500-checks.sh -- replies to old Exchange addresses (SPEC section
# 11) end to end through the private Postfix, in milter or socketmap mode.
# Sourced by test-x500.sh (ldif back-end) and test-x500-ldap.sh (slapd,
# with and without the replica), after t/e2e/lib.sh.
#
#	x500_ldif_entries OBJECTCLASS...  the entries to add to the example
#	                                  directory (etc/contacts.ldif or
#	                                  contrib/ldap/contacts.ldif): two
#	                                  contacts whose X500: values are long
#	x500_run MODE BINARY CONF         starts smtp-sink(s), mailswitch
#	                                  (BINARY, CONF) and Postfix in MODE
#	                                  (milter or socketmap), waits for a
#	                                  replica's first load when CONF has
#	                                  one, runs the checks below and stops
#	                                  them again (the logs kept aside as
#	                                  *-MODE-N)
#
# The checks, each recipient given as Outlook's reply gives it:
#   1. IMCEAEX- of a contact (SPEC section 11's example, Bob Lee) with the
#      contact's own address in the same message: arrives at the contact's
#      target, once (milter mode; Postfix's virtual alias expansion keeps
#      two original recipients apart, so socketmap mode sends the IMCEAEX
#      one alone: it arrives at the target, once, and nowhere else);
#   2. one of a mailbox user (Dan Park): arrives at his primary address;
#   3. unknown ones get the domain's usual answer: 550 5.1.1 at RCPT in an
#      authoritative domain, forwarded to forward_to in contoso.com;
#   4. long ones: a local part of 800 octets, and one of 1997 (the whole
#      RCPT command 2020 octets, under Postfix's line_length_limit of
#      2048): found and rewritten (in socketmap mode the 1997-octet one
#      then goes on with an ORCPT parameter too long for the smtp-sink:
#      Postfix's delivery attempt is checked); unknown, refused naming it (in milter
#      mode its first 200 octets: libmilter takes at most 980 octets of
#      reply text; in socketmap mode Postfix writes the reply, whole), and
#      logged whole;
#   5. mailswitch's log line names both addresses; Postfix logged no
#      warning about them.

X5_BOB='IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB@contoso.com'
X5_DAN='IMCEAEX-_O=CONTOSO_OU=FIRST+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=DPARK@contoso.com'
X5_NOBODY_SALES='IMCEAEX-_O=CONTOSO_CN=RECIPIENTS_CN=NOBODY@sales.contoso.com'
X5_NOBODY='IMCEAEX-_O=CONTOSO_CN=RECIPIENTS_CN=NOBODY@contoso.com'

# The long DNs: "Longname " 66 times (643 octets in all), and 495 "a"
# one space apart (999 octets: Active Directory holds 1123 a value).
X5_LONG_DN="/o=Fourth Coffee Holdings/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=$(printf 'Longname %.0s' $(seq 1 60))Longname"
X5_LONGEST_DN="/o=FC/cn=$(printf 'a %.0s' $(seq 1 494))a"

# x500_encode DN -- the local part Exchange makes of DN ("IMCEAEX-" and
# DN with '/' as '_' and the octets that are no atext as +HH).
x500_encode()
{
	local dn=$1 out="IMCEAEX-" c i
	for ((i = 0; i < ${#dn}; i++)); do
		c=${dn:i:1}
		case $c in
		/) out+="_" ;;
		[A-Za-z0-9=.-]) out+=$c ;;
		*) out+=$(printf '+%02X' "'$c") ;;
		esac
	done
	printf '%s\n' "$out"
}

X5_LONG="$(x500_encode "$X5_LONG_DN")@contoso.com"
X5_LONGEST="$(x500_encode "$X5_LONGEST_DN")@contoso.com"
X5_LONGEST_UNKNOWN="${X5_LONGEST%%a@contoso.com}b@sales.contoso.com"

# x500_ldif_entries OBJECTCLASS... -- the two long contacts as LDIF.
x500_ldif_entries()
{
	local oc
	for who in "Long Name|longname|$X5_LONG_DN" "Longest|longest|$X5_LONGEST_DN"; do
		IFS='|' read -r cn mail dn <<<"$who"
		printf '\ndn: cn=%s,ou=contacts,dc=contoso,dc=com\n' "$cn"
		for oc in "$@"; do
			printf 'objectClass: %s\n' "$oc"
		done
		printf 'cn: %s\nsn: %s\n' "$cn" "$cn"
		printf 'proxyAddresses: SMTP:%s@contoso.com\n' "$mail"
		printf 'proxyAddresses: X500:%s\n' "$dn"
		printf 'targetAddress: SMTP:%s@fourthcoffee.com\n' "$mail"
	done
}

# x500_send NAME RCPT... -- one message from an outside client to the
# RCPTs, each answered 250; sets X5_QID.
x500_send()
{
	local name=$1 r
	shift
	smtp_open
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "XCLIENT ADDR=203.0.113.7 NAME=[UNAVAILABLE]"
	smtp_cmd "EHLO client.example.net"
	smtp_cmd "MAIL FROM:<someone@example.org>"
	assert "$name: MAIL FROM 250" e2e_reply_starts "250"
	for r in "$@"; do
		smtp_cmd "RCPT TO:<$r>"
		assert "$name: RCPT TO:<${r:0:60}...> 250" e2e_reply_starts "250"
	done
	smtp_cmd "DATA"
	assert "$name: DATA 354" e2e_reply_starts "354"
	smtp_data_body <<-EOF
	From: Someone <someone@example.org>
	To: Bob Lee <bob@contoso.com>
	Subject: RE: old Exchange address
	Message-ID: <x500-$name@example.org>

	A reply from Outlook's remembered recipients.
	EOF
	smtp_end_queued "$name: end of data 250"
	X5_QID=$SMTP_QID
}

# x500_refused RCPT REPLY -- RCPT TO:<RCPT> is answered exactly REPLY.
x500_refused()
{
	smtp_rcpt_from 203.0.113.7 "$1"
	assert "RCPT TO:<${1:0:60}...> refused: ${2:0:9} and the address whole" \
	    e2e_same "$RCPT_REPLY" "$2"
}

# x500_rcpts NAME -- the envelope recipients of the dump(s) of message
# NAME, one a line, sorted.
x500_rcpts()
{
	local d
	for d in $(grep -lF "Message-ID: <x500-$1@example.org>" \
	    "$E2E_TMP"/sink/msg.* 2>/dev/null); do
		e2e_sink_rcpts "$d"
	done | sort
}

# x500_wait NAME N -- wait (at most 20 s) for N envelope recipients of NAME.
x500_wait()
{
	local i
	for i in $(seq 1 200); do
		[ "$(x500_rcpts "$1" | grep -c .)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# x500_logged TEXT -- mailswitch's log has a line with TEXT (within 5 s).
x500_logged()
{
	e2e_wait_for 5 grep -qF -- "$1" "$E2E_TMP/mailswitch.log"
}

x500_checks()
{
	local mode=$1 prefix bob_rcpts

	echo "== x500 ($mode) 1. a contact's old Exchange address"
	if [ "$mode" = milter ]; then
		x500_send "$mode-bob" "$X5_BOB" "bob@contoso.com"
		prefix="$X5_QID: "
	else
		x500_send "$mode-bob" "$X5_BOB"
		prefix="socketmap: "
	fi
	x500_wait "$mode-bob" 1 || true
	sleep 1		# a second copy would come now
	bob_rcpts=$(x500_rcpts "$mode-bob")
	assert "1: delivered to bob@fourthcoffee.com, once, nowhere else" \
	    e2e_same "$bob_rcpts" "<bob@fourthcoffee.com>"
	assert "1: log: ${prefix}rcpt=<IMCEAEX-...> -> <bob@fourthcoffee.com> x500-contact" \
	    x500_logged "${prefix}rcpt=<$X5_BOB> -> <bob@fourthcoffee.com> x500-contact"
	if [ "$mode" = milter ]; then
		assert "1: the trace header names both addresses" \
		    e2e_file_has "$(grep -lF "Message-ID: <x500-$mode-bob@" \
		    "$E2E_TMP"/sink/msg.* | head -n 1)" \
		    "X-Mailswitch: rcpt=<$X5_BOB> -> <bob@fourthcoffee.com>"
	fi

	echo "== x500 ($mode) 2. a mailbox user's, 3. unknown ones"
	x500_send "$mode-dan" "$X5_DAN" "$X5_NOBODY"
	assert "2, 3: Dan's at dan@contoso.com, the unknown one forwarded" \
	    x500_wait "$mode-dan" 2
	assert "2, 3: exactly those two recipients" e2e_same \
	    "$(x500_rcpts "$mode-dan")" "$(printf '%s\n' \
	    "<IMCEAEX-_O=CONTOSO_CN=RECIPIENTS_CN=NOBODY@legacy.contoso.com>" \
	    "<dan@contoso.com>" | sort)"
	assert "2: log: rcpt=<IMCEAEX-...DPARK@contoso.com> -> <dan@contoso.com> x500-mailbox" \
	    x500_logged "rcpt=<$X5_DAN> -> <dan@contoso.com> x500-mailbox"
	x500_refused "$X5_NOBODY_SALES" "550 5.1.1 <$X5_NOBODY_SALES>: Recipient address rejected: User unknown"

	echo "== x500 ($mode) 4. long local parts (800 and 1997 octets)"
	if [ "$mode" = milter ]; then
		x500_send "$mode-long" "$X5_LONG" "$X5_LONGEST"
		assert "4: both long ones at their contacts' targets" \
		    x500_wait "$mode-long" 2
		assert "4: exactly longname@ and longest@fourthcoffee.com" \
		    e2e_same "$(x500_rcpts "$mode-long")" "$(printf '%s\n' \
		    "<longest@fourthcoffee.com>" "<longname@fourthcoffee.com>")"
	else
		x500_send "$mode-long" "$X5_LONG"
		assert "4: the 800-octet one at longname@fourthcoffee.com" \
		    x500_wait "$mode-long" 1
		assert "4: exactly longname@fourthcoffee.com" e2e_same \
		    "$(x500_rcpts "$mode-long")" "<longname@fourthcoffee.com>"
		# Postfix rewrites the 2009-octet one too, but passes it on as
		# ORCPT=rfc822;<it, as xtext>: a RCPT command of over 3000
		# octets, which a next hop with a 2048-octet line limit (smtp-sink,
		# Postfix's smtpd) refuses (README, Known limits)
		x500_send "$mode-longest" "$X5_LONGEST"
		assert "4: Postfix delivers the 2009-octet one to longest@fourthcoffee.com" \
		    e2e_wait_for 10 grep -qF \
		    "$X5_QID: to=<longest@fourthcoffee.com>, orig_to=<IMCEAEX-_o=FC_cn=a+20a+20" \
		    "$E2E_TMP/postfix/maillog"
	fi
	assert "4: log names the 2009-octet address whole" \
	    x500_logged "rcpt=<$X5_LONGEST> -> <longest@fourthcoffee.com> x500-contact"
	if [ "$mode" = milter ]; then
		# libmilter takes at most 980 octets of reply text
		x500_refused "$X5_LONGEST_UNKNOWN" "550 5.1.1 <${X5_LONGEST_UNKNOWN:0:200}...>: Recipient address rejected: User unknown"
	else
		x500_refused "$X5_LONGEST_UNKNOWN" "550 5.1.1 <$X5_LONGEST_UNKNOWN>: Recipient address rejected: User unknown"
	fi
	# (Postfix asks its access maps in lower case)
	assert "4: log: the refusal names the address whole" x500_logged \
	    "reject rcpt=<$([ "$mode" = milter ] && echo "$X5_LONGEST_UNKNOWN" ||
	    echo "${X5_LONGEST_UNKNOWN,,}")> 550 5.1.1 user unknown"

	echo "== x500 ($mode) 5. Postfix's view"
	assert "5: Postfix logged no warning" \
	    test -z "$(grep -i 'warning' "$E2E_TMP/postfix/maillog")"
	assert "5: nothing went to an IMCEAEX address of a configured domain" \
	    test -z "$(grep -h '^X-Rcpt-Args: <IMCEAEX-' "$E2E_TMP"/sink/msg.* |
	    grep -v '@legacy\.contoso\.com>')"
}

X5_RUNS=0

x500_run()
{
	local mode=$1 bin=$2 conf=$3
	X5_RUNS=$((X5_RUNS + 1))
	echo "== x500: $mode mode, $(basename "$conf")"
	e2e_sink_clear
	: >"$E2E_TMP/mailswitch.log"
	if [ "$mode" = milter ]; then
		e2e_sink_start
		e2e_mailswitch_start "$bin" "$conf"
	else
		e2e_socketmap_conf "$conf" "$E2E_TMP/x500-socketmap.conf"
		e2e_sink_start
		e2e_sink_start internet
		e2e_mailswitch_start_socketmap "$bin" "$E2E_TMP/x500-socketmap.conf"
	fi
	if grep -q 'enabled = true' "$conf"; then
		assert "the replica's first load (within 20 s)" \
		    e2e_wait_for 20 grep -q 'replica: full sync ok' \
		    "$E2E_TMP/mailswitch.log"
	fi
	if [ "$mode" = milter ]; then
		e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
	else
		e2e_postfix_start_socketmap
	fi
	x500_checks "$mode"
	assert "mailswitch ($mode) stopped without a sanitizer report" \
	    e2e_mailswitch_sane
	e2e_postfix_stop || true
	e2e_sink_stop || true
	mv "$E2E_TMP/mailswitch.log" "$E2E_TMP/mailswitch-$mode-$X5_RUNS.log"
	mv "$E2E_TMP/postfix" "$E2E_TMP/postfix-$mode-$X5_RUNS"
	E2E_POSTFIX_DIR=""
}

# x500_show_logs -- the end of each run's logs (after a failure).
x500_show_logs()
{
	local f
	e2e_show_logs
	for f in "$E2E_TMP"/mailswitch-*.log "$E2E_TMP"/postfix-*/maillog; do
		[ -s "$f" ] || continue
		echo "--- $f" >&2
		tail -n 30 "$f" | cut -c1-400 >&2
	done
}
