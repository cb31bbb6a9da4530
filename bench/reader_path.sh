#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/reader_path.sh: how much of ref/ a reader follows for one PSK handshake of a profile,
# measured with gcov (the method of issue 10): the initiator's calls alone (bench/reader_path.c
# replays a recorded peer, counters reset in between), built -O0 --coverage. Prints, per file of
# ref/src and in total: functions entered, lines of their bodies (first to last line of each
# entered function, comments included) and lines executed; then the same for the spine file.
# Usage: bash bench/reader_path.sh [minimal|general-minimal|full]   (default minimal)
# The profile names are bench/footprint.sh's: minimal is the template core (ref/tiny,
# bench/reader_path_tiny.c), its path through ref/tiny, the responder peer built minimal and not
# counted; general-minimal is the general core with the minimal profile's switches. Inside this
# script P is what is compiled: tiny, minimal or full.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-minimal} in
minimal | tiny) P=tiny ;;
general-minimal) P=minimal ;;
full) P=full ;;
*) echo "usage: bash bench/reader_path.sh [minimal|general-minimal|full]" >&2; exit 2 ;;
esac
B=build/gcov-$P
targets=(mk_harness)
driver=(bench/reader_path.c)
lib=mk_core dir=ref/src
if [ "$P" = tiny ]; then
  targets+=(mk_tiny)
  driver=(-Iref/tiny bench/reader_path_tiny.c "$B/libmk_tiny.a")
  lib=mk_tiny dir=ref/tiny
fi
if [ ! -f "$B/libmk_harness.a" ]; then
  cmake -S . -B "$B" -DMK_PROFILE="$([ "$P" = tiny ] && echo minimal || echo "$P")" \
    -DMK_INTEROP=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="--coverage -O0" >/dev/null
fi
cmake --build "$B" -j2 --target "${targets[@]}" >/dev/null
find "$B" -name '*.gcda' -delete
defs=$(grep -o 'MK_[A-Z_]*=[0-9]*' "$B/CMakeFiles/mk_core.dir/flags.make" | sort -u | sed 's/^/-D/')
gcc -std=c11 -O0 --coverage -w -Iref/include -Iref/src -Iharness/lib $defs "${driver[@]}" \
  -o "$B/reader_path" "$B/libmk_harness.a" "$B/libmk_core.a" \
  $([ -f "$B/libmk_io.a" ] && echo "$B/libmk_io.a") $([ -f "$B/libmk_extra.a" ] && echo "$B/libmk_extra.a") \
  $(pkg-config --libs libsodium) -lmbedcrypto -lpcap
"$B/reader_path"
objdir="$B/CMakeFiles/$lib.dir/$dir"
python3 - "$objdir" "$P" "$dir" <<'PY'
import glob, gzip, json, os, subprocess, sys, tempfile
objdir, prof, src = sys.argv[1:4]
tot_f = tot_body = tot_exec = 0
# per file: the spans of the functions entered and the lines executed in them; a header's
# inline functions show up once per file that includes it, and count once
spans, execd = {}, {}
with tempfile.TemporaryDirectory() as tmp:
    for gcda in sorted(glob.glob(objdir + '/*.gcda')):
        subprocess.run(['gcov', '-j', '-o', os.path.abspath(objdir), os.path.abspath(gcda)], cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    for js in sorted(glob.glob(tmp + '/*.gcov.json.gz')):
        data = json.load(gzip.open(js))
        for f in data['files']:
            if '/' + src + '/' not in f['file'] and not f['file'].startswith(src + '/'):
                continue
            entered = {(fn['start_line'], fn['end_line']) for fn in f['functions']
                       if fn['execution_count'] > 0}
            if not entered:
                continue
            name = os.path.basename(f['file'])
            spans.setdefault(name, set()).update(entered)
            execd.setdefault(name, set()).update(
                l['line_number'] for l in f['lines'] if l['count'] > 0 and
                any(a <= l['line_number'] <= b for a, b in entered))
rows = [(name, len(sp), sum(b - a + 1 for a, b in sp), len(execd[name]))
        for name, sp in spans.items()]
print(f"== one PSK handshake, profile {prof}: the initiator's path through {src} (gcov)")
print(f"  {'file':24s} {'functions':>9s} {'body lines':>10s} {'executed':>9s}")
for r in sorted(rows, key=lambda r: -r[2]):
    print(f"  {r[0]:24s} {r[1]:9d} {r[2]:10d} {r[3]:9d}")
    tot_f += r[1]; tot_body += r[2]; tot_exec += r[3]
print(f"  {'total (' + str(len(rows)) + ' files)':24s} {tot_f:9d} {tot_body:10d} {tot_exec:9d}")
PY
