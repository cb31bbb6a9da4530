#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz/oss-fuzz/run-in-docker.sh [OUT_DIR]: the OSS-Fuzz build of minike in a container with the
# builder's layout (local.Dockerfile: clang-14, $SRC/$OUT/$WORK, deps from Debian's sources, this
# tree as $SRC/minike), then every fuzzer on its seed corpus zip (check-seeds.sh). Expects one
# fuzzer per fuzz/fuzz_*.c. OUT_DIR (default build/oss-fuzz-docker) receives $OUT.
# exit: 0 all built and clean, 1 a failure, 77 no usable Docker daemon (the message says why).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/oss-fuzz-docker}
# shellcheck source=scripts/docker-lib.sh
. "$root/scripts/docker-lib.sh"
mk_docker_up || { echo "SKIP: $MK_DOCKER_WHY"; exit 77; }
cid=""
trap '[ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1; mk_docker_down' EXIT
trap 'exit 130' INT TERM
mk_docker_pick_base || exit 1
img=minike-oss-fuzz/builder
t0=$SECONDS
docker build -q --build-arg BASE="$MK_FROM" -t "$img" -f "$here/local.Dockerfile" "$root" > /dev/null ||
    { echo "oss-fuzz: building $img failed"; exit 1; }
echo "oss-fuzz: image $img ready ($((SECONDS - t0)) s)"
rm -rf "$out"; mkdir -p "$out"
t0=$SECONDS
# by id (docker create), so that an interrupted run still removes it
cid=$(docker create -v "$out:/out" "$img" bash -c 'compile && check-seeds.sh /out') || exit 1
docker start -a "$cid" 2>&1 | grep -v "^libtool: warning"; rc=${PIPESTATUS[0]}
echo "oss-fuzz: compile + seeds in $((SECONDS - t0)) s, exit $rc"
want=$(ls "$root"/fuzz/fuzz_*.c | wc -l)
got=$(find "$out" -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x | wc -l)
if [ "$got" -ne "$want" ]; then echo "oss-fuzz: $got fuzzers built, $want targets in fuzz/"; exit 1; fi
[ "$rc" -eq 0 ] || exit 1
echo "oss-fuzz: all $got fuzzers built and ran their seed corpora"
