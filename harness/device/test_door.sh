#!/usr/bin/env bash
# test_door.sh MINIKE FW_BUILD_DIR: the firmware, in QEMU, presses OPEN then CLOSE against
# `minike respond` on 127.0.0.1 (ephemeral ports) through bridge.py: two fresh IKE SAs, the
# command in ESP, ACK and DONE back, no heap use, and the bridge's --pcap / --keys: tshark finds
# both handshakes and the ESP traffic, the device's IKE SPIs are the responder's, and with
# --seed 4242 its SPIi, KEi and Ni are `minike initiate --seed 4242`'s. Shared with
# test_door_tiny.sh: door_test_lib.sh.
# exit: 0 pass, 1 fail, 77 skipped (no QEMU, no cross compiler, sources unreachable).
set -u
MINIKE=${1:?usage: test_door.sh MINIKE BUILD_DIR}
OUT=${2:?usage: test_door.sh MINIKE BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/door_test_lib.sh"
door_test_start mk-device-test

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

new_psk "$T/psk"
start_responder "$T/resp.log" --psk-file "$T/psk" --remote-id fqdn:opener.garage.example --travel 1 \
  --keys "$T/resp-keys"
door_run --keys "$T/keys"
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
  seed_check # --seed 4242: the IKE_SA_INIT octets of `minike initiate --seed 4242`
else
  echo "skip - tshark missing: pcap not dissected, --seed comparison not made"
fi
door_test_done
