#!/usr/bin/env bash
# bench/size.sh: lines of C in ref/ and the size of the core built -Os for x86-64 and, with
# Debian's gcc-arm-none-eabi, for Cortex-M4 (Thumb-2), excluding the crypto libraries.
# Usage: bash bench/size.sh   (from the repo root)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== lines of C in ref/ (code only / with comments and blanks)"
python3 - <<'PY'
import re, glob
tot_code = tot_all = 0
for f in sorted(glob.glob('ref/src/*.[ch]') + glob.glob('ref/include/*.h')):
    s = open(f).read()
    allc = s.count('\n')
    s2 = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), s, flags=re.S)
    s2 = re.sub(r'//.*', '', s2)
    code = sum(1 for l in s2.split('\n') if l.strip())
    tot_code += code; tot_all += allc
    print(f"  {f:34s} {code:6d} {allc:6d}")
print(f"  {'total':34s} {tot_code:6d} {tot_all:6d}")
PY
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The crypto adapters include libsodium/mbedTLS headers only; make them visible to the cross
# compiler without the host's libc headers.
mkdir -p "$tmp/inc"; ln -s /usr/include/sodium.h /usr/include/sodium /usr/include/mbedtls "$tmp/inc/"
# Debian's mbedTLS config enables pthread mutexes, which newlib has not: a device config would not
printf '#include "mbedtls/config.h"\n#undef MBEDTLS_THREADING_C\n#undef MBEDTLS_THREADING_PTHREAD\n' > "$tmp/inc/mk_cfg.h"
build() { # $1 = compiler, $2.. = flags
  local cc=$1; shift
  local objs=()
  for f in ref/src/*.c; do
    o="$tmp/$(basename "$f" .c).$(basename "$cc").o"
    "$cc" -std=c11 -Os -ffunction-sections -fdata-sections -Iref/include -Iref/src "$@" -c "$f" -o "$o"
    objs+=("$o")
  done
  echo "${objs[@]}"
}
# Every switch is spelled out (0 or 1): minike.h's defaults would otherwise decide silently.
# `bash bench/footprint.sh` gives the linked (--gc-sections) figures per profile.
for variant in "MK_NATT=1 MK_RPK=1:full (NAT-T, raw public keys)" \
               "MK_NATT=1 MK_RPK=0:NAT-T, PSK only" \
               "MK_PROFILE_MINIMAL=1 MK_NATT=0 MK_RPK=0 MK_TRACE=0 MK_SUITES_ALL=0:minimal profile"; do
  what=${variant#*:}; def=()
  for d in ${variant%%:*}; do def+=("-D$d"); done
  echo "== core ($what), gcc -Os, x86-64 (text data bss per module, then total)"
  objs=$(build gcc "${def[@]}")
  size -t $objs | sed "s#$tmp/##"
  if command -v arm-none-eabi-gcc >/dev/null; then
    echo "== core ($what), arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb (crypto libraries excluded)"
    objs=$(build arm-none-eabi-gcc "${def[@]}" -mcpu=cortex-m4 -mthumb -isystem "$tmp/inc" \
           -DMBEDTLS_CONFIG_FILE='"mk_cfg.h"')
    arm-none-eabi-size -t $objs | sed "s#$tmp/##"
  fi
done
