/* SPDX-License-Identifier: MIT */
/*
 * sig: signature classes for raw-public-key authentication (BearSSL-style const classes, like
 * suite.h) and the AUTH payload encodings that carry them: RFC 7427 method 14 ("Digital
 * Signature": 1-octet ASN.1 length | AlgorithmIdentifier DER | signature) and RFC 7296 method 1
 * ("RSA Digital Signature": the bare PKCS#1 v1.5 signature, SHA-1 in practice). Ed25519 goes
 * through libsodium (RFC 8420: hash "Identity", no pre-hash), RSA PKCS#1 v1.5 through mbedTLS.
 * Keys live in the caller's buffers; private key material copied or expanded on the stack is
 * wiped before return. Nothing here decides policy beyond the algorithm rules: which key is
 * trusted is the initiator's business.
 */
#ifndef MK_SIG_H
#define MK_SIG_H

#include "minike_tools.h"
#include "spki.h"
#include "suite.h" /* mk_iov */

/* Build option MK_RPK (minike.h): off, the classes below do not exist and MK_AUTH_DIGSIG
 * configs are BAD_CONFIG. */

typedef struct mk_sig_class {
    uint8_t key_type; /* MK_KEY_ED25519 / MK_KEY_RSA */
    uint8_t method;   /* AUTH method: MK_AUTH_DIGSIG (14) or MK_AUTH_RSA (1) */
    uint8_t hash;     /* RFC 7427 hash ID the peer must have announced; 0 for method 1 */
    const char *name;
    const uint8_t *alg_id; /* DER AlgorithmIdentifier for method 14, NULL for method 1 */
    size_t alg_id_len;
    /* sign msg[0..len) with priv (Ed25519 seed / RSA DER); env->rng feeds RSA blinding.
     * BAD_KEY, WEAK_KEY, BUF_TOO_SMALL, CRYPTO. */
    mk_err (*sign)(const mk_env *env, const uint8_t *priv, size_t priv_len, const uint8_t *msg,
                   size_t len, uint8_t *sig, size_t cap, size_t *sig_len);
    /* OK or AUTH_FAILED (also for a key of the other type or a wrong-size signature). */
    mk_err (*verify)(const mk_spki *pub, const uint8_t *msg, size_t len, const uint8_t *sig,
                     size_t sig_len);
    /* Added: the same over the concatenation of in[0..n), so a caller need not copy the signed
     * octets together. RSA hashes the pieces as they come; pure Ed25519 (RFC 8420) reads the
     * message twice and libsodium wants it whole, so its class needs n == 1 (else BAD_CONFIG). */
    mk_err (*sign_iov)(const mk_env *env, const uint8_t *priv, size_t priv_len, const mk_iov *in,
                       size_t n, uint8_t *sig, size_t cap, size_t *sig_len);
    mk_err (*verify_iov)(const mk_spki *pub, const mk_iov *in, size_t n, const uint8_t *sig,
                         size_t sig_len);
    bool whole_msg; /* true: the iov forms accept only n == 1 (Ed25519) */
} mk_sig_class;

#if MK_RPK
extern const mk_sig_class mk_sig_ed25519;     /* method 14, id-Ed25519, hash Identity */
extern const mk_sig_class mk_sig_rsa_sha256;  /* method 14, sha256WithRSAEncryption */
extern const mk_sig_class mk_sig_rsa_sha1_m1; /* method 1, PKCS#1 v1.5 with SHA-1 */

/* The hashes we announce in N(SIGNATURE_HASH_ALGORITHMS): SHA2-256 and Identity. */
extern const uint8_t mk_sig_our_hashes[4];

/* The class to sign with: our key type against what the responder announced (`announced`:
 * it sent N(SIGNATURE_HASH_ALGORITHMS); `hashes`: bit h for hash ID h).
 * SIG_HASH_UNSUPPORTED when no class fits (Ed25519 without Identity, RFC 8420). */
mk_err mk_sig_choose(uint8_t key_type, bool announced, uint8_t hashes, const mk_sig_class **out);

/* The AUTH payload Authentication Data for class c: method 14 prefixes the AlgorithmIdentifier
 * with its 1-octet length (RFC 7427 §3). Errors of c->sign. */
mk_err mk_sig_auth_build(const mk_sig_class *c, const mk_env *env, const uint8_t *priv,
                         size_t priv_len, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len);

/* Verify the peer's AUTH (method, data) over msg with its key. Only the classes above are
 * accepted; method 14 must name an algorithm whose hash we announced (RFC 7427 §4) and that
 * fits the key type. OK, or AUTH_FAILED for anything else. */
mk_err mk_sig_auth_verify(const mk_spki *pub, uint8_t method, const uint8_t *data, size_t len,
                          const uint8_t *msg, size_t msg_len);

/* Added: mk_sig_auth_build / mk_sig_auth_verify over the concatenation of in[0..n) (see
 * sign_iov above: with a whole_msg class n must be 1). */
mk_err mk_sig_auth_build_iov(const mk_sig_class *c, const mk_env *env, const uint8_t *priv,
                             size_t priv_len, const mk_iov *in, size_t n, uint8_t *out, size_t cap,
                             size_t *out_len);
mk_err mk_sig_auth_verify_iov(const mk_spki *pub, uint8_t method, const uint8_t *data, size_t len,
                              const mk_iov *in, size_t n);

/* Check that spki is the public half of priv (what mk_init does with the config). OK, BAD_KEY
 * (mismatch or malformed), WEAK_KEY. */
mk_err mk_sig_check_pair(const uint8_t *priv, size_t priv_len, const uint8_t *spki,
                         size_t spki_len);
#endif

#endif
