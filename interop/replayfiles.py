#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""replayfiles.py: the replay files of one saved interop capture (called by run.sh --save).

For a scenario whose initiator is `minike initiate --seed N` it writes, next to the capture,
  <s>.keys    the golden-format vec file harness/replay/test_replay_interop.c rebuilds our
              initiator from: seed, the exact configuration run.sh used (proposals as offered in
              the capture, IDs, PSK or raw keys, TS, NAT-T flags, timeout, addresses and the
              ports the kernel gave us) and the IKE SA keys from strongSwan's own key log;
  <s>.expect  one line per UDP datagram of the capture, from the hand-written TEMPLATES below
              (the outcome the protocol demands of each scenario), checked against the run.
It does not trust minike's output for the outcome:
  * our flow is found by the SPIi the seeded stream predicts (ChaCha20 DRBG, key = seed LE |
    stream 0 | zeros, nonce "LibsodiumDRG": its first 8 octets), not by minike's logs;
  * every SK payload is opened (ICV/tag verified) with strongSwan's key table when it has the row
    (AES-GCM, AES-CBC, AES-CCM), else with minike's keys.txt (ChaCha20-Poly1305, libreswan);
  * the IKE datagrams of our flow must fit the template, in order (quantifiers ? * +), or the
    script fails (exit 1) and run.sh reports the scenario as failed.
usage: replayfiles.py --scenario S --dir D --pcap P --seed N --psk TEXT --args '...'
                      [--rpk-dir K] --exit RC
