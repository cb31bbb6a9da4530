/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ref/src/sig.c. Ed25519 against RFC 8032 §7.1 TEST 1-3 (vectors/prim/rfc8032.txt);
 * RSASSA-PKCS1-v1_5 against signatures made by python3 `cryptography` 38
 * (vectors/prim/rsa-pkcs1.txt; PKCS#1 v1.5 is deterministic, so ours must be byte-identical).
 * Bad inputs: wrong key type on either side, a signature from another key, tampered signatures,
 * RSA keys under 2048 bits, Ed25519 without "Identity" announced (RFC 8420), and malformed
 * RFC 7427 method-14 Authentication Data (length octet, AlgorithmIdentifier, truncation).
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "sig.h"
#include "spki.h"
#include "vec.h"

static mk_vec_file *ed, *rsa;

typedef struct cnt_rng {
    uint64_t n;
} cnt_rng;

static void rng_fill(void *ctx, uint8_t *out, size_t n)
{
    cnt_rng *r = ctx;
    uint8_t key[32] = {7}, nonce[8];
    memcpy(nonce, &r->n, 8);
    r->n++;
    crypto_stream_chacha20(out, n, nonce, key);
}

static cnt_rng rc;
static mk_env env = {.ctx = &rc, .rng = rng_fill, .trace = NULL};

static void setup(void)
{
    char err[256];
    cr_assert(sodium_init() >= 0);
    ed = mk_vec_load("vectors/prim/rfc8032.txt", err, sizeof err);
    cr_assert_not_null(ed, "%s", err);
    rsa = mk_vec_load("vectors/prim/rsa-pkcs1.txt", err, sizeof err);
    cr_assert_not_null(rsa, "%s", err);
}

static void teardown(void)
{
    mk_vec_free(ed);
    mk_vec_free(rsa);
}

TestSuite(sig, .init = setup, .fini = teardown);

static const uint8_t *hexof(const mk_vec_file *f, const char *name, const char *key, size_t *len)
{
    const mk_vec_block *b = mk_vec_find(f, "name", name);
    cr_assert_not_null(b, "no block %s", name);
    const uint8_t *p = mk_vec_hex(b, key, len);
    cr_assert_not_null(p, "%s: no %s", name, key);
    return p;
}

#if MK_RPK

static mk_spki spki_of(const mk_vec_file *f, const char *name)
{
    size_t n;
    const uint8_t *der = hexof(f, name, "spki", &n);
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, der, n), MK_E_OK, "%s", name);
    return k;
}

/* ---- Ed25519: RFC 8032 §7.1 --------------------------------------------------------------- */

