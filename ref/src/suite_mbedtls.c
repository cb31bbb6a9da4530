/* SPDX-License-Identifier: MIT */
/*
 * suite_mbedtls: the crypto classes libsodium lacks, served by mbedTLS 2.28 (libmbedcrypto):
 * ECP P-256 (DH 19, RFC 5903), MODP-2048 (DH 14, RFC 3526), AES-CBC-128/256 (ENCR 12, RFC 3602),
 * AES-GCM with 8/12/16-octet tags and AES-CCM with 8/12/16-octet tags, 128- and 256-bit keys
 * (ENCR 18/19/20 and 14/15/16, RFC 5282), and SHA-1 / SHA-256 (NAT_DETECTION hashes).
 * It only adapts mbedTLS's API: it never implements a primitive, keeps no state between calls,
 * frees (and so zeroizes) every mbedTLS context before returning, and wipes local key material.
 * mbedTLS's bignum code allocates internally; our code does not. AEAD open never leaves
 * unauthenticated plaintext behind: mbedTLS decrypts first, so on a tag mismatch buf is wiped.
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ccm.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "minike_tools.h"
#include "suite_all.h"

/* ---- AES-GCM (RFC 5282 §4: nonce = salt(4) | IV(8), key = K | salt) ----------------------- */

/* The salt is the last 4 octets of SK_e (prf+ draws key + salt for each direction), so `key` is
 * klen + 4 octets. Salt and IV together make GCM's native 96-bit nonce, the length GCM uses
 * directly instead of deriving the counter block through GHASH. The explicit IV must never repeat
 * under one key (a repeat leaks the XOR of two plaintexts and the GHASH key); sk.c draws it from
 * env->rng. buf is both input and output: mbedTLS's GCM and CCM allow exact in-place operation. */

static mk_err gcm_do(bool enc, size_t klen, size_t tlen, const uint8_t *key, const uint8_t *iv,
                     const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag,
                     const uint8_t *ctag)
{
    mbedtls_gcm_context g;
    uint8_t nonce[12];
    mk_err e = MK_E_OK;
    int rc;

    memcpy(nonce, key + klen, 4);
    memcpy(nonce + 4, iv, 8);
    mbedtls_gcm_init(&g);
    rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)(klen * 8));
    if (rc != 0) {
        e = MK_E_CRYPTO;
        goto out;
    }
    if (enc) {
        rc = mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce, sizeof nonce, aad,
                                       aad_len, buf, buf, tlen, tag);
        e = rc == 0 ? MK_E_OK : MK_E_CRYPTO;
    } else {
        /* mbedTLS compares the tag in constant time and zeroizes buf when it does not match.
         * GCM could check the tag before decrypting, but mbedTLS decrypts in the same pass, so
         * buf holds unauthenticated plaintext until the comparison. Our mk_wipe repeats the
         * library's zeroize on purpose: hardware ports (MBEDTLS_GCM_ALT) are not bound to it,
         * and a caller must never find attacker-chosen plaintext in its buffer after a failure.
         * Any other error may have left a partial decryption behind, so it is wiped too. */
        rc = mbedtls_gcm_auth_decrypt(&g, len, nonce, sizeof nonce, aad, aad_len, ctag, tlen, buf,
                                      buf);
        if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED) {
            mk_wipe(buf, len);
            e = MK_E_ICV_MISMATCH;
        } else if (rc != 0) {
            mk_wipe(buf, len);
            e = MK_E_CRYPTO;
        }
    }
out:
    /* gcm_free zeroizes the expanded key schedule and the hash subkey H; the salt in nonce[] is
     * key material (it comes out of prf+ with SK_e) and is wiped like the key. */
    mbedtls_gcm_free(&g);
    mk_wipe(nonce, sizeof nonce);
    return e;
}

/* ---- AES-CCM (RFC 5282 §4: nonce = salt(3) | IV(8), 11 octets, so L = 4) ------------------ */

