/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the crypto classes (ref/src/suite*.c): every ENCR class round-trips and rejects
 * tampered ciphertext, tag and AAD with ICV_MISMATCH (plaintext never released); PRF/INTEG
 * classes agree with mbedTLS's independent HMAC for any key length; every DH class agrees with
 * itself, is reproducible under a seeded RNG and rejects bad public values; X25519 low-order
 * inputs give DH_ZERO; the registry finds what mk_suites_default() promises.
 */
#include <criterion/criterion.h>
#include <mbedtls/dhm.h>
#include <mbedtls/md.h>
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "suite_all.h"

/* Deterministic RNG: ChaCha20 keystream of a 32-octet seed, advanced by a counter. */
typedef struct trng {
    uint8_t seed[32];
    uint64_t ctr;
} trng;

static void trng_fill(void *ctx, uint8_t *out, size_t n)
{
    trng *t = ctx;
    uint8_t nonce[8];
    memcpy(nonce, &t->ctr, 8);
    crypto_stream_chacha20(out, n, nonce, t->seed);
    t->ctr++;
}

static mk_env env_seeded(trng *t, uint8_t seed)
{
    memset(t, 0, sizeof *t);
    memset(t->seed, seed, sizeof t->seed);
    return (mk_env){.ctx = t, .rng = trng_fill, .trace = NULL};
}

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}

TestSuite(suite, .init = init);

/* ---- ENCR ------------------------------------------------------------------------------ */

static const mk_encr_class *const all_encr[] = {
    &mk_encr_chacha20poly1305,     &mk_encr_aes_gcm16_128, &mk_encr_aes_gcm16_256,
    &mk_encr_aes_gcm12_128,        &mk_encr_aes_gcm12_256, &mk_encr_aes_gcm8_128,
    &mk_encr_aes_gcm8_256,         &mk_encr_aes_ccm8_128,  &mk_encr_aes_ccm12_128,
    &mk_encr_aes_ccm16_128,        &mk_encr_aes_ccm8_256,  &mk_encr_aes_ccm12_256,
    &mk_encr_aes_ccm16_256,        &mk_encr_aes_cbc_128,   &mk_encr_aes_cbc_256,
    &mk_encr_aes_gcm16_256_sodium, /* last: skipped without AES-NI */
};
enum { N_ENCR = sizeof all_encr / sizeof all_encr[0] };

static bool usable(const mk_encr_class *c)
{
    return c != &mk_encr_aes_gcm16_256_sodium || crypto_aead_aes256gcm_is_available();
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

Test(suite, encr_class_sizes_are_consistent)
{
    for (size_t i = 0; i < N_ENCR; i++) {
        const mk_encr_class *c = all_encr[i];
        cr_assert_eq(c->key_len, c->key_bits / 8 + c->salt_len, "%s key_len", c->name);
        cr_assert_leq(c->key_len, MK_MAX_ENCR_KEY, "%s", c->name);
        if (c->aead) {
            cr_assert_eq(c->iv_len, 8, "%s: RFC 5282 / RFC 7634 IV is 8 octets", c->name);
            cr_assert_eq(c->block, 1, "%s", c->name);
            cr_assert(c->icv_len == 8 || c->icv_len == 12 || c->icv_len == 16, "%s", c->name);
        } else {
            cr_assert_eq(c->iv_len, 16, "%s", c->name);
            cr_assert_eq(c->block, 16, "%s", c->name);
            cr_assert_eq(c->salt_len, 0, "%s", c->name);
        }
    }
    cr_assert_eq(mk_encr_aes_ccm12_128.salt_len, 3);
    cr_assert_eq(mk_encr_aes_gcm8_256.salt_len, 4);
    cr_assert_not(mk_encr_chacha20poly1305.needs_key_attr);
}

Test(suite, encr_round_trip_every_class_and_length)
{
    static const size_t lens[] = {16, 32, 48, 1, 15, 17, 100, 1503};
    uint8_t key[MK_MAX_ENCR_KEY], iv[16], aad[40], tag[16];
    uint8_t pt[1600], buf[1600];
    randombytes_buf(pt, sizeof pt);
    randombytes_buf(aad, sizeof aad);
    for (size_t i = 0; i < N_ENCR; i++) {
        const mk_encr_class *c = all_encr[i];
        if (!usable(c))
            continue;
        for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
            size_t len = lens[j];
            if (len % c->block != 0)
                continue;
            randombytes_buf(key, sizeof key);
            randombytes_buf(iv, sizeof iv);
            memcpy(buf, pt, len);
            cr_assert_eq(c->seal(key, iv, aad, sizeof aad, buf, len, tag), MK_E_OK, "%s", c->name);
            if (len >= 8)
                cr_assert(memcmp(buf, pt, len) != 0, "%s len %zu: not encrypted", c->name, len);
            cr_assert_eq(c->open(key, iv, aad, sizeof aad, buf, len, tag), MK_E_OK, "%s len %zu",
                         c->name, len);
            cr_assert_arr_eq(buf, pt, len, "%s len %zu", c->name, len);
        }
    }
}

