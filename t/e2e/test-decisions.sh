#!/bin/bash
# t/e2e/test-decisions.sh -- one decision table through a private Postfix
# in each of the three modes: the milter, the socketmap, the lmdb tables.
#
#	test-decisions.sh MAILSWITCH_BINARY
#
# The addresses are the recipients of t/unit/check_resolve.c's table of
# the shipped example (etc/contacts.ldif, the domains of
# t/milter/mailswitch-test.conf), less those Postfix decides before any
# map or milter is asked (a bare <postmaster>, which Postfix completes
# with $myorigin, and the syntax errors, which smtpd refuses itself).
# What each must become is not written here: "mailswitch -q" (resolve.c,
# the decision every front end carries out) answers it once, and then
#
#   - a refusal must be refused at RCPT with the same reply code and
#     enhanced status code (the text differs: Postfix words an access(5)
#     refusal itself);
#   - any other must be accepted at RCPT, and its message delivered (the
#     smtp-sink) to exactly the address -q printed, once;
#
# in every mode: Postfix with the milter (e2e_postfix_start), with the
# socketmap server (e2e_postfix_start_socketmap), with the tables
# (e2e_postfix_start_tables: Postfix reads the lmdb tables mailswitch
# wrote).  mailswitch runs with the same configuration in all three, less
# the wildcard outbound rule, which the generic table cannot hold.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Needs root and
# Postfix's lmdb table (Debian: postfix-lmdb).
set -eu

. "$(dirname "$0")/lib.sh"
mailswitch_binary "$@"

addresses=(
	someone@example.org bob@contoso.com.example.org Bob@FourthCoffee.com
	postmaster@sales.contoso.com
	bob@contoso.com BOB@Contoso.COM bob.lee@contoso.com '"bob"@contoso.com'
	@relay.example,@mx.example:bob@contoso.com
	alice@contoso.com awong@contoso.com frank@sales.contoso.com
	zoe@contoso.com zm@contoso.com erin@contoso.com erin.old@contoso.com
	dan@contoso.com dan.park@contoso.com cdiaz@contoso.com
	carol@sales.contoso.com CAROL@SALES.CONTOSO.COM
	carol.diaz@sales.contoso.com g.ho@sales.contoso.com
	gina@sales.contoso.com
	nobody@sales.contoso.com Nobody@Sales.Contoso.com nobody@contoso.com
	No.Body+tag@contoso.com bob@legacy.contoso.com
	loop1@contoso.com loop2@contoso.com self@contoso.com
	shared@contoso.com
)

e2e_init postmap
tables=$E2E_TMP/tables
mkdir -p "$tables"
chown nobody "$tables"
# the test configuration, less the wildcard rule, with an absolute path
sed -e "s|path = \"../../etc/contacts.ldif\"|path = \"$E2E_TOP/etc/contacts.ldif\"|" \
    -e 's|^\(  rules = ( { from = "fourthcoffee.com"; to = "contoso.com"; }\),$|\1 );|' \
    -e '/from = "\*\.fourthcoffee\.com"/d' \
    "$E2E_TOP/t/milter/mailswitch-test.conf" >"$E2E_TMP/base.conf"
grep -q "path = \"$E2E_TOP/etc/contacts.ldif\"" "$E2E_TMP/base.conf" &&
    ! grep -q '\*\.fourthcoffee' "$E2E_TMP/base.conf" ||
    e2e_die "cannot derive the configuration from mailswitch-test.conf"
{
	echo "socket = \"\";"
	echo "socketmap = \"\";"
	echo "tables = { path = \"$tables\"; };"
	sed -e '/^[ \t]*socket[ \t]*=/d' "$E2E_TMP/base.conf"
} >"$E2E_TMP/tables.conf"
e2e_socketmap_conf "$E2E_TMP/base.conf" "$E2E_TMP/socketmap.conf"
for c in base tables socketmap; do
	"$bin" -c "$E2E_TMP/$c.conf" -n ||
	    e2e_die "the derived configuration $c.conf does not load"
done

# The table: WANT[i] is "reject CODE DSN" or "deliver ADDRESS".
declare -a WANT
for i in "${!addresses[@]}"; do
	set +e
	out=$("$bin" -c "$E2E_TMP/base.conf" -q "<${addresses[$i]}>" 2>&1)
	rc=$?
	set -e
	case $rc in
	0) WANT[$i]="deliver $out" ;;
	67) WANT[$i]="reject $(echo "$out" | cut -d' ' -f1-2)" ;;
	*) e2e_die "mailswitch -q ${addresses[$i]}: exit $rc: $out" ;;
	esac