/* CCM's nonce and length field share 15 octets: an 11-octet nonce leaves L = 4 octets for the
 * message length (up to 2^32 - 1), far above MK_MAX_MSG. Tags of 8, 12 and 16 octets are all
 * valid CCM sizes; CCM_8 is the small-packet IoT choice RFC 8247 recommends. */

static mk_err ccm_do(bool enc, size_t klen, size_t tlen, const uint8_t *key, const uint8_t *iv,
                     const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag,
                     const uint8_t *ctag)
{
    mbedtls_ccm_context c;
    uint8_t nonce[11];
    mk_err e = MK_E_OK;
    int rc;

    memcpy(nonce, key + klen, 3);
    memcpy(nonce + 3, iv, 8);
    mbedtls_ccm_init(&c);
    rc = mbedtls_ccm_setkey(&c, MBEDTLS_CIPHER_ID_AES, key, (unsigned)(klen * 8));
    if (rc != 0) {
        e = MK_E_CRYPTO;
        goto out;
    }
    if (enc) {
        rc = mbedtls_ccm_encrypt_and_tag(&c, len, nonce, sizeof nonce, aad, aad_len, buf, buf, tag,
                                         tlen);
        e = rc == 0 ? MK_E_OK : MK_E_CRYPTO;
    } else {
        /* CCM authenticates the plaintext, so mbedTLS decrypts, compares in constant time and
         * zeroizes buf on a mismatch; nothing unauthenticated leaves this function. As with GCM,
         * our own wipe covers MBEDTLS_CCM_ALT ports that skip the library's zeroize. */
        rc = mbedtls_ccm_auth_decrypt(&c, len, nonce, sizeof nonce, aad, aad_len, buf, buf, ctag,
                                      tlen);
        if (rc == MBEDTLS_ERR_CCM_AUTH_FAILED) {
            mk_wipe(buf, len);
            e = MK_E_ICV_MISMATCH;
        } else if (rc != 0) {
            mk_wipe(buf, len);
            e = MK_E_CRYPTO;
        }
    }
out:
    mbedtls_ccm_free(&c); /* zeroizes the key schedule */
    mk_wipe(nonce, sizeof nonce);
    return e;
}

/* One seal/open pair per (mode, key bits, tag octets): the class has no context pointer, so
 * each class gets its own two-line wrappers. Local to this file and #undef'd right after. */
#define MK_AEAD_PAIR(mode, bits, tlen)                                                             \
    static mk_err mode##_##bits##_##tlen##_seal(const uint8_t *key, const uint8_t *iv,             \
                                                const uint8_t *aad, size_t aad_len, uint8_t *buf,  \
                                                size_t len, uint8_t *tag)                          \
    {                                                                                              \
        return mode##_do(true, bits / 8, tlen, key, iv, aad, aad_len, buf, len, tag, NULL);        \
    }                                                                                              \
    static mk_err mode##_##bits##_##tlen##_open(const uint8_t *key, const uint8_t *iv,             \
                                                const uint8_t *aad, size_t aad_len, uint8_t *buf,  \
                                                size_t len, const uint8_t *tag)                    \
    {                                                                                              \
        return mode##_do(false, bits / 8, tlen, key, iv, aad, aad_len, buf, len, NULL, tag);       \
    }
/* No 192-bit keys: RFC 8247 requires 128 and 256 and makes 192 a MAY for AES. Adding them
 * takes new pairs and classes here, declarations in suite.h and a registration in suite.c,
 * which keeps a build's offer explicit. */
