/* SPDX-License-Identifier: MIT */
/*
 * sig: Ed25519 (libsodium, RFC 8032 pure EdDSA as RFC 8420 requires) and RSASSA-PKCS1-v1_5
 * (mbedTLS 2.28: SHA2-256 for RFC 7427 method 14, SHA-1 for the classic method 1) signature
 * classes, the choice of a class from the peer's N(SIGNATURE_HASH_ALGORITHMS), and the AUTH
 * Authentication Data encodings. It must never sign with a hash the peer did not announce,
 * accept an RSA key under 2048 bits, parse a signature before its length is checked, or leave
 * an expanded private key on the stack (sodium's 64-octet secret key, mbedTLS's contexts are
 * freed, which zeroizes their numbers).
 */
#include <string.h>

#include "sig.h"
#include "suite.h"

#if MK_RPK

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <sodium.h>

/* RFC 7427 Appendix A / RFC 8420 Appendix A: the AlgorithmIdentifiers, DER
 * Ed25519: 30 05 SEQUENCE | 06 03 2b 65 70 id-Ed25519 (1.3.101.112), parameters absent.
 * RSA:     30 0d SEQUENCE | 06 09 sha256WithRSAEncryption (1.2.840.113549.1.1.11) | 05 00 NULL.
 * The verifier compares these octets exactly instead of parsing them, which is sound because DER
 * is unique. It is also strict: a peer that sends the RSA identifier without the NULL (X.509
 * profiles tolerate that) gets AUTH_FAILED; we have not seen a responder do it. */
static const uint8_t algid_ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t algid_rsa_sha256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                           0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};

/* The N(SIGNATURE_HASH_ALGORITHMS) data we send: a list of 16-bit big-endian hash IDs, here
 * SHA2-256 (2) and Identity (5), exactly the hashes of the method-14 classes we can verify.
 * SHA-1 is left out on purpose: RFC 8247 forbids it for RFC 7427 signatures. */
const uint8_t mk_sig_our_hashes[4] = {0, MK_HASH_SHA2_256, 0, MK_HASH_IDENTITY};

/* ---- Ed25519 ------------------------------------------------------------------------------- */

static mk_err ed_sign(const mk_env *env, const uint8_t *priv, size_t priv_len, const uint8_t *msg,
                      size_t len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    /* libsodium's 64-octet secret key is seed || public key; signing needs it expanded, so it
     * exists on our stack for the duration of one call and is wiped on every path below. */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    mk_err e = MK_E_OK;
    (void)env; /* Ed25519 is deterministic */
    if (priv_len != MK_ED25519_SEED)
        return MK_E_BAD_KEY;
    if (cap < crypto_sign_BYTES)
        return MK_E_BUF_TOO_SMALL;
    /* RFC 8420 §2: pure Ed25519 over the whole signed octets, no pre-hash (not Ed25519ph) */
    if (crypto_sign_seed_keypair(pk, sk, priv) != 0 ||
        crypto_sign_detached(sig, NULL, msg, len, sk) != 0)
        e = MK_E_CRYPTO;
    mk_wipe(sk, sizeof sk);
    *sig_len = e == MK_E_OK ? crypto_sign_BYTES : 0;
    return e;
}

static mk_err ed_verify(const mk_spki *pub, const uint8_t *msg, size_t len, const uint8_t *sig,
                        size_t sig_len)
{
    /* Length first: crypto_sign_verify_detached() reads exactly 64 octets and has no length
     * argument. libsodium is also stricter than RFC 8032 requires: it refuses a non-canonical S
     * and small-order R or public keys, none of which an honest signer produces. */
    if (pub->type != MK_KEY_ED25519 || sig_len != crypto_sign_BYTES)
        return MK_E_AUTH_FAILED;
    return crypto_sign_verify_detached(sig, msg, len, pub->pk) == 0 ? MK_E_OK : MK_E_AUTH_FAILED;
}

/* Pure Ed25519 hashes the message twice (RFC 8032 §5.1.6), so it cannot be streamed: one
 * segment only. */
static mk_err ed_sign_iov(const mk_env *env, const uint8_t *priv, size_t priv_len, const mk_iov *in,
                          size_t n, uint8_t *sig, size_t cap, size_t *sig_len)
{
    *sig_len = 0;
    if (n != 1)
        return MK_E_BAD_CONFIG;
    return ed_sign(env, priv, priv_len, in[0].p, in[0].n, sig, cap, sig_len);
}

