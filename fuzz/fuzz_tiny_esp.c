/* SPDX-License-Identifier: MIT */
/* Target: mt_esp_open of the template core (ref/tiny: ESP with ChaCha20-Poly1305, RFC 4303,
 * RFC 7634; SPI, replay window, tag, padding and Next Header), with mt_esp_seal and the general
 * core's mk_esp_seal / mk_esp_open as the independent other side */
/*
 * Input: [ctl][records...], each record [len16][bytes]; ctl bits 0-1 pick the mode:
 *   0: each record is a raw ESP packet (from the SPI on);
 *   1: each record is [seq32][plaintext incl. padding | pad length | next header], encrypted and
 *      tagged here with the SA's inbound key (the ChaCha20-Poly1305 class of the general core),
 *      so the fuzzer reaches the trailer checks and the replay window past the tag;
 *   2: each record is a payload that the general core's mk_esp_seal seals with the same key and
 *      a fresh sequence number: mt_esp_open must open it to the same octets;
 *   3: each record is a payload that mt_esp_seal seals (next header 4, 41, 17 or 6 by its first
 *      octet):
 *      the general core's mk_esp_open must open it, and mt_esp_open on the same packet too.
 * ctl bit 2: transport mode SA. Up to 16 records share one SA, so the replay window sees
 * sequences. Invariants: a dropped packet changes nothing in the mt_esp_sa but `dropped` (and
 * counts it); an accepted packet's inner data lies inside the packet and, in modes 1-3, equals
 * what was sealed. Each packet is opened from an exact-size heap buffer. Differential: every
 * packet is also opened by the general core's mk_esp_open on an SA with the same key and
 * window (the reference): the same verdict (accepted or dropped), next header and inner octets,
 * and the same window and drop count afterwards.
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "minike_tiny.h"
#include "suite.h"

static const uint32_t SPI = 0xc0ffee01u;

static void check_drop(const mt_esp_sa *before, const mt_esp_sa *after)
{
    const size_t a = offsetof(mt_esp_sa, dropped);
    const size_t b = a + sizeof(before->dropped);
    FZ_CHECK(memcmp(before, after, a) == 0);
    FZ_CHECK(memcmp((const uint8_t *)before + b, (const uint8_t *)after + b,
                    sizeof(mt_esp_sa) - b) == 0);
    FZ_CHECK(after->dropped == before->dropped + 1);
}

/* The general core's view of the same SA (its inbound key is our inbound key). */
static void mk_sa_of(mk_esp_sa *m, const mt_esp_sa *t)
{
    memset(m, 0, sizeof(*m));
    m->spi_in = t->spi_in;
    m->spi_out = t->spi_in; /* seals what we open */
    m->encr = MK_ENCR_CHACHA20_POLY1305;
    m->encr_bits = 256;
    m->integ = MK_INTEG_NONE;
    m->ek_len = (uint8_t)sizeof(t->k_in);
    memcpy(m->ek_in, t->k_out, sizeof(t->k_out)); /* opens what we seal */
    memcpy(m->ek_out, t->k_in, sizeof(t->k_in));
    m->tunnel = t->tunnel;
    m->seq_out = t->replay_top; /* the next one is fresh */
    m->suites = mk_suites_default();
}

