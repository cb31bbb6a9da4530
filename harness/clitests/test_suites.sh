#!/usr/bin/env bash
# label: unit
# `minike initiate` against `minike respond` on 127.0.0.1 for every supported suite: IKE SA +
# ESP child SA, ICMP echo through the tunnel, Delete. Plus UDP echo in tunnel and transport
# mode, the garage door over --send, IKE without NAT-T, and --seed reproducibility.
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE
PSK=$T/psk
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 5)

start_resp --psk-file "$PSK" --id @door.test --travel 1
P=$RESP_PORT

IKE=(aes128gcm16-prfsha256-x25519 chacha20poly1305-prfsha256-x25519 aes256-sha256-modp2048
     aes128gcm16-prfsha256-ecp256 aes128ccm8-prfsha256-x25519)
ESP=(aes128gcm16 chacha20poly1305 aes256-sha256 aes128ccm8 aes128gcm16)
for i in "${!IKE[@]}"; do
  expect_rc "IKE ${IKE[$i]} / ESP ${ESP[$i]}: ping x2 + delete" 0 \
    "$M" "${I[@]}" --peer 127.0.0.1:$P --ike "${IKE[$i]}" --esp "${ESP[$i]}" \
    --ping 10.99.10.1 --count 2 --delete
  grep -q 'echo reply from 10.99.10.1: seq=2' "$T/out" && grep -q 'IKE SA deleted' "$T/out" \
    && pass "  replies seen, SA deleted" || fail "  replies / delete missing" "$T/out"
done
# every ESP suite once more under the default IKE suite
for e in chacha20poly1305 aes256-sha256 aes128ccm8; do
  expect_rc "ESP $e under the default IKE suite" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P --esp $e --ping 10.99.10.1
done
expect_rc "several proposals offered, first accepted" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P \
  --ike aes128ccm8-prfsha256-x25519,aes128gcm16-prfsha256-x25519 --esp aes128ccm8,aes128gcm16
expect_rc "garage door over --send (ACK, STATUS, DONE)" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P \
  --send OPEN --to 10.99.10.1:7777 --quiet-timeout 2
grep -q 'reply: ACK OPEN' "$T/out" && grep -q 'reply: DONE open' "$T/out" \
  && pass "  door answered ACK ... DONE" || fail "  door replies" "$T/out"
expect_rc "IKE only, no NAT-T" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P --no-natt
expect_rc "identities: email, keyid, ipv4" 0 "$M" initiate --psk-file "$PSK" --timeout 5 \
  --peer 127.0.0.1:$P --id keyid:0102030405 --remote-id fqdn:door.test
expect_rc "MINIKE_PSK instead of --psk-file" 0 env MINIKE_PSK="$(cat "$PSK")" "$M" initiate \
  --id email:dev@test --timeout 5 --peer 127.0.0.1:$P
# --seed: our SPIs and nonces are reproducible (the responder's side is not seeded)
"$M" "${I[@]}" --peer 127.0.0.1:$P --seed 42 >"$T/s1" 2>&1
"$M" "${I[@]}" --peer 127.0.0.1:$P --seed 42 >"$T/s2" 2>&1
"$M" "${I[@]}" --peer 127.0.0.1:$P --seed 43 >"$T/s3" 2>&1
s1=$(grep -o 'IKE SA [0-9a-f]*_i.* in [0-9a-f]*' "$T/s1" | sed 's/out [0-9a-f]* //')
s2=$(grep -o 'IKE SA [0-9a-f]*_i.* in [0-9a-f]*' "$T/s2" | sed 's/out [0-9a-f]* //')
s3=$(grep -o 'IKE SA [0-9a-f]*_i.* in [0-9a-f]*' "$T/s3" | sed 's/out [0-9a-f]* //')
[ -n "$s1" ] && [ "$s1" = "$s2" ] && [ "$s1" != "$s3" ] && pass "--seed N gives the same SPIi and inbound SPI ($s1)" \
  || fail "--seed reproducibility: '$s1' '$s2' '$s3'" "$T/s1"
stop_resp

start_resp --psk-file "$PSK" --id @door.test --echo
expect_rc "UDP echo, tunnel mode" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --send hello-tunnel \
  --to 10.99.10.1:9 --quiet-timeout 1
grep -q 'reply: hello-tunnel' "$T/out" && pass "  echo came back" || fail "  echo" "$T/out"
stop_resp

# transport mode: the selectors are the outer addresses, so the responder protects 127.0.0.1
start_resp --psk-file "$PSK" --id @door.test --echo --tsr 127.0.0.1/32
expect_rc "UDP echo, transport mode" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --transport \
  --send hello-transport --to 127.0.0.1:9 --quiet-timeout 1
grep -q 'transport' "$T/out" && grep -q 'reply: hello-transport' "$T/out" && pass "  echo came back (transport)" || fail "  echo (transport)" "$T/out"
expect_rc "ICMP echo, transport mode" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --transport \
  --ping 127.0.0.1
stop_resp

# --once: the responder exits by itself after the first IKE SA is deleted
start_resp --psk-file "$PSK" --id @door.test --once -q
"$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --delete >/dev/null 2>&1
for i in $(seq 50); do kill -0 "$RESP_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$RESP_PID" 2>/dev/null; then fail "--once responder still running" "$RESP_LOG"; else
  wait "$RESP_PID"; rc=$?; [ $rc = 0 ] && pass "--once responder exits 0 after the Delete" || fail "--once exit $rc" "$RESP_LOG"; fi
finish
