#!/usr/bin/env bash
# test_door_tiny.sh MINIKE FW_BUILD_DIR: the template-core firmware (fw/main_tiny.c on ref/tiny)
# in QEMU presses OPEN then CLOSE against `minike respond` through bridge.py --raw-esp.
#
#   network namespace mkdevt<pid> (created and removed here), loopback only:
#     bridge.py (QEMU) 127.0.0.1:<eph> --IKE, UDP 500----------------> 127.0.0.1:500  minike respond
#                      127.0.0.1:<eph> --ESP, carried in UDP 4500----> 127.0.0.1:4500 (door)
#
# The template core has no NAT-T: IKE must reach the responder on UDP 500 itself (on any other
# port `minike respond` expects the non-ESP marker, RFC 3948 §2.2), hence a namespace of our
# own where port 500 is free. The device sends ESP as IP protocol 50; the bridge carries it as
# ESP-in-UDP (README.md). Checks: two fresh IKE SAs, the command in ESP, ACK and DONE back, no
# heap, the image has neither mbedTLS nor the general core, tshark sees IKE on 500 and ESP as
# protocol 50, device and responder agree on the SPIs, and with --seed 4242 the IKE_SA_INIT's
# SPIi, KEi and Ni equal the general core's (`minike initiate --seed 4242`, x86-64).
# What both door tests share (the run, its checks, the --seed comparison): door_test_lib.sh.
# exit: 0 pass, 1 fail, 77 skipped (no QEMU, no cross compiler, sources unreachable, not root).
set -u
MINIKE=${1:?usage: test_door_tiny.sh MINIKE BUILD_DIR}
OUT=${2:?usage: test_door_tiny.sh MINIKE BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/door_test_lib.sh"
[ "$(id -u)" = 0 ] && command -v ip >/dev/null ||
  { echo "SKIP: needs root and iproute2 for a network namespace (UDP 500 of its own)"; exit 77; }
door_test_start mk-device-tiny --core tiny
NS=mkdevt$$ NSX=(ip netns exec "$NS") LISTEN=127.0.0.1:500 BRIDGE_X=(--raw-esp)
ip netns add "$NS" 2>/dev/null && ip netns exec "$NS" ip link set lo up ||
  { NS=; echo "SKIP: cannot create network namespace mkdevt$$"; exit 77; }

# The image: the template core and libsodium, no mbedTLS (no NAT-D, so no SHA-1), none of the
# general core (harness/lib's inner.c packet and hex.c helpers aside), no Ed25519 base-point comb.
syms=$(arm-none-eabi-nm "$FW" | awk '{print $NF}')
[ -z "$(grep '^mbedtls_' <<<"$syms")" ] && ok "image: no mbedTLS" || bad "image: mbedTLS linked"
grep -qx 'mt_on_dgram' <<<"$syms" && ok "image: the template core (mt_on_dgram)" || bad "image: no mt_on_dgram"
gen=$(grep '^mk_' <<<"$syms" | grep -Ev '^mk_(inner_|csum_|hex_decode$|reset$)' | tr '\n' ' ')
[ -z "$gen" ] && ok "image: none of the general core" || bad "image: general core symbols: $gen"
grep -qx 'ge25519_scalarmult_base' <<<"$syms" && bad "image: the Ed25519 comb is linked" ||
  ok "image: no Ed25519 base-point comb (public key by the ladder)"

new_psk "$T/psk"
start_responder "$T/resp.log" --psk-file "$T/psk" --remote-id fqdn:opener.garage.example --travel 1 --keys "$T/resp-keys"
door_run
# A responder with another PSK refuses our AUTH (RFC 7296 §2.21.2): the firmware must report
# it by name, send no ESP, and exit non-zero
new_psk "$T/psk-other"
start_responder "$T/resp3.log" --psk-file "$T/psk-other"
bridge 60 "$T/dev3.log" --cmds OPEN --timeout 40
rc=$?
stop_responder
[ "$rc" = 1 ] && ok "wrong PSK: firmware exit 1" || bad "wrong PSK: firmware/bridge exit $rc, wanted 1"
check "wrong PSK: the responder's refusal reported" 'IKE SA failed: PEER_AUTH_FAILED' "$T/dev3.log"
grep -q -- '-> ESP' "$T/dev3.log" && bad "wrong PSK: ESP sent anyway" || ok "wrong PSK: no ESP sent"
# A responder that asks for a COOKIE first (RFC 7296 §2.6) and precedes each tunnel reply with a
# sealed copy from 192.0.2.66, outside our TSr: the firmware must drop those (RFC 4301 §5.2,
# main_tiny.c's check) and still take the real ACK and DONE
start_responder "$T/resp4.log" --psk-file "$T/psk" --travel 0 --misbehave cookie,forge-inner
bridge 60 "$T/dev4.log" --cmds OPEN --timeout 40
rc=$?
stop_responder
n=$(grep -c 'inner packet dropped' "$T/dev4.log")
c=$(grep -c '<- IKE_SA_INIT response' "$T/dev4.log")  # the COOKIE answer, then the real one
[ "$rc" = 0 ] && [ "$n" -ge 2 ] && [ "$c" = 2 ] && grep -q 'door says: DONE open' "$T/dev4.log" &&
  ok "COOKIE round trip; $n forged inner packets dropped, the real ACK and DONE taken" ||
  { bad "cookie,forge-inner: exit $rc, $c IKE_SA_INIT responses, $n forged packets dropped"; sed 's/^/  | /' "$T/dev4.log"; }
# the ESP SPIs: the device's out/in are the responder's in/out
dev=$(sed -n 's/.*SA up: ESP out \([0-9a-f]*\) \/ in \([0-9a-f]*\).*/\1 \2/p' "$T/dev.log" | tr '\n' ' ')
resp=$(sed -n 's/.*established; ESP SPIs in \([0-9a-f]*\) out \([0-9a-f]*\).*/\1 \2/p' "$T/resp.log" | tr '\n' ' ')
[ -n "$dev" ] && [ "$dev" = "$resp" ] && ok "ESP SPIs agree (device out/in = responder in/out: $dev)" ||
  bad "ESP SPIs: device '$dev', responder '$resp'"
if command -v tshark >/dev/null; then
  tshark -r "$T/dev.pcap" -T fields -e ip.proto -e udp.dstport -e udp.srcport -e isakmp.exchangetype \
    -e isakmp.ispi -e isakmp.rspi -e esp.spi > "$T/tshark.txt" 2>"$T/tshark.err"
  ni=$(awk -F'\t' '$1==17 && ($2==500 || $3==500) && $4==34' "$T/tshark.txt" | wc -l)
  na=$(awk -F'\t' '$1==17 && ($2==500 || $3==500) && $4==35' "$T/tshark.txt" | wc -l)
  ne=$(awk -F'\t' '$1==50 && $7 ~ /^0x/' "$T/tshark.txt" | wc -l)
  nu=$(awk -F'\t' '$1==17 && ($2==4500 || $3==4500)' "$T/tshark.txt" | wc -l)
  [ "$ni" = 4 ] && [ "$na" = 4 ] && ok "tshark: 4 IKE_SA_INIT + 4 IKE_AUTH on UDP 500" ||
    { bad "tshark: IKE_SA_INIT $ni, IKE_AUTH $na on UDP 500 (wanted 4 + 4)"; cat "$T/tshark.txt" "$T/tshark.err"; }
  [ "$ne" -ge 6 ] && [ "$nu" = 0 ] && ok "tshark: $ne ESP packets as IP protocol 50, none in UDP 4500" ||
    bad "tshark: ESP as protocol 50: $ne (wanted >= 6), UDP 4500: $nu (wanted 0)"
  # the device's IKE SPIs name the SAs the responder built (its --keys tables)
  for spi in $(awk -F'\t' '$4==35 {print $5 "_" $6}' "$T/tshark.txt" | tr -d ':' | sort -u); do
    if grep -rqi "${spi%_*},${spi#*_}" "$T/resp-keys"; then ok "IKE SA ${spi%_*}: device and responder agree on the SPIs"
    else bad "IKE SA $spi from the device unknown to the responder"; fi
  done
  seed_check # --seed 4242: the template core's IKE_SA_INIT octets are the general core's
else
  echo "skip - tshark missing: pcap not dissected, --seed comparison not made"
fi
door_test_done