"""
import argparse
import hashlib
import hmac
import os
import re
import shlex
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps"))
import gen_check as g  # noqa: E402  (pcap, IKE and DRBG helpers of the golden captures)

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305  # noqa

I_ADDR, R_ADDR = "10.77.0.1", "10.77.0.2"
I_ID, R_ID = "fqdn:init.minike.test", "fqdn:resp.minike.test"
I_NET, R_NET = "10.77.20.0/24", "10.77.10.0/24"
NOTIFY = {14: "NO_PROPOSAL_CHOSEN", 17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED",
          35: "NO_ADDITIONAL_SAS", 38: "TS_UNACCEPTABLE", 16384: "INITIAL_CONTACT",
          16388: "NAT_DETECTION_SOURCE_IP", 16389: "NAT_DETECTION_DESTINATION_IP",
          16390: "COOKIE", 16393: "REKEY_SA", 16404: "MULTIPLE_AUTH_SUPPORTED",
          16418: "CHILDLESS_IKEV2_SUPPORTED", 16430: "IKEV2_FRAGMENTATION_SUPPORTED",
          16431: "SIGNATURE_HASH_ALGORITHMS", 16406: "REDIRECT_SUPPORTED"}

# ---- templates: the expected outcome of each scenario, written by hand ------------------------
# One entry per IKE datagram of our flow: (quantifier, regex on the datagram's description,
# .expect line), or (quantifier, [entries]) for a group; quantifiers 1 ? * + (greedy, with
# backtracking). Description: "TX|RX <exchange> req|resp [RETRANSMIT] : <payloads>{<inner>}".
# ESP datagrams of our flow become `ESP OUT` / `ESP IN`, anything else `OTHER` (the cookie
# decoy, NAT keepalives); they need no template line.
SETUP = [
    ("1", r"^TX IKE_SA_INIT req :", "TX IKE_SA_INIT"),
    ("1", r"^RX IKE_SA_INIT resp : SA KE", "RX OK INIT_SENT->AUTH_SENT"),
    ("1", r"^TX IKE_AUTH req :", "TX IKE_AUTH"),
]
UP = SETUP + [("1", r"^RX IKE_AUTH resp : SK\{IDr AUTH SA TSi TSr\}",
               "RX OK AUTH_SENT->ESTABLISHED")]
RETRY = [
    ("1", r"^TX IKE_SA_INIT req :", "TX IKE_SA_INIT"),
    ("1", r"^RX IKE_SA_INIT resp : N\((COOKIE|INVALID_KE_PAYLOAD)\)$",
     "RX OK INIT_SENT->INIT_SENT"),
]
PEER_DELETE = [
    ("1", r"^RX INFORMATIONAL req : SK\{D\}", "RX OK ESTABLISHED->CLOSED"),
    ("1", r"^TX INFORMATIONAL resp : SK\{\}", "TX INFORMATIONAL"),
]
TEMPLATES = {
    "psk-x25519-chacha20": (UP, "END ESTABLISHED"),
    "x25519-aesgcm256": (UP, "END ESTABLISHED"),
    "modp2048-aescbc256": (UP, "END ESTABLISHED"),
    "ecp256-aesgcm128": (UP, "END ESTABLISHED"),
    "aesccm8": (UP, "END ESTABLISHED"),
    "traffic": (UP, "END ESTABLISHED"),
    "rpk-ed25519": (UP, "END ESTABLISHED"),
    "rpk-rsa": (UP, "END ESTABLISHED"),
    "cookie": (RETRY + UP, "END ESTABLISHED"),
    "invalid-ke": (RETRY + UP, "END ESTABLISHED"),
    "wrong-psk": (SETUP + [("1", r"^RX IKE_AUTH resp : SK\{N\(AUTHENTICATION_FAILED\)\}",
                            "FAIL PEER_AUTH_FAILED AUTH_SENT->FAILED")],
                  "END FAILED PEER_AUTH_FAILED"),
    "libreswan-wrong-psk": (SETUP + [("1", r"^RX IKE_AUTH resp : SK\{N\(AUTHENTICATION_FAILED\)\}",
                                      "FAIL PEER_AUTH_FAILED AUTH_SENT->FAILED")],
                            "END FAILED PEER_AUTH_FAILED"),
    # pluto cannot install the child (no ESP in this kernel): IKE SA up, child refused
    "libreswan-psk": (SETUP + [("1", r"^RX IKE_AUTH resp : SK\{IDr AUTH N\(TS_UNACCEPTABLE\)\}",
                                "FAIL TS_UNACCEPTABLE AUTH_SENT->FAILED")],
                      "END FAILED TS_UNACCEPTABLE"),
    # strongSwan sends no raw key (no CERT encoding 15): nothing to imprint or check a pin with
    "rpk-imprint": (SETUP + [("1", r"^RX IKE_AUTH resp : SK\{IDr AUTH SA TSi TSr\}",
                              "FAIL NO_PEER_KEY AUTH_SENT->FAILED")], "END FAILED NO_PEER_KEY"),
    "rpk-peer-fp": (SETUP + [("1", r"^RX IKE_AUTH resp : SK\{IDr AUTH SA TSi TSr\}",
                              "FAIL NO_PEER_KEY AUTH_SENT->FAILED")], "END FAILED NO_PEER_KEY"),
    # an unprotected NO_PROPOSAL_CHOSEN is not acted on (RFC 7296 2.21.1): retransmit until
    # --timeout 3, then fail with the remembered reason
    "no-proposal": ([("1", r"^TX IKE_SA_INIT req :", "TX IKE_SA_INIT"),
                     ("1", r"^RX IKE_SA_INIT resp : N\(NO_PROPOSAL_CHOSEN\)$",
                      "DROP UNAUTH_NOTIFY INIT_SENT"),
                     ("+", [("1", r"^TX IKE_SA_INIT req RETRANSMIT :", "TX IKE_SA_INIT RETRANSMIT"),
                            ("?", r"^RX IKE_SA_INIT resp : N\(NO_PROPOSAL_CHOSEN\)$",
                             "DROP UNAUTH_NOTIFY INIT_SENT")])],
                    "END FAILED NO_PROPOSAL_CHOSEN"),
    # strongSwan deletes the IKE SA: we answer and close
    "peer-delete": (UP + PEER_DELETE, "END CLOSED PEER_DELETED"),
    # DPD (empty INFORMATIONAL) answered empty; CHILD_SA rekey refused with NO_ADDITIONAL_SAS;
    # strongSwan then deletes the IKE SA and re-initiates (its IKE_SA_INIT to our NAT-T port
    # arrives after minike has closed and exited: AFTER, not fed)
    "dpd-rekey": (UP + [
        ("*", [("1", r"^RX INFORMATIONAL req : SK\{\}$", "RX OK ESTABLISHED->ESTABLISHED"),
               ("1", r"^TX INFORMATIONAL resp : SK\{\}$", "TX INFORMATIONAL")]),
        ("1", r"^RX CREATE_CHILD_SA req : SK\{N\(REKEY_SA\) SA No TSi TSr\}",
         "RX OK ESTABLISHED->ESTABLISHED"),
        ("1", r"^TX CREATE_CHILD_SA resp : SK\{N\(NO_ADDITIONAL_SAS\)\}$", "TX CREATE_CHILD_SA"),
    ] + PEER_DELETE + [("*", r"^RX IKE_SA_INIT req :", "AFTER")], "END CLOSED PEER_DELETED"),
}


def die(msg):
    sys.stderr.write("replayfiles: %s\n" % msg)
    sys.exit(1)


# ---- keys -------------------------------------------------------------------------------------
def ws_encr(name):
    m = re.match(r'"?AES-(CBC|GCM|CCM)-(\d+)(?: with (\d+) octet ICV)?', name)
    if not m:
        return None
    base = {"CBC": 12, "GCM": {8: 18, 12: 19, 16: 20}, "CCM": {8: 14, 12: 15, 16: 16}}[m.group(1)]
    return (base if m.group(1) == "CBC" else base[int(m.group(3))]), int(m.group(2))


def ws_integ(name):
    if name.startswith('"NONE'):
        return 0
    m = re.match(r'"HMAC_SHA2_(\d+)_', name)
    return {256: 12, 384: 13, 512: 14}[int(m.group(1))] if m else None


def key_rows(d):
    """{spi_i: (spi_r, encr, bits, integ, ei, er, ai, ar, source)}: strongSwan's rows first."""
    rows = {}
    for path, src in ((os.path.join(d, "ikev2_decryption_table"), "strongSwan's key log"),
                      (os.path.join(d, "minike-keys", "keys.txt"), "minike --keys")):
        if not os.path.exists(path):
            continue
        for line in open(path):
            f = line.strip().split(",")
            if line.startswith("#") or len(f) != 8 or len(f[0]) != 16:
                continue
            m = re.match(r'"ENCR (\d+)/(\d+)"', f[4])
            e = (int(m.group(1)), int(m.group(2))) if m else ws_encr(f[4])
            mi = re.match(r'"INTEG (\d+)"', f[7])
            i = int(mi.group(1)) if mi else ws_integ(f[7])
            if e is None or i is None:
                continue
            k = bytes.fromhex(f[0])
            if k not in rows:
                rows[k] = (bytes.fromhex(f[1]), e[0], e[1], i, bytes.fromhex(f[2]),
                           bytes.fromhex(f[3]), bytes.fromhex(f[5]), bytes.fromhex(f[6]), src)
    return rows


