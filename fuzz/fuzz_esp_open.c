/* SPDX-License-Identifier: MIT */
/* Target: mk_esp_open (ESP decapsulation: SPI, replay window, ICV/tag, padding and Next Header,
 * RFC 4303, RFC 4106, RFC 7634) and mk_esp_seal for the round trip */
/*
 * Input: [ctl][records...], each record [len16][bytes]. ctl bits 0-1 pick the suite
 * (ChaCha20-Poly1305, AES-GCM-16-256, AES-CBC-128 + HMAC-SHA2-256-128), or with bit 4 set bits
 * 5-7 pick one of the other ESP classes (AES-CCM-16/12/8, AES-GCM-12/8, AES-CBC-256 +
 * HMAC-SHA2-512-256, libsodium's AES-GCM-16-256 where the CPU has AES-NI); bits 2-3 the mode:
 *   0: each record is a raw ESP packet (starting at the SPI);
 *   1: each record is [seq32][plaintext incl. padding | pad length | next header], encrypted and
 *      authenticated here with the SA's fixed keys, so the fuzzer reaches the trailer checks and
 *      the replay window past the ICV;
 *   2: each record is a payload that mk_esp_seal seals and mk_esp_open must open again.
 * Up to 16 records share one SA, so the replay window sees sequences. Invariants: a dropped
 * packet changes nothing in the SA but `dropped`; an accepted packet's inner data lies inside the
 * packet and, in modes 1 and 2, equals what was encrypted.
 */
#include <stdlib.h>

#include <sodium.h>

#include "fuzz_common.h"
#include "suite_all.h"

typedef struct fz_esp_suite {
    const mk_encr_class *encr;
    const mk_integ_class *integ;
} fz_esp_suite;

static const uint32_t SPI = 0xc0ffee01u;

static void init_sa(mk_esp_sa *sa, const fz_esp_suite *s)
{
    memset(sa, 0, sizeof(*sa));
    sa->spi_in = sa->spi_out = SPI;
    sa->suites = mk_suites_default();
    sa->encr = s->encr->id;
    sa->encr_bits = s->encr->key_bits;
    sa->integ = s->integ ? s->integ->id : MK_INTEG_NONE;
    sa->ek_len = (uint8_t)s->encr->key_len;
    sa->ak_len = (uint8_t)(s->integ ? s->integ->key_len : 0);
    fz_fill(sa->ek_in, sizeof(sa->ek_in), 0x20);
    fz_fill(sa->ek_out, sizeof(sa->ek_out), 0x20);
    fz_fill(sa->ak_in, sizeof(sa->ak_in), 0x60);
    fz_fill(sa->ak_out, sizeof(sa->ak_out), 0x60);
    sa->tunnel = true;
}