Test(sig, ed25519_rfc8032_tests_1_to_3)
{
    static const char *const names[] = {"TEST 1", "TEST 2", "TEST 3"};
    for (size_t i = 0; i < 3; i++) {
        size_t sl, ml, gl, pl;
        const uint8_t *seed = hexof(ed, names[i], "secret", &sl);
        const uint8_t *msg = hexof(ed, names[i], "msg", &ml);
        const uint8_t *want = hexof(ed, names[i], "sig", &gl);
        const uint8_t *der = hexof(ed, names[i], "spki", &pl);
        uint8_t sig[MK_MAX_SIG];
        size_t n = 0;
        cr_assert_eq(mk_sig_ed25519.sign(&env, seed, sl, msg, ml, sig, sizeof sig, &n), MK_E_OK);
        cr_assert_eq(n, 64);
        cr_assert_arr_eq(sig, want, 64, "%s signature", names[i]);
        mk_spki k = spki_of(ed, names[i]);
        cr_assert_eq(mk_sig_ed25519.verify(&k, msg, ml, want, gl), MK_E_OK, "%s", names[i]);
        /* any flipped bit of the signature fails */
        for (size_t b = 0; b < 64 * 8; b += 37) {
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
            cr_assert_eq(mk_sig_ed25519.verify(&k, msg, ml, sig, 64), MK_E_AUTH_FAILED);
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        /* the public key of the seed, as an SPKI */
        uint8_t out[MK_MAX_SPKI];
        cr_assert_eq(mk_sig_pubkey(MK_KEY_ED25519, seed, sl, out, sizeof out, &n), MK_E_OK);
        cr_assert_eq(n, pl);
        cr_assert_arr_eq(out, der, pl);
        cr_assert_eq(mk_sig_check_pair(seed, sl, der, pl), MK_E_OK);
    }
}

Test(sig, ed25519_signature_of_another_key_fails)
{
    size_t ml, gl;
    const uint8_t *msg = hexof(ed, "TEST 2", "msg", &ml);
    const uint8_t *s2 = hexof(ed, "TEST 2", "sig", &gl);
    mk_spki k3 = spki_of(ed, "TEST 3");
    cr_assert_eq(mk_sig_ed25519.verify(&k3, msg, ml, s2, gl), MK_E_AUTH_FAILED);
    /* and the right key over another message */
    mk_spki k2 = spki_of(ed, "TEST 2");
    static const uint8_t other[] = {0x73};
    cr_assert_eq(mk_sig_ed25519.verify(&k2, other, 1, s2, gl), MK_E_AUTH_FAILED);
    /* wrong length */
    cr_assert_eq(mk_sig_ed25519.verify(&k2, msg, ml, s2, gl - 1), MK_E_AUTH_FAILED);
}

/* ---- RSA: python3 cryptography ------------------------------------------------------------- */

Test(sig, rsa_pkcs1_sha256_matches_cryptography)
{
    static const char *const names[] = {"rsa2048", "rsa3072"};
    static const char *const privs[] = {"priv_pkcs1", "priv_pkcs8"};
    for (size_t i = 0; i < 2; i++) {
        size_t ml, gl;
        const uint8_t *msg = hexof(rsa, names[i], "msg", &ml);
        const uint8_t *want = hexof(rsa, names[i], "sig_sha256", &gl);
        mk_spki k = spki_of(rsa, names[i]);
        cr_assert_eq(mk_sig_rsa_sha256.verify(&k, msg, ml, want, gl), MK_E_OK, "%s", names[i]);
        for (size_t j = 0; j < 2; j++) {
            size_t kl, n = 0;
            const uint8_t *priv = hexof(rsa, names[i], privs[j], &kl);
            uint8_t sig[MK_MAX_SIG];
            cr_assert_eq(mk_sig_rsa_sha256.sign(&env, priv, kl, msg, ml, sig, sizeof sig, &n),
                         MK_E_OK, "%s %s", names[i], privs[j]);
            cr_assert_eq(n, gl);
            cr_assert_arr_eq(sig, want, gl, "%s %s: byte-identical to cryptography's", names[i],
                             privs[j]);
            /* the SPKI we derive from the private key is cryptography's */
            size_t pl;
            const uint8_t *der = hexof(rsa, names[i], "spki", &pl);
            uint8_t out[MK_MAX_SPKI];
            cr_assert_eq(mk_sig_pubkey(MK_KEY_RSA, priv, kl, out, sizeof out, &n), MK_E_OK);
            cr_assert_eq(n, pl);
            cr_assert_arr_eq(out, der, pl);
            cr_assert_eq(mk_sig_check_pair(priv, kl, der, pl), MK_E_OK);
            cr_assert_eq(mk_sig_pubkey(MK_KEY_RSA, priv, kl, out, pl - 1, &n), MK_E_BUF_TOO_SMALL);
        }
        /* tampering: message or signature */
        uint8_t bad[MK_MAX_SIG];
        memcpy(bad, want, gl);
        bad[gl / 2] ^= 0x01;
        cr_assert_eq(mk_sig_rsa_sha256.verify(&k, msg, ml, bad, gl), MK_E_AUTH_FAILED);
        cr_assert_eq(mk_sig_rsa_sha256.verify(&k, msg, ml - 1, want, gl), MK_E_AUTH_FAILED);
        cr_assert_eq(mk_sig_rsa_sha256.verify(&k, msg, ml, want, gl - 1), MK_E_AUTH_FAILED);
        /* the SHA-1 signature is not a SHA-256 one, and the reverse */
        size_t sl1;
        const uint8_t *s1 = hexof(rsa, names[i], "sig_sha1", &sl1);
        cr_assert_eq(mk_sig_rsa_sha256.verify(&k, msg, ml, s1, sl1), MK_E_AUTH_FAILED);
        cr_assert_eq(mk_sig_rsa_sha1_m1.verify(&k, msg, ml, want, gl), MK_E_AUTH_FAILED);
    }
}

Test(sig, rsa_method1_sha1_matches_cryptography)
{
    size_t ml, gl, kl, n = 0;
    const uint8_t *msg = hexof(rsa, "rsa2048", "msg", &ml);
    const uint8_t *want = hexof(rsa, "rsa2048", "sig_sha1", &gl);
    const uint8_t *priv = hexof(rsa, "rsa2048", "priv_pkcs1", &kl);
    mk_spki k = spki_of(rsa, "rsa2048");
    uint8_t sig[MK_MAX_SIG];
    cr_assert_eq(mk_sig_rsa_sha1_m1.sign(&env, priv, kl, msg, ml, sig, sizeof sig, &n), MK_E_OK);
    cr_assert_eq(n, gl);
    cr_assert_arr_eq(sig, want, gl);
    cr_assert_eq(mk_sig_rsa_sha1_m1.verify(&k, msg, ml, want, gl), MK_E_OK);
    /* method 1 Authentication Data is the bare signature */
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_RSA, want, gl, msg, ml), MK_E_OK);
}

