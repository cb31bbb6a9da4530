/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_id, mk_pl_encode_id (IDi/IDr body, RFC 7296 §3.5) */
/*
 * The input is an ID payload body. Invariants: the data is the whole body after the 4 fixed
 * octets (the body, RestOfIDPayload, feeds the AUTH octets, §2.15), and a decoded ID re-encodes
 * to the same type and data.
 */
#include "fuzz_common.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_idv a, c;

    memset(&a, 0, sizeof(a));
    mk_err e = mk_pl_decode_id(&a, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(a.data == data + 4 && a.len == size - 4);
    fz_eat(a.data, a.data ? a.len : 0);

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_id(&w, a.type, a.data, a.len);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&c, 0, sizeof(c));
    FZ_CHECK(mk_pl_decode_id(&c, b, w.off) == MK_E_OK);
    FZ_CHECK(c.type == a.type && c.len == a.len);
    FZ_CHECK(a.len == 0 || memcmp(a.data, c.data, a.len) == 0);
    return 0;
}