Test(suite, aead_tamper_gives_icv_mismatch_and_wipes)
{
    uint8_t key[MK_MAX_ENCR_KEY], iv[8], aad[32], tag[16], pt[64], buf[64];
    randombytes_buf(key, sizeof key);
    randombytes_buf(iv, sizeof iv);
    randombytes_buf(aad, sizeof aad);
    randombytes_buf(pt, sizeof pt);
    for (size_t i = 0; i < N_ENCR; i++) {
        const mk_encr_class *c = all_encr[i];
        if (!c->aead || !usable(c))
            continue;
        for (int what = 0; what < 5; what++) {
            uint8_t k2[MK_MAX_ENCR_KEY], iv2[8], aad2[32];
            memcpy(buf, pt, sizeof buf);
            cr_assert_eq(c->seal(key, iv, aad, sizeof aad, buf, sizeof buf, tag), MK_E_OK);
            memcpy(k2, key, sizeof k2);
            memcpy(iv2, iv, sizeof iv2);
            memcpy(aad2, aad, sizeof aad2);
            switch (what) {
            case 0:
                buf[13] ^= 0x01;
                break; /* ciphertext */
            case 1:
                tag[c->icv_len - 1] ^= 0x80;
                break; /* tag */
            case 2:
                aad2[3] ^= 0x04;
                break; /* AAD (IKE header) */
            case 3:
                iv2[7] ^= 0x01;
                break; /* IV */
            case 4:
                k2[c->key_len - 1] ^= 0x01;
                break; /* salt */
            }
            mk_err e = c->open(k2, iv2, aad2, sizeof aad2, buf, sizeof buf, tag);
            cr_assert_eq(e, MK_E_ICV_MISMATCH, "%s tamper %d: %s", c->name, what, mk_err_name(e));
            cr_assert(all_zero(buf, sizeof buf), "%s tamper %d: buffer not wiped", c->name, what);
        }
    }
}

Test(suite, cbc_rejects_partial_blocks)
{
    uint8_t key[32] = {0}, iv[16] = {0}, buf[33] = {0};
    cr_assert_eq(mk_encr_aes_cbc_256.seal(key, iv, NULL, 0, buf, 33, NULL), MK_E_BAD_LENGTH);
    cr_assert_eq(mk_encr_aes_cbc_128.open(key, iv, NULL, 0, buf, 17, NULL), MK_E_BAD_LENGTH);
}

Test(suite, sodium_and_mbedtls_gcm_agree)
{
    if (!crypto_aead_aes256gcm_is_available())
        cr_skip_test("no AES-NI: libsodium AES-GCM unavailable");
    uint8_t key[36], iv[8], aad[28], a[300], b[300], ta[16], tb[16];
    randombytes_buf(key, sizeof key);
    randombytes_buf(iv, sizeof iv);
    randombytes_buf(aad, sizeof aad);
    randombytes_buf(a, sizeof a);
    memcpy(b, a, sizeof b);
    cr_assert_eq(mk_encr_aes_gcm16_256_sodium.seal(key, iv, aad, sizeof aad, a, sizeof a, ta), 0);
    cr_assert_eq(mk_encr_aes_gcm16_256.seal(key, iv, aad, sizeof aad, b, sizeof b, tb), 0);
    cr_assert_arr_eq(a, b, sizeof a);
    cr_assert_arr_eq(ta, tb, sizeof ta);
}

