#!/usr/bin/env bash
# t/cli/test-cli.sh MAILSWITCH_BINARY -- the command line of SPEC section 3:
# -n, -q, -Q, -V, -h and usage errors, each row an invocation with the exit
# status and the output it must give.
set -u
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=t/lib/process.sh
. "$top/t/lib/process.sh"
# shellcheck source=t/lib/assert.sh
. "$top/t/lib/assert.sh"
conf=$top/etc/mailswitch.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# row WANT_STATUS WANT_STDOUT_REGEX WANT_STDERR_REGEX ARGS...: one check,
# "mailswitch ARGS" with that status and output.
row() {
    local want=$1 out_re=$2 err_re=$3; shift 3
    local got out err
    timeout 10 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    out=$(cat "$tmp/out") err=$(cat "$tmp/err")
    if [ "$got" = "$want" ] && [[ $out =~ $out_re ]] && [[ $err =~ $err_re ]]; then
        assert_pass "mailswitch $*"
    else
        assert_fail "mailswitch $*"
        echo "  got status $got, stdout [$out], stderr [$err]"
        echo "  want status $want, stdout =~ [$out_re], stderr =~ [$err_re]"
    fi
}

# configurations broken in known places
printf 'socket = "unix:/tmp/x";\nmax_hops = 0;\n' >"$tmp/range.conf"
printf 'log_level = "info";\nbogus_key = 1;\n' >"$tmp/unknown.conf"
printf 'domains = (\n  { name = "a.example"; authority = "authoritative"; },\n  { name = "A.example"; authority = "internal_relay"; }\n);\n' >"$tmp/dup.conf"
printf 'trace_header = "X-Mailswitch"\nmax_hops = ;\n' >"$tmp/syntax.conf"
printf 'directory = { backend = "ldif"; ldif = { path = "missing.ldif"; }; };\n' >"$tmp/noldif.conf"
printf 'version: 1\n\ndn: cn=x,dc=example\nproxyAddresses: SMTP:not an address\n' >"$tmp/bad.ldif"
printf 'directory = { backend = "ldif"; ldif = { path = "bad.ldif"; }; };\n' >"$tmp/badldif.conf"

# paths that are not regular files: refused, never a hang (`timeout` in
# row() turns a hang into status 124)
mkfifo "$tmp/fifo"
printf 'directory = {\n  backend = "ldif";\n  ldif = { path = "fifo"; };\n};\n' >"$tmp/fifoldif.conf"
printf 'directory = { backend = "ldif"; ldif = { path = "/dev/zero"; }; };\n' >"$tmp/zeroldif.conf"
printf 'max_hops = 3;\n@include "fifo"\n' >"$tmp/fifoinc.conf"
printf 'version: 1\n\ninclude: file://%s/fifo\n' "$tmp" >"$tmp/inc.ldif"
printf 'directory = { backend = "ldif"; ldif = { path = "inc.ldif"; }; };\n' >"$tmp/incldif.conf"
printf 'version: 1\n\ndn: cn=x,dc=x\ndescription:< file://%s/fifo\n' "$tmp" >"$tmp/url.ldif"
printf 'directory = { backend = "ldif"; ldif = { path = "url.ldif"; }; };\n' >"$tmp/urlldif.conf"

# exports that crashed the LDIF loader or libldap (issue 15): each one is
# refused with FILE:LINE at -n and at start (-f), never a SIGSEGV
bad_exports=(
	"1|1\n"
	"1|1"
	"4|dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n7\n\n"
	"4|dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n3\ndn: cn=b,dc=x\n"
	"2|dn: cn=a,dc=x\n: x\n"
	"2|dn: cn=a,dc=x\n-\n"
	"3|dn: cn=a,dc=x\nchangetype: add\n: x\n"
	"3|dn: cn=a,dc=x\nchangetype: add\n-\n"
)
n=0
for r in "${bad_exports[@]}"; do
	n=$((n + 1))
	# shellcheck disable=SC2059  # the row is a printf format
	printf "${r#*|}" >"$tmp/crash$n.ldif"
	printf 'socket = "unix:%s/crash%d.sock";\ndirectory = { backend = "ldif"; ldif = { path = "crash%d.ldif"; }; };\n' \
	    "$tmp" "$n" "$n" >"$tmp/crash$n.conf"
done

