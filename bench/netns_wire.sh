#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/netns_wire.sh: the handshakes behind bench/run's wire and latency rows.
#
# One pair of namespaces from interop/run.sh (sourced, not copied: same topology, addresses,
# strongswan.conf and start-up), one strongSwan responder and one strongSwan initiator that stay up
# for the whole run, and one capture on the initiator's veth. Then RUNS alternated PSK handshakes
# (minike, strongSwan, minike, ...; the first one of each is a warm-up and listed as such), all with
# the suite of the interop baseline (chacha20poly1305-prfsha256-x25519, ESP chacha20poly1305), and
# one minike handshake with --no-natt. bench/wire.py reads the capture afterwards.
#
# Both charons log at strongSwan's default level (filelog `default = 1`, no key log): the key log
# at level 4 would slow the responder in the timed runs.
#
# usage: bench/netns_wire.sh OUTDIR RUNS MINIKE
# writes OUTDIR/wire.pcap and OUTDIR/runs.txt (one line per handshake: "who variant exit run";
# run 0 is the warm-up pair)
# exit: 0 done, 77 cannot run here (not root, no namespaces, no strongSwan: the SKIP line says why),
#       1 something failed (the message says what)
set -uo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$1 RUNS=$2
export MINIKE=$3
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -x "$MINIKE" ] || { echo "SKIP: no minike binary at $MINIKE"; exit 77; }
set --
# shellcheck source=../interop/run.sh
source "$BENCH/../interop/run.sh" # preconditions (exit 77), WORK, PIDS/NETNS and the cleanup trap

SCEN=$BENCH/../interop/strongswan/swan-initiator-psk # responder + initiator configs, one suite
default_loglevel() { # strongswan.conf: drop the key log and the raised levels of the main log
  python3 - "$1" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"\n    keys \{.*?\n    \}", "", s, flags=re.S)
s = re.sub(r"\n      (ike|cfg|chd|knl|net) = \d+", "", s)
open(p, "w").write(s)
PY
}

make_netns || { echo "cannot build the namespaces"; exit 1; }
RD=$WORK/R ID=$WORK/I
write_swan "$RD" && default_loglevel "$RD/strongswan.conf"
render "$SCEN/swanctl.conf" "$RD/swanctl/swanctl.conf"
write_swan "$ID" && default_loglevel "$ID/strongswan.conf"
render "$SCEN/initiator.swanctl.conf" "$ID/swanctl/swanctl.conf"
printf '%s' "$PSK_GOOD" > "$WORK/psk"
start_capture "$NSI" vI "$OUT/wire.pcap" || exit 1
start_charon "$NSR" "$RD" || { echo "responder charon did not start"; exit 1; }
start_charon "$NSI" "$ID" || { echo "initiator charon did not start"; exit 1; }

run_minike() { # run_minike VARIANT [extra args]
  local v=$1 rc; shift
  ip netns exec "$NSI" timeout -k 2 "$MINIKE_TIMEOUT" "$MINIKE" initiate --peer $R_ADDR \
    --id fqdn:$I_ID --remote-id fqdn:$R_ID --psk-file "$WORK/psk" --tsi $I_NET --tsr $R_NET \
    --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --timeout 10 --delete "$@" \
    >> "$OUT/minike.txt" 2>&1
  rc=$?
  echo "minike $v $rc $RUN" >> "$OUT/runs.txt"
}
run_swan() {
  local rc
  sw "$ID" --initiate --child net --timeout 15 >> "$OUT/swan.txt" 2>&1
  rc=$?
  sw "$ID" --terminate --ike minike --timeout 10 >> "$OUT/swan.txt" 2>&1
  echo "strongswan natt $rc $RUN" >> "$OUT/runs.txt"
}

: > "$OUT/runs.txt"
for i in $(seq 0 "$RUNS"); do # run 0 is the warm-up pair
  RUN=$i
  if [ $((i % 2)) = 0 ]; then run_minike natt; run_swan; else run_swan; run_minike natt; fi
  sleep 0.2
done
RUN=$((RUNS + 1))
run_minike nonatt --no-natt
sleep 0.3 # the last datagrams reach the capture
stop_pid "$CAP_PID"
cp "$RD/charon.log" "$OUT/responder.log" 2>/dev/null
cp "$ID/charon.log" "$OUT/initiator.log" 2>/dev/null
exit 0
