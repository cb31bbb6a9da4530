#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/footprint.sh: one command for the footprint of a build profile (issue 10). Prints, one per
# line (key=value):
#   profile        minimal (the template core, ref/tiny: what a minimal device links) |
#                  general-minimal (the general core, ref/src, with the minimal profile's
#                  switches: the template core's reference) | full (the general core, every option)
#   core           ref/tiny or ref/src
#   code_lines     code lines of the ref/ files the profile compiles into its core (the
#                  ref/src/*.c that ref/src/sources.txt gives a switch the profile has on,
#                  and the ref/ headers they include, as gcc -MM lists them), comments, blank
#                  lines and the branches of #if the profile switches off excluded
#                  (minimal: ref/tiny/*.c, ref/tiny/*.h and any other ref/ header they include)
#   m4_text_kept   octets of code + read-only data from ref/ kept in a Cortex-M4 image
#                  (arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb -ffunction-sections
#                  -fdata-sections, linked --gc-sections against bench/footprint_m4.c, a driver
#                  making one handshake's API calls; minimal: bench/footprint_m4_tiny.c, the
#                  same calls to mt_); the driver's own octets are subtracted
#   m4_unresolved  what that image still needs: the crypto libraries and libc (left unresolved)
#   sizeof_mk_ike  sizeof(mk_ike) on the Cortex-M4 (host_sizeof_mk_ike: on x86-64); minimal:
#                  sizeof(mt_ike), under the same key so the profiles' tables line up
#   peak_stack     measured, initiator only, crypto libraries included, one PSK handshake of
#                  the profile's default configuration (x86-64, -O2; bench/footprint_host.c;
#                  minimal: bench/footprint_host_tiny.c, against the same responder peer)
#   bytes_sent     UDP payload octets of that handshake's two requests, INITIAL_CONTACT off
#   bytes_floor    the same two requests at their RFC 7296 minimum (bench/footprint_host_floor.h)
# Usage: bash bench/footprint.sh [minimal|general-minimal|full]   (default minimal; from anywhere;
# `tiny` is accepted for minimal). The template core (ref/tiny, minike_tiny.h, library mk_tiny)
# has one fixed profile, measured with the same counters; its peer (mk_harness) is built minimal.
# Builds build/footprint-<tiny|minimal|full> with CMake (mk_core, mk_harness; and mk_tiny) the first
# time (FOOTPRINT_BUILD=dir: there instead); about a minute, then seconds. Needs gcc, cmake,
# python3; arm-none-eabi-gcc + newlib for the m4_ lines.
set -euo pipefail
cd "$(dirname "$0")/.."
# The profile names: `minimal` is what a minimal device links, the template core; the general
# core compiled with the minimal profile's switches (its reference) is `general-minimal`. Inside
# this script P names what is compiled: tiny (ref/tiny), minimal or full (ref/src).
NAME=${1:-minimal}
case $NAME in
minimal | tiny) NAME=minimal P=tiny ;;
general-minimal) P=minimal ;;
full) P=full ;;
*) echo "usage: bash bench/footprint.sh [minimal|general-minimal|full]" >&2; exit 2 ;;
esac
MINIMAL="MK_PROFILE_MINIMAL=1 MK_NATT=0 MK_RPK=0 MK_TRACE=0 MK_SUITES_ALL=0 MK_DELETE=0"
case $P in
minimal) DEFS=$MINIMAL ;;
full) DEFS="MK_PROFILE_MINIMAL=0 MK_NATT=1 MK_RPK=1 MK_TRACE=1 MK_SUITES_ALL=1 MK_DELETE=1" ;;
tiny) DEFS="" ;; # the template core has no switches
esac
# what builds the host half: the profile itself; tiny's peer and floor use the minimal profile
HOST_PROFILE=$P
HOST_DEFS=$DEFS
if [ "$P" = tiny ]; then
  HOST_PROFILE=minimal
  HOST_DEFS=$MINIMAL
  if ! compgen -G 'ref/tiny/*.c' >/dev/null; then
    echo "footprint.sh: ref/tiny has no .c files yet (the template core is on branch tiny)" >&2
    exit 1
  fi
