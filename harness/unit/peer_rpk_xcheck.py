#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent check of the signatures in one raw-public-key exchange (harness/unit/test_peer_rpk.c).

Input: a file of `key = hex` lines written by the test: the IKE_SA_INIT request and response,
the IKE_AUTH request and response (ChaCha20-Poly1305 / PRF-HMAC-SHA2-256), SK_ei, SK_er, SK_pi,
SK_pr, and `ini_spki` / `resp_spki`, the keys the test expects each side to sign with. With python
`cryptography` only (no minike code) it opens both SK payloads (RFC 5282 / RFC 7634: AAD = IKE
header + SK header, nonce = salt | IV), rebuilds each side's signed octets (RFC 7296 §2.15:
RealMessage | peer's nonce | prf(SK_p, RestOfIDPayload)), checks that a CERT(15) (RFC 7670)
carries the DER SubjectPublicKeyInfo the test expects, and verifies the AUTH payload: method 14
(RFC 7427: ASN.1 length | AlgorithmIdentifier | signature; Ed25519 per RFC 8420, or
sha256WithRSAEncryption) or method 1 (RSASSA-PKCS1-v1_5 with SHA-1). The SK_* values come from
the test, so this checks the signature layer, not the key schedule (peer_xcheck.py does that).
Prints `ok <side> <algorithm> cert=<0|1>` per side; exit 0 on success, 1 otherwise.
"""
import hashlib
import hmac
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

ALG_ED25519 = bytes.fromhex("300506032b6570")  # RFC 8420 Appendix A
ALG_RSA_SHA256 = bytes.fromhex("300d06092a864886f70d01010b0500")  # RFC 7427 Appendix A


def prf(k, m):
    return hmac.new(k, m, hashlib.sha256).digest()


def payloads(msg, first, off):
    """Walk a payload chain: yield (type, body)."""
    nxt = first
    while nxt != 0:
        t = nxt
        nxt = msg[off]
        ln = int.from_bytes(msg[off + 2:off + 4], "big")
        yield t, msg[off + 4:off + ln]
        off += ln


def open_sk(msg, key):
    """The inner payloads of a message whose only payload is SK (ChaCha20-Poly1305)."""
    assert msg[16] == 46, "first payload is SK"
    sk_len = int.from_bytes(msg[30:32], "big")
    assert 28 + sk_len == len(msg), "SK is the last payload"
    iv, ct = msg[32:40], msg[40:]
    plain = ChaCha20Poly1305(key[:32]).decrypt(key[32:] + iv, ct, msg[:32])
    inner = plain[:len(plain) - 1 - plain[-1]]
    return list(payloads(inner, msg[28], 0))


def verify(side, pls, real, nonce, sk_p, want_spki):
    d = {}
    for t, b in pls:
        d.setdefault(t, b)
    idb, auth = d[35 if side == "initiator" else 36], d[39]
    cert = 37 in d
    if cert:
        if d[37][0] != 15:
            print("FAIL", side, "CERT encoding", d[37][0])
            return False
        if d[37][1:] != want_spki:
            print("FAIL", side, "CERT(15) is not the expected SPKI")
            return False
    pub = serialization.load_der_public_key(want_spki)
    octets = real + nonce + prf(sk_p, idb)
    method, data = auth[0], auth[4:]
    try:
        if method == 14:
            alg = data[1:1 + data[0]]
            sig = data[1 + data[0]:]
            if alg == ALG_ED25519:
                assert isinstance(pub, ed25519.Ed25519PublicKey)
                pub.verify(sig, octets)
                name = "ed25519"
            elif alg == ALG_RSA_SHA256:
                assert isinstance(pub, rsa.RSAPublicKey)
                pub.verify(sig, octets, padding.PKCS1v15(), hashes.SHA256())
                name = "rsa-sha256"
            else:
                print("FAIL", side, "unknown AlgorithmIdentifier", alg.hex())
                return False
        elif method == 1:
            assert isinstance(pub, rsa.RSAPublicKey)
            pub.verify(data, octets, padding.PKCS1v15(), hashes.SHA1())
            name = "rsa-method1"
        else:
            print("FAIL", side, "AUTH method", method)
            return False
    except InvalidSignature:
        print("FAIL", side, "signature does not verify")
        return False
    print("ok", side, name, "cert=%d" % int(cert))
    return True


def main():
    kv = {}
    for line in open(sys.argv[1]):
        if "=" in line:
            k, v = line.split("=", 1)
            kv[k.strip()] = bytes.fromhex(v.strip())
    req1, resp1 = kv["init_req"], kv["init_resp"]
    ni = dict(payloads(req1, req1[16], 28))[40]
    nr = dict(payloads(resp1, resp1[16], 28))[40]
    ok = verify("initiator", open_sk(kv["auth_req"], kv["sk_ei"]), req1, nr, kv["sk_pi"],
                kv["ini_spki"])
    ok = verify("responder", open_sk(kv["auth_resp"], kv["sk_er"]), resp1, ni, kv["sk_pr"],
                kv["resp_spki"]) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