/* ---- PRF / INTEG, against mbedTLS's HMAC (an independent implementation) --------------- */

static void ref_hmac(mbedtls_md_type_t t, const uint8_t *k, size_t kl, const uint8_t *d, size_t dl,
                     uint8_t *out)
{
    cr_assert_eq(mbedtls_md_hmac(mbedtls_md_info_from_type(t), k, kl, d, dl, out), 0);
}

Test(suite, prf_any_key_length_matches_reference_hmac)
{
    static const size_t klens[] = {0, 1, 16, 32, 63, 64, 65, 127, 128, 129, 200, 512};
    uint8_t key[512], data[300], out[64], ref[64];
    randombytes_buf(key, sizeof key);
    randombytes_buf(data, sizeof data);
    for (size_t i = 0; i < sizeof klens / sizeof klens[0]; i++) {
        /* split the input in three segments to exercise the iov path */
        mk_iov in[3] = {{data, 7}, {data + 7, 0}, {data + 7, sizeof data - 7}};
        mk_prf_hmac_sha2_256.prf(key, klens[i], in, 3, out);
        ref_hmac(MBEDTLS_MD_SHA256, key, klens[i], data, sizeof data, ref);
        cr_assert_arr_eq(out, ref, 32, "sha256 key len %zu", klens[i]);
        mk_prf_hmac_sha2_512.prf(key, klens[i], in, 3, out);
        ref_hmac(MBEDTLS_MD_SHA512, key, klens[i], data, sizeof data, ref);
        cr_assert_arr_eq(out, ref, 64, "sha512 key len %zu", klens[i]);
    }
    cr_assert_eq(mk_prf_hmac_sha2_256.out_len, 32);
    cr_assert_eq(mk_prf_hmac_sha2_512.out_len, 64);
}

Test(suite, integ_is_truncated_hmac)
{
    uint8_t key[64], data[100], icv[32], ref[64];
    randombytes_buf(key, sizeof key);
    randombytes_buf(data, sizeof data);
    mk_iov in = {data, sizeof data};
    mk_integ_hmac_sha2_256_128.mac(key, &in, 1, icv);
    ref_hmac(MBEDTLS_MD_SHA256, key, 32, data, sizeof data, ref);
    cr_assert_arr_eq(icv, ref, 16);
    mk_integ_hmac_sha2_512_256.mac(key, &in, 1, icv);
    ref_hmac(MBEDTLS_MD_SHA512, key, 64, data, sizeof data, ref);
    cr_assert_arr_eq(icv, ref, 32);
    cr_assert_eq(mk_integ_hmac_sha2_256_128.key_len, 32);
    cr_assert_eq(mk_integ_hmac_sha2_256_128.icv_len, 16);
    cr_assert_eq(mk_integ_hmac_sha2_512_256.key_len, 64);
    cr_assert_eq(mk_integ_hmac_sha2_512_256.icv_len, 32);
}

Test(suite, sha1_sha256_known_answers)
{
    /* FIPS 180-2 appendix examples, message "abc" */
    static const uint8_t sha1_abc[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81,
                                         0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
                                         0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
    static const uint8_t sha256_abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                           0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                           0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                           0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t out[32];
    mk_iov in[2] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"bc", 2}};
    mk_sha1(in, 2, out);
    cr_assert_arr_eq(out, sha1_abc, 20);
    mk_sha256(in, 2, out);
    cr_assert_arr_eq(out, sha256_abc, 32);
}

/* ---- DH -------------------------------------------------------------------------------- */

static const mk_dh_class *const all_dh[] = {&mk_dh_x25519, &mk_dh_ecp256, &mk_dh_modp2048};