/* Mode 1: ESP header | IV | E(plaintext) | ICV with the SA's inbound keys. Returns the length. */
static size_t craft(const mk_esp_sa *sa, const fz_esp_suite *s, uint32_t seq, const uint8_t *pt,
                    size_t *ptlen_io, uint8_t *pkt, size_t cap)
{
    const mk_encr_class *c = s->encr;
    size_t ptlen = *ptlen_io;
    size_t body = ptlen;
    if (!c->aead && c->block > 1)
        body = (ptlen + c->block - 1) / c->block * c->block; /* zero-extend to the block */
    size_t icv = c->aead ? c->icv_len : s->integ->icv_len;
    size_t total = 8 + c->iv_len + body + icv;
    if (total > cap)
        return 0;
    fz_put32(pkt, SPI);
    fz_put32(pkt + 4, seq);
    uint8_t *iv = pkt + 8;
    fz_fill(iv, c->iv_len, (uint8_t)seq);
    uint8_t *ct = iv + c->iv_len;
    memset(ct, 0, body);
    if (ptlen)
        memcpy(ct, pt, ptlen);
    *ptlen_io = body; /* the zero extension is part of the plaintext the receiver sees */
    if (c->aead) {
        if (c->seal(sa->ek_in, iv, pkt, 8, ct, body, ct + body) != MK_E_OK)
            return 0;
    } else {
        if (c->seal(sa->ek_in, iv, NULL, 0, ct, body, NULL) != MK_E_OK)
            return 0;
        mk_iov in = {pkt, 8 + c->iv_len + body};
        uint8_t mac[64];
        s->integ->mac(sa->ak_in, &in, 1, mac);
        memcpy(ct + body, mac, icv);
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const fz_esp_suite suites[] = {
        {&mk_encr_chacha20poly1305, NULL},
        {&mk_encr_aes_gcm16_256, NULL},
        {&mk_encr_aes_cbc_128, &mk_integ_hmac_sha2_256_128},
    };
    static const fz_esp_suite wide[] = {
        {&mk_encr_aes_ccm16_128, NULL},
        {&mk_encr_aes_ccm12_256, NULL},
        {&mk_encr_aes_ccm8_256, NULL},
        {&mk_encr_aes_gcm12_128, NULL},
        {&mk_encr_aes_gcm8_128, NULL},
        {&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_512_256},
        {&mk_encr_aes_gcm16_128, NULL},
        {&mk_encr_aes_gcm16_256_sodium, NULL}, /* last: only with AES-NI */
    };
    static int have_aesni = -1;
    static uint8_t tmp[MK_MAX_MSG + 256], ptbuf[MK_MAX_MSG + 256];
    static mk_esp_sa sa, before;
    fz_rng rng;
    mk_env env;

    uint8_t ctl = fz_take8(&data, &size);
    const fz_esp_suite *s = &suites[(ctl & 3) % 3];
    if (have_aesni < 0) /* libsodium learns the CPU features in sodium_init() */
        have_aesni = sodium_init() >= 0 && crypto_aead_aes256gcm_is_available();
    if (ctl & 0x10)
        s = &wide[(size_t)(ctl >> 5) % (sizeof(wide) / sizeof(wide[0]) - (have_aesni ? 0 : 1))];
    unsigned mode = (ctl >> 2) & 3;
    init_sa(&sa, s);
    fz_env_init(&env, &rng, FZ_SEED_PEER);

    for (int rec = 0; rec < 16 && size >= 2; rec++) {
        size_t rl = ((size_t)data[0] << 8) | data[1];
        data += 2;
        size -= 2;
        if (rl > size)
            rl = size;
        const uint8_t *r = data;
        data += rl;
        size -= rl;

        size_t n = 0;
        const uint8_t *pt = NULL;
        size_t ptlen = 0;
        if (mode == 0) {
            n = rl;
            if (n > sizeof(tmp))
                continue;
            memcpy(tmp, r, n);
        } else if (mode == 1) {
            if (rl < 4)
                continue;
            uint32_t seq = ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) |
                           ((uint32_t)r[2] << 8) | r[3];
            ptlen = rl - 4;
            if (ptlen > sizeof(ptbuf) - 64)
                continue;
            memset(ptbuf, 0, sizeof(ptbuf));
            memcpy(ptbuf, r + 4, ptlen);
            pt = ptbuf;
            n = craft(&sa, s, seq, pt, &ptlen, tmp, sizeof(tmp));
        } else {
            mk_esp_sa out = sa;
            out.seq_out = sa.replay_top; /* next sequence number is fresh */
            if (mk_esp_seal(&out, &env, 4, r, rl, tmp, sizeof(tmp), &n) != MK_E_OK)
                n = 0;
            pt = r;
            ptlen = rl;
        }
        if (n == 0)
            continue;
        uint8_t *pkt = malloc(n);
        if (pkt == NULL)
            return 0;
        memcpy(pkt, tmp, n);

        before = sa;
        uint8_t nh = 0;
        const uint8_t *inner = NULL;
        size_t inner_len = 0;
        mk_err e = mk_esp_open(&sa, pkt, n, &nh, &inner, &inner_len);
        FZ_EAT(e);
        if (mk_err_class(e) == MK_CLASS_DROP) {
            FZ_CHECK(memcmp(&before, &sa, offsetof(mk_esp_sa, dropped)) == 0);
            FZ_CHECK(mode != 2); /* our own sealed packet with a fresh sequence number */
        } else if (e == MK_E_OK) {
            FZ_CHECK(inner_len == 0 || (inner >= pkt && inner + inner_len <= pkt + n));
            fz_eat(inner, inner_len < 16 ? inner_len : 16);
            if (mode == 2)
                FZ_CHECK(nh == 4 && inner_len == ptlen && memcmp(inner, pt, ptlen) == 0);
            if (mode == 1)
                FZ_CHECK(inner_len <= ptlen && (inner_len == 0 || memcmp(inner, pt, inner_len) == 0));
        }
        free(pkt);
    }
    return 0;
}
