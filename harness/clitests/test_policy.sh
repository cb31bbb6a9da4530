#!/usr/bin/env bash
# label: unit
# Policy checks between `minike initiate` and `minike respond` on 127.0.0.1:
#  - RFC 4301 §5.2: an ESP packet that opens with the right keys but whose inner packet lies
#    outside the SA's traffic selectors is dropped (one timeline line) on both sides, and a
#    packet inside them passes. Responder side: the initiator proposes TSr 10.99.0.0/16, the
#    responder narrows it to 10.99.10.0/24, so a ping to 10.99.99.1 is sealed with the right
#    keys but outside the negotiated TSr. Initiator side: `respond --misbehave forge-inner`
#    precedes each reply with a copy from 192.0.2.66 (outside TSr), sealed with the SA keys.
#  - every initiator the responder refuses gets one log line with the reason.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 3)

# ---- responder side: inbound ESP outside the negotiated TSr ----
start_resp --psk-file "$PSK" --id @door.test --echo
expect_rc "ping outside the narrowed TSr goes unanswered" 5 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --tsr 10.99.0.0/16 --ping 10.99.99.1
grep -q 'note: ICMP destination 10.99.99.1 outside TSr 10.99.10.0/24' "$T/out" \
  && pass "  the initiator knows the negotiated TSr and says so" || fail "  outbound note" "$T/out"
sleep 0.2
grep -q 'dropped: ICMP destination 10.99.99.1 outside TSr 10.99.10.0/24 (RFC 4301 5.2)' "$RESP_LOG" \
  && pass "  the responder drops it in one line" || fail "  responder drop line" "$RESP_LOG"
grep -q 'ICMP echo reply' "$RESP_LOG" && fail "  the responder answered it" "$RESP_LOG" \
  || pass "  no echo reply sent"
expect_rc "ping inside it, same SA setup, passes" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --tsr 10.99.0.0/16 --ping 10.99.10.1
grep -q 'echo reply from 10.99.10.1: seq=1' "$T/out" && pass "  reply received" || fail "  reply" "$T/out"
expect_rc "UDP to a port outside --tsr's range is dropped too" 5 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --tsr 10.99.0.0/16 --send x --to 10.99.11.1:9 --quiet-timeout 1
stop_resp
grep -q 'stopped; 2 inbound ESP packets dropped outside the traffic selectors' "$RESP_LOG" \
  && pass "  the drops are counted" || fail "  drop count" "$RESP_LOG"

# ---- initiator side: forged inner source, sealed with the SA's keys ----
start_resp --psk-file "$PSK" --id @door.test --echo --misbehave forge-inner
expect_rc "forged echo reply dropped, real one taken" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --ping 10.99.10.1
grep -q 'dropped: ICMP source 192.0.2.66 outside TSr 10.99.10.0/24 (RFC 4301 5.2)' "$T/out" \
  && pass "  the forged reply is dropped in one line" || fail "  device drop line" "$T/out"
grep -q 'echo reply from 192.0.2.66' "$T/out" && fail "  the forged reply was taken" "$T/out" \
  || pass "  the forged reply was not taken"
grep -q 'echo reply from 10.99.10.1: seq=1' "$T/out" && pass "  the real reply was" || fail "  real reply" "$T/out"
expect_rc "forged UDP reply dropped, real one taken" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --send hi --to 10.99.10.1:9 --quiet-timeout 1
[ "$(grep -c 'reply: hi' "$T/out")" = 1 ] && grep -q 'dropped: UDP source 192.0.2.66' "$T/out" \
  && pass "  exactly one reply, the forged one dropped" || fail "  UDP forged" "$T/out"
stop_resp

# ---- one log line per refused initiator, with the reason ----
start_resp --psk-file "$PSK" --id @door.test --remote-id @dev.test --ike aes128gcm16-prfsha256-x25519
"$M" keygen psk >"$T/psk2"
expect_rc "wrong PSK" 6 "$M" initiate --psk-file "$T/psk2" --id @dev.test --timeout 3 --peer 127.0.0.1:$RESP_PORT
expect_rc "unknown identity" 6 "$M" initiate --psk-file "$PSK" --id @other.test --timeout 3 --peer 127.0.0.1:$RESP_PORT
expect_rc "no acceptable proposal" 7 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --ike chacha20poly1305-prfsha256-x25519
expect_rc "traffic selectors outside --tsr" 7 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --tsr 172.16.0.0/24
expect_rc "a good initiator" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT
sleep 0.2
stop_resp
grep -E '   refused 127\.0\.0\.1:[0-9]+: ' "$RESP_LOG" >"$T/refused"
sed -n 1p "$T/refused" | grep -q ': AUTH_FAILED (its AUTH did not verify: wrong PSK or key)$' \
  && pass "  1st: AUTH_FAILED" || fail "  AUTH_FAILED line" "$T/refused"
sed -n 2p "$T/refused" | grep -q ': ID_MISMATCH (unknown identity: not --remote-id)$' \
  && pass "  2nd: ID_MISMATCH" || fail "  ID_MISMATCH line" "$T/refused"
sed -n 3p "$T/refused" | grep -q ': NO_PROPOSAL_CHOSEN (' && pass "  3rd: NO_PROPOSAL_CHOSEN" \
  || fail "  NO_PROPOSAL_CHOSEN line" "$T/refused"
sed -n 4p "$T/refused" | grep -q ': TS_UNACCEPTABLE (' && pass "  4th: TS_UNACCEPTABLE" \
  || fail "  TS_UNACCEPTABLE line" "$T/refused"
[ "$(wc -l <"$T/refused")" = 4 ] && pass "  exactly one line per refused initiator, none for the good one" \
  || fail "  refusal line count" "$RESP_LOG"
finish
