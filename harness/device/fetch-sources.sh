#!/usr/bin/env bash
# fetch-sources.sh DIR: the Debian source packages of the crypto the firmware cross-builds
# (libsodium 1.0.18, mbedtls 2.28.3), unpacked into DIR/libsodium and DIR/mbedtls with
# `apt-get source`, through a private deb-src list so the system's apt config is left alone.
# Cached: a second run with both trees present does nothing (works offline). Third-party
# source is never committed: DIR is a build directory.
set -euo pipefail
DIR=${1:?usage: fetch-sources.sh DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
have() { [ -f "$DIR/libsodium/src/libsodium/include/sodium.h" ] && [ -f "$DIR/mbedtls/include/mbedtls/config.h" ]; }
have && exit 0

APT="$DIR/apt"
mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/dl"
# deb-src copies of the machine's own deb entries (same mirror, same suites)
found=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed 's/^Types: *deb$/Types: deb-src/' "$f" > "$APT/sources.list.d/$(basename "$f")"
  found=1
done
if [ -f /etc/apt/sources.list ]; then
  grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$APT/sources.list.d/list.list" || true
  [ -s "$APT/sources.list.d/list.list" ] && found=1
fi
[ $found = 1 ] || { echo "fetch-sources: no apt sources found to derive deb-src entries from" >&2; exit 1; }
opts=(-o Dir::Etc::sourceparts="$APT/sources.list.d" -o Dir::Etc::sourcelist=/dev/null
      -o Dir::State::Lists="$APT/lists" -o Debug::NoLocking=1)
if ! apt-get "${opts[@]}" -qq update >"$APT/update.log" 2>&1; then
  echo "fetch-sources: apt-get update of the deb-src lists failed (offline?): see $APT/update.log;" \
       "the firmware needs the Debian source packages libsodium and mbedtls once, then they are cached in $DIR" >&2
  exit 1
fi
cd "$APT/dl"
for pkg in libsodium mbedtls; do
  if ! apt-get "${opts[@]}" -qq source --download-only "$pkg" >"$APT/$pkg.log" 2>&1; then
    echo "fetch-sources: apt-get source $pkg failed (offline or mirror without sources): see $APT/$pkg.log" >&2
    exit 1
  fi
done
# dpkg-source applies the Debian patches; unpack into stable names
for pkg in libsodium mbedtls; do
  dsc=$(ls "$APT/dl/${pkg}"_*.dsc | head -n1)
  rm -rf "$DIR/$pkg.tmp"
  dpkg-source --no-check -x "$dsc" "$DIR/$pkg.tmp" >"$APT/$pkg.unpack.log" 2>&1 ||
    { echo "fetch-sources: unpacking $dsc failed: see $APT/$pkg.unpack.log" >&2; exit 1; }
  rm -rf "${DIR:?}/$pkg"
  mv "$DIR/$pkg.tmp" "$DIR/$pkg"
done
have || { echo "fetch-sources: unpacked trees lack the expected headers" >&2; exit 1; }
echo "fetch-sources: $(basename "$(ls "$APT"/dl/libsodium_*.dsc)") $(basename "$(ls "$APT"/dl/mbedtls_*.dsc)") in $DIR"
