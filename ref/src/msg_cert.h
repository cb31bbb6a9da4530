/* SPDX-License-Identifier: MIT */
/*
 * msg_cert: the CERT and CERTREQ payload bodies (RFC 7296 §3.6, §3.7), which only raw public
 * keys use (RFC 7670; MK_RPK, initiator_rpk.c): a PSK-only core never builds or reads them. The
 * chain walk (msg.c, pl_min) still knows both types in every profile.
 */
#ifndef MK_MSG_CERT_H
#define MK_MSG_CERT_H

#include "msg.h"

/* Encoding (1) | data */
typedef struct mk_certv {
    uint8_t encoding;
    const uint8_t *data;
    uint16_t len;
} mk_certv;
mk_err mk_pl_decode_cert(mk_certv *c, const uint8_t *body, size_t len);
void mk_pl_encode_cert(mk_wr *w, uint8_t encoding, const uint8_t *data, size_t len);

#endif
