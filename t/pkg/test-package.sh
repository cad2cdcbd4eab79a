#!/usr/bin/env bash
# t/pkg/test-package.sh SOURCE-DIR - the Debian package, end to end:
# builds it (dpkg-buildpackage -us -uc -b, DEB_BUILD_OPTIONS=werror) in a
# temporary copy of SOURCE-DIR (nothing is written into the tree), runs
# lintian (no error, no warning), checks the package's contents, installs it
# with dpkg -i, checks that the mailswitch user exists (systemd-sysusers ran)
# and that the installed mailswitch accepts the installed configuration
# (-n), then purges it and checks that the machine is as it was.
#
# dh_installsysusers adds nothing to postrm: a system user stays after
# purge (Debian's policy for system users).  The test asserts that, and then
# removes the user itself when it did not exist before the test.  The
# socket folder /var/spool/postfix/mailswitch (tmpfiles.d) goes at purge.
# Where the postfix user exists, the postinst makes it a member of the
# mailswitch group, and the purge takes that back.
#
# No systemd runs here: the unit is enabled, not started.
# t/pkg/test-boot.sh runs the package under a booted Debian.
#
# Needs root and debhelper, lintian, dpkg-dev, fakeroot and the build
# dependencies of debian/control.  Exit 77 (skipped) when not root or when
# /etc/mailswitch exists without the package (someone else's files).
set -u
src=$(cd "${1:?usage: test-package.sh SOURCE-DIR}" && pwd)
# shellcheck source=t/pkg/build.sh
. "$src/t/pkg/build.sh"
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (dpkg -i)"; exit 77
fi

