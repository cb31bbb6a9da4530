/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_ke, mk_pl_encode_ke, mk_pl_decode_nonce (KE and Nonce bodies, §3.4, §3.9) */
/*
 * The input is a KE payload body; the same bytes are also tried as a Nonce body (16..256
 * octets). Stability: a decoded KE re-encodes to the same group and data; the Nonce encoder
 * accepts exactly what the decoder accepts; an encoding cut short fails.
 */
#include "fuzz_common.h"
#include "msg_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_ke a, c;
    const uint8_t *nonce = NULL;
    uint16_t nlen = 0;

    mk_err ne = mk_pl_decode_nonce(&nonce, &nlen, data, size);
    FZ_EAT(ne);
    if (ne == MK_E_OK) {
        FZ_CHECK(nlen >= 16 && nlen <= MK_MAX_NONCE && nlen == size);
        fz_eat(nonce, nlen);
    }
    /* the Nonce encoder refuses what the decoder refuses (RFC 7296 §3.9: 16..256 octets) */
    mk_wr wn = mk_wr_init(b, sizeof(b));
    mk_pl_encode_nonce(&wn, data, size);
    FZ_CHECK((wn.err == MK_E_OK) == (ne == MK_E_OK));

    memset(&a, 0, sizeof(a));
    mk_err e = mk_pl_decode_ke(&a, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(a.len == 0 || (a.data >= data && a.data + a.len <= data + size));
    fz_eat(a.data, a.data ? a.len : 0);

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_ke(&w, a.group, a.data, a.len);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&c, 0, sizeof(c));
    FZ_CHECK(mk_pl_decode_ke(&c, b, w.off) == MK_E_OK);
    FZ_CHECK(c.group == a.group && c.len == a.len);
    FZ_CHECK(a.len == 0 || memcmp(a.data, c.data, a.len) == 0);
    mk_wr ws = mk_wr_init(b, (size + a.group) % w.off); /* cut short: an error */
    mk_pl_encode_ke(&ws, a.group, a.data, a.len);
    FZ_CHECK(ws.err != MK_E_OK && ws.off <= ws.cap);
    return 0;
}
