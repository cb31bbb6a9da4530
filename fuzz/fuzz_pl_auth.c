/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_auth, mk_pl_encode_auth (AUTH body, RFC 7296 §3.8) */
/*
 * The input is an AUTH payload body. Stability: re-encode gives the same method and data.
 */
#include "fuzz_common.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_authv a, c;

    memset(&a, 0, sizeof(a));
    mk_err e = mk_pl_decode_auth(&a, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(a.len == 0 || (a.data >= data && a.data + a.len <= data + size));
    fz_eat(a.data, a.data ? a.len : 0);

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_auth(&w, a.method, a.data, a.len);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&c, 0, sizeof(c));
    FZ_CHECK(mk_pl_decode_auth(&c, b, w.off) == MK_E_OK);
    FZ_CHECK(c.method == a.method && c.len == a.len);
    FZ_CHECK(a.len == 0 || memcmp(a.data, c.data, a.len) == 0);
    return 0;
}
