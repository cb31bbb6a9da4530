#!/bin/bash -u
# check-seeds.sh [OUT]: run every fuzzer in $OUT once over its own seed corpus zip and dictionary
# (-runs=0: each seed executed, nothing mutated), as OSS-Fuzz's check_build does before fuzzing.
# Exit 1 if any fuzzer crashes, leaks or has no seed corpus.
OUT=${1:-$OUT}
status=0 n=0
for bin in "$OUT"/fuzz_*; do
    case "$bin" in *.zip|*.dict|*.options) continue ;; esac
    [ -x "$bin" ] || continue
    t=$(basename "$bin") n=$((n + 1))
    seeds=$(mktemp -d)
    if [ ! -f "$OUT/${t}_seed_corpus.zip" ]; then
        printf '%-20s FAIL no seed corpus zip\n' "$t"; status=1; continue
    fi
    unzip -qo "$OUT/${t}_seed_corpus.zip" -d "$seeds"
    if "$bin" -runs=0 -dict="$OUT/$t.dict" "$seeds" > "$seeds.log" 2>&1; then
        printf '%-20s ok   %4s seeds  %s\n' "$t" "$(find "$seeds" -type f | wc -l)" \
            "$(grep -o 'cov: [0-9]*' "$seeds.log" | tail -n1)"
    else
        printf '%-20s FAIL\n' "$t"; tail -n 20 "$seeds.log"; status=1
    fi
    rm -rf "$seeds" "$seeds.log"
done
echo "check-seeds: $n fuzzers"
[ "$n" -gt 0 ] || status=1
exit $status