# as root, -n checks that `user` exists
nobody=()
[ "$(id -u)" = 0 ] && nobody=(-u nobody)

# -n: 0 when good, 78 with FILE:LINE: message otherwise
row 0  '^$' '^$'                                    -c "$conf" "${nobody[@]}" -n
row 78 '^$' "^$tmp/range.conf:2: "                  -c "$tmp/range.conf" -n
row 78 '^$' "^$tmp/unknown.conf:2: .*bogus_key"     -c "$tmp/unknown.conf" -n
row 78 '^$' "^$tmp/dup.conf:3: duplicate domain"    -c "$tmp/dup.conf" -n
row 78 '^$' "^$tmp/syntax.conf:2: "                 -c "$tmp/syntax.conf" -n
row 78 '^$' "missing.ldif"                          -c "$tmp/noldif.conf" -n
row 78 '^$' "$tmp/bad.ldif:3: "                     -c "$tmp/badldif.conf" -n
row 78 '^$' "no-such.conf"                          -c "$tmp/no-such.conf" -n
row 78 '^$' "^$tmp/fifoldif.conf:3: 'directory.ldif.path' $tmp/fifo: a FIFO, not a regular file" \
                                                    -c "$tmp/fifoldif.conf" -n
row 78 '^$' "^$tmp/zeroldif.conf:1: .*/dev/zero: a character device, not a regular file" \
                                                    -c "$tmp/zeroldif.conf" -n
row 78 '^$' "^$tmp/fifoinc.conf:2: @include \"fifo\": .*a FIFO, not a regular file" \
                                                    -c "$tmp/fifoinc.conf" -n
row 78 '^$' "^$tmp/inc.ldif:3: include: file://$tmp/fifo: a FIFO, not a regular file" \
                                                    -c "$tmp/incldif.conf" -n
row 78 '^$' "^$tmp/url.ldif:4: description:< file://$tmp/fifo: a FIFO, not a regular file" \
                                                    -c "$tmp/urlldif.conf" -n
row 78 '^$' "^$tmp/fifo: cannot read: a FIFO, not a regular file" \
                                                    -c "$tmp/fifo" -n
row 78 '^$' "^/dev/zero: cannot read: a character device" -c /dev/zero -n
row 78 '^$' "^$tmp/fifoldif.conf:3: " -c "$tmp/fifoldif.conf" -q bob@contoso.com
n=0
for r in "${bad_exports[@]}"; do
	n=$((n + 1))
	row 78 '^$' "^$tmp/crash$n.ldif:${r%%|*}: "       -c "$tmp/crash$n.conf" -n
	row 78 '^$' "$tmp/crash$n.ldif:${r%%|*}: "        -c "$tmp/crash$n.conf" -f
done

# -q: the resulting address and 0; a reject's reply and 67
row 0  '^bob@fourthcoffee\.com$' '^$'               -c "$conf" -q bob@contoso.com
row 0  '^bob@fourthcoffee\.com$' '^$'               -c "$conf" -q '<BOB.LEE@contoso.com>'
row 0  '^Carol\.Diaz@sales\.contoso\.com$' '^$'     -c "$conf" -q carol@sales.contoso.com
row 0  '^dan\.park@contoso\.com$' '^$'              -c "$conf" -q dan.park@contoso.com
row 0  '^someone@example\.org$' '^$'                -c "$conf" -q someone@example.org
row 0  '^nobody@legacy\.contoso\.com$' '^$'         -c "$conf" -q nobody@contoso.com
row 0  '^bob@fourthcoffee\.com$' 'contact'          -c "$conf" -v -q bob@contoso.com
row 67 '^550 5\.1\.1 <nobody@sales\.contoso\.com>: Recipient address rejected: User unknown$' '^$' \
                                                    -c "$conf" -q nobody@sales.contoso.com
row 67 '^554 5\.4\.6 <loop1@contoso\.com>: Routing loop detected$' '^$' \
                                                    -c "$conf" -q loop1@contoso.com
row 67 '^550 5\.1\.4 <shared@contoso\.com>: Recipient address rejected: ambiguous$' '^$' \
                                                    -c "$conf" -q shared@contoso.com
row 67 '^501 5\.1\.3 Bad recipient address syntax$' '^$' \
                                                    -c "$conf" -q 'a b@contoso.com'
