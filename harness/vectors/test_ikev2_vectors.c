/* SPDX-License-Identifier: MIT */
/*
 * IKEv2 key-schedule and SK known-answer tests (vectors/ikev2/, vectors/prim/rfc7634.txt):
 *  - Openswan v2-dh-06: the prf+ structure of mk_ks_skeyseed/mk_ks_ike_keys with an HMAC-MD5
 *    PRF class that exists only in this test (mbedTLS md5);
 *  - RFC 7634 App. B: the 69-octet INFORMATIONAL opened by mk_sk_open and re-sealed byte-exact
 *    by mk_sk_seal_iv with the RFC's IV;
 *  - the golden PSK transcript generated with python `cryptography` (gen_psk_transcript.py):
 *    X25519 -> SKEYSEED -> SK_* -> AUTH both ways -> KEYMAT -> the sealed IKE_AUTH request.
 */
#include <criterion/criterion.h>
#include <mbedtls/md.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"
#include "keysched_tools.h"
#include "sk_tools.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(ikev2, .init = init);

static mk_vec_file *load(const char *path)
{
    char err[512];
    mk_vec_file *f = mk_vec_load(path, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    return f;
}

static const uint8_t *hexn(const mk_vec_block *b, const char *key, size_t *n)
{
    const uint8_t *p = mk_vec_hex(b, key, n);
    cr_assert_not_null(p, "key %s", key);
    return p;
}

static const uint8_t *hex(const mk_vec_block *b, const char *key, size_t want)
{
    size_t n;
    const uint8_t *p = hexn(b, key, &n);
    cr_assert_eq(n, want, "key %s: %zu octets, expected %zu", key, n, want);
    return p;
}

static unsigned num(const mk_vec_block *b, const char *key)
{
    const char *s = mk_vec_str(b, key);
    cr_assert_not_null(s, "key %s", key);
    return (unsigned)strtoul(s, NULL, 10);
}

/* ---- Openswan v2-dh-06 with a test-only PRF_HMAC_MD5 class ------------------------------- */

static void prf_md5(const uint8_t *key, size_t key_len, const mk_iov *in, size_t n_in, uint8_t *out)
{
    mbedtls_md_context_t c;
    mbedtls_md_init(&c);
    cr_assert_eq(mbedtls_md_setup(&c, mbedtls_md_info_from_type(MBEDTLS_MD_MD5), 1), 0);
    cr_assert_eq(mbedtls_md_hmac_starts(&c, key, key_len), 0);
    for (size_t i = 0; i < n_in; i++)
        cr_assert_eq(mbedtls_md_hmac_update(&c, in[i].p, in[i].n), 0);
    cr_assert_eq(mbedtls_md_hmac_finish(&c, out), 0);
    mbedtls_md_free(&c);
}

static const mk_prf_class test_prf_md5 = {
    .id = 1, .name = "PRF_HMAC_MD5", .out_len = 16, .prf = prf_md5};
/* Only the sizes matter to the key schedule: 3DES (24-octet keys), HMAC-MD5-96 (16). */
static const mk_encr_class test_3des = {
    .id = 3, .name = "3DES", .key_len = 24, .iv_len = 8, .block = 8};
static const mk_integ_class test_md5_96 = {
    .id = 1, .name = "AUTH_HMAC_MD5_96", .key_len = 16, .icv_len = 12};

Test(ikev2, openswan_v2_dh_06_prfplus_structure)
{
    mk_vec_file *f = load("vectors/ikev2/openswan-v2-dh-06.txt");
    const mk_vec_block *b = mk_vec_find(f, "name", "v2-dh-06");
    cr_assert_not_null(b);
    size_t gl;
    const uint8_t *ni = hex(b, "ni", 16), *nr = hex(b, "nr", 16), *gir = hexn(b, "gir", &gl);
    uint8_t seed[16];
    mk_ike_sa_keys k;
    mk_ks_skeyseed(&test_prf_md5, ni, 16, nr, 16, gir, gl, seed);
    cr_assert_arr_eq(seed, hex(b, "skeyseed", 16), 16);
    cr_assert_eq(mk_ks_ike_keys(&test_prf_md5, &test_md5_96, &test_3des, seed, ni, 16, nr, 16,
                                hex(b, "spii", 8), hex(b, "spir", 8), &k),
                 MK_E_OK);
    cr_assert_arr_eq(k.d, hex(b, "sk_d", 16), 16);
    cr_assert_arr_eq(k.ai, hex(b, "sk_ai", 16), 16);
    cr_assert_arr_eq(k.ar, hex(b, "sk_ar", 16), 16);
    cr_assert_arr_eq(k.ei, hex(b, "sk_ei", 24), 24);
    cr_assert_arr_eq(k.er, hex(b, "sk_er", 24), 24);
    cr_assert_arr_eq(k.pi, hex(b, "sk_pi", 16), 16);
    cr_assert_arr_eq(k.pr, hex(b, "sk_pr", 16), 16);
    mk_vec_free(f);
}

/* ---- RFC 7634 Appendix B ------------------------------------------------------------------ */

Test(ikev2, rfc7634_appendix_b_sk_open_and_reseal)
{
    mk_vec_file *f = load("vectors/prim/rfc7634.txt");
    const mk_vec_block *b = mk_vec_find(f, "name", "B");
    cr_assert_not_null(b);
    size_t ml, pl;
    const uint8_t *msg = hexn(b, "message", &ml), *pt = hexn(b, "plaintext", &pl);
    cr_assert_eq(ml, 69);
    uint8_t key[36], plain[MK_MAX_MSG], out[128];
    memcpy(key, hex(b, "key", 32), 32);
    memcpy(key + 32, hex(b, "salt", 4), 4);
    mk_sk_keys k = {&mk_encr_chacha20poly1305, NULL, key, NULL};

    mk_msg m;
    mk_chain ch;
    cr_assert_eq(mk_msg_parse(&m, msg, ml), MK_E_OK);
    cr_assert(m.has_sk);
    cr_assert_eq(m.sk_first, MK_PT_NOTIFY);
    cr_assert_eq(mk_sk_open(&m, &k, plain, sizeof plain, &ch), MK_E_OK);
    cr_assert_arr_eq(plain, pt, pl, "decrypted plaintext incl. Pad Length 00");
    cr_assert_eq(ch.n, 1);
    cr_assert_eq(ch.pl[0].type, MK_PT_NOTIFY);
    mk_notify n;
    cr_assert_eq(mk_pl_decode_notify(&n, ch.pl[0].body, ch.pl[0].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_SET_WINDOW_SIZE);
    cr_assert_eq(n.data_len, 4);
    cr_assert_eq(n.data[3], 10);

    /* re-seal: the IKE header as given, the inner chain = plaintext minus Pad Length */
    mk_wr w = mk_wr_init(out, sizeof out);
    mk_wr_bytes(&w, msg, 28);
    cr_assert_eq(mk_sk_seal_iv(&w, &k, hex(b, "iv", 8), MK_PT_NOTIFY, pt, pl - 1), MK_E_OK);
    cr_assert_eq(w.off, 69);
    cr_assert_arr_eq(out, msg, 69, "re-sealed message must be byte-exact");
    cr_assert_arr_eq(out, hex(b, "aad", 32), 32);

    /* and one flipped bit anywhere is refused */
    for (size_t i = 0; i < ml; i++) {
        uint8_t t[69];
        memcpy(t, msg, 69);
        t[i] ^= 0x01;
        if (mk_msg_parse(&m, t, ml) != MK_E_OK || !m.has_sk)
            continue; /* length / type octets: the codec already drops it */
        cr_assert_eq(mk_sk_open(&m, &k, plain, sizeof plain, &ch), MK_E_ICV_MISMATCH,
                     "bit flip at %zu", i);
    }
    mk_vec_free(f);
}

/* ---- golden PSK transcript ---------------------------------------------------------------- */

typedef struct fixed_rng {
    const uint8_t *p;
    size_t n, off;
} fixed_rng;

static void fixed_fill(void *ctx, uint8_t *out, size_t n)
{
    fixed_rng *f = ctx;
    cr_assert_leq(n, f->n - f->off);
    memcpy(out, f->p + f->off, n);
    f->off += n;
}

static void run_transcript(const mk_vec_block *b)
{
    const mk_suites *s = mk_suites_default();
    const char *name = mk_vec_str(b, "name");
    const mk_prf_class *prf = mk_suite_prf(s, (uint16_t)num(b, "prf"));
    const mk_encr_class *encr =
        mk_suite_encr(s, (uint16_t)num(b, "encr"), (uint16_t)num(b, "encr_bits"));
    const mk_integ_class *integ =
        num(b, "integ") ? mk_suite_integ(s, (uint16_t)num(b, "integ")) : NULL;
    const mk_encr_class *cencr =
        mk_suite_encr(s, (uint16_t)num(b, "esp_encr"), (uint16_t)num(b, "esp_encr_bits"));
    const mk_integ_class *cinteg =
        num(b, "esp_integ") ? mk_suite_integ(s, (uint16_t)num(b, "esp_integ")) : NULL;
    const mk_dh_class *dh = mk_suite_dh(s, (uint16_t)num(b, "dh"));
    cr_assert(prf && encr && cencr && dh, "%s: classes", name);
    size_t lp = prf->out_len, la = integ ? integ->key_len : 0, le = encr->key_len;

    /* DH: key pairs from the fixed private keys through keypair() */
    uint8_t pi[32], gi[32], pr[32], gr[32], gir[32], gir2[32];
    fixed_rng ri = {hex(b, "dh_i", 32), 32, 0}, rr = {hex(b, "dh_r", 32), 32, 0};
    mk_env ei = {.ctx = &ri, .rng = fixed_fill}, er = {.ctx = &rr, .rng = fixed_fill};
    cr_assert_eq(dh->keypair(&ei, pi, gi), MK_E_OK);
    cr_assert_eq(dh->keypair(&er, pr, gr), MK_E_OK);
    cr_assert_arr_eq(gi, hex(b, "gi", 32), 32, "%s", name);
    cr_assert_arr_eq(gr, hex(b, "gr", 32), 32, "%s", name);
    cr_assert_eq(dh->shared(pi, gr, 32, gir), MK_E_OK);
    cr_assert_eq(dh->shared(pr, gi, 32, gir2), MK_E_OK);
    cr_assert_arr_eq(gir, hex(b, "gir", 32), 32, "%s", name);
    cr_assert_arr_eq(gir2, gir, 32);

    /* SKEYSEED and the seven keys */
    const uint8_t *ni = hex(b, "ni", 32), *nr = hex(b, "nr", 32);
    uint8_t seed[MK_MAX_PRF_OUT];
    mk_ike_sa_keys k;
    mk_ks_skeyseed(prf, ni, 32, nr, 32, gir, 32, seed);
    cr_assert_arr_eq(seed, hex(b, "skeyseed", lp), lp, "%s", name);
    cr_assert_eq(mk_ks_ike_keys(prf, integ, encr, seed, ni, 32, nr, 32, hex(b, "spi_i", 8),
                                hex(b, "spi_r", 8), &k),
                 MK_E_OK);
    cr_assert_arr_eq(k.d, hex(b, "sk_d", lp), lp, "%s", name);
    cr_assert_arr_eq(k.ai, hex(b, "sk_ai", la), la, "%s", name);
    cr_assert_arr_eq(k.ar, hex(b, "sk_ar", la), la, "%s", name);
    cr_assert_arr_eq(k.ei, hex(b, "sk_ei", le), le, "%s", name);
    cr_assert_arr_eq(k.er, hex(b, "sk_er", le), le, "%s", name);
    cr_assert_arr_eq(k.pi, hex(b, "sk_pi", lp), lp, "%s", name);
    cr_assert_arr_eq(k.pr, hex(b, "sk_pr", lp), lp, "%s", name);

    /* AUTH both ways */
    size_t psk_len, m1l, m2l, idil, idrl;
    const uint8_t *psk = hexn(b, "psk", &psk_len);
    const uint8_t *m1 = hexn(b, "ike_init_req", &m1l), *m2 = hexn(b, "ike_init_resp", &m2l);
    const uint8_t *idi = hexn(b, "idi_rest", &idil), *idr = hexn(b, "idr_rest", &idrl);
    uint8_t out[MK_MAX_PRF_OUT];
    mk_ks_maced_id(prf, k.pi, idi, idil, out);
    cr_assert_arr_eq(out, hex(b, "maced_i", lp), lp, "%s", name);
    mk_ks_maced_id(prf, k.pr, idr, idrl, out);
    cr_assert_arr_eq(out, hex(b, "maced_r", lp), lp, "%s", name);
    mk_ks_auth_psk(prf, psk, psk_len, m1, m1l, nr, 32, k.pi, idi, idil, out);
    cr_assert_arr_eq(out, hex(b, "auth_i", lp), lp, "%s", name);
    mk_ks_auth_psk(prf, psk, psk_len, m2, m2l, ni, 32, k.pr, idr, idrl, out);
    cr_assert_arr_eq(out, hex(b, "auth_r", lp), lp, "%s", name);

    /* KEYMAT */
    mk_child_keys ck;
    size_t ce = cencr->key_len, ca = cinteg ? cinteg->key_len : 0;
    cr_assert_eq(mk_ks_child_keys(prf, cinteg, cencr, k.d, ni, 32, nr, 32, &ck), MK_E_OK);
    cr_assert_arr_eq(ck.ei, hex(b, "child_ei", ce), ce, "%s", name);
    cr_assert_arr_eq(ck.ai, hex(b, "child_ai", ca), ca, "%s", name);
    cr_assert_arr_eq(ck.er, hex(b, "child_er", ce), ce, "%s", name);
    cr_assert_arr_eq(ck.ar, hex(b, "child_ar", ca), ca, "%s", name);

    /* The IKE_AUTH request: seal byte-exact with the given IV, then open and read AUTH */
    size_t al, il;
    const uint8_t *areq = hexn(b, "ike_auth_req", &al), *inner = hexn(b, "auth_inner", &il);
    mk_sk_keys sk = {encr, integ, k.ei, k.ai};
    uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
    mk_wr w = mk_wr_init(msg, sizeof msg);
    mk_wr_bytes(&w, areq, 28);
    cr_assert_eq(mk_sk_seal_iv(&w, &sk, hex(b, "auth_iv", encr->iv_len),
                               (uint8_t)num(b, "auth_first"), inner, il),
                 MK_E_OK);
    cr_assert_eq(w.off, al, "%s", name);
    cr_assert_arr_eq(msg, areq, al, "%s: sealed IKE_AUTH must be byte-exact", name);
    mk_msg m;
    mk_chain ch;
    cr_assert_eq(mk_msg_parse(&m, areq, al), MK_E_OK);
    cr_assert_eq(mk_sk_open(&m, &sk, plain, sizeof plain, &ch), MK_E_OK);
    static const uint8_t types[] = {MK_PT_IDI, MK_PT_AUTH, MK_PT_SA, MK_PT_TSI, MK_PT_TSR};
    cr_assert_eq(ch.n, 5);
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(ch.pl[i].type, types[i]);
    mk_authv av;
    cr_assert_eq(mk_pl_decode_auth(&av, ch.pl[1].body, ch.pl[1].len), MK_E_OK);
    cr_assert_eq(av.method, MK_AUTH_PSK);
    cr_assert_eq(av.len, lp);
    cr_assert_arr_eq(av.data, hex(b, "auth_i", lp), lp);
}

Test(ikev2, golden_psk_transcript)
{
    mk_vec_file *f = load("vectors/ikev2/psk-x25519-sha256.txt");
    cr_assert_geq(f->n, 2);
    for (size_t i = 0; i < f->n; i++)
        run_transcript(&f->b[i]);
    mk_vec_free(f);
}