/* Mode 1: SPI | Seq | IV | E(pt) | tag with the inbound key; the IV is the sequence number. */
static size_t craft(const mt_esp_sa *sa, uint32_t seq, const uint8_t *pt, size_t ptlen,
                    uint8_t *pkt, size_t cap)
{
    const mk_encr_class *c = &mk_encr_chacha20poly1305;
    size_t total = 8 + c->iv_len + ptlen + c->icv_len;
    if (total > cap)
        return 0;
    fz_put32(pkt, SPI);
    fz_put32(pkt + 4, seq);
    memset(pkt + 8, 0, 4);
    fz_put32(pkt + 12, seq);
    if (ptlen)
        memcpy(pkt + 8 + c->iv_len, pt, ptlen);
    if (c->seal(sa->k_in, pkt + 8, pkt, 8, pkt + 8 + c->iv_len, ptlen,
                pkt + 8 + c->iv_len + ptlen) != MK_E_OK)
        return 0;
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t tmp[MT_MAX_MSG + 256];
    static mt_esp_sa sa, before;
    static mk_esp_sa gsa; /* the general core's view of the same inbound SA */
    static uint8_t gcopy[MT_MAX_MSG + 256];
    fz_rng rng;
    mk_env env;

    uint8_t ctl = fz_take8(&data, &size);
    unsigned mode = ctl & 3;
    memset(&sa, 0, sizeof(sa));
    sa.spi_in = sa.spi_out = SPI;
    fz_fill(sa.k_in, sizeof(sa.k_in), 0x20);
    fz_fill(sa.k_out, sizeof(sa.k_out), 0x40);
    sa.tunnel = !(ctl & 4);
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    mk_sa_of(&gsa, &sa);
    memcpy(gsa.ek_in, sa.k_in, sizeof(sa.k_in));

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
        uint8_t want_nh = 0;
        if (mode == 0) {
            if (rl > sizeof(tmp))
                continue;
            n = rl;
            if (n)
                memcpy(tmp, r, n);
        } else if (mode == 1) {
            if (rl < 4)
                continue;
            uint32_t seq =
                ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3];
            pt = r + 4;
            ptlen = rl - 4;
            n = craft(&sa, seq, pt, ptlen, tmp, sizeof(tmp));
        } else if (mode == 2) {
            mk_esp_sa m;
            mk_sa_of(&m, &sa);
            want_nh = sa.tunnel ? 4 : 17;
            if (mk_esp_seal(&m, &env, want_nh, r, rl, tmp, sizeof(tmp), &n) != MK_E_OK)
                n = 0;
            pt = r;
            ptlen = rl;
            mk_esp_wipe(&m);
        } else {
            /* our own seal, opened by the general core with our outbound key */
            mt_esp_sa out = sa;
            mk_esp_sa m;
            static const uint8_t nhs[4] = {4, 41, 17, 6};
            want_nh = nhs[rl ? r[0] & 3 : 0];
            out.spi_out = SPI;
            out.seq_out = sa.replay_top;
            memcpy(out.k_out, sa.k_in, sizeof(sa.k_in)); /* so that we can open it too */
            if (mt_esp_seal(&out, want_nh, r, rl, tmp, sizeof(tmp), &n) != MT_E_OK)
                n = 0;
            mt_esp_wipe(&out);
            if (n) {
                static uint8_t copy[sizeof(tmp)];
                uint8_t nh = 0;
                const uint8_t *inner = NULL;
                size_t inner_len = 0;
                mk_sa_of(&m, &sa);
                memcpy(m.ek_in, sa.k_in, sizeof(sa.k_in));
                memcpy(copy, tmp, n);
                FZ_CHECK(mk_esp_open(&m, copy, n, &nh, &inner, &inner_len) == MK_E_OK);
                FZ_CHECK(nh == want_nh && inner_len == rl &&
                         (rl == 0 || memcmp(inner, r, rl) == 0));
                mk_esp_wipe(&m);
            }
            pt = r;
            ptlen = rl;
        }
        if (n == 0)
            continue;
        uint8_t *pkt = (uint8_t *)malloc(n);
        FZ_CHECK(pkt != NULL);
        memcpy(pkt, tmp, n);

        /* the reference first, on its own copy */
        uint8_t gnh = 0;
        const uint8_t *ginner = NULL;
        size_t ginner_len = 0;
        memcpy(gcopy, pkt, n);
        mk_err ge = mk_esp_open(&gsa, gcopy, n, &gnh, &ginner, &ginner_len);

        before = sa;
        uint8_t nh = 0;
        const uint8_t *inner = NULL;
        size_t inner_len = 0;
        mt_err e = mt_esp_open(&sa, pkt, n, &nh, &inner, &inner_len);
        FZ_EAT(e);
        FZ_CHECK((ge == MK_E_OK) == (e == MT_E_OK));
        FZ_CHECK(gsa.replay_top == sa.replay_top && gsa.replay_bitmap == sa.replay_bitmap);
        FZ_CHECK(gsa.dropped == sa.dropped);
        if (e == MT_E_OK)
            FZ_CHECK(gnh == nh && ginner_len == inner_len &&
                     (inner_len == 0 || memcmp(ginner, inner, inner_len) == 0));
        if (mt_err_class(e) == MT_CLASS_DROP) {
            check_drop(&before, &sa);
            FZ_CHECK(mode < 2); /* a sealed packet with a fresh sequence number opens */
        } else {
            FZ_CHECK(e == MT_E_OK);
            FZ_CHECK(inner_len == 0 || (inner >= pkt && inner + inner_len <= pkt + n));
            FZ_CHECK(sa.dropped == before.dropped);
            fz_eat(inner, inner_len < 16 ? inner_len : 16);
            if (mode >= 2)
                FZ_CHECK(nh == want_nh && inner_len == ptlen &&
                         (ptlen == 0 || memcmp(inner, pt, ptlen) == 0));
            if (mode == 1) /* the tail after the inner data is padding, pad length, next header */
                FZ_CHECK(inner_len + 2 <= ptlen &&
                         (inner_len == 0 || memcmp(inner, pt, inner_len) == 0));
        }
        free(pkt);
    }
    mt_esp_wipe(&sa);
    return 0;
}
