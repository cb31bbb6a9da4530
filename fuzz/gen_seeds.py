#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen_seeds.py: fuzz seeds from files, the companion of gen_seeds.c (which uses our encoders).

  --vectors DIR      the project's vector files (vectors/**/*.txt, `key = hex` blocks): every
                     hex value that is a whole IKE message (header Length == length, version 2.0)
                     becomes a msg_parse seed (plus init_resp / peer_dgram seeds for IKE_SA_INIT),
                     every payload body in it a pl_* seed, KE payloads (`kei`/`ker`) pl_ke seeds and
                     ESP `payload` values esp_open seal-mode seeds. These may be committed.
  --wireshark DIR    the Wireshark captures (../shared/reference/wireshark-ikev2/): the IKE
                     datagrams in them, their payload bodies, and, when python `cryptography` is
                     available, the SK plaintexts decrypted with ikev2_decryption_table.tmpl
                     (sk_inner / auth_resp / peer_dgram / established seeds). GPL test data: the
                     output goes to the build directory only (CMake runs this at build time) and is
                     never committed.
  --out DIR          where <target>/ directories are written (created; every target in
                     --targets gets a directory, possibly empty).

Seed layouts follow the targets' headers: init_resp = [ctl][datagram] (ctl 3: patch Length and
SPIi, so a foreign response reaches the initiator's handlers), peer_dgram = [0][datagram] or
[1][first][IKE_AUTH request plaintext], auth_resp = [0][first][plaintext],
established = [ctl][first][plaintext], sk_inner = [suite][first][plaintext].
"""
import argparse
import hashlib
import os
import re
import struct
import sys

PL_TARGET = {33: "pl_sa", 34: "pl_ke", 40: "pl_ke", 35: "pl_id", 36: "pl_id", 37: "pl_cert",
             38: "pl_cert", 39: "pl_auth", 41: "pl_notify", 42: "pl_delete", 44: "pl_ts",
             45: "pl_ts"}


class Out:
    def __init__(self, root, targets):
        self.root = root
        self.n = 0
        for t in targets:
            os.makedirs(os.path.join(root, t), exist_ok=True)

    def emit(self, target, origin, data):
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        name = "%s-%s" % (origin, hashlib.sha1(data).hexdigest()[:16])
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.n += 1


def is_ike(b):
    return len(b) >= 28 and b[17] == 0x20 and struct.unpack(">I", b[24:28])[0] == len(b)


def walk(first, b):
    """Yield (type, body) of a payload chain; stops at the first framing error or at SK."""
    nxt, off = first, 0
    while nxt != 0 and off + 4 <= len(b):
        plen = struct.unpack(">H", b[off + 2:off + 4])[0]
        if plen < 4 or off + plen > len(b):
            return
        yield nxt, b[off + 4:off + plen], off
        if nxt == 46:
            return
        nxt, off = b[off], off + plen


def emit_message(out, origin, m):
    out.emit("msg_parse", origin, m)
    ex, flags = m[18], m[19]
    if ex == 34:
        if flags & 0x20:
            out.emit("init_resp", origin, bytes([3]) + m)
        else:
            out.emit("peer_dgram", origin, bytes([0]) + m)
    for t, body, _ in walk(m[16], m[28:]):
        if t in PL_TARGET:
            out.emit(PL_TARGET[t], origin, body)


def emit_inner(out, origin, m, first, plain):
    ex, flags = m[18], m[19]
    resp, from_i = bool(flags & 0x20), bool(flags & 0x08)
    for s in range(4):
        out.emit("sk_inner", origin, bytes([s, first]) + plain)
    if ex == 35 and from_i and not resp:
        out.emit("peer_dgram", origin, bytes([1, first]) + plain)
    elif ex == 35 and resp and not from_i:
        out.emit("auth_resp", origin, bytes([0, first]) + plain)
    elif not from_i and not resp and ex in (36, 37):
        ctl = (1 if ex == 36 else 0) | ((struct.unpack(">I", m[20:24])[0] & 3) << 1)
        out.emit("established", origin, bytes([ctl, first]) + plain)
    for t, body, _ in walk(first, plain):
        if t in PL_TARGET:
            out.emit(PL_TARGET[t], origin, body)


# ---- vectors ------------------------------------------------------------------------------------
ALG_ED25519 = bytes.fromhex("300506032b6570")
ALG_RSA_SHA256 = bytes.fromhex("300d06092a864886f70d01010b0500")


def blocks(path):
    """`key = hex` blocks of a vector file, as dicts."""
    cur = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        mt = re.match(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$", line)
        if mt:
            cur[mt.group(1).lower()] = mt.group(2).strip()
        elif not line.strip() and cur:
            yield cur
            cur = {}
    if cur:
        yield cur


def spki_seeds(out, path, origin):
    """spki target: [method][len16][spki][len16][msg][AUTH data] from signature vectors."""
    def hx(v):
        try:
            return bytes.fromhex(v.replace(" ", ""))
        except ValueError:
            return None
    for b in blocks(path):
        spki, msg = hx(b.get("spki", "")), hx(b.get("msg", ""))
        if not spki or msg is None:
            continue
        head = struct.pack(">H", len(spki)) + spki + struct.pack(">H", len(msg)) + msg
        if hx(b.get("sig", "")):
            out.emit("spki", origin, bytes([0]) + head + bytes([len(ALG_ED25519)]) + ALG_ED25519 + hx(b["sig"]))
        if hx(b.get("sig_sha256", "")):
            out.emit("spki", origin, bytes([0]) + head + bytes([len(ALG_RSA_SHA256)]) + ALG_RSA_SHA256 + hx(b["sig_sha256"]))
        if hx(b.get("sig_sha1", "")):
            out.emit("spki", origin, bytes([1]) + head + hx(b["sig_sha1"]))


def vectors(out, root):
    for dirpath, _, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith(".txt"):
                continue
            origin = "vec-" + os.path.splitext(fn)[0]
            spki_seeds(out, os.path.join(dirpath, fn), origin)
            for line in open(os.path.join(dirpath, fn), encoding="utf-8", errors="replace"):
                mt = re.match(r"^\s*([A-Za-z0-9_]+)\s*=\s*([0-9a-fA-F ]*)$", line)
                if not mt or not mt.group(2).strip():
                    continue
                key, hx = mt.group(1).lower(), mt.group(2).replace(" ", "")
                if len(hx) % 2:
                    continue
                b = bytes.fromhex(hx)
                if is_ike(b):
                    emit_message(out, origin, b)
                elif key in ("kei", "ker") and len(b) > 8:
                    out.emit("pl_ke", origin, b[4:])
                elif key == "payload" and "esp" in dirpath:
                    rec = struct.pack(">H", len(b)) + b
                    for suite in range(3):
                        out.emit("esp_open", origin, bytes([suite | (2 << 2)]) + rec)


# ---- captures -----------------------------------------------------------------------------------
def frames(path):
    """Link-layer frames (linktype, bytes) of a pcap or pcapng file."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        link = struct.unpack(e + "I", data[20:24])[0]
        off = 24
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            yield link, data[off + 16:off + 16 + incl]
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        links, off = [], 0
        while off + 12 <= len(data):
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            if blen < 12:
                return
            blk = data[off:off + blen]
            if btype == 1:
                links.append(struct.unpack(e + "H", blk[8:10])[0])
            elif btype == 6:
                ifid, _, _, cap = struct.unpack(e + "IIII", blk[8:24])
                yield (links[ifid] if ifid < len(links) else 1), blk[28:28 + cap]
            off += blen


