/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ref/src/keysched.c: every formula of RFC 7296 §2.13-2.17/§2.23 recomputed with
 * mbedTLS's HMAC and SHA-1 (independent of the libsodium classes under test), plus the prf+
 * length limit and the key split order. Known-answer vectors live in harness/vectors/.
 */
#include <criterion/criterion.h>
#include <mbedtls/md.h>
#include <mbedtls/sha1.h>
#include <sodium.h>
#include <string.h>

#include "keysched_tools.h"
#include "suite_all.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(keysched, .init = init);

static void ref_hmac256(const uint8_t *k, size_t kl, const uint8_t *d, size_t dl, uint8_t *out)
{
    cr_assert_eq(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), k, kl, d, dl, out),
                 0);
}

/* prf+ by the book, with the reference HMAC, into out (n octets). */
static void ref_prfplus(const uint8_t *k, size_t kl, const uint8_t *s, size_t sl, uint8_t *out,
                        size_t n)
{
    uint8_t t[32], in[32 + 600];
    size_t done = 0, tl = 0;
    for (unsigned ctr = 1; done < n; ctr++) {
        memcpy(in, t, tl);
        memcpy(in + tl, s, sl);
        in[tl + sl] = (uint8_t)ctr;
        ref_hmac256(k, kl, in, tl + sl + 1, t);
        tl = 32;
        size_t take = n - done < 32 ? n - done : 32;
        memcpy(out + done, t, take);
        done += take;
    }
}

Test(keysched, prfplus_matches_definition)
{
    uint8_t key[40], s[100], out[8160], ref[8160];
    randombytes_buf(key, sizeof key);
    randombytes_buf(s, sizeof s);
    static const size_t lens[] = {1, 31, 32, 33, 64, 168, 392, 8160};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        mk_iov iov[3] = {{s, 10}, {s + 10, 0}, {s + 10, 90}};
        cr_assert_eq(mk_ks_prfplus(&mk_prf_hmac_sha2_256, key, sizeof key, iov, 3, out, lens[i]),
                     MK_E_OK);
        ref_prfplus(key, sizeof key, s, sizeof s, ref, lens[i]);
        cr_assert_arr_eq(out, ref, lens[i], "len %zu", lens[i]);
    }
}

Test(keysched, prfplus_stops_at_255_blocks)
{
    static uint8_t out[255 * 64 + 1];
    uint8_t key[32] = {1};
    mk_iov s = {key, 4};
    cr_assert_eq(mk_ks_prfplus(&mk_prf_hmac_sha2_256, key, 32, &s, 1, out, 255 * 32), MK_E_OK);
    cr_assert_eq(mk_ks_prfplus(&mk_prf_hmac_sha2_256, key, 32, &s, 1, out, 255 * 32 + 1),
                 MK_E_BAD_CONFIG);
    cr_assert_eq(mk_ks_prfplus(&mk_prf_hmac_sha2_512, key, 32, &s, 1, out, 255 * 64), MK_E_OK);
    cr_assert_eq(mk_ks_prfplus(&mk_prf_hmac_sha2_512, key, 32, &s, 1, out, 255 * 64 + 1),
                 MK_E_BAD_CONFIG);
}

Test(keysched, skeyseed_is_prf_of_nonces_over_gir)
{
    uint8_t ni[32], nr[48], gir[256], out[32], k[80], ref[32];
    randombytes_buf(ni, sizeof ni);
    randombytes_buf(nr, sizeof nr);
    randombytes_buf(gir, sizeof gir);
    mk_ks_skeyseed(&mk_prf_hmac_sha2_256, ni, sizeof ni, nr, sizeof nr, gir, sizeof gir, out);
    memcpy(k, ni, 32);
    memcpy(k + 32, nr, 48);
    ref_hmac256(k, sizeof k, gir, sizeof gir, ref);
    cr_assert_arr_eq(out, ref, 32);
}

