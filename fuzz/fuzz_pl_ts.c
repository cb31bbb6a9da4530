/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_ts, mk_pl_encode_ts (TSi/TSr payload body, RFC 7296 §3.13) */
/*
 * The input is a TS payload body. Invariant (round-trip stability): if decode succeeds,
 * encode(decoded) decodes again to the same selectors and re-encodes to the same bytes.
 */
#include "fuzz_common.h"
#include "msg_tools.h"

static int same_ts(const mk_ts *a, const mk_ts *b)
{
    size_t alen = a->type == MK_TS_IPV6_RANGE ? 16 : 4;
    return a->type == b->type && a->proto == b->proto && a->start_port == b->start_port &&
           a->end_port == b->end_port && memcmp(a->start, b->start, alen) == 0 &&
           memcmp(a->end, b->end, alen) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mk_tsl l1, l2;
    static uint8_t b1[MK_MAX_MSG], b2[MK_MAX_MSG];

    memset(&l1, 0, sizeof(l1));
    mk_err e = mk_pl_decode_ts(&l1, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(l1.n <= MK_MAX_TS);
    for (size_t i = 0; i < l1.n; i++)
        FZ_EAT(l1.ts[i].start_port);

    mk_wr w1 = mk_wr_init(b1, sizeof(b1));
    mk_pl_encode_ts(&w1, l1.ts, l1.n);
    FZ_CHECK(w1.err == MK_E_OK);

    memset(&l2, 0, sizeof(l2));
    FZ_CHECK(mk_pl_decode_ts(&l2, b1, w1.off) == MK_E_OK);
    FZ_CHECK(l1.n == l2.n);
    for (size_t i = 0; i < l1.n; i++)
        FZ_CHECK(same_ts(&l1.ts[i], &l2.ts[i]));

    mk_wr w2 = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_ts(&w2, l2.ts, l2.n);
    FZ_CHECK(w2.err == MK_E_OK && w2.off == w1.off && memcmp(b1, b2, w1.off) == 0);

    /* the encoder's own checks: a writer cut short, no selector, an unknown selector type */
    mk_wr ws = mk_wr_init(b2, (size + data[0]) % w1.off);
    mk_pl_encode_ts(&ws, l1.ts, l1.n);
    FZ_CHECK(ws.err != MK_E_OK && ws.off <= ws.cap);
    ws = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_ts(&ws, l1.ts, 0);
    FZ_CHECK(ws.err != MK_E_OK);
    l2.ts[l2.n - 1].type = (uint8_t)(data[0] | 0x10);
    ws = mk_wr_init(b2, sizeof(b2));
    mk_pl_encode_ts(&ws, l2.ts, l2.n);
    FZ_CHECK(ws.err != MK_E_OK);
    return 0;
}