Test(sig, rsa_signature_from_another_key_fails)
{
    size_t ml, gl;
    const uint8_t *msg = hexof(rsa, "rsa2048", "msg", &ml);
    const uint8_t *s = hexof(rsa, "rsa2048", "sig_sha256", &gl);
    mk_spki other = spki_of(rsa, "rsa2048-other");
    cr_assert_eq(mk_sig_rsa_sha256.verify(&other, msg, ml, s, gl), MK_E_AUTH_FAILED);
    size_t pl, kl;
    const uint8_t *priv = hexof(rsa, "rsa2048", "priv_pkcs1", &kl);
    const uint8_t *der = hexof(rsa, "rsa2048-other", "spki", &pl);
    cr_assert_eq(mk_sig_check_pair(priv, kl, der, pl), MK_E_BAD_KEY, "spki of another key");
}

Test(sig, rsa_key_under_2048_bits_is_refused)
{
    size_t kl, ml, n = 0;
    const uint8_t *priv = hexof(rsa, "rsa1024-weak", "priv_pkcs1", &kl);
    const uint8_t *msg = hexof(rsa, "rsa1024-weak", "msg", &ml);
    uint8_t sig[MK_MAX_SIG], out[MK_MAX_SPKI];
    cr_assert_eq(mk_sig_rsa_sha256.sign(&env, priv, kl, msg, ml, sig, sizeof sig, &n),
                 MK_E_WEAK_KEY);
    cr_assert_eq(n, 0);
    cr_assert_eq(mk_sig_pubkey(MK_KEY_RSA, priv, kl, out, sizeof out, &n), MK_E_WEAK_KEY);
    size_t pl;
    const uint8_t *der = hexof(rsa, "rsa1024-weak", "spki", &pl);
    cr_assert_eq(mk_sig_check_pair(priv, kl, der, pl), MK_E_WEAK_KEY);
}

