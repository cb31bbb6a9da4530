#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent check of one test/peer exchange (used by harness/unit/test_peer.c).

Input: a file of `key = hex` lines written by the test: the initiator's X25519 private key, its
IKE_SA_INIT request, the peer's IKE_SA_INIT response and IKE_AUTH response, the PSK, the
initiator's ID payload body and ESP SPI. With python `cryptography` only (no minike code) it
recomputes g^ir, SKEYSEED, SK_* (RFC 7296 §2.13-2.14, PRF-HMAC-SHA2-256), opens the SK payload
of the IKE_AUTH response (ChaCha20-Poly1305, RFC 7634 / RFC 5282: AAD = IKE header + SK header,
nonce = salt | IV), checks the responder's PSK AUTH (§2.15) and prints KEYMAT (§2.17) so the test
can compare the peer's child SA keys. Exit 0 and `ok ...` lines on success, 1 otherwise.
"""
import hashlib
import hmac
import sys

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305


def prf(k, m):
    return hmac.new(k, m, hashlib.sha256).digest()


def prfplus(k, s, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(k, t + s + bytes([i]))
        out += t
        i += 1
    return out[:n]


def payloads(msg, first, off):
    """Walk a payload chain: yield (type, body)."""
    nxt = first
    while nxt != 0:
        t = nxt
        nxt = msg[off]
        ln = int.from_bytes(msg[off + 2:off + 4], "big")
        yield t, msg[off + 4:off + ln]
        off += ln


def main():
    kv = {}
    for line in open(sys.argv[1]):
        if "=" in line:
            k, v = line.split("=", 1)
            kv[k.strip()] = bytes.fromhex(v.strip())
    req1, resp1, auth = kv["init_req"], kv["init_resp"], kv["auth_resp"]
    spi_i, spi_r = resp1[0:8], resp1[8:16]
    pl1 = dict(payloads(req1, req1[16], 28))
    pl2 = dict(payloads(resp1, resp1[16], 28))
    ni, nr = pl1[40], pl2[40]
    ke_r = pl2[34][4:]
    gir = X25519PrivateKey.from_private_bytes(kv["priv"]).exchange(
        X25519PublicKey.from_public_bytes(ke_r))
    skeyseed = prf(ni + nr, gir)
    ks = prfplus(skeyseed, ni + nr + spi_i + spi_r, 32 + 36 + 36 + 32 + 32)
    sk_d, sk_ei, sk_er, sk_pi, sk_pr = ks[0:32], ks[32:68], ks[68:104], ks[104:136], ks[136:168]
    # SK payload of the IKE_AUTH response: the only payload
    assert auth[16] == 46, "first payload is SK"
    sk_len = int.from_bytes(auth[30:32], "big")
    assert 28 + sk_len == len(auth)
    iv, ct = auth[32:40], auth[40:]
    plain = ChaCha20Poly1305(sk_er[:32]).decrypt(sk_er[32:] + iv, ct, auth[:32])
    padlen = plain[-1]
    inner = plain[:len(plain) - 1 - padlen]
    pls = list(payloads(inner, auth[28], 0))
    types = [t for t, _ in pls]
    print("ok decrypted", types)
    d = dict(pls)
    idr, authr = d[36], d[39]
    assert authr[0] == 2, "PSK"
    octets = resp1 + ni + prf(sk_pr, idr)
    want = prf(prf(kv["psk"], b"Key Pad for IKEv2"), octets)
    if authr[4:] != want:
        print("FAIL responder AUTH")
        return 1
    print("ok auth")
    keymat = prfplus(sk_d, ni + nr, 72)
    print("keymat_ei =", keymat[:36].hex())
    print("keymat_er =", keymat[36:].hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
