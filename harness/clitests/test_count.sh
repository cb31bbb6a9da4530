#!/usr/bin/env bash
# label: unit
# --count and --timeout (issue 14, finding 3): every documented combination works. 64 pings (the
# documented maximum) take 32 s at one every 0.5 s; with the default --timeout 30 they used to be
# cut at 60 ("4 of 64 echo requests unanswered"), and 64 --send messages with --timeout 1 were
# cut after 5 while the run still exited 0. The schedule now never counts against --timeout.
# --quiet-timeout 0 with --send (a run that cannot see a reply) is refused up front.
# Takes about 50 s (the 64-ping schedule is real time).
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE
PSK=$T/psk
printf 'count-test-psk-0123456789' >"$PSK"
I=(initiate --psk-file "$PSK" --id @dev.test)
start_resp --psk-file "$PSK" --id @door.test --echo -q
expect_rc "--ping --count 64 with the default --timeout 30" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --ping 10.99.10.1 --count 64
[ "$(grep -c 'echo reply from' "$T/out")" = 64 ] && pass "  64 replies" || fail "  reply count" "$T/out"
expect_rc "--send --count 64 --timeout 1 --quiet-timeout 1" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --timeout 1 --send hello --to 10.99.10.1:7 --count 64 --quiet-timeout 1
[ "$(grep -c 'reply: hello' "$T/out")" = 64 ] && pass "  64 messages sent and echoed" || fail "  message count" "$T/out"
expect_rc "--ping --count 3 --timeout 1" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --timeout 1 --ping 10.99.10.1 --count 3 --delete
stop_resp
expect_rc "--send --quiet-timeout 0 refused up front" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --send x --to 10.99.10.1:7 --quiet-timeout 0
grep -q 'give 1 or more seconds' "$T/err" && pass "  says what to change" || fail "  quiet line" "$T/err"
expect_rc "--count 65 refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --ping 10.99.10.1 --count 65
finish
