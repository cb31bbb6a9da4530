/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ref/src/sk.c: seal/open of the SK payload with every cipher class, padding
 * variants the receiver must accept (RFC 7296 §3.14), tampering anywhere in the ICV/AAD span
 * giving ICV_MISMATCH before any parsing (garbage plaintext never yields a parse error, and the
 * plaintext buffer is wiped), length errors, and the header fields sealing must patch.
 */
#include <criterion/criterion.h>
#include <mbedtls/md.h>
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "sk_tools.h"
#include "suite_all.h"

static void rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}
static const mk_env env = {.ctx = NULL, .rng = rng, .trace = NULL};

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(sk, .init = init);

/* A cipher configuration: the ENCR class plus, for CBC, an INTEG class. */
typedef struct cfg {
    const mk_encr_class *encr;
    const mk_integ_class *integ;
} cfg;

static const cfg cfgs[] = {
    {&mk_encr_chacha20poly1305, NULL},
    {&mk_encr_aes_gcm16_128, NULL},
    {&mk_encr_aes_gcm16_256, NULL},
    {&mk_encr_aes_gcm12_128, NULL},
    {&mk_encr_aes_gcm12_256, NULL},
    {&mk_encr_aes_gcm8_128, NULL},
    {&mk_encr_aes_gcm8_256, NULL},
    {&mk_encr_aes_ccm8_128, NULL},
    {&mk_encr_aes_ccm12_128, NULL},
    {&mk_encr_aes_ccm16_128, NULL},
    {&mk_encr_aes_ccm8_256, NULL},
    {&mk_encr_aes_ccm12_256, NULL},
    {&mk_encr_aes_ccm16_256, NULL},
    {&mk_encr_aes_cbc_128, &mk_integ_hmac_sha2_256_128},
    {&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_256_128},
    {&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_512_256},
    {&mk_encr_aes_gcm16_256_sodium, NULL},
};
enum { N_CFG = sizeof cfgs / sizeof cfgs[0] };

static bool usable(const cfg *c)
{
    return c->encr != &mk_encr_aes_gcm16_256_sodium || crypto_aead_aes256gcm_is_available();
}

typedef struct keyset {
    uint8_t ek[MK_MAX_ENCR_KEY], ak[64]; /* 64: HMAC-SHA2-512-256, whatever the profile */
    mk_sk_keys k;
} keyset;

static void keys_for(keyset *ks, const cfg *c)
{
    randombytes_buf(ks->ek, sizeof ks->ek);
    randombytes_buf(ks->ak, sizeof ks->ak);
    ks->k = (mk_sk_keys){c->encr, c->integ, ks->ek, ks->ak};
}

/* Inner payloads: N(INITIAL_CONTACT) then Nonce(20 octets): Next Payload chain N -> Nonce. */
static size_t inner_chain(uint8_t *out)
{
    static const uint8_t n[] = {MK_PT_NONCE, 0, 0, 8, 0, 0, 0x40, 0x00};
    memcpy(out, n, sizeof n);
    out[8] = 0, out[9] = 0, out[10] = 0, out[11] = 24;
    for (int i = 0; i < 20; i++)
        out[12 + i] = (uint8_t)(0xa0 + i);
    return 32;
}

