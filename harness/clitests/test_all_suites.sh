#!/usr/bin/env bash
# label: unit
# Every cipher the library registers, for IKE and for ESP, end to end: `minike initiate`
# against `minike respond` (both pinned to that one suite) on 127.0.0.1, IKE SA + child SA,
# two ICMP echoes through the tunnel, Delete. PRF SHA2-512, INTEG SHA2-512-256 and all three DH
# groups are spread over the rows. test_suites.sh covers the everyday suites in more depth.
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE
PSK=$T/psk
# IKE proposal | ESP proposal
ROWS=(
  "chacha20poly1305-prfsha256-x25519|chacha20poly1305"
  "aes128gcm8-prfsha256-x25519|aes128gcm8"
  "aes128gcm12-prfsha512-ecp256|aes128gcm12"
  "aes128gcm16-prfsha256-modp2048|aes128gcm16"
  "aes256gcm8-prfsha512-x25519|aes256gcm8"
  "aes256gcm12-prfsha256-x25519|aes256gcm12"
  "aes256gcm16-prfsha512-x25519|aes256gcm16"
  "aes128ccm8-prfsha256-x25519|aes128ccm8"
  "aes128ccm12-prfsha256-ecp256|aes128ccm12"
  "aes128ccm16-prfsha512-x25519|aes128ccm16"
  "aes256ccm8-prfsha256-x25519|aes256ccm8"
  "aes256ccm12-prfsha256-modp2048|aes256ccm12"
  "aes256ccm16-prfsha256-x25519|aes256ccm16"
  "aes128-sha256-prfsha256-x25519|aes128-sha256"
  "aes256-sha512-prfsha512-ecp256|aes256-sha512"
)
for row in "${ROWS[@]}"; do
  ike=${row%%|*} esp=${row#*|}
  start_resp --psk-file "$PSK" --id @door.test --ike "$ike" --esp "$esp"
  if expect_rc "IKE $ike / ESP $esp: ping x2 + delete" 0 "$M" initiate --psk-file "$PSK" \
       --id @dev.test --timeout 5 --peer 127.0.0.1:$RESP_PORT --ike "$ike" --esp "$esp" \
       --ping 10.99.10.1 --count 2 --delete; then
    grep -q 'echo reply from 10.99.10.1: seq=2' "$T/out" && grep -q 'IKE SA deleted' "$T/out" \
      && pass "  replies seen, SA deleted" || fail "  replies / delete missing" "$T/out"
    # the negotiated suite, as the initiator reports it, is the one pinned on both sides
    grep -q "; IKE $ike, ESP $esp\$" "$T/out" && pass "  negotiated exactly $ike / $esp" \
      || fail "  negotiated suite differs" "$T/out"
  fi
  stop_resp
done
finish
