#!/usr/bin/python3
"""Generate vectors/prim/rsa-pkcs1.txt: RSA keys and RSASSA-PKCS1-v1_5 signatures made by an
independent implementation (python3 `cryptography`, OpenSSL underneath), for harness/unit/test_sig.c.

RSA key generation draws from the OS RNG, so re-running produces *different* keys: the committed
output file is the vector; this script documents how it was made. PKCS#1 v1.5 signing is
deterministic, so our signature over `msg` with `priv_pkcs1` must equal `sig_sha256` / `sig_sha1`
byte for byte.

Usage: /usr/bin/python3 vectors/prim/gen_rsa_pkcs1.py > vectors/prim/rsa-pkcs1.txt
"""
import cryptography
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def der_priv(k, fmt):
    return k.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption()).hex()


def der_spki(k):
    return k.public_key().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo).hex()


def main():
    # A message shaped like IKEv2 signed octets: RealMessage | Nonce | MACedID (lengths only).
    msg = bytes(range(256)) * 2 + b"minike RSA PKCS#1 v1.5 vector" + bytes(32)
    print(f"# source: python3 cryptography {cryptography.__version__} (vectors/prim/gen_rsa_pkcs1.py),"
          " keys from the OS RNG, generated once")
    print("# priv_pkcs1 = DER RSAPrivateKey (RFC 8017 A.1.2), priv_pkcs8 = DER PrivateKeyInfo,")
    print("# spki = DER SubjectPublicKeyInfo (rsaEncryption); sig_* = RSASSA-PKCS1-v1_5 over msg.")
    for name, bits in (("rsa2048", 2048), ("rsa3072", 3072), ("rsa2048-other", 2048),
                       ("rsa1024-weak", 1024)):
        k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        print()
        print(f"name = {name}")
        print(f"# {bits} bits")
        print(f"priv_pkcs1 = {der_priv(k, serialization.PrivateFormat.TraditionalOpenSSL)}")
        print(f"priv_pkcs8 = {der_priv(k, serialization.PrivateFormat.PKCS8)}")
        print(f"spki = {der_spki(k)}")
        print(f"msg = {msg.hex()}")
        print(f"sig_sha256 = {k.sign(msg, padding.PKCS1v15(), hashes.SHA256()).hex()}")
        print(f"sig_sha1 = {k.sign(msg, padding.PKCS1v15(), hashes.SHA1()).hex()}")


if __name__ == "__main__":
    main()
