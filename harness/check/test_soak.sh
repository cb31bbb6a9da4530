#!/bin/bash
# test_soak.sh: soak mode. 20 seeded handshakes with minike, 10% loss, duplication and
# reordering and up to 200 ms delay each way: no hangs, no errors, at least 17 of 20 completed
# (minike retransmits its IKE messages, but the checker also needs its ESP ping or its answer to
# a probe to see the SA up, and on a loaded machine one of those can be lost too: 19/20 was seen
# once in CI), and the report must carry the percentiles. Usage: test_soak.sh MINIKE
set -u
MINIKE=$1
PORT=$((20000 + $$ % 20000))
out=$("$MINIKE" check --listen 127.0.0.1:$PORT --soak 20 --loss 10 --dup 10 --reorder 10 \
      --delay 200 --seed 7 --initiator-cmd "$MINIKE initiate --peer {addr}:{port} --psk-file {pskfile} --id {idi} --remote-id {idr} --timeout 10 --ping 10.99.10.1" 2>&1)
rc=$?
echo "$out" | tail -3
[ $rc -le 1 ] || { echo "exit $rc, want 0 or 1 (1: not every handshake completed)"; exit 1; }
line=$(echo "$out" | grep -E '^soak result: [0-9]+/20 established \([0-9.]+%\), 0 hangs, 0 errors; time to established p50 [0-9]+ ms, p90 [0-9]+ ms, p99 [0-9]+ ms') ||
    { echo "soak summary missing, or hangs or errors"; exit 1; }
n=$(sed -E 's|^soak result: ([0-9]+)/20.*|\1|' <<<"$line")
[ "$n" -ge 17 ] || { echo "only $n of 20 handshakes completed"; exit 1; }
[ $rc -eq 0 ] || [ "$n" -lt 20 ] || { echo "exit 1 although 20/20 completed"; exit 1; }