/* Random SKEYSEED, nonces and SPIs for mk_ks_ike_keys, and s = Ni | Nr | SPIi | SPIr, the
 * prf+ seed of RFC 7296 §2.14 the reference computation takes. */
typedef struct ike_keys_in {
    uint8_t seed[32], ni[32], nr[32], spi_i[8], spi_r[8], s[80];
} ike_keys_in;

static void ike_keys_in_random(ike_keys_in *in)
{
    randombytes_buf(in, sizeof *in);
    memcpy(in->s, in->ni, 32);
    memcpy(in->s + 32, in->nr, 32);
    memcpy(in->s + 64, in->spi_i, 8);
    memcpy(in->s + 72, in->spi_r, 8);
}

Test(keysched, ike_keys_split_in_rfc_order)
{
    ike_keys_in in;
    uint8_t stream[400];
    mk_ike_sa_keys k;
    ike_keys_in_random(&in);

    /* CBC-256 + HMAC-SHA2-256-128: d 32 | ai 32 | ar 32 | ei 32 | er 32 | pi 32 | pr 32 */
    cr_assert_eq(mk_ks_ike_keys(&mk_prf_hmac_sha2_256, &mk_integ_hmac_sha2_256_128,
                                &mk_encr_aes_cbc_256, in.seed, in.ni, 32, in.nr, 32, in.spi_i,
                                in.spi_r, &k),
                 MK_E_OK);
    ref_prfplus(in.seed, 32, in.s, sizeof in.s, stream, 224);
    cr_assert_eq(k.prf_len, 32);
    cr_assert_eq(k.integ_len, 32);
    cr_assert_eq(k.encr_len, 32);
    cr_assert_arr_eq(k.d, stream, 32);
    cr_assert_arr_eq(k.ai, stream + 32, 32);
    cr_assert_arr_eq(k.ar, stream + 64, 32);
    cr_assert_arr_eq(k.ei, stream + 96, 32);
    cr_assert_arr_eq(k.er, stream + 128, 32);
    cr_assert_arr_eq(k.pi, stream + 160, 32);
    cr_assert_arr_eq(k.pr, stream + 192, 32);
}

/* The minimal profile's case (its only one: MK_MAX_INTEG_KEY leaves no room for SK_a there). */
Test(keysched, ike_keys_aead_has_no_integ_keys)
{
    ike_keys_in in;
    uint8_t stream[400];
    mk_ike_sa_keys k;
    ike_keys_in_random(&in);

    /* ChaCha20-Poly1305 (AEAD, no INTEG): d 32 | ei 36 | er 36 | pi 32 | pr 32 = 168 octets,
     * the size ikev2-notes.md §2 computes for the suggested profile. */
    cr_assert_eq(mk_ks_ike_keys(&mk_prf_hmac_sha2_256, NULL, &mk_encr_chacha20poly1305, in.seed,
                                in.ni, 32, in.nr, 32, in.spi_i, in.spi_r, &k),
                 MK_E_OK);
    ref_prfplus(in.seed, 32, in.s, sizeof in.s, stream, 168);
    cr_assert_eq(k.integ_len, 0);
    cr_assert_eq(k.encr_len, 36);
    cr_assert_arr_eq(k.d, stream, 32);
    cr_assert_arr_eq(k.ei, stream + 32, 36);
    cr_assert_arr_eq(k.er, stream + 68, 36);
    cr_assert_arr_eq(k.pi, stream + 104, 32);
    cr_assert_arr_eq(k.pr, stream + 136, 32);
}

