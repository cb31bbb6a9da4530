#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_check.py: turn one fresh `minike initiate` capture into a golden scenario (called by gen.sh).

It never trusts minike's own output alone:
  * the capture is decoded here (IP/UDP/IKE header, payload chain) and by tshark, and the two must
    agree with each other and with the hand-written scenario template (direction, exchange, flags);
  * SKEYSEED and SK_* are derived independently with python `cryptography` (38.0.4): the seeded
    DRBG stream is reproduced (ChaCha20, key = seed LE | stream | zeros, nonce "LibsodiumDRG"),
    the initiator's DH private value is *found* in that stream by matching the KEi public value in
    the capture, g^ir comes from the KEr in the capture, then RFC 7296 §2.14 prf/prf+;
  * every SK payload in the capture is then opened with those keys (ICV/tag verified), except the
    frames the template says must fail with ICV_MISMATCH, which must fail here too;
  * the keys are compared with minike's Wireshark table (when it could write one) and tshark is
    asked to decrypt IKE_AUTH with that table (GCM and CBC; Wireshark 4.0 has no ChaCha20).
Outputs <name>.pcap (timestamps normalised so regeneration is byte-identical), <name>.keys and
<name>.expect. Exit status 1 with a message on any disagreement.
"""
import argparse
import hashlib
import hmac
import os
import struct
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

T0 = 1704067200  # 2024-01-01T00:00:00Z: normalised capture start
TICK = 0.1       # offsets are rounded to 100 ms (retransmission timers are >= 500 ms)

EXCH = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}
PT = {33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH", 40: "Nonce",
      41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr", 46: "SK", 47: "CP", 48: "EAP"}
# RFC 3526 §3, group 14
MODP2048 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A6916"
    "3FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C"
    "32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA95"
    "6AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)


def die(msg):
    sys.stderr.write("gen_check: %s\n" % msg)
    sys.exit(1)


# ---- capture ---------------------------------------------------------------------------------
def read_pcap(path):
    raw = open(path, "rb").read()
    magic, = struct.unpack("<I", raw[:4])
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        die("%s: not a little-endian classic pcap" % path)
    nano = magic == 0xa1b23c4d
    linktype, = struct.unpack("<I", raw[20:24])
    recs, off = [], 24
    while off < len(raw):
        sec, frac, incl, orig = struct.unpack("<IIII", raw[off:off + 16])
        data = raw[off + 16:off + 16 + incl]
        recs.append([sec + frac / (1e9 if nano else 1e6), data])
        off += 16 + incl
    return raw[:24], linktype, nano, recs


def normalise(hdr, nano, recs, path):
    t_first = recs[0][0]
    out = [hdr]
    for r in recs:
        ticks = int(round((r[0] - t_first) / TICK))
        us = ticks * 100000
        sec, frac = T0 + us // 1000000, us % 1000000
        if nano:
            frac *= 1000
        out.append(struct.pack("<IIII", sec, frac, len(r[1]), len(r[1])) + r[1])
        r[0] = ticks * TICK
    open(path, "wb").write(b"".join(out))


def udp_of(linktype, frame):
    if linktype == 1:
        frame = frame[14:]
    elif linktype not in (101, 12, 228):
        die("link type %d" % linktype)
    v = frame[0] >> 4
    if v != 4:
        die("only IPv4 captures are generated")
    ihl = (frame[0] & 15) * 4
    if frame[9] != 17:
        die("not UDP")
    src, dst = frame[12:16], frame[16:20]
    sport, dport, ulen = struct.unpack(">HHH", frame[ihl:ihl + 6])
    return src, dst, sport, dport, frame[ihl + 8:ihl + ulen]


def ike_parse(p):
    """(header dict, outer payload list [(type, body, offset_of_generic_header)])"""
    spi_i, spi_r, nxt, ver, exch, flags, msgid, length = struct.unpack(">8s8sBBBBII", p[:28])
    if length != len(p):
        die("IKE length %d != datagram %d" % (length, len(p)))
    pls, off = [], 28
    while nxt != 0:
        nn, crit, plen = struct.unpack(">BBH", p[off:off + 4])
        pls.append((nxt, p[off + 4:off + plen], off))
        if nxt == 46:
            break
        nxt, off = nn, off + plen
    return dict(spi_i=spi_i, spi_r=spi_r, exch=exch, flags=flags, msgid=msgid, first=p[16]), pls


def chain(first, data):
    out, nxt, off = [], first, 0
    while nxt != 0:
        nn, crit, plen = struct.unpack(">BBH", data[off:off + 4])
        out.append((nxt, data[off + 4:off + plen]))
        nxt, off = nn, off + plen
    if off != len(data):
        die("inner chain does not end exactly")
    return out


def sa_proposals(body):
    """[(proto, {type: (id, keybits)})] in order."""
    props, off = [], 0
    while off < len(body):
        last, _, plen, num, proto, spisz, ntr = struct.unpack(">BBHBBBB", body[off:off + 8])
        t, toff, tr = {}, off + 8 + spisz, []
        for _ in range(ntr):
            tl, _, tlen, ttype, _, tid = struct.unpack(">BBHBBH", body[toff:toff + 8])
            bits, aoff = 0, toff + 8
            while aoff < toff + tlen:
                af, av = struct.unpack(">HH", body[aoff:aoff + 4])
                if af == 0x800e:
                    bits = av
                aoff += 4
            tr.append((ttype, tid, bits))
            toff += tlen
        props.append((proto, tr))
        off += plen
    return props


# ---- crypto (independent of minike) ----------------------------------------------------------
def drbg(seed, stream, n):
    key = struct.pack("<Q", seed) + bytes([stream]) + bytes(23)
    nonce = struct.pack("<I", 0) + b"LibsodiumDRG"  # block counter 0 | 96-bit nonce
    enc = Cipher(algorithms.ChaCha20(key, nonce), mode=None).encryptor()
    return enc.update(bytes(n))


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def prf_plus(key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def find_dh(stream, group, kei):
    for o in range(0, len(stream) - 32):
        cand = stream[o:o + 32]
        if group == 31:
            pub = X25519PrivateKey.from_private_bytes(cand).public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            if pub == kei:
                return o, cand
        elif group == 14:
            if pow(2, int.from_bytes(cand, "big"), MODP2048).to_bytes(256, "big") == kei:
                return o, cand
        else:
            die("DH group %d not handled by gen_check" % group)
    die("the KEi public value is not produced by any 32-octet window of the seeded stream")


def dh_shared(group, priv, ker):
    if group == 31:
        return X25519PrivateKey.from_private_bytes(priv).exchange(
            X25519PublicKey.from_public_bytes(ker))
    return pow(int.from_bytes(ker, "big"), int.from_bytes(priv, "big"), MODP2048).to_bytes(256, "big")


ENCR_KEYLEN = {(20, 128): (16, 4, "AES-GCM-128 with 16 octet ICV [RFC5282]"),
               (20, 256): (32, 4, "AES-GCM-256 with 16 octet ICV [RFC5282]"),
               (28, 0): (32, 4, None), (28, 256): (32, 4, None),
               (12, 128): (16, 0, "AES-CBC-128 [RFC3602]"),
               (12, 256): (32, 0, "AES-CBC-256 [RFC3602]")}


def sk_open(dgram, skoff, sk_first, ek, ak, encr):
    """Open the SK payload whose generic header starts at skoff; returns the inner chain or None."""
    body = dgram[skoff + 4:]
    if encr in (20, 28):
        iv, ct = body[:8], body[8:]
        aad = dgram[:skoff + 4]
        key, salt = ek[:-4], ek[-4:]
        try:
            if encr == 20:
                pt = AESGCM(key).decrypt(salt + iv, ct, aad)
            else:
                pt = ChaCha20Poly1305(key).decrypt(salt + iv, ct, aad)
        except Exception:
            return None
        pad = pt[-1]
        pt = pt[:-1 - pad]
    else:  # AES-CBC + HMAC-SHA2-256-128
        icv = dgram[-16:]
        if not hmac.compare_digest(hmac.new(ak, dgram[:-16], hashlib.sha256).digest()[:16], icv):
            return None
        iv, ct = body[:16], body[16:-16]
        dec = Cipher(algorithms.AES(ek), modes.CBC(iv)).decryptor()
        pt = dec.update(ct) + dec.finalize()
        pt = pt[:-1 - pt[-1]]
    return chain(sk_first, pt)


def tshark(pcap, fields, confdir=None):
    env = dict(os.environ)
    if confdir:
        env["WIRESHARK_CONFIG_DIR"] = confdir
    cmd = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=;"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        die("tshark: %s" % r.stderr.strip())
    return [l.split(";") for l in r.stdout.splitlines()]


def names(types):
    return " ".join(PT.get(t, str(t)) for t in types)


# ---- main ------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--keysdir", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--local", required=True)    # initiator a.b.c.d
    ap.add_argument("--rc", type=int, required=True)
    ap.add_argument("--kv", action="append", default=[])  # extra key=value lines for .keys
    a = ap.parse_args()

    hdr, lt, nano, recs = read_pcap(a.pcap)
    if not recs:
        die("empty capture")
    out_pcap = os.path.join(a.out, a.name + ".pcap")
    normalise(hdr, nano, recs, out_pcap)

    tmpl = [l.split() for l in open(a.template) if l.strip() and not l.startswith("#")]
    steps = [t for t in tmpl if t[0] != "END"]
    if len(steps) != len(recs):
        die("%s: %d datagrams captured, template has %d" % (a.name, len(recs), len(steps)))

    local = bytes(int(x) for x in a.local.split("."))
    ts_rows = tshark(out_pcap, ["frame.number", "isakmp.exchangetype", "isakmp.flags",
                                "isakmp.messageid", "isakmp.typepayload"])
    dg = []
    for i, (r, t, row) in enumerate(zip(recs, steps, ts_rows)):
        src, dst, sport, dport, pl = udp_of(lt, r[1])
        tx = src == local
        marker = dport == 4500 if tx else sport == 4500
        ike = pl[4:] if marker else pl
        if marker and pl[:4] != bytes(4):
            die("frame %d: ESP on 4500 (no traffic expected)" % (i + 1))
        h, pls = ike_parse(ike)
        if int(t[0]) != i + 1:
            die("template numbering at frame %d" % (i + 1))
        if (t[1] == "TX") != tx:
            die("frame %d: template says %s, capture direction is %s" % (i + 1, t[1],
                                                                        "TX" if tx else "RX"))
        if tx and EXCH[h["exch"]] != t[2]:
            die("frame %d: template %s, capture %s" % (i + 1, t[2], EXCH[h["exch"]]))
        resp = bool(h["flags"] & 0x20)
        if resp == tx:
            die("frame %d: initiator datagram with R flag or responder request" % (i + 1))
        # tshark agrees with our decoding of the header
        if int(row[1]) != h["exch"] or int(row[2], 16) != h["flags"] or int(row[3], 16) != h["msgid"]:
            die("frame %d: tshark decodes %s" % (i + 1, row))
        dg.append(dict(tx=tx, h=h, pls=pls, ike=ike, ts=r[0], sport=sport, dport=dport, t=t))

    # the IKE_SA_INIT exchange that built the SA: the response taking INIT_SENT->AUTH_SENT
    k_resp = next((i for i, d in enumerate(dg) if d["t"][1] == "RX" and d["t"][-1] ==
                   "INIT_SENT->AUTH_SENT"), None)
    keys = None
    if k_resp is not None:
        k_req = max(i for i in range(k_resp) if dg[i]["tx"] and dg[i]["h"]["exch"] == 34)
        req, rsp = dg[k_req], dg[k_resp]
        gp = lambda d, ty: next(b for (t_, b, o) in d["pls"] if t_ == ty)
        kei, ker = gp(req, 34), gp(rsp, 34)
        group = struct.unpack(">H", kei[:2])[0]
        if struct.unpack(">H", ker[:2])[0] != group:
            die("KEr group differs")
        ni, nr = gp(req, 40), gp(rsp, 40)
        chosen = sa_proposals(gp(rsp, 33))[0][1]
        tr = {tt: (tid, bits) for (tt, tid, bits) in chosen}
        encr, bits = tr[1]
        integ = tr.get(3, (0, 0))[0]
        if tr[2][0] != 5:
            die("only PRF_HMAC_SHA2_256 handled")
        stream = drbg(a.seed, 0, 4096)
        doff, priv = find_dh(stream, group, kei[4:])
        gir = dh_shared(group, priv, ker[4:])
        skeyseed = prf(ni + nr, gir)
        spi_i, spi_r = rsp["h"]["spi_i"], rsp["h"]["spi_r"]
        ekl, salt, wsname = ENCR_KEYLEN[(encr, bits)]
        akl = 32 if integ == 12 else 0
        ks = prf_plus(skeyseed, ni + nr + spi_i + spi_r, 32 * 3 + 2 * akl + 2 * (ekl + salt))
        o = 0
        sk = {}
        for nm, ln in (("sk_d", 32), ("sk_ai", akl), ("sk_ar", akl), ("sk_ei", ekl + salt),
                       ("sk_er", ekl + salt), ("sk_pi", 32), ("sk_pr", 32)):
            sk[nm] = ks[o:o + ln]
            o += ln
        keys = dict(spi_i=spi_i, spi_r=spi_r, encr=encr, bits=bits, integ=integ, group=group,
                    doff=doff, wsname=wsname, **sk)
        # open every SK payload of this SA
        for i, d in enumerate(dg):
            sks = [(t_, b, off) for (t_, b, off) in d["pls"] if t_ == 46]
            if not sks or d["h"]["spi_i"] != spi_i:
                d["inner"] = None
                continue
            off = sks[0][2]
            first = d["ike"][off]
            ek, ak = (sk["sk_ei"], sk["sk_ai"]) if d["tx"] else (sk["sk_er"], sk["sk_ar"])
            inner = sk_open(d["ike"], off, first, ek, ak, encr)
            want_fail = d["t"][1] == "DROP" and d["t"][2] == "ICV_MISMATCH"
            if (inner is None) != want_fail:
                die("frame %d: SK open %s with the independently derived keys" %
                    (i + 1, "failed" if inner is None else "succeeded despite ICV_MISMATCH"))
            d["inner"] = [t_ for (t_, b) in inner] if inner else None
            if inner and d["tx"] and d["h"]["exch"] == 35:
                keys["esp"] = [p for p in sa_proposals(next(b for (t_, b) in inner if t_ == 33))]
        # minike's own Wireshark table must agree
        tab = os.path.join(a.keysdir, "ikev2_decryption_table")
        rows = [l.strip().split(",") for l in open(tab) if not l.startswith("#")]
        row = next((r for r in rows if r[0] == spi_i.hex()), None)
        if wsname is None:
            if row is not None:
                die("minike wrote a table row Wireshark cannot use")
        else:
            if row is None:
                die("no ikev2_decryption_table row for %s" % spi_i.hex())
            if (row[1], row[2], row[3], row[5], row[6]) != (spi_r.hex(), sk["sk_ei"].hex(),
                                                            sk["sk_er"].hex(), sk["sk_ai"].hex(),
                                                            sk["sk_ar"].hex()):
                die("minike's key table differs from the independent derivation")
            # tshark decrypts with that table: its inner payload lists must equal ours
            dec = tshark(out_pcap, ["frame.number", "isakmp.typepayload"], a.keysdir)
            for i, d in enumerate(dg):
                if d.get("inner"):
                    tl = [int(x) for x in dec[i][1].split(",") if x and int(x) not in (2, 3)]
                    if tl[tl.index(46) + 1:] != d["inner"]:
                        die("frame %d: tshark decrypts %s, we %s" % (i + 1, tl, d["inner"]))

    # ---- .expect -----------------------------------------------------------------------------
    exp = ["# source: gen.sh scenario template (hand-written outcome); directions, exchanges and",
           "# flags checked against tshark 4.0.17, SK payloads opened by gen_check.py (python",
           "# cryptography 38.0.4) with independently derived keys. `#` text is commentary.",
           "# <frame> TX <exchange> [RETRANSMIT (mk_on_timer) | DELETE (the app calls mk_delete)]",
           "# <frame> RX OK <state before>-><state after> | <frame> DROP <mk_err name> <state>",
           "# END <final state> [<error>]"]
    for i, d in enumerate(dg):
        h = d["h"]
        what = "%s %s #%d, %s%s" % (EXCH[h["exch"]], "resp" if h["flags"] & 0x20 else "req",
                                    h["msgid"], names([p[0] for p in d["pls"]]),
                                    ("{%s}" % names(d["inner"])) if d.get("inner") is not None else "")
        port = d["dport"] if d["tx"] else d["sport"]
        exp.append("%-40s # t=%.1f s, UDP %d, %s" % (" ".join(d["t"]), d["ts"], port, what))
    exp += [" ".join(t) for t in tmpl if t[0] == "END"]
    open(os.path.join(a.out, a.name + ".expect"), "w").write("\n".join(exp) + "\n")

    # ---- .keys -------------------------------------------------------------------------------
    first = dg[0]
    kv = ["# source: minike gen.sh scenario %s (minike initiate --seed %d vs minike respond, "
          "private netns); SK_* derived by gen_check.py with python cryptography 38.0.4 from the "
          "seeded stream and the capture" % (a.name, a.seed),
          "# Replay: rebuild the initiator from these fields (mk_config_defaults() first), RNG =",
          "# ChaCha20 DRBG (mk_io_drbg) seed/stream, feed responder datagrams at their pcap time.",
          "scenario = %s" % a.name,
          "seed = %d" % a.seed,
          "rng_stream = 0",
          "exit_code = %d" % a.rc]
    kv += a.kv
    ike_props = sa_proposals(next(b for (t_, b, o) in first["pls"] if t_ == 33))
    for n, (proto, trs) in enumerate(ike_props):
        tr = {tt: (tid, bits) for (tt, tid, bits) in trs}
        kv.append("ike.%d = %d,%d,%d,%d,%d" % (n, tr[1][0], tr[1][1], tr[2][0],
                                               tr.get(3, (0, 0))[0], tr[4][0]))
    kv.append("# ike.N = encr,encr_bits,prf,integ,dh (IANA), offered in IKE_SA_INIT frame 1")
    if keys:
        for n, (proto, trs) in enumerate(keys.get("esp", [])):
            tr = {tt: (tid, bits) for (tt, tid, bits) in trs}
            kv.append("esp.%d = %d,%d,%d" % (n, tr[1][0], tr[1][1], tr.get(3, (0, 0))[0]))
        kv.append("# esp.N = encr,encr_bits,integ, offered in the IKE_AUTH request (decrypted)")
        kv += ["spi_i = " + keys["spi_i"].hex(), "spi_r = " + keys["spi_r"].hex(),
               "encr = %d" % keys["encr"], "encr_bits = %d" % keys["bits"],
               "integ = %d" % keys["integ"], "dh = %d" % keys["group"],
               "dh_priv_stream_offset = %d" % keys["doff"]]
        for nm in ("sk_d", "sk_ei", "sk_er", "sk_ai", "sk_ar", "sk_pi", "sk_pr"):
            kv.append("%s = %s" % (nm, keys[nm].hex()))
        kv.append("wireshark_encr = %s" % (keys["wsname"] or
                                           "none (Wireshark 4.0 cannot decrypt ChaCha20-Poly1305)"))
    open(os.path.join(a.out, a.name + ".keys"), "w").write("\n".join(kv) + "\n")


if __name__ == "__main__":
    main()