def sk_open(ike, skoff, first, ek, ak, encr):
    body = ike[skoff + 4:]
    aad = ike[:skoff + 4]
    try:
        if encr in (20, 28):
            key, salt, iv, ct = ek[:-4], ek[-4:], body[:8], body[8:]
            pt = (AESGCM(key) if encr == 20 else ChaCha20Poly1305(key)).decrypt(salt + iv, ct, aad)
        elif encr in (14, 15, 16):
            tag = {14: 8, 15: 12, 16: 16}[encr]
            key, salt, iv, ct = ek[:-3], ek[-3:], body[:8], body[8:]
            pt = AESCCM(key, tag_length=tag).decrypt(salt + iv, ct, aad)
        elif encr == 12:
            icv = ike[-16:]
            if not hmac.compare_digest(hmac.new(ak, ike[:-16], hashlib.sha256).digest()[:16], icv):
                return None
            iv, ct = body[:16], body[16:-16]
            dec = Cipher(algorithms.AES(ek), modes.CBC(iv)).decryptor()
            pt = dec.update(ct) + dec.finalize()
        else:
            return None
    except Exception:
        return None
    pt = pt[:-1 - pt[-1]]
    return g.chain(first, pt)


def names(pls):
    out = []
    for t, b in pls:
        if t == 41:
            nt = struct.unpack(">H", b[2:4])[0]
            out.append("N(%s)" % NOTIFY.get(nt, str(nt)))
        else:
            out.append({40: "No"}.get(t, g.PT.get(t, str(t))))
    return " ".join(out)