static mk_err ed_verify_iov(const mk_spki *pub, const mk_iov *in, size_t n, const uint8_t *sig,
                            size_t sig_len)
{
    if (n != 1)
        return MK_E_BAD_CONFIG;
    return ed_verify(pub, in[0].p, in[0].n, sig, sig_len);
}

/* ---- RSA PKCS#1 v1.5 ----------------------------------------------------------------------- */

typedef struct rng_ctx {
    const mk_env *env;
} rng_ctx;

/* mbedTLS's f_rng over env->rng: blinding for the private-key operation.
 * PKCS#1 v1.5 signatures are deterministic; the randomness only blinds the CRT exponentiation
 * against timing attacks, so a weak RNG here weakens side-channel protection, not the signature.
 * Always 0: env->rng has no failure return by contract. io/udp.c's two generators (libsodium's
 * randombytes_buf and a seeded ChaCha20 DRBG for reproducible tests) cannot fail; a port to a
 * hardware TRNG that can fail must stop the handshake itself, since it cannot report it here. */
static int rsa_rng(void *p, unsigned char *out, size_t n)
{
    const rng_ctx *r = p;
    r->env->rng(r->env->ctx, out, n);
    return 0;
}

/* Load a DER private key (PKCS#1 RSAPrivateKey or PKCS#8) and check it is RSA of a size we
 * accept. The caller frees pk on every path. */
static mk_err rsa_load(mbedtls_pk_context *pk, const uint8_t *der, size_t len)
{
    /* mbedtls_pk_parse_key also accepts EC keys, hence the type check; NULL/0: no password,
     * an encrypted key is refused. */
    if (mbedtls_pk_parse_key(pk, der, len, NULL, 0) != 0 ||
        mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
        return MK_E_BAD_KEY;
    size_t bits = mbedtls_pk_get_bitlen(pk);
    /* RFC 8247 §4: RSA keys under 2048 bits are refused, ours as the peer's */
    if (bits < MK_MIN_RSA_BITS)
        return MK_E_WEAK_KEY;
    if (bits > MK_MAX_RSA_BITS)
        return MK_E_BAD_KEY;
    return MK_E_OK;
}

/* PKCS#1 v1.5 signs a hash: the signed octets are hashed segment by segment, never copied.
 * out[32] holds either digest (SHA-1 20, SHA-256 32). The digest of public signed octets is not
 * secret, so it is not wiped. */
static size_t rsa_hash(mbedtls_md_type_t md, const mk_iov *in, size_t n, uint8_t out[32])
{
    if (md == MBEDTLS_MD_SHA1) {
        mk_sha1(in, n, out);
        return 20;
    }
    mk_sha256(in, n, out);
    return 32;
}

static mk_err rsa_sign_md(mbedtls_md_type_t md, const mk_env *env, const uint8_t *priv,
                          size_t priv_len, const mk_iov *in, size_t n, uint8_t *sig, size_t cap,
                          size_t *sig_len)
{
    mbedtls_pk_context pk;
    uint8_t h[32];
    rng_ctx rc = {env};
    *sig_len = 0;
    mbedtls_pk_init(&pk);
    mk_err e = rsa_load(&pk, priv, priv_len);
    if (e == MK_E_OK) {
        mbedtls_rsa_context *rsa = mbedtls_pk_rsa(pk);
        size_t klen = mbedtls_rsa_get_len(rsa);
        size_t hlen = rsa_hash(md, in, n, h);
        /* Set here rather than inherited from the parser's default, so a library default can
         * never switch the scheme silently. The signature is always exactly k = modulus-length
         * octets, so cap is checked against k, not hlen. */
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
        if (cap < klen)
            e = MK_E_BUF_TOO_SMALL;
        else if (mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, rsa_rng, &rc, MBEDTLS_RSA_PRIVATE, md,
                                                   (unsigned)hlen, h, sig) != 0)
            e = MK_E_CRYPTO;
        else
            *sig_len = klen;
    }
    mbedtls_pk_free(&pk); /* zeroizes the private numbers */
    return e;
}

