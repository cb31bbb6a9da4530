#!/usr/bin/env bash
# label: unit
# Raw public keys in the `minike` command (RFC 7815 B.2): keygen files checked by an independent
# implementation (python3 `cryptography` loads them and computes the fingerprint), key files from
# other tools (PEM/DER, PKCS#1/PKCS#8), bad inputs, and initiate/respond/demo with raw keys:
# pinned key, pinned fingerprint, imprinting then reconnecting, a changed responder key refused,
# reset then re-imprinting, a responder that sends no key. Topology: `minike respond` on
# 127.0.0.1 (ephemeral ports), initiators on 127.0.0.1; state files under the test's temp dir.
source "$(dirname "$0")/lib.sh" "$@"
needs_delete
M=$MINIKE
PSK=$T/psk
PY=/usr/bin/python3
export XDG_STATE_HOME=$T/xdg   # the default imprint state lives here, never in $HOME
have_py=0
$PY -c 'import cryptography' 2>/dev/null && have_py=1

fp_of() { "$M" keygen --print "$1" | sed -n 's/^  sha256: *//p'; }

# ---- keygen: files, modes, and an independent reading of each ----
for t in ed25519 rsa; do
  expect_rc "keygen --type $t" 0 "$M" keygen --type $t --out "$T/$t"
  FP=$(sed -n 's/^  sha256: *//p' "$T/out")
  [[ "$FP" =~ ^[0-9a-f]{64}$ ]] && pass "$t: prints a sha256 fingerprint" || fail "$t: fingerprint line" "$T/out"
  grep -qE '^  keyid: +([0-9a-f]{2}:){19}[0-9a-f]{2}$' "$T/out" && pass "$t: prints pki's keyid" || fail "$t: keyid line" "$T/out"
  [ "$(stat -c %a "$T/$t.key")" = 600 ] && pass "$t: private key mode 0600" || fail "$t: mode $(stat -c %a "$T/$t.key")"
  ls "$T"/$t.*.?????? >/dev/null 2>&1 && fail "$t: temporary files left" || pass "$t: no temporary files left"
  if [ $have_py = 1 ]; then
    if $PY - "$T/$t" "$FP" "$t" >"$T/py" 2>&1 <<'EOF'
import sys, hashlib
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
p, fp, t = sys.argv[1], sys.argv[2], sys.argv[3]
der = open(p + ".pub.der", "rb").read()
pub = s.load_der_public_key(der)
pem = s.load_pem_public_key(open(p + ".pub.pem", "rb").read())
key = s.load_der_private_key(open(p + ".key", "rb").read(), None)
spki = lambda k: k.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
assert isinstance(key, ed25519.Ed25519PrivateKey if t == "ed25519" else rsa.RSAPrivateKey), type(key)
assert spki(pub) == der == spki(pem) == spki(key.public_key()), "public halves differ"
assert hashlib.sha256(der).hexdigest() == fp, "fingerprint differs"
if t == "ed25519":   # the exact PKCS#8 form: 302e020100300506032b657004220420 || seed
    raw = open(p + ".key", "rb").read()
    assert raw[:16].hex() == "302e020100300506032b657004220420" and len(raw) == 48
    assert key.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption()) == raw[16:]
else:
    assert key.key_size == 2048 and key.public_key().public_numbers().e == 65537
print("ok")
EOF
    then pass "$t: cryptography reads .key, .pub.der and .pub.pem; same key, same SHA-256"
    else fail "$t: cryptography cross-check" "$T/py"; fi
  fi
