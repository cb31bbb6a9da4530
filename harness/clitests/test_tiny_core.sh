#!/usr/bin/env bash
# label: unit
# `minike initiate --core tiny` (the template core, ref/tiny) against `minike respond` on
# 127.0.0.1: handshake, ping and the garage door through ESP; and the failures the general core
# reports, with the same exit code and the same line: wrong PSK (6), wrong --remote-id (6),
# nothing listening (4), a responder that never answers (5). Options outside the template
# core's profile are refused with exit 2 and one line. --seed gives the same SPIs and the same
# IKE_SA_INIT as the general core configured for the same profile.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' >"$PSK"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' >"$T/wrong"
# the general core restricted to the template core's profile, for the comparisons
GEN=(initiate --core general --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --no-natt)
TINY=(initiate --core tiny)

start_resp --psk-file "$PSK" --id @door.test --travel 1
P=$RESP_PORT
expect_rc "tiny: IKE SA + child SA, ping x2" 0 "$M" "${TINY[@]}" --peer 127.0.0.1:$P \
  --psk-file "$PSK" --id @dev.test --remote-id @door.test --timeout 5 --ping 10.99.10.1 --count 2
grep -q 'echo reply from 10.99.10.1: seq=2' "$T/out" && grep -q 'established: IKE SA' "$T/out" \
  && pass "  established, both echo replies seen" || fail "  replies missing" "$T/out"
expect_rc "tiny: garage door over --send" 0 "$M" "${TINY[@]}" --peer 127.0.0.1:$P \
  --psk-file "$PSK" --id @dev.test --timeout 5 --send OPEN --to 10.99.10.1:7777 --quiet-timeout 2
grep -q 'reply: ACK OPEN' "$T/out" && grep -q 'reply: DONE open' "$T/out" \
  && pass "  door answered ACK ... DONE" || fail "  door replies" "$T/out"
expect_rc "tiny: IKE only, --initial-contact off, --pcap and --keys" 0 "$M" "${TINY[@]}" \
  --peer 127.0.0.1:$P --psk-file "$PSK" --id @dev.test --timeout 5 --initial-contact off \
  --pcap "$T/t.pcap" --keys "$T/keys"
grep -q 'N(INITIAL_CONTACT)' "$T/out" && fail "  INITIAL_CONTACT sent with off" "$T/out" \
  || pass "  no INITIAL_CONTACT"
[ -s "$T/t.pcap" ] && [ -s "$T/keys/ikev2_decryption_table" ] && [ -s "$T/keys/esp_sa" ] \
  && pass "  capture and key tables written" || fail "  --pcap/--keys outputs missing" "$T/out"

# the same failures, the same exit code and line as the general core
for c in general tiny; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: wrong PSK -> 6" 6 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$T/wrong" \
    --id @dev.test --timeout 5
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/psk.$c"
  expect_rc "$c: wrong --remote-id -> 6" 6 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" \
    --id @dev.test --remote-id @other.test --timeout 5
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/id.$c"
done
cmp -s "$T/psk.general" "$T/psk.tiny" && pass "wrong PSK: the same line ($(cut -c1-60 "$T/psk.tiny")...)" \
  || { diff "$T/psk.general" "$T/psk.tiny" >"$T/d"; fail "wrong PSK lines differ" "$T/d"; }
cmp -s "$T/id.general" "$T/id.tiny" && pass "wrong --remote-id: the same line" \
  || { diff "$T/id.general" "$T/id.tiny" >"$T/d"; fail "wrong --remote-id lines differ" "$T/d"; }

# --seed: the template core draws the same random octets in the same order as the general core
for c in general tiny; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" --id @dev.test --timeout 5 --seed 7 \
    --pcap "$T/seed.$c.pcap" >"$T/seed.$c" 2>&1
