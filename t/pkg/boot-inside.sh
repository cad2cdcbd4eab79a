#!/bin/bash
# t/pkg/boot-inside.sh -- runs INSIDE the Debian 12 that t/pkg/test-boot.sh
# boots (systemd as PID 1, a network namespace with only its own
# loopback), as root, from a oneshot unit after multi-user.target.  It
# plays a new mail administrator, with nothing but what README says:
#
#   1. Debian's Postfix as "Internet Site" (debconf, dpkg-reconfigure
#      after removing main.cf): smtpd chrooted, as Debian's master.cf has it.
#   2. apt-get install ./mailswitch_*.deb on the running system: the unit
#      active and enabled, as mailswitch, no capability, its sockets where
#      Postfix's chroot sees them, postfix in the mailswitch group;
#      systemd-analyze security <= 2.5; -n and -q.
#   3. milter mode: README's lines run as written.  Test devices, the only
#      ones: the transport table's Fourth Coffee server is an smtp-sink on
#      127.0.0.1:2526 (an administrator names his own), and Postfix lets
#      127.0.0.1 pose with XCLIENT as an Internet client, 203.0.113.7,
#      outside mynetworks.  A contact rewritten and delivered, 550 5.1.1 at
#      RCPT, the decision lines with queue ids in the journal; stop: 4xx,
#      nothing accepted; start; reload (SIGHUP: same PID, a changed LDIF
#      seen); a changed socket or metrics on reload: a warning, the old
#      socket stays; restart applies it.
#   4. socketmap mode: Postfix's configuration as Debian made it, then
#      README's socketmap lines; the same checks, and the outbound rewrite
#      on the "internet" transport (example.org goes to a second
#      smtp-sink, 127.0.0.1:2527, by a transport entry).
#   5. the dpkg trigger: Postfix "installed again" puts postfix back in the
#      mailswitch group.
#   6. apt-get purge: nothing of the package is left but the system user
#      (Debian's policy), compared with a list of every file taken before
#      the install.
#
# Writes "ok" / "not ok" lines to /root/boot-test/result.log and, last,
# "DONE N failed"; its own trace to inside.log; the journal to
# journal.txt.  Every command and wait is bounded; the smtp-sinks are
# stopped by their PIDs.
set -u
bt=/root/boot-test
result=$bt/result.log
exec >"$bt/inside.log" 2>&1
cd "$bt" || exit 1
# shellcheck source=t/pkg/postfix-lines.sh
. "$bt/postfix-lines.sh"

fails=0
sink_pids=""
SINK=2526	# "mail.fourthcoffee.com", the other organisation
INET=2527	# the Internet, for the socketmap mode's "internet" transport
MILTER_MARKER='# mailswitch in milter mode: contrib/postfix/main.cf'
SOCKETMAP_MARKER='# mailswitch in socketmap mode: contrib/postfix/main-socketmap.cf, master-socketmap.cf'

ok()  { echo "ok - $*" >>"$result"; echo "== ok - $*"; }
bad() { echo "not ok - $*" >>"$result"; echo "== NOT OK - $*"; fails=$((fails + 1)); }
# check DESCRIPTION COMMAND...: ok when the command succeeds.  A program
# runs under timeout (120 s); the functions below bound their own waits.
check()
{
	local d=$1 st
	shift
	echo "== check: $d: $*"
	if declare -F "$1" >/dev/null; then
		"$@"
	else
		timeout 120 "$@"
	fi
	st=$?
	if [ "$st" = 0 ]; then ok "$d"; else bad "$d (exit $st)"; fi
}

finish()
{
	local p
	for p in $sink_pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	timeout 60 journalctl -b --no-pager >"$bt/journal.txt" 2>&1
	echo "DONE $fails failed" >>"$result"
}
trap finish EXIT

