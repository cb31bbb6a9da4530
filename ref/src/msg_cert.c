/* SPDX-License-Identifier: MIT */
/*
 * msg_cert: the CERT and CERTREQ payload codec (RFC 7296 §3.6, §3.7), split from msg.c because
 * only raw public keys (MK_RPK) use it. Pure like every decoder: views into the caller's bytes,
 * read through the one bounds-checked reader, DROP-class errors for anything malformed.
 */
#include "msg_cert.h"

mk_err mk_pl_decode_cert(mk_certv *c, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.6/§3.7: Encoding (1) | data. A CERTREQ for raw public keys (RFC 7670) has an
     * empty Certification Authority field, so empty data is allowed here. More than a Payload
     * Length can say (direct callers: tests, fuzzers) is BAD_LENGTH, like an empty body. */
    mk_rd r = mk_rd_init(body, len);
    if (len < 1 || len > UINT16_MAX)
        (void)mk_rd_fail(&r, MK_E_BAD_LENGTH);
    c->encoding = mk_rd_u8(&r);
    c->len = (uint16_t)mk_rd_left(&r);
    c->data = mk_rd_bytes(&r, c->len);
    return r.err;
}

void mk_pl_encode_cert(mk_wr *w, uint8_t encoding, const uint8_t *data, size_t len)
{
    mk_wr_u8(w, encoding);
    mk_wr_bytes(w, data, len);
}
