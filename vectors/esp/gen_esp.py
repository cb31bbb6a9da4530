#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generator of vectors/esp/esp-python.txt: whole ESP packets (RFC 4303) built with python3
# `cryptography` (OpenSSL), independently of ref/src/esp.c. Layout: SPI | Seq | IV |
# E(payload | 1,2,3.. padding | pad length | next header) | ICV.
#   AEAD (RFC 4106 GCM, RFC 4309 CCM, RFC 7634 ChaCha20-Poly1305): key = K | salt (4 octets; CCM
#   3), nonce = salt | IV, AAD = SPI | Seq, IV = 64-bit big-endian sequence number; pad to 4.
#   CBC (RFC 3602) + HMAC-SHA2-256-128 (RFC 4868): IV given, pad to 16, ICV = HMAC over
#   SPI..ciphertext truncated to 16 octets.
# Run: python3 vectors/esp/gen_esp.py
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

HERE = os.path.dirname(os.path.abspath(__file__))


def trailer(payload, nh, align):
    pad = (align - (len(payload) + 2) % align) % align
    return payload + bytes(range(1, pad + 1)) + bytes([pad, nh])


def aead(kind, key, salt, spi, seq, payload, nh, tag=16):
    iv = struct.pack("!Q", seq)
    aad = struct.pack("!II", spi, seq)
    pt = trailer(payload, nh, 4)
    if kind == "chacha":
        ct = ChaCha20Poly1305(key).encrypt(salt + iv, pt, aad)
    elif kind == "gcm":
        assert tag == 16
        ct = AESGCM(key).encrypt(salt + iv, pt, aad)
    else:
        ct = AESCCM(key, tag_length=tag).encrypt(salt + iv, pt, aad)
    return aad + iv + ct, iv


def cbc(key, ikey, iv, spi, seq, payload, nh):
    pt = trailer(payload, nh, 16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ct = enc.update(pt) + enc.finalize()
    body = struct.pack("!II", spi, seq) + iv + ct
    return body + hmac.new(ikey, body, hashlib.sha256).digest()[:16]


def main():
    out = ["# source: python3 cryptography (OpenSSL), vectors/esp/gen_esp.py",
           "# Whole ESP packets built independently of ref/src/esp.c; see gen_esp.py for the layout.",
           "# Fields: name, encr (IANA), encr_bits (Key Length attribute, 0 = none), integ (IANA),",
           "# ek (key | salt), ak (integrity key), spi, seq, iv, next_header, payload, packet.",
           "# seq_iv = 1: the IV is the sequence number, so mk_esp_seal itself must produce packet."]
    k32 = bytes(range(0x20, 0x40))
    k16 = bytes(range(0x40, 0x50))
    rows = [
        ("chacha20poly1305_len0", 28, 0, "chacha", k32, bytes.fromhex("c0c1c2c3"), 0x11, 1,
         b"", 59, 16),
        ("chacha20poly1305_len1", 28, 0, "chacha", k32, bytes.fromhex("c0c1c2c3"), 0x11, 2,
         b"\x01", 41, 16),
        ("chacha20poly1305_len100", 28, 0, "chacha", k32, bytes.fromhex("c0c1c2c3"), 0x11,
         0xfffffffe, bytes(range(100)), 4, 16),
        ("aes_gcm16_256_len45", 20, 256, "gcm", k32, bytes.fromhex("d0d1d2d3"), 0xabcdef01, 7,
         bytes(range(45)), 4, 16),
        ("aes_gcm16_128_len2", 20, 128, "gcm", k16, bytes.fromhex("d0d1d2d3"), 0xabcdef01, 1,
         b"\xaa\xbb", 6, 16),
        ("aes_ccm8_128_len33", 14, 128, "ccm", k16, bytes.fromhex("e0e1e2"), 0x00001000, 3,
         bytes(range(33)), 17, 8),
        ("aes_ccm16_256_len64", 16, 256, "ccm", k32, bytes.fromhex("e0e1e2"), 0x00001000, 9,
         bytes(range(64)), 41, 16),
    ]
    for name, encr, bits, kind, key, salt, spi, seq, payload, nh, tag in rows:
        pkt, iv = aead(kind, key, salt, spi, seq, payload, nh, tag)
        out += ["", "name = " + name, "encr = %d" % encr, "encr_bits = %d" % bits,
                "integ = 0", "ek = " + (key + salt).hex(), "ak = ", "spi = %08x" % spi,
                "seq = %08x" % seq, "iv = " + iv.hex(), "next_header = %02x" % nh,
                "payload = " + payload.hex(), "packet = " + pkt.hex(), "seq_iv = 1"]
    ikey = bytes(range(0x60, 0x80))
    for name, key, bits, plen in (("aes_cbc_128_hmac_sha256_len14", k16, 128, 14),
                                  ("aes_cbc_256_hmac_sha256_len30", k32, 256, 30)):
        iv = bytes(range(0x90, 0xa0))
        payload = bytes(range(plen))
        pkt = cbc(key, ikey, iv, 0x01020304, 5, payload, 4)
        out += ["", "name = " + name, "encr = 12", "encr_bits = %d" % bits, "integ = 12",
                "ek = " + key.hex(), "ak = " + ikey.hex(), "spi = 01020304", "seq = 00000005",
                "iv = " + iv.hex(), "next_header = 04", "payload = " + payload.hex(),
                "packet = " + pkt.hex(), "seq_iv = 0"]
    with open(os.path.join(HERE, "esp-python.txt"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
