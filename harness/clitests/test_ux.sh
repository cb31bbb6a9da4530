#!/usr/bin/env bash
# label: unit
# Regression checks from a usability review of the `minike` command (harness/cli/README.md):
# output files never replace a device, FIFO or directory (--pcap /dev/null as root renamed a
# regular file over the device node), symlinks are followed, `reset` never unlinks a device;
# clear one-line messages for bad ports, host names, port 0, multicast / unspecified peers,
# --count 0, --timeout 0, traffic outside the selectors, transport-mode misuse, odd-length hex
# PSKs, stray arguments, ambiguous options, nested parentheses; `minike help CMD`; the demo's
# failure line comes last after SIGINT; ESP lines show the sequence number both ways; the
# responder names the initiator; ID_MISMATCH names the identity the responder used; -v prints
# the core's trace after the datagram that caused it.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 3)

# ---- output files: never rename over a special file ----
mkfifo "$T/fifo"
expect_rc "--pcap onto a FIFO is refused up front" 3 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/fifo"
grep -q 'not a regular file (a FIFO)' "$T/err" && pass "  the line says why" || fail "  FIFO line" "$T/err"
[ -p "$T/fifo" ] && pass "  the FIFO is still a FIFO" || fail "  the FIFO was replaced"
if [ "$(id -u)" = 0 ] && mknod -m 600 "$T/fakedev" c 1 3 2>/dev/null; then
  expect_rc "--pcap onto a device node is refused" 3 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/fakedev"
  [ -c "$T/fakedev" ] && pass "  the device node survives" || fail "  the device node was replaced"
  expect_rc "reset --state on a device node is refused" 3 "$M" reset --state "$T/fakedev"
  [ -c "$T/fakedev" ] && pass "  reset did not unlink the device" || fail "  reset unlinked the device"
fi
mkdir "$T/dir"
expect_rc "--pcap onto a directory fails before the run" 3 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/dir"
[ ! -s "$T/out" ] && pass "  nothing ran" || fail "  the demo ran first" "$T/out"
expect_rc "--pcap DIR/ is refused" 3 "$M" demo --pcap "$T/dir/"
expect_rc "--pcap '' is a usage error" 2 "$M" demo --pcap ""
ln -s "$T/target.pcap" "$T/link.pcap"
expect_rc "--pcap through a symlink" 0 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/link.pcap"
[ -L "$T/link.pcap" ] && [ -s "$T/target.pcap" ] && pass "  the link stays, its target is written" \
  || fail "  symlink handling" "$T/out"
expect_rc "keygen --out DIR refused (no hidden DIR/.key)" 2 "$M" keygen --type ed25519 --out "$T/dir"
[ -z "$(ls -A "$T/dir")" ] && pass "  nothing written" || fail "  files written in DIR"
expect_rc "reset --state on a directory" 3 "$M" reset --state "$T/dir"

# ---- option values ----
expect_rc "--peer port out of range" 2 "$M" "${I[@]}" --peer 127.0.0.1:99999
grep -q 'bad port' "$T/err" && pass "  says 'bad port'" || fail "  port line" "$T/err"
expect_rc "--peer port 0" 2 "$M" "${I[@]}" --peer 127.0.0.1:0
expect_rc "--peer host name" 2 "$M" "${I[@]}" --peer vpn.example.com
grep -q 'does not resolve names' "$T/err" && pass "  says names are not resolved" || fail "  name line" "$T/err"
expect_rc "--peer 0.0.0.0" 2 "$M" "${I[@]}" --peer 0.0.0.0
expect_rc "--peer multicast" 2 "$M" "${I[@]}" --peer 224.0.0.5
expect_rc "--peer [::]" 2 "$M" "${I[@]}" --peer '[::]:500'
expect_rc "--count 0" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 10.99.10.1 --count 0
expect_rc "--timeout 0" 2 "$M" "${I[@]}" --peer 127.0.0.1 --timeout 0
expect_rc "--timeout 1.5" 2 "$M" "${I[@]}" --peer 127.0.0.1 --timeout 1.5
grep -q 'whole seconds' "$T/err" && pass "  asks for whole seconds" || fail "  1.5 line" "$T/err"
expect_rc "--tsi prefix with a sign" 2 "$M" "${I[@]}" --peer 127.0.0.1 --tsi 10.0.0.0/+8
expect_rc "--ping outside --tsr" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 192.168.1.1
grep -q 'outside --tsr 10.99.10.0/24' "$T/err" && pass "  names the selector" || fail "  tsr line" "$T/err"
expect_rc "--to outside --tsr" 2 "$M" "${I[@]}" --peer 127.0.0.1 --send x --to 192.168.1.1:9
expect_rc "--inner-src outside --tsi" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 10.99.10.1 --inner-src 10.1.1.1
expect_rc "--ping with IPv6 selectors" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 10.99.10.1 --tsi fd00::/64
expect_rc "--transport --ping elsewhere than the peer" 2 "$M" "${I[@]}" --peer 127.0.0.1 --transport --ping 10.99.10.1
expect_rc "--transport --inner-src" 2 "$M" "${I[@]}" --peer 127.0.0.1 --transport --inner-src 10.99.20.1
expect_rc "--transport traffic over IPv6" 2 "$M" "${I[@]}" --peer ::1 --transport --send x --to '[::1]:7'
expect_rc "stray argument is named" 2 "$M" "${I[@]}" --peer 127.0.0.1 extra
grep -q "unexpected argument 'extra'" "$T/err" && pass "  names it" || fail "  stray line" "$T/err"
expect_rc "ambiguous abbreviation" 2 "$M" initiate --pe 127.0.0.1
grep -q 'unknown or ambiguous' "$T/err" && pass "  says ambiguous" || fail "  ambiguous line" "$T/err"
expect_rc "--delete=yes (flag with a value)" 2 "$M" "${I[@]}" --peer 127.0.0.1 --delete=yes
grep -q "takes no value" "$T/err" && pass "  says it takes no value" || fail "  flag line" "$T/err"
expect_rc "respond --natt-port = --listen port" 2 "$M" respond --listen 127.0.0.1:7000 --natt-port 7000 --psk-file "$PSK" --id @x
printf '0x001122334455667788990011223344556' >"$T/oddpsk"
expect_rc "0x PSK with an odd number of digits" 3 "$M" "${I[@]}" --peer 127.0.0.1 --psk-file "$T/oddpsk"
grep -q 'odd number of hex digits' "$T/err" && pass "  says odd" || fail "  odd line" "$T/err"
expect_rc "no PSK: the line mentions --key" 2 env -u MINIKE_PSK "$M" initiate --peer 127.0.0.1 --id @x
# one-line format: the (todo) part is the only parenthesised tail, never nested
for args in "initiate --peer 127.0.0.1:0 --psk-file $PSK --id @a" "keygen --type rsa --bits 1000 --out $T/x" \
            "initiate --peer 127.0.0.1 --id @a --psk-file $T/nonexistent"; do
  "$M" $args >/dev/null 2>"$T/err"
  grep -qE '\([^()]*\([^()]*\)[^()]*\)$' "$T/err" && fail "nested parentheses: $args" "$T/err" \
    || pass "no nested parentheses: ${args%% --*}..."
