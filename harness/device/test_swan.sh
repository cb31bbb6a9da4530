#!/usr/bin/env bash
# test_swan.sh BUILD_DIR: the firmware, in QEMU inside interop/run.sh's initiator namespace,
# against strongSwan (charon + kernel-libipsec, UDP encapsulation): scenario
# psk-x25519-chacha20 with harness/device/minike-device standing in for `minike initiate`.
# run.sh's own checks apply unchanged: exit 0, charon's log lines, the ESP echo round trip in
# the capture, and the device's keys byte-identical to charon's level-4 key log.
# exit: 0 pass, 1 fail, 77 skipped (not root, no strongSwan/QEMU/cross compiler).
set -u
OUT=${1:?usage: test_swan.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: strongSwan interop needs root (network namespaces)"; exit 77; }
command -v qemu-system-arm >/dev/null ||
  { echo "SKIP: qemu-system-arm missing (scripts/deps.sh installs it)"; exit 77; }
FW=$("$HERE/build.sh" "$OUT" | tail -n1)
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { echo "$FW"; exit "$rc"; }
MK_DEVICE_FW=$FW exec "$HERE/../../interop/run.sh" --minike "$HERE/minike-device" psk-x25519-chacha20