done
n_reject=$(printf '%s\n' "${WANT[@]}" | grep -c '^reject' || true)
n_deliver=$(printf '%s\n' "${WANT[@]}" | grep -c '^deliver' || true)
echo "the table: ${#addresses[@]} addresses, $n_deliver delivered," \
    "$n_reject refused (mailswitch -q)"
# the table must hold each kind of decision, or it proves little
for want in "reject 550 5.1.1" "reject 554 5.4.6" "reject 550 5.1.4" \
    "deliver bob@fourthcoffee.com" "deliver Carol.Diaz@sales.contoso.com" \
    "deliver nobody@legacy.contoso.com" "deliver dan.park@contoso.com"; do
	printf '%s\n' "${WANT[@]}" | grep -qx "$want" ||
	    e2e_die "mailswitch -q answered no \"$want\""
done

# run_mode MODE: every address through the running Postfix
run_mode()
{
	local mode=$1 i addr want got id d
	local -a sent=()
	e2e_sink_clear
	for i in "${!addresses[@]}"; do
		addr=${addresses[$i]} want=${WANT[$i]}
		smtp_open
		smtp_cmd "EHLO client.example.net"
		smtp_cmd "MAIL FROM:<someone@example.org>"
		smtp_cmd "RCPT TO:<$addr>"
		got=$(echo "$SMTP_REPLY" | cut -d' ' -f1-2)
		case $want in
		reject*)
			assert "$mode: <$addr> refused ${want#reject }" \
			    e2e_same "reject $got" "$want"
			;;
		deliver*)
			id="decisions-$mode-$i@example.org"
			if e2e_same "$SMTP_CODE" 250; then
				smtp_cmd "DATA"
				printf 'Subject: %s\r\nMessage-ID: <%s>\r\n\r\nbody\r\n.\r\n' \
				    "$addr" "$id" >&5
				smtp_read
				case $SMTP_REPLY in
				"250 2.0.0 Ok: queued as"*) sent+=("$i") ;;
				*) assert "$mode: <$addr> queued" \
				    e2e_same "$SMTP_REPLY" "250 2.0.0 Ok: queued as ..." ;;
				esac
			else
				assert "$mode: <$addr> accepted at RCPT" false
			fi
			;;
		esac
		smtp_cmd "QUIT"
		smtp_close
	done
	assert "$mode: the ${#sent[@]} messages accepted arrived within 30 s" \
	    e2e_sink_wait "${#sent[@]}" 30
	for i in "${sent[@]}"; do
		addr=${addresses[$i]} want=${WANT[$i]#deliver }
		d=$(e2e_sink_find "Message-ID: <decisions-$mode-$i@example.org>")
		got=""
		[ -z "$d" ] || got=$(e2e_sink_rcpts "$d")
		assert "$mode: <$addr> delivered to <$want>" \
		    e2e_same "$got" "<$want>"
	done
	assert "$mode: no more messages than sent" \
	    test "$(e2e_sink_count)" -eq "${#sent[@]}"
}

# stop_mode: Postfix and mailswitch stopped, Postfix's files removed
stop_mode()
{
	e2e_postfix_stop
	assert "$1: mailswitch stopped without a sanitizer report" \
	    e2e_mailswitch_sane
	rm -rf "$E2E_TMP/postfix"
	E2E_POSTFIX_DIR=""
}

e2e_sink_start
e2e_sink_start internet

echo "== milter"
e2e_mailswitch_start "$bin" "$E2E_TMP/base.conf"
e2e_postfix_start "inet:127.0.0.1:$E2E_MILTER_PORT"
run_mode milter
stop_mode milter

echo "== socketmap"
e2e_mailswitch_start_socketmap "$bin" "$E2E_TMP/socketmap.conf"
e2e_postfix_start_socketmap
run_mode socketmap
stop_mode socketmap

echo "== tables"
: >"$E2E_TMP/mailswitch.log"
"$bin" -f -c "$E2E_TMP/tables.conf" -u nobody >>"$E2E_TMP/mailswitch.log" 2>&1 &
E2E_MAILSWITCH_PID=$!
e2e_wait_for 20 grep -q 'tables: full write ok' "$E2E_TMP/mailswitch.log" ||
    { cat "$E2E_TMP/mailswitch.log" >&2; e2e_die "no tables written"; }
e2e_postfix_start_tables "$tables"
run_mode tables
stop_mode tables

if ! assert_summary; then
	e2e_show_logs
	exit 1
fi
