#!/usr/bin/env bash
# run_oss_fuzz_build.sh: run fuzz/oss-fuzz/build.sh locally, without Docker, with the variables
# OSS-Fuzz sets (clang-14, ASan + UBSan + libFuzzer), then check every binary it produced by
# replaying its seed corpus zip once (-runs=0) with its dictionary.
#   fuzz/run_oss_fuzz_build.sh [out dir]      (default build-fuzz-clang/oss-fuzz-out)
# Dependencies come from the system (libsodium, libmbedcrypto) unless $SRC/libsodium and
# $SRC/mbedtls source trees are provided as in the Docker image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$root/build-fuzz-clang/oss-fuzz-out}
scratch=$(mktemp -d /tmp/mk-ossfuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/work" "$out"
ln -s "$root" "$scratch/src/minike"

export CC=clang-14 CXX=clang++-14
command -v "$CXX" >/dev/null || export CXX=$CC
export SANITIZER_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $SANITIZER_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
export SRC="$scratch/src" WORK="$scratch/work" OUT="$out"

bash "$here/oss-fuzz/build.sh"

status=0
for bin in "$out"/fuzz_*; do
    case "$bin" in *.zip|*.dict) continue ;; esac
    t=$(basename "$bin")
    seeds="$scratch/seeds/$t"
    mkdir -p "$seeds"
    [ -f "$out/${t}_seed_corpus.zip" ] && unzip -qo "$out/${t}_seed_corpus.zip" -d "$seeds"
    if "$bin" -runs=0 -dict="$out/$t.dict" "$seeds" >"$scratch/$t.log" 2>&1; then
        printf '%-20s ok   %s seeds\n' "$t" "$(ls "$seeds" | wc -l)"
    else
        printf '%-20s FAIL\n' "$t"; tail -20 "$scratch/$t.log"; status=1
    fi
done
exit $status
