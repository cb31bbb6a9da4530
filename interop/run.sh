#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# interop/run.sh: minike against strongSwan (Debian's charon-systemd) in two network namespaces,
# and against libreswan's pluto (unpacked privately, see interop/libreswan/fetch.sh).
#
# Each scenario gets a fresh pair of namespaces, a fresh charon and a fresh capture, and everything
# is removed again by PID and by name when the scenario ends, fails or is interrupted (trap).
# It never touches an address outside the two namespaces it creates.
#
#   ┌─────────────────────────────────────┐            ┌─────────────────────────────────────────┐
#   │ mkI<pid>x<n>  "initiator"           │            │ mkR<pid>x<n>  "responder"               │
#   │                                     │            │                                         │
#   │  minike initiate                    │            │  charon-systemd (kernel-libipsec,       │
#   │  (or charon-systemd + swanctl       │            │   UDP 500/4500, vici socket in $W/R)    │
#   │   --initiate, scenario "swan-*")    │            │  (or minike respond, "reverse-*";       │
#   │                                     │            │   or pluto, libreswan/<scenario>)       │
#   │  tcpdump -U -i vI -> $W/ike.pcap    │            │                                         │
#   │                                     │   veth     │                                         │
#   │  vI 10.77.0.1/24 ───────────────────┼────────────┼─────────────────── vR 10.77.0.2/24      │
#   │  lo 10.77.20.1/32   (TSi, inner src)│            │  lo 10.77.10.1/32 (TSr, ping target)    │
#   │                                     │            │  ipsec0 (TUN made by kernel-libipsec)   │
#   └─────────────────────────────────────┘            └─────────────────────────────────────────┘
#
# The kernel here has no ESP (see interop/README.md): strongSwan's child SAs live in userspace
# (kernel-libipsec), which only does ESP in UDP, so minike must send NAT_DETECTION_* and move to
# UDP 4500 with the non-ESP marker; ESP then flows as ESP-in-UDP on 4500.
#
# usage: interop/run.sh [--save] [--keep] [--minike PATH] [--list] [--table] [SCENARIO ...|all]
#   --save     copy each scenario's capture, Wireshark key tables and summary to pcaps/interop/<s>/
#   --keep     keep the work directory (printed) instead of deleting it
#   --minike   the minike binary (default: $MINIKE, else build*/minike under the repo, newest)
#   --list     print the scenario names and exit
#   --table    print the Markdown results table from pcaps/interop/*/summary.txt and exit
# exit: 0 all passed, 1 a scenario failed, 77 skipped (not root, no namespaces, no strongSwan,
#       no minike binary for a scenario that needs one).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# The scenario logic (expect files, peers, verdicts) is interop/scenario-lib.sh, shared with
# interop/docker/run.sh; this file is the network-namespace topology and the command line.
# shellcheck source=interop/scenario-lib.sh
. "$HERE/scenario-lib.sh"
LIBRESWAN=${MK_LIBRESWAN:-$ROOT/build/libreswan}
SAVE=0 KEEP=0 TABLE=0 MINIKE=${MINIKE:-}
SCENARIOS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --save) SAVE=1 ;;
    --keep) KEEP=1 ;;
    --minike) MINIKE=$2; shift ;;
    --list) list_scenarios; exit 0 ;;
    --table) TABLE=1 ;;
    -h|--help) sed -n '/^# usage/,/^#       no minike/p' "$0"; exit 0 ;;
    all) mapfile -t -O "${#SCENARIOS[@]}" SCENARIOS < <(list_scenarios) ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) SCENARIOS+=("$1") ;;
  esac
  shift
