/* SPDX-License-Identifier: MIT */
/*
 * suite: the crypto adapter. Every algorithm is a small const class with its IANA id, its sizes
 * and function pointers (BearSSL style). The core asks a registry (mk_suites) for classes by id,
 * so only registered algorithms can be negotiated and tests can register faulty ones.
 * Implementations: suite_sodium.c (X25519, ChaCha20-Poly1305, AES-256-GCM with AES-NI, HMAC-SHA2)
 * and suite_mbedtls.c (P-256, MODP-2048, AES-CBC, AES-GCM-128/256, AES-CCM); the classes only
 * the full registry names are declared in suite_all.h.
 * Classes hold no state; keys live in the caller's buffers. No heap in our code (mbedTLS's bignum
 * allocates internally; a device build points MBEDTLS_PLATFORM_MEMORY at a static pool).
 */
#ifndef MK_SUITE_H
#define MK_SUITE_H

#include "minike.h"

/* A list of input segments, so prf/mac over "A | B | C" needs no concatenation buffer. */
typedef struct mk_iov {
    const uint8_t *p;
    size_t n;
} mk_iov;

/* PRF (RFC 7296 §2.13): keyed with any key length, out_len octets out. */
typedef struct mk_prf_class {
    uint16_t id;
    const char *name; /* "PRF_HMAC_SHA2_256" */
    size_t out_len;   /* = preferred key length: SK_d, SK_pi, SK_pr sizes */
    void (*prf)(const uint8_t *key, size_t key_len, const mk_iov *in, size_t n_in, uint8_t *out);
    /* The same prf fed piecewise, in a caller-held state of at most MK_PRF_STATE_LEN octets
     * (minike.h): the responder's PSK AUTH covers RealMessage2 | Ni | MACedIDForR, whose parts
     * arrive in two messages, so the initiator runs it as they come instead of keeping a copy
     * of RealMessage2. final writes out_len octets and wipes the state. Required by mk_init,
     * which also refuses a class whose state_len exceeds MK_PRF_STATE_LEN in this build. */
    size_t state_len;
    void (*init)(void *st, const uint8_t *key, size_t key_len);
    void (*update)(void *st, const uint8_t *p, size_t n);
    void (*final)(void *st, uint8_t *out);
} mk_prf_class;

/* Integrity (non-AEAD SK and ESP): icv = truncated MAC. */
typedef struct mk_integ_class {
    uint16_t id;
    const char *name;
    size_t key_len, icv_len;
    void (*mac)(const uint8_t *key, const mk_iov *in, size_t n_in, uint8_t *icv);
} mk_integ_class;

/* Encryption. `key` is key || salt (salt_len 4 for GCM and ChaCha20, 3 for CCM, 0 for CBC).
 * AEAD: seal encrypts buf in place and writes icv_len octets of tag; open checks the tag in
 * constant time and returns ICV_MISMATCH on failure, never releasing unauthenticated plaintext:
 * on failure buf is wiped (all zero). (CCM authenticates the plaintext and mbedTLS/libsodium GCM
 * decrypt while hashing, so "untouched" cannot be had without a full-size scratch copy; callers
 * that need the ciphertext afterwards decrypt a copy, as mk_sk_open does.)
 * Non-AEAD (CBC): aad and tag are ignored, len is a multiple of block. iv_len octets of IV. */
typedef struct mk_encr_class {
    uint16_t id;
    uint16_t key_bits; /* 128 / 256 */
    const char *name;  /* "AES_GCM_16_128" */
    size_t key_len;    /* key + salt octets: what prf+ produces for SK_e* and KEYMAT */
    size_t salt_len, iv_len, block, icv_len;
    bool aead;
    bool needs_key_attr; /* Key Length attribute in the transform (not for ChaCha20) */
    mk_err (*seal)(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                   uint8_t *buf, size_t len, uint8_t *tag);
    mk_err (*open)(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                   uint8_t *buf, size_t len, const uint8_t *tag);
    /* Non-AEAD only: how SK and ESP add the INTEG transform (encrypt-then-MAC, etm.c, built
     * with the CBC classes of the full profile). NULL with AEAD: the AEAD-only core calls
     * seal/open itself and links none of it. */
    const struct mk_etm *etm;
} mk_encr_class;