row 0  '^postmaster$' '^$'                          -c "$conf" -q postmaster
row 0  '^<postmaster>$|^postmaster$' '^$'           -c "$conf" -q '<postmaster>'
row 0  '^PostMaster$' 'postmaster'                  -c "$conf" -v -q '<PostMaster>'
row 0  '^postmaster@legacy\.contoso\.com$' '^$'      -c "$conf" -q postmaster@contoso.com
row 67 '^501 5\.1\.3 Bad recipient address syntax$' '^$' -c "$conf" -q '<postmasters>'
row 78 '^$' "range.conf:2: "                        -c "$tmp/range.conf" -q bob@contoso.com

# -Q: the outbound sender
row 0  '^bob@contoso\.com$' '^$'                    -c "$conf" -Q bob@fourthcoffee.com
row 0  '^x@contoso\.com$' '^$'                      -c "$conf" -Q x@mail.fourthcoffee.com
row 0  '^bob@contoso\.com$' '^$'                    -c "$conf" -Q bob@fourthcoffee.com -a 192.0.2.25
row 0  '^bob@fourthcoffee\.com$' '^$'               -c "$conf" -Q bob@fourthcoffee.com -a 198.51.100.1
row 0  '^<>$' '^$'                                  -c "$conf" -Q '<>'
# an address that does not parse is printed as given, untouched
row 0  '^a b@fourthcoffee\.com$' 'syntax'           -c "$conf" -Q 'a b@fourthcoffee.com'
row 0  '^<bob@fourthcoffee\.com$' 'syntax'          -c "$conf" -Q '<bob@fourthcoffee.com'
row 0  '^postmaster$' '^$'                          -c "$conf" -Q postmaster

# -A: the audit (SPEC section 11; its findings: t/cli/test-audit.sh):
# 1 with findings (the example has a loop and an ambiguous address), 0
# with none but unconfigured ones, 78 for a bad configuration or an export
# that cannot be read at all; a broken record is a finding, never a crash
printf 'version: 1\n\ndn: cn=a,dc=x\nproxyAddresses: SMTP:a@contoso.com\n' >"$tmp/clean.ldif"
printf 'dn: cn=b,dc=x\nproxyAddresses: SMTP:b@elsewhere.example\n' >"$tmp/info.ldif"
printf 'directory = { backend = "ldif"; ldif = { path = "clean.ldif"; }; };\ndomains = ( { name = "contoso.com"; authority = "authoritative"; } );\n' >"$tmp/clean.conf"
printf 'directory = { backend = "ldif"; ldif = { path = "info.ldif"; }; };\n' >"$tmp/info.conf"
row 1  '^ambiguous	shared@contoso\.com	held by 2 entries' \
    'audit of 16 entries .*: 2 ambiguous, 3 loop, 0 unroutable, 0 collision, 0 malformed, 1 unconfigured$' \
                                                    -c "$conf" -A
row 0  '^$' 'audit of 1 entries .*: 0 ambiguous, .* 0 unconfigured$' -c "$tmp/clean.conf" -A
row 0  '^unconfigured	b@elsewhere\.example	' ': .* 1 unconfigured$' -c "$tmp/info.conf" -A
row 1  '^malformed	SMTP:not an address	' '1 malformed' -c "$tmp/badldif.conf" -A
row 78 '^$' "^$tmp/syntax.conf:2: "                 -c "$tmp/syntax.conf" -A
row 78 '^$' "missing.ldif: cannot open"              -c "$tmp/noldif.conf" -A
row 78 '^$' "^$tmp/fifoldif.conf:3: 'directory.ldif.path'" -c "$tmp/fifoldif.conf" -A
row 78 '^$' "^$tmp/inc.ldif:3: include: file://$tmp/fifo: a FIFO" -c "$tmp/incldif.conf" -A
n=0
for r in "${bad_exports[@]}"; do
	n=$((n + 1))
	if [ "$n" -le 4 ]; then	# an old-style index line: unreadable
		row 78 '^$' "^$tmp/crash$n.ldif:${r%%|*}: a record begins with a digit" \
		    -c "$tmp/crash$n.conf" -A
	else			# a record libldap would crash on: a finding
		row 1 "^malformed	-	$tmp/crash$n.ldif:${r%%|*}: " '1 malformed' \
		    -c "$tmp/crash$n.conf" -A
	fi