MK_AEAD_PAIR(gcm, 128, 16)
MK_AEAD_PAIR(gcm, 128, 12)
MK_AEAD_PAIR(gcm, 128, 8)
MK_AEAD_PAIR(gcm, 256, 16)
MK_AEAD_PAIR(gcm, 256, 12)
MK_AEAD_PAIR(gcm, 256, 8)
MK_AEAD_PAIR(ccm, 128, 16)
MK_AEAD_PAIR(ccm, 128, 12)
MK_AEAD_PAIR(ccm, 128, 8)
MK_AEAD_PAIR(ccm, 256, 16)
MK_AEAD_PAIR(ccm, 256, 12)
MK_AEAD_PAIR(ccm, 256, 8)
#undef MK_AEAD_PAIR

/* RFC 5282 §7 (IKEv2): ENCR_AES_GCM_* and ENCR_AES_CCM_* carry a Key Length attribute; the
 * 8-octet IV is in the payload, the salt is the last 4 (GCM) or 3 (CCM) octets of the key. */
/* .block = 1: counter modes need no padding, but the SK payload still ends in a Pad Length octet
 * (0 padding octets). .key_len counts the salt, which is what prf+ must produce for SK_e*. */
#define GCM(var, tid, bits, tlen, nm)                                                              \
    const mk_encr_class var = {                                                                    \
        .id = tid,                                                                                 \
        .key_bits = bits,                                                                          \
        .name = nm,                                                                                \
        .key_len = bits / 8 + 4,                                                                   \
        .salt_len = 4,                                                                             \
        .iv_len = 8,                                                                               \
        .block = 1,                                                                                \
        .icv_len = tlen,                                                                           \
        .aead = true,                                                                              \
        .needs_key_attr = true,                                                                    \
        .seal = gcm_##bits##_##tlen##_seal,                                                        \
        .open = gcm_##bits##_##tlen##_open,                                                        \
    }
#define CCM(var, tid, bits, tlen, nm)                                                              \
    const mk_encr_class var = {                                                                    \
        .id = tid,                                                                                 \
        .key_bits = bits,                                                                          \
        .name = nm,                                                                                \
        .key_len = bits / 8 + 3,                                                                   \
        .salt_len = 3,                                                                             \
        .iv_len = 8,                                                                               \
        .block = 1,                                                                                \
        .icv_len = tlen,                                                                           \
        .aead = true,                                                                              \
        .needs_key_attr = true,                                                                    \
        .seal = ccm_##bits##_##tlen##_seal,                                                        \
        .open = ccm_##bits##_##tlen##_open,                                                        \
    }
GCM(mk_encr_aes_gcm16_128, MK_ENCR_AES_GCM_16, 128, 16, "AES_GCM_16_128");
GCM(mk_encr_aes_gcm12_128, MK_ENCR_AES_GCM_12, 128, 12, "AES_GCM_12_128");
GCM(mk_encr_aes_gcm8_128, MK_ENCR_AES_GCM_8, 128, 8, "AES_GCM_8_128");
GCM(mk_encr_aes_gcm16_256, MK_ENCR_AES_GCM_16, 256, 16, "AES_GCM_16_256");
GCM(mk_encr_aes_gcm12_256, MK_ENCR_AES_GCM_12, 256, 12, "AES_GCM_12_256");
GCM(mk_encr_aes_gcm8_256, MK_ENCR_AES_GCM_8, 256, 8, "AES_GCM_8_256");
CCM(mk_encr_aes_ccm16_128, MK_ENCR_AES_CCM_16, 128, 16, "AES_CCM_16_128");
CCM(mk_encr_aes_ccm12_128, MK_ENCR_AES_CCM_12, 128, 12, "AES_CCM_12_128");
CCM(mk_encr_aes_ccm8_128, MK_ENCR_AES_CCM_8, 128, 8, "AES_CCM_8_128");
CCM(mk_encr_aes_ccm16_256, MK_ENCR_AES_CCM_16, 256, 16, "AES_CCM_16_256");
CCM(mk_encr_aes_ccm12_256, MK_ENCR_AES_CCM_12, 256, 12, "AES_CCM_12_256");
CCM(mk_encr_aes_ccm8_256, MK_ENCR_AES_CCM_8, 256, 8, "AES_CCM_8_256");
#undef GCM
#undef CCM

