/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_sa, mk_pl_encode_sa, mk_proposal_get (SA payload body, RFC 7296 §3.3) */
/*
 * The input is an SA payload body (generic header excluded). Invariant (round-trip stability):
 * if decode succeeds, encode(decoded) must decode again to the same proposals, and encoding that
 * second struct must give the same bytes as the first encode. The encoder's own checks: the same
 * SA into a writer cut short (at an input-chosen octet) fails, and so do an SA without
 * proposals and a proposal without transforms.
 */
#include "fuzz_common.h"
#include "msg.h"
#include "msg_sa.h"

static int same_sa(const mk_sa *a, const mk_sa *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n && i < MK_MAX_PROPOSALS; i++) {
        const mk_proposal *p = &a->p[i], *q = &b->p[i];
        if (p->num != q->num || p->proto != q->proto || p->spi_len != q->spi_len ||
            p->n_t != q->n_t)
            return 0;
        if (p->spi_len <= sizeof(p->spi) && memcmp(p->spi, q->spi, p->spi_len) != 0)
            return 0;
        for (size_t j = 0; j < p->n_t && j < MK_MAX_TRANSFORMS; j++) {
            if (p->t[j].type != q->t[j].type || p->t[j].id != q->t[j].id ||
                p->t[j].key_bits != q->t[j].key_bits)
                return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mk_sa sa1, sa2;
    static uint8_t b1[2 * MK_MAX_MSG], b2[2 * MK_MAX_MSG];

    memset(&sa1, 0, sizeof(sa1));
    mk_err e = mk_pl_decode_sa(&sa1, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(sa1.n <= MK_MAX_PROPOSALS);
    for (size_t i = 0; i < sa1.n; i++) {
        FZ_CHECK(sa1.p[i].n_t <= MK_MAX_TRANSFORMS);
        FZ_CHECK(sa1.p[i].spi_len <= sizeof(sa1.p[i].spi));
        for (uint8_t t = MK_TT_ENCR; t <= MK_TT_ESN; t++) {
            const mk_transform *tr = mk_proposal_get(&sa1.p[i], t);
            if (tr)
                FZ_EAT(tr->id);
        }
    }

    mk_wr w1 = mk_wr_init(b1, sizeof(b1));
    mk_pl_encode_sa(&w1, &sa1);
    FZ_CHECK(w1.err == MK_E_OK);

    memset(&sa2, 0, sizeof(sa2));
    FZ_CHECK(mk_pl_decode_sa(&sa2, b1, w1.off) == MK_E_OK);
    FZ_CHECK(same_sa(&sa1, &sa2));

    mk_wr w2 = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_sa(&w2, &sa2);
    FZ_CHECK(w2.err == MK_E_OK && w2.off == w1.off && memcmp(b1, b2, w1.off) == 0);

    mk_wr ws = mk_wr_init(b2, (size + data[0]) % w1.off);
    mk_pl_encode_sa(&ws, &sa1);
    FZ_CHECK(ws.err != MK_E_OK && ws.off <= ws.cap);
    sa2.p[0].n_t = 0;
    ws = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_sa(&ws, &sa2);
    FZ_CHECK(ws.err != MK_E_OK);
    sa2.n = 0;
    ws = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_sa(&ws, &sa2);
    FZ_CHECK(ws.err != MK_E_OK);
    return 0;
}
