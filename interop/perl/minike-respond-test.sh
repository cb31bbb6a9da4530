#!/bin/bash
# SPDX-License-Identifier: MIT
#
# minike-respond-test.sh: the Perl initiator against the C responder command
# (`minike respond`, harness/cli) on loopback. The port is not 500, so the Perl side uses the
# non-ESP marker from the start (RFC 3948 §2.2) and stays on that port.
# usage: minike-respond-test.sh [MINIKE_BINARY]     exit 77 if the binary is not built
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MK=${1:-$HERE/../../build-cli/minike}
[ -x "$MK" ] || { echo "SKIP: no minike binary at $MK"; exit 77; }
perl -MCrypt::PK::X25519 -e1 2>/dev/null || { echo "SKIP: libcryptx-perl missing"; exit 77; }
WORK=$(mktemp -d -t mkresp.XXXXXX)
RESP_PID=
cleanup() {
  [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
PORT=$((30000 + ($$ % 15000) * 2))
printf '%s' resp-test-psk-0123456789 > $WORK/psk
FAILS=0 N=0
check() { N=$((N+1)); if eval "$2"; then echo "ok $N - $1"; else echo "not ok $N - $1"; FAILS=$((FAILS+1)); fi; }
IKEALL=chacha20poly1305-prfsha256-x25519,aes128gcm16-prfsha256-x25519,aes256gcm16-prfsha256-x25519

# scenario NAME EXPECT(ok|fail:REGEX) "RESPONDER ARGS" PERL ARGS...
scenario() {
  local name=$1 expect=$2 rargs=$3; shift 3
  "$MK" respond --listen 127.0.0.1:$PORT --psk-file $WORK/psk --id fqdn:resp@x --tsr 10.99.10.0/24 \
    $rargs > $WORK/r-$name.out 2>&1 &
  RESP_PID=$!
  sleep 0.3
  perl "$HERE/minike-init.pl" --peer 127.0.0.1 --port $PORT --psk-file $WORK/psk --id fqdn:init@x \
    --peer-id fqdn:resp@x --tsi 10.99.20.0/24 --tsr 10.99.10.0/24 --timeout 0.3 --retries 4 \
    "$@" > $WORK/p-$name.out 2>&1
  local rc=$?
  kill $RESP_PID 2>/dev/null; wait $RESP_PID 2>/dev/null; RESP_PID=
  sed 's/^/    /' $WORK/p-$name.out
  if [ "$expect" = ok ]; then
    check "$name: handshake (responder AUTH verified), child SA, ESP echo" \
      "[ $rc = 0 ] && grep -q '^ESP ping OK' $WORK/p-$name.out"
  else
    check "$name: fails as expected (${expect#fail:})" \
      "[ $rc != 0 ] && grep -q -E '${expect#fail:}' $WORK/p-$name.out"
  fi
}
scenario chacha ok "" --ike chacha --esp chacha --ping 10.99.10.1
scenario gcm128 ok "" --ike gcm128 --esp gcm128 --ping 10.99.10.1
scenario gcm256 ok "--ike $IKEALL --esp aes256gcm16,chacha20poly1305" --ike gcm256 --esp gcm256 --ping 10.99.10.1
scenario cookie ok "--misbehave cookie" --ping 10.99.10.1
check "cookie: COOKIE round trip seen" "grep -q '^got COOKIE' $WORK/p-cookie.out"
scenario forged-error ok "--misbehave forged-error" --ping 10.99.10.1
check "forged-error: unprotected N(NO_PROPOSAL_CHOSEN) ignored" "grep -q '^ignoring unprotected' $WORK/p-forged-error.out"
scenario wrong-auth "fail:responder AUTH does not verify" "--misbehave wrong-auth" --ping 10.99.10.1
scenario bad-icv "fail:Timeout" "--misbehave bad-icv" --ping 10.99.10.1
check "bad-icv: the corrupted response was dropped, not believed" "grep -q '^dropped IKE_AUTH response: SK ICV mismatch' $WORK/p-bad-icv.out"
scenario auth-failed "fail:AUTHENTICATION_FAILED" "--misbehave auth-failed"
scenario ts-unacceptable "fail:TS_UNACCEPTABLE" "--misbehave ts-unacceptable"
scenario no-proposal "fail:NO_PROPOSAL_CHOSEN" "--misbehave no-proposal"
echo "1..$N"
[ $FAILS = 0 ] && echo "# all $N passed" || echo "# $FAILS of $N FAILED"
[ $FAILS = 0 ]