/* ---- AES-CBC (RFC 3602): 16-octet random IV in the payload, no tag, len % 16 == 0 --------- */

/* CBC provides confidentiality only: etm.c (the classes' .etm) must verify the HMAC ICV over the
 * ciphertext before it calls open (encrypt-then-MAC), or this becomes a padding oracle. The IV must
 * be unpredictable to an attacker, not merely unique, which is why it is random rather than a
 * counter. */

static mk_err cbc_do(bool enc, size_t klen, const uint8_t *key, const uint8_t *iv, uint8_t *buf,
                     size_t len)
{
    mbedtls_aes_context a;
    uint8_t ivc[16];
    mk_err e = MK_E_OK;
    int rc;

    /* mbedTLS would refuse this too, but as a generic error; BAD_LENGTH is a DROP-class error,
     * so a peer's malformed SK payload is discarded rather than treated as a crypto failure. */
    if (len % 16 != 0)
        return MK_E_BAD_LENGTH;
    /* mbedTLS writes the last ciphertext block back into the IV argument (for chaining calls);
     * our IV lives inside the message, where it is covered by the ICV, so work on a copy. */
    memcpy(ivc, iv, sizeof ivc); /* mbedTLS updates the IV in place */
    mbedtls_aes_init(&a);
    /* AES decryption uses the inverse key schedule, so CBC decrypt needs setkey_dec (unlike
     * GCM/CCM, which only ever run the forward cipher). */
    rc = enc ? mbedtls_aes_setkey_enc(&a, key, (unsigned)(klen * 8))
             : mbedtls_aes_setkey_dec(&a, key, (unsigned)(klen * 8));
    if (rc == 0)
        rc = mbedtls_aes_crypt_cbc(&a, enc ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, len, ivc,
                                   buf, buf);
    if (rc != 0)
        e = MK_E_CRYPTO;
    mbedtls_aes_free(&a);
    mk_wipe(ivc, sizeof ivc);
    return e;
}

static mk_err cbc128_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, uint8_t *tag)
{
    (void)aad, (void)aad_len, (void)tag;
    return cbc_do(true, 16, key, iv, buf, len);
}
static mk_err cbc128_open(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, const uint8_t *tag)
{
    (void)aad, (void)aad_len, (void)tag;
    return cbc_do(false, 16, key, iv, buf, len);
}
static mk_err cbc256_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, uint8_t *tag)
{
    (void)aad, (void)aad_len, (void)tag;
    return cbc_do(true, 32, key, iv, buf, len);
}
static mk_err cbc256_open(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, const uint8_t *tag)
{
    (void)aad, (void)aad_len, (void)tag;
    return cbc_do(false, 32, key, iv, buf, len);
}

/* .icv_len = 0 and .aead = false: integrity comes from a separate INTEG transform (HMAC), which is
 * why CBC proposals carry Transform Type 3 and AEAD proposals do not. AES-CBC also needs a Key
 * Length attribute, since one Transform ID covers 128-, 192- and 256-bit keys. */
const mk_encr_class mk_encr_aes_cbc_128 = {
    .id = MK_ENCR_AES_CBC,
    .key_bits = 128,
    .name = "AES_CBC_128",
    .key_len = 16,
    .salt_len = 0,
    .iv_len = 16,
    .block = 16,
    .icv_len = 0,
    .aead = false,
    .needs_key_attr = true,
    .seal = cbc128_seal,
    .open = cbc128_open,
    .etm = &mk_etm_hmac,
};
const mk_encr_class mk_encr_aes_cbc_256 = {
    .id = MK_ENCR_AES_CBC,
    .key_bits = 256,
    .name = "AES_CBC_256",
    .key_len = 32,
    .salt_len = 0,
    .iv_len = 16,
    .block = 16,
    .icv_len = 0,
    .aead = false,
    .needs_key_attr = true,
    .seal = cbc256_seal,
    .open = cbc256_open,
    .etm = &mk_etm_hmac,
};

