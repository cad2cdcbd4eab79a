# t/lib/mailswitch.sh -- the daemon under test, started in the foreground
# as nobody (logging to $E2E_TMP/mailswitch.log) and stopped by its PID:
# the milter on inet:$E2E_MILTER_PORT@127.0.0.1, or the socketmap front end
# on $E2E_SOCKETMAP_PORT with a configuration made for it.
#
#	mailswitch_binary "$@"           # the test's argument, as $bin
#	e2e_mailswitch_start BIN CONF [OPTION...]
#	e2e_socketmap_conf IN OUT [MILTER]; e2e_mailswitch_start_socketmap BIN OUT
#	e2e_mailswitch_stop
#	e2e_mailswitch_sane              # stop; no sanitizer report in its log
#
# Sourced by t/e2e/lib.sh, whose frame it uses ($E2E_TMP, the ports,
# e2e_die, e2e_wait_port).  The functions keep the e2e_mailswitch_ prefix
# they had there: some 30 tests and contrib/bench call them by that name.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
E2E_MAILSWITCH_PID=${E2E_MAILSWITCH_PID:-}

# mailswitch_binary "$@" -- take the test's one argument,
# MAILSWITCH_BINARY, as an absolute path in $bin (usage and exit 64
# otherwise).
mailswitch_binary()
{
	if [ $# -ne 1 ]; then
		echo "usage: $0 MAILSWITCH_BINARY" >&2
		exit 64
	fi
	bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
}

# mailswitch_conf_subsidiary FILE: write FILE, t/milter/mailswitch-test.conf
# with its LDIF path made absolute (etc/contacts.ldif) and
# outbound.daemons = [ "subsidiary" ] (the {daemon_name} of the private
# Postfix's or Sendmail's second SMTP service).  Uses $E2E_TOP and
# e2e_die of t/e2e/lib.sh.
mailswitch_conf_subsidiary()
{
	local conf=$1
	sed -e "s|\"\\.\\./\\.\\./etc/contacts.ldif\"|\"$E2E_TOP/etc/contacts.ldif\"|" \
	    -e 's|^\( *daemons *=\).*|\1 [ "subsidiary" ];|' \
	    "$E2E_TOP/t/milter/mailswitch-test.conf" >"$conf"
	grep -q '"subsidiary"' "$conf" || e2e_die "cannot set outbound.daemons"
	grep -qF "$E2E_TOP/etc/contacts.ldif" "$conf" ||
	    e2e_die "cannot set the LDIF path"
}

# mailswitch_conf_ldap BASE URIS [KEY=VALUE...]: print the common head of
# a test configuration on the ldap back-end (t/lib/slapd.sh's and
# t/lib/samba.sh's): the milter on inet:8895@127.0.0.1 (a test passes -p),
# user nobody, log_level debug, on_directory_error tempfail; the directory
# on URIS (a list body: '"ldap://..." , "ldaps://..."') with BASE, scope
# sub, the KEY=VALUE pairs of the ldap group written as given, no cache;
# then "domains = (" with contoso.com (internal relay, forward_to
# legacy.contoso.com) and sales.contoso.com (authoritative, canonicalize):
# the caller adds the rest of the list and closes it.
mailswitch_conf_ldap()
{
	local base=$1 uris=$2 kv
	shift 2
	echo "socket = \"inet:8895@127.0.0.1\";"
	echo "user = \"nobody\";"
	echo "log_level = \"debug\";"
	echo "on_directory_error = \"tempfail\";"
	echo "directory = {"
	echo "  backend = \"ldap\";"
	echo "  ldap = {"
	echo "    uri = [ $uris ];"
	echo "    base = \"$base\";"
	echo "    scope = \"sub\";"
	for kv in "$@"; do
		echo "    ${kv%%=*} = ${kv#*=};"
	done
	echo "  };"
	echo "  cache = { entries = 0; };"
	echo "};"
	echo "domains = ("
	echo "  { name = \"contoso.com\"; authority = \"internal_relay\"; forward_to = \"legacy.contoso.com\"; },"
	echo "  { name = \"sales.contoso.com\"; authority = \"authoritative\"; canonicalize = true; },"
}

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