done
expect_rc "minike help initiate" 0 "$M" help initiate
grep -q -- '--peer ADDR' "$T/out" && pass "  is initiate's help" || fail "  help initiate" "$T/out"

# ---- the demo interrupted: the failure line is the last line ----
"$M" demo --travel 3 >"$T/demo" 2>&1 &
dp=$!; PIDS+=("$dp")
sleep 1.5
kill -INT "$dp"; wait "$dp"; rc=$?
[ "$rc" = 130 ] && pass "demo on SIGINT exits 130" || fail "demo SIGINT exit $rc" "$T/demo"
sleep 1.2 # the door thread would have printed its next STATUS by now
tail -n 1 "$T/demo" | grep -q '^minike: .*interrupted by a signal' && pass "  the failure line is the last line" \
  || fail "  output after the failure line" "$T/demo"

# ---- against a responder ----
start_resp --psk-file "$PSK" --id @door.test --echo
expect_rc "ping x2 through the tunnel" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --ping 10.99.10.1 --count 2
grep -qE -- '<- ESP  spi [0-9a-f]{8} seq 2 +96 B' "$T/out" && pass "  inbound ESP lines show the sequence number" \
  || fail "  inbound ESP seq" "$T/out"
grep -qE 'IKE_SA_INIT +req .*  from 127\.0\.0\.1:[0-9]+$' "$RESP_LOG" && pass "  the responder names the initiator" \
  || fail "  responder from-address" "$RESP_LOG"
grep -qE 'IKE SA with 127\.0\.0\.1:[0-9]+ established; ESP SPIs in [0-9a-f]{8} out' "$RESP_LOG" \
  && pass "  the responder logs the SA coming up" || fail "  responder established line" "$RESP_LOG"
expect_rc "wrong --remote-id names what the responder said" 6 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --remote-id user@door.test
grep -q 'the responder identified as fqdn:door.test, not email:user@door.test' "$T/err" && pass "  both identities in the line" \
  || fail "  ID_MISMATCH line" "$T/err"
expect_rc "-v" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT -v
# the core's "rx: IKE_SA_INIT response" comes after the "<- IKE_SA_INIT resp" datagram line
a=$(grep -n '<- IKE_SA_INIT *resp' "$T/out" | head -1 | cut -d: -f1)
b=$(grep -n 'core   rx: IKE_SA_INIT response' "$T/out" | head -1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && pass "  -v: core trace after the datagram it parsed" \
  || fail "  -v order ($a, $b)" "$T/out"
stop_resp
start_resp --psk-file "$PSK" --id @door.test --echo --tsr 127.0.0.1/32
expect_rc "transport mode" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT \
  --transport --send hi --to 127.0.0.1:9 --quiet-timeout 1
grep -qE 'UDP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:9 "hi"' "$T/out" && pass "  the timeline shows the outer addresses" \
  || fail "  transport addresses" "$T/out"
stop_resp
finish
