#!/usr/bin/env bash
# label: unit
# Every exit code of `minike` (see harness/cli/README.md), each failure being exactly one
# stderr line "minike: <what failed>: <why> (<what to do>)"; garbage datagrams never crash the
# responder. Topology: one or two `minike respond` on 127.0.0.1 (ephemeral ports), initiators
# on 127.0.0.1.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 3)

# ---- 0: ok ----
expect_rc "--help exits 0" 0 "$M" --help
grep -q '^  6 authentication failed' "$T/out" && pass "--help lists the exit codes" || fail "--help lists the exit codes" "$T/out"
for c in initiate respond demo keygen reset; do expect_rc "$c --help exits 0" 0 "$M" $c --help; done
expect_rc "keygen psk" 0 "$M" keygen psk
grep -qxE '0x[0-9a-f]{64}' "$T/out" && pass "keygen psk prints 0x + 64 hex digits" || fail "keygen output" "$T/out"
"$M" keygen psk >"$T/k2"; cmp -s "$T/out" "$T/k2" && fail "two keygen runs gave the same key" || pass "keygen keys differ"

# ---- 2: usage ----
expect_rc "no command" 2 "$M"
expect_rc "unknown command" 2 "$M" frobnicate
expect_rc "unknown option" 2 "$M" initiate --frobnicate
expect_rc "option without its value" 2 "$M" initiate --peer
expect_rc "missing --peer" 2 "$M" "${I[@]}"
expect_rc "bad --peer address" 2 "$M" "${I[@]}" --peer not-an-address
expect_rc "bad --id type" 2 "$M" initiate --psk-file "$PSK" --peer 127.0.0.1 --id foo:bar
expect_rc "bad --id keyid hex" 2 "$M" initiate --psk-file "$PSK" --peer 127.0.0.1 --id keyid:xyz
expect_rc "bad --tsi" 2 "$M" "${I[@]}" --peer 127.0.0.1 --tsi 10.0.0.0/33
expect_rc "bad --count" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 10.99.10.1 --count abc
expect_rc "--send without --to" 2 "$M" "${I[@]}" --peer 127.0.0.1 --send hi
# traffic options without traffic were silently ignored: now one usage line each
expect_rc "--count without --ping/--send" 2 "$M" "${I[@]}" --peer 127.0.0.1 --count 3
grep -q -- '^minike: --count: only applies to traffic through the tunnel' "$T/err" && pass "  names --count" || fail "  --count line" "$T/err"
expect_rc "--inner-src without --ping/--send" 2 "$M" "${I[@]}" --peer 127.0.0.1 --inner-src 10.99.20.1
grep -q -- '^minike: --inner-src: ' "$T/err" && pass "  names --inner-src" || fail "  --inner-src line" "$T/err"
expect_rc "--quiet-timeout without --send" 2 "$M" "${I[@]}" --peer 127.0.0.1 --quiet-timeout 2
expect_rc "--quiet-timeout with --ping (ignored there too)" 2 "$M" "${I[@]}" --peer 127.0.0.1 --ping 10.99.10.1 --quiet-timeout 2
grep -q -- '^minike: --quiet-timeout: only applies to --send' "$T/err" && pass "  says --send only" || fail "  --quiet-timeout line" "$T/err"
expect_rc "keygen without type" 2 "$M" keygen
expect_rc "keygen --type ed25519 without --out" 2 "$M" keygen --type ed25519
grep -q -- '--out PREFIX is required' "$T/err" && pass "ed25519 asks for --out" || fail "ed25519 message" "$T/err"
expect_rc "keygen --type rsa --bits 1024" 2 "$M" keygen --type rsa --bits 1024 --out "$T/weak"
expect_rc "respond without --listen" 2 "$M" respond --psk-file "$PSK" --id @x
expect_rc "demo --travel 0" 2 "$M" demo --travel 0
expect_rc "no PSK at all" 2 env -u MINIKE_PSK "$M" initiate --peer 127.0.0.1 --id @x

