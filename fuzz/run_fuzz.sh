#!/usr/bin/env bash
# run_fuzz.sh: short libFuzzer runs of every target under ASan+UBSan, one target at a time
# (the machine has 2 cores; -jobs=1). Used by CI through the opt-in ctest `fuzz_run` (label fuzz)
# and by hand for the long measurement runs of fuzz/README.md.
#
#   fuzz/run_fuzz.sh [build dir]            build dir: configured with -DMK_FUZZ=ON and clang-14
#                                           (default build-fuzz-clang; built here if needed)
# Environment:
#   FUZZ_TIME=30        seconds per target (-max_total_time)
#   FUZZ_TARGETS="..."  subset of targets (default: every fuzz_<t>.c)
#   FUZZ_MERGE=1        afterwards, minimize corpus/<t> + the new inputs into corpus/<t>
#                       (-merge=1; keeps the committed corpus small; the generators' gen-*
#                       seeds are always kept)
#   FUZZ_LOGS=dir       keep the libFuzzer logs there (default: a temp dir, printed)
#
# New inputs go to a scratch directory; corpus/<t>/ and regress/<t>/ are read-only inputs unless
# FUZZ_MERGE=1. Any crash, leak, timeout or sanitizer report fails the script, and the crashing
# input is copied to fuzz/regress/<t>/ (commit it: the fuzz-smoke ctest replays it from then on).
# The Wireshark-derived seeds are deliberately not used here, so nothing derived from those
# captures can end up in the committed corpus or in regress/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-fuzz-clang}
time_per=${FUZZ_TIME:-30}
logs=${FUZZ_LOGS:-$(mktemp -d /tmp/mk-fuzz-logs.XXXXXX)}
mkdir -p "$logs"

if [ -z "${FUZZ_TARGETS:-}" ]; then
    FUZZ_TARGETS=$(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//' | tr '\n' ' ')
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang-14 -DMK_FUZZ=ON \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
build=$(cd "$build" && pwd)
bins=()
for t in $FUZZ_TARGETS; do bins+=("fuzz_$t"); done
cmake --build "$build" -j2 --target "${bins[@]}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
printf '%-12s %8s %12s %8s %6s\n' target exec/s execs cov corpus
for t in $FUZZ_TARGETS; do
    bin="$build/fuzz/fuzz_$t"
    work=$(mktemp -d /tmp/mk-fuzz-$t.XXXXXX)
    art="$work/artifacts/"
    mkdir -p "$art" "$work/new" "$here/regress/$t"
    rc=0
    # -jobs=1 runs one worker process that logs to fuzz-0.log in the cwd: run inside $work
    (cd "$work" && "$bin" -max_total_time="$time_per" -jobs=1 -workers=1 -seed=1 -timeout=10 \
           -rss_limit_mb=2048 -dict="$here/ikev2.dict" -artifact_prefix="$art" \
           -print_final_stats=1 "$work/new" "$here/corpus/$t" "$here/regress/$t") \
           >"$logs/$t.log" 2>&1 || rc=$?
    [ -f "$work/fuzz-0.log" ] && cat "$work/fuzz-0.log" >>"$logs/$t.log"
    final=$(grep -E '^#[0-9]+' "$logs/$t.log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$final")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$t.log" | tail -1)
    printf '%-12s %8s %12s %8s %6s\n' "$t" "${eps:-?}" "${execs:-?}" "${cov:-?}" "${corp:-?}"
    found=$(ls "$art" 2>/dev/null || true)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        status=1
        echo "run_fuzz: $t FAILED (exit $rc), log: $logs/$t.log" >&2
        for f in $found; do
            cp "$art/$f" "$here/regress/$t/$f"
            echo "run_fuzz: crashing input saved as fuzz/regress/$t/$f: commit it" >&2
        done
        grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$logs/$t.log" | head -5 >&2 || true
    fi
    if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$rc" -eq 0 ]; then
        # The generators' seeds (gen-*) stay as they are: libFuzzer's merge judges by edges of
        # the optimized build and may call one redundant whose branch the -O0 coverage build of
        # coverage.sh counts; everything else is kept only if it adds features to them.
        merged=$(mktemp -d /tmp/mk-fuzz-merged-$t.XXXXXX)
        find "$here/corpus/$t" -maxdepth 1 -type f -name 'gen-*' -exec cp {} "$merged/" \;
        "$bin" -merge=1 -timeout=10 "$merged" "$here/corpus/$t" "$work/new" \
               >"$logs/$t.merge.log" 2>&1
        if [ -n "$(ls "$merged")" ]; then
            find "$here/corpus/$t" -maxdepth 1 -type f ! -name '.*' -delete
            cp "$merged"/* "$here/corpus/$t/"
        fi
        rm -rf "$merged"
    fi
    rm -rf "$work"
done
echo "run_fuzz: logs in $logs"
exit $status