/* The keys of one direction of an SA: SK_e/SK_a of an IKE SA, or the KEYMAT of an ESP SA. */
typedef struct mk_sk_keys {
    const mk_encr_class *encr;
    const mk_integ_class *integ; /* NULL with AEAD */
    const uint8_t *ek;           /* encr->key_len octets (with salt) */
    const uint8_t *ak;           /* integ->key_len octets */
} mk_sk_keys;

/* Encrypt-then-MAC (etm.c). SK (RFC 7296 §3.14) and ESP (RFC 4303 §2.8) share one layout,
 *   msg[0 .. iv_off) | IV (encr->iv_len) | ciphertext (ct_len) | ICV
 * where an AEAD takes msg[0 .. iv_off) as AAD, and a MAC covers msg[0 .. ICV). */
typedef struct mk_etm {
    /* ICV octets of k; 0 if k has no usable INTEG class or key */
    size_t (*icv_len)(const mk_sk_keys *k);
    /* one direction's INTEG class and key from an ESP SA (sa->integ in sa->suites) */
    bool (*esp_keys)(const mk_esp_sa *sa, bool outbound, mk_sk_keys *k);
    /* an ESP IV: random (RFC 3602 §2.1), never the sequence number */
    mk_err (*esp_iv)(const mk_env *env, uint8_t *iv, size_t len);
    /* encrypt the ciphertext span in place, then write the ICV after it */
    mk_err (*seal)(const mk_sk_keys *k, uint8_t *msg, size_t iv_off, size_t ct_len);
    /* verify the ICV at the end of msg, then decrypt buf (ct_len octets of ciphertext: a copy
     * or msg's own, in place) */
    mk_err (*open)(const mk_sk_keys *k, const uint8_t *msg, size_t iv_off, uint8_t *buf,
                   size_t ct_len);
} mk_etm;

/* Diffie-Hellman. keypair draws its private value from env->rng (through a caller-given seed
 * so it stays deterministic under a seeded RNG): priv and pub are pub_len / priv_len octets.
 * shared checks the peer value (length, on-curve, 1 < y < p-1) and returns BAD_DH_PUBLIC, or
 * DH_ZERO for an all-zero X25519 result (RFC 8031 §3.2). secret is secret_len octets, big-endian
 * zero-padded for MODP (RFC 7296 §2.14), the x coordinate for ECP (RFC 5903 §7), the raw u for
 * X25519 (RFC 8031). */
typedef struct mk_dh_class {
    uint16_t id;
    const char *name;
    size_t pub_len, priv_len, secret_len;
    mk_err (*keypair)(const mk_env *env, uint8_t *priv, uint8_t *pub);
    mk_err (*shared)(const uint8_t *priv, const uint8_t *peer, size_t peer_len, uint8_t *secret);
} mk_dh_class;

/* The registry: NULL-terminated arrays of class pointers. */
struct mk_suites {
    const mk_prf_class *const *prf;
    const mk_integ_class *const *integ;
    const mk_encr_class *const *encr;
    const mk_dh_class *const *dh;
};

const mk_prf_class *mk_suite_prf(const mk_suites *s, uint16_t id);
const mk_integ_class *mk_suite_integ(const mk_suites *s, uint16_t id);
/* key_bits is the Key Length attribute; 0 (absent) matches only classes without one (ChaCha20,
 * whose class also matches 256). NULL if not registered. */
const mk_encr_class *mk_suite_encr(const mk_suites *s, uint16_t id, uint16_t key_bits);
const mk_dh_class *mk_suite_dh(const mk_suites *s, uint16_t id);

/* The minimal profile's classes (suite_sodium.c), for tests and for building other registries;
 * the full registry's others are declared in suite_all.h. */
extern const mk_prf_class mk_prf_hmac_sha2_256;
extern const mk_encr_class mk_encr_chacha20poly1305;
extern const mk_dh_class mk_dh_x25519;

/* SHA-1 for NAT_DETECTION hashes (RFC 7296 §2.23) and SHA-256 for fingerprints. */
void mk_sha1(const mk_iov *in, size_t n_in, uint8_t out[20]);
void mk_sha256(const mk_iov *in, size_t n_in, uint8_t out[32]);

#endif