# ---- 3: config / file ----
expect_rc "unreadable PSK file" 3 "$M" initiate --peer 127.0.0.1 --id @x --psk-file "$T/nonexistent"
printf 'short-secret' >"$T/short"
expect_rc "PSK shorter than 16 octets" 3 "$M" initiate --peer 127.0.0.1 --id @x --psk-file "$T/short"
expect_rc "short PSK from MINIKE_PSK" 3 env MINIKE_PSK=0x0102 "$M" initiate --peer 127.0.0.1 --id @x
expect_rc "unknown IKE proposal" 3 "$M" "${I[@]}" --peer 127.0.0.1 --ike aes128gcm16-prfsha256-x448
expect_rc "IKE proposal without DH" 3 "$M" "${I[@]}" --peer 127.0.0.1 --ike aes128gcm16-prfsha256
expect_rc "unknown ESP proposal" 3 "$M" "${I[@]}" --peer 127.0.0.1 --esp des
expect_rc "--pcap in a missing directory" 3 "$M" "${I[@]}" --peer 127.0.0.1 --pcap "$T/no/such/dir/x.pcap"

# ---- a responder for the network-level cases ----
start_resp --psk-file "$PSK" --id @door.test --ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16 -q
P=$RESP_PORT

# garbage first: the responder must survive it (and keep answering)
for junk in 'x' '\x00\x00\x00\x00' '\x00\x00\x00\x00garbage-after-marker' '\xff' \
            '\x12\x34\x56\x78\x00\x00\x00\x01encrypted?' "$(head -c 200 /dev/zero | tr '\0' 'A')"; do
  printf "$junk" >/dev/udp/127.0.0.1/$P
done
sleep 0.2
kill -0 "$RESP_PID" 2>/dev/null && pass "responder survives garbage datagrams" || fail "responder died on garbage" "$RESP_LOG"
expect_rc "a good exchange after the garbage" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P --ping 10.99.10.1

# ---- 4: network ----
expect_rc "port in use" 4 "$M" respond --listen 127.0.0.1:$P --psk-file "$PSK" --id @x
# ---- 6: authentication ----
printf '0x%s\n' "$(printf 'ab%.0s' $(seq 32))" >"$T/otherpsk"
expect_rc "wrong PSK: AUTHENTICATION_FAILED" 6 "$M" initiate --psk-file "$T/otherpsk" --id @dev.test --timeout 3 --peer 127.0.0.1:$P
expect_rc "unexpected responder identity" 6 "$M" "${I[@]}" --peer 127.0.0.1:$P --remote-id @someone.else
# ---- 7: proposals ----
expect_rc "no IKE proposal chosen" 7 "$M" "${I[@]}" --peer 127.0.0.1:$P --ike chacha20poly1305-prfsha256-x25519
expect_rc "child SA refused (ESP proposal)" 7 "$M" "${I[@]}" --peer 127.0.0.1:$P --esp chacha20poly1305
stop_resp
# ---- 4: unreachable: the port the responder just left answers with ICMP port unreachable ----
expect_rc "peer unreachable (ICMP)" 4 "$M" "${I[@]}" --peer 127.0.0.1:$P

# ---- scripted responders ----
start_resp --psk-file "$PSK" --id @door.test -q --misbehave drop-rx=0xffffffff
expect_rc "timeout: responder never answers" 5 "$M" initiate --psk-file "$PSK" --id @dev.test --timeout 2 --peer 127.0.0.1:$RESP_PORT
stop_resp
start_resp --psk-file "$PSK" --id @door.test -q --misbehave wrong-auth
expect_rc "responder AUTH does not verify" 6 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT
stop_resp
start_resp --psk-file "$PSK" --id @door.test -q --misbehave ts-unacceptable
expect_rc "TS_UNACCEPTABLE" 7 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT
stop_resp
start_resp --psk-file "$PSK" --id @door.test -q --misbehave choose-unoffered
expect_rc "responder picks an unoffered proposal" 8 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT
stop_resp
start_resp --psk-file "$PSK" --id @door.test -q --misbehave cookie,forged-error
expect_rc "COOKIE and a forged error are survived" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --ping 10.99.10.1
stop_resp
finish