Test(sig, wrong_key_type_is_refused)
{
    size_t sl, ml, gl, kl, n = 0;
    const uint8_t *seed = hexof(ed, "TEST 2", "secret", &sl);
    const uint8_t *msg = hexof(ed, "TEST 2", "msg", &ml);
    const uint8_t *esig = hexof(ed, "TEST 2", "sig", &gl);
    const uint8_t *rpriv = hexof(rsa, "rsa2048", "priv_pkcs1", &kl);
    uint8_t sig[MK_MAX_SIG];
    mk_spki ek = spki_of(ed, "TEST 2"), rk = spki_of(rsa, "rsa2048");
    /* verify: an Ed25519 signature under an RSA key and the reverse */
    cr_assert_eq(mk_sig_ed25519.verify(&rk, msg, ml, esig, gl), MK_E_AUTH_FAILED);
    size_t rml, rgl;
    const uint8_t *rmsg = hexof(rsa, "rsa2048", "msg", &rml);
    const uint8_t *rsig = hexof(rsa, "rsa2048", "sig_sha256", &rgl);
    cr_assert_eq(mk_sig_rsa_sha256.verify(&ek, rmsg, rml, rsig, rgl), MK_E_AUTH_FAILED);
    /* sign: an RSA DER given to Ed25519 (wrong size) and a seed given to RSA (not DER) */
    cr_assert_eq(mk_sig_ed25519.sign(&env, rpriv, kl, msg, ml, sig, sizeof sig, &n), MK_E_BAD_KEY);
    cr_assert_eq(mk_sig_rsa_sha256.sign(&env, seed, sl, msg, ml, sig, sizeof sig, &n),
                 MK_E_BAD_KEY);
    uint8_t out[MK_MAX_SPKI];
    cr_assert_eq(mk_sig_pubkey(MK_KEY_RSA, seed, sl, out, sizeof out, &n), MK_E_BAD_KEY);
    cr_assert_eq(mk_sig_pubkey(MK_KEY_NONE, seed, sl, out, sizeof out, &n), MK_E_BAD_KEY);
    /* an Ed25519 SPKI does not belong to an RSA private key, nor the reverse */
    size_t epl, rpl;
    const uint8_t *eder = hexof(ed, "TEST 2", "spki", &epl);
    const uint8_t *rder = hexof(rsa, "rsa2048", "spki", &rpl);
    cr_assert_eq(mk_sig_check_pair(rpriv, kl, eder, epl), MK_E_BAD_KEY);
    cr_assert_eq(mk_sig_check_pair(seed, sl, rder, rpl), MK_E_BAD_KEY);
    /* buffer too small for the signature */
    cr_assert_eq(mk_sig_ed25519.sign(&env, seed, sl, msg, ml, sig, 63, &n), MK_E_BUF_TOO_SMALL);
}

/* ---- choice of class (RFC 7427 §4, RFC 8420 §2) --------------------------------------------- */

Test(sig, ed25519_needs_identity_announced)
{
    const mk_sig_class *c;
    uint8_t sha256 = 1u << MK_HASH_SHA2_256, ident = 1u << MK_HASH_IDENTITY;
    cr_assert_eq(mk_sig_choose(MK_KEY_ED25519, false, 0, &c), MK_E_SIG_HASH_UNSUPPORTED);
    cr_assert_null(c);
    cr_assert_eq(mk_sig_choose(MK_KEY_ED25519, true, sha256, &c), MK_E_SIG_HASH_UNSUPPORTED);
    cr_assert_eq(mk_sig_choose(MK_KEY_ED25519, true, 0, &c), MK_E_SIG_HASH_UNSUPPORTED);
    cr_assert_eq(mk_sig_choose(MK_KEY_ED25519, true, ident, &c), MK_E_OK);
    cr_assert_eq(c, &mk_sig_ed25519);
    cr_assert_eq(mk_sig_choose(MK_KEY_ED25519, true, (uint8_t)(sha256 | ident), &c), MK_E_OK);
    cr_assert_eq(c, &mk_sig_ed25519);
}

