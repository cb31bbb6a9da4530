#!/usr/bin/env bash
# label: replay
# Independent check with tshark (Wireshark 4.0): an AES-GCM exchange written with --pcap and
# --keys must dissect on 500/4500, show the IKE_AUTH inner payloads decrypted with the ICV
# reported correct, and the ESP payload decrypted (inner UDP with a good checksum).
# tshark 4.0 cannot decrypt ChaCha20-Poly1305: such SAs are written as comments.
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
PSK=$T/psk
TS() { WIRESHARK_CONFIG_DIR="$1" tshark -r "$2" "${@:3}" 2>/dev/null; }

start_resp --psk-file "$PSK" --id @door.test --echo --pcap "$T/resp.pcap" --keys "$T/rkeys" -q
expect_rc "AES-GCM exchange with --pcap/--keys" 0 "$M" initiate --psk-file "$PSK" --id @dev.test \
  --peer 127.0.0.1:$RESP_PORT --ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16 \
  --send tshark-was-here --to 10.99.10.1:9 --quiet-timeout 1 --delete --pcap "$T/i.pcap" --keys "$T/ikeys"
stop_resp

for side in i resp; do
  k=$T/ikeys; [ $side = resp ] && k=$T/rkeys
  TS "$k" "$T/$side.pcap" -V -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE >"$T/$side.txt"
  n_icv=$(grep -c 'Integrity Checksum Data: .*\[correct\]' "$T/$side.txt")
  [ "$n_icv" -ge 4 ] && pass "$side: $n_icv IKE ICVs [correct] (IKE_AUTH + INFORMATIONAL)" || fail "$side: IKE ICVs ($n_icv)" "$T/$side.txt"
  grep -q 'Integrity Checksum Data: .*incorrect' "$T/$side.txt" && fail "$side: an incorrect ICV" || pass "$side: no incorrect ICV"
  for p in 'Payload: Identification - Initiator (35)' 'Payload: Authentication (39)' \
           'Payload: Security Association (33)' 'Payload: Traffic Selector - Initiator (44)' \
           'Payload: Delete (42)'; do
    grep -q "$p" "$T/$side.txt" && pass "$side: decrypted $p" || fail "$side: no $p" "$T/$side.txt"
  done
  grep -q 'ESP ICV: .*\[correct\]' "$T/$side.txt" && pass "$side: ESP ICV [correct]" || fail "$side: ESP ICV" "$T/$side.txt"
  grep -q 'ESP Decrypted Data' "$T/$side.txt" && pass "$side: ESP decrypted" || fail "$side: ESP not decrypted" "$T/$side.txt"
  TS "$k" "$T/$side.pcap" -T fields -e data.text -o data.show_as_text:TRUE >"$T/$side.data"
  grep -q 'tshark-was-here' "$T/$side.data" && pass "$side: inner UDP payload readable" || fail "$side: inner payload" "$T/$side.data"
  grep -q 'Status: Bad' "$T/$side.txt" && fail "$side: a bad IP/UDP checksum" "$T/$side.txt" || pass "$side: all IP/UDP checksums good"
  TS "$k" "$T/$side.pcap" -T fields -e udp.srcport -e udp.dstport | sort -u >"$T/$side.ports"
  grep -qx $'4500\t4500' "$T/$side.ports" && pass "$side: ports shown as 4500 (marker / ESP)" || fail "$side: ports" "$T/$side.ports"
done
# ChaCha20-Poly1305: keys files say why there is no row
start_resp --psk-file "$PSK" --id @door.test --echo -q
expect_rc "ChaCha20 exchange with --keys" 0 "$M" initiate --psk-file "$PSK" --id @dev.test \
  --peer 127.0.0.1:$RESP_PORT --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 \
  --ping 10.99.10.1 --pcap "$T/c.pcap" --keys "$T/ckeys"
stop_resp
grep -q '^#.*not decryptable by Wireshark' "$T/ckeys/ikev2_decryption_table" && grep -q '^#.*ChaCha20' "$T/ckeys/esp_sa" \
  && pass "ChaCha20 SAs written as comments" || fail "ChaCha20 key comments" "$T/ckeys/ikev2_decryption_table"
TS "$T/ckeys" "$T/c.pcap" >"$T/c.txt" && pass "tshark reads the ChaCha20 capture with those tables" || fail "tshark on ChaCha20 capture" "$T/c.txt"
finish
