#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# interop/checkpcaps.sh: re-check the committed interop captures offline (no root, no network).
# For every pcaps/interop/<scenario>/ that holds <scenario>.pcap:
#   1. bytes: interop/pcapstat.py reproduces the "setup ..." line recorded in summary.txt;
#   2. keys: when minike-keys/ is present, minike's Wireshark tables equal, line for line (sorted,
#      '#' lines aside), the tables derived from strongSwan's level-4 key log in the same directory;
#   3. decryption: with the strongSwan-derived tables, tshark decrypts every encrypted IKE message
#      and ESP packet of the capture with a correct ICV and none with an incorrect one.
# usage: interop/checkpcaps.sh [DIR...]      exit 0 ok, 1 a check failed, 77 nothing to check / no tshark
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
command -v tshark > /dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$ROOT"/pcaps/interop/*/)
fails=0 checked=0
for d in "${dirs[@]}"; do
  d=${d%/}; s=$(basename "$d")
  [ -f "$d/$s.pcap" ] || continue
  checked=$((checked + 1))
  want=$(grep -m1 '^setup ' "$d/summary.txt" 2>/dev/null)
  got=$(python3 "$HERE/pcapstat.py" "$d/$s.pcap" | head -n1)
  if [ "$want" = "$got" ]; then echo "ok   $s: $got"; else echo "FAIL $s: bytes '$got', summary.txt says '$want'"; fails=$((fails + 1)); fi
  if [ -d "$d/minike-keys" ]; then
    for t in ikev2_decryption_table esp_sa; do
      [ -f "$d/$t" ] || continue     # libreswan captures: no strongSwan key log, nothing to compare
      # minike failed after strongSwan had installed its child SA (rpk-imprint, rpk-peer-fp: the
      # responder's key could not be checked, so minike never accepted the IKE_AUTH response):
      # strongSwan logs child keys minike never derived. Only then is an empty esp_sa expected.
      if [ "$t" = esp_sa ] && ! grep -q '^exit: 0$' "$d/summary.txt" &&
         [ "$(grep -vc '^#' "$d/minike-keys/$t")" = 0 ]; then
        echo "ok   $s: minike failed before its child SA (strongSwan: $(grep -vc '^#' "$d/$t") esp_sa rows, minike: none)"
        continue
      fi
      if diff <(grep -v '^#' "$d/$t" | sort) <(grep -v '^#' "$d/minike-keys/$t" | sort) > /dev/null; then
        echo "ok   $s: minike's $t equals strongSwan's ($(grep -vc '^#' "$d/$t") rows)"
      else
        echo "FAIL $s: minike's $t differs from strongSwan's"; fails=$((fails + 1))
      fi
    done
  fi
  if [ -s "$d/ikev2_decryption_table" ] || [ -s "$d/esp_sa" ]; then
    out=$(WIRESHARK_CONFIG_DIR=$d tshark -n -V -r "$d/$s.pcap" 2>/dev/null)
    sk=$(grep -c '^    Payload: Encrypted and Authenticated (46)' <<< "$out")
    skok=$(grep -c 'Integrity Checksum Data: .*\[correct\]' <<< "$out")
    esp=$(grep -c '^Encapsulating Security Payload' <<< "$out")
    espok=$(grep -c 'ESP ICV: .*\[correct\]' <<< "$out")
    badn=$(grep -c -i 'incorrect\]' <<< "$out")
    if [ "$badn" -eq 0 ] && { [ ! -s "$d/ikev2_decryption_table" ] || [ "$skok" -eq "$sk" ]; } &&
       { [ ! -s "$d/esp_sa" ] || [ "$espok" -eq "$esp" ]; }; then
      echo "ok   $s: tshark decrypts $skok/$sk SK payloads and $espok/$esp ESP packets, ICVs correct"
    else
      echo "FAIL $s: tshark: SK $skok/$sk, ESP $espok/$esp correct, $badn incorrect"; fails=$((fails + 1))
    fi
  fi
done
[ $checked -gt 0 ] || { echo "SKIP: no captures under pcaps/interop"; exit 77; }
echo "$checked captures, $fails failures"
[ $fails -eq 0 ]