Test(suite, dh_agree_and_reproducible)
{
    for (size_t i = 0; i < 3; i++) {
        const mk_dh_class *d = all_dh[i];
        trng t1, t2, t3;
        mk_env e1 = env_seeded(&t1, 1), e2 = env_seeded(&t2, 2), e3 = env_seeded(&t3, 1);
        uint8_t a[MK_MAX_DH_PRIV], ap[MK_MAX_DH_PUB], b[MK_MAX_DH_PRIV], bp[MK_MAX_DH_PUB];
        uint8_t c[MK_MAX_DH_PRIV], cp[MK_MAX_DH_PUB], s1[256], s2[256];
        cr_assert_leq(d->pub_len, MK_MAX_DH_PUB);
        cr_assert_leq(d->priv_len, MK_MAX_DH_PRIV);
        cr_assert_eq(d->keypair(&e1, a, ap), MK_E_OK, "%s", d->name);
        cr_assert_eq(d->keypair(&e2, b, bp), MK_E_OK, "%s", d->name);
        cr_assert_eq(d->keypair(&e3, c, cp), MK_E_OK, "%s", d->name);
        cr_assert_arr_eq(a, c, d->priv_len, "%s: seeded RNG must reproduce the key", d->name);
        cr_assert_arr_eq(ap, cp, d->pub_len, "%s", d->name);
        cr_assert(memcmp(ap, bp, d->pub_len) != 0, "%s", d->name);
        cr_assert_eq(d->shared(a, bp, d->pub_len, s1), MK_E_OK, "%s", d->name);
        cr_assert_eq(d->shared(b, ap, d->pub_len, s2), MK_E_OK, "%s", d->name);
        cr_assert_arr_eq(s1, s2, d->secret_len, "%s", d->name);
        /* wrong lengths */
        cr_assert_eq(d->shared(a, bp, d->pub_len - 1, s1), MK_E_BAD_DH_PUBLIC, "%s", d->name);
        cr_assert_eq(d->shared(a, bp, d->pub_len + 1, s1), MK_E_BAD_DH_PUBLIC, "%s", d->name);
        cr_assert_eq(d->shared(a, bp, 0, s1), MK_E_BAD_DH_PUBLIC, "%s", d->name);
    }
}

Test(suite, x25519_low_order_points_give_dh_zero)
{
    /* u = 0 and u = 1 are of small order: X25519 yields the all-zero value (RFC 8031 §3.2).
     * The others are the remaining small-order u-coordinates listed by libsodium/curve25519
     * literature (order 8 points, and p, p+1 non-canonical forms of 0 and 1). */
    static const uint8_t bad[][32] = {
        {0},
        {1},
        {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
         0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
         0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
        {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
         0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
         0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
        {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
        {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    };
    trng t;
    mk_env e = env_seeded(&t, 7);
    uint8_t priv[32], pub[32], s[32];
    cr_assert_eq(mk_dh_x25519.keypair(&e, priv, pub), MK_E_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(s, 0xaa, sizeof s);
        cr_assert_eq(mk_dh_x25519.shared(priv, bad[i], 32, s), MK_E_DH_ZERO, "point %zu", i);
        cr_assert(all_zero(s, 32), "point %zu: secret not wiped", i);
    }
}

Test(suite, ecp256_rejects_bad_points)
{
    trng t;
    mk_env e = env_seeded(&t, 3);
    uint8_t priv[32], pub[64], bad[64], s[32];
    cr_assert_eq(mk_dh_ecp256.keypair(&e, priv, pub), MK_E_OK);
    memcpy(bad, pub, 64);
    bad[63] ^= 1; /* y off the curve */
    cr_assert_eq(mk_dh_ecp256.shared(priv, bad, 64, s), MK_E_BAD_DH_PUBLIC);
    memset(bad, 0, 64); /* (0,0): not on the curve (encodes infinity nowhere) */
    cr_assert_eq(mk_dh_ecp256.shared(priv, bad, 64, s), MK_E_BAD_DH_PUBLIC);
    memset(bad, 0xff, 64); /* coordinates >= p */
    cr_assert_eq(mk_dh_ecp256.shared(priv, bad, 64, s), MK_E_BAD_DH_PUBLIC);
    cr_assert_eq(mk_dh_ecp256.shared(priv, pub, 64, s), MK_E_OK); /* own public is fine */
}

Test(suite, modp2048_rejects_out_of_range)
{
    static const uint8_t p[256] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;
    trng t;
    mk_env e = env_seeded(&t, 4);
    uint8_t priv[32], pub[256], y[256], s[256];
    cr_assert_eq(mk_dh_modp2048.keypair(&e, priv, pub), MK_E_OK);
    memset(y, 0, sizeof y);
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_BAD_DH_PUBLIC, "y = 0");
    y[255] = 1;
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_BAD_DH_PUBLIC, "y = 1");
    y[255] = 2;
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_OK, "y = 2 is valid");
    memcpy(y, p, 256);
    y[255] -= 1;
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_BAD_DH_PUBLIC, "y = p-1");
    y[255] -= 1;
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_OK, "y = p-2 is valid");
    memcpy(y, p, 256);
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_BAD_DH_PUBLIC, "y = p");
    memset(y, 0xff, sizeof y);
    cr_assert_eq(mk_dh_modp2048.shared(priv, y, 256, s), MK_E_BAD_DH_PUBLIC, "y > p");
}

