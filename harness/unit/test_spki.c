/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ref/src/spki.c: DER SubjectPublicKeyInfo of raw public keys (RFC 7670). Expected
 * bytes come from RFC 8032 §7.1 / RFC 8410 (vectors/prim/rfc8032.txt) and from python3
 * `cryptography` 38 (vectors/prim/rsa-pkcs1.txt). Covers parse and encode round trips, the
 * SHA-256 fingerprint (checked against libsodium's SHA-256, not the mbedTLS one the core uses),
 * every truncation of a valid SPKI (in sodium_malloc buffers that end on a guard page), trailing
 * octets, non-minimal DER lengths, foreign algorithms, Ed25519 with parameters, RSA under 2048
 * bits, and that any single-octet change in the DER structure is refused or still parses sanely.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "sig.h"
#include "spki.h"
#include "vec.h"

static mk_vec_file *ed, *rsa;

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

TestSuite(spki, .init = setup, .fini = teardown);

#if MK_RPK

static const uint8_t *hexof(const mk_vec_file *f, const char *name, const char *key, size_t *len)
{
    const mk_vec_block *b = mk_vec_find(f, "name", name);
    cr_assert_not_null(b, "no block %s", name);
    const uint8_t *p = mk_vec_hex(b, key, len);
    cr_assert_not_null(p, "%s: no %s", name, key);
    return p;
}

/* A copy at the very end of a guarded allocation: one octet too far faults. */
static uint8_t *guarded(const uint8_t *p, size_t n)
{
    uint8_t *g = sodium_malloc(n == 0 ? 1 : n);
    cr_assert_not_null(g);
    if (n != 0)
        memcpy(g, p, n);
    return g;
}

Test(spki, ed25519_rfc8032_parse_and_encode)
{
    static const char *const names[] = {"TEST 1", "TEST 2", "TEST 3"};
    for (size_t i = 0; i < 3; i++) {
        size_t sl, pl;
        const uint8_t *der = hexof(ed, names[i], "spki", &sl);
        const uint8_t *pub = hexof(ed, names[i], "public", &pl);
        cr_assert_eq(sl, MK_SPKI_ED25519_LEN);
        mk_spki k;
        cr_assert_eq(mk_spki_parse(&k, der, sl), MK_E_OK, "%s", names[i]);
        cr_assert_eq(k.type, MK_KEY_ED25519);
        cr_assert_eq(k.bits, 256);
        cr_assert_arr_eq(k.pk, pub, 32);
        uint8_t out[64];
        cr_assert_eq(mk_spki_encode_ed25519(out, sizeof out, pub), sl);
        cr_assert_arr_eq(out, der, sl);
        cr_assert_eq(mk_spki_encode_ed25519(out, sl - 1, pub), 0, "cap too small: 0");
        uint8_t t = 0;
        cr_assert_eq(mk_spki_check(der, sl, &t), MK_E_OK);
        cr_assert_eq(t, MK_KEY_ED25519);
    }
}

Test(spki, rsa_cryptography_parse_and_reencode)
{
    static const char *const names[] = {"rsa2048", "rsa3072", "rsa2048-other"};
    static const size_t bits[] = {2048, 3072, 2048};
    for (size_t i = 0; i < 3; i++) {
        size_t sl;
        const uint8_t *der = hexof(rsa, names[i], "spki", &sl);
        mk_spki k;
        cr_assert_eq(mk_spki_parse(&k, der, sl), MK_E_OK, "%s", names[i]);
        cr_assert_eq(k.type, MK_KEY_RSA);
        cr_assert_eq(k.bits, bits[i]);
        cr_assert_eq(k.n_len, bits[i] / 8);
        cr_assert_eq(k.e_len, 3);
        cr_assert_eq(k.e[0], 0x01);
        cr_assert_eq(k.e[2], 0x01, "e = 65537");
        uint8_t out[MK_MAX_SPKI];
        size_t n = mk_spki_encode_rsa(out, sizeof out, k.n, k.n_len, k.e, k.e_len);
        cr_assert_eq(n, sl, "%s: same length as cryptography's DER", names[i]);
        cr_assert_arr_eq(out, der, sl);
        /* leading zero octets in the inputs do not change the encoding */
        uint8_t n0[MK_MAX_RSA_BITS / 8 + 1] = {0}, e0[4] = {0};
        memcpy(n0 + 1, k.n, k.n_len);
        memcpy(e0 + 1, k.e, k.e_len);
        cr_assert_eq(mk_spki_encode_rsa(out, sizeof out, n0, k.n_len + 1, e0, 4), sl);
        cr_assert_arr_eq(out, der, sl);
        cr_assert_eq(mk_spki_encode_rsa(out, sl - 1, k.n, k.n_len, k.e, k.e_len), 0);
    }
}

Test(spki, rsa_under_2048_bits_is_weak)
{
    size_t sl;
    const uint8_t *der = hexof(rsa, "rsa1024-weak", "spki", &sl);
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, der, sl), MK_E_WEAK_KEY);
    cr_assert_eq(k.type, MK_KEY_NONE, "nothing usable is left in out");
    uint8_t t = 9;
    cr_assert_eq(mk_spki_check(der, sl, &t), MK_E_WEAK_KEY);
    cr_assert_eq(t, MK_KEY_NONE);
}

