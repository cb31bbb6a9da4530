#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/paste.py: paste a bench/run into bench/README.md (whole table) and README.md (summary).

    sudo bench/run --json /tmp/bench.json --md /tmp/bench.md
    python3 bench/paste.py /tmp/bench.json /tmp/bench.md

Replaces the text between `<!-- bench/run:begin -->` and `<!-- bench/run:end -->` in both files
(the markers stay; nothing else is touched). Each file is written to a temporary name and
renamed, so an interrupted paste leaves the old file.
"""
import json
import os
import re
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
BEGIN, END = "<!-- bench/run:begin -->", "<!-- bench/run:end -->"


def replace_block(path, text):
    s = open(path).read()
    if BEGIN not in s or END not in s:
        sys.exit(f"paste.py: {path} has no {BEGIN} ... {END} block")
    a, b = s.index(BEGIN) + len(BEGIN), s.index(END)
    s = s[:a] + "\n" + text.rstrip("\n") + "\n" + s[b:]
    with open(path + ".tmp", "w") as f:
        f.write(s)
    os.replace(path + ".tmp", path)


def summary(doc):
    r = {x["key"]: x for x in doc["rows"]}

    def v(k, fmt="{}"):
        x = r.get(k)
        if x is None or x["kind"] == "missing":
            return "n/a"
        val = x["value"]
        return fmt.format(val) if not isinstance(val, int) else f"{val:,}"

    cs = "chacha20poly1305-prfsha256-x25519"
    gs = "aes128gcm16-prfsha256-x25519"
    fuzz = [x["value"] for k, x in r.items() if k.startswith("fuzz.") and x["kind"] != "missing"]
    m = doc["machine"]
    lines = [
        f"From one `sudo bench/run` ({doc['runs']} alternated runs, {doc['fuzz_seconds']} s per "
        f"fuzz target; {m['date']}, commit {m['commit']}, {m['cpu']}, {m['cores']} cores). "
        "Ratios hold across machines; times and exec/s are this machine's. Every row, method and "
        "note: [`bench/README.md`](bench/README.md#benchrun-every-figure-in-one-command).",
        "",
        "| what | minike | reference | ratio |",
        "|---|---:|---:|---:|",
        f"| PSK handshake on the wire with NAT-T, octets sent (UDP payload) | "
        f"{v('wire.natt.minike.sent')} | floor {v('wire.natt.floor.sent')}, strongSwan "
        f"{v('wire.natt.strongswan.sent')} | {v('wire.natt.ratio.minike_floor.sent')} / "
        f"{v('wire.natt.ratio.minike_strongswan.sent')} |",
        f"| same, octets received from the strongSwan responder | {v('wire.natt.minike.recv')} | "
        f"floor {v('wire.natt.floor.recv')}, strongSwan {v('wire.natt.strongswan.recv')} | "
        f"{v('wire.natt.ratio.minike_floor.recv')} / {v('wire.natt.ratio.minike_strongswan.recv')} |",
        f"| without NAT-T, octets sent | {v('wire.nonatt.minike.sent')} | floor "
        f"{v('wire.nonatt.floor.sent')} | {v('wire.nonatt.ratio.minike_floor.sent')} |",
        f"| instructions per initiator handshake, ChaCha20-Poly1305 + X25519 | "
        f"{v(f'cpu.{cs}.initiator')} | crypto floor {v(f'cpu.{cs}.floor')} | "
        f"{v(f'cpu.{cs}.ratio')} |",
        f"| same, AES-GCM-16-128 + X25519 | {v(f'cpu.{gs}.initiator')} | crypto floor "
        f"{v(f'cpu.{gs}.floor')} | {v(f'cpu.{gs}.ratio')} |",
        f"| same, minimal profile (ChaCha20-Poly1305 + X25519; the firmware's "
        f"`MK_X25519_LADDER=1` adds 2.4 %) | {v(f'minimal.cpu.{cs}.initiator')} | crypto floor "
        f"{v(f'minimal.cpu.{cs}.floor')} | {v(f'minimal.cpu.{cs}.ratio')} |",
        f"| same, the template core (`ref/tiny`, the minimal profile a device links) | "
        f"{v(f'cpu.tiny.{cs}.initiator')} | crypto floor {v(f'cpu.tiny.{cs}.floor')} | "
        f"{v(f'cpu.tiny.{cs}.ratio')} |",
        f"| first IKE_SA_INIT request to IKE_AUTH response, median ms | "
        f"{v('latency.e2e.minike.median')} | strongSwan {v('latency.e2e.strongswan.median')} | "
        f"{v('latency.e2e.ratio.minike_strongswan')} |",
        f"| initiator turnaround (IKE_SA_INIT response to IKE_AUTH request), median ms | "
        f"{v('latency.turnaround.minike.median')} | strongSwan "
        f"{v('latency.turnaround.strongswan.median')} | "
        f"{v('latency.turnaround.ratio.minike_strongswan')} |",
        f"| libFuzzer exec/s per target, ASan+UBSan | "
        f"{(f'{min(fuzz):,}–{max(fuzz):,}' if fuzz else 'n/a')} | | |",
        f"| footprint, minimal (template core) / general-minimal / full: Cortex-M4 text kept "
        f"(crypto excluded), `sizeof` of the IKE SA, initiator peak stack, octets sent / RFC 7296 "
        f"floor | "
        f"{v('footprint.minimal.m4_text_kept')} / {v('footprint.general-minimal.m4_text_kept')} / "
        f"{v('footprint.full.m4_text_kept')} B; "
        f"{v('footprint.minimal.sizeof_mk_ike')} / {v('footprint.general-minimal.sizeof_mk_ike')} / "
        f"{v('footprint.full.sizeof_mk_ike')} B; "
        f"{v('footprint.minimal.peak_stack')} / {v('footprint.general-minimal.peak_stack')} / "
        f"{v('footprint.full.peak_stack')} B | | "
        f"{v('footprint.minimal.ratio.bytes_sent_floor')} / "
        f"{v('footprint.full.ratio.bytes_sent_floor')} |",
        f"| text size | see the footprint row | strongSwan charon + libcharon + libstrongswan "
        f"{v('footprint.strongswan.text')} B; Contiki-IPsec IKEv2+ECC ≈26.5 kB ROM (published) | |",
    ]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: paste.py BENCH.json BENCH.md")
    doc = json.load(open(sys.argv[1]))
    if doc.get("quick"):
        sys.exit("paste.py: that was a --quick run; paste a full run")
    md = open(sys.argv[2]).read()
    replace_block(os.path.join(BENCH, "README.md"), md)
    replace_block(os.path.join(ROOT, "README.md"), summary(doc))
    print("pasted into bench/README.md and README.md")


if __name__ == "__main__":
    main()