static mk_err rsa_verify_md(mbedtls_md_type_t md, const mk_spki *pub, const mk_iov *in, size_t n,
                            const uint8_t *sig, size_t sig_len)
{
    mbedtls_rsa_context rsa;
    uint8_t h[32];
    mk_err e = MK_E_AUTH_FAILED;
    if (pub->type != MK_KEY_RSA)
        return MK_E_AUTH_FAILED;
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
    /* The key comes from a pinned SPKI that spki.c already checked; check_pubkey repeats the
     * basic sanity checks (odd modulus, size, 3 <= e < n) inside mbedTLS, so this function stays
     * safe if called with a key parsed elsewhere. */
    if (mbedtls_rsa_import_raw(&rsa, pub->n, pub->n_len, NULL, 0, NULL, 0, NULL, 0, pub->e,
                               pub->e_len) == 0 &&
        mbedtls_rsa_complete(&rsa) == 0 && mbedtls_rsa_check_pubkey(&rsa) == 0 &&
        /* RFC 8017 §8.2.2: the signature is exactly k octets long */
        sig_len == mbedtls_rsa_get_len(&rsa)) {
        size_t hlen = rsa_hash(md, in, n, h);
        /* A public-key operation needs no RNG (NULL f_rng). mbedTLS 2.28 verifies by building
         * the expected EMSA-PKCS1-v1_5 encoding and comparing it whole, rather than parsing the
         * DigestInfo out of the decrypted block, which closes the Bleichenbacher-2006 forgery
         * family that lax BER parsers allowed with e = 3. */
        if (mbedtls_rsa_rsassa_pkcs1_v15_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, md,
                                                (unsigned)hlen, h, sig) == 0)
            e = MK_E_OK;
    }
    mbedtls_rsa_free(&rsa);
    return e;
}

static mk_err rsa256_sign_iov(const mk_env *env, const uint8_t *priv, size_t priv_len,
                              const mk_iov *in, size_t n, uint8_t *sig, size_t cap, size_t *sig_len)
{
    return rsa_sign_md(MBEDTLS_MD_SHA256, env, priv, priv_len, in, n, sig, cap, sig_len);
}

static mk_err rsa256_verify_iov(const mk_spki *pub, const mk_iov *in, size_t n, const uint8_t *sig,
                                size_t sig_len)
{
    return rsa_verify_md(MBEDTLS_MD_SHA256, pub, in, n, sig, sig_len);
}

static mk_err rsa1_sign_iov(const mk_env *env, const uint8_t *priv, size_t priv_len,
                            const mk_iov *in, size_t n, uint8_t *sig, size_t cap, size_t *sig_len)
{
    return rsa_sign_md(MBEDTLS_MD_SHA1, env, priv, priv_len, in, n, sig, cap, sig_len);
}

static mk_err rsa1_verify_iov(const mk_spki *pub, const mk_iov *in, size_t n, const uint8_t *sig,
                              size_t sig_len)
{
    return rsa_verify_md(MBEDTLS_MD_SHA1, pub, in, n, sig, sig_len);
}

/* The one-segment forms of the class interface. RSA hashes its input anyway, so the iov forms
 * are the real ones and these only wrap; Ed25519 is the reverse (see ed_sign_iov). */
static mk_err rsa256_sign(const mk_env *env, const uint8_t *priv, size_t priv_len,
                          const uint8_t *msg, size_t len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    mk_iov in = {msg, len};
    return rsa256_sign_iov(env, priv, priv_len, &in, 1, sig, cap, sig_len);
}

static mk_err rsa256_verify(const mk_spki *pub, const uint8_t *msg, size_t len, const uint8_t *sig,
                            size_t sig_len)
{
    mk_iov in = {msg, len};
    return rsa256_verify_iov(pub, &in, 1, sig, sig_len);
}

static mk_err rsa1_sign(const mk_env *env, const uint8_t *priv, size_t priv_len, const uint8_t *msg,
                        size_t len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    mk_iov in = {msg, len};
    return rsa1_sign_iov(env, priv, priv_len, &in, 1, sig, cap, sig_len);
}

static mk_err rsa1_verify(const mk_spki *pub, const uint8_t *msg, size_t len, const uint8_t *sig,
                          size_t sig_len)
{
    mk_iov in = {msg, len};
    return rsa1_verify_iov(pub, &in, 1, sig, sig_len);
}

/* whole_msg: callers must assemble the signed octets contiguously for this class, because pure
 * EdDSA passes over M twice and libsodium takes M as one buffer (see ed_sign_iov). */
const mk_sig_class mk_sig_ed25519 = {
    .key_type = MK_KEY_ED25519,
    .method = MK_AUTH_DIGSIG,
    .hash = MK_HASH_IDENTITY,
    .name = "Ed25519",
    .alg_id = algid_ed25519,
    .alg_id_len = sizeof algid_ed25519,
    .sign = ed_sign,
    .verify = ed_verify,
    .sign_iov = ed_sign_iov,
    .verify_iov = ed_verify_iov,
    .whole_msg = true,
};
const mk_sig_class mk_sig_rsa_sha256 = {
    .key_type = MK_KEY_RSA,
    .method = MK_AUTH_DIGSIG,
    .hash = MK_HASH_SHA2_256,
    .name = "RSA-PKCS1-SHA2-256",
    .alg_id = algid_rsa_sha256,
    .alg_id_len = sizeof algid_rsa_sha256,
    .sign = rsa256_sign,
    .verify = rsa256_verify,
    .sign_iov = rsa256_sign_iov,
    .verify_iov = rsa256_verify_iov,
};
/* RFC 7296 §3.8 method 1 names no hash; every implementation (strongSwan's AUTH_RSA among
 * them) uses SHA-1, so this is what a responder without RFC 7427 understands. */