done
expect_rc "keygen refuses to overwrite" 3 "$M" keygen --type ed25519 --out "$T/ed25519"
grep -q 'exists already' "$T/err" && pass "overwrite message names --force" || fail "overwrite message" "$T/err"
expect_rc "keygen --force overwrites" 0 "$M" keygen --type ed25519 --out "$T/ed25519" --force
"$M" keygen --type ed25519 --seed 7 --out "$T/s1" >/dev/null && "$M" keygen --type ed25519 --seed 7 --out "$T/s2" >/dev/null
cmp -s "$T/s1.pub.der" "$T/s2.pub.der" && pass "keygen --seed is reproducible" || fail "keygen --seed"
cmp -s "$T/s1.pub.der" "$T/ed25519.pub.der" && fail "seeded key equals a random one" || true
expect_rc "keygen rsa --bits 1024 refused" 2 "$M" keygen --type rsa --bits 1024 --out "$T/weak"
grep -q '2048' "$T/err" && pass "the refusal names 2048" || fail "1024 message" "$T/err"
expect_rc "keygen ed25519 without --out" 2 "$M" keygen --type ed25519
expect_rc "keygen --type ecdsa unknown" 2 "$M" keygen --type ecdsa --out "$T/x"
expect_rc "keygen --print of a public key" 0 "$M" keygen --print "$T/rsa.pub.pem"
[ "$(fp_of "$T/rsa.pub.pem")" = "$(fp_of "$T/rsa.key")" ] && pass "--print: same fingerprint from .pub.pem and .key" || fail "--print fingerprints"

# ---- keys written by other tools; bad inputs ----
if [ $have_py = 1 ]; then
  $PY - "$T" <<'EOF' || fail "python key generation"
