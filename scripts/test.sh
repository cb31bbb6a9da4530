#!/usr/bin/env bash
# The test command: install dependencies, build (warnings are errors), run every test label,
# then rebuild under ASan+UBSan and run the suite again. Interop tests need root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build/ci -DMK_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/ci -j"$jobs"
(cd build/ci && ctest --output-on-failure -j"$jobs")
cmake -S . -B build/asan -DMK_WERROR=ON -DMK_SANITIZE="address;undefined" -DMK_INTEROP=OFF \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$jobs"
(cd build/asan && ctest --output-on-failure -j"$jobs" -LE interop)
