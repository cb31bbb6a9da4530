#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# gen.sh: regenerate the golden captures pcaps/<scenario>.{pcap,keys,expect} by running our own
# initiator (`minike initiate --seed N`) against the test responder (`minike respond --seed M`,
# scripted to misbehave with --misbehave) and checking each capture with pcaps/gen_check.py
# (tshark + an independent python key derivation). Deterministic: same minike, same files
# (timestamps are normalised to 2024-01-01 + offsets rounded to 100 ms).
#
# Topology: one throwaway network namespace (`unshare -n`; `unshare -rn` when not root), nothing
# outside it is touched, it vanishes with the script:
#
#   +------------------------------- netns, lo only ----------------------------------+
#   |  minike initiate                                minike respond                  |
#   |  192.0.2.1:500 / :4500   <---- UDP ---->        198.51.100.1:500 / :4500       |
#   +---------------------------------------------------------------------------------+
#
# usage: pcaps/gen.sh [--minike PATH] [scenario ...]     (default: every scenario)
#        then: ctest --test-dir build-replay -L replay
# needs: tshark 4.0, /usr/bin/python3 with cryptography, unshare (util-linux).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
M=${MINIKE:-$root/build-replay/minike}
if [ "${1:-}" = --minike ]; then M=$2; shift 2; fi

I_ADDR=192.0.2.1
R_ADDR=198.51.100.1
PSK=0x6d696e696b652d676f6c64656e2d70736b2d3031323334353637383961626364  # "minike-golden-psk-0123456789abcd"
I_ID=fqdn:device.example
R_ID=fqdn:door.example

# ---- scenarios: name | initiator seed | responder seed | initiate options | respond --misbehave
# Templates: the outcome the protocol demands, written by hand (not copied from minike's output).
SCENARIOS=(
  "psk-gcm-natt|1|101|--ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16|"
  "psk-chacha-delete|2|102|--ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --delete|"
  "psk-cbc-modp2048|3|103|--ike aes256-sha256-modp2048 --esp aes256-sha256 --no-natt|"
  "cookie|4|104||cookie"
  "invalid-ke|5|105|--ike aes128gcm16-prfsha256-x25519,aes256-sha256-modp2048|want-dh=14"
  "retransmit|6|106||drop-rx=1,drop-tx=4"
  "dup-response|7|107||dup-tx=1"
  "forged-error|8|108||forged-error"
  "corrupt-icv|9|109|--timeout 2|bad-icv"
  # the minimal profile's handshake (issue 10): its one suite, no NAT-T, no INITIAL_CONTACT;
  # the capture a -DMK_PROFILE=minimal build replays bit for bit
  "psk-minimal|10|110|--ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --no-natt --initial-contact off|"
)

template() {
  case $1 in
  psk-gcm-natt|psk-cbc-modp2048|psk-minimal) cat <<'EOF'
1 TX IKE_SA_INIT
2 RX OK INIT_SENT->AUTH_SENT
3 TX IKE_AUTH
4 RX OK AUTH_SENT->ESTABLISHED
END ESTABLISHED
EOF
  ;;
  psk-chacha-delete) cat <<'EOF'
1 TX IKE_SA_INIT
2 RX OK INIT_SENT->AUTH_SENT
3 TX IKE_AUTH
4 RX OK AUTH_SENT->ESTABLISHED
5 TX INFORMATIONAL DELETE
6 RX OK DELETE_SENT->CLOSED
END CLOSED
EOF
  ;;
  cookie|invalid-ke) cat <<'EOF'
1 TX IKE_SA_INIT
2 RX OK INIT_SENT->INIT_SENT
3 TX IKE_SA_INIT
4 RX OK INIT_SENT->AUTH_SENT
5 TX IKE_AUTH
6 RX OK AUTH_SENT->ESTABLISHED
END ESTABLISHED
EOF
  ;;
  retransmit) cat <<'EOF'
1 TX IKE_SA_INIT
2 TX IKE_SA_INIT RETRANSMIT
3 RX OK INIT_SENT->AUTH_SENT
4 TX IKE_AUTH
5 TX IKE_AUTH RETRANSMIT
6 RX OK AUTH_SENT->ESTABLISHED
END ESTABLISHED
EOF
  ;;
  dup-response) cat <<'EOF'
1 TX IKE_SA_INIT
2 RX OK INIT_SENT->AUTH_SENT
3 TX IKE_AUTH
4 DROP UNEXPECTED_MSG AUTH_SENT
5 RX OK AUTH_SENT->ESTABLISHED
END ESTABLISHED
EOF
  ;;
  forged-error) cat <<'EOF'
