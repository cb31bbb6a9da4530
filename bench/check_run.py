#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/check_run.py: the `bench_run` ctest (label bench, opt-in: -DMK_BENCH_TEST=ON).

Runs `bench/run --quick --json FILE` and checks only that every row was produced and every ratio
is a number: no timing assertions (speed is reported, never asserted). Rows may be "missing" (with
the reason as their value) only where that is expected on a correct tree: programs other helpers
have not written yet (bench/footprint.sh, the soak and load programs), strongSwan without NAT-T
(it cannot be told to omit NAT_DETECTION_*), and rows of the minimal profile (its suite set may
not include the interop suite).

    bench/check_run.py BUILD_DIR          (exit 0 pass, 1 fail, 77 skip: not root)
    bench/check_run.py --json FILE        only check the JSON of an earlier bench/run --quick
"""
import json
import math
import os
import re
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SUITES = ["chacha20poly1305-prfsha256-x25519", "aes128gcm16-prfsha256-x25519"]
MAY_BE_MISSING = ("reliability.", "wire.nonatt.strongswan.", "minimal.")


def required():
    keys = []
    for v in ("natt", "nonatt"):
        for k in ("floor.sent", "floor.recv", "minike.sent", "minike.recv",
                  "ratio.minike_floor.sent", "ratio.minike_floor.recv"):
            keys.append(f"wire.{v}.{k}")
    keys += ["wire.natt.strongswan.sent", "wire.natt.strongswan.recv",
             "wire.natt.ratio.minike_strongswan.sent", "wire.natt.ratio.minike_strongswan.recv",
             "wire.nonatt.strongswan.sent"]
    for k in ("e2e", "turnaround"):
        for who in ("minike", "strongswan"):
            keys += [f"latency.{k}.{who}.median", f"latency.{k}.{who}.min"]
        keys.append(f"latency.{k}.ratio.minike_strongswan")
    for s in SUITES:
        keys += [f"cpu.{s}.{k}" for k in ("initiator", "floor", "ratio", "noncrypto")]
    keys += ["footprint.contiki", "footprint.strongswan.text"]
    for prof in ("minimal", "full"):
        keys += [f"footprint.{prof}.{k}" for k in ("code_lines", "m4_text_kept", "sizeof_mk_ike",
                                                   "peak_stack", "bytes_sent", "bytes_floor",
                                                   "ratio.bytes_sent_floor")]
    keys += [f"fuzz.{f[5:-2]}" for f in sorted(os.listdir(os.path.join(ROOT, "fuzz")))
             if f.startswith("fuzz_") and f.endswith(".c")]
    return keys


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--json":
        return check(json.load(open(sys.argv[2])))
    if len(sys.argv) != 2:
        print("usage: check_run.py BUILD_DIR | --json FILE", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: bench/run's wire and latency rows need root (network namespaces)")
        return 77
    out = os.path.join(sys.argv[1], "bench-run.json")
    r = subprocess.run([os.path.join(BENCH, "run"), "--quick", "--json", out,
                        "--build", os.path.join(sys.argv[1], "bench-run"),
                        "--fuzz-build", os.path.join(sys.argv[1], "bench-fuzz")],
                       capture_output=True, text=True, timeout=900)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        print(f"FAIL: bench/run exited {r.returncode}\n{r.stderr[-2000:]}")
        return 1
    return check(json.load(open(out)))


def check(doc):
    rows = {x["key"]: x for x in doc["rows"]}
    bad = []
    for k in ("cpu", "cores", "gcc", "libsodium", "mbedtls", "strongswan"):
        if not doc["machine"].get(k):
            bad.append(f"machine fact {k} missing")
    for k in required():
        if k not in rows:
            bad.append(f"row {k} not produced")
    for p in ("reliability.soak", "reliability.load"):
        if not any(k.startswith(p) for k in rows):
            bad.append(f"no {p} row")
    if "minimal" in doc.get("profiles", []) and not any(k.startswith("minimal.") for k in rows):
        bad.append("no rows for the minimal profile")
    for k, x in rows.items():
        if x["kind"] == "missing":
            if not k.startswith(MAY_BE_MISSING):
                bad.append(f"row {k} missing: {x['value']}")
            elif not str(x["value"]).strip():
                bad.append(f"row {k} missing without a reason")
        elif x["kind"] == "ratio":
            v = x["value"]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) \
                    or v <= 0:
                bad.append(f"ratio {k} is not a positive number: {v!r}")
    # The floor arithmetic against an independent implementation: strongSwan's IKE_AUTH response
    # to minike carries exactly IDr AUTH SA TSi TSr (no notifies), i.e. the floor of that message.
    sys.path.insert(0, BENCH)
    sys.dont_write_bytecode = True
    import wire
    note = rows.get("wire.natt.minike.sent", {}).get("note", "")
    m = re.search(r"<-AUTH (\d+)", note)
    want = wire.floor("chacha20poly1305-prfsha256-x25519", 16, 16, True)["auth_resp"]
    if m is None:
        bad.append("no per-message sizes for minike with NAT-T")
    elif int(m.group(1)) != want:
        bad.append(f"strongSwan's IKE_AUTH response is {m.group(1)} octets, the floor says {want}")
    for b in bad:
        print("FAIL:", b)
    print(f"bench/run{' --quick' if doc.get('quick') else ''}: {len(rows)} rows, {sum(x['kind'] == 'ratio' for x in rows.values())} "
          f"ratios, {doc['seconds']} s; {'FAIL' if bad else 'ok'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
