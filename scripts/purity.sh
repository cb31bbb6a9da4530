#!/usr/bin/env bash
# The core must not reach the heap, sockets, clocks, the RNG or stdio by itself (sans-I/O).
# Usage: purity.sh [--no-globals] libmk_core.a   -- prints offending symbols and exits 1 if any.
# --no-globals: also fail on writable static storage (GUIDE.md: "no globals"), the symbols nm
# types D/d/B/b (and common symbols) in .data, .bss and their thread-local twins. The section
# decides, not nm's letter: nm also reports .data.rel.ro as d/D, and that is where const tables
# holding pointers go under -fPIC/PIE (read-only after relocation, not a global to write).
# What the toolchain adds for coverage or sanitizers is not the code's and is skipped: names
# reserved to the implementation (C11 7.1.3: __gcov0.f, __odr_asan.x, clang's __unnamed_1,
# __sancov_gen_*) and local labels (.L*).
set -euo pipefail
globals=false
if [ "${1:-}" = --no-globals ]; then
  globals=true
  shift
fi
[ $# -eq 1 ] || { echo "usage: purity.sh [--no-globals] lib.a" >&2; exit 2; }
lib=$1
forbidden='malloc|calloc|realloc|free|socket|bind|connect|sendto|recvfrom|send|recv|poll|select|clock_gettime|time|gettimeofday|randombytes_buf|randombytes_random|getrandom|rand|random|printf|fprintf|sprintf|snprintf|puts|fputs|fwrite|perror|abort|exit'
bad=$(nm -u "$lib" | awk '{print $NF}' | sed 's/@.*//' | grep -Ex "($forbidden)" | sort -u || true)
if [ -n "$bad" ]; then
  echo "purity: $lib links forbidden symbols:"; echo "$bad"; exit 1
fi
n=$(nm -u "$lib" | wc -l)
echo "purity: $lib clean ($n undefined symbols, none forbidden)"
$globals || exit 0

# objdump -t: "<value> <flags> <section>\t<size> <name>"; data objects, TLS and *COM* symbols
# (not section, file or function symbols). Printed as member: section symbol.
writable=$(objdump -t "$lib" | awk '
  /^In archive/ { next }
  /:[ \t]+file format/ { member = $1; sub(/:$/, "", member); next }
  {
    split($0, half, "\t")
    if (split(half[1], f, " ") < 3) next
    sec = f[length(f)]
    name = half[2]; sub(/^[0-9a-fA-F]+ +/, "", name)
    flags = ""; for (i = 2; i < length(f); i++) flags = flags f[i]
    if (flags ~ /[dfF]/) next  # section, file and function symbols; objects and TLS stay
    if (sec !~ /^(\.data|\.bss|\.tdata|\.tbss)(\..*)?$/ && sec != "*COM*") next
    if (sec ~ /^\.data\.rel\.ro(\..*)?$/) next
    if (name ~ /^(__|\.L)/) next  # reserved names (C11 7.1.3): the compiler adds them
    print "  " member ": " sec " " name
  }' | sort -u)
if [ -n "$writable" ]; then
  echo "purity: $lib has writable globals (GUIDE.md: no globals; make them const or caller-owned):"
  echo "$writable"
  exit 1
fi
echo "purity: $lib has no writable globals"
