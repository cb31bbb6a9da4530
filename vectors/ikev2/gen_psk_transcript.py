#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate vectors/ikev2/psk-x25519-sha256.txt: a golden IKEv2 PSK key-schedule transcript
computed with python `cryptography` (OpenSSL) and hmac/hashlib only, independently of minike's C
code. Fixed SPIs, nonces, X25519 private keys and PSK -> g^ir -> SKEYSEED -> SK_* -> MACedIDs ->
AUTH (both directions) -> KEYMAT, plus the whole IKE_SA_INIT request/response (RealMessage1/2)
and an encrypted IKE_AUTH request sealed with a fixed IV (RFC 7296 §2.13-2.17, §3.14;
RFC 5282 / RFC 7634 for the AEAD SK payload; RFC 8031 for X25519).

Usage: /usr/bin/python3 vectors/ikev2/gen_psk_transcript.py > vectors/ikev2/psk-x25519-sha256.txt
"""
import hashlib
import hmac
import struct

import cryptography
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

KEYPAD = b"Key Pad for IKEv2"


def sha(label):
    return hashlib.sha256(label.encode()).digest()


def prf_for(h):
    return lambda k, d: hmac.new(k, d, h).digest()


def prf_plus(prf, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def gen_pl(np, body, critical=False):
    return struct.pack(">BBH", np, 0x80 if critical else 0, 4 + len(body)) + body


def transform(last, ttype, tid, keylen=None):
    attrs = struct.pack(">HH", 0x800E, keylen) if keylen else b""
    return struct.pack(">BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def proposal(num, proto, spi, transforms):
    body = b"".join(transform(i == len(transforms) - 1, *t) for i, t in enumerate(transforms))
    return struct.pack(">BBHBBBB", 0, 0, 8 + len(spi) + len(body), num, proto, len(spi),
                       len(transforms)) + spi + body


def chain(payloads):
    """payloads: [(type, body)]; returns (first type, bytes) with Next Payload linked."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += gen_pl(nxt, body)
    return payloads[0][0], out


def header(spi_i, spi_r, nxt, exch, flags, msgid, length):
    return spi_i + spi_r + struct.pack(">BBBBII", nxt, 0x20, exch, flags, msgid, length)


def ts(addr):
    sel = struct.pack(">BBHHH", 7, 0, 16, 0, 65535) + bytes(addr) + bytes(addr)
    return struct.pack(">BBBB", 1, 0, 0, 0) + sel