fi
tmp=${FOOTPRINT_TMP:-$(mktemp -d)}
trap 'rm -rf "$tmp"' EXIT

# ---- the files the profile compiles: ref/src/sources.txt, as CMake reads it -----------------
files=()
incs=(-Iref/include -Iref/src)
[ "$P" = tiny ] && incs=(-Iref/tiny) && files=(ref/tiny/*.c)
[ "$P" = tiny ] || while read -r f sw; do
  case $f in '#'* | '') continue ;; esac
  # a file whose switch is off goes to mk_extra (tools only), not the core
  case $sw in
  always) ;;
  tools) continue ;;
  '!'*) [[ " $DEFS " == *" ${sw#!}=1 "* ]] && continue ;;
  *) [[ " $DEFS " == *" $sw=1 "* ]] || continue ;;
  esac
  files+=("ref/src/$f")
done <ref/src/sources.txt
# and the ref/ headers those files include (the preprocessor's own list, under the profile)
hdefs=()
for d in $DEFS; do hdefs+=("-D$d"); done
mapfile -t headers < <({ gcc -MM "${incs[@]}" ${hdefs[@]+"${hdefs[@]}"} "${files[@]}" |
  tr ' \\' '\n\n' | grep -E '^ref/.*\.h$'; [ "$P" != tiny ] || ls ref/tiny/*.h; } | sort -u)

echo "profile=$NAME"
echo "core=$([ "$P" = tiny ] && echo ref/tiny || echo ref/src)"

# ---- code_lines: a small #if evaluator over the profile's switches ---------------------------
python3 - "$DEFS" "${headers[@]}" "${files[@]}" <<'PY'
import re, sys
defs = dict(d.split('=') for d in sys.argv[1].split())
def strip_comments(s):
    s = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), s, flags=re.S)
    return re.sub(r'//[^\n]*', '', s)
def evaluate(expr):
    expr = re.sub(r'defined\s*\(?\s*(\w+)\s*\)?', lambda m: '1' if m.group(1) in defs else '0', expr)
    expr = re.sub(r'\b[A-Za-z_]\w*\b', lambda m: defs.get(m.group(0), '0'), expr)
    expr = expr.replace('&&', ' and ').replace('||', ' or ')
    expr = re.sub(r'!(?!=)', ' not ', expr)
    return bool(eval(expr))
total = 0
for f in sys.argv[2:]:
    stack = []  # (active, taken)
    active = True
    n = 0
    for line in strip_comments(open(f).read()).split('\n'):
        t = line.strip()
        m = re.match(r'#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)', t)
        if m:
            d, arg = m.group(1), m.group(2).strip()
            if d in ('if', 'ifdef', 'ifndef'):
                # include guards (#ifndef X_H) and unknown macros count as not defined
                c = evaluate(arg) if d == 'if' else ((arg in defs) == (d == 'ifdef'))
                stack.append((active, c))
                active = active and c
            elif d == 'elif':
                outer, taken = stack[-1]
                c = not taken and evaluate(arg)
                stack[-1] = (outer, taken or c)
                active = outer and c
            elif d == 'else':
                outer, taken = stack[-1]
                active = outer and not taken
                stack[-1] = (outer, True)
            else:
                active = stack.pop()[0]
            continue
        if active and t:
            n += 1
    total += n
print(f"code_lines={total}")
PY

# ---- Cortex-M4: kept text, unresolved symbols, sizeof -------------------------------------
if command -v arm-none-eabi-gcc >/dev/null; then
  # The crypto adapters include libsodium/mbedTLS headers only; make them visible to the cross
  # compiler without the host's libc headers. Debian's mbedTLS config enables pthread mutexes,
  # which newlib has not: a device config would not.
  mkdir -p "$tmp/inc"
  ln -s /usr/include/sodium.h /usr/include/sodium /usr/include/mbedtls "$tmp/inc/"
  printf '#include "mbedtls/config.h"\n#undef MBEDTLS_THREADING_C\n#undef MBEDTLS_THREADING_PTHREAD\n' >"$tmp/inc/mk_cfg.h"
  cflags=(-std=c11 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections
          "${incs[@]}" -isystem "$tmp/inc" -DMBEDTLS_CONFIG_FILE='"mk_cfg.h"')
  for d in $DEFS; do cflags+=("-D$d"); done
  driver=bench/footprint_m4.c probe=mk_footprint_probe
  [ "$P" = tiny ] && driver=bench/footprint_m4_tiny.c probe=mt_footprint_probe
  objs=()
  for f in "${files[@]}"; do
    [[ $f == *.c ]] || continue
    o="$tmp/$(basename "$f" .c).o"
    arm-none-eabi-gcc "${cflags[@]}" -c "$f" -o "$o"
    objs+=("$o")
  done
  arm-none-eabi-gcc "${cflags[@]}" -c "$driver" -o "$tmp/driver.o"
  # a relocatable link with main as the only root: --gc-sections keeps what main reaches, and
  # every symbol no object defines (crypto, libc, the driver's radio) stays undefined
  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostdlib -Wl,-r -Wl,--gc-sections -Wl,-e,main \
    -Wl,-u,main "$tmp/driver.o" "${objs[@]}" -o "$tmp/kept.o"
  text_of() { # code + read-only data octets of an object
    arm-none-eabi-size -A "$1" | awk '$1 ~ /^\.(text|rodata)/ { s += $2 } END { print s + 0 }'
  }
  echo "m4_text_kept=$(($(text_of "$tmp/kept.o") - $(text_of "$tmp/driver.o")))"
  # undefined symbols that a kept section still refers to (the symbol table of a relocatable
  # link also lists those only discarded sections used)
  arm-none-eabi-nm -u "$tmp/kept.o" | awk '{print $2}' | sort -u >"$tmp/undef"
  arm-none-eabi-objdump -r "$tmp/kept.o" | awk 'NF == 3 && $1 ~ /^[0-9a-f]+$/ { sub(/[+-]0x.*/, "", $3); print $3 }' |
    sort -u >"$tmp/used"
  echo "m4_unresolved=$(comm -12 "$tmp/undef" "$tmp/used" | grep -v -e '^radio_' -e '^rng_fill$' |
    paste -sd, -)"
  echo "sizeof_mk_ike=$((16#$(arm-none-eabi-nm -S "$tmp/driver.o" |
    awk -v p="$probe" '$4 == p { print $2 }')))"