import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa, ec
d = sys.argv[1]
w = lambda n, b: open(f"{d}/{n}", "wb").write(b)
E, P, N = s.Encoding, s.PrivateFormat, s.NoEncryption()
e = ed25519.Ed25519PrivateKey.generate()
w("py-ed.pem", e.private_bytes(E.PEM, P.PKCS8, N))
w("py-ed.pub.der", e.public_key().public_bytes(E.DER, s.PublicFormat.SubjectPublicKeyInfo))
r = rsa.generate_private_key(65537, 2048)
w("py-rsa1.pem", r.private_bytes(E.PEM, P.TraditionalOpenSSL, N))   # "RSA PRIVATE KEY"
w("py-rsa8.der", r.private_bytes(E.DER, P.PKCS8, N))
w("py-rsa.pub.der", r.public_key().public_bytes(E.DER, s.PublicFormat.SubjectPublicKeyInfo))
w1 = rsa.generate_private_key(65537, 1024)
w("py-rsa1024.pem", w1.private_bytes(E.PEM, P.PKCS8, N))
w("py-rsa1024.pub.der", w1.public_key().public_bytes(E.DER, s.PublicFormat.SubjectPublicKeyInfo))
c = ec.generate_private_key(ec.SECP256R1())
w("py-ec.pem", c.private_bytes(E.PEM, P.PKCS8, N))
w("py-ec.pub.der", c.public_key().public_bytes(E.DER, s.PublicFormat.SubjectPublicKeyInfo))
w("py-ed-enc.pem", e.private_bytes(E.PEM, P.PKCS8, s.BestAvailableEncryption(b"pw")))
EOF
  for k in py-ed.pem:py-ed.pub.der py-rsa1.pem:py-rsa.pub.der py-rsa8.der:py-rsa.pub.der; do
    [ "$(fp_of "$T/${k%%:*}")" = "$(fp_of "$T/${k##*:}")" ] && [ -n "$(fp_of "$T/${k##*:}")" ] &&
      pass "reads ${k%%:*} (cryptography's key): same key as its .pub" || fail "reading ${k%%:*}"
  done
  [ "$(fp_of "$T/py-ed.pub.der")" = "$($PY -c "import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())" "$T/py-ed.pub.der")" ] &&
    pass "fingerprint of a foreign key equals hashlib's" || fail "foreign fingerprint"
  I=(initiate --peer 127.0.0.1:9 --id @dev.test --timeout 1)
  expect_rc "RSA-1024 private key refused" 3 "$M" "${I[@]}" --key "$T/py-rsa1024.pem"
  grep -q 'RSA key of 1024 bits refused: at least 2048 are required' "$T/err" && pass "clear RSA-1024 line" || fail "RSA-1024 line" "$T/err"
  expect_rc "RSA-1024 peer key refused" 3 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-key "$T/py-rsa1024.pub.der"
  expect_rc "EC P-256 private key: wrong type" 3 "$M" "${I[@]}" --key "$T/py-ec.pem"
  grep -q 'unsupported key type' "$T/err" && pass "wrong type named" || fail "wrong type line" "$T/err"
  expect_rc "EC P-256 peer key: wrong type" 3 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-key "$T/py-ec.pub.der"
  expect_rc "encrypted private key" 3 "$M" "${I[@]}" --key "$T/py-ed-enc.pem"
  grep -q 'encrypted' "$T/err" && pass "encrypted key named" || fail "encrypted line" "$T/err"
fi
I=(initiate --peer 127.0.0.1:9 --id @dev.test --timeout 1)
head -c 30 "$T/rsa.pub.der" >"$T/trunc.der"
expect_rc "truncated SPKI file" 3 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-key "$T/trunc.der"
grep -q 'SubjectPublicKeyInfo' "$T/err" && pass "truncated SPKI named" || fail "truncated line" "$T/err"
head -c 40 "$T/ed25519.key" >"$T/trunc.key"
expect_rc "truncated private key" 3 "$M" "${I[@]}" --key "$T/trunc.key"
expect_rc "public key given as --key" 3 "$M" "${I[@]}" --key "$T/ed25519.pub.pem"
expect_rc "private key given as --peer-key" 3 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-key "$T/rsa.key"
expect_rc "missing key file" 3 "$M" "${I[@]}" --key "$T/nonexistent.key"
expect_rc "--peer-fp not hex" 2 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-fp abcd
expect_rc "--key with --psk-file" 2 "$M" "${I[@]}" --key "$T/ed25519.key" --psk-file "$PSK"
expect_rc "--peer-key without --key" 2 "$M" "${I[@]}" --psk-file "$PSK" --peer-key "$T/rsa.pub.der"
expect_rc "--peer-key and --peer-fp" 2 "$M" "${I[@]}" --key "$T/ed25519.key" --peer-key "$T/rsa.pub.der" --peer-fp "$(fp_of "$T/rsa.pub.der")"
printf 'garbage\n' >"$T/bad.fp"
expect_rc "corrupt state file" 3 "$M" "${I[@]}" --key "$T/ed25519.key" --state "$T/bad.fp"
grep -q 'minike reset' "$T/err" && pass "corrupt state names minike reset" || fail "corrupt state line" "$T/err"
expect_rc "reset: nothing imprinted is fine" 0 "$M" reset --state "$T/none.fp"
expect_rc "reset without --state/--peer" 2 "$M" reset
expect_rc "reset --help" 0 "$M" reset --help

# ---- raw keys over the network: needs the responder's raw-key support (harness/lib/peer) ----
"$M" keygen --type ed25519 --out "$T/dev" >/dev/null && "$M" keygen --type ed25519 --out "$T/door" >/dev/null &&
  "$M" keygen --type ed25519 --out "$T/door2" >/dev/null && "$M" keygen --type rsa --out "$T/rdoor" >/dev/null || fail "keygen for the network tests"
DOOR_FP=$(fp_of "$T/door.pub.der")
"$M" respond --listen 127.0.0.1:0 --key "$T/door.key" --id @door.test -q >"$T/probe.log" 2>&1 &
probe=$!; PIDS+=("$probe"); sleep 0.3
if ! kill -0 $probe 2>/dev/null; then
  echo "# the responder has no raw-key support yet ($(head -n1 "$T/probe.log")): network tests skipped"
  finish
fi
kill $probe; wait $probe 2>/dev/null

R=(initiate --id @dev.test --key "$T/dev.key" --timeout 5 --ping 10.99.10.1)
start_resp --key "$T/door.key" --peer-key "$T/dev.pub.der" --id @door.test -q
expect_rc "pinned --peer-key: ping" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --peer-key "$T/door.pub.pem"
grep -q 'echo reply' "$T/out" && pass "echo reply through the raw-key SA" || fail "no echo reply" "$T/out"
expect_rc "wrong pinned key: AUTH fails" 6 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --peer-key "$T/door2.pub.der"
expect_rc "pinned --peer-fp: ping" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --peer-fp "sha256:$DOOR_FP"
expect_rc "wrong --peer-fp: refused" 6 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --peer-fp "$(fp_of "$T/door2.pub.der")"
expect_rc "responder refuses an unknown initiator key" 6 "$M" initiate --id @dev.test --key "$T/door2.key" --timeout 5 --peer 127.0.0.1:$RESP_PORT --peer-key "$T/door.pub.der"
# imprinting: first contact remembers the door, a reconnect requires it
ST=$T/state/door.fp
expect_rc "imprint on first contact" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$ST"
grep -q "imprinted the responder's raw public key sha256:$DOOR_FP into $ST" "$T/out" && pass "imprint announced with its fingerprint" || fail "imprint line" "$T/out"
grep -qx "sha256:$DOOR_FP" "$ST" && pass "state file holds the door's fingerprint" || fail "state file" "$ST"
expect_rc "reconnect to the imprinted responder" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$ST"
grep -q 'matches the imprinted one' "$T/out" && pass "reconnect checks the imprint" || fail "reconnect line" "$T/out"
expect_rc "default state file (XDG_STATE_HOME)" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT
[ -f "$XDG_STATE_HOME/minike/imprint-127.0.0.1_$RESP_PORT.fp" ] && pass "default state path used" || fail "default state path: $(ls -R "$XDG_STATE_HOME" 2>&1)"
stop_resp
# the door's key changes: refused with a line naming minike reset; the state is untouched
start_resp --key "$T/door2.key" --id @door.test -q
cp "$ST" "$T/st.before"
expect_rc "changed responder key refused" 6 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$ST"
grep -q "raw public key changed since it was imprinted .*minike reset --state $ST" "$T/err" && pass "changed-key line names minike reset" || fail "changed-key line" "$T/err"
cmp -s "$ST" "$T/st.before" && pass "state unchanged after the refusal" || fail "state changed"
expect_rc "minike reset" 0 "$M" reset --state "$ST"
[ ! -e "$ST" ] && pass "reset removed the state file" || fail "state file still there"
expect_rc "re-imprint after reset" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$ST"
grep -qx "sha256:$(fp_of "$T/door2.pub.der")" "$ST" && pass "the new key is imprinted" || fail "re-imprint state" "$ST"
expect_rc "reset --peer (default path)" 0 "$M" reset --peer 127.0.0.1:$RESP_PORT
stop_resp
# a responder that never sends its key (as strongSwan): imprinting impossible, pinning works
start_resp --key "$T/door.key" --no-cert --id @door.test -q
expect_rc "no CERT from the responder: no imprint" 6 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$T/state/nocert.fp"
grep -qx "minike: IKE_AUTH with 127.0.0.1:$RESP_PORT: the responder sent no raw public key, so it cannot be imprinted (pin its key with --peer-key or --peer-fp)" "$T/err" &&
  pass "NO_PEER_KEY line" || fail "NO_PEER_KEY line" "$T/err"
[ ! -e "$T/state/nocert.fp" ] && pass "nothing imprinted" || fail "state written without a key"
expect_rc "no CERT, pinned key: ok" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --peer-key "$T/door.pub.der"
stop_resp
# RSA responder, Ed25519 initiator; a read-only state directory refuses to imprint
start_resp --key "$T/rdoor.key" --id @door.test -q
expect_rc "RSA responder, imprinted" 0 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$T/state/rsa.fp"
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$T/ro" && chmod 500 "$T/ro"
  expect_rc "unwritable state: imprint refused" 3 "$M" "${R[@]}" --peer 127.0.0.1:$RESP_PORT --state "$T/ro/x.fp"
fi
stop_resp
# the demo with raw keys
expect_rc "demo --auth ed25519" 0 "$M" demo --auth ed25519 --travel 1 --quiet-timeout 0 --delete
grep -q "imprinted the responder's raw public key" "$T/out" && grep -q 'matches the imprinted one' "$T/out" &&
  pass "demo: press 1 imprints, press 2 checks the imprint" || fail "demo imprint lines" "$T/out"
grep -q 'door says: DONE closed' "$T/out" && pass "demo: the door closes" || fail "demo DONE" "$T/out"
expect_rc "demo --auth rsa" 0 "$M" demo --auth rsa --travel 1 --quiet-timeout 0
expect_rc "demo --auth bogus" 2 "$M" demo --auth bogus
finish