fail=0
ok()  { echo "ok - $*"; }
bad() { echo "not ok - $*"; fail=1; }
check() {   # DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
installed() { dpkg-query -W -f='${Status}' mailswitch 2>/dev/null | grep -q 'install ok installed'; }
known()     { dpkg-query -W -f='${Status}' mailswitch 2>/dev/null | grep -qv 'not-installed'; }

# A previous, failed run may have left the package installed.
if known; then
    echo "# purging a mailswitch package left installed"
    timeout 120 dpkg --purge mailswitch >/dev/null || { echo "cannot purge the old package"; exit 1; }
fi
if [ -e /etc/mailswitch ]; then
    echo "SKIP: /etc/mailswitch exists and belongs to no package"; exit 77
fi

# The state the purge must restore.
state() {
    for p in /etc/mailswitch /lib/systemd/system/mailswitch.service \
             /usr/lib/systemd/system/mailswitch.service \
             /etc/systemd/system/multi-user.target.wants/mailswitch.service \
             /var/lib/systemd/deb-systemd-helper-enabled/mailswitch.service.dsh-also \
             /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/mailswitch.service \
             /usr/lib/sysusers.d/mailswitch.conf /usr/lib/tmpfiles.d/mailswitch.conf \
             /usr/sbin/mailswitch /usr/share/mailswitch /usr/share/doc/mailswitch \
             /run/mailswitch /var/spool/postfix/mailswitch /var/lib/mailswitch; do
        [ -e "$p" ] || [ -L "$p" ] && echo "present $p"
    done
    getent passwd mailswitch | cut -d: -f1,3,4,6,7
    getent group mailswitch | cut -d: -f1,3,4
    [ -d /var/spool/postfix ] && echo "present /var/spool/postfix"
}
user_before=no; getent passwd mailswitch >/dev/null && user_before=yes
run_before=no;  [ -e /run/mailswitch ] && run_before=yes
before=$(state)

work=$(mktemp -d /tmp/mailswitch-pkg.XXXXXX)
cleanup() {
    if known; then timeout 120 dpkg --purge mailswitch >/dev/null 2>&1; fi
    if [ "$user_before" = no ] && getent passwd mailswitch >/dev/null; then
        userdel mailswitch >/dev/null 2>&1
        getent group mailswitch >/dev/null && groupdel mailswitch >/dev/null 2>&1
    fi
    [ "$run_before" = no ] && rm -rf /run/mailswitch
    rm -rf "$work"
}
trap cleanup EXIT

# ---- build, in a copy of the tree ---------------------------------------
start=$(date +%s)
if deb=$(pkg_build "$src" "$work" werror); then
    ok "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start )) s)"
else
    bad "dpkg-buildpackage -us -uc -b"; exit 1
fi
ok "built $(basename "$deb")"

# ---- lintian -----------------------------------------------------------
lint=$(timeout 300 lintian --fail-on error,warning "$work"/mailswitch_*.changes 2>&1)
rc=$?
[ -n "$lint" ] && printf '# lintian: %s\n' "$lint"
if [ $rc = 0 ] && ! grep -q '^[EW]: ' <<<"$lint"; then
    ok "lintian: no error, no warning"
else
    bad "lintian (exit $rc)"
fi

# ---- contents -----------------------------------------------------------
contents=$(dpkg-deb -c "$deb" | awk '{print $1, $NF}')
has() {   # MODE-PATTERN PATH
    grep -qE "^$1 \./${2#/}\$" <<<"$contents" && ok "contains $2" || bad "contains $2"
}
has '-rwxr-xr-x' /usr/sbin/mailswitch
has '-rw-r--r--' /etc/mailswitch/mailswitch.conf
has '-rw-r--r--' /lib/systemd/system/mailswitch.service
has '-rw-r--r--' /usr/lib/sysusers.d/mailswitch.conf
has '-rw-r--r--' /usr/lib/tmpfiles.d/mailswitch.conf
has '-rw-r--r--' /usr/share/man/man8/mailswitch.8.gz
has '-rw-r--r--' /usr/share/man/man5/mailswitch.conf.5.gz
has '-rw-r--r--' /usr/share/doc/mailswitch/copyright
has '-rw-r--r--' /usr/share/doc/mailswitch/README.gz
has '-rw-r--r--' /usr/share/doc/mailswitch/examples/ldap/mailswitch.schema
has '-rw-r--r--' /usr/share/doc/mailswitch/examples/ldap/contacts.ldif
has '-rw-r--r--' /usr/share/doc/mailswitch/examples/mailswitch.conf
has '-rw-r--r--' /usr/share/mailswitch/contacts.ldif
check "nothing under /usr/etc" sh -c "! grep -q ' \./usr/etc' <<'X'
$contents
X"
check "only mailswitch.conf in /etc/mailswitch" \
    test "$(grep -c ' \./etc/mailswitch/.' <<<"$contents")" = 1
mkdir "$work/ctl" && dpkg-deb -e "$deb" "$work/ctl"
check "conffiles: /etc/mailswitch/mailswitch.conf only" \
    test "$(cat "$work/ctl/conffiles")" = /etc/mailswitch/mailswitch.conf
check "postinst creates the user (systemd-sysusers)" \
    grep -q 'systemd-sysusers.* mailswitch.conf' "$work/ctl/postinst"
check "postinst creates the socket folder (systemd-tmpfiles)" \
    grep -q 'systemd-tmpfiles.*--create mailswitch.conf' "$work/ctl/postinst"
check "postinst puts postfix in the mailswitch group (adduser)" \
    grep -q 'adduser --quiet postfix mailswitch' "$work/ctl/postinst"
check "triggers: Postfix installed later (interest-noawait /usr/sbin/postfix)" \
    grep -qx 'interest-noawait /usr/sbin/postfix' "$work/ctl/triggers"
check "control: Depends on adduser (the postinst uses it)" \
    sh -c "dpkg-deb -f '$deb' Depends | grep -qw adduser"
check "postinst enables the unit (dh_installsystemd)" \
    grep -q "deb-systemd-helper enable 'mailswitch.service'" "$work/ctl/postinst"
check "sysusers runs before tmpfiles (the folder's owner exists)" sh -c \
    "[ \$(grep -n systemd-sysusers '$work/ctl/postinst' | head -1 | cut -d: -f1) -lt \
       \$(grep -n systemd-tmpfiles '$work/ctl/postinst' | head -1 | cut -d: -f1) ]"
mkdir "$work/root" && dpkg-deb -x "$deb" "$work/root"
unit="$work/root/lib/systemd/system/mailswitch.service"
check "unit: ExecStart with the installed paths" grep -qx \
    'ExecStart=/usr/sbin/mailswitch -c /etc/mailswitch/mailswitch.conf -P /run/mailswitch/mailswitch.pid' "$unit"
for k in Type=forking User=mailswitch Group=mailswitch UMask=0007 \
         RuntimeDirectory=mailswitch PIDFile=/run/mailswitch/mailswitch.pid \
         NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
         PrivateTmp=yes PrivateDevices=yes CapabilityBoundingSet= \
         ReadWritePaths=-/var/spool/postfix/mailswitch \
         ReadWritePaths=-/var/lib/mailswitch/postfix; do
    check "unit: $k" grep -qx "$k" "$unit"
done
check "unit: SystemCallFilter=" grep -q '^SystemCallFilter=@system-service' "$unit"
check "unit: ExecReload needs no /bin/kill (procps)" sh -c \
    "grep -q '^ExecReload=/bin/sh -c ' '$unit' && ! grep -q '/bin/kill' '$unit'"
# every Documentation= of the unit is a manual page the package holds
docs_resolve() {
    local d page sec n=0
    for d in $(sed -n 's/^Documentation=//p' "$unit"); do
        case $d in man:*'('*')') ;; *) echo "# not a manual page: $d"; return 1 ;; esac
        page=${d#man:}; sec=${page##*(}; sec=${sec%)}; page=${page%%(*}
        [ -f "$work/root/usr/share/man/man$sec/$page.$sec.gz" ] || {
            echo "# no such page in the package: $d"; return 1; }
        n=$((n + 1))
    done
    [ "$n" -gt 0 ]
}
if docs_resolve; then ok "unit: every Documentation= resolves"
else bad "unit: every Documentation= resolves"; fi
tmpf="$work/root/usr/lib/tmpfiles.d/mailswitch.conf"
check "tmpfiles: the socket folder in Postfix's queue directory" \
    grep -qx 'd /var/spool/postfix/mailswitch 0750 mailswitch mailswitch -' "$tmpf"
