/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_cert, mk_pl_encode_cert (CERT / CERTREQ body, RFC 7296 §3.6, §3.7) */
/*
 * The input is a CERT (or CERTREQ: same layout) body. Stability: re-encode gives the same
 * encoding and data.
 */
#include "fuzz_common.h"
#include "msg.h"
#include "msg_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_certv a, c;

    memset(&a, 0, sizeof(a));
    mk_err e = mk_pl_decode_cert(&a, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(a.len == 0 || (a.data >= data && a.data + a.len <= data + size));
    fz_eat(a.data, a.data ? a.len : 0);

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_cert(&w, a.encoding, a.data, a.len);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&c, 0, sizeof(c));
    FZ_CHECK(mk_pl_decode_cert(&c, b, w.off) == MK_E_OK);
    FZ_CHECK(c.encoding == a.encoding && c.len == a.len);
    FZ_CHECK(a.len == 0 || memcmp(a.data, c.data, a.len) == 0);
    return 0;
}