/* IKE header for an IKE_AUTH request; Next Payload and Length are for mk_sk_seal to patch. */
static mk_wr hdr(uint8_t *buf, size_t cap)
{
    static const uint8_t h[28] = {1,
                                  2,
                                  3,
                                  4,
                                  5,
                                  6,
                                  7,
                                  8,
                                  9,
                                  10,
                                  11,
                                  12,
                                  13,
                                  14,
                                  15,
                                  16,
                                  0,
                                  0x20,
                                  MK_EX_IKE_AUTH,
                                  MK_HDR_F_INITIATOR,
                                  0,
                                  0,
                                  0,
                                  1,
                                  0,
                                  0,
                                  0,
                                  0};
    mk_wr w = mk_wr_init(buf, cap);
    mk_wr_bytes(&w, h, sizeof h);
    return w;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static size_t seal_one(const cfg *c, const keyset *ks, uint8_t *msg, size_t extra, uint8_t fill)
{
    uint8_t in[64], iv[16];
    size_t n = inner_chain(in);
    mk_wr w = hdr(msg, MK_MAX_MSG);
    randombytes_buf(iv, sizeof iv);
    mk_err e = mk_sk_seal_raw(&w, &ks->k, NULL, iv, MK_PT_NOTIFY, in, n, extra, fill);
    cr_assert_eq(e, MK_E_OK, "%s: %s", c->encr->name, mk_err_name(e));
    return w.off;
}

static void check_inner(const mk_chain *ch)
{
    cr_assert_eq(ch->n, 2);
    cr_assert_eq(ch->pl[0].type, MK_PT_NOTIFY);
    cr_assert_eq(ch->pl[0].len, 4);
    cr_assert_eq(ch->pl[0].body[2], 0x40);
    cr_assert_eq(ch->pl[1].type, MK_PT_NONCE);
    cr_assert_eq(ch->pl[1].len, 20);
    cr_assert_eq(ch->pl[1].body[19], 0xa0 + 19);
}

Test(sk, seal_open_every_cipher)
{
    for (size_t i = 0; i < N_CFG; i++) {
        const cfg *c = &cfgs[i];
        if (!usable(c))
            continue;
        keyset ks;
        uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG], in[64];
        size_t n = inner_chain(in);
        keys_for(&ks, c);
        mk_wr w = hdr(msg, sizeof msg);
        cr_assert_eq(mk_sk_seal(&w, &ks.k, &env, MK_PT_NOTIFY, in, n), MK_E_OK, "%s",
                     c->encr->name);
        /* header patched: Next Payload = SK, Length = whole message */
        cr_assert_eq(msg[16], MK_PT_SK);
        cr_assert_eq((size_t)(msg[24] << 24 | msg[25] << 16 | msg[26] << 8 | msg[27]), w.off);
        /* SK generic header: Next Payload = first inner type, length to the end */
        cr_assert_eq(msg[28], MK_PT_NOTIFY);
        cr_assert_eq((size_t)(msg[30] << 8 | msg[31]), w.off - 28);
        size_t icv = c->encr->aead ? c->encr->icv_len : c->integ->icv_len;
        size_t ptl = w.off - 32 - c->encr->iv_len - icv;
        cr_assert_eq(ptl % c->encr->block, 0, "%s", c->encr->name);
        /* minimal padding: CBC pads n + 1 = 33 up to 48; AEAD adds none */
        cr_assert_eq(ptl, c->encr->aead ? n + 1 : 48, "%s", c->encr->name);
        if (!c->encr->aead) {
            /* RFC 7296 §3.14 ICV scope, recomputed with mbedTLS: header .. Pad Length */
            uint8_t ref[64];
            mbedtls_md_type_t t = c->integ->key_len == 32 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA512;
            mbedtls_md_hmac(mbedtls_md_info_from_type(t), ks.ak, c->integ->key_len, msg,
                            w.off - icv, ref);
            cr_assert_arr_eq(msg + w.off - icv, ref, icv, "%s", c->encr->name);
        }
        mk_msg m;
        mk_chain ch;
        cr_assert_eq(mk_msg_parse(&m, msg, w.off), MK_E_OK);
        cr_assert(m.has_sk);
        cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_OK, "%s", c->encr->name);
        check_inner(&ch);
    }
}

Test(sk, empty_sk_round_trips)
{
    /* INFORMATIONAL liveness check: SK{} with no inner payload (Next Payload 0). */
    for (size_t i = 0; i < N_CFG; i++) {
        const cfg *c = &cfgs[i];
        if (!usable(c))
            continue;
        keyset ks;
        uint8_t msg[256], plain[256];
        keys_for(&ks, c);
        mk_wr w = hdr(msg, sizeof msg);
        cr_assert_eq(mk_sk_seal(&w, &ks.k, &env, MK_PT_NONE, NULL, 0), MK_E_OK);
        mk_msg m;
        mk_chain ch;
        cr_assert_eq(mk_msg_parse(&m, msg, w.off), MK_E_OK);
        cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_OK, "%s", c->encr->name);
        cr_assert_eq(ch.n, 0);
    }
}

Test(sk, receiver_accepts_any_padding)
{
    static const uint8_t fills[] = {0x00, 0xa5, 0xff};
    for (size_t i = 0; i < N_CFG; i++) {
        const cfg *c = &cfgs[i];
        if (!usable(c))
            continue;
        for (size_t f = 0; f < sizeof fills; f++) {
            for (size_t extra = 0; extra < 4; extra++) {
                keyset ks;
                uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
                keys_for(&ks, c);
                size_t len = seal_one(c, &ks, msg, extra * 3, fills[f]);
                mk_msg m;
                mk_chain ch;
                cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
                mk_err e = mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch);
                cr_assert_eq(e, MK_E_OK, "%s fill %02x extra %zu: %s", c->encr->name, fills[f],
                             extra, mk_err_name(e));
                check_inner(&ch);
            }
        }
    }
}

