#!/usr/bin/env bash
# build.sh [--core tiny] [BUILD_DIR]: the garage-door firmware, cross-built for the Cortex-M4
# board. Fetches the Debian source packages once (fetch-sources.sh, cached in BUILD_DIR/src),
# then `make` (incremental). Prints the ELF path last. BUILD_DIR defaults to build/device.
# --core tiny: the image on the template core (ref/tiny), in BUILD_DIR/fw-tiny.
# exit: 0 built, 77 cannot build here (no cross compiler, no newlib-nano, sources unreachable),
#       1 build failure.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CORE=general
if [ "${1:-}" = --core ]; then CORE=${2:?build.sh: --core general|tiny}; shift 2; fi
case "$CORE" in general) FWDIR=fw ELF=garage-door.elf ;; tiny) FWDIR=fw-tiny ELF=garage-door-tiny.elf ;;
  *) echo "build.sh: --core $CORE: general or tiny"; exit 2 ;; esac
OUT=${1:-$ROOT/build/device}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
command -v arm-none-eabi-gcc >/dev/null ||
  { echo "SKIP: arm-none-eabi-gcc missing (gcc-arm-none-eabi; scripts/deps.sh installs it)"; exit 77; }
[ -n "$(arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=nano.specs -print-file-name=libc_nano.a | grep /)" ] ||
  { echo "SKIP: newlib-nano missing (libnewlib-arm-none-eabi; scripts/deps.sh installs it)"; exit 77; }
command -v make >/dev/null || { echo "SKIP: make missing"; exit 77; }
if ! "$HERE/fetch-sources.sh" "$OUT/src"; then
  echo "SKIP: the crypto sources (apt-get source libsodium mbedtls) could not be fetched; needs the" \
       "Debian mirror once, then they are cached in $OUT/src"
  exit 77
fi
# one build at a time per directory (parallel ctest)
exec 9>"$OUT/.lock"
flock 9
make -s -j2 -C "$HERE" SRC="$OUT/src" OUT="$OUT/$FWDIR" CORE="$CORE" >"$OUT/make-$CORE.log" 2>&1 ||
  { cat "$OUT/make-$CORE.log"; echo "build.sh: firmware build failed (log above)"; exit 1; }
echo "$OUT/$FWDIR/$ELF"