/* ---- registry ---------------------------------------------------------------------------- */

Test(suite, default_registry_lists_everything)
{
    const mk_suites *s = mk_suites_default();
    cr_assert_not_null(s);
    cr_assert_eq(mk_suite_prf(s, MK_PRF_HMAC_SHA2_256), &mk_prf_hmac_sha2_256);
    cr_assert_eq(mk_suite_prf(s, MK_PRF_HMAC_SHA2_512), &mk_prf_hmac_sha2_512);
    cr_assert_null(mk_suite_prf(s, MK_PRF_HMAC_SHA2_384));
    cr_assert_eq(mk_suite_integ(s, MK_INTEG_HMAC_SHA2_256_128), &mk_integ_hmac_sha2_256_128);
    cr_assert_eq(mk_suite_integ(s, MK_INTEG_HMAC_SHA2_512_256), &mk_integ_hmac_sha2_512_256);
    cr_assert_null(mk_suite_integ(s, 2));
    cr_assert_eq(mk_suite_dh(s, MK_DH_X25519), &mk_dh_x25519);
    cr_assert_eq(mk_suite_dh(s, MK_DH_ECP256), &mk_dh_ecp256);
    cr_assert_eq(mk_suite_dh(s, MK_DH_MODP2048), &mk_dh_modp2048);
    cr_assert_null(mk_suite_dh(s, 20));
    for (size_t i = 0; i + 1 < N_ENCR; i++) {
        const mk_encr_class *c = all_encr[i];
        const mk_encr_class *got = mk_suite_encr(s, c->id, c->key_bits);
        cr_assert_not_null(got, "%s", c->name);
        if (c == &mk_encr_aes_gcm16_256 && crypto_aead_aes256gcm_is_available())
            cr_assert_eq(got, &mk_encr_aes_gcm16_256_sodium, "libsodium GCM first with AES-NI");
        else
            cr_assert_eq(got, c, "%s", c->name);
    }
    cr_assert_eq(mk_suite_encr(s, MK_ENCR_CHACHA20_POLY1305, 0), &mk_encr_chacha20poly1305);
    cr_assert_null(mk_suite_encr(s, MK_ENCR_AES_CBC, 0), "AES-CBC needs a key length");
    cr_assert_null(mk_suite_encr(s, MK_ENCR_AES_CBC, 192));
    cr_assert_null(mk_suite_encr(s, 3, 0), "3DES is not offered");
    cr_assert_null(mk_suite_encr(NULL, MK_ENCR_AES_CBC, 128));
}

Test(suite, custom_registry_only_offers_its_classes)
{
    static const mk_prf_class *const prf[] = {&mk_prf_hmac_sha2_256, NULL};
    static const mk_integ_class *const integ[] = {NULL};
    static const mk_encr_class *const encr[] = {&mk_encr_chacha20poly1305, NULL};
    static const mk_dh_class *const dh[] = {&mk_dh_x25519, NULL};
    const mk_suites s = {prf, integ, encr, dh};
    cr_assert_null(mk_suite_prf(&s, MK_PRF_HMAC_SHA2_512));
    cr_assert_null(mk_suite_encr(&s, MK_ENCR_AES_GCM_16, 256));
    cr_assert_null(mk_suite_dh(&s, MK_DH_ECP256));
    cr_assert_null(mk_suite_integ(&s, MK_INTEG_HMAC_SHA2_256_128));
    cr_assert_eq(mk_suite_dh(&s, MK_DH_X25519), &mk_dh_x25519);
}