done
[ ${#SCENARIOS[@]} -gt 0 ] || mapfile -t SCENARIOS < <(list_scenarios)
if [ "$TABLE" = 1 ]; then
  echo "| scenario | initiator → responder (version) | result | IKE setup: datagrams / bytes | other IKE | ESP |"
  echo "|---|---|---|---|---|---|"
  for f in "$ROOT"/pcaps/interop/*/summary.txt; do
    [ -f "$f" ] || continue
    awk -F': ' '/^scenario:/{s=$2} /^pair:/{p=$2} /^result:/{r=$2} /^exit:/{x=$2}
      /^setup /{split($0,a," [|] "); sub(/^setup /,"",a[1]); sub(/ dgrams /," / ",a[1]); sub(/ bytes/," B",a[1]);
                sub(/^other IKE /,"",a[2]); sub(/\//," / ",a[2]); sub(/^ESP /,"",a[3]); sub(/\//," / ",a[3]);
                b=a[1]; o=a[2]; e=a[3]}
      END{printf "| %s | %s | %s (exit %s) | %s | %s | %s |\n", s, p, r, x, b, o, e}' "$f"
  done
  exit 0
fi


# ---- preconditions: skip (77) rather than fail when the machine cannot run this ------------------
[ "$(id -u)" -eq 0 ] || skip "interop needs root (network namespaces, port 500)"
for t in ip tcpdump swanctl python3; do
  command -v "$t" >/dev/null 2>&1 || skip "$t not installed (scripts/deps.sh installs it)"
done
CHARON=/usr/sbin/charon-systemd
[ -x "$CHARON" ] || skip "charon-systemd not installed (scripts/deps.sh installs it)"
[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
  skip "kernel-libipsec plugin missing (libcharon-extra-plugins)"
probe=mkP$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$probe"
[ -e /dev/net/tun ] || skip "/dev/net/tun missing (kernel-libipsec needs TUN)"
SWAN_VERSION=$(dpkg-query -W -f='${Version}' charon-systemd 2>/dev/null || echo unknown)

if [ -z "$MINIKE" ]; then
  MINIKE=$(ls -t "$ROOT"/build*/minike "$ROOT"/build/*/minike 2>/dev/null | head -n1 || true)
fi

WORK=$(mktemp -d -t mk-interop.XXXXXX)
NETNS=()       # every namespace we created
topology_down() { local p; for p in "${NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done; NETNS=(); }
finish() {
  cleanup
  if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- topology ------------------------------------------------------------------------------------
SEQ=0
make_topology() { # make_topology MODE PEER: the same two namespaces for every mode
  SEQ=$((SEQ + 1))
  NSI=mkI$$x$SEQ NSR=mkR$$x$SEQ
  ip netns add "$NSI" && NETNS+=("$NSI") || return 1
  ip netns add "$NSR" && NETNS+=("$NSR") || return 1
  # both ends are created directly inside the namespaces: no name in the root namespace
  ip link add vI netns "$NSI" type veth peer name vR netns "$NSR" || return 1
  ip -n "$NSI" addr add $I_ADDR/24 dev vI
  ip -n "$NSR" addr add $R_ADDR/24 dev vR
  ip -n "$NSI" addr add $I_INNER/32 dev lo
  ip -n "$NSR" addr add $R_INNER/32 dev lo
  for n in "$NSI" "$NSR"; do ip -n "$n" link set lo up; done
  ip -n "$NSI" link set vI up && ip -n "$NSR" link set vR up
}

# the name bench/netns_wire.sh and harness/check/run_swan.sh use for the same two namespaces
make_netns() { make_topology netns "${1:-}"; }

# Sourced (bench/netns_wire.sh; harness/check/run_swan.sh with MK_RUNSH_LIB=1): the
# preconditions, namespaces, peer helpers and cleanup trap above, no scenario loop.
[[ "${BASH_SOURCE[0]}" != "$0" || -n "${MK_RUNSH_LIB:-}" ]] && return 0
total=0 failed=() skipped=()
for s in "${SCENARIOS[@]}"; do
  run_scenario "$s"; r=$?
  cleanup                                     # idempotent: also after an early failure return
  total=$((total + 1))
  case $r in 0) ;; 77) skipped+=("$s") ;; *) failed+=("$s") ;; esac
done
echo "=== $((total - ${#failed[@]} - ${#skipped[@]}))/$total passed${failed:+, failed: ${failed[*]}}${skipped:+, skipped: ${skipped[*]}}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#skipped[@]} -lt $total ] || exit 77
exit 0