Test(sk, padding_over_255_refused_by_sealer)
{
    keyset ks;
    uint8_t msg[MK_MAX_MSG], in[64];
    keys_for(&ks, &cfgs[0]);
    mk_wr w = hdr(msg, sizeof msg);
    cr_assert_eq(mk_sk_seal_raw(&w, &ks.k, NULL, ks.ek, 0, in, 0, 256, 0), MK_E_BAD_CONFIG);
}

Test(sk, tamper_anywhere_gives_icv_mismatch_without_parsing)
{
    for (size_t i = 0; i < N_CFG; i++) {
        const cfg *c = &cfgs[i];
        if (!usable(c))
            continue;
        keyset ks;
        uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
        keys_for(&ks, c);
        size_t len = seal_one(c, &ks, msg, 0, 0);
        size_t icv = c->encr->aead ? c->encr->icv_len : c->integ->icv_len;
        /* header SPI, Message ID, flags; SK header Next Payload; IV; ciphertext (first and
         * last octet: the Pad Length); ICV */
        const size_t where[] = {
            0, 15, 19, 23, 28, 32, 32 + c->encr->iv_len, len - icv - 1, len - icv, len - 1};
        for (size_t j = 0; j < sizeof where / sizeof where[0]; j++) {
            uint8_t t[MK_MAX_MSG];
            memcpy(t, msg, len);
            t[where[j]] ^= 0x10;
            mk_msg m;
            mk_chain ch;
            cr_assert_eq(mk_msg_parse(&m, t, len), MK_E_OK);
            memset(plain, 0x5a, sizeof plain);
            mk_err e = mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch);
            cr_assert_eq(e, MK_E_ICV_MISMATCH, "%s offset %zu: %s", c->encr->name, where[j],
                         mk_err_name(e));
            cr_assert_eq(ch.n, 0, "nothing parsed");
            cr_assert(all_zero(plain, len - 32 - c->encr->iv_len - icv),
                      "%s offset %zu: plaintext left in buffer", c->encr->name, where[j]);
            cr_assert_arr_eq(t + 32, msg + 32, where[j] > 32 ? where[j] - 32 : 0,
                             "received datagram untouched");
        }
        /* wrong key (the other direction's key, say) */
        keyset other;
        keys_for(&other, c);
        mk_msg m;
        mk_chain ch;
        cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
        cr_assert_eq(mk_sk_open(&m, &other.k, plain, sizeof plain, &ch), MK_E_ICV_MISMATCH);
    }
}

/* Build header | SK header | IV | E(plaintext) | tag for an AEAD class directly, so the
 * plaintext (and its Pad Length) can be anything. */
static size_t aead_raw(const keyset *ks, const uint8_t *pt, size_t ptl, uint8_t first, uint8_t *msg)
{
    const mk_encr_class *e = ks->k.encr;
    mk_wr w = hdr(msg, MK_MAX_MSG);
    size_t total = 28 + 4 + e->iv_len + ptl + e->icv_len;
    msg[16] = MK_PT_SK;
    msg[24] = 0, msg[25] = 0, msg[26] = (uint8_t)(total >> 8), msg[27] = (uint8_t)total;
    uint8_t sk[4] = {first, 0, (uint8_t)((total - 28) >> 8), (uint8_t)(total - 28)};
    mk_wr_bytes(&w, sk, 4);
    uint8_t *iv = mk_wr_reserve(&w, e->iv_len);
    randombytes_buf(iv, e->iv_len);
    uint8_t *ct = mk_wr_reserve(&w, ptl + e->icv_len);
    memcpy(ct, pt, ptl);
    cr_assert_eq(e->seal(ks->ek, iv, msg, 32, ct, ptl, ct + ptl), MK_E_OK);
    cr_assert_eq(w.off, total);
    return total;
}

Test(sk, pad_length_beyond_plaintext_is_bad_syntax)
{
    keyset ks;
    uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
    keys_for(&ks, &cfgs[1]);
    const uint8_t bad[] = {0x00, 0x00, 0x04}; /* Pad Length 4 > 2 octets before it */
    size_t len = aead_raw(&ks, bad, sizeof bad, MK_PT_NONE, msg);
    mk_msg m;
    mk_chain ch;
    cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
    cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_BAD_SYNTAX);
    cr_assert(all_zero(plain, sizeof bad));
    /* Pad Length exactly consuming everything before it: empty inner, accepted */
    const uint8_t ok[] = {0xaa, 0xbb, 0x02};
    len = aead_raw(&ks, ok, sizeof ok, MK_PT_NONE, msg);
    cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
    cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_OK);
    cr_assert_eq(ch.n, 0);
}

