#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates vectors/captures/wireshark-tshark.txt: how tshark 4.0.17 dissects every datagram of the
# eight Wireshark IKEv2 captures in ../shared/reference/wireshark-ikev2/ (read there, never copied
# here). harness/replay/test_replay_foreign.c checks that our parser classifies each datagram the
# same way, and that our initiator drops each one with the reason given by the rule below.
# usage: vectors/captures/gen_wireshark_tshark.sh > vectors/captures/wireshark-tshark.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ref=$root/../shared/reference/wireshark-ikev2
[ -d "$ref" ] || { echo "absent: $ref" >&2; exit 1; }
ver=$(tshark --version 2>/dev/null | head -1 | sed -n 's/^TShark (Wireshark) \([0-9.]*\).*/\1/p')
echo "# source: tshark $ver (-T fields: isakmp.ispi rspi exchangetype flags messageid length typepayload notify.msgtype) over ../shared/reference/wireshark-ikev2/*.pcap[ng], without decryption keys"
cat <<'TXT'
# One block per datagram. payloads = tshark's isakmp.typepayload list in order (it includes the
# SA substructures: 2 = proposal, 3 = transform; an SK payload's contents are not listed);
# notifies = isakmp.notify.msgtype of the outer chain; flags in hex.
# drop_<state> = the DROP reason our initiator must give in that state, for an SA whose SPIi is
# not the capture's (the rule, from RFC 7296 §2.6/§3.1 and the RFC 7815 message flow): a message
# of a kind the state accepts (INIT_SENT: IKE_SA_INIT response; AUTH_SENT: IKE_AUTH response;
# ESTABLISHED: INFORMATIONAL or CREATE_CHILD_SA request) is not for us -> WRONG_SPI; any other
# kind is not awaited at all -> UNEXPECTED_MSG.
TXT
drop() { # state exch flags
  local r=$(( ($3 & 0x20) != 0 ))
  case "$1:$2:$r" in
  INIT_SENT:34:1 | AUTH_SENT:35:1 | ESTABLISHED:37:0 | ESTABLISHED:36:0) echo WRONG_SPI ;;
  *) echo UNEXPECTED_MSG ;;
  esac
}
for f in "$ref"/ikev2-decrypt-*.pcap*; do
  b=$(basename "$f")
  tshark -r "$f" -T fields -E separator=';' -e frame.number -e ip.src -e isakmp.ispi \
    -e isakmp.rspi -e isakmp.exchangetype -e isakmp.flags -e isakmp.messageid -e isakmp.length \
    -e isakmp.typepayload -e isakmp.notify.msgtype 2>/dev/null |
    while IFS=';' read -r fr src ispi rspi ex fl mid len pls nts; do
      echo
      echo "capture = $b"
      echo "frame = $fr"
      echo "src = $src"
      echo "spi_i = $ispi"
      echo "spi_r = $rspi"
      echo "exchange = $ex"
      echo "flags = $fl"
      echo "msgid = $((mid))"
      echo "length = $len"
      echo "payloads = $pls"
      echo "notifies = ${nts:--}"
      for st in INIT_SENT AUTH_SENT ESTABLISHED; do
        echo "drop_$(echo $st | tr A-Z a-z) = $(drop $st "$ex" "$fl")"
      done
    done
done