# ---- helpers -----------------------------------------------------------------

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for()
{
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# journal_has TEXT: the unit's journal has a line with TEXT (fixed string).
journal_has()
{
	journalctl -u mailswitch --no-pager -o cat 2>/dev/null | grep -qF -- "$1"
}
journal_count()
{
	journalctl -u mailswitch --no-pager -o cat 2>/dev/null | grep -cF -- "$1"
}

main_pid() { systemctl show -p MainPID --value mailswitch; }

# send NAME RCPT [FROM [XCLIENT]]: one message through Postfix on
# 127.0.0.1:25, posing (XCLIENT) as the Internet client 203.0.113.7 unless
# XCLIENT is "no"; the transcript in $bt/NAME.swaks.  Returns swaks' status.
send()
{
	local name=$1 rcpt=$2 from=${3:-someone@example.org} x=${4:-yes}
	local args=(--server 127.0.0.1 --port 25 --timeout 30 --to "$rcpt"
	    --from "$from" --h-Subject "boot test $name" --body "boot test $name")
	[ "$x" = no ] || args+=(--xclient-addr 203.0.113.7 --xclient-name client.example.net)
	timeout 60 swaks "${args[@]}" >"$bt/$name.swaks" 2>&1
}
# The queue id Postfix gave the message of transcript NAME.
queue_id() { sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$bt/$1.swaks"; }
# reply_to NAME COMMAND: Postfix's reply to COMMAND (MAIL FROM, RCPT TO)
# in transcript NAME.
reply_to() { sed -n "/[-~]> $2/{n;s/^ *<[-*~]* *//p;q}" "$bt/$1.swaks"; }
rcpt_reply() { reply_to "$1" "RCPT TO"; }

# An smtp-sink on 127.0.0.1:PORT, as nobody, one file a message in
# /var/tmp/sink.PORT (/root is not nobody's).
sink_start()	# PORT
{
	mkdir -p "/var/tmp/sink.$1"
	chown nobody "/var/tmp/sink.$1"
	smtp-sink -u nobody -d "/var/tmp/sink.$1/msg." "127.0.0.1:$1" 64 \
	    >"$bt/sink.$1.log" 2>&1 &
	sink_pids="$sink_pids $!"
	wait_for 10 port_open "$1"
}
sink_count() { find "/var/tmp/sink.$1" -type f -name 'msg.*' | wc -l; }
# sink_msg PORT NAME: the message of send NAME the sink on PORT received
# (by its Subject); sink_got PORT NAME: until there is one (30 s).
sink_msg() { grep -lE "^Subject: boot test $2([[:space:]]|\$)" "/var/tmp/sink.$1"/msg.* 2>/dev/null | head -1; }
sink_has_msg() { [ -n "$(sink_msg "$1" "$2")" ]; }
sink_got() { wait_for 30 sink_has_msg "$1" "$2"; }
# sink_got_rcpt PORT NAME RCPT: it came, to RCPT alone.
sink_got_rcpt() { sink_got "$1" "$2" && [ "$(sink_rcpts "$(sink_msg "$1" "$2")")" = "$3" ]; }
# sink_rcpts FILE: its envelope recipients, one a line.
sink_rcpts() { sed -n 's/^X-Rcpt-Args: *<\([^>]*\)>.*/\1/p' "$1"; }
sink_sender() { sed -n 's/^X-Mail-Args: *<\([^>]*\)>.*/\1/p' "$1"; }
queue_size() { postqueue -j 2>/dev/null | wc -l; }

# stop_and_start MODE COMMAND REPLY: with mailswitch stopped, Postfix
# answers COMMAND (MAIL FROM, RCPT TO) of a message to bob.lee@contoso.com
# with REPLY (an extended regular expression, anchored at its start) and
# accepts, queues and delivers nothing; started again, the message is
# delivered to bob@fourthcoffee.com.
stop_and_start()
{
	local mode=$1 cmd=$2 want=$3 q n r
	check "$mode: systemctl stop mailswitch" systemctl stop mailswitch
	q=$(queue_size); n=$(sink_count "$SINK")
	send "$mode-stopped" bob.lee@contoso.com
	r=$(reply_to "$mode-stopped" "$cmd")
	check "$mode, stopped: $cmd answered 4xx: '$r'" grep -qE "^$want" <<<"$r"
	check "$mode, stopped: nothing accepted" sh -c "! grep -q 'queued as' '$bt/$mode-stopped.swaks'"
	sleep 2
	check "$mode, stopped: nothing queued, nothing delivered" \
	    test "$(queue_size):$(sink_count "$SINK")" = "$q:$n"
	check "$mode: systemctl start mailswitch" systemctl start mailswitch
	send "$mode-started" bob.lee@contoso.com
	check "$mode, started again: delivered to bob@fourthcoffee.com" \
	    sink_got_rcpt "$SINK" "$mode-started" bob@fourthcoffee.com
}

# The test devices of README's connectors: Fourth Coffee's server is the
# sink, the Internet client poses with XCLIENT.
# An entry given adds a connector of the test's own.
test_devices()
{
	sed -i "s/\[mail\.fourthcoffee\.com\]:25/[127.0.0.1]:$SINK/" /etc/postfix/transport &&
	    { [ $# = 0 ] || echo "$1" >>/etc/postfix/transport; } &&
	    postmap /etc/postfix/transport &&
	    postconf -e 'smtpd_authorized_xclient_hosts = 127.0.0.1' &&
	    postfix reload
}

# The administrator's own export, in place of the example's.
ldif_target()	# NEW-TARGET-OF-BOB
{
	awk -v t="$1" '
	/^dn: cn=Bob Lee,/ { bob = 1 }
	/^$/ { bob = 0 }
	bob && /^targetAddress:/ { print "targetAddress: SMTP:" t; next }
	{ print }' /usr/share/mailswitch/contacts.ldif >/etc/mailswitch/contacts.ldif.new &&
	    grep -q "^targetAddress: SMTP:$1\$" /etc/mailswitch/contacts.ldif.new &&
	    mv /etc/mailswitch/contacts.ldif.new /etc/mailswitch/contacts.ldif
}
conf_set()	# SED-SCRIPT: edit the installed mailswitch.conf
{
	sed -i "$1" /etc/mailswitch/mailswitch.conf
}
journal_more() { [ "$(journal_count "$1")" -gt "$2" ]; }	# TEXT N
reload_and_wait()	# reload, wait (15 s) for the next "configuration reloaded"
{
	local n
	n=$(journal_count "configuration reloaded")
	timeout 60 systemctl reload mailswitch &&
	    wait_for 15 journal_more "configuration reloaded" "$n"
}

# Every path on the system but the ones that change by themselves (logs,
# Postfix's queue and state, apt's and dpkg's records, this test).
snapshot()
{
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
	    -o -path /tmp -o -path /var/tmp -o -path /var/log -o -path /var/cache \
	    -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/lib/postfix \
	    -o -path /var/lib/systemd -o -path /etc/postfix -o -path /root \
	    -o -path '/var/spool/postfix/*' -o -path /var/mail \
	    -o -path /etc/ld.so.cache -o -path /usr/share/man -o -path /var/lib/ucf \
	    \) -prune -o -print | sort
	ls -d /var/spool/postfix/*/ 2>/dev/null
	ls -d /run/mailswitch 2>/dev/null
}

# ==== 1. Debian's Postfix, "Internet Site" =========================================

cat <<'EOF' | debconf-set-selections
postfix postfix/main_mailer_type select Internet Site
postfix postfix/mailname string gateway.example.net
EOF
rm -f /etc/postfix/main.cf
check "dpkg-reconfigure -f noninteractive postfix (Internet Site)" \
    env DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive postfix
check "systemctl restart postfix" systemctl restart postfix
check "Postfix listens on 127.0.0.1:25" wait_for 20 port_open 25
check "Internet Site: inet_interfaces = all" test "$(postconf -h inet_interfaces)" = all
check "Debian's master.cf: smtpd chrooted" test "$(postconf -Fh smtp/inet/chroot)" = y
check "Debian's master.cf: cleanup chrooted" test "$(postconf -Fh cleanup/unix/chroot)" = y
check "no procps: /bin/kill is not installed" sh -c 'test ! -e /bin/kill && test ! -e /usr/bin/kill'
cp -a /etc/postfix "$bt/postfix.debian"
before=$(snapshot)

# ==== 2. apt-get install ./mailswitch_*.deb ==========================================

deb=$(ls "$bt"/mailswitch_*.deb | head -1)
check "apt-get install ./$(basename "$deb") (offline: its dependencies are in the tree)" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$deb")"
check "mailswitch.service is active right after the install" \
    wait_for 10 systemctl is-active --quiet mailswitch
check "mailswitch.service is enabled" systemctl is-enabled --quiet mailswitch
check "mailswitch.service starts before Debian's Postfix instance (postfix@-.service)" \
    sh -c "systemctl show -p Before --value mailswitch | tr ' ' '\n' | grep -qx 'postfix@-.service'"
pid=$(main_pid)
check "the daemon runs as mailswitch from the start (MainPID $pid)" \
    sh -c "awk '/^Uid:/ { exit !(\$2 == $(id -u mailswitch) && \$3 == $(id -u mailswitch)) }' /proc/$pid/status"
check "the daemon has no capability (CapEff and CapBnd 0)" \
    sh -c "grep -qx 'CapEff:[[:space:]]*0000000000000000' /proc/$pid/status &&
           grep -qx 'CapBnd:[[:space:]]*0000000000000000' /proc/$pid/status"
check "socket folder /var/spool/postfix/mailswitch: mailswitch:mailswitch 750" \
    test "$(stat -c %U:%G:%a /var/spool/postfix/mailswitch)" = mailswitch:mailswitch:750
for s in mailswitch socketmap; do
	check "$s.sock: a socket, mailswitch:mailswitch 770" sh -c \
	    "test -S /var/spool/postfix/mailswitch/$s.sock &&
	     test \"\$(stat -c %U:%G:%a /var/spool/postfix/mailswitch/$s.sock)\" = mailswitch:mailswitch:770"
done
check "the postfix user is in the mailswitch group" \
    sh -c "id -Gn postfix | tr ' ' '\n' | grep -qx mailswitch"
check "/run/mailswitch holds the pidfile with the MainPID" \
    test "$(cat /run/mailswitch/mailswitch.pid)" = "$pid"
check "mailswitch -n" mailswitch -n
check "mailswitch -q bob.lee@contoso.com: bob@fourthcoffee.com" \
    test "$(mailswitch -q bob.lee@contoso.com)" = bob@fourthcoffee.com
check "systemd-analyze verify mailswitch.service (its manual pages found by man)" \
    systemd-analyze verify /lib/systemd/system/mailswitch.service
docs_ok=1
for d in $(systemctl show -p Documentation --value mailswitch | tr -d '"'); do
	p=${d#man:}; s=${p##*(}; s=${s%)}; p=${p%%(*}
	case $d in
	man:*) [ -f "/usr/share/man/man$s/$p.$s.gz" ] || docs_ok=0 ;;
	file:*) [ -f "${d#file:}" ] || docs_ok=0 ;;
	*) docs_ok=0 ;;
	esac
done
check "every Documentation= of the unit resolves" test "$docs_ok" = 1
score=$(systemd-analyze security mailswitch.service 2>/dev/null |
    sed -n 's/.*Overall exposure level for mailswitch.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
	ok "systemd-analyze security mailswitch: $score (at most 2.5)"
else
	bad "systemd-analyze security mailswitch: '$score' (at most 2.5)"
fi

# ==== 3. milter mode: README's lines, as written ======================================

postfix_block "$bt/README" "$MILTER_MARKER" >"$bt/milter.sh"
check "README has the milter mode's lines ($(wc -l <"$bt/milter.sh") lines)" test -s "$bt/milter.sh"
check "README's milter lines run as written" bash -e -x "$bt/milter.sh"
check "test devices: the transport's server is the sink, 127.0.0.1 may use XCLIENT" test_devices
check "smtp-sink (Fourth Coffee's server) on 127.0.0.1:$SINK" sink_start "$SINK"

# a contact, from an Internet client: rewritten, delivered, logged with its queue id
send m1 bob.lee@contoso.com
check "milter: mail to bob.lee@contoso.com from an Internet client is accepted (no 454 relay denied)" \
    grep -q '250 2.0.0 Ok: queued as' "$bt/m1.swaks"
qid=$(queue_id m1)
check "milter: Fourth Coffee's server receives it" sink_got "$SINK" m1
f=$(sink_msg "$SINK" m1)
check "milter: delivered to bob@fourthcoffee.com, not to bob.lee@contoso.com" \
    test "$(sink_rcpts "$f" 2>/dev/null)" = bob@fourthcoffee.com
check "milter: the trace header X-Mailswitch: rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>" \
    grep -qF 'X-Mailswitch: rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>' "$f"
check "milter: the journal's decision line with the queue id ($qid)" \
    wait_for 10 journal_has "$qid: rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com> contact"

# an unknown recipient of an authoritative domain: 550 5.1.1 at RCPT
send m2 nobody@sales.contoso.com
r=$(rcpt_reply m2)
check "milter: RCPT TO:<nobody@sales.contoso.com> answered '550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown' (got '$r')" \
    test "$r" = "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown"
check "milter: the journal's reject line" \
    wait_for 10 journal_has "reject rcpt=<nobody@sales.contoso.com> 550 5.1.1"

# stopped: 4xx, nothing accepted
stop_and_start milter "MAIL FROM" '451 4\.7\.1 '

# reload: the administrator's own export, changed; SIGHUP, same PID
pid=$(main_pid)
ldif_target bob.lee@fourthcoffee.com
conf_set 's|^\([[:space:]]*path = \)"/usr/share/mailswitch/contacts.ldif";|\1"contacts.ldif";|'
check "the configuration now reads /etc/mailswitch/contacts.ldif" \
    grep -q '^[[:space:]]*path = "contacts.ldif";' /etc/mailswitch/mailswitch.conf
check "systemctl reload mailswitch (no /bin/kill): configuration reloaded" reload_and_wait
check "reload: the same process (SIGHUP, not a restart)" test "$(main_pid)" = "$pid"
send m5 bob.lee@contoso.com
check "reload: the new export is used: bob.lee@contoso.com -> bob.lee@fourthcoffee.com" \
    sink_got_rcpt "$SINK" m5 bob.lee@fourthcoffee.com
ldif_target robert@fourthcoffee.com
check "reload after the export changed in place" reload_and_wait
check "reload: the changed export is used (-q): robert@fourthcoffee.com" \
    test "$(mailswitch -q bob.lee@contoso.com)" = robert@fourthcoffee.com
send m6 bob.lee@contoso.com
check "reload: mail follows: bob.lee@contoso.com -> robert@fourthcoffee.com" \
    sink_got_rcpt "$SINK" m6 robert@fourthcoffee.com

# a listener changed on reload: a warning, the old socket stays; restart applies it
conf_set 's|^socket = .*|socket = "inet:8895@127.0.0.1";|; s|^metrics = .*|metrics = "inet:9185@127.0.0.1";|'
check "reload with socket and metrics changed" reload_and_wait
check "the reload warns: 'socket' changed, only a restart applies it, still the unix socket" \
    wait_for 10 journal_has "reload: 'socket' changed to inet:8895@127.0.0.1, which only a restart applies: still unix:/var/spool/postfix/mailswitch/mailswitch.sock until then"
check "the reload warns: 'metrics' changed, only a restart applies it" \
    journal_has "reload: 'metrics' changed to inet:9185@127.0.0.1, which only a restart applies: still (none) until then"
check "the warnings are at priority warning" \
    sh -c "journalctl -u mailswitch -p warning --no-pager -o cat | grep -qF \"reload: 'socket' changed\""
check "nothing listens on 8895 or 9185 before the restart" sh -c '! (exec 3<>/dev/tcp/127.0.0.1/8895) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/9185) 2>/dev/null'
send m7 bob.lee@contoso.com
check "the milter still answers on its unix socket: delivered to robert@fourthcoffee.com" \
    sink_got_rcpt "$SINK" m7 robert@fourthcoffee.com
conf_set 's|^socket = .*|socket = "unix:/var/spool/postfix/mailswitch/mailswitch.sock";|'
check "systemctl restart mailswitch" systemctl restart mailswitch
check "after the restart: metrics on 127.0.0.1:9185" wait_for 10 port_open 9185
check "after the restart: GET /metrics answers (mailswitch_build_info)" bash -c '
	exec 3<>/dev/tcp/127.0.0.1/9185
	printf "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
	timeout 5 cat <&3 | grep -q "^mailswitch_build_info{"'
conf_set 's|^metrics = .*|metrics = "";|'
ldif_target bob@fourthcoffee.com
check "systemctl restart mailswitch (metrics off, Bob's target as shipped)" systemctl restart mailswitch
check "mailswitch.service active" wait_for 10 systemctl is-active --quiet mailswitch

# ==== 4. socketmap mode: Debian's Postfix again, README's socketmap lines ============

rm -rf /etc/postfix && cp -a "$bt/postfix.debian" /etc/postfix
check "Postfix's configuration as Debian made it: postfix reload" postfix reload
postfix_block "$bt/README" "$SOCKETMAP_MARKER" >"$bt/socketmap.sh"
check "README has the socketmap mode's lines ($(wc -l <"$bt/socketmap.sh") lines)" test -s "$bt/socketmap.sh"
check "README's socketmap lines run as written" bash -e -x "$bt/socketmap.sh"
check "test devices, and example.org (the Internet) to a second sink through the internet transport" \
    test_devices "example.org internet:[127.0.0.1]:$INET"
check "smtp-sink (the Internet) on 127.0.0.1:$INET" sink_start "$INET"
check "socketmap: no milter in main.cf" test -z "$(postconf -h smtpd_milters)"

send s1 bob.lee@contoso.com
check "socketmap: mail to bob.lee@contoso.com from an Internet client is accepted" \
    grep -q 'queued as' "$bt/s1.swaks"
check "socketmap: Fourth Coffee's server receives it" sink_got "$SINK" s1
f=$(sink_msg "$SINK" s1)
check "socketmap: delivered to bob@fourthcoffee.com (Postfix's virtual alias, cleanup chrooted)" \
    test "$(sink_rcpts "$f")" = bob@fourthcoffee.com
check "socketmap: the journal's decision line" \
    wait_for 10 journal_has "socketmap: rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com> contact"
send s2 nobody@sales.contoso.com
r=$(rcpt_reply s2)
check "socketmap: RCPT TO:<nobody@sales.contoso.com> answered 550 5.1.1 (got '$r')" \
    sh -c "case '$r' in '550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown'*) ;; *) exit 1 ;; esac"
check "socketmap: the journal's reject line" \
    wait_for 10 journal_has "socketmap: reject rcpt=<nobody@sales.contoso.com> 550 5.1.1"
# outbound: the subsidiary's sender, to the Internet, rewritten by the
# internet transport's smtp_generic_maps (smtp chrooted or not: its own)
send s3 someone@example.org Alice.Wong@fourthcoffee.com no
check "socketmap: Alice's mail to example.org reaches the Internet's sink" sink_got "$INET" s3
check "socketmap: its sender rewritten to alice@contoso.com (generic map)" \
    test "$(sink_sender "$(sink_msg "$INET" s3)")" = alice@contoso.com

stop_and_start socketmap "RCPT TO" '451 4\.3\.5 <bob\.lee@contoso\.com>: Recipient address rejected: Server configuration error'

# ==== 5. Postfix installed after mailswitch: the dpkg trigger ========================

gpasswd -d postfix mailswitch >/dev/null
check "dpkg-trigger /usr/sbin/postfix, then the pending triggers" sh -c \
    'dpkg-trigger --by-package=postfix /usr/sbin/postfix && dpkg --triggers-only --pending'
check "the trigger put postfix back in the mailswitch group" \
    sh -c "id -Gn postfix | tr ' ' '\n' | grep -qx mailswitch"

# ==== 6. apt-get purge ============================================================

# The administrator's own export: dpkg leaves what is not the package's.
rm -f /etc/mailswitch/contacts.ldif
check "apt-get purge mailswitch" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mailswitch
check "the package is gone (no rc state)" sh -c "! dpkg-query -W -f='\${Status}' mailswitch 2>/dev/null | grep -qv not-installed"
check "the unit is gone" sh -c '! systemctl cat mailswitch.service >/dev/null 2>&1'
check "no process of the user mailswitch" sh -c "! grep -lqx 'Uid:[[:space:]]*$(id -u mailswitch)[[:space:]].*' /proc/[0-9]*/status 2>/dev/null"
check "no /var/spool/postfix/mailswitch, no /run/mailswitch, no /etc/mailswitch" \
    sh -c 'test ! -e /var/spool/postfix/mailswitch && test ! -e /run/mailswitch && test ! -e /etc/mailswitch'
check "postfix is no longer in the mailswitch group" \
    sh -c "! id -Gn postfix | tr ' ' '\n' | grep -qx mailswitch"
check "the system user stays (Debian's policy for system users)" getent passwd mailswitch
after=$(snapshot)
if [ "$before" = "$after" ]; then
	ok "apt-get purge leaves no file of the package ($(wc -l <<<"$before") paths compared)"
else
	bad "apt-get purge leaves files (< before the install, > after the purge):"
	diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -40 |
	    sed 's/^/#   /' >>"$result"
fi
exit 0
