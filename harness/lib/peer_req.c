/* SPDX-License-Identifier: MIT */
/*
 * peer_req: requests the responder starts itself on an established IKE SA (RFC 7296 §1.4, §1.3,
 * RFC 7815 §2.1: a minimal initiator must answer them): a liveness check, a CREATE_CHILD_SA
 * rekey, an INFORMATIONAL with an unknown critical payload, and the Delete of the IKE SA. It
 * keeps its own Message ID counter, retransmits the bitwise identical request with back-off
 * until the answer arrives, and records what the answer contained. It must never act on an
 * answer that does not match the outstanding request or whose ICV fails.
 */
#include <string.h>

#include "peer_int.h"

static mk_err send_req(peer_sa *p, uint8_t kind, uint8_t exchange, const mk_wr *w, uint64_t now_ms)
{
    if (w->err != MK_E_OK)
        return w->err;
    /* RFC 7296 §3.1: a request has R clear, and I clear since we are the original responder;
     * RFC 7296 §2.2: the Message ID is our own counter, starting at 0 */
    size_t len = peer_seal(p, exchange, 0, p->my_msgid, w->p[0], w->p + 1, w->off - 1, p->req,
                           sizeof p->req);
    if (len == 0)
        return MK_E_BUF_TOO_SMALL;
    p->req_len = (uint16_t)len;
    p->req_exchange = exchange;
    p->req_kind = kind;
    p->req_outstanding = true;
    p->req_retx = 0;
    p->req_rto_ms = PEER_RTO_MS;
    p->req_next_ms = now_ms + PEER_RTO_MS;
    memset(&p->answer, 0, sizeof p->answer);
    p->st = MK_PEER_REQ_SENT;
    peer_queue(p, p->req, p->req_len, p->on_4500 ? MK_PORT_NATT : MK_PORT_IKE, &p->remote);
    return MK_E_OK;
}

static bool can_send(const peer_sa *p)
{
    return p != NULL && p->st == MK_PEER_ESTABLISHED && !p->req_outstanding;
}

mk_err sa_send_liveness(peer_sa *p, uint64_t now_ms)
{
    uint8_t inner[16];
    size_t slot;
    if (!can_send(p))
        return MK_E_BAD_STATE;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot); /* SK{}: RFC 7296 §1.4 */
    return send_req(p, PEER_REQ_LIVENESS, MK_EX_INFORMATIONAL, &w, now_ms);
}

mk_err sa_send_unknown_critical(peer_sa *p, uint64_t now_ms)
{
    static const uint8_t junk[4] = {0xca, 0xfe, 0xba, 0xbe};
    uint8_t inner[64];
    size_t slot;
    if (!can_send(p))
        return MK_E_BAD_STATE;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot);
    size_t at = mk_pl_begin(&w, &slot, PEER_PT_UNKNOWN, true);
    mk_wr_bytes(&w, junk, sizeof junk);
    mk_pl_end(&w, at);
    return send_req(p, PEER_REQ_UNKNOWN_CRIT, MK_EX_INFORMATIONAL, &w, now_ms);
}

mk_err sa_send_delete(peer_sa *p, uint64_t now_ms)
{
    uint8_t inner[64];
    size_t slot;
    if (!can_send(p))
        return MK_E_BAD_STATE;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot);
    /* RFC 7296 §3.11: deleting the IKE SA: protocol 1, SPI size 0, no SPIs */
    size_t at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
    mk_pl_encode_delete(&w, MK_PROTO_IKE, 0, NULL, 0);
    mk_pl_end(&w, at);
    return send_req(p, PEER_REQ_DELETE, MK_EX_INFORMATIONAL, &w, now_ms);
}

mk_err sa_send_create_child(peer_sa *p, uint64_t now_ms)
{
    uint8_t inner[512];
    uint8_t nonce[PEER_NONCE_LEN];
    size_t slot;
    if (!can_send(p) || !p->child_ok)
        return MK_E_BAD_STATE;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot);
    uint8_t old_spi[4] = {(uint8_t)(p->child.spi_in >> 24), (uint8_t)(p->child.spi_in >> 16),
                          (uint8_t)(p->child.spi_in >> 8), (uint8_t)p->child.spi_in};
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 1;
    mk_proposal *r = &sa.p[0];
    r->num = 1;
    r->proto = MK_PROTO_ESP;
    r->spi_len = 4;
    do
        p->env.rng(p->env.ctx, r->spi, 4);
    while (r->spi[0] == 0 && r->spi[1] == 0 && r->spi[2] == 0);
    r->t[r->n_t++] = (mk_transform){MK_TT_ENCR, p->child.encr, p->child.encr_bits};
    if (p->child.integ != 0)
        r->t[r->n_t++] = (mk_transform){MK_TT_INTEG, p->child.integ, 0};
    r->t[r->n_t++] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
    p->env.rng(p->env.ctx, nonce, sizeof nonce);

    /* RFC 7296 §1.3.3: rekeying a Child SA: N(REKEY_SA) names the SA being replaced */
    size_t at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(&w, MK_PROTO_ESP, old_spi, 4, PEER_N_REKEY_SA, NULL, 0);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, &sa);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_pl_encode_nonce(&w, nonce, sizeof nonce);
    mk_pl_end(&w, at);
    /* we start this exchange: TSi is our side (the child's TSr), TSr theirs */
    at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
    mk_pl_encode_ts(&w, &p->child_tsr, 1);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
    mk_pl_encode_ts(&w, &p->child_tsi, 1);
    mk_pl_end(&w, at);
    if (!p->child.tunnel) {
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_USE_TRANSPORT_MODE, NULL, 0);
        mk_pl_end(&w, at);
    }
    return send_req(p, PEER_REQ_CREATE_CHILD, MK_EX_CREATE_CHILD_SA, &w, now_ms);
}

