#!/usr/bin/env bash
# The main job: install dependencies, build, and run the garage-door demo (responder embedded,
# loopback only, no configuration). Extra arguments go to `minike demo` (try --help, -v, --delete).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" --target minike >/dev/null
exec build/demo/minike demo "$@"