Test(spki, fingerprint_is_sha256_of_the_der)
{
    size_t sl;
    const uint8_t *der = hexof(ed, "TEST 1", "spki", &sl);
    uint8_t fp[MK_FP_LEN], want[crypto_hash_sha256_BYTES];
    mk_spki_fingerprint(der, sl, fp);
    crypto_hash_sha256(want, der, sl);
    cr_assert_arr_eq(fp, want, 32);
    der = hexof(rsa, "rsa2048", "spki", &sl);
    mk_spki_fingerprint(der, sl, fp);
    crypto_hash_sha256(want, der, sl);
    cr_assert_arr_eq(fp, want, 32);
}

Test(spki, every_truncation_is_refused)
{
    static const struct {
        const char *file, *name;
    } keys[] = {{"ed", "TEST 2"}, {"rsa", "rsa2048"}};
    for (size_t k = 0; k < 2; k++) {
        size_t sl;
        const uint8_t *der = hexof(keys[k].file[0] == 'e' ? ed : rsa, keys[k].name, "spki", &sl);
        for (size_t n = 0; n < sl; n++) {
            uint8_t *g = guarded(der, n);
            mk_spki s;
            mk_err e = mk_spki_parse(&s, g, n);
            cr_assert_eq(e, MK_E_BAD_KEY, "%s truncated to %zu: %s", keys[k].name, n,
                         mk_err_name(e));
            sodium_free(g);
        }
    }
}

Test(spki, trailing_octets_are_refused)
{
    size_t sl;
    const uint8_t *der = hexof(ed, "TEST 1", "spki", &sl);
    uint8_t buf[64];
    memcpy(buf, der, sl);
    buf[sl] = 0;
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, buf, sl + 1), MK_E_BAD_KEY);
    /* the outer SEQUENCE length grown by one to swallow the octet: the BIT STRING no longer
     * fills it exactly */
    buf[1]++;
    cr_assert_eq(mk_spki_parse(&k, buf, sl + 1), MK_E_BAD_KEY);
}

Test(spki, non_minimal_length_is_refused)
{
    /* the same Ed25519 key with the outer length written 81 2a (BER, not DER) */
    size_t sl;
    const uint8_t *der = hexof(ed, "TEST 1", "spki", &sl);
    uint8_t buf[64];
    buf[0] = 0x30;
    buf[1] = 0x81;
    memcpy(buf + 2, der + 1, sl - 1);
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, buf, sl + 1), MK_E_BAD_KEY);
}

