#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# interop/libreswan/fetch.sh: unpack Debian's libreswan (pluto) into a private folder, next to the
# installed strongSwan. Debian's `libreswan` package conflicts with strongswan-libcharon and
# strongswan-starter (both ship /usr/sbin/ipsec), so it is never installed: `apt-get download` +
# `dpkg -x` only, plus the libraries pluto and certutil need that strongSwan does not pull in.
# Nothing is written outside DIR; no service is started. Idempotent.
# usage: fetch.sh [DIR]      (default: $MK_LIBRESWAN, else <repo>/build/libreswan)
# Afterwards: DIR/root/usr/libexec/ipsec/pluto, DIR/root/usr/bin/certutil,
#             LD_LIBRARY_PATH=DIR/root/usr/lib/x86_64-linux-gnu
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${1:-${MK_LIBRESWAN:-$ROOT/build/libreswan}}
PKGS=(libreswan libldns3 libevent-pthreads-2.1-7 libnss3-tools)
mkdir -p "$DIR"
# ctest -j runs several libreswan scenarios at once: one unpacks, the others wait for it
exec 9>"$DIR/.fetch.lock"
flock -w 300 9 || { echo "fetch.sh: timed out waiting for $DIR/.fetch.lock" >&2; exit 1; }
if [ -x "$DIR/root/usr/libexec/ipsec/pluto" ] && [ -x "$DIR/root/usr/bin/certutil" ]; then
  echo "$DIR"; exit 0
fi
mkdir -p "$DIR/debs" "$DIR/root"
chmod 755 "$DIR/debs"   # apt's _apt user must be able to write here, or it warns (harmless)
(cd "$DIR/debs" && apt-get download -q "${PKGS[@]}" >/dev/null 2>&1) || {
  echo "fetch.sh: apt-get download ${PKGS[*]} failed (no network or no apt lists: apt-get update)" >&2
  exit 1
}
for d in "$DIR"/debs/*.deb; do dpkg -x "$d" "$DIR/root"; done
export LD_LIBRARY_PATH=$DIR/root/usr/lib/x86_64-linux-gnu
if ldd "$DIR/root/usr/libexec/ipsec/pluto" | grep -q 'not found'; then
  echo "fetch.sh: pluto still misses libraries:" >&2
  ldd "$DIR/root/usr/libexec/ipsec/pluto" | grep 'not found' >&2
  exit 1
fi
echo "$DIR"