/* ---- DH helpers ------------------------------------------------------------------------- */

/* mbedTLS wants an f_rng(void *, out, n); the env is const, so pass it inside a local box
 * (casting the const away would trip -Wcast-qual and invite writes through it). Returning 0
 * always is correct: env->rng cannot fail by contract. With a seeded env->rng the keys below are
 * reproducible, which is what the known-answer tests rely on. */
typedef struct rng_box {
    const mk_env *env;
} rng_box;

static int env_rng(void *p, unsigned char *out, size_t n)
{
    const rng_box *b = p;
    b->env->rng(b->env->ctx, out, n);
    return 0;
}

/* ---- ECP P-256 (RFC 5903): KE data = x | y (64 octets), shared secret = x (32 octets) ----- */

static mk_err ecp256_keypair(const mk_env *env, uint8_t *priv, uint8_t *pub)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    rng_box box = {env};
    mk_err e = MK_E_CRYPTO;

    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
        goto out;
    /* d in [1, n-1] by rejection sampling over env->rng (32 octets per try): a seeded RNG
     * reproduces the key. Blinding of the multiplication uses mbedTLS's internal DRBG seeded
     * from d, so it draws nothing more from env->rng. */
    if (mbedtls_ecp_gen_privkey(&grp, &d, env_rng, &box) != 0)
        goto out;
    if (mbedtls_ecp_mul(&grp, &q, &d, &grp.G, NULL, NULL) != 0)
        goto out;
    /* write_binary left-pads with zeros: RFC 5903 wants each coordinate as exactly 32 octets,
     * and about 1 in 256 keys has a leading zero octet that a minimal encoding would drop. */
    if (mbedtls_mpi_write_binary(&d, priv, 32) != 0 ||
        mbedtls_mpi_write_binary(&q.X, pub, 32) != 0 ||
        mbedtls_mpi_write_binary(&q.Y, pub + 32, 32) != 0)
        goto out;
    e = MK_E_OK;
out:
    /* mbedtls_mpi_free zeroizes the limbs before freeing, so d leaves nothing in the heap. */
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return e;
}

static mk_err ecp256_shared(const uint8_t *priv, const uint8_t *peer, size_t peer_len,
                            uint8_t *secret)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point p, r;
    uint8_t enc[65];
    mk_err e = MK_E_CRYPTO;

    /* RFC 5903 §7: the KE data is x | y, each exactly the field size (32 octets). */
    if (peer_len != 64)
        return MK_E_BAD_DH_PUBLIC;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&p);
    mbedtls_ecp_point_init(&r);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
        goto out;
    enc[0] = 0x04; /* SEC1 uncompressed form for mbedTLS's reader */
    memcpy(enc + 1, peer, 64);
    /* SPEC RFC5903 7 / RFC6989 2.3: "...recipient MUST check that the point is on the curve"
     * (coordinates in [0, p-1], equation holds, not the point at infinity).
     * point_read_binary only decodes, it does not validate: without check_pubkey a peer could
     * send a point of small order on a different curve (invalid-curve attack) and learn d modulo
     * small primes from the shared secrets it gets back. */
    if (mbedtls_ecp_point_read_binary(&grp, &p, enc, sizeof enc) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &p) != 0) {
        e = MK_E_BAD_DH_PUBLIC;
        goto out;
    }
    /* check_privkey (1 <= d <= n-1) guards against a corrupted stored private value. */
    if (mbedtls_mpi_read_binary(&d, priv, 32) != 0 || mbedtls_ecp_check_privkey(&grp, &d) != 0)
        goto out;
    /* NULL f_rng: mbedTLS 2.28 then blinds the multiplication with an internal DRBG seeded from
     * d, so this function needs no env. The point at infinity cannot result from a valid point
     * of the prime-order group and a d in range; the check costs nothing and fails closed. */
    if (mbedtls_ecp_mul(&grp, &r, &d, &p, NULL, NULL) != 0 || mbedtls_ecp_is_zero(&r))
        goto out;
    /* RFC 5903 §7: the shared secret is the x coordinate, 32 octets big-endian. */
    if (mbedtls_mpi_write_binary(&r.X, secret, 32) != 0)
        goto out;
    e = MK_E_OK;
