#!/usr/bin/env bash
# test_door.sh MINIKE FW_BUILD_DIR: the firmware, in QEMU, presses OPEN then CLOSE against
# `minike respond` on 127.0.0.1 (ephemeral ports) through bridge.py: two fresh IKE SAs, the
# command in ESP, ACK and DONE back, no heap use, and the bridge's --pcap / --keys: tshark finds
# both handshakes and the ESP traffic, and the device's IKE SPIs are the responder's.
# exit: 0 pass, 1 fail, 77 skipped (no QEMU, no cross compiler, sources unreachable).
set -u
MINIKE=${1:?usage: test_door.sh MINIKE BUILD_DIR}
OUT=${2:?usage: test_door.sh MINIKE BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-arm >/dev/null ||
  { echo "SKIP: qemu-system-arm missing (scripts/deps.sh installs it)"; exit 77; }
FW=$("$HERE/build.sh" "$OUT" | tail -n1)
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { echo "$FW"; exit "$rc"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mk-device-test.XXXXXX")
RESP_PID=
cleanup() { [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
N_FAIL=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; N_FAIL=$((N_FAIL + 1)); }
check() { if grep -Eq -- "$2" "$3"; then ok "$1"; else bad "$1: no /$2/ in $(basename "$3")"; fi; }

# The minimal image carries no mbedTLS beyond SHA-1 (ESP uses the negotiated registry, no
# bignum, no pool) and not libsodium's Ed25519 base-point comb (the core's X25519 public key is
# the ladder's; the Makefile's --wrap leaves only the halting stub).
syms=$(arm-none-eabi-nm "$FW" | awk '{print $NF}')
extra=$(grep '^mbedtls_' <<<"$syms" | grep -Ev '^mbedtls_(internal_sha1_process|sha1_.*|platform_zeroize)$' | tr '\n' ' ')
[ -z "$extra" ] && ok "image: mbedTLS is SHA-1 only" || bad "image: mbedTLS beyond SHA-1: $extra"
if grep -qx 'ge25519_scalarmult_base' <<<"$syms"; then
  bad "image: libsodium's Ed25519 base-point comb is linked"
else
  ok "image: no Ed25519 base-point comb (X25519 public key by the ladder)"
fi

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' > "$T/psk"
"$MINIKE" respond --listen 127.0.0.1:0 --psk-file "$T/psk" --id fqdn:door.garage.example \
  --remote-id fqdn:opener.garage.example --travel 1 --keys "$T/resp-keys" > "$T/resp.log" 2>&1 &
RESP_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T/resp.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$T/resp.log")
[ -n "$PORT" ] || { cat "$T/resp.log"; echo "FAIL - responder did not start"; exit 1; }
set -- $PORT
timeout -k 5 120 python3 "$HERE/bridge.py" --fw "$FW" --peer "127.0.0.1:$1" --natt-port "$2" \
  --psk-file "$T/psk" --id fqdn:opener.garage.example --remote-id fqdn:door.garage.example \
  --cmds OPEN,CLOSE --quiet-ms 200 --pcap "$T/dev.pcap" --keys "$T/keys" --timeout 90 \
  > "$T/dev.log" 2>&1
rc=$?
sed 's/^/  | /' "$T/dev.log"
[ "$rc" = 0 ] && ok "firmware exit 0 after both presses" || bad "firmware/bridge exit $rc"
check "press 1: OPEN in ESP" '-> ESP .* "OPEN"' "$T/dev.log"
check "press 1: the door's ACK" 'door says: ACK OPEN' "$T/dev.log"
check "press 1: DONE" 'door says: DONE open' "$T/dev.log"
check "press 2: CLOSE in ESP" '-> ESP .* "CLOSE"' "$T/dev.log"
check "press 2: the door's ACK" 'door says: ACK CLOSE' "$T/dev.log"
check "press 2: DONE" 'door says: DONE closed' "$T/dev.log"
check "no heap: _sbrk never called" 'sbrk_calls=0 ' "$T/dev.log"
check "both presses counted ok by the firmware" 'presses_ok=2$' "$T/dev.log"
n=$(grep -c 'IKE_AUTH response' "$T/dev.log")
[ "$n" = 2 ] && ok "two fresh IKE SAs (IKE_AUTH twice)" || bad "IKE_AUTH responses: $n, wanted 2"
kill -TERM "$RESP_PID"; wait "$RESP_PID"; RESP_PID=   # writes its --keys tables
check "responder: door opened" 'door is open' "$T/resp.log"
check "responder: door closed" 'door is closed' "$T/resp.log"
# the device's key export names the SAs the responder built (its own --keys tables)
for spi in $(sed -n 's/^\([0-9a-f]\{16\}\),\([0-9a-f]\{16\}\),.*/\1_\2/p' "$T/keys/device-keys.txt"); do
  if grep -rqi "${spi%_*},${spi#*_}" "$T/resp-keys"; then ok "IKE SA ${spi%_*}: device and responder agree on the SPIs"
  else bad "IKE SA $spi from the device unknown to the responder"; fi
done
[ "$(grep -c '^[0-9a-f]\{16\},' "$T/keys/device-keys.txt")" = 2 ] && ok "--keys: two IKE SA rows" || bad "--keys rows"
if command -v tshark >/dev/null; then
  tshark -r "$T/dev.pcap" -T fields -e isakmp.exchangetype -e esp.spi -e esp.sequence > "$T/tshark.txt" 2>"$T/tshark.err"
  ni=$(awk '$1==34' "$T/tshark.txt" | wc -l); na=$(awk '$1==35' "$T/tshark.txt" | wc -l)
  ne=$(awk 'NF==2 && $1 ~ /^0x/' "$T/tshark.txt" | wc -l)
  [ "$ni" = 4 ] && [ "$na" = 4 ] && ok "tshark: 4 IKE_SA_INIT + 4 IKE_AUTH in the bridge's pcap" ||
    { bad "tshark: IKE_SA_INIT $ni, IKE_AUTH $na (wanted 4 + 4)"; cat "$T/tshark.txt" "$T/tshark.err"; }
  [ "$ne" -ge 4 ] && ok "tshark: $ne ESP packets" || bad "tshark: $ne ESP packets, wanted >= 4"
else
  echo "skip - tshark missing: pcap not dissected"
fi
# Same seed, same octets: the firmware's DRBG, its cross-built X25519 and the core on the
# Cortex-M4 must produce exactly the SPIi, KEi and Ni that `minike initiate --seed` (x86-64,
# Debian's libsodium) produces, an independent check of the cross-built crypto.
if command -v tshark >/dev/null; then
  "$MINIKE" respond --listen 127.0.0.1:0 --psk-file "$T/psk" --id fqdn:door.garage.example > "$T/resp2.log" 2>&1 &
  RESP_PID=$!
  for _ in $(seq 100); do grep -qs 'listening on' "$T/resp2.log" && break; sleep 0.05; done
  set -- $(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$T/resp2.log")
  timeout 30 "$MINIKE" initiate --peer "127.0.0.1:$1" --psk-file "$T/psk" --id fqdn:opener.garage.example \
    --remote-id fqdn:door.garage.example --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 \
    --seed 4242 --pcap "$T/host.pcap" --timeout 10 > "$T/host.log" 2>&1 || bad "host initiator with --seed" "$T/host.log"
  timeout -k 5 60 python3 "$HERE/bridge.py" --fw "$FW" --peer "127.0.0.1:$1" --natt-port "$2" --psk-file "$T/psk" \
    --id fqdn:opener.garage.example --remote-id fqdn:door.garage.example --cmds OPEN --seed 4242 \
    --pcap "$T/dev2.pcap" --timeout 40 > "$T/dev2.log" 2>&1 || bad "firmware with --seed" "$T/dev2.log"
  f1() { tshark -r "$1" -Y 'isakmp.exchangetype == 34 && isakmp.rspi == 00:00:00:00:00:00:00:00' -T fields \
         -e isakmp.ispi -e isakmp.key_exchange.data -e isakmp.nonce 2>/dev/null | head -n1; }
  h=$(f1 "$T/host.pcap"); d=$(f1 "$T/dev2.pcap")
  if [ -n "$h" ] && [ "$h" = "$d" ]; then ok "--seed 4242: SPIi, KEi (X25519 public) and Ni equal to minike initiate's"
  else bad "--seed 4242: device and host IKE_SA_INIT differ: host '$h' device '$d'"; fi
fi
echo "# $N_FAIL failed"
[ "$N_FAIL" = 0 ]
