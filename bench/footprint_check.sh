#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/footprint_check.sh: the ctest of `bash bench/footprint.sh <profile>` (label bench). It
# checks the command still measures, never a figure against a target: every key is printed once,
# with a number where a number is due (profile, code_lines, m4_text_kept, m4_unresolved,
# sizeof_mk_ike, host_sizeof_mk_ike, peak_stack, bytes_sent, bytes_floor), the handshake came
# out at or above its RFC 7296 floor, and the M4 image needs nothing but libsodium, mbedTLS, libc
# and the compiler's runtime (for minimal, the template core: no mbedTLS, none of the general
# core's mk_ symbols), and `core=` names the core the profile is.
# Exit 77 (skip) without arm-none-eabi-gcc (scripts/deps.sh installs it).
# Usage: bash bench/footprint_check.sh [minimal|general-minimal|full]
set -euo pipefail
cd "$(dirname "$0")/.."
P=${1:-minimal}
command -v arm-none-eabi-gcc >/dev/null ||
  { echo "SKIP: arm-none-eabi-gcc missing (scripts/deps.sh installs gcc-arm-none-eabi)"; exit 77; }
fail() { echo "footprint_check: $*" >&2; exit 1; }
out=$(bash bench/footprint.sh "$P") || { echo "$out"; fail "bash bench/footprint.sh $P failed"; }
echo "$out"
val() { # the value of key $1, which must be printed exactly once
  local n
  n=$(grep -c "^$1=" <<<"$out" || true)
  [ "$n" = 1 ] || fail "key $1 printed $n times, want once"
  sed -n "s/^$1=//p" <<<"$out"
}
[ "$(val profile)" = "$P" ] || fail "profile is not $P"
# minimal is the template core: libsodium only; the general core's profiles may call mbedTLS
want_core=ref/src
[ "$P" = minimal ] && want_core=ref/tiny
[ "$(val core)" = "$want_core" ] || fail "profile $P measured $(val core), not $want_core"
for k in code_lines m4_text_kept sizeof_mk_ike host_sizeof_mk_ike peak_stack bytes_sent \
  bytes_floor; do
  v=$(val $k)
  [[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || fail "$k=$v is not a positive number"
done
[ "$(val bytes_sent)" -ge "$(val bytes_floor)" ] ||
  fail "bytes_sent $(val bytes_sent) below the floor $(val bytes_floor): the floor is wrong"
grep -q '^initial_contact=off ' <<<"$out" ||
  fail "the measured handshake did not have INITIAL_CONTACT off"
unres=$(val m4_unresolved)
[ -n "$unres" ] || fail "m4_unresolved is empty (the image must at least call the crypto library)"
# libsodium, libc's mem*/str*, the compiler's runtime (__aeabi_*, libgcc: reserved names); the
# general core's profiles may also use mbedTLS
allowed='^(crypto_|sodium_|randombytes_|mem|str|__)'
[ "$P" = minimal ] || allowed='^(crypto_|sodium_|randombytes_|mbedtls_|mem|str|__)'
for s in ${unres//,/ }; do
  [[ $s =~ $allowed ]] || fail "the M4 image of $P needs $s, which is neither crypto nor libc"
done
echo "footprint_check: $P: every key measured"