# ---- main -------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    for o in ("--scenario", "--dir", "--pcap", "--psk", "--args"):
        ap.add_argument(o, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--exit", type=int, required=True)
    ap.add_argument("--rpk-dir")
    a = ap.parse_args()
    if a.scenario not in TEMPLATES:
        die("no template for %s" % a.scenario)
    tmpl, end = TEMPLATES[a.scenario]

    hdr, lt, nano, recs = g.read_pcap(a.pcap)
    spi_i = g.drbg(a.seed, 0, 8)
    dg = []
    for r in recs:
        src, dst, sport, dport, pl = g.udp_of(lt, r[1])
        dg.append(dict(t=r[0], src=".".join(map(str, src)), dst=".".join(map(str, dst)),
                       sport=sport, dport=dport, pl=pl))
    # our ports: the IKE_SA_INIT request with the predicted SPIi, then its IKE_AUTH's source
    p_ike = p_natt = None
    for d in dg:
        if d["src"] == I_ADDR and d["dport"] == 500 and d["pl"][:8] == spi_i and p_ike is None:
            p_ike = d["sport"]
        if d["src"] == I_ADDR and d["dport"] == 4500 and d["pl"][:4] == bytes(4) and \
                d["pl"][4:12] == spi_i and p_natt is None:
            p_natt = d["sport"]
    if p_ike is None:
        die("no IKE_SA_INIT with the SPIi %s the seed predicts" % spi_i.hex())
    ours = {p_ike, p_natt} - {None}
    rows = key_rows(a.dir)
    desc, last_tx, ksrc, esp_props, other = [], None, set(), None, {}
    for i, d in enumerate(dg):
        tx = d["src"] == I_ADDR and d["sport"] in ours and d["dst"] == R_ADDR
        rx = d["dst"] == I_ADDR and d["dport"] in ours and d["src"] == R_ADDR
        pl, natt = d["pl"], (d["dport"] if tx else d["sport"]) == 4500
        if not (tx or rx) or (natt and len(pl) == 1 and pl == b"\xff"):
            desc.append(("OTHER", None))
            continue
        if natt and pl[:4] != bytes(4):
            desc.append(("ESP OUT" if tx else "ESP IN", None))
            continue
        ike = pl[4:] if natt else pl
        h, pls = g.ike_parse(ike)
        if h["spi_i"] != spi_i:  # another IKE SA (strongSwan re-initiating): not ours
            other[i] = "another SPIi: %s %s" % (g.EXCH[h["exch"]], names(
                [(t, b) for (t, b, o) in pls]))
            desc.append(("OTHER", None))
            continue
        outer = [(t, b) for (t, b, o) in pls]
        s = names(outer)
        sk = [(t, b, o) for (t, b, o) in pls if t == 46]
        if sk:
            row = rows.get(spi_i)
            inner = None
            if row and row[0] == h["spi_r"]:
                from_i = bool(h["flags"] & 0x08)
                inner = sk_open(ike, sk[0][2], ike[sk[0][2]], row[4] if from_i else row[5],
                                row[6] if from_i else row[7], row[1])
                if inner is None:
                    die("frame %d: SK does not open with %s" % (i + 1, row[8]))
                ksrc.add(row[8])
                if tx and h["exch"] == 35:
                    esp_props = g.sa_proposals(next(b for (t, b) in inner if t == 33))
            s = s + "{%s}" % (names(inner) if inner is not None else "?")
        rt = tx and last_tx == ike and not (h["flags"] & 0x20)
        if tx:
            last_tx = ike
        desc.append(("%s %s %s%s : %s" % ("TX" if tx else "RX", g.EXCH[h["exch"]],
                                           "resp" if h["flags"] & 0x20 else "req",
                                           " RETRANSMIT" if rt else "", s),
                     dict(h=h, outer=outer)))

    # match the IKE datagrams against the template (in order, greedy with backtracking)
    idx = [i for i, (x, info) in enumerate(desc) if info is not None]
    ds = [desc[i][0] for i in idx]
    far = [0]

    def match(seq, i, cont):
        if not seq:
            return cont(i)
        item, rest = seq[0], seq[1:]

        def one(i, k):
            if isinstance(item[1], list):
                return match(item[1], i, k)
            if i < len(ds) and re.search(item[1], ds[i]):
                far[0] = max(far[0], i + 1)
                r = k(i + 1)
                return None if r is None else [item[2]] + r
            return None

        def star(i):
            r = one(i, lambda j: star(j) if j > i else None)
            return r if r is not None else match(rest, i, cont)
        if item[0] == "1":
            return one(i, lambda j: match(rest, j, cont))
        if item[0] == "?":
            r = one(i, lambda j: match(rest, j, cont))
            return r if r is not None else match(rest, i, cont)
        if item[0] == "*":
            return star(i)
        return one(i, star)  # "+"
    got = match(tmpl, 0, lambda i: [] if i == len(ds) else None)
    if got is None:
        die("the capture does not fit the %s template; first misfit: %s" %
            (a.scenario, ("frame %d `%s`" % (idx[far[0]] + 1, ds[far[0]])) if far[0] < len(ds)
             else "the capture ends early"))
    lines = [x for (x, info) in desc]
    for i, line in zip(idx, got):
        lines[i] = line

    # ---- .expect
    t0 = dg[0]["t"]
    exp = ["# source: interop/replayfiles.py template for %s (hand-written outcome), matched "
           "against the capture; SK payloads opened with %s. `#` text is commentary." %
           (a.scenario, " and ".join(sorted(ksrc)) or "no keys (none exist for this run)"),
           "# <frame> TX <exchange> [RETRANSMIT] | RX OK <before>-><after> | DROP <err> <state>",
           "# | FAIL <err> <before>->FAILED | ESP OUT (resealed, bit-identical) | ESP IN (opened)",
           "# | OTHER (not our flow: decoy, keepalive) | AFTER (arrived after minike stopped)",
           "# END <final state> [<error>]"]
    for i, (line, (s, info), d) in enumerate(zip(lines, desc, dg)):
        exp.append("%-40s # t=%.3f s, %s:%d > %s:%d%s" % (
            "%d %s" % (i + 1, line), d["t"] - t0, d["src"], d["sport"], d["dst"], d["dport"],
            (", " + s) if info is not None else (", " + other[i]) if i in other else ""))
    exp.append(end)
    base = os.path.join(a.dir, a.scenario)
    open(base + ".expect", "w").write("\n".join(exp) + "\n")

    # ---- .keys
    args = shlex.split(a.args)

    def opt(name, default=None):
        v = default
        for j, x in enumerate(args):
            if x == name and j + 1 < len(args):
                v = args[j + 1]
        return v
    first = next(x for x in desc if x[1] is not None and x[0].startswith("TX IKE_SA_INIT"))
    kv = ["# source: interop/run.sh --save, scenario %s: minike initiate --seed %d against the "
          "real responder; ike.N from the capture's IKE_SA_INIT, esp.N from the decrypted "
          "IKE_AUTH request, SK_e*/SK_a* from %s" % (a.scenario, a.seed,
                                                     " and ".join(sorted(ksrc)) or "nowhere"),
          "# Replay: harness/replay/test_replay_interop.c (mk_config_defaults() first; RNG = the",
          "# ChaCha20 DRBG of --seed, stream 0; responder datagrams fed at their pcap time).",
          "scenario = %s" % a.scenario, "seed = %d" % a.seed, "rng_stream = 0",
          "exit_code = %d" % a.exit,
          "initiate = minike initiate --peer %s --id %s --remote-id %s --inner-src 10.77.20.1 "
          "%s--tsi %s --tsr %s --keys DIR --timeout 10 --seed %d %s" % (
              R_ADDR, I_ID, R_ID, "" if a.rpk_dir else "--psk-file F ", I_NET, R_NET, a.seed,
              a.args),
          "idi = %s" % I_ID, "idr = %s" % R_ID, "tsi = %s" % I_NET, "tsr = %s" % R_NET,
          "local = %s:%d" % (I_ADDR, p_ike),
          "local_natt = %s:%d" % (I_ADDR, p_natt if p_natt else 0),
          "remote = %s:500" % R_ADDR,
          "natt = %d" % (0 if "--no-natt" in args else 1),
          "force_4500 = %d" % (1 if "--nat-port" in args else 0),
          "tunnel = %d" % (0 if "--transport" in args else 1),
          "initial_contact = 1",
          "total_ms = %d" % (int(opt("--timeout", "10")) * 1000)]
    if a.rpk_dir:
        kv.append("auth = rpk")
        kf = opt("--key")
        raw = open(kf, "rb").read()
        priv = (serialization.load_pem_private_key(raw, None) if raw.startswith(b"-----")
                else serialization.load_der_private_key(raw, None))
        if isinstance(priv, ed25519.Ed25519PrivateKey):
            pk = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        elif isinstance(priv, rsa.RSAPrivateKey):
            pk = priv.private_bytes(serialization.Encoding.DER,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        else:
            die("unsupported key type in %s" % kf)
        spki = priv.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        kv += ["priv_key = " + pk.hex(), "spki = " + spki.hex(),
               "send_cert = %d" % (1 if "--send-cert" in args else 0)]
        if opt("--peer-key"):
            raw = open(opt("--peer-key"), "rb").read()
            pub = (serialization.load_pem_public_key(raw) if raw.startswith(b"-----")
                   else serialization.load_der_public_key(raw))
            kv.append("peer_spki = " + pub.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex())
        elif opt("--peer-fp"):
            kv.append("peer_fp = " + opt("--peer-fp").replace(":", "").lower())
        else:
            kv.append("imprint = 1")
        kv.append("# test keys made for this capture (interop/run.sh --save), never real ones")
    else:
        kv += ["auth = psk", "psk = " + a.psk.encode().hex()]
    h0, pls0 = g.ike_parse(dg[desc.index(first)]["pl"])
    for n, (proto, trs) in enumerate(g.sa_proposals(next(b for (t, b, o) in pls0 if t == 33))):
        tr = {tt: (tid, bits) for (tt, tid, bits) in trs}
        kv.append("ike.%d = %d,%d,%d,%d,%d" % (n, tr[1][0], tr[1][1], tr[2][0],
                                               tr.get(3, (0, 0))[0], tr[4][0]))
    if esp_props is None:
        # IKE_AUTH never sent or not decryptable: the CLI's --esp, as minike parsed it, cannot
        # be read from the wire; the replay then never gets as far as IKE_AUTH
        esp_props = [(3, [(1, 20, 128)])]
        kv.append("# esp.0: not on the wire in this run (no IKE_AUTH request), default")
    for n, (proto, trs) in enumerate(esp_props):
        tr = {tt: (tid, bits) for (tt, tid, bits) in trs}
        kv.append("esp.%d = %d,%d,%d" % (n, tr[1][0], tr[1][1], tr.get(3, (0, 0))[0]))
    row = rows.get(spi_i)
    if row:
        kv += ["spi_i = " + spi_i.hex(), "spi_r = " + row[0].hex(), "encr = %d" % row[1],
               "encr_bits = %d" % row[2], "integ = %d" % row[3], "sk_ei = " + row[4].hex(),
               "sk_er = " + row[5].hex(), "sk_ai = " + row[6].hex(), "sk_ar = " + row[7].hex(),
               "keys_source = " + row[8]]
    open(base + ".keys", "w").write("\n".join(kv) + "\n")
    print("replay files: %s.keys, %s.expect (%d datagrams, our ports %s)" %
          (a.scenario, a.scenario, len(dg), "/".join(str(p) for p in sorted(ours))))


if __name__ == "__main__":
    main()
