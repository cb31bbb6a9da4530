/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests of the primitive classes against RFC vectors (vectors/prim/):
 * X25519 (RFC 7748 §5.2, §6.1; RFC 8031 App. A), ChaCha20-Poly1305 (RFC 8439 §2.8.2,
 * RFC 7634 App. A), HMAC-SHA2 PRF and integrity (RFC 4868), ECP P-256 with the KE payload
 * encoding (RFC 5903 §8.1). Key pairs are made through the classes' keypair() with an RNG that
 * returns the RFC's private value, so the RNG plumbing is covered too.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "msg.h"
#include "suite_all.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(prim, .init = init);

static mk_vec_file *load(const char *path)
{
    char err[512];
    mk_vec_file *f = mk_vec_load(path, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_assert(strlen(f->source) > 0);
    return f;
}

static const mk_vec_block *block(const mk_vec_file *f, const char *name)
{
    const mk_vec_block *b = mk_vec_find(f, "name", name);
    cr_assert_not_null(b, "block %s", name);
    return b;
}

static const uint8_t *hex(const mk_vec_block *b, const char *key, size_t want)
{
    size_t n = 0;
    const uint8_t *p = mk_vec_hex(b, key, &n);
    cr_assert_not_null(p, "key %s", key);
    if (want != 0)
        cr_assert_eq(n, want, "key %s: %zu octets, expected %zu", key, n, want);
    return p;
}

/* An RNG that hands out fixed bytes (the RFC's private value), then fails the test. */
typedef struct fixed_rng {
    const uint8_t *p;
    size_t n, off;
} fixed_rng;

static void fixed_fill(void *ctx, uint8_t *out, size_t n)
{
    fixed_rng *f = ctx;
    cr_assert_leq(n, f->n - f->off, "RNG drawn more than the vector holds");
    memcpy(out, f->p + f->off, n);
    f->off += n;
}

static void keypair_from(const mk_dh_class *d, const uint8_t *priv_in, size_t n, uint8_t *priv,
                         uint8_t *pub)
{
    fixed_rng f = {priv_in, n, 0};
    mk_env env = {.ctx = &f, .rng = fixed_fill, .trace = NULL};
    cr_assert_eq(d->keypair(&env, priv, pub), MK_E_OK, "%s", d->name);
}

Test(prim, rfc7748_x25519)
{
    mk_vec_file *f = load("vectors/prim/rfc7748.txt");
    uint8_t out[32], k[32], u[32], t[32], priv[32], pub[32];
    static const char *const singles[] = {"5.2 vector 1", "5.2 vector 2"};
    for (int i = 0; i < 2; i++) {
        const mk_vec_block *b = block(f, singles[i]);
        cr_assert_eq(mk_dh_x25519.shared(hex(b, "k", 32), hex(b, "u", 32), 32, out), MK_E_OK);
        cr_assert_arr_eq(out, hex(b, "out", 32), 32, "%s", singles[i]);
    }
    /* §5.2 iterated: k = u = 9; (k, u) = (X25519(k, u), k) */
    const mk_vec_block *it = block(f, "5.2 iterated");
    memset(k, 0, 32), k[0] = 9;
    memcpy(u, k, 32);
    for (int i = 1; i <= 1000; i++) {
        cr_assert_eq(mk_dh_x25519.shared(k, u, 32, t), MK_E_OK);
        memcpy(u, k, 32);
        memcpy(k, t, 32);
        if (i == 1)
            cr_assert_arr_eq(k, hex(it, "after_1", 32), 32);
    }
    cr_assert_arr_eq(k, hex(it, "after_1000", 32), 32);
    /* §6.1 */
    const mk_vec_block *b = block(f, "6.1 Curve25519 Diffie-Hellman");
    keypair_from(&mk_dh_x25519, hex(b, "alice_private", 32), 32, priv, pub);
    cr_assert_arr_eq(pub, hex(b, "alice_public", 32), 32);
    cr_assert_eq(mk_dh_x25519.shared(priv, hex(b, "bob_public", 32), 32, out), MK_E_OK);
    cr_assert_arr_eq(out, hex(b, "shared", 32), 32);
    keypair_from(&mk_dh_x25519, hex(b, "bob_private", 32), 32, priv, pub);
    cr_assert_arr_eq(pub, hex(b, "bob_public", 32), 32);
    cr_assert_eq(mk_dh_x25519.shared(priv, hex(b, "alice_public", 32), 32, out), MK_E_OK);
    cr_assert_arr_eq(out, hex(b, "shared", 32), 32);
    mk_vec_free(f);
}

Test(prim, rfc8031_curve25519_for_ikev2)
{
    mk_vec_file *f = load("vectors/prim/rfc8031.txt");
    const mk_vec_block *b = block(f, "A");
    uint8_t pi[32], gi[32], pr[32], gr[32], s1[32], s2[32];
    keypair_from(&mk_dh_x25519, hex(b, "i", 32), 32, pi, gi);
    keypair_from(&mk_dh_x25519, hex(b, "r", 32), 32, pr, gr);
    cr_assert_arr_eq(gi, hex(b, "gi", 32), 32);
    cr_assert_arr_eq(gr, hex(b, "gr", 32), 32);
    cr_assert_eq(mk_dh_x25519.shared(pi, gr, 32, s1), MK_E_OK);
    cr_assert_eq(mk_dh_x25519.shared(pr, gi, 32, s2), MK_E_OK);
    cr_assert_arr_eq(s1, hex(b, "gir", 32), 32);
    cr_assert_arr_eq(s2, hex(b, "gir", 32), 32);
    mk_vec_free(f);
}

/* ChaCha20-Poly1305 through the ENCR class: key = key | salt, nonce = salt | iv. */
static void chacha_kat(const uint8_t *key32, const uint8_t *nonce12, const uint8_t *aad,
                       size_t aad_len, const uint8_t *pt, const uint8_t *ct, size_t len,
                       const uint8_t *tag)
{
    uint8_t key[36], buf[512], t[16];
    cr_assert_leq(len, sizeof buf);
    memcpy(key, key32, 32);
    memcpy(key + 32, nonce12, 4);
    memcpy(buf, pt, len);
    cr_assert_eq(mk_encr_chacha20poly1305.seal(key, nonce12 + 4, aad, aad_len, buf, len, t), 0);
    cr_assert_arr_eq(buf, ct, len);
    cr_assert_arr_eq(t, tag, 16);
    cr_assert_eq(mk_encr_chacha20poly1305.open(key, nonce12 + 4, aad, aad_len, buf, len, tag), 0);
    cr_assert_arr_eq(buf, pt, len);
}

Test(prim, rfc8439_aead)
{
    mk_vec_file *f = load("vectors/prim/rfc8439.txt");
    const mk_vec_block *b = block(f, "2.8.2");
    size_t n, na;
    const uint8_t *pt = hex(b, "plaintext", 0);
    mk_vec_hex(b, "plaintext", &n);
    const uint8_t *aad = hex(b, "aad", 0);
    mk_vec_hex(b, "aad", &na);
    chacha_kat(hex(b, "key", 32), hex(b, "nonce", 12), aad, na, pt, hex(b, "ciphertext", n), n,
               hex(b, "tag", 16));
    mk_vec_free(f);
}

Test(prim, rfc7634_esp_example)
{
    mk_vec_file *f = load("vectors/prim/rfc7634.txt");
    const mk_vec_block *b = block(f, "A");
    size_t n;
    const uint8_t *pt = hex(b, "plaintext", 0);
    mk_vec_hex(b, "plaintext", &n);
    uint8_t nonce[12];
    memcpy(nonce, hex(b, "salt", 4), 4);
    memcpy(nonce + 4, hex(b, "iv", 8), 8);
    cr_assert_arr_eq(nonce, hex(b, "nonce", 12), 12);
    chacha_kat(hex(b, "key", 32), nonce, hex(b, "aad", 8), 8, pt, hex(b, "ciphertext", n), n,
               hex(b, "tag", 16));
    mk_vec_free(f);
}

Test(prim, rfc4868_prf_and_integ)
{
    mk_vec_file *f = load("vectors/prim/rfc4868.txt");
    int seen = 0;
    for (size_t i = 0; i < f->n; i++) {
        const mk_vec_block *b = &f->b[i];
        const char *name = mk_vec_str(b, "name");
        size_t kl, dl;
        const uint8_t *key = hex(b, "key", 0), *data = hex(b, "data", 0);
        mk_vec_hex(b, "key", &kl);
        mk_vec_hex(b, "data", &dl);
        mk_iov in = {data, dl};
        uint8_t out[64];
        if (strncmp(name, "PRF_HMAC_SHA2_256", 17) == 0) {
            mk_prf_hmac_sha2_256.prf(key, kl, &in, 1, out);
            cr_assert_arr_eq(out, hex(b, "out", 32), 32, "%s", name);
        } else if (strncmp(name, "PRF_HMAC_SHA2_512", 17) == 0) {
            mk_prf_hmac_sha2_512.prf(key, kl, &in, 1, out);
            cr_assert_arr_eq(out, hex(b, "out", 64), 64, "%s", name);
        } else if (strncmp(name, "AUTH_HMAC_SHA2_256_128", 22) == 0) {
            cr_assert_eq(kl, mk_integ_hmac_sha2_256_128.key_len);
            mk_integ_hmac_sha2_256_128.mac(key, &in, 1, out);
            cr_assert_arr_eq(out, hex(b, "mac", 16), 16, "%s", name);
        } else if (strncmp(name, "AUTH_HMAC_SHA2_512_256", 22) == 0) {
            cr_assert_eq(kl, mk_integ_hmac_sha2_512_256.key_len);
            mk_integ_hmac_sha2_512_256.mac(key, &in, 1, out);
            cr_assert_arr_eq(out, hex(b, "mac", 32), 32, "%s", name);
        } else {
            cr_assert_fail("unknown block %s", name);
        }
        seen++;
    }
    cr_assert_eq(seen, 7, "all 7 RFC 4868 cases of the vector file");
    mk_vec_free(f);
}

Test(prim, rfc5903_ecp256_and_ke_payload)
{
    mk_vec_file *f = load("vectors/prim/rfc5903.txt");
    const mk_vec_block *b = block(f, "8.1");
    uint8_t pi[32], gi[64], pr[32], gr[64], s[32], ke[128];
    keypair_from(&mk_dh_ecp256, hex(b, "i", 32), 32, pi, gi);
    keypair_from(&mk_dh_ecp256, hex(b, "r", 32), 32, pr, gr);
    cr_assert_arr_eq(gi, hex(b, "gi", 64), 64);
    cr_assert_arr_eq(gr, hex(b, "gr", 64), 64);
    cr_assert_eq(mk_dh_ecp256.shared(pi, gr, 64, s), MK_E_OK);
    cr_assert_arr_eq(s, hex(b, "gir", 32), 32);
    cr_assert_eq(mk_dh_ecp256.shared(pr, gi, 64, s), MK_E_OK);
    cr_assert_arr_eq(s, hex(b, "gir", 32), 32);
    /* The KEi payload as the RFC prints it: generic header (next 0, length 72), group 19,
     * RESERVED, x | y. Encoded with the codec's framing. */
    uint8_t hdr28[28] = {0};
    mk_wr w = mk_wr_init(ke, sizeof ke);
    mk_wr_bytes(&w, hdr28, 28);
    size_t slot = 16;
    size_t at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, MK_DH_ECP256, gi, 64);
    mk_pl_end(&w, at);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq(w.off - 28, 72);
    cr_assert_arr_eq(ke + 28, hex(b, "kei", 72), 72);
    /* and decoded back */
    mk_ke kv;
    cr_assert_eq(mk_pl_decode_ke(&kv, ke + 32, 68), MK_E_OK);
    cr_assert_eq(kv.group, MK_DH_ECP256);
    cr_assert_eq(kv.len, 64);
    cr_assert_arr_eq(kv.data, gi, 64);
    mk_vec_free(f);
}
