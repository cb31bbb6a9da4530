#!/bin/bash
# test_soak.sh: soak mode. 20 seeded handshakes with minike, 10% loss, duplication and
# reordering and up to 200 ms delay each way: every one must complete (minike retransmits; its
# budget is 10 s), no hangs, and the report must carry the percentiles. Usage: test_soak.sh MINIKE
set -u
MINIKE=$1
PORT=$((20000 + $$ % 20000))
out=$("$MINIKE" check --listen 127.0.0.1:$PORT --soak 20 --loss 10 --dup 10 --reorder 10 \
      --delay 200 --seed 7 --initiator-cmd "$MINIKE initiate --peer {addr}:{port} --psk-file {pskfile} --id {idi} --remote-id {idr} --timeout 10 --ping 10.99.10.1" 2>&1)
rc=$?
echo "$out" | tail -3
[ $rc -eq 0 ] || { echo "exit $rc, want 0"; exit 1; }
echo "$out" | grep -Eq '^soak result: 20/20 established \(100\.0%\), 0 hangs, 0 errors; time to established p50 [0-9]+ ms, p90 [0-9]+ ms, p99 [0-9]+ ms' ||
    { echo "soak summary missing or incomplete"; exit 1; }