def udp_payloads(path):
    for link, f in frames(path):
        if link != 1 or len(f) < 14:
            continue
        et, off = struct.unpack(">H", f[12:14])[0], 14
        while et == 0x8100 and len(f) >= off + 4:
            et, off = struct.unpack(">H", f[off + 2:off + 4])[0], off + 4
        if et != 0x0800 or len(f) < off + 20:
            continue
        ip = f[off:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or len(ip) < ihl + 8:
            continue
        sport, dport, ulen = struct.unpack(">HHH", ip[ihl:ihl + 6])
        payload = ip[ihl + 8:ihl + ulen]
        if 4500 in (sport, dport):
            if payload[:4] != b"\0\0\0\0":
                continue
            payload = payload[4:]
        if 500 in (sport, dport) or 4500 in (sport, dport):
            yield payload


def key_table(path):
    """SPIi -> (SK_ei, SK_er, encr name, SK_ai, SK_ar, integ name) from the Wireshark UAT."""
    tab = {}
    if not os.path.exists(path):
        return tab
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        cols = [c.strip().strip('"') for c in line.strip().split(",")]
        if len(cols) >= 8:
            tab[cols[0].lower()] = cols
    return tab


def decrypt_sk(m, row):
    """Return (first, plaintext) of the SK payload of m, or None."""
    try:
        from cryptography.hazmat.primitives import hmac as chmac, hashes
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESCCM
    except ImportError:
        return None
    sk = [(t, body, off) for t, body, off in walk(m[16], m[28:]) if t == 46]
    if not sk:
        return None
    _, body, off = sk[0]
    first = m[28 + off]
    resp_from_i = bool(m[19] & 0x08)
    ek = bytes.fromhex(row[2] if resp_from_i else row[3])
    ak = bytes.fromhex(row[5] if resp_from_i else row[6]) if row[5] else b""
    encr, integ = row[4], row[7]
    aad = m[:28 + off + 4]
    try:
        if "GCM" in encr or "CCM" in encr:
            tag = 16 if "16" in encr else 12 if "12" in encr else 8
            iv, ct, icv = body[:8], body[8:-tag], body[-tag:]
            if "GCM" in encr:
                key, salt = ek[:-4], ek[-4:]
                dec = Cipher(algorithms.AES(key), modes.GCM(salt + iv, icv, min_tag_length=tag)).decryptor()
                dec.authenticate_additional_data(aad)
                pt = dec.update(ct) + dec.finalize()
            else:
                key, salt = ek[:-3], ek[-3:]
                pt = AESCCM(key, tag_length=tag).decrypt(salt + iv, ct + icv, aad)
        elif "CBC" in encr:
            icvlen = {"SHA2_256": 16, "SHA2_512": 32}.get(
                next((k for k in ("SHA2_256", "SHA2_512") if k in integ.replace("-", "_")), ""), 0)
            if not icvlen:
                return None
            iv, ct = body[:16], body[16:-icvlen]
            h = chmac.HMAC(ak, hashes.SHA256() if icvlen == 16 else hashes.SHA512())
            h.update(m[:-icvlen])
            if h.finalize()[:icvlen] != body[-icvlen:]:
                return None
            dec = Cipher(algorithms.AES(ek), modes.CBC(iv)).decryptor()
            pt = dec.update(ct) + dec.finalize()
        else:
            return None
    except Exception:
        return None
    padlen = pt[-1]
    if padlen + 1 > len(pt):
        return None
    return first, pt[:len(pt) - 1 - padlen]


def wireshark(out, root):
    tab = key_table(os.path.join(root, "ikev2_decryption_table.tmpl"))
    for fn in sorted(os.listdir(root)):
        if not (fn.endswith(".pcap") or fn.endswith(".pcapng")):
            continue
        origin = "ws-" + re.sub(r"^ikev2-decrypt-|\.pcap(ng)?$", "", fn)
        for m in udp_payloads(os.path.join(root, fn)):
            if not is_ike(m):
                out.emit("msg_parse", origin, m)
                continue
            emit_message(out, origin, m)
            row = tab.get(m[:8].hex())
            if row and m[18] != 34:
                r = decrypt_sk(m, row)
                if r:
                    emit_inner(out, origin, m, r[0], r[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors")
    ap.add_argument("--wireshark")
    ap.add_argument("--out", required=True)
    ap.add_argument("--targets", nargs="*", default=[])
    a = ap.parse_args()
    out = Out(a.out, a.targets)
    if a.vectors and os.path.isdir(a.vectors):
        vectors(out, a.vectors)
    if a.wireshark:
        if os.path.isdir(a.wireshark):
            wireshark(out, a.wireshark)
        else:
            print("gen_seeds.py: %s absent, no Wireshark seeds" % a.wireshark, file=sys.stderr)
    print("gen_seeds.py: %d seeds written under %s" % (out.n, a.out))


if __name__ == "__main__":
    main()