out:
    mbedtls_ecp_point_free(&r);
    mbedtls_ecp_point_free(&p);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    mk_wipe(enc, sizeof enc);
    return e;
}

/* pub_len 64: RFC 5903 KE data is x | y without SEC1's 0x04 prefix (added back above only for
 * mbedTLS's reader); secret_len 32: only x enters SKEYSEED, the y coordinate is discarded. */
const mk_dh_class mk_dh_ecp256 = {
    .id = MK_DH_ECP256,
    .name = "ECP_256",
    .pub_len = 64,
    .priv_len = 32,
    .secret_len = 32,
    .keypair = ecp256_keypair,
    .shared = ecp256_shared,
};

/* ---- MODP-2048 (RFC 3526 §3, g = 2): 256-bit exponent, public value and secret 256 octets -- */

/* The RFC 3526 prime is a safe prime (p = 2q + 1, q prime) with g = 2: the only subgroups are of
 * order 1, 2, q and 2q, which is why the 1 < y < p-1 range check in modp_shared is all the
 * small-subgroup validation this group needs (an element of order 2q can reveal at most the
 * parity of our exponent, and that exponent is used for one exchange only). */
static const uint8_t modp2048_p[256] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;

enum { MODP_PRIV = 32, MODP_LEN = 256 };

static mk_err modp_keypair(const mk_env *env, uint8_t *priv, uint8_t *pub)
{
    mbedtls_mpi p, g, x, y, rr;
    mk_err e = MK_E_CRYPTO;

    /* rr caches R^2 mod p for the Montgomery exponentiation; it is scratch, never reused. */
    mbedtls_mpi_init(&p), mbedtls_mpi_init(&g), mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&y), mbedtls_mpi_init(&rr);
    /* A 256-bit exponent gives the ~112-bit strength of the 2048-bit group twice over
     * (NIST SP 800-56A: at least 2 * 112 bits). Redraw the (2^-248 likely) values 0 and 1. */
    for (int tries = 0; tries < 4; tries++) {
        env->rng(env->ctx, priv, MODP_PRIV);
        if (mbedtls_mpi_read_binary(&x, priv, MODP_PRIV) != 0)
            goto out;
        if (mbedtls_mpi_cmp_int(&x, 1) > 0)
            break;
    }
    /* Four draws all <= 1 means env->rng is broken (constant output); refuse to make a key. */
    if (mbedtls_mpi_cmp_int(&x, 1) <= 0)
        goto out;
    if (mbedtls_mpi_read_binary(&p, modp2048_p, sizeof modp2048_p) != 0 ||
        mbedtls_mpi_lset(&g, 2) != 0 || mbedtls_mpi_exp_mod(&y, &g, &x, &p, &rr) != 0)
        goto out;
    /* RFC 7296 §3.4: the KE data of a MODP group is zero-padded to the modulus length. */
    if (mbedtls_mpi_write_binary(&y, pub, MODP_LEN) != 0)
        goto out;
    e = MK_E_OK;
out:
    mbedtls_mpi_free(&p), mbedtls_mpi_free(&g), mbedtls_mpi_free(&x);
    mbedtls_mpi_free(&y), mbedtls_mpi_free(&rr);
    return e;
}

