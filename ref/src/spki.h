/* SPDX-License-Identifier: MIT */
/*
 * spki: DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for the two raw public key types we know,
 * Ed25519 (RFC 8410 §4: `302a300506032b6570032100 || pk`) and RSA (rsaEncryption
 * 1.2.840.113549.1.1.1, RFC 3279 §2.3.1), as carried by CERT payloads with encoding 15 (RFC 7670)
 * and pinned by configuration, plus the SHA-256 fingerprint of an SPKI. Parsing goes through the
 * bounds-checked reader only, accepts strict DER only (minimal lengths, every window consumed
 * exactly) and returns views into the caller's bytes; it never allocates and never copies.
 */
#ifndef MK_SPKI_H
#define MK_SPKI_H

#include "wire.h"

/* A parsed SPKI. Views point into the DER the caller passed. */
typedef struct mk_spki {
    uint8_t type;      /* MK_KEY_ED25519 or MK_KEY_RSA */
    const uint8_t *pk; /* Ed25519: the 32-octet public key */
    const uint8_t *n;  /* RSA: modulus, big-endian, without a leading zero octet */
    size_t n_len;
    const uint8_t *e; /* RSA: public exponent, big-endian, minimal */
    size_t e_len;
    size_t bits; /* RSA: modulus bits; Ed25519: 256 */
} mk_spki;

/* Parse `der` exactly (trailing octets are BAD_KEY). BAD_KEY: not DER, another algorithm,
 * parameters where none belong, a negative or non-minimal INTEGER, an even or tiny exponent, an
 * RSA modulus over MK_MAX_RSA_BITS. WEAK_KEY: RSA under MK_MIN_RSA_BITS (RFC 8247 §4: 2048). */
mk_err mk_spki_parse(mk_spki *out, const uint8_t *der, size_t len);

/* Encoders; return the length written, 0 if cap is too small (nothing useful written). */
size_t mk_spki_encode_ed25519(uint8_t *out, size_t cap, const uint8_t pk[32]);
/* n and e big-endian; leading zero octets are stripped, a sign octet added where needed. */
size_t mk_spki_encode_rsa(uint8_t *out, size_t cap, const uint8_t *n, size_t n_len,
                          const uint8_t *e, size_t e_len);

#endif
