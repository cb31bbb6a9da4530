#!/usr/bin/env bash
# label: unit
# `minike initiate --core tiny` (the template core, ref/tiny) against `minike respond` on
# 127.0.0.1: handshake, ping and the garage door through ESP; and the failures the general core
# reports, with the same exit code and the same line: wrong PSK (6), wrong --remote-id (6),
# nothing listening (4), a responder that never answers (5). Options outside the template
# core's profile are refused with exit 2 and one line. --seed gives the same SPIs and the same
# IKE_SA_INIT as the general core configured for the same profile. `demo --core tiny` runs.
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
# A minimal-profile build's general core has no NAT-T and so refuses a peer off port 500
# (BAD_CONFIG, exit 3): there the template core's lines are checked by their text alone.
CORES="general tiny"
"$M" "${GEN[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" --id @dev.test --timeout 5 >/dev/null 2>"$T/gen"
case $? in
0) pass "general core, same profile: handshake OK (the reference for the lines below)" ;;
3) grep -q 'configuration invalid' "$T/gen" || fail "general core: exit 3" "$T/gen"
   CORES=tiny; echo "note: this build's general core refuses a peer off port 500 (no NAT-T): lines checked by text" ;;
*) fail "general core, same profile: handshake" "$T/gen" ;;
esac
# same_line WHAT PATTERN: the tiny run's line equals the general core's, or (CORES=tiny) holds PATTERN
same_line() {
  if [ "$CORES" = tiny ]; then
    grep -q -- "$2" "$T/$1.tiny" && pass "$1: the expected line" || fail "$1: line" "$T/$1.tiny"
  elif cmp -s "$T/$1.general" "$T/$1.tiny"; then
    pass "$1: the same line as the general core ($(cut -c1-50 "$T/$1.tiny")...)"
  else
    diff "$T/$1.general" "$T/$1.tiny" >"$T/d"; fail "$1: lines differ" "$T/d"
  fi
}
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
for c in $CORES; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: wrong PSK -> 6" 6 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$T/wrong" \
    --id @dev.test --timeout 5
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/psk.$c"
  expect_rc "$c: wrong --remote-id -> 6" 6 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" \
    --id @dev.test --remote-id @other.test --timeout 5
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/id.$c"
done
same_line psk "rejected our authentication (AUTHENTICATION_FAILED)"
same_line id "identified as fqdn:door.test, not fqdn:other.test"

if [ "$CORES" != tiny ]; then
# --seed: the template core draws the same random octets in the same order as the general core
for c in $CORES; do
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
fi
stop_resp

# nothing listens: ICMP port unreachable (4); a responder that never answers: timeout (5)
for c in $CORES; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: nothing listening -> 4" 4 "$M" "${C[@]}" --peer 127.0.0.1:$P --psk-file "$PSK" \
    --id @dev.test --timeout 2
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/unreach.$c"
done
same_line unreach "peer unreachable: Connection refused (ICMP error)"
start_resp --psk-file "$PSK" --id @door.test
kill -STOP "$RESP_PID" # its socket stays open and silent: no ICMP error, no answer
for c in $CORES; do
  if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
  expect_rc "$c: silent responder -> 5 (timeout)" 5 "$M" "${C[@]}" --peer 127.0.0.1:$RESP_PORT \
    --psk-file "$PSK" --id @dev.test --timeout 2
  sed "s/127.0.0.1:[0-9]*/PEER/" "$T/err" >"$T/timeout.$c"
done
same_line timeout "no datagram came back (3 tries, retransmissions exhausted)"
kill -CONT "$RESP_PID"
stop_resp

# UDP 500, the template core's own port: plain IKE, no marker (root only: a port below 1024;
# an address of 127.0.0.0/8 of its own, so nothing else on the host's port 500 is touched)
if [ "$(id -u)" = 0 ]; then
  A=127.0.$((1 + $$ % 200)).$((2 + $$ % 250))
  "$M" respond --listen $A:500 --psk-file "$PSK" --id @door.test >"$T/r500.log" 2>&1 &
  R500=$!; PIDS+=("$R500")
  for i in $(seq 100); do grep -q 'listening on' "$T/r500.log" && break; kill -0 $R500 2>/dev/null || break; sleep 0.05; done
  if grep -q "listening on $A:500" "$T/r500.log"; then
    expect_rc "tiny on UDP 500 ($A): IKE SA + child SA, no marker" 0 "$M" "${TINY[@]}" --peer $A \
      --psk-file "$PSK" --id @dev.test --remote-id @door.test --timeout 5
    grep -q "IKE_SA_INIT   req  #0   124 B" "$T/out" && grep -q 'plain ESP' "$T/out" \
      && pass "  124-octet IKE_SA_INIT (no marker)" || fail "  framing on port 500" "$T/out"
    # here the general core of every build (minimal too) can follow: the same line for a wrong PSK
    for c in general tiny; do
      if [ $c = general ]; then C=("${GEN[@]}"); else C=("${TINY[@]}"); fi
      expect_rc "$c on UDP 500: wrong PSK -> 6" 6 "$M" "${C[@]}" --peer $A --psk-file "$T/wrong" \
        --id @dev.test --timeout 5
      sed "s/$A:500/PEER/" "$T/err" >"$T/psk500.$c"
    done
    cmp -s "$T/psk500.general" "$T/psk500.tiny" && pass "  the same line on port 500" \
      || { diff "$T/psk500.general" "$T/psk500.tiny" >"$T/d"; fail "  port 500 lines differ" "$T/d"; }
  else
    echo "note: cannot bind $A:500 here, the port-500 run is left out"; cat "$T/r500.log"
  fi
  kill $R500 2>/dev/null; wait $R500 2>/dev/null
fi

# the garage-door demo with the template core as the device (the door is the general peer)
expect_rc "demo --core tiny: two presses" 0 "$M" demo --core tiny --travel 2 --quiet-timeout 0 --seed 5
[ "$(grep -c 'LED \*blink\*' "$T/out")" = 2 ] && grep -q 'DONE open' "$T/out" && grep -q 'DONE closed' "$T/out" \
  && grep -qE '^  2 +CLOSE +4 ' "$T/out" && pass "  a blink per press, DONE open/closed, 4 IKE datagrams a press" \
  || fail "  demo timeline" "$T/out"
grep -o 'SA up: ESP out [0-9a-f]* / in [0-9a-f]*' "$T/out" >"$T/demo1"
"$M" demo --core tiny --travel 1 --quiet-timeout 0 --seed 5 2>&1 | grep -o 'SA up: ESP out [0-9a-f]* / in [0-9a-f]*' >"$T/demo2"
[ -s "$T/demo1" ] && cmp -s "$T/demo1" "$T/demo2" && pass "  demo --seed 5: the same SPIs again" \
  || fail "  demo --seed reproducibility" "$T/demo2"
expect_rc "demo --core tiny refuses --auth ed25519" 2 "$M" demo --core tiny --auth ed25519

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
