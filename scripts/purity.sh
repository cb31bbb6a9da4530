#!/usr/bin/env bash
# The core must not reach the heap, sockets, clocks, the RNG or stdio by itself (sans-I/O).
# Usage: purity.sh libmk_core.a   -- prints offending symbols and exits 1 if any.
set -euo pipefail
lib=$1
forbidden='malloc|calloc|realloc|free|socket|bind|connect|sendto|recvfrom|send|recv|poll|select|clock_gettime|time|gettimeofday|randombytes_buf|randombytes_random|getrandom|rand|random|printf|fprintf|sprintf|snprintf|puts|fputs|fwrite|perror|abort|exit'
bad=$(nm -u "$lib" | awk '{print $NF}' | sed 's/@.*//' | grep -Ex "($forbidden)" | sort -u || true)
if [ -n "$bad" ]; then
  echo "purity: $lib links forbidden symbols:"; echo "$bad"; exit 1
fi
n=$(nm -u "$lib" | wc -l)
echo "purity: $lib clean ($n undefined symbols, none forbidden)"
