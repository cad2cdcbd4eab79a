#!/usr/bin/env bash
# Installs what the tests need (Debian 12 packages), builds mailswitch three
# times -- plain, with AddressSanitizer + UBSan, with ThreadSanitizer -- and
# runs the whole test suite (unit, miltertest, end to end through a private
# Postfix) on each; the plain build's also builds, lints, installs and purges
# the Debian package (t/pkg/test-package.sh) and boots a Debian 12 under
# systemd-nspawn that runs it with Debian's own Postfix (t/pkg/test-boot.sh;
# its debootstrap tree is cached in /var/cache/mailswitch-tests).  Then the
# fuzz stage: the libFuzzer targets built with clang, their seeds replayed,
# and each target run for MAILSWITCH_FUZZ_SECONDS (default 30) with new
# inputs kept in a temporary folder (contrib/fuzz.sh -n).  Run as root from
# anywhere: t/run-tests.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deps=(build-essential cmake pkg-config libmilter-dev libldap-dev libconfig-dev
      libmicrohttpd-dev libkrb5-dev libsasl2-dev liblmdb-dev check miltertest
      postfix postfix-lmdb swaks slapd ldap-utils openssl iproute2 m4 mandoc
      curl debhelper dpkg-dev fakeroot lintian systemd
      debootstrap systemd-container
      samba samba-dsdb-modules samba-ad-provision python3-samba ldb-tools
      krb5-user libsasl2-modules-gssapi-mit util-linux
      clang libclang-rt-14-dev)
installed=$(dpkg-query -W -f='${Status}\n' "${deps[@]}" 2>/dev/null |
           grep -c 'install ok installed' || true)
if [ "$(id -u)" != 0 ]; then
    echo "run as root: the tests install packages and start a private Postfix" >&2
    exit 77
elif [ "$installed" = "${#deps[@]}" ]; then
    echo "== test dependencies already installed"
else
    echo "== installing test dependencies"
    # Install the servers without configuring or starting a system instance:
    # every test starts its own on 127.0.0.1.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
    # samba: no DHCP hook in smb.conf (krb5-config's questions keep their
    # defaults: t/lib/samba.sh gives each test its own krb5.conf)
    echo "samba-common samba-common/dhcp boolean false" | debconf-set-selections
    # The samba package starts smbd and nmbd at install (its init
    # scripts, on 0.0.0.0): a policy-rc.d that refuses every start keeps
    # them stopped; one the machine already has is left as it is.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# t/run-tests.sh: no daemon starts at install\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${deps[@]}" >/dev/null
    if [ "$made_policy" = 1 ]; then
        rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
    # ... and they do not start at boot either: the tests run their own
    # DC (t/lib/samba.sh) in a network namespace of its own
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable smbd.service nmbd.service samba-ad-dc.service \
            >/dev/null 2>&1 || true
    fi
    for s in smbd nmbd samba-ad-dc; do
        [ ! -e "/etc/init.d/$s" ] || update-rc.d "$s" disable >/dev/null 2>&1 || true
    done
fi

# promtool (the metrics tests validate the exposition with it) comes with
# the prometheus server package: unpack it, do not install it (that would
# set up and start a server).  Without it the tests use a strict parser.
promtool_root=/var/cache/mailswitch-tests/prometheus
if [ ! -x "$promtool_root/usr/bin/promtool" ]; then
    mkdir -p "$promtool_root"
    if (cd "$promtool_root" && apt-get download -q \
        -o APT::Sandbox::User=root prometheus >/dev/null 2>&1); then
        dpkg -x "$(ls "$promtool_root"/prometheus_*.deb | tail -n 1)" \
            "$promtool_root" && rm -f "$promtool_root"/prometheus_*.deb
    fi
fi
if [ -x "$promtool_root/usr/bin/promtool" ]; then
    export PROMTOOL=$promtool_root/usr/bin/promtool
    echo "== promtool: $PROMTOOL"
else
    echo "== promtool not available: the metrics tests use their own parser"
fi

jobs=$(nproc)
run_suite() {   # NAME CMAKE-OPTIONS...
    local name=$1; shift
    echo "== $name build"
    cmake -S . -B "build-$name" -DMAILSWITCH_WERROR=ON "$@" >/dev/null
    cmake --build "build-$name" -j "$jobs" >/dev/null
    echo "== $name tests"
    (cd "build-$name" && ctest --output-on-failure -j "$jobs")
}

run_suite plain -DMAILSWITCH_PACKAGE_TEST=ON   # and the Debian package, once
run_suite asan -DMAILSWITCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
run_suite tsan -DMAILSWITCH_TSAN=ON -DCMAKE_BUILD_TYPE=Debug

# The fuzz stage: every parser fed from outside, for a bounded time.  A
# crash, leak, hang or sanitizer report fails it and prints the input in
# base64 (contrib/fuzz.sh); the seed corpora are only read.
echo "== fuzz build (clang, libFuzzer, ASan + UBSan)"
CC=clang cmake -S . -B build-fuzz -DMAILSWITCH_WERROR=ON -DMAILSWITCH_FUZZ=ON \
    >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz >/dev/null
echo "== fuzz seed replays"
(cd build-fuzz && ctest --output-on-failure -j "$jobs" -R '^fuzz_replay_')
contrib/fuzz.sh -b build-fuzz -s "${MAILSWITCH_FUZZ_SECONDS:-30}" -j "$jobs" -n
echo "== all test suites passed"
