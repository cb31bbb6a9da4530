#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# interop/docker/run.sh: the interop scenarios with one container per role on a private Docker
# bridge network, instead of interop/run.sh's network namespaces. The scenario logic, the
# expect files and every verdict are interop/scenario-lib.sh's (the same as interop/run.sh);
# this file makes images, containers and the network, and removes what it made, by id.
#
#   ┌ container: initiator image ─┐  bridge (--internal,   ┌ container: responder image ─┐
#   │ minike | strongSwan | Perl  │  10.77.0.0/24, made    │ strongSwan | pluto | minike │
#   │ eth0 10.77.0.1, lo +TSi addr├──and removed per run)──┤ eth0 10.77.0.2, lo +TSr addr│
#   │ tcpdump -> $WORK/ike.pcap   │                        │ charon/pluto logs -> $WORK  │
#   └─────────────────────────────┘                        └─────────────────────────────┘
# $WORK is bind-mounted at the same path in both containers, interop/ read-only: the host reads
# logs, key logs and the capture there and judges them (charonlog.py, pcapstat.py, tshark).
#
# usage: interop/docker/run.sh [--keep] [--list] [--build] SCENARIO...
#   --build   only build (or reuse) every role's image
#   SCENARIO  minike-strongswan      minike → strongSwan, PSK, UDP both ways, keys = charon's log
#             strongswan-minike      strongSwan → minike respond (ping, UDP echo)
#             minike-strongswan-rpk  minike → strongSwan, raw Ed25519 keys
#             perl-strongswan        the Perl initiator → strongSwan, ESP ping, keys
#             minike-libreswan       minike → libreswan pluto (IKE SA; child refused: no ESP here)
#             garage-demo            `minike respond` (the door) and the device side in two containers
#             or any interop/run.sh scenario name (interop/run.sh --list)
# env: MK_DOCKER_BASE  base image (default debian:bookworm if present locally, else the
#                      debootstrapped minike-base:bookworm; MK_DOCKER_PULL=1 lets docker pull it)
# exit: 0 passed, 1 failed, 77 skipped (no Docker daemon usable; the message says how to get one).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=interop/scenario-lib.sh
. "$ROOT/interop/scenario-lib.sh"
# shellcheck source=scripts/docker-lib.sh
. "$ROOT/scripts/docker-lib.sh"

declare -A ALIAS=([minike-strongswan]=traffic [strongswan-minike]=reverse-psk
                  [minike-strongswan-rpk]=rpk-ed25519 [perl-strongswan]=perl-psk
                  [minike-libreswan]=libreswan-psk [garage-demo]=garage-demo)
KEEP=0 SAVE=0 BUILD=0 SCENARIOS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=1 ;;
    --build) BUILD=1 ;;
    --list) printf '%s\n' minike-strongswan strongswan-minike minike-strongswan-rpk perl-strongswan \
              minike-libreswan garage-demo; exit 0 ;;
    -h|--help) sed -n '/^# usage/,/^# exit/p' "$0"; exit 0 ;;
    -*) echo "docker/run.sh: unknown option $1" >&2; exit 2 ;;
    *) SCENARIOS+=("$1") ;;
  esac
  shift
done
[ ${#SCENARIOS[@]} -gt 0 ] || [ "$BUILD" = 1 ] || { echo "usage: interop/docker/run.sh SCENARIO... (--list)" >&2; exit 2; }

mk_docker_up || skip "$MK_DOCKER_WHY"
# One docker interop run at a time on this machine: they share the 10.77.0.0/24 bridge subnet.
exec 7>/tmp/minike-docker-interop.lock
flock -w 900 7 || { echo "docker/run.sh: another run holds /tmp/minike-docker-interop.lock"; exit 1; }

WORK=$(mktemp -d -t mk-docker.XXXXXX)
CIDS=() NETS=()
topology_down() {
  local c
  for c in "${CIDS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
  for c in "${NETS[@]}"; do docker network rm "$c" >/dev/null 2>&1; done
  CIDS=() NETS=()
}
finish() {
  cleanup
  if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  mk_docker_down
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- images: FROM $BASE, built once and then reused from Docker's cache ---------------------------
mk_docker_pick_base || { echo "docker: cannot make the base image"; exit 1; }
BASE=$MK_FROM
image() { # image ROLE: build (or reuse) minike-interop/ROLE, print its name
  local role=$1 name=minike-interop/$1 ctx=$HERE
  [ "$role" = minike ] && ctx=$ROOT             # built from this tree
  if ! docker build -q --build-arg BASE="$BASE" -t "$name" -f "$HERE/$role.Dockerfile" "$ctx" \
       > "$WORK/build-$role.txt" 2>&1; then
    echo "docker: building $name failed:" >&2; tail -n 20 "$WORK/build-$role.txt" >&2; return 1
  fi
  echo "$name"
}

# ---- the backend for scenario-lib.sh -------------------------------------------------------------
NSX=("$HERE/dx")
I_IF=eth0 R_IF=eth0
CHARON=/usr/sbin/charon-systemd
MINIKE=/usr/local/bin/minike      # inside the minike image
PLUTO_ROOT=""                     # the libreswan image has the package installed
LIBRESWAN=$WORK/libreswan
SWAN_VERSION=docker
have_minike() { true; }
libreswan_ready() { true; }
host_minike() { docker run --rm -v "$WORK:$WORK" "$IMG_MINIKE" minike "$@"; }
SEQ=0
start_side() { # start_side IMAGE ADDR INNER_ADDR NAME: a container on the bridge, its id in SIDE
  local c
  SIDE=""
  c=$(docker run -d --network "${NETS[-1]}" --ip "$2" --hostname "$4" "${MK_DOCKER_CAPS[@]}" \
        -v "$WORK:$WORK" -v "$IOP:$IOP:ro" "$1" sleep infinity) || return 1
  CIDS+=("$c")
  docker exec "$c" ip addr add "$3/32" dev lo || return 1
  SIDE=$c
}
make_topology() { # make_topology MODE PEER: images by role, a fresh bridge, two containers
  local mode=$1 peer=$2 ii ir
  case "$mode" in minike|demo) ii=$IMG_MINIKE ;; perl) ii=$(image perl) ;; *) ii=$(image strongswan) ;; esac
  if [ "$peer" = libreswan ]; then ir=$(image libreswan)
  elif [ "$mode" = reverse ] || [ "$mode" = demo ]; then ir=$IMG_MINIKE
  else ir=$(image strongswan); fi
  [ -n "$ii" ] && [ -n "$ir" ] || return 1
  SEQ=$((SEQ + 1))
  # --internal: no route out of the bridge; only the two containers' addresses exist on it
  local net
  net=$(docker network create --internal --subnet 10.77.0.0/24 --gateway 10.77.0.254 \
          "mk-interop-$$-$SEQ") || return 1
  NETS+=("$net")
  start_side "$ii" $I_ADDR $I_INNER initiator && NSI=$SIDE || return 1
  start_side "$ir" $R_ADDR $R_INNER responder && NSR=$SIDE || return 1
  echo "  containers: initiator ${NSI:0:12} ($ii), responder ${NSR:0:12} ($ir), network ${NETS[-1]:0:12}"
}

