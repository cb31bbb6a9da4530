/* SPDX-License-Identifier: MIT */
/*
 * fuzz_chain.h: run pass 2 (every payload decoder) over a chain that pass 1 accepted, the way
 * the initiator would, so the chain targets reach the decoders with realistic framing. Also
 * checks that every payload view lies inside the bytes it came from.
 */
#ifndef MK_FUZZ_CHAIN_H
#define MK_FUZZ_CHAIN_H

#include "fuzz_common.h"
#include "msg_cert.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "sk.h"

static inline void fz_decode_pl(const mk_pl *pl)
{
    mk_err e = MK_E_OK;
    switch (pl->type) {
    case MK_PT_SA: {
        static mk_sa sa;
        e = mk_pl_decode_sa(&sa, pl->body, pl->len);
        if (e == MK_E_OK && sa.n > 0)
            FZ_EAT(sa.p[0].n_t);
        break;
    }
    case MK_PT_KE: {
        mk_ke ke;
        e = mk_pl_decode_ke(&ke, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(ke.group);
        break;
    }
    case MK_PT_IDI:
    case MK_PT_IDR: {
        mk_idv id;
        e = mk_pl_decode_id(&id, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(id.type);
        break;
    }
    case MK_PT_CERT:
    case MK_PT_CERTREQ: {
        mk_certv c;
        e = mk_pl_decode_cert(&c, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(c.encoding);
        break;
    }
    case MK_PT_AUTH: {
        mk_authv a;
        e = mk_pl_decode_auth(&a, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(a.method);
        break;
    }
    case MK_PT_NONCE: {
        const uint8_t *n;
        uint16_t nl;
        e = mk_pl_decode_nonce(&n, &nl, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(nl);
        break;
    }
    case MK_PT_NOTIFY: {
        mk_notify n;
        e = mk_pl_decode_notify(&n, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(n.type);
        break;
    }
    case MK_PT_DELETE: {
        mk_deletev d;
        e = mk_pl_decode_delete(&d, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(d.n_spi);
        break;
    }
    case MK_PT_TSI:
    case MK_PT_TSR: {
        static mk_tsl l;
        e = mk_pl_decode_ts(&l, pl->body, pl->len);
        if (e == MK_E_OK)
            FZ_EAT(l.n);
        break;
    }
    default:
        fz_eat(pl->body, pl->body ? pl->len : 0);
        break;
    }
    FZ_EAT(e);
}

/* Decode every payload of `c`, whose views must lie inside [base, base + len). */
static inline void fz_decode_chain(const mk_chain *c, const uint8_t *base, size_t len)
{
    static char desc[512];
    FZ_CHECK(c->n <= MK_MAX_PAYLOADS);
    for (size_t i = 0; i < c->n; i++) {
        const mk_pl *pl = &c->pl[i];
        FZ_CHECK(pl->len == 0 || (pl->body >= base && pl->body + pl->len <= base + len));
        fz_decode_pl(pl);
    }
    mk_chain_describe(c, desc, sizeof(desc));
    FZ_CHECK(memchr(desc, 0, sizeof(desc)) != NULL);
    fz_eat(desc, strlen(desc));
    static const uint16_t probe[] = {MK_N_COOKIE, MK_N_INVALID_KE_PAYLOAD,
                                     MK_N_NAT_DETECTION_SOURCE_IP, MK_N_NO_PROPOSAL_CHOSEN};
    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
        const mk_pl *n = mk_chain_find_notify(c, probe[i]);
        if (n)
            FZ_EAT(n->len);
    }
    const mk_pl *sa = mk_chain_find(c, MK_PT_SA);
    if (sa)
        FZ_EAT(sa->len);
}

/* Build a whole protected message: header fields given, inner = plaintext payload chain. */
static inline size_t fz_seal_msg(uint8_t *buf, size_t cap, const uint8_t spi_i[8],
                                 const uint8_t spi_r[8], uint8_t exchange, uint8_t flags,
                                 uint32_t msgid, const mk_sk_keys *k, const mk_env *env,
                                 uint8_t first, const uint8_t *inner, size_t inner_len)
{
    mk_wr w = mk_wr_init(buf, cap);
    mk_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.spi_i, spi_i, 8);
    memcpy(h.spi_r, spi_r, 8);
    h.next = MK_PT_SK;
    h.version = 0x20;
    h.exchange = exchange;
    h.flags = flags;
    h.msgid = msgid;
    mk_hdr_encode(&w, &h);
    if (w.err != MK_E_OK)
        return 0;
    if (mk_sk_seal(&w, k, env, first, inner, inner_len) != MK_E_OK || w.err != MK_E_OK)
        return 0;
    return w.off;
}

#endif
