#!/bin/bash
# SPDX-License-Identifier: MIT
#
# diff-test.sh: Perl/C differential test. Same fixed SPIi, Ni, X25519 private key, ESP SPI,
# PSK, IDs, selectors, addresses and ports on both sides, and the same seeded responder:
#   1. diff_driver run      C initiator vs the in-process C responder: messages + keys
#   2. diff_driver respond  the same seeded responder on 127.0.0.1:PORT (UDP, non-ESP marker)
#   3. minike-init.pl       the Perl initiator against it, with the C IKE_AUTH request to check
# Passes only if
#   - the IKE_SA_INIT requests are byte-identical (and so the responder's answers are too),
#   - g^ir, SKEYSEED, SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr, the ESP SPIs and KEYMAT
#     are identical, and equal to the C responder's view,
#   - the C responder accepts the Perl IKE_AUTH request (SA established) and the Perl side
#     verifies the C responder's AUTH,
#   - the Perl side decrypts the C initiator's IKE_AUTH request and verifies its AUTH,
#   - an ICMP echo goes through ESP both ways (Perl seals, C opens and seals, Perl opens).
# usage: diff-test.sh DIFF_DRIVER [IKE_LIST [ESP_LIST [IDi]]]   e.g. chacha,gcm256 chacha fqdn:a.b
# Env: PERL_INIT=path (another minike-init.pl, for mutation checks), KEEP=1 keeps the work dir.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVER=${1:?usage: $0 DIFF_DRIVER [IKE_LIST [ESP_LIST [IDi]]]}
IKE=${2:-chacha,gcm256} ESP=${3:-chacha,gcm256} IDI=${4:-fqdn:init.diff}
PL=${PERL_INIT:-$HERE/minike-init.pl}
[ -x "$DRIVER" ] || { echo "SKIP: no diff_driver at $DRIVER"; exit 77; }
perl -MCrypt::PK::X25519 -e1 2>/dev/null || { echo "SKIP: libcryptx-perl missing"; exit 77; }