# ---- garage-demo: the door (minike respond) and the device (minike initiate) ------------------------
run_garage_demo() {
  local W=$WORK/garage-demo out rc press
  FAILS=0
  echo "=== garage-demo (minike respond's garage door in one container, the device in another)"
  mkdir -p "$W/keys"
  make_topology demo none || { bad "containers"; return 1; }
  printf '%s' "$PSK_GOOD" > "$W/psk"
  start_capture "$NSI" eth0 "$W/ike.pcap" || { bad "capture"; return 1; }
  "${NSX[@]}" "$NSR" minike respond --listen $R_ADDR --psk-file "$W/psk" --id fqdn:door.minike.test \
    --tsr $R_NET --travel 2 > "$W/door.txt" 2>&1 &
  PIDS+=("$!"); local door=$!
  wait_for 10 grep -qs 'listening on' "$W/door.txt" || bad "the door did not report 'listening on'"
  for press in OPEN CLOSE; do
    out=$W/device-$press.txt
    "${NSX[@]}" "$NSI" timeout -k 2 $MINIKE_TIMEOUT minike initiate --peer $R_ADDR --psk-file "$W/psk" \
      --id fqdn:device.minike.test --remote-id fqdn:door.minike.test --tsi $I_NET --tsr $R_NET \
      --send "$press" --to $R_INNER:7777 --quiet-timeout 3 --delete --timeout 10 > "$out" 2>&1
    rc=$?
    if [ $rc = 0 ]; then ok "device $press: exit 0"; else bad "device $press: exit $rc"; fi
    local low; low=$(printf '%s' "$press" | tr 'A-Z' 'a-z')
    for re in "ACK $press" "STATUS ${low/close/clos}ing" "DONE $low"; do
      if grep -Eq -- "$re" "$out"; then ok "device $press: /$re/"; else bad "device $press lacks /$re/"; fi
    done
  done
  stop_pid "$door"
  stop_pid "$CAP_PID"
  python3 "$IOP/pcapstat.py" "$W/ike.pcap" > "$W/bytes.txt" 2>&1
  local n; n=$(grep -c 'ESP spi=' "$W/bytes.txt")
  if [ "$n" -ge 6 ]; then ok "capture: $n ESP datagrams on the bridge"; else bad "capture: $n ESP datagrams"; fi
  echo "  bytes $(head -n1 "$W/bytes.txt")"
  if [ $FAILS -ne 0 ]; then
    for f in "$W"/device-*.txt "$W/door.txt"; do echo "  --- $f"; tail -n 20 "$f" | sed 's/^/  | /'; done
  fi
  cleanup
  [ $FAILS -eq 0 ]
}

t0=$SECONDS
IMG_MINIKE=$(image minike) || exit 1
if [ "$BUILD" = 1 ]; then
  for role in strongswan libreswan perl; do image $role > /dev/null || exit 1; done
  echo "docker: images ready ($((SECONDS - t0)) s):"
  docker image ls --format '  {{.Repository}} {{.ID}} {{.Size}}' 'minike-interop/*'
  exit 0
fi
total=0 failed=() skipped=()
for s in "${SCENARIOS[@]}"; do
  r=${ALIAS[$s]:-$s}
  if [ "$r" = garage-demo ]; then run_garage_demo; else run_scenario "$r"; fi
  rc=$?
  cleanup
  total=$((total + 1))
  case $rc in 0) ;; 77) skipped+=("$s") ;; *) failed+=("$s") ;; esac
done
echo "=== $((total - ${#failed[@]} - ${#skipped[@]}))/$total passed${failed:+, failed: ${failed[*]}}${skipped:+, skipped: ${skipped[*]}}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#skipped[@]} -lt $total ] || exit 77
exit 0