Test(keysched, child_keys_initiator_first_encr_then_integ)
{
    uint8_t skd[32], ni[32], nr[32], s[64], stream[200];
    mk_child_keys k;
    randombytes_buf(skd, 32);
    randombytes_buf(ni, 32);
    randombytes_buf(nr, 32);
    memcpy(s, ni, 32), memcpy(s + 32, nr, 32);
    cr_assert_eq(mk_ks_child_keys(&mk_prf_hmac_sha2_256, &mk_integ_hmac_sha2_256_128,
                                  &mk_encr_aes_cbc_128, skd, ni, 32, nr, 32, &k),
                 MK_E_OK);
    ref_prfplus(skd, 32, s, 64, stream, 2 * (16 + 32));
    cr_assert_arr_eq(k.ei, stream, 16);
    cr_assert_arr_eq(k.ai, stream + 16, 32);
    cr_assert_arr_eq(k.er, stream + 48, 16);
    cr_assert_arr_eq(k.ar, stream + 64, 32);
}

Test(keysched, child_keys_aead_have_no_integ_keys)
{
    uint8_t skd[32], ni[32], nr[32], s[64], stream[200];
    mk_child_keys k;
    randombytes_buf(skd, 32);
    randombytes_buf(ni, 32);
    randombytes_buf(nr, 32);
    memcpy(s, ni, 32), memcpy(s + 32, nr, 32);
    cr_assert_eq(mk_ks_child_keys(&mk_prf_hmac_sha2_256, NULL, &mk_encr_aes_gcm16_256, skd, ni, 32,
                                  nr, 32, &k),
                 MK_E_OK);
    ref_prfplus(skd, 32, s, 64, stream, 72);
    cr_assert_eq(k.encr_len, 36);
    cr_assert_eq(k.integ_len, 0);
    cr_assert_arr_eq(k.ei, stream, 36);
    cr_assert_arr_eq(k.er, stream + 36, 36);
}

Test(keysched, auth_psk_by_the_book)
{
    uint8_t psk[20], msg[300], nonce[32], skp[32], id[12], out[32];
    uint8_t pad[32], maced[32], octets[300 + 32 + 32], ref[32];
    randombytes_buf(psk, sizeof psk);
    randombytes_buf(msg, sizeof msg);
    randombytes_buf(nonce, sizeof nonce);
    randombytes_buf(skp, sizeof skp);
    randombytes_buf(id, sizeof id);
    mk_ks_auth_psk(&mk_prf_hmac_sha2_256, psk, sizeof psk, msg, sizeof msg, nonce, sizeof nonce,
                   skp, id, sizeof id, out);
    ref_hmac256(psk, sizeof psk, (const uint8_t *)"Key Pad for IKEv2", 17, pad);
    ref_hmac256(skp, 32, id, sizeof id, maced);
    memcpy(octets, msg, 300), memcpy(octets + 300, nonce, 32), memcpy(octets + 332, maced, 32);
    ref_hmac256(pad, 32, octets, sizeof octets, ref);
    cr_assert_arr_eq(out, ref, 32);
    mk_ks_maced_id(&mk_prf_hmac_sha2_256, skp, id, sizeof id, out);
    cr_assert_arr_eq(out, maced, 32);
}

Test(keysched, natd_hash_ipv4_and_ipv6)
{
    uint8_t spi_i[8] = {1, 2, 3, 4, 5, 6, 7, 8}, spi_r[8] = {0}, out[20], ref[20], buf[34];
    mk_addr a4 = {.family = 4, .ip = {192, 0, 2, 1}, .port = 500};
    mk_addr a6 = {.family = 6, .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, .port = 4500};
    mk_ks_natd(spi_i, spi_r, &a4, out);
    memcpy(buf, spi_i, 8), memcpy(buf + 8, spi_r, 8), memcpy(buf + 16, a4.ip, 4);
    buf[20] = 0x01, buf[21] = 0xf4;
    cr_assert_eq(mbedtls_sha1_ret(buf, 22, ref), 0);
    cr_assert_arr_eq(out, ref, 20);
    mk_ks_natd(spi_i, spi_r, &a6, out);
    memcpy(buf + 16, a6.ip, 16);
    buf[32] = 0x11, buf[33] = 0x94;
    cr_assert_eq(mbedtls_sha1_ret(buf, 34, ref), 0);
    cr_assert_arr_eq(out, ref, 20);
}
