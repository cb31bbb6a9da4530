#!/bin/bash
# test_netns.sh: `minike check --netns` (port-500 semantics in namespaces it makes itself), as
# root. A handful of cases against minike on 10.77.30.2:500 must PASS (C007, the non-ESP marker
# case, is N/A on port 500); the JSON must show the checker on port 500; the two namespaces must
# be gone afterwards, also after a SIGTERM in the middle of a case; without root the option is
# refused with one line and exit 2. Skips (77) when it cannot run here.
#   test_netns.sh MINIKE
MINIKE=$(realpath "$1")
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, port 500)"
command -v ip >/dev/null || skip "iproute2 (ip) missing"
probe=mkchk-probe-$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$probe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
leftover() { ip netns list | grep -E "^mkchk-$1-(r|i)\b"; }

CMD="$MINIKE initiate --peer {addr}:{port} --psk-file {pskfile} --id {idi} --remote-id {idr} \
--timeout 5 --ping 10.99.10.1 --ike aes128gcm16-prfsha256-x25519,aes128gcm16-prfsha256-ecp256"
CASES=1,2,3,4,5,6,7,8,15,16,50,59,90
"$MINIKE" check --netns --cases $CASES --initiator-cmd "$CMD" --json "$W/r.json" >"$W/out.txt" &
pid=$!
wait $pid
rc=$?
cat "$W/out.txt"
[ $rc -eq 0 ] || fail "minike check --netns exited $rc"
[ -z "$(leftover $pid)" ] || fail "namespaces of run $pid left behind"
python3 - "$W/r.json" <<'EOF' || exit 1
import json, sys
j = json.load(open(sys.argv[1]))
v = {c["id"]: c["verdict"] for c in j["cases"]}
want = {i: "PASS" for i in (1, 2, 3, 4, 5, 6, 8, 15, 16, 50, 59, 90)}
want[7] = "N/A"
bad = {i: v.get(i) for i in want if v.get(i) != want[i]}
assert not bad, "verdicts differ from %s: %s" % (want, bad)
print("verdicts as expected:", v)
EOF
grep -q "the checker listens on port 500" "$W/out.txt" || fail "C007 did not see port 500"

# SIGTERM in the middle of a case (C040: 8 s window): the namespaces still go
"$MINIKE" check --netns --cases 40 --initiator-cmd "sleep 30" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [ -n "$(leftover $pid)" ] && break; sleep 0.1; done
[ -n "$(leftover $pid)" ] || fail "run $pid made no namespaces"
sleep 1
kill -TERM $pid
wait $pid
for _ in $(seq 50); do [ -z "$(leftover $pid)" ] && break; sleep 0.1; done
[ -z "$(leftover $pid)" ] || fail "namespaces of run $pid left after SIGTERM"

# not root: one line, exit 2, nothing made
if command -v setpriv >/dev/null; then
  setpriv --reuid=65534 --regid=65534 --clear-groups "$MINIKE" check --netns \
    --initiator-cmd true >"$W/o" 2>"$W/e"
  rc=$?
  [ $rc -eq 2 ] || fail "non-root --netns exited $rc, want 2"
  [ "$(wc -l <"$W/e")" -eq 1 ] || fail "non-root --netns: want one line, got: $(cat "$W/e")"
  grep -q "root" "$W/e" || fail "non-root --netns: no reason given: $(cat "$W/e")"
  echo "non-root refusal: $(cat "$W/e")"
fi
echo "PASS: minike check --netns"
