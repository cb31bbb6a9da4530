#!/bin/bash
# test_tiny_verdicts.sh: the whole `minike check` catalogue against the template core
# (`minike initiate --core tiny`, ref/tiny) and against the general core configured for the
# same profile (ChaCha20-Poly1305 / PRF-HMAC-SHA2-256 / X25519, ESP ChaCha20-Poly1305, no NAT-T),
# both on 127.0.0.1 with their own ports. Every case must get the same verdict from both (PASS,
# FAIL, INFO, N/A; an INFO the same choice, up to numbers), except the cases listed in EXCEPTIONS below, each with its reason; a listed
# case that no longer differs fails the test too, so the list stays true. No ERROR is allowed.
# The verdict table goes to $OUT/verdicts.txt (default: a temp dir), the reports beside it.
# Usage: test_tiny_verdicts.sh MINIKE
set -u
MINIKE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
"$MINIKE" check --list >/dev/null 2>&1 || { echo "SKIP: this minike has no check (full builds only)"; exit 77; }
if [ -z "${OUT:-}" ]; then
    OUT=$(mktemp -d /tmp/mk-tinyv.XXXXXX)
    trap 'rm -rf "$OUT"' EXIT
fi
# case id -> why the two cores differ there (none known: the template core matches)
EXCEPTIONS=""
COMMON="--peer {addr}:{port} --psk-file {pskfile} --id {idi} --remote-id {idr} --timeout 5 --ping 10.99.10.1"
GENERAL="$MINIKE initiate $COMMON --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --no-natt"
TINY="$MINIKE initiate --core tiny $COMMON"
BASE=$((21000 + $$ % 19000))
run() { # NAME PORT CMD
    "$MINIKE" check --listen "127.0.0.1:$2" --initiator-cmd "$3" --name "$1" \
        --json "$OUT/$1.json" >"$OUT/$1.txt" 2>&1
    local rc=$?
    tail -1 "$OUT/$1.txt"
    [ $rc -le 1 ] || { echo "$1: setup error (exit $rc)"; tail -5 "$OUT/$1.txt"; exit 1; }
}
run general "$BASE" "$GENERAL"
run tiny "$((BASE + 7))" "$TINY"
python3 - "$OUT/general.json" "$OUT/tiny.json" "$EXCEPTIONS" "$OUT/verdicts.txt" <<'PY'
import json, re, sys
gen = {c["id"]: c for c in json.load(open(sys.argv[1]))["cases"]}
tiny = {c["id"]: c for c in json.load(open(sys.argv[2]))["cases"]}
exc = {int(x.split(":")[0]) for x in sys.argv[3].split() if x}
ok = True
if set(gen) != set(tiny) or len(gen) < 100:
    print("case lists differ or short: %d / %d cases" % (len(gen), len(tiny))); ok = False
counts = {}
with open(sys.argv[4], "w") as out:
    for i in sorted(set(gen) & set(tiny)):
        g, t = gen[i]["verdict"], tiny[i]["verdict"]
        counts[(g, t)] = counts.get((g, t), 0) + 1
        out.write("C%03d %-5s %-5s %s\n" % (i, g, t, gen[i]["title"]))
        if "ERROR" in (g, t):
            print("ERROR: C%03d general %s, tiny %s: %s" % (i, g, t, tiny[i]["reason"])); ok = False
        elif g != t and i not in exc:
            print("C%03d %s: general %s, tiny %s\n  general: %s\n  tiny:    %s" %
                  (i, gen[i]["title"], g, t, gen[i]["reason"], tiny[i]["reason"])); ok = False
        elif g == t == "INFO" and i not in exc and \
                re.sub(r"[0-9]+", "N", gen[i]["reason"]) != re.sub(r"[0-9]+", "N", tiny[i]["reason"]):
            # INFO says which allowed behaviour was chosen: the same one, up to numbers (times)
            print("C%03d %s: both INFO, another choice\n  general: %s\n  tiny:    %s" %
                  (i, gen[i]["title"], gen[i]["reason"], tiny[i]["reason"])); ok = False
        elif g == t and i in exc:
            print("C%03d is listed as an exception but both give %s: update the list" % (i, g))
            ok = False
for (g, t), n in sorted(counts.items()):
    print("general %-5s tiny %-5s %3d cases" % (g, t, n))
sys.exit(0 if ok else 1)
PY
