/* SPDX-License-Identifier: MIT */
/*
 * tiny_walk: the one bounds-checked reader of untrusted payload chains (RFC 7296 §3.2). It only
 * goes forward and consumes at least the 4-octet generic header per payload, so it ends.
 */
#include "tiny_int.h"

/* minimum body per type 33..48, as the general codec (msg.c): SA KE IDi IDr CERT CERTREQ AUTH
 * Nonce N D V TSi TSr SK CP EAP */
static const uint8_t pl_min[PT_EAP - PT_SA + 1] = {8, 5, 5, 5, 1, 1, 5, 16, 4, 4, 0, 4, 4, 0, 4, 4};
enum { MAX_NONCE = 256, MAX_PAYLOADS = 16 };

mt_walk mt_walk_init(const uint8_t *p, size_t len, uint8_t first)
{
    return (mt_walk){.p = p, .end = p + len, .next = first};
}

uint8_t mt_walk_next(mt_walk *w, const uint8_t **body, size_t *len)
{
    while (w->next != 0 && w->err == MT_E_OK && w->sk == NULL) {
        uint8_t type = w->next;
        size_t left = (size_t)(w->end - w->p), plen = left >= GEN_LEN ? be16(w->p + 2) : 0;
        /* RFC 7296 §3.2: Payload Length includes the generic header, and fits the message */
        if (plen < GEN_LEN || plen > left) {
            w->err = MT_E_MALFORMED;
            break;
        }
        const uint8_t *hdr = w->p;
        w->next = hdr[0];
        w->p += plen;
        *body = hdr + GEN_LEN;
        *len = plen - GEN_LEN;
        if (type < PT_SA || type > PT_EAP) {
            /* RFC 7296 §2.5: an unknown payload is ignored, unless it is critical: then the
             * message MUST be rejected (the caller decides how) */
            if ((hdr[1] & 0x80) && w->critical == 0)
                w->critical = type;
            continue;
        }
        if (*len < pl_min[type - PT_SA] || (type == PT_NONCE && *len > MAX_NONCE)) {
            w->err = MT_E_MALFORMED;
            break;
        }
        /* RFC 7296 §3.14: the Encrypted payload, if present, MUST be the last payload */
        if (type == PT_SK) {
            w->sk = hdr;
            if (w->p != w->end)
                w->err = MT_E_MALFORMED;
            break;
        }
        return type;
    }
    /* the last payload ends exactly where the message does */
    if (w->err == MT_E_OK && w->sk == NULL && w->p != w->end)
        w->err = MT_E_MALFORMED;
    return 0;
}

/* Walk a chain once for its errors before anything in it is used (the general codec parses
 * every message whole first: a malformed payload after the ones we look at drops it all). */
mt_err mt_walk_all(mt_walk *w)
{
    const uint8_t *b;
    size_t n, count = 0;
    while (mt_walk_next(w, &b, &n) != 0)
        if (++count > MAX_PAYLOADS)
            return MT_E_MALFORMED;
    return w->err;
}
