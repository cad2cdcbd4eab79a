#!/usr/bin/env bash
# Installs what mailswitch needs to build (Debian 12 packages), builds it,
# shows a few decisions on the bundled example (etc/mailswitch.conf with the
# embedded LDIF directory etc/contacts.ldif) and runs the milter in the
# foreground on inet:8895@127.0.0.1 until Ctrl-C.
#   contrib/run-example.sh            (as root: installs the packages too)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deps=(build-essential cmake pkg-config libmilter-dev libldap-dev libconfig-dev
      libmicrohttpd-dev libkrb5-dev libsasl2-dev liblmdb-dev)
installed=$(dpkg-query -W -f='${Status}\n' "${deps[@]}" 2>/dev/null |
           grep -c 'install ok installed' || true)
if [ "$installed" != "${#deps[@]}" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages; run as root to install: ${deps[*]}" >&2
        exit 69
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${deps[@]}" >/dev/null
fi

cmake -S . -B build-example -DBUILD_TESTING=OFF >/dev/null
cmake --build build-example -j "$(nproc)" >/dev/null
ms=build-example/milter/mailswitch
conf=etc/mailswitch.conf

# The example's user "mailswitch" may not exist yet: run as nobody when root.
user=()
if [ "$(id -u)" = 0 ] && ! id mailswitch >/dev/null 2>&1; then
    user=(-u nobody)
fi

"$ms" -c "$conf" "${user[@]}" -n && echo "configuration $conf: ok"
echo "What becomes of a few recipients (mailswitch -q ADDRESS):"
for a in bob@contoso.com bob.lee@contoso.com carol@sales.contoso.com \
         dan.park@contoso.com nobody@contoso.com nobody@sales.contoso.com \
         loop1@contoso.com someone@example.org; do
    printf '  %-26s -> %s\n' "$a" "$("$ms" -c "$conf" -q "$a" || true)"
done

echo "Starting the milter in the foreground (Ctrl-C stops it)..."
exec "$ms" -f -c "$conf" "${user[@]}"