/* An answer of the initiator to our outstanding request. */
mk_err peer_on_response(peer_sa *p, const mk_msg *m, uint16_t port, const mk_addr *from)
{
    const mk_hdr *h = &m->hdr;
    (void)port;
    (void)from;
    if (!p->req_outstanding)
        return peer_drop(p, MK_E_UNEXPECTED_MSG);
    if (!p->have_sa || memcmp(h->spi_i, p->spi_i, 8) != 0 || memcmp(h->spi_r, p->spi_r, 8) != 0)
        return peer_drop(p, MK_E_WRONG_SPI);
    /* RFC 7296 §2.2: a response carries the Message ID of the request it answers */
    if (h->msgid != p->my_msgid)
        return peer_drop(p, MK_E_WRONG_MSGID);
    /* RFC 7296 §3.1: the original initiator sets I in all its messages */
    if (h->exchange != p->req_exchange || !(h->flags & MK_HDR_F_INITIATOR))
        return peer_drop(p, MK_E_UNEXPECTED_MSG);
    if (!m->has_sk)
        return peer_drop(p, MK_E_BAD_SYNTAX);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    mk_sk_keys k;
    peer_sk_keys(p, true, &k);
    /* RFC 7296 §2.21: an answer whose ICV fails is ignored, the request stays outstanding */
    mk_err e = mk_sk_open(m, &k, plain, sizeof plain, &in);
    if (e != MK_E_OK) {
        mk_wipe(plain, sizeof plain);
        return peer_drop(p, e);
    }
    mk_peer_answer *a = &p->answer;
    memset(a, 0, sizeof *a);
    a->valid = true;
    a->exchange = h->exchange;
    for (size_t i = 0; i < in.n && a->n_types < MK_MAX_PAYLOADS; i++)
        a->types[a->n_types++] = in.pl[i].type;
    for (size_t i = 0; i < in.n; i++) {
        mk_notify nt;
        if (in.pl[i].type != MK_PT_NOTIFY ||
            mk_pl_decode_notify(&nt, in.pl[i].body, in.pl[i].len) != MK_E_OK)
            continue;
        a->notify = nt.type;
        a->notify_data_len =
            (uint8_t)(nt.data_len < sizeof a->notify_data ? nt.data_len : sizeof a->notify_data);
        memcpy(a->notify_data, nt.data, a->notify_data_len);
        break;
    }
    mk_wipe(plain, sizeof plain);
    p->req_outstanding = false;
    p->my_msgid++;
    p->stats.round_trips++;
    p->st = p->req_kind == PEER_REQ_DELETE ? MK_PEER_CLOSED : MK_PEER_ESTABLISHED;
    return MK_E_OK;
}

mk_err sa_on_timer(peer_sa *p, uint64_t now_ms)
{
    if (p == NULL)
        return MK_E_BAD_STATE;
    if (!p->req_outstanding || now_ms < p->req_next_ms)
        return MK_E_OK;
    if (p->req_retx >= PEER_MAX_RETX) {
        p->req_outstanding = false;
        p->err = MK_E_TIMEOUT; /* the last event of this SA, whatever was refused before */
        p->st = MK_PEER_CLOSED;
        peer_trace(p, MK_EV_STATE, "CLOSED (request timed out)");
        return MK_E_TIMEOUT;
    }
    /* RFC 7296 §2.1: retransmissions are bitwise identical; §2.4: timeouts grow */
    p->req_retx++;
    p->stats.retransmits++;
    p->req_rto_ms = p->req_rto_ms * 2 > PEER_RTO_MAX_MS ? PEER_RTO_MAX_MS : p->req_rto_ms * 2;
    p->req_next_ms = now_ms + p->req_rto_ms;
    peer_trace(p, MK_EV_RETRANSMIT, "request");
    peer_queue(p, p->req, p->req_len, p->on_4500 ? MK_PORT_NATT : MK_PORT_IKE, &p->remote);
    return MK_E_OK;
}

uint64_t sa_deadline(const peer_sa *p)
{
    return (p != NULL && p->req_outstanding) ? p->req_next_ms : UINT64_MAX;
}
