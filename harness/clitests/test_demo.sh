#!/usr/bin/env bash
# label: unit
# `minike demo` runs the garage-door story to the end on loopback, well under a minute: two
# presses, each a fresh IKE SA, ACK / STATUS / DONE, the LED blinking, sleep; with --delete the
# SA is deleted before sleeping; captures and key files appear whole (no temporary leftovers).
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE

start=$(date +%s)
expect_rc "demo (defaults: 3 s travel, 2 s quiet)" 0 "$M" demo
took=$(( $(date +%s) - start ))
[ "$took" -lt 40 ] && pass "demo finished in ${took} s" || fail "demo took ${took} s"
cp "$T/out" "$T/demo1"
for want in 'press 1 (OPEN)' 'press 2 (CLOSE)' 'door says: ACK OPEN' 'STATUS opening 33%' \
            'STATUS opening 66%' 'DONE open' 'door says: ACK CLOSE' 'DONE closed' \
            'SA forgotten' '^summary'; do
  grep -q -- "$want" "$T/demo1" && pass "demo shows '$want'" || fail "demo lacks '$want'" "$T/demo1"
done
[ "$(grep -c 'LED \*blink\*' "$T/demo1")" = 4 ] && pass "LED blinks on each of the 4 STATUS" || fail "blink count" "$T/demo1"
[ "$(grep -c '> IKE_SA_INIT' "$T/demo1")" = 2 ] && pass "a fresh IKE SA per press" || fail "IKE_SA_INIT count" "$T/demo1"
grep -qE '^  1 +OPEN +4 ' "$T/demo1" && grep -qE '^  2 +CLOSE +4 ' "$T/demo1" \
  && pass "summary: 4 IKE datagrams per press" || fail "summary table" "$T/demo1"

expect_rc "demo --delete --pcap --keys --seed -v" 0 "$M" demo --travel 1 --quiet-timeout 0 --delete \
  --pcap "$T/demo.pcap" --keys "$T/keys" --seed 7 -v
grep -q 'INFORMATIONAL req .*SK{D}' "$T/out" && grep -q 'SA deleted' "$T/out" \
  && pass "--delete sends Delete and gets the reply" || fail "--delete" "$T/out"
grep -q '^Sending Packet$' "$T/out" && grep -qE '^0000: ([0-9a-f]{2} ){15}[0-9a-f]{2}  ' "$T/out" \
  && pass "-v prints hexl_print dumps" || fail "-v dumps" "$T/out"
[ -s "$T/demo.pcap" ] && pass "capture written" || fail "no capture"
[ "$(head -c 4 "$T/demo.pcap" | od -An -tx1 | tr -d ' ')" = "d4c3b2a1" ] && pass "capture is pcap" || fail "pcap magic"
[ -n "$(find "$T" -name '*.tmp.*')" ] && fail "temporary files left behind" || pass "no temporary files left"
[ "$(grep -vc '^#' "$T/keys/ikev2_decryption_table")" = 2 ] && pass "two IKE SAs in the key table" || fail "key table" "$T/keys/ikev2_decryption_table"
[ "$(grep -vc '^#' "$T/keys/esp_sa")" = 4 ] && pass "four ESP SAs (2 per press)" || fail "esp_sa" "$T/keys/esp_sa"
grep -q 'esp.enable_encryption_decode: TRUE' "$T/keys/preferences" && pass "preferences enable ESP decryption" || fail "preferences"

# --seed makes both sides reproducible: same SPIs on a second identical run
"$M" demo --travel 1 --quiet-timeout 0 --seed 7 >"$T/seed1" 2>&1
"$M" demo --travel 1 --quiet-timeout 0 --seed 7 >"$T/seed2" 2>&1
a=$(grep -o 'SA up: ESP out [0-9a-f]* / in [0-9a-f]*' "$T/seed1")
b=$(grep -o 'SA up: ESP out [0-9a-f]* / in [0-9a-f]*' "$T/seed2")
[ -n "$a" ] && [ "$a" = "$b" ] && pass "--seed 7 twice: identical SPIs" || fail "seeded SPIs differ: $a / $b" "$T/seed2"
finish