Test(spki, foreign_algorithms_are_refused)
{
    /* Ed448 (1.3.101.113, 57-octet key), id-ecPublicKey P-256, and Ed25519 with a NULL
     * parameter (RFC 8410 §3: parameters MUST be absent) */
    uint8_t ed448[12 + 57] = {0x30, 0x43, 0x30, 0x05, 0x06, 0x03,
                              0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00};
    static const uint8_t p256_hdr[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
    uint8_t p256[sizeof p256_hdr + 64];
    memcpy(p256, p256_hdr, sizeof p256_hdr);
    memset(p256 + sizeof p256_hdr, 0x5a, 64);
    static const uint8_t ed_null_hdr[] = {0x30, 0x2c, 0x30, 0x07, 0x06, 0x03, 0x2b,
                                          0x65, 0x70, 0x05, 0x00, 0x03, 0x21, 0x00};
    uint8_t ed_null[sizeof ed_null_hdr + 32];
    memcpy(ed_null, ed_null_hdr, sizeof ed_null_hdr);
    memset(ed_null + sizeof ed_null_hdr, 0x11, 32);
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, ed448, sizeof ed448), MK_E_BAD_KEY);
    cr_assert_eq(mk_spki_parse(&k, p256, sizeof p256), MK_E_BAD_KEY);
    cr_assert_eq(mk_spki_parse(&k, ed_null, sizeof ed_null), MK_E_BAD_KEY);
}

Test(spki, ed25519_bit_string_with_unused_bits_is_refused)
{
    size_t sl;
    const uint8_t *der = hexof(ed, "TEST 1", "spki", &sl);
    uint8_t buf[64];
    memcpy(buf, der, sl);
    buf[11] = 0x01; /* unused-bits octet of the BIT STRING */
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, buf, sl), MK_E_BAD_KEY);
}

Test(spki, rsa_negative_or_padded_integers_are_refused)
{
    size_t sl;
    const uint8_t *der = hexof(rsa, "rsa2048", "spki", &sl);
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, der, sl), MK_E_OK);
    /* the modulus INTEGER is 02 82 01 01 00 <256 octets>: drop the sign octet (making it
     * negative) by re-encoding by hand */
    size_t off = (size_t)(k.n - der); /* first modulus octet; der[off-1] is the 00 sign octet */
    cr_assert_eq(der[off - 1], 0x00);
    cr_assert_eq(der[off - 5], 0x02);
    uint8_t buf[MK_MAX_SPKI];
    memcpy(buf, der, sl);
    buf[off - 1] = 0xff; /* 02 82 01 01 ff ...: a negative number */
    cr_assert_eq(mk_spki_parse(&k, buf, sl), MK_E_BAD_KEY);
    memcpy(buf, der, sl);
    buf[off] &= 0x7f; /* 00 followed by an octet without its top bit: not minimal */
    cr_assert_eq(mk_spki_parse(&k, buf, sl), MK_E_BAD_KEY);
}

Test(spki, single_octet_changes_never_crash_and_stay_consistent)
{
    size_t sl;
    const uint8_t *der = hexof(rsa, "rsa2048", "spki", &sl);
    uint8_t *g = guarded(der, sl);
    for (size_t i = 0; i < sl; i++) {
        uint8_t save = g[i];
        for (unsigned x = 1; x < 256; x <<= 1) {
            g[i] = (uint8_t)(save ^ x);
            mk_spki k;
            mk_err e = mk_spki_parse(&k, g, sl);
            cr_assert(e == MK_E_OK || e == MK_E_BAD_KEY || e == MK_E_WEAK_KEY, "%s",
                      mk_err_name(e));
            if (e == MK_E_OK) {
                /* then it must re-encode to exactly the bytes given (DER is unique) */
                uint8_t out[MK_MAX_SPKI];
                size_t n = mk_spki_encode_rsa(out, sizeof out, k.n, k.n_len, k.e, k.e_len);
                cr_assert_eq(n, sl, "octet %zu ^ %x", i, x);
                cr_assert_arr_eq(out, g, sl);
            }
        }
        g[i] = save;
    }
    sodium_free(g);
}

#else

Test(spki, compiled_out)
{
    uint8_t t;
    cr_assert_eq(mk_spki_check((const uint8_t *)"x", 1, &t), MK_E_BAD_CONFIG);
}

#endif