const mk_sig_class mk_sig_rsa_sha1_m1 = {
    .key_type = MK_KEY_RSA,
    .method = MK_AUTH_RSA,
    .name = "RSA-PKCS1-SHA1 (method 1)",
    .sign = rsa1_sign,
    .verify = rsa1_verify,
    .sign_iov = rsa1_sign_iov,
    .verify_iov = rsa1_verify_iov,
};

/* ---- choice and AUTH encodings ------------------------------------------------------------- */

mk_err mk_sig_choose(uint8_t key_type, bool announced, uint8_t hashes, const mk_sig_class **out)
{
    *out = NULL;
    if (key_type == MK_KEY_ED25519) {
        /* RFC 8420 §2: Ed25519 is used only with "Identity", which MUST have been announced in
         * SIGNATURE_HASH_ALGORITHMS; it has no method-1 fallback */
        if (announced && (hashes & (1u << MK_HASH_IDENTITY)) != 0)
            *out = &mk_sig_ed25519;
    } else if (key_type == MK_KEY_RSA) {
        /* RFC 7427 §4: with method 14 the signer MUST use a hash the verifier announced; a
         * responder that announced nothing gets the classic method 1 */
        if (!announced)
            *out = &mk_sig_rsa_sha1_m1;
        else if ((hashes & (1u << MK_HASH_SHA2_256)) != 0)
            *out = &mk_sig_rsa_sha256;
    }
    return *out != NULL ? MK_E_OK : MK_E_SIG_HASH_UNSUPPORTED;
}

mk_err mk_sig_auth_build_iov(const mk_sig_class *c, const mk_env *env, const uint8_t *priv,
                             size_t priv_len, const mk_iov *in, size_t n, uint8_t *out, size_t cap,
                             size_t *out_len)
{
    size_t pre = 0, sl = 0;
    *out_len = 0;
    /* Method 1 (RSA) Authentication Data is the bare signature; method 14 prefixes the
     * AlgorithmIdentifier so the verifier knows the scheme without a side channel. */
    if (c->method == MK_AUTH_DIGSIG) {
        /* RFC 7427 §3: ASN.1 Length (1 octet) | AlgorithmIdentifier ASN.1 object | Signature */
        pre = 1 + c->alg_id_len;
        if (cap < pre)
            return MK_E_BUF_TOO_SMALL;
        out[0] = (uint8_t)c->alg_id_len;
        memcpy(out + 1, c->alg_id, c->alg_id_len);
    }
    mk_err e = c->sign_iov(env, priv, priv_len, in, n, out + pre, cap - pre, &sl);
    if (e == MK_E_OK)
        *out_len = pre + sl;
    return e;
}

mk_err mk_sig_auth_build(const mk_sig_class *c, const mk_env *env, const uint8_t *priv,
                         size_t priv_len, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    mk_iov in = {msg, len};
    return mk_sig_auth_build_iov(c, env, priv, priv_len, &in, 1, out, cap, out_len);
}

mk_err mk_sig_auth_verify_iov(const mk_spki *pub, uint8_t method, const uint8_t *data, size_t len,
                              const mk_iov *in, size_t n)
{
    /* Method 1 carries no algorithm identifier: the scheme is implied by the method, and SHA-1
     * is what every method-1 signer uses (see mk_sig_rsa_sha1_m1). Accepting it is a deliberate
     * interoperability choice for responders without RFC 7427; the key is still pinned. */
    if (method == MK_AUTH_RSA)
        return mk_sig_rsa_sha1_m1.verify_iov(pub, in, n, data, len);
    /* RFC 7427 §3: the Authentication Data starts with the 1-octet length of the
     * AlgorithmIdentifier that follows it; read through the bounds-checked reader. */
    mk_rd r = mk_rd_init(data, len);
    uint8_t al = mk_rd_u8(&r);
    const uint8_t *alg = mk_rd_bytes(&r, al);
    if (method != MK_AUTH_DIGSIG || alg == NULL)
        return MK_E_AUTH_FAILED;
    size_t sig_len = mk_rd_left(&r);
    const uint8_t *sig = mk_rd_bytes(&r, sig_len);
    /* Only algorithms whose hash we announced (SHA2-256, Identity) are accepted: RFC 7427 §4
     * lets the responder sign only with one of those. */
    static const mk_sig_class *const known[] = {&mk_sig_ed25519, &mk_sig_rsa_sha256};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const mk_sig_class *c = known[i];
        /* The key type must match the pinned key too: the peer's AlgorithmIdentifier selects
         * the verification routine, but never which key it runs against. memcmp is fine, the
         * identifier is public. */
        if (al == c->alg_id_len && memcmp(alg, c->alg_id, al) == 0 && c->key_type == pub->type)
            return c->verify_iov(pub, in, n, sig, sig_len);
    }
    return MK_E_AUTH_FAILED;
}