WORK=$(mktemp -d -t mkdiff.XXXXXX)
RESP_PID=
cleanup() {
  [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Fixed inputs: RFC 7748 6.1 Alice's private key; a nonce and SPIs nobody would pick at random.
SPI=0123456789abcdef
NONCE=000102030405060708090a0b0c0d0e0f  # 16 octets: RFC 7296 §2.10 with PRF-HMAC-SHA2-256
DH=77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a
ESPSPI=c0ffee01
PSK=diff-psk-0123456789abcdef
IDR=fqdn:resp.diff TSI=10.99.20.0/24 TSR=10.99.10.0/24
# loopback ports from this PID (two adjacent ones); NAT-D hashes include them, so both sides use them
PORT=$((20000 + ($$ % 20000) * 2)) SPORT=$((20001 + ($$ % 20000) * 2))
COMMON=(--spi $SPI --nonce $NONCE --dh-priv $DH --esp-spi $ESPSPI --psk $PSK --ike $IKE --esp $ESP
        --idi $IDI --idr $IDR --tsi $TSI --tsr $TSR --local 127.0.0.1:$SPORT --remote 127.0.0.1:$PORT)

"$DRIVER" run "${COMMON[@]}" > $WORK/c.out 2> $WORK/c.err || { cat $WORK/c.err; echo "FAIL: diff_driver run"; exit 1; }
"$DRIVER" respond "${COMMON[@]}" --timeout 20 > $WORK/r.out 2>&1 &
RESP_PID=$!
for i in $(seq 1 50); do grep -q '^listening' $WORK/r.out 2>/dev/null && break; sleep 0.1; done
grep -q '^listening' $WORK/r.out || { cat $WORK/r.out; echo "FAIL: responder did not start"; exit 1; }

CAUTH=$(sed -n 's/^IKE_AUTH_request = //p' $WORK/c.out)
perl "$PL" --peer 127.0.0.1 --port $PORT --sport $SPORT --spi $SPI --nonce $NONCE --dh-priv $DH \
  --esp-spi $ESPSPI --psk $PSK --id $IDI --peer-id $IDR --tsi $TSI --tsr $TSR --ike $IKE --esp $ESP \
  --print-keys --print-msgs --check-auth-req "$CAUTH" --ping 10.99.10.1 --timeout 0.5 --retries 3 \
  > $WORK/p.out 2>&1
PRC=$?
[ $PRC != 0 ] && kill $RESP_PID 2>/dev/null    # a failed initiator sends no Delete: stop waiting
wait $RESP_PID; RRC=$?; RESP_PID=

FAILS=0 N=0
check() { N=$((N+1)); if eval "$2"; then echo "ok $N - $1"; else echo "not ok $N - $1"; FAILS=$((FAILS+1)); fi; }
val() { sed -n "s/^$2 = //p" "$1" | head -1; }
same() { # name in c.out, name in p.out
  local a b; a=$(val $WORK/c.out "$1"); b=$(val $WORK/p.out "${2:-$1}")
  [ -n "$a$b" ] || [ "$1" = SK_ai ] || [ "$1" = SK_ar ] || return 1
  [ "$a" = "$b" ] && [ "$(grep -c "^${2:-$1} = " $WORK/p.out)" = 1 ]
}
echo "# IKE $IKE, ESP $ESP, IDi $IDI; Perl rc $PRC, responder rc $RRC"
check "Perl initiator completed (rc 0)" '[ $PRC = 0 ]'
check "IKE_SA_INIT request: Perl and C byte-identical" 'same IKE_SA_INIT_request'
check "IKE_SA_INIT response: the seeded C responder answered both identically" 'same IKE_SA_INIT_response'
for k in SPIi SPIr Ni Nr 'g^ir' SKEYSEED SK_d SK_ai SK_ar SK_ei SK_er SK_pi SK_pr ESP_SPI_in ESP_SPI_out KEYMAT_ei KEYMAT_er; do
  check "$k: Perl and C identical" "same '$k'"
done
check "C responder's SK_ei/SK_er/KEYMAT equal the Perl keys" \
  '[ "$(val $WORK/r.out peer_SK_ei)" = "$(val $WORK/p.out SK_ei)" ] && [ "$(val $WORK/r.out peer_SK_er)" = "$(val $WORK/p.out SK_er)" ] && [ "$(val $WORK/r.out peer_KEYMAT_ei)" = "$(val $WORK/p.out KEYMAT_ei)" ] && [ "$(val $WORK/r.out peer_KEYMAT_er)" = "$(val $WORK/p.out KEYMAT_er)" ] && [ -n "$(val $WORK/r.out peer_SK_ei)" ]'
check "C responder accepted the Perl IKE_AUTH request" 'grep -q "^ESTABLISHED" $WORK/r.out'
check "Perl verified the C responder's AUTH" 'grep -q "^IKE SA established: responder AUTH verified" $WORK/p.out'
check "Perl decrypted the C IKE_AUTH request and verified its AUTH" 'grep -q "^other IKE_AUTH request accepted" $WORK/p.out'
check "ESP: Perl echo request opened by C, C reply opened by Perl" 'grep -q "^ESP ping OK" $WORK/p.out && grep -q "^ESP echo request 1 answered" $WORK/r.out'
check "Delete: the C responder closed the SA" 'grep -q "CLOSED" $WORK/r.out'
if [ $FAILS != 0 ]; then
  echo "--- Perl output"; grep -v ' = ' $WORK/p.out
  echo "--- responder output"; grep -v ' = ' $WORK/r.out
  for k in IKE_SA_INIT_request SKEYSEED SK_ei KEYMAT_ei; do
    echo "C    $k = $(val $WORK/c.out $k)"; echo "Perl $k = $(val $WORK/p.out $k)"; done
fi
echo "1..$N"
[ $FAILS = 0 ] && echo "# all $N passed" || echo "# $FAILS of $N FAILED"
[ $FAILS = 0 ]
