/* SPDX-License-Identifier: MIT */
/* Target: mk_msg_parse, mk_hdr_decode, mk_chain_parse, mk_chain_describe, mk_chain_find*, and
 * every mk_pl_decode_* over the payloads it finds (a whole IKE datagram, RFC 7296 §3.1-3.2) */
/*
 * The input is one UDP payload on port 500 (no non-ESP marker). Invariants: every view lies
 * inside the datagram; an SK payload is last and its body and header offset are inside too.
 */
#include "fuzz_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mk_msg m;
    mk_hdr h;

    mk_rd hr = mk_rd_init(data, size);
    mk_err he = mk_hdr_decode(&h, &hr);
    FZ_EAT(he);
    memset(&m, 0, sizeof(m));
    mk_err e = mk_msg_parse(&m, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(he == MK_E_OK);
    FZ_CHECK(size >= MK_HDR_LEN && m.hdr.length == size);
    fz_decode_chain(&m.chain, data, size);
    if (m.has_sk) {
        FZ_CHECK(m.sk_hdr_off >= MK_HDR_LEN && m.sk_hdr_off + MK_GEN_HDR_LEN <= size);
        FZ_CHECK(m.sk_body == data + m.sk_hdr_off + MK_GEN_HDR_LEN);
        FZ_CHECK(m.sk_body + m.sk_len == data + size); /* SK is last */
    }
    const char *xn = mk_exchange_name(m.hdr.exchange);
    FZ_CHECK(xn != NULL);
    fz_eat(xn, strlen(xn));
    return 0;
}