check "tmpfiles: the tables mode's folder" \
    grep -qx 'd /var/lib/mailswitch/postfix 0755 mailswitch mailswitch -' "$tmpf"
check "unit: no /usr/local left" sh -c "! grep -q /usr/local '$unit'"
conf="$work/root/etc/mailswitch/mailswitch.conf"
check "conf: the milter in Postfix's queue directory" \
    grep -qx 'socket = "unix:/var/spool/postfix/mailswitch/mailswitch.sock";' "$conf"
check "conf: the socketmap server beside it" \
    grep -qx 'socketmap = "unix:/var/spool/postfix/mailswitch/socketmap.sock";' "$conf"
check "conf: the example LDIF of /usr/share/mailswitch" \
    grep -qE '^[[:space:]]*path = "/usr/share/mailswitch/contacts.ldif";' "$conf"
check "binary: default configuration /etc/mailswitch/mailswitch.conf" \
    sh -c "'$work/root/usr/sbin/mailswitch' -h 2>&1 | grep -q /etc/mailswitch/mailswitch.conf"

# ---- install, use, purge ---------------------------------------------------
if timeout 120 dpkg -i "$deb" >"$work/install.log" 2>&1; then
    ok "dpkg -i"
else
    bad "dpkg -i"; cat "$work/install.log"; exit 1
fi
check "the mailswitch user exists (sysusers)" getent passwd mailswitch
check "the mailswitch group exists (sysusers)" getent group mailswitch
check "/var/spool/postfix/mailswitch is mailswitch:mailswitch 0750 (tmpfiles)" \
    test "$(stat -c %U:%G:%a /var/spool/postfix/mailswitch 2>/dev/null)" = mailswitch:mailswitch:750
check "/var/lib/mailswitch/postfix is mailswitch:mailswitch 0755 (tmpfiles)" \
    test "$(stat -c %U:%G:%a /var/lib/mailswitch/postfix 2>/dev/null)" = mailswitch:mailswitch:755
if getent passwd postfix >/dev/null; then
    check "the postfix user is in the mailswitch group" \
        sh -c "id -Gn postfix | tr ' ' '\n' | grep -qx mailswitch"
fi
out=$(timeout 30 /usr/sbin/mailswitch -n -c /etc/mailswitch/mailswitch.conf 2>&1)
rc=$?
if [ $rc = 0 ]; then ok "mailswitch -n on the installed configuration"
else bad "mailswitch -n on the installed configuration (exit $rc: $out)"; fi
check "mailswitch -n with its default configuration" timeout 30 /usr/sbin/mailswitch -n
check "mailswitch -q bob.lee@contoso.com on the installed example" \
    test "$(timeout 30 /usr/sbin/mailswitch -q bob.lee@contoso.com 2>&1)" = bob@fourthcoffee.com

if timeout 120 dpkg --purge mailswitch >"$work/purge.log" 2>&1; then
    ok "dpkg --purge"
else
    bad "dpkg --purge"; cat "$work/purge.log"
fi
check "the package is gone" sh -c "! dpkg-query -W -f='\${Status}' mailswitch 2>/dev/null | grep -qv not-installed"
for p in /etc/mailswitch /lib/systemd/system/mailswitch.service /usr/sbin/mailswitch \
         /etc/systemd/system/multi-user.target.wants/mailswitch.service \
         /var/lib/systemd/deb-systemd-helper-enabled/mailswitch.service.dsh-also; do
    check "purge removed $p" test ! -e "$p"
done
if [ "$user_before" = no ]; then
    # dh_installsysusers leaves the user on purge: remove it here.
    check "purge leaves the system user (dh_installsysusers, Debian policy)" \
        getent passwd mailswitch
    userdel mailswitch >/dev/null 2>&1
    getent group mailswitch >/dev/null && groupdel mailswitch >/dev/null 2>&1
fi
check "purge removed /var/spool/postfix/mailswitch" test ! -e /var/spool/postfix/mailswitch
check "purge removed /var/lib/mailswitch" test ! -e /var/lib/mailswitch
check "purge took postfix out of the mailswitch group" sh -c \
    "! getent group mailswitch | cut -d: -f4 | tr , '\n' | grep -qx postfix"
[ "$run_before" = no ] && rm -rf /run/mailswitch
after=$(state)
if [ "$before" = "$after" ]; then
    ok "the machine is as it was"
else
    bad "the machine is not as it was"; diff <(echo "$before") <(echo "$after")
fi
exit $fail
