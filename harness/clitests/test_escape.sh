#!/usr/bin/env bash
# label: unit
# Peer-supplied text is printed only escaped (issue 14, finding 2): a responder whose identity
# holds ESC, a colour sequence, a newline and a forged "minike:" line (respond --misbehave
# evil-id) makes `initiate --remote-id` fail with exactly one stderr line in which those octets
# appear as \xNN; replies through the tunnel are escaped the same way. Our own --id / --remote-id
# values with control characters or bytes that are not UTF-8 are refused with one line (the bad
# value itself escaped).
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
printf 'escape-test-psk-0123456789' >"$PSK"
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 3)
ESC=$(printf '\033')
raw_free() { ! grep -q "$ESC" "$1" && ! grep -q $'\r' "$1"; }

start_resp --psk-file "$PSK" --id @door.test --echo -q --misbehave evil-id
expect_rc "responder with an ESC/newline identity: ID mismatch, one line" 6 "$M" "${I[@]}" \
  --peer 127.0.0.1:$RESP_PORT --remote-id @door.test
grep -qF 'identified as fqdn:door.test\x1b[31m\x0aminike: forged line\x1b[0m, not fqdn:door.test' "$T/err" \
  && pass "  the identity is shown with \\xNN escapes" || fail "  escaped identity" "$T/err"
raw_free "$T/err" && raw_free "$T/out" && pass "  no raw ESC anywhere" || fail "  raw ESC printed" "$T/err"
[ "$(grep -c '^minike:' "$T/err")" = 1 ] && pass "  no forged second minike: line" || fail "  forged line" "$T/err"
expect_rc "without --remote-id the same responder is accepted" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT -v
raw_free "$T/out" && pass "  -v timeline carries no raw ESC" || fail "  raw ESC in the -v timeline" "$T/out"
stop_resp
start_resp --psk-file "$PSK" --id @door.test --echo -q --misbehave evil-id,wrong-auth
expect_rc "ESC identity with a wrong AUTH: exit 6, one line" 6 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --remote-id @door.test
raw_free "$T/err" && pass "  no raw ESC" || fail "  raw ESC printed" "$T/err"
stop_resp

# the echo server returns what we send: a reply holding ESC comes back escaped
start_resp --psk-file "$PSK" --id @door.test --echo -q
expect_rc "--send with ESC: the echoed reply is escaped" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --send "hi${ESC}[2Jthere" --to 10.99.10.1:7 --quiet-timeout 1
grep -qF 'reply: hi\x1b[2Jthere' "$T/out" && pass "  reply shown as hi\\x1b[2Jthere" || fail "  reply line" "$T/out"
raw_free "$T/out" && pass "  no raw ESC in the timeline" || fail "  raw ESC in the timeline" "$T/out"
stop_resp

# ---- our own identities ----
expect_rc "--id with ESC refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --id "@dev${ESC}[31m"
grep -q 'control characters' "$T/err" && pass "  the line says why" || fail "  why" "$T/err"
raw_free "$T/err" && grep -qF 'dev\x1b[31m' "$T/err" && pass "  the bad value is echoed escaped" || fail "  echo" "$T/err"
expect_rc "--id with a newline refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --id $'fqdn:a\nminike: x'
expect_rc "--remote-id with a tab refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --remote-id $'@a\tb'
expect_rc "--id with a byte that is not UTF-8 refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --id $'@dev\xff'
grep -qF '\xff' "$T/err" && pass "  shown as \\xff" || fail "  non-UTF-8 echo" "$T/err"
expect_rc "--id with an overlong UTF-8 NUL refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --id $'@dev\xc0\x80'
expect_rc "--id with a C1 control (U+009B CSI) refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --id $'@dev\xc2\x9b'
expect_rc "respond --id with ESC refused" 2 "$M" respond --listen 127.0.0.1:0 --psk-file "$PSK" --id "@d${ESC}"
start_resp --psk-file "$PSK" --id "@tür.test" --echo -q
expect_rc "a UTF-8 --id (tür.test) is accepted" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --remote-id "@tür.test"
stop_resp
finish