def x25519_pub(priv):
    k = x25519.X25519PrivateKey.from_private_bytes(priv)
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def transcript(p):
    prf = prf_for(p["hash"])
    spi_i, spi_r, ni, nr = p["spi_i"], p["spi_r"], p["ni"], p["nr"]
    dh_i, dh_r = p["dh_i"], p["dh_r"]
    gi, gr = x25519_pub(dh_i), x25519_pub(dh_r)
    gir = x25519.X25519PrivateKey.from_private_bytes(dh_i).exchange(
        x25519.X25519PublicKey.from_public_bytes(gr))

    # IKE_SA_INIT request / response: SA, KE(31), Nonce
    ike_t = p["ike_transforms"]
    sa = proposal(1, 1, b"", ike_t)
    def init_msg(spi_r_field, flags, pub, nonce):
        first, body = chain([(33, sa), (34, struct.pack(">HH", 31, 0) + pub), (40, nonce)])
        return header(spi_i, spi_r_field, first, 34, flags, 0, 28 + len(body)) + body
    msg1 = init_msg(bytes(8), 0x08, gi, ni)
    msg2 = init_msg(spi_r, 0x20, gr, nr)

    # RFC 7296 2.14
    skeyseed = prf(ni + nr, gir)
    lp, la, le = p["prf_len"], p["integ_key"], p["encr_key"]
    stream = prf_plus(prf, skeyseed, ni + nr + spi_i + spi_r, 3 * lp + 2 * la + 2 * le)
    o = 0
    keys = {}
    for name, n in (("sk_d", lp), ("sk_ai", la), ("sk_ar", la), ("sk_ei", le), ("sk_er", le),
                    ("sk_pi", lp), ("sk_pr", lp)):
        keys[name] = stream[o:o + n]
        o += n

    # RFC 7296 2.15 (PSK)
    idi_rest = bytes([2, 0, 0, 0]) + p["idi"]
    idr_rest = bytes([2, 0, 0, 0]) + p["idr"]
    maced_i = prf(keys["sk_pi"], idi_rest)
    maced_r = prf(keys["sk_pr"], idr_rest)
    padkey = prf(p["psk"], KEYPAD)
    auth_i = prf(padkey, msg1 + nr + maced_i)
    auth_r = prf(padkey, msg2 + ni + maced_r)

    # RFC 7296 2.17: KEYMAT = prf+(SK_d, Ni | Nr); ei | ai | er | ar
    ce, ca = p["esp_encr_key"], p["esp_integ_key"]
    keymat = prf_plus(prf, keys["sk_d"], ni + nr, 2 * (ce + ca))

    # IKE_AUTH request: SK{IDi, AUTH, SA(ESP), TSi, TSr}
    esp_sa = proposal(1, 3, p["esp_spi"], p["esp_transforms"])
    first, inner = chain([(35, idi_rest), (39, bytes([2, 0, 0, 0]) + auth_i), (33, esp_sa),
                          (44, ts([10, 0, 0, 1])), (45, ts([10, 0, 0, 2]))])
    iv = p["iv"]
    if p["aead"]:
        pt = inner + b"\x00"                      # no padding, Pad Length 0
        icv = 16
        total = 28 + 4 + len(iv) + len(pt) + icv
        aad = header(spi_i, spi_r, 46, 35, 0x08, 1, total) + struct.pack(">BBH", first, 0,
                                                                         total - 28)
        ct = ChaCha20Poly1305(keys["sk_ei"][:32]).encrypt(keys["sk_ei"][32:] + iv, pt, aad)
        auth_req = aad + iv + ct
    else:
        pad = (16 - (len(inner) + 1) % 16) % 16
        pt = inner + bytes(pad) + bytes([pad])
        icv = p["icv_len"]
        total = 28 + 4 + len(iv) + len(pt) + icv
        head = header(spi_i, spi_r, 46, 35, 0x08, 1, total) + struct.pack(">BBH", first, 0,
                                                                          total - 28)
        enc = Cipher(algorithms.AES(keys["sk_ei"]), modes.CBC(iv)).encryptor()
        body = head + iv + enc.update(pt) + enc.finalize()
        auth_req = body + hmac.new(keys["sk_ai"], body, p["integ_hash"]).digest()[:icv]
    assert len(auth_req) == total

    out = [("name", p["name"]), ("encr", str(p["encr"])), ("encr_bits", str(p["encr_bits"])),
           ("prf", str(p["prf"])), ("integ", str(p["integ"])), ("dh", "31"),
           ("esp_encr", str(p["esp_encr"])), ("esp_encr_bits", str(p["esp_encr_bits"])),
           ("esp_integ", str(p["esp_integ"])),
           ("spi_i", spi_i.hex()), ("spi_r", spi_r.hex()), ("ni", ni.hex()), ("nr", nr.hex()),
           ("dh_i", dh_i.hex()), ("dh_r", dh_r.hex()), ("gi", gi.hex()), ("gr", gr.hex()),
           ("gir", gir.hex()), ("psk", p["psk"].hex()),
           ("idi_rest", idi_rest.hex()), ("idr_rest", idr_rest.hex()),
           ("ike_init_req", msg1.hex()), ("ike_init_resp", msg2.hex()),
           ("skeyseed", skeyseed.hex())]
    out += [(k, v.hex()) for k, v in keys.items()]
    out += [("maced_i", maced_i.hex()), ("maced_r", maced_r.hex()), ("auth_i", auth_i.hex()),
            ("auth_r", auth_r.hex()), ("keymat", keymat.hex()),
            ("child_ei", keymat[:ce].hex()), ("child_ai", keymat[ce:ce + ca].hex()),
            ("child_er", keymat[ce + ca:2 * ce + ca].hex()), ("child_ar", keymat[2 * ce + ca:].hex()),
            ("auth_iv", iv.hex()), ("auth_first", str(first)), ("auth_inner", inner.hex()),
            ("ike_auth_req", auth_req.hex())]
    return out