done
row 64 '^$' 'usage: mailswitch'                     -c "$conf" -A -n
row 64 '^$' 'usage: mailswitch'                     -c "$conf" -A -q bob@contoso.com

# version, usage and usage errors (64)
row 0  '^mailswitch [0-9]+\.[0-9]+' '^$'            -V
row 0  '^usage: mailswitch' '^$'                    -h
row 64 '^$' 'usage: mailswitch'                     -x
row 64 '^$' 'usage: mailswitch'                     -c "$conf" -n -q bob@contoso.com
row 64 '^$' 'usage: mailswitch'                     -c "$conf" -q a@b -q c@d
row 64 '^$' 'usage: mailswitch'                     -c "$conf" -q bob@contoso.com -a 192.0.2.1
row 64 '^$' 'usage: mailswitch'                     -c "$conf" extra-argument
# -a must be an IPv4 or IPv6 address
row 64 '^$' "-a 'garbage': not an IPv4 or IPv6 address" -c "$conf" -Q bob@fourthcoffee.com -a garbage
row 64 '^$' "-a '192.0.2.256'"                      -c "$conf" -Q bob@fourthcoffee.com -a 192.0.2.256
row 64 '^$' "-a ''"                                 -c "$conf" -Q bob@fourthcoffee.com -a ''
row 0  '^bob@contoso\.com$' '^$'                    -c "$conf" -Q bob@fourthcoffee.com -a 2001:db8::25
# -p is checked exactly like the socket key, before anything else
row 64 '^$' "-p: bad socket 'inet:99999@127.0.0.1': the port must be 1..65535" \
                                                    -c "$conf" -p inet:99999@127.0.0.1 -n
row 64 '^$' "-p: bad socket 'tcp:25': must be unix:PATH" -c "$conf" -p tcp:25 -n
row 64 '^$' "-p: bad socket 'inet:0@127.0.0.1'"     -c "$conf" -p inet:0@127.0.0.1 -n
row 64 '^$' "-p: bad socket 'inet:25@'"             -c "$conf" -p inet:25@ -n
row 64 '^$' "-p: bad socket 'unix:'"                -c "$conf" -p unix: -f
row 0  '^$' '^$'                                    -c "$conf" "${nobody[@]}" -p inet:65535@127.0.0.1 -n
# -p "" turns the milter off: with no socketmap there is nothing to serve
row 78 '^$' "'socket' and 'socketmap' are both \"\"" -c "$conf" -p '' -n

# started as root with a user that does not exist: refuse to start (78);
# `timeout` bounds a daemon that would wrongly start
if [ "$(id -u)" = 0 ]; then
    row 78 '^$' "^$conf: no such user 'no-such-user-mailswitch'" \
        -c "$conf" -u no-such-user-mailswitch -n
    row 78 '^$' "no such user 'no-such-user-mailswitch'" \
        -c "$conf" -f -p "unix:$tmp/sock" -u no-such-user-mailswitch
    row 78 '^$' "no such user 'no-such-user-mailswitch'" \
        -c "$conf" -p "unix:$tmp/sock" -u no-such-user-mailswitch
fi

# without -f: detaches (the command returns 0), runs as -u, hands the unix
# socket to that user with mode 0660, writes the pidfile; SIGTERM stops it
# and removes the pidfile
if [ "$(id -u)" = 0 ]; then
    run=$tmp/run
    chmod 755 "$tmp"   # nobody must reach its run folder
    mkdir "$run" && chown nobody "$run"
    timeout 10 "$bin" -c "$conf" -p "unix:$run/sock" -P "$run/pid" -u nobody
    assert "daemon: the command returns 0 once detached" test $? = 0
    pid=$(cat "$run/pid" 2>/dev/null || echo none)
    assert "daemon: the pidfile names a running process" proc_alive "$pid"
    assert "daemon: the daemon runs as nobody" test "$(ps -o user= -p "$pid" 2>/dev/null)" = nobody
    assert "daemon: the socket belongs to nobody, mode 0660" \
        test "$(stat -c '%U %a' "$run/sock" 2>/dev/null)" = "nobody 660"
    kill -TERM "$pid" 2>/dev/null
    assert "daemon: SIGTERM stops it within 10 s" proc_gone "$pid" 100
    assert "daemon: the pidfile is removed at stop" test ! -e "$run/pid"
    kill -KILL "$pid" 2>/dev/null
fi

assert_summary
