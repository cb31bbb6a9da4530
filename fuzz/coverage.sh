#!/usr/bin/env bash
# coverage.sh: line/branch coverage of ref/src reached by the committed corpora (corpus/<t> and
# regress/<t>), with clang source-based coverage. Builds the standalone replay binaries in
# build-fuzz-clang/cov (clang-14, -fprofile-instr-generate -fcoverage-mapping), runs each over its
# corpus, merges the profiles and prints llvm-cov-14's report per target and for all together.
#   fuzz/coverage.sh [build dir]        (default build-fuzz-clang/cov)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-fuzz-clang/cov}
targets=$(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" >/dev/null
cmake --build "$build" -j2 --target $(for t in $targets; do echo "fuzz_${t}_standalone"; done) >/dev/null
prof="$build/fuzz-profiles"
rm -rf "$prof"
mkdir -p "$prof"
objs=()
for t in $targets; do
    bin="$build/fuzz/fuzz_${t}_standalone"
    LLVM_PROFILE_FILE="$prof/$t.profraw" "$bin" "$here/corpus/$t" "$here/regress/$t" >/dev/null
    llvm-profdata-14 merge -sparse "$prof/$t.profraw" -o "$prof/$t.profdata"
    line=$(llvm-cov-14 report "$bin" -instr-profile="$prof/$t.profdata" "$root/ref/src" | tail -1)
    # TOTAL regions missed cover functions missed executed lines missed cover branches missed cover
    printf '%-12s lines %-8s branches %s\n' "$t" "$(awk '{print $10}' <<<"$line")" \
           "$(awk '{print $13}' <<<"$line")"
    objs+=(-object "$bin")
done
llvm-profdata-14 merge -sparse "$prof"/*.profraw -o "$prof/all.profdata"
echo "--- all targets together, per file of ref/src ---"
llvm-cov-14 report "${objs[@]:1}" -instr-profile="$prof/all.profdata" "$root/ref/src"
echo "--- harness/lib/peer*.c (the responder, fuzzed by peer_dgram) ---"
llvm-cov-14 report "${objs[@]:1}" -instr-profile="$prof/all.profdata" "$root"/harness/lib/peer*.c | tail -1
