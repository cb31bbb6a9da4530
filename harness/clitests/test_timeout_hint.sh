#!/usr/bin/env bash
# label: unit
# The TIMEOUT line says what was actually seen (issue 14, finding 5): silence ("no datagram came
# back": is a responder running there?), a responder that answered IKE_SA_INIT and then went
# quiet (its IKE_AUTH answers lost: respond --misbehave drop-tx), or datagrams that were not a
# valid answer. It used to say "is a responder running there?" in every case.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
printf 'hint-test-psk-0123456789' >"$PSK"
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 2)
# udp_server MODE FILE: a UDP socket on 127.0.0.1 that swallows (sink) or echoes (echo) what
# it gets for 20 s; its port is written to FILE
udp_server() {
  python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
open(sys.argv[2], "w").write(str(s.getsockname()[1])); s.settimeout(20)
try:
    while True:
        d, a = s.recvfrom(4096)
        if sys.argv[1] == "echo":
            s.sendto(d, a)
except OSError:
    pass
PY
  PIDS+=("$!")
  for _ in $(seq 50); do [ -s "$2" ] && break; sleep 0.1; done
}
# silence: a socket that never answers (no ICMP either)
udp_server sink "$T/sink.port"
expect_rc "silence: exit 5" 5 "$M" "${I[@]}" --peer 127.0.0.1:$(cat "$T/sink.port")
grep -q 'no datagram came back' "$T/err" && grep -q 'is a responder running there' "$T/err" \
  && pass "  says nothing came back" || fail "  silence line" "$T/err"
# answers IKE_SA_INIT, never IKE_AUTH: every answer after the first is built but not sent
start_resp --psk-file "$PSK" --id @door.test --echo -q --misbehave drop-tx=0xfffffffe
expect_rc "IKE_SA_INIT answered, IKE_AUTH not: exit 5" 5 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT
grep -q 'answered IKE_SA_INIT but then nothing' "$T/err" && ! grep -q 'is a responder running there' "$T/err" \
  && pass "  says the responder answered IKE_SA_INIT, then nothing" || fail "  half-answer line" "$T/err"
stop_resp
# something answers, but not with IKE: a UDP echo of our own request back at us
udp_server echo "$T/echo.port"
expect_rc "an echo server answers: exit 5" 5 "$M" "${I[@]}" --peer 127.0.0.1:$(cat "$T/echo.port")
grep -q 'were not a valid answer' "$T/err" && pass "  says datagrams came back but were not answers" || fail "  echo line" "$T/err"
finish