Test(sig, rsa_uses_sha256_if_announced_else_method_1)
{
    const mk_sig_class *c;
    uint8_t sha256 = 1u << MK_HASH_SHA2_256, ident = 1u << MK_HASH_IDENTITY;
    cr_assert_eq(mk_sig_choose(MK_KEY_RSA, true, (uint8_t)(sha256 | ident), &c), MK_E_OK);
    cr_assert_eq(c, &mk_sig_rsa_sha256);
    cr_assert_eq(c->method, MK_AUTH_DIGSIG);
    cr_assert_eq(mk_sig_choose(MK_KEY_RSA, false, 0, &c), MK_E_OK);
    cr_assert_eq(c, &mk_sig_rsa_sha1_m1);
    cr_assert_eq(c->method, MK_AUTH_RSA);
    /* announced, but only hashes we cannot use with RSA */
    cr_assert_eq(mk_sig_choose(MK_KEY_RSA, true, ident, &c), MK_E_SIG_HASH_UNSUPPORTED);
    cr_assert_eq(mk_sig_choose(MK_KEY_RSA, true, 1u << MK_HASH_SHA1, &c), MK_E_SIG_HASH_UNSUPPORTED,
                 "RFC 8247: no SHA-1 with method 14");
    cr_assert_eq(mk_sig_choose(MK_KEY_NONE, true, 0xff, &c), MK_E_SIG_HASH_UNSUPPORTED);
}

Test(sig, we_announce_sha256_and_identity)
{
    static const uint8_t want[] = {0x00, 0x02, 0x00, 0x05};
    cr_assert_arr_eq(mk_sig_our_hashes, want, 4);
}

/* ---- AUTH payload encodings (RFC 7427 §3) -------------------------------------------------- */

Test(sig, method14_ed25519_auth_data_layout)
{
    size_t sl, ml, gl, n = 0;
    const uint8_t *seed = hexof(ed, "TEST 3", "secret", &sl);
    const uint8_t *msg = hexof(ed, "TEST 3", "msg", &ml);
    const uint8_t *want = hexof(ed, "TEST 3", "sig", &gl);
    uint8_t out[1 + 15 + MK_MAX_SIG];
    cr_assert_eq(mk_sig_auth_build(&mk_sig_ed25519, &env, seed, sl, msg, ml, out, sizeof out, &n),
                 MK_E_OK);
    /* RFC 8420 App. A: 07 | 30 05 06 03 2b 65 70 | 64-octet signature */
    static const uint8_t pre[] = {0x07, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
    cr_assert_eq(n, sizeof pre + 64);
    cr_assert_arr_eq(out, pre, sizeof pre);
    cr_assert_arr_eq(out + sizeof pre, want, 64);
    mk_spki k = spki_of(ed, "TEST 3");
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, out, n, msg, ml), MK_E_OK);
    /* too small a buffer: the prefix alone, then the signature */
    cr_assert_eq(mk_sig_auth_build(&mk_sig_ed25519, &env, seed, sl, msg, ml, out, 4, &n),
                 MK_E_BUF_TOO_SMALL);
    cr_assert_eq(mk_sig_auth_build(&mk_sig_ed25519, &env, seed, sl, msg, ml, out, 40, &n),
                 MK_E_BUF_TOO_SMALL);
}

Test(sig, method14_rsa_auth_data_layout)
{
    size_t kl, ml, gl, n = 0;
    const uint8_t *priv = hexof(rsa, "rsa2048", "priv_pkcs1", &kl);
    const uint8_t *msg = hexof(rsa, "rsa2048", "msg", &ml);
    const uint8_t *want = hexof(rsa, "rsa2048", "sig_sha256", &gl);
    uint8_t out[1 + 15 + MK_MAX_SIG];
    cr_assert_eq(
        mk_sig_auth_build(&mk_sig_rsa_sha256, &env, priv, kl, msg, ml, out, sizeof out, &n),
        MK_E_OK);
    /* RFC 7427 App. A.1.2: sha256WithRSAEncryption with NULL parameters */
    static const uint8_t pre[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                  0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    cr_assert_eq(n, sizeof pre + gl);
    cr_assert_arr_eq(out, pre, sizeof pre);
    cr_assert_arr_eq(out + sizeof pre, want, gl);
    mk_spki k = spki_of(rsa, "rsa2048");
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, out, n, msg, ml), MK_E_OK);
}