mk_err mk_sig_auth_verify(const mk_spki *pub, uint8_t method, const uint8_t *data, size_t len,
                          const uint8_t *msg, size_t msg_len)
{
    mk_iov in = {msg, msg_len};
    return mk_sig_auth_verify_iov(pub, method, data, len, &in, 1);
}

/* ---- public key of a private key ------------------------------------------------------------ */

static mk_err rsa_pubkey(const uint8_t *priv, size_t priv_len, uint8_t *spki, size_t cap,
                         size_t *spki_len)
{
    /* rsa_load caps the modulus at MK_MAX_RSA_BITS, so n[] always fits; export_raw fails (BAD_KEY)
     * for an exponent over 8 octets, the same cap spki.c applies to peer keys. */
    mbedtls_pk_context pk;
    uint8_t n[MK_MAX_RSA_BITS / 8], e8[8];
    mbedtls_pk_init(&pk);
    mk_err e = rsa_load(&pk, priv, priv_len);
    if (e == MK_E_OK) {
        const mbedtls_rsa_context *rsa = mbedtls_pk_rsa(pk);
        size_t nl = mbedtls_rsa_get_len(rsa);
        if (mbedtls_rsa_export_raw(rsa, n, nl, NULL, 0, NULL, 0, NULL, 0, e8, sizeof e8) != 0)
            e = MK_E_BAD_KEY;
        else if ((*spki_len = mk_spki_encode_rsa(spki, cap, n, nl, e8, sizeof e8)) == 0)
            e = MK_E_BUF_TOO_SMALL;
    }
    mbedtls_pk_free(&pk);
    return e;
}

mk_err mk_sig_pubkey(uint8_t key_type, const uint8_t *priv, size_t priv_len, uint8_t *spki,
                     size_t cap, size_t *spki_len)
{
    *spki_len = 0;
    if (key_type == MK_KEY_RSA)
        return rsa_pubkey(priv, priv_len, spki, cap, spki_len);
    if (key_type != MK_KEY_ED25519 || priv_len != MK_ED25519_SEED)
        return MK_E_BAD_KEY;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int rc = crypto_sign_seed_keypair(pk, sk, priv);
    mk_wipe(sk, sizeof sk);
    if (rc != 0)
        return MK_E_CRYPTO;
    *spki_len = mk_spki_encode_ed25519(spki, cap, pk);
    return *spki_len != 0 ? MK_E_OK : MK_E_BUF_TOO_SMALL;
}

/* Catches a configuration whose private key and published SPKI do not belong together before
 * any handshake, where it would only show up as the peer's AUTHENTICATION_FAILED. Comparing our
 * re-encoding byte for byte relies on both sides being strict DER. */
mk_err mk_sig_check_pair(const uint8_t *priv, size_t priv_len, const uint8_t *spki, size_t spki_len)
{
    mk_spki k;
    uint8_t mine[MK_MAX_SPKI];
    size_t n = 0;
    mk_err e = mk_spki_parse(&k, spki, spki_len);
    if (e == MK_E_OK)
        e = mk_sig_pubkey(k.type, priv, priv_len, mine, sizeof mine, &n);
    if (e == MK_E_OK && (n != spki_len || memcmp(mine, spki, n) != 0))
        e = MK_E_BAD_KEY;
    return e;
}

#else /* !MK_RPK */

mk_err mk_sig_pubkey(uint8_t key_type, const uint8_t *priv, size_t priv_len, uint8_t *spki,
                     size_t cap, size_t *spki_len)
{
    (void)key_type;
    (void)priv;
    (void)priv_len;
    (void)spki;
    (void)cap;
    *spki_len = 0;
    return MK_E_BAD_CONFIG;
}

#endif