static mk_err modp_shared(const uint8_t *priv, const uint8_t *peer, size_t peer_len,
                          uint8_t *secret)
{
    mbedtls_mpi p, pm1, x, y, z, rr;
    mk_err e = MK_E_CRYPTO;

    /* RFC 7296 §3.4: the KE data length equals the modulus length. */
    if (peer_len != MODP_LEN)
        return MK_E_BAD_DH_PUBLIC;
    mbedtls_mpi_init(&p), mbedtls_mpi_init(&pm1), mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&y), mbedtls_mpi_init(&z), mbedtls_mpi_init(&rr);
    if (mbedtls_mpi_read_binary(&p, modp2048_p, sizeof modp2048_p) != 0 ||
        mbedtls_mpi_sub_int(&pm1, &p, 1) != 0 || mbedtls_mpi_read_binary(&y, peer, peer_len) != 0)
        goto out;
    /* SPEC RFC8247 2.4 / NIST SP800-56A 5.6.2.3.1: the peer value must satisfy 1 < y < p-1,
     * which rejects 0, 1, p-1 (the order-1 and order-2 elements) and anything >= p. */
    if (mbedtls_mpi_cmp_int(&y, 1) <= 0 || mbedtls_mpi_cmp_mpi(&y, &pm1) >= 0) {
        e = MK_E_BAD_DH_PUBLIC;
        goto out;
    }
    if (mbedtls_mpi_read_binary(&x, priv, MODP_PRIV) != 0 ||
        mbedtls_mpi_exp_mod(&z, &y, &x, &p, &rr) != 0)
        goto out;
    /* RFC 7296 §2.14: g^ir is big-endian, zero-padded to the length of the modulus. */
    if (mbedtls_mpi_write_binary(&z, secret, MODP_LEN) != 0)
        goto out;
    e = MK_E_OK;
out:
    mbedtls_mpi_free(&p), mbedtls_mpi_free(&pm1), mbedtls_mpi_free(&x);
    mbedtls_mpi_free(&y), mbedtls_mpi_free(&z), mbedtls_mpi_free(&rr);
    return e;
}

/* Public value and shared secret are both fixed at the modulus length (256), never minimal: the
 * peer and prf() must see the same zero-padded octets or SKEYSEED differs 1 time in 256. */
const mk_dh_class mk_dh_modp2048 = {
    .id = MK_DH_MODP2048,
    .name = "MODP_2048",
    .pub_len = MODP_LEN,
    .priv_len = MODP_PRIV,
    .secret_len = MODP_LEN,
    .keypair = modp_keypair,
    .shared = modp_shared,
};

/* ---- Hashes ------------------------------------------------------------------------------ */

/* The *_ret return values are ignored: the software implementations cannot fail. A port that
 * enables MBEDTLS_SHA1_ALT / MBEDTLS_SHA256_ALT with an accelerator that can fail must check them.
 * Empty segments are skipped so no NULL pointer ever reaches update(). The contexts are freed,
 * which zeroizes them, although every input hashed here is public (signed octets, SPKIs, NAT-D).
 * SHA-1 is kept only for RSA method 1 and NAT_DETECTION, where the protocol fixes it. */
void mk_sha1(const mk_iov *in, size_t n_in, uint8_t out[20])
{
    mbedtls_sha1_context c;
    mbedtls_sha1_init(&c);
    (void)mbedtls_sha1_starts_ret(&c);
    for (size_t i = 0; i < n_in; i++) {
        if (in[i].n > 0)
            (void)mbedtls_sha1_update_ret(&c, in[i].p, in[i].n);
    }
    (void)mbedtls_sha1_finish_ret(&c, out);
    mbedtls_sha1_free(&c);
}

void mk_sha256(const mk_iov *in, size_t n_in, uint8_t out[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    (void)mbedtls_sha256_starts_ret(&c, 0); /* 0: SHA-256, not SHA-224 */
    for (size_t i = 0; i < n_in; i++) {
        if (in[i].n > 0)
            (void)mbedtls_sha256_update_ret(&c, in[i].p, in[i].n);
    }
    (void)mbedtls_sha256_finish_ret(&c, out);
    mbedtls_sha256_free(&c);
}