else
  echo "m4_text_kept=n/a (arm-none-eabi-gcc missing: scripts/deps.sh installs gcc-arm-none-eabi)"
fi

# ---- x86-64: the measured handshake -----------------------------------------------------------
B=${FOOTPRINT_BUILD:-build/footprint-$P}
targets=(mk_harness)
host=(bench/footprint_host.c)
if [ "$P" = tiny ]; then
  targets+=(mk_tiny)
  host=(-Iref/tiny bench/footprint_host_tiny.c "$B/libmk_tiny.a")
fi
if [ ! -f "$B/libmk_harness.a" ]; then
  cmake -S . -B "$B" -DMK_PROFILE="$HOST_PROFILE" -DMK_INTEROP=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$B" -j2 --target "${targets[@]}" >/dev/null 2>&1 ||
  { echo "footprint.sh: building ${targets[*]} in $B failed" >&2; exit 1; }
hdefs=()
for d in $HOST_DEFS; do hdefs+=("-D$d"); done
gcc -std=c11 -O2 -w -Iref/include -Iref/src -Iharness/lib "${hdefs[@]}" \
  -DMK_SOURCE_DIR="\"$PWD\"" "${host[@]}" -o "$tmp/host" \
  "$B/libmk_harness.a" "$B/libmk_core.a" $([ -f "$B/libmk_io.a" ] && echo "$B/libmk_io.a") \
  $([ -f "$B/libmk_extra.a" ] && echo "$B/libmk_extra.a") \
  $(pkg-config --libs libsodium) -lmbedcrypto -lpcap
LD_BIND_NOW=1 "$tmp/host"
