#!/usr/bin/env bash
# The test command (README, .ci/run): install what is missing, then
#   1. style: clang-format and cppcheck over ref/ (the library a vendor copies)
#   2. gcc -Werror build, every ctest label (interop needs root: it skips with a message without)
#   3. the minimal profile (PSK, one AEAD suite, no NAT-T, no raw keys): its tests, its footprint
#   4. clang -Werror build of everything, unit tests again
#   5. ASan+UBSan build, every label that runs our C code
#   6. a short libFuzzer run of every fuzz target under ASan+UBSan (crash inputs kept)
# Environment: MK_FUZZ_TIME (seconds per fuzz target, default 15; 0 skips step 5).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
step() { printf '\n== %s\n' "$*"; }

step "dependencies"
bash scripts/deps.sh

step "style: clang-format, cppcheck (ref/)"
clang-format --dry-run -Werror ref/src/*.[ch] ref/include/*.h ref/io/*.[ch] ref/tiny/*.[ch]
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
    --suppress=missingIncludeSystem -Iref/include -Iref/src -Iref/tiny ref/src ref/io ref/tiny

step "gcc build (-Werror), all tests"
cmake -S . -B build/ci -DMK_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/ci -j"$jobs"
(cd build/ci && ctest --output-on-failure -j"$jobs" --timeout 600)

step "minimal profile (-DMK_PROFILE=minimal): every test that applies to it"
cmake -S . -B build/minimal -DMK_PROFILE=minimal -DMK_WERROR=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/minimal -j"$jobs"
(cd build/minimal && ctest --output-on-failure -j"$jobs" --timeout 600)
bash bench/footprint.sh minimal

step "clang build (-Werror), unit tests"
cmake -S . -B build/clang -DCMAKE_C_COMPILER=clang-14 -DMK_WERROR=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/clang -j"$jobs"
# (the `check` label drives whole initiators over sockets for minutes: the gcc stage runs it)
(cd build/clang && ctest --output-on-failure -j"$jobs" -L 'unit|vectors|conformance|purity' -LE check)

step "ASan+UBSan build, tests of our C code"
cmake -S . -B build/asan -DMK_WERROR=ON -DMK_SANITIZE="address;undefined" \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$jobs"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" \
     -L 'unit|vectors|replay|conformance|fuzz-smoke|purity|cli|differential' -LE 'interop|check')
# the checker's own code under the sanitizers: its reports and its soak (short); the whole
# catalogue runs once, in the gcc stage
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -R 'check_reports|check_soak')

if [ "${MK_FUZZ_TIME:-15}" != 0 ]; then
    step "libFuzzer: ${MK_FUZZ_TIME:-15} s per target under ASan+UBSan"
    FUZZ_TIME=${MK_FUZZ_TIME:-15} bash fuzz/run_fuzz.sh "$root/build/fuzz"
    if [ -n "$(git status --porcelain fuzz/regress 2>/dev/null)" ]; then
        echo "fuzz: new crash inputs in fuzz/regress/ (see above)"; exit 1
    fi
fi
step "all checks passed"