1 TX IKE_SA_INIT
2 DROP UNAUTH_NOTIFY INIT_SENT
3 RX OK INIT_SENT->AUTH_SENT
4 TX IKE_AUTH
5 RX OK AUTH_SENT->ESTABLISHED
END ESTABLISHED
EOF
  ;;
  corrupt-icv) cat <<'EOF'
1 TX IKE_SA_INIT
2 RX OK INIT_SENT->AUTH_SENT
3 TX IKE_AUTH
4 DROP ICV_MISMATCH AUTH_SENT
5 TX IKE_AUTH RETRANSMIT
6 DROP ICV_MISMATCH AUTH_SENT
7 TX IKE_AUTH RETRANSMIT
8 DROP ICV_MISMATCH AUTH_SENT
END FAILED TIMEOUT
EOF
  ;;
  *) echo "gen.sh: no template for $1" >&2; return 1 ;;
  esac
}

inside() {
  local work=$1; shift
  ip link set lo up
  ip addr add $I_ADDR/32 dev lo
  ip addr add $R_ADDR/32 dev lo
  printf '%s\n' "$PSK" >"$work/psk"
  local want=("$@") s name iseed rseed iopts mis rp rc
  for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name iseed rseed iopts mis <<<"$s"
    if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
    echo "== $name"
    template "$name" >"$work/$name.tmpl"
    "$M" respond --listen $R_ADDR:500 --psk-file "$work/psk" --id $R_ID --seed "$rseed" -q \
      ${mis:+--misbehave "$mis"} >"$work/$name.resp.log" 2>&1 &
    rp=$!
    for _ in $(seq 50); do ss -uln | grep -q "$R_ADDR:4500" && break; sleep 0.05; done
    rc=0
    # shellcheck disable=SC2086
    "$M" initiate --peer $R_ADDR --local $I_ADDR:500 --psk-file "$work/psk" --id $I_ID \
      --remote-id $R_ID --seed "$iseed" --pcap "$work/$name.pcap" --keys "$work/$name.kd" \
      $iopts >"$work/$name.init.log" 2>&1 || rc=$?
    kill "$rp" 2>/dev/null || true
    wait "$rp" 2>/dev/null || true
    sed 's/^/   /' "$work/$name.init.log"
    mkdir -p "$work/$name.kd"
    /usr/bin/python3 "$here/gen_check.py" --name "$name" --pcap "$work/$name.pcap" \
      --keysdir "$work/$name.kd" --template "$work/$name.tmpl" --out "$here" --seed "$iseed" \
      --local $I_ADDR --rc $rc \
      --kv "initiate = minike initiate --peer $R_ADDR --local $I_ADDR:500 --psk-file F --id $I_ID --remote-id $R_ID --seed $iseed $iopts" \
      --kv "respond = minike respond --listen $R_ADDR:500 --psk-file F --id $R_ID --seed $rseed${mis:+ --misbehave $mis}" \
      --kv "responder_seed = $rseed" \
      --kv "psk = ${PSK#0x}" \
      --kv "idi = $I_ID" --kv "idr = $R_ID" \
      --kv "tsi = 10.99.20.0/24" --kv "tsr = 10.99.10.0/24" \
      --kv "local = $I_ADDR:500" --kv "remote = $R_ADDR:500" \
      --kv "natt = $([[ $iopts == *--no-natt* ]] && echo 0 || echo 1)" \
      --kv "force_4500 = 0" --kv "tunnel = 1" \
      --kv "initial_contact = $([[ $iopts == *"--initial-contact off"* ]] && echo 0 || echo 1)" \
      --kv "total_ms = $([[ $iopts =~ --timeout\ ([0-9]+) ]] && echo $((BASH_REMATCH[1] * 1000)) || echo 30000)" \
      --kv "delete = $([[ $iopts == *--delete* ]] && echo 1 || echo 0)"
  done
}

if [ "${1:-}" = --inside ]; then
  shift
  inside "$@"
  exit 0
fi

[ -x "$M" ] || { echo "gen.sh: $M not built (cmake --build build-replay --target minike)" >&2; exit 1; }
command -v tshark >/dev/null || { echo "gen.sh: tshark 4.0 needed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" = 0 ]; then
  MINIKE=$M unshare -n "$0" --inside "$work" "$@"
else
  MINIKE=$M unshare -rn "$0" --inside "$work" "$@"
fi
echo "gen.sh: done; check with: ctest --test-dir build-replay -L replay"