COMMON = dict(
    ni=sha("minike golden Ni"), nr=sha("minike golden Nr"),
    dh_i=sha("minike golden X25519 i"), dh_r=sha("minike golden X25519 r"),
    psk=b"minike-golden-transcript-psk-32o",
    idi=b"initiator.minike.test", idr=b"responder.minike.test",
    esp_spi=bytes.fromhex("c0ffee01"),
)
PROFILES = [
    dict(COMMON, name="chacha20poly1305-prf256", spi_i=bytes.fromhex("0123456789abcdef"),
         spi_r=bytes.fromhex("fedcba9876543210"), hash=hashlib.sha256, prf=5, prf_len=32,
         encr=28, encr_bits=0, integ=0, integ_key=0, encr_key=36, aead=True,
         ike_transforms=[(1, 28), (2, 5), (4, 31)],
         esp_encr=28, esp_encr_bits=0, esp_integ=0, esp_encr_key=36, esp_integ_key=0,
         esp_transforms=[(1, 28), (5, 0)], iv=bytes(range(0x10, 0x18))),
    dict(COMMON, name="aescbc256-sha256128-prf512", spi_i=bytes.fromhex("1122334455667788"),
         spi_r=bytes.fromhex("99aabbccddeeff00"), hash=hashlib.sha512, prf=7, prf_len=64,
         encr=12, encr_bits=256, integ=12, integ_key=32, encr_key=32, aead=False,
         integ_hash=hashlib.sha256, icv_len=16,
         ike_transforms=[(1, 12, 256), (2, 7), (3, 12), (4, 31)],
         esp_encr=12, esp_encr_bits=256, esp_integ=12, esp_encr_key=32, esp_integ_key=32,
         esp_transforms=[(1, 12, 256), (3, 12), (5, 0)], iv=bytes(range(0x20, 0x30))),
]

if __name__ == "__main__":
    print(f"# source: vectors/ikev2/gen_psk_transcript.py with python3 cryptography "
          f"{cryptography.__version__} (X25519, ChaCha20-Poly1305, AES-CBC) and hmac/hashlib")
    print("# Golden IKEv2 PSK transcript: fixed SPIs, nonces, X25519 private keys (dh_i, dh_r) and PSK.")
    print("# gi/gr = KE data; gir = X25519 shared secret; ike_init_req/resp = RealMessage1/2 (RFC 7296 2.15);")
    print("# sk_* = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr) split d|ai|ar|ei|er|pi|pr (sk_ai/sk_ar empty with AEAD);")
    print("# *_rest = ID payload bodies (ID_FQDN); auth_i/auth_r = AUTH data of the PSK method;")
    print("# keymat = prf+(SK_d, Ni|Nr) for the first child SA = child_ei|child_ai|child_er|child_ar;")
    print("# ike_auth_req = the IKE_AUTH request SK{IDi, AUTH, SA, TSi, TSr} sealed with SK_ei(/SK_ai), IV auth_iv;")
    print("# auth_inner = its plaintext inner chain, auth_first = the type of its first payload.")
    print("# Numbers (encr, prf, ...) are IANA ids; *_bits 0 = no Key Length attribute.")
    for p in PROFILES:
        print()
        for k, v in transcript(p):
            print(f"{k} = {v}")