Test(sig, malformed_method14_data_fails)
{
    size_t sl, ml, n = 0;
    const uint8_t *seed = hexof(ed, "TEST 2", "secret", &sl);
    const uint8_t *msg = hexof(ed, "TEST 2", "msg", &ml);
    uint8_t good[1 + 15 + MK_MAX_SIG], bad[sizeof good];
    cr_assert_eq(mk_sig_auth_build(&mk_sig_ed25519, &env, seed, sl, msg, ml, good, sizeof good, &n),
                 MK_E_OK);
    mk_spki k = spki_of(ed, "TEST 2"), rk = spki_of(rsa, "rsa2048");
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, good, n, msg, ml), MK_E_OK);
    /* every truncation */
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, good, i, msg, ml), MK_E_AUTH_FAILED,
                     "truncated to %zu", i);
    /* the length octet past the end, too short, too long */
    memcpy(bad, good, n);
    bad[0] = 0xff;
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, bad, n, msg, ml), MK_E_AUTH_FAILED);
    bad[0] = 6;
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, bad, n, msg, ml), MK_E_AUTH_FAILED);
    bad[0] = 8;
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, bad, n, msg, ml), MK_E_AUTH_FAILED);
    /* Ed448's OID (1.3.101.113) in the AlgorithmIdentifier */
    memcpy(bad, good, n);
    bad[7] = 0x71;
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_DIGSIG, bad, n, msg, ml), MK_E_AUTH_FAILED);
    /* the Ed25519 AlgorithmIdentifier with an RSA key */
    cr_assert_eq(mk_sig_auth_verify(&rk, MK_AUTH_DIGSIG, good, n, msg, ml), MK_E_AUTH_FAILED);
    /* other methods: PSK (2), ECDSA (9), method 1 with an Ed25519 key */
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_PSK, good, n, msg, ml), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_sig_auth_verify(&k, 9, good, n, msg, ml), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_sig_auth_verify(&k, MK_AUTH_RSA, good + 8, 64, msg, ml), MK_E_AUTH_FAILED);
    /* sha384WithRSAEncryption (hash 3, which we did not announce) under an RSA key */
    static const uint8_t sha384[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                     0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
    size_t gl;
    const uint8_t *rsig = hexof(rsa, "rsa2048", "sig_sha256", &gl);
    size_t rml;
    const uint8_t *rmsg = hexof(rsa, "rsa2048", "msg", &rml);
    memcpy(bad, sha384, sizeof sha384);
    memcpy(bad + sizeof sha384, rsig, gl);
    cr_assert_eq(mk_sig_auth_verify(&rk, MK_AUTH_DIGSIG, bad, sizeof sha384 + gl, rmsg, rml),
                 MK_E_AUTH_FAILED);
    bad[13] = 0x0b; /* back to sha256WithRSAEncryption: now it verifies */
    cr_assert_eq(mk_sig_auth_verify(&rk, MK_AUTH_DIGSIG, bad, sizeof sha384 + gl, rmsg, rml),
                 MK_E_OK);
}

#else

Test(sig, compiled_out)
{
    size_t sl, n = 1;
    const uint8_t *seed = hexof(ed, "TEST 1", "secret", &sl);
    uint8_t out[64];
    (void)env;
    cr_assert_eq(mk_sig_pubkey(MK_KEY_ED25519, seed, sl, out, sizeof out, &n), MK_E_BAD_CONFIG);
    cr_assert_eq(n, 0);
}

#endif