done
s1=$(grep -o 'IKE SA [0-9a-f]*_i.* in [0-9a-f]*' "$T/seed.general" | sed 's/out [0-9a-f]* //')
s2=$(grep -o 'IKE SA [0-9a-f]*_i.* in [0-9a-f]*' "$T/seed.tiny" | sed 's/out [0-9a-f]* //')
[ -n "$s1" ] && [ "$s1" = "$s2" ] && pass "--seed 7: the same SPIi and inbound SPI as the general core ($s1)" \
  || fail "--seed: general '$s1' tiny '$s2'" "$T/seed.tiny"
# the first datagram of each capture (IKE_SA_INIT: no IV, so it depends on the seed alone):
# 24 octets of pcap header, 16 of record header, then IP + UDP + marker + IKE
first() { od -An -tx1 -v -j 40 "$1" | tr -d ' \n' | cut -c1-"$((2 * (20 + 8 + 4 + 128)))" | cut -c57-; }
i1=$(first "$T/seed.general.pcap"); i2=$(first "$T/seed.tiny.pcap")
[ -n "$i1" ] && [ "$i1" = "$i2" ] && pass "--seed 7: IKE_SA_INIT identical octet for octet" \
  || fail "--seed: IKE_SA_INIT differs: $i1 / $i2"
stop_resp

# nothing listens: ICMP port unreachable (4); a responder that never answers: timeout (5)
for c in general tiny; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: nothing listening -> 4" 4 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" \
    --id @dev.test --timeout 2
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/unreach.$c"
done
cmp -s "$T/unreach.general" "$T/unreach.tiny" && pass "unreachable: the same line" \
  || { diff "$T/unreach.general" "$T/unreach.tiny" >"$T/d"; fail "unreachable lines differ" "$T/d"; }
start_resp --psk-file "$PSK" --id @door.test
kill -STOP "$RESP_PID" # its socket stays open and silent: no ICMP error, no answer
for c in general tiny; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: silent responder -> 5 (timeout)" 5 "$M" "${C[@]}" --peer 127.0.0.1:$RESP_PORT \
    --psk-file "$PSK" --id @dev.test --timeout 2
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/timeout.$c"
done
cmp -s "$T/timeout.general" "$T/timeout.tiny" && pass "timeout: the same line" \
  || { diff "$T/timeout.general" "$T/timeout.tiny" >"$T/d"; fail "timeout lines differ" "$T/d"; }
kill -CONT "$RESP_PID"
stop_resp

# outside the profile: exit 2, one line naming the option
R=("${TINY[@]}" --peer 127.0.0.1:40000 --psk-file "$PSK" --id @dev.test)
expect_rc "tiny refuses --ike of another suite" 2 "$M" "${R[@]}" --ike aes128gcm16-prfsha256-x25519
grep -q -- '--ike' "$T/err" && pass "  the line names --ike" || fail "  --ike not named" "$T/err"
expect_rc "tiny accepts its own suite named" 2 "$M" "${R[@]}" --ike chacha20poly1305-prfsha256-x25519 \
  --esp chacha20poly1305 --count 2
grep -q -- '--count' "$T/err" && pass "  (it got past the suite check)" || fail "  suite refused" "$T/err"
expect_rc "tiny refuses --esp of another suite" 2 "$M" "${R[@]}" --esp aes128gcm16
expect_rc "tiny refuses --key" 2 "$M" "${R[@]}" --key /nonexistent
expect_rc "tiny refuses --delete" 2 "$M" "${R[@]}" --delete
expect_rc "tiny refuses --nat-port" 2 "$M" "${R[@]}" --nat-port
expect_rc "tiny refuses --ping on UDP 500" 2 "$M" "${TINY[@]}" --peer 127.0.0.1 --psk-file "$PSK" \
  --id @dev.test --ping 10.99.10.1
expect_rc "--core with another value" 2 "$M" initiate --core huge --peer 127.0.0.1 --id @a

echo "$N_OK ok, $N_FAIL failed"
[ "$N_FAIL" = 0 ]
