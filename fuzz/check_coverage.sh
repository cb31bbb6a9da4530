#!/usr/bin/env bash
# check_coverage.sh: the committed corpora must keep reaching >= 90 % of the lines and >= 80 % of
# the branches of ref/src (issue 14). Runs coverage.sh into <build dir> and checks its TOTAL
# line. Why a test: when the exchange changes, seeds whose AUTH no longer verifies stop reaching
# everything behind the AUTH check without any target failing (it happened once: -10 % of the
# branches); this makes that visible. ctest `fuzz_coverage` (label fuzz-coverage).
#   fuzz/check_coverage.sh <build dir> [min lines %] [min branches %]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: check_coverage.sh <build dir> [min lines] [min branches]}
min_lines=${2:-90}
min_branches=${3:-80}
for tool in clang-14 llvm-cov-14 llvm-profdata-14; do
    if ! command -v "$tool" >/dev/null; then
        echo "check_coverage: SKIP: $tool not installed (scripts/deps.sh installs it)"
        exit 77
    fi
done
out=$(bash "$here/coverage.sh" "$build")
total=$(grep -E '^TOTAL ' <<<"$out" | head -1)
# TOTAL regions missed cover functions missed executed lines missed cover branches missed cover
lines=$(awk '{print $10}' <<<"$total" | tr -d %)
branches=$(awk '{print $13}' <<<"$total" | tr -d %)
echo "check_coverage: ref/src lines $lines % (min $min_lines), branches $branches % (min $min_branches)"
if awk -v l="$lines" -v b="$branches" -v ml="$min_lines" -v mb="$min_branches" \
       'BEGIN { exit !(l >= ml && b >= mb) }'; then
    exit 0
fi
echo "check_coverage: FAIL: below the floor. Per file:"
sed -n '/per file of ref\/src/,/^TOTAL/p' <<<"$out"
echo "check_coverage: if a change to the exchange made old seeds stale, rerun fuzz_gen_seeds and"
echo "  fuzz_gen_seeds_deep into fuzz/corpus and merge (fuzz/README.md)"
exit 1
