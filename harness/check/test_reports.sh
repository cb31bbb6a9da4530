#!/bin/bash
# test_reports.sh: `minike check` outputs. A few cases against minike write JSON and JUnit; the
# JUnit must parse with python's xml module and agree with the JSON (counts, a <failure> per
# FAIL with the datagrams, <skipped> per N/A); --list shows every case; exit status 1 with a
# FAIL, 2 for a bad option. The FAIL comes from minike made faulty on purpose (mk_fault_shim
# --fault reserved sets a reserved header bit: case 6); the raw-key placeholders and the rpk
# cases' N/A in a PSK run. Usage: test_reports.sh MINIKE SHIM
set -u
MINIKE=$1 SHIM=$2
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
W=$(mktemp -d /tmp/mk-rep.XXXXXX)
trap 'rm -rf "$W"' EXIT
PORT=$((20000 + $$ % 20000))
n=$("$MINIKE" check --list | grep -c '^C[0-9]')
[ "$n" -ge 100 ] || { echo "only $n cases listed"; exit 1; }
"$MINIKE" check --list -v | grep -q 'quote:  "' || { echo "--list -v lacks quotes"; exit 1; }
"$MINIKE" check --cases 0 --external >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad --cases: want exit 2"; exit 1; }
"$MINIKE" check >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no initiator: want exit 2"; exit 1; }
# raw keys: their placeholders need --auth rpk; a PSK run makes the rpk cases N/A without
# starting the initiator (false would be an ERROR)
"$MINIKE" check --initiator-cmd 'x --key {keyfile}' >/dev/null 2>&1; [ $? -eq 2 ] ||
    { echo "{keyfile} without --auth rpk: want exit 2"; exit 1; }
"$MINIKE" check --listen 127.0.0.1:$PORT --cases 183-192 --initiator-cmd false >"$W/na" 2>&1 &&
    [ "$(grep -c '^C1[89][0-9] rpk .* N/A .*configured for PSK' "$W/na")" = 10 ] ||
    { echo "rpk cases in a PSK run: want 10 N/A"; cat "$W/na"; exit 1; }
# 1-3 PASS; 45 N/A (one proposal); 6 FAIL (the shim sets a reserved bit); 38 INFO
SPORT=$((PORT + 1))
"$MINIKE" check --listen 127.0.0.1:$PORT --cases 1-3,6,38,45 --name 'minike <&> "x"' \
    --initiator-cmd "$SHIM --fault reserved --port $SPORT --to {addr}:{port} -- $MINIKE initiate --peer 127.0.0.1:$SPORT --psk-file {pskfile} --id {idi} --remote-id {idr} --timeout 3 --ping 10.99.10.1" \
    --json "$W/r.json" --junit "$W/r.xml" >"$W/out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "exit $rc, want 1 (a FAIL)"; cat "$W/out"; exit 1; }
grep -q '^C006 .* FAIL ' "$W/out" && grep -q 'checker -> initiator IKE_SA_INIT resp' "$W/out" ||
    { echo "the FAIL line or its datagrams are missing"; cat "$W/out"; exit 1; }
python3 - "$W/r.json" "$W/r.xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
assert root.tag == "testsuites", root.tag
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert len(cases) == len(j["cases"]) == 6, (len(cases), len(j["cases"]))
v = {c["id"]: c["verdict"] for c in j["cases"]}
assert [v[i] for i in (1, 2, 3)] == ["PASS"] * 3, v
assert v[45] == "N/A" and v[6] == "FAIL" and v[38] == "INFO", v
assert int(suite.get("tests")) == 6 and int(suite.get("failures")) == 1, suite.attrib
assert int(suite.get("skipped")) == 1 and int(suite.get("errors")) == 0, suite.attrib
assert 'minike <&> "x"' in suite.get("name") and j["initiator"] == 'minike <&> "x"'
for tc in cases:
    cid = int(tc.get("name")[1:4])
    f, s = tc.find("failure"), tc.find("skipped")
    assert (f is not None) == (v[cid] == "FAIL") and (s is not None) == (v[cid] == "N/A"), cid
    if f is not None:
        assert "IKE_SA_INIT" in f.text and "RFC 7296" in f.text, f.text[:200]
    float(tc.get("time"))
for c in j["cases"]:
    for k in ("id", "category", "title", "rfc", "quote", "ipv6ready", "expect", "verdict", "reason", "ms"):
        assert k in c, k
    assert c["rfc"].startswith("RFC ") and c["quote"], c
assert j["summary"] == {"cases": 6, "pass": 3, "fail": 1, "info": 1, "na": 1, "error": 0}, j["summary"]
assert "datagrams" in [c for c in j["cases"] if c["id"] == 6][0]
print("JSON and JUnit agree:", j["summary"])
PY
# --external: a cue per case, and the initiator is started by someone else (here: this script)
printf 'external-test-psk-0123456789' >"$W/psk"
EXT=$((PORT + 1))
( "$MINIKE" check --external --listen 127.0.0.1:$EXT --psk-file "$W/psk" --cases 1,170 \
    --cue-timeout 15 >"$W/ext" 2>&1; echo $? >"$W/ext.rc" ) &
cpid=$!
for i in 1 2; do
    for t in $(seq 1 100); do [ "$(grep -c 'start the initiator now' "$W/ext" 2>/dev/null)" -ge $i ] && break; sleep 0.1; done
    timeout 8 "$MINIKE" initiate --peer 127.0.0.1:$EXT --psk-file "$W/psk" --id fqdn:initiator.check \
        --remote-id fqdn:responder.check --timeout 3 --ping 10.99.10.1 >/dev/null 2>&1
done
wait $cpid
[ "$(cat "$W/ext.rc")" = 0 ] && [ "$(grep -c 'start the initiator now' "$W/ext")" = 2 ] &&
    grep -q '^C001 .* PASS ' "$W/ext" && grep -q '^C170 .* PASS ' "$W/ext" ||
    { echo "--external run failed"; cat "$W/ext"; exit 1; }
echo "--external: 2 cues, 2 PASS"
