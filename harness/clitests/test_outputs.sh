#!/usr/bin/env bash
# label: unit
# Output files never lose a user's file (issue 14, finding 1): an existing --pcap file or a
# non-empty --keys directory is replaced only with --force; an output that is one of the run's
# inputs (by device and inode: same name, hard link, symlink) is refused; --pcap inside or equal
# to --keys is refused before anything is sent; outputs appear only when the run has something
# to put in them. Same rules for initiate, respond and demo. Each refusal is one line, exit 3
# (file) or 2 (contradictory options), and leaves every file as it was.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
printf 'outputs-test-psk-0123456789' >"$PSK"
cp "$PSK" "$T/psk.orig"
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 3)
unchanged() { cmp -s "$PSK" "$T/psk.orig" && pass "  $1: the PSK file is intact" || fail "  $1: the PSK file changed"; }

# ---- an output that is an input ----
expect_rc "--pcap = --psk-file refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:9 --pcap "$PSK"
grep -q 'same file as --psk-file' "$T/err" && pass "  the line names the input" || fail "  input line" "$T/err"
unchanged "same name"
ln "$PSK" "$T/hardlink"
expect_rc "--pcap = a hard link of --psk-file refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:9 --pcap "$T/hardlink"
unchanged "hard link"
ln -s "$PSK" "$T/symlink"
expect_rc "--pcap = a symlink to --psk-file refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:9 --pcap "$T/symlink"
unchanged "symlink"
expect_rc "--pcap = --psk-file refused even with --force" 3 "$M" "${I[@]}" --peer 127.0.0.1:9 --pcap "$PSK" --force
unchanged "--force"
expect_rc "respond --pcap = --psk-file refused" 3 "$M" respond --listen 127.0.0.1:0 --psk-file "$PSK" --id @d --pcap "$PSK"
unchanged "respond"
mkdir "$T/kin"; cp "$PSK" "$T/kin/esp_sa"
expect_rc "--keys DIR holding the --psk-file as a table name refused" 3 "$M" initiate --psk-file "$T/kin/esp_sa" \
  --id @dev.test --peer 127.0.0.1:9 --timeout 1 --keys "$T/kin" --force
grep -q 'same file as --psk-file' "$T/err" && pass "  the line names the input" || fail "  keys input line" "$T/err"

# ---- --pcap and --keys on the same path: refused before the run (was: "check disk space" after) ----
expect_rc "--keys d --pcap d refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --keys "$T/d" --pcap "$T/d"
[ ! -e "$T/d" ] && pass "  nothing created" || fail "  $T/d was created"
[ ! -s "$T/out" ] && pass "  nothing ran" || fail "  the run started" "$T/out"
expect_rc "--pcap inside --keys with a table's name refused" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 --keys "$T/d2" --pcap "$T/d2/esp_sa"

# ---- existing outputs: only with --force ----
start_resp --psk-file "$PSK" --id @door.test --echo -q
echo "precious" >"$T/old.pcap"
expect_rc "--pcap onto an existing file refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --pcap "$T/old.pcap"
grep -q 'exists already' "$T/err" && grep -q -- '--force' "$T/err" && pass "  the line says exists, --force" || fail "  exists line" "$T/err"
[ "$(cat "$T/old.pcap")" = precious ] && pass "  the file is intact" || fail "  the file changed"
expect_rc "--pcap onto an existing file with --force" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --pcap "$T/old.pcap" --force
[ "$(head -c 4 "$T/old.pcap" | od -An -tx1 | tr -d ' ')" = d4c3b2a1 ] && pass "  replaced by a capture" || fail "  not replaced"
mkdir "$T/keys"; echo "mine" >"$T/keys/keys.txt"; echo "mine" >"$T/keys/notes"
expect_rc "--keys onto a non-empty directory refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --keys "$T/keys"
grep -q 'not empty' "$T/err" && pass "  the line says not empty" || fail "  keys line" "$T/err"
[ ! -e "$T/keys/ikev2_decryption_table" ] && [ "$(cat "$T/keys/keys.txt")" = mine ] && pass "  the directory is untouched" || fail "  directory changed"
expect_rc "--keys onto a non-empty directory with --force" 0 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --keys "$T/keys" --force
[ -s "$T/keys/ikev2_decryption_table" ] && [ "$(cat "$T/keys/notes")" = mine ] && pass "  tables written, other files kept" || fail "  --force keys"
echo x >"$T/file"
expect_rc "--keys onto a regular file refused" 3 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --keys "$T/file"
stop_resp

# ---- outputs only when there is something to write ----
start_resp --psk-file "$PSK" --id @door.test --echo -q --ike chacha20poly1305-prfsha256-x25519
expect_rc "no proposal chosen: exit 7" 7 "$M" "${I[@]}" --peer 127.0.0.1:$RESP_PORT --ike aes256-sha256-modp2048 \
  --keys "$T/nokeys" --pcap "$T/np.pcap"
[ ! -e "$T/nokeys" ] && pass "  no keys were derived: no --keys directory" || fail "  empty key directory created"
[ -s "$T/np.pcap" ] && pass "  the capture of the failed exchange is written" || fail "  capture missing"
stop_resp
start_resp --psk-file "$PSK" --id @door.test --echo -q
expect_rc "local port taken: exit 4" 4 "$M" "${I[@]}" --peer 127.0.0.1:9 --local 127.0.0.1:$RESP_PORT --pcap "$T/none.pcap"
[ ! -e "$T/none.pcap" ] && pass "  no datagram: no capture file" || fail "  empty capture written"
stop_resp

# ---- respond and demo follow the same rules ----
echo keep >"$T/r.pcap"
expect_rc "respond --pcap existing refused" 3 "$M" respond --listen 127.0.0.1:0 --psk-file "$PSK" --id @d --pcap "$T/r.pcap"
[ "$(cat "$T/r.pcap")" = keep ] && pass "  intact" || fail "  respond replaced it"
expect_rc "demo --keys non-empty refused" 3 "$M" demo --travel 1 --quiet-timeout 0 --keys "$T/keys"
expect_rc "demo --pcap existing refused" 3 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/r.pcap"
expect_rc "demo --pcap existing with --force" 0 "$M" demo --travel 1 --quiet-timeout 0 --pcap "$T/r.pcap" --force
[ "$(head -c 4 "$T/r.pcap" | od -An -tx1 | tr -d ' ')" = d4c3b2a1 ] && pass "  replaced by a capture" || fail "  demo --force"
ls "$T" | grep -q 'tmp\.' && fail "temporary files left behind" || pass "no temporary files left"
finish
