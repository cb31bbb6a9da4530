#!/usr/bin/env bash
# harness/soak/run.sh [BUILD_DIR]: the loss soak's completion rates as a Markdown table, for
# bench/run and for people. It runs the ctest binary soak_test_loss_soak (1,000 seeded trials per
# condition, simulated time: seconds of CPU, no waiting) and turns its "soak:" lines into rows.
# The binary asserts correctness (every trial established or a clean TIMEOUT, no state change
# from a dropped datagram, >= 99 % at 30 % loss); this script only reports.
#   BUILD_DIR: a configured build tree (default build/bench-run, else build/dev, else build/ci)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
B=${1:-}
if [ -z "$B" ]; then
  for d in build/bench-run build/dev build/ci; do [ -f "$ROOT/$d/CMakeCache.txt" ] && { B=$ROOT/$d; break; }; done
fi
[ -n "$B" ] && [ -f "$B/CMakeCache.txt" ] || { echo "no configured build tree (cmake -S . -B build/dev first)"; exit 77; }
nice cmake --build "$B" -j2 --target soak_test_loss_soak >/dev/null
out=$("$B/harness/soak/soak_test_loss_soak" --jobs 1 --ascii 2>&1) || { echo "$out"; exit 1; }
echo "| condition (1,000 seeded trials) | established | detail |"
echo "|---|---:|---|"
sed -n 's/^soak: \(.*[^ ]\) *  *\([0-9]*\/[0-9]* established ([0-9.]* %)\), \(.*\)$/| \1 | \2 | \3 |/p' <<<"$out"
grep '^soak: dead peer' <<<"$out" | sed 's/^soak: /| /; s/$/ | | |/' || true