Test(sk, authenticated_garbage_inner_chain_is_a_parse_error)
{
    /* The ICV verifies, the inner chain does not: the codec's error comes back and the
     * plaintext buffer is wiped. */
    keyset ks;
    uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
    keys_for(&ks, &cfgs[0]);
    const uint8_t pt[] = {0x00, 0x00, 0x00, 0x40, 0x00, 0x00}; /* N claims 64 octets */
    size_t len = aead_raw(&ks, pt, sizeof pt, MK_PT_NOTIFY, msg);
    mk_msg m;
    mk_chain ch;
    cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
    mk_err e = mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch);
    cr_assert_neq(e, MK_E_OK);
    cr_assert_neq(e, MK_E_ICV_MISMATCH);
    cr_assert(all_zero(plain, sizeof pt));
}

Test(sk, short_bodies_are_bad_length)
{
    for (size_t i = 0; i < N_CFG; i++) {
        const cfg *c = &cfgs[i];
        if (!usable(c))
            continue;
        keyset ks;
        uint8_t msg[MK_MAX_MSG], plain[MK_MAX_MSG];
        keys_for(&ks, c);
        size_t icv = c->encr->aead ? c->encr->icv_len : c->integ->icv_len;
        size_t body = c->encr->iv_len + icv; /* no room for Pad Length */
        mk_wr w = hdr(msg, sizeof msg);
        msg[16] = MK_PT_SK;
        size_t total = 32 + body;
        msg[26] = (uint8_t)(total >> 8), msg[27] = (uint8_t)total;
        uint8_t sk[4] = {0, 0, (uint8_t)((4 + body) >> 8), (uint8_t)(4 + body)};
        mk_wr_bytes(&w, sk, 4);
        (void)mk_wr_reserve(&w, body);
        mk_msg m;
        mk_chain ch;
        cr_assert_eq(mk_msg_parse(&m, msg, total), MK_E_OK);
        cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_BAD_LENGTH, "%s",
                     c->encr->name);
        if (!c->encr->aead) {
            /* CBC text that is not whole blocks */
            total += 5;
            msg[26] = (uint8_t)(total >> 8), msg[27] = (uint8_t)total;
            msg[30] = (uint8_t)((total - 28) >> 8), msg[31] = (uint8_t)(total - 28);
            (void)mk_wr_reserve(&w, 5);
            cr_assert_eq(mk_msg_parse(&m, msg, total), MK_E_OK);
            cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_BAD_LENGTH);
        }
    }
}

Test(sk, buffer_and_state_errors)
{
    keyset ks;
    uint8_t msg[MK_MAX_MSG], plain[8], in[64];
    size_t n = inner_chain(in);
    keys_for(&ks, &cfgs[0]);
    /* plaintext buffer too small */
    size_t len = seal_one(&cfgs[0], &ks, msg, 0, 0);
    mk_msg m;
    mk_chain ch;
    cr_assert_eq(mk_msg_parse(&m, msg, len), MK_E_OK);
    cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_BUF_TOO_SMALL);
    /* writer too small */
    mk_wr w = hdr(msg, 60);
    cr_assert_eq(mk_sk_seal(&w, &ks.k, &env, MK_PT_NOTIFY, in, n), MK_E_BUF_TOO_SMALL);
    /* writer holding more than the header */
    w = hdr(msg, sizeof msg);
    mk_wr_u8(&w, 0);
    cr_assert_eq(mk_sk_seal(&w, &ks.k, &env, MK_PT_NOTIFY, in, n), MK_E_BAD_STATE);
    /* CBC without INTEG */
    mk_sk_keys bad = {&mk_encr_aes_cbc_128, NULL, ks.ek, NULL};
    w = hdr(msg, sizeof msg);
    cr_assert_eq(mk_sk_seal(&w, &bad, &env, MK_PT_NOTIFY, in, n), MK_E_BAD_CONFIG);
    /* no SK payload */
    w = hdr(msg, sizeof msg);
    msg[27] = 28;
    cr_assert_eq(mk_msg_parse(&m, msg, 28), MK_E_OK);
    cr_assert_eq(mk_sk_open(&m, &ks.k, plain, sizeof plain, &ch), MK_E_BAD_SYNTAX);
}
