/* SPDX-License-Identifier: MIT */
/*
 * peer: the public side of the test/demo IKEv2 responder (RFC 7296) declared in peer.h: life
 * cycle, the datagram dispatcher, the outgoing FIFO, the responder's retransmission cache and
 * the small helpers the exchange handlers share (headers, SK sealing). IKE_SA_INIT lives in
 * peer_init.c, IKE_AUTH and the initiator's later requests in peer_auth.c, our own requests in
 * peer_req.c. Like the core it is sans-I/O: datagrams in, datagrams out, time as an argument,
 * randomness from env->rng. It must never act on a datagram that failed to parse or whose ICV
 * did not verify: such input is dropped and counted in stats, and the SA is left untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "peer_int.h"

/* ---- small helpers --------------------------------------------------------------------------- */

void peer_trace(peer_sa *p, mk_event ev, const char *detail)
{
    if (p->env.trace != NULL)
        p->env.trace(p->env.ctx, ev, detail);
}

mk_err peer_drop(peer_sa *p, mk_err e)
{
    p->stats.dropped++;
    p->stats.last_drop = e;
    peer_trace(p, MK_EV_DROP, mk_err_name(e));
    return e;
}

void peer_refuse(peer_sa *p, const mk_msg *m, mk_err why)
{
    bool again = p->refusals > 0 && p->err == why && memcmp(p->refused_spi_i, m->hdr.spi_i, 8) == 0;
    p->err = why;
    memcpy(p->refused_spi_i, m->hdr.spi_i, 8);
    if (!again)
        p->refusals++;
    peer_trace(p, MK_EV_INFO, mk_err_name(why));
}

void peer_queue(peer_sa *p, const uint8_t *msg, size_t len, uint16_t port, const mk_addr *to)
{
    size_t off = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
    if (len == 0 || len > MK_MAX_MSG)
        return;
    if (p->tx_n == PEER_TXQ) { /* full: the oldest datagram is lost, like a full socket buffer */
        p->tx_head = (uint8_t)((p->tx_head + 1) % PEER_TXQ);
        p->tx_n--;
    }
    peer_tx *t = &p->txq[(p->tx_head + p->tx_n) % PEER_TXQ];
    /* RFC 3948 §2.2: IKE on UDP 4500 carries a 4-octet zero non-ESP marker */
    memset(t->buf, 0, off);
    memcpy(t->buf + off, msg, len);
    t->len = (uint16_t)(len + off);
    t->port = port;
    if (to != NULL)
        t->to = *to;
    else
        memset(&t->to, 0, sizeof t->to);
    p->tx_n++;
    p->stats.tx_dgrams++;
    p->stats.tx_bytes += (uint32_t)t->len;
    peer_trace(p, MK_EV_TX, mk_exchange_name(msg[18]));
}

void peer_answer(peer_sa *p, const uint8_t *msg, size_t len, uint16_t port, const mk_addr *to,
                 uint32_t n)
{
    uint32_t bit = (n >= 1 && n <= 32) ? (uint32_t)1u << (n - 1) : 0;
    if (p->cfg.script.drop_tx_mask & bit) {
        peer_trace(p, MK_EV_INFO, "script: answer built but not sent");
        return;
    }
    peer_queue(p, msg, len, port, to);
    if (p->cfg.script.dup_tx_mask & bit)
        peer_queue(p, msg, len, port, to);
}

static void req_hash(const mk_msg *m, uint8_t out[32])
{
    mk_iov iov = {m->dgram, m->len};
    mk_sha256(&iov, 1, out);
}

void peer_cache_response(peer_sa *p, const mk_msg *req, const uint8_t *resp, size_t len)
{
    p->resp_valid = len > 0 && len <= sizeof p->resp;
    p->resp_msgid = req->hdr.msgid;
    req_hash(req, p->resp_req_hash);
    if (p->resp_valid) {
        memcpy(p->resp, resp, len);
        p->resp_len = (uint16_t)len;
    }
    /* RFC 7296 §2.2: the next request of the initiator carries the next Message ID */
    p->expect_msgid = req->hdr.msgid + 1;
}

void peer_sk_keys(const peer_sa *p, bool from_initiator, mk_sk_keys *k)
{
    k->encr = p->encr;
    k->integ = p->integ;
    /* RFC 7296 §2.14: SK_ei/SK_ai protect what the original initiator sends, SK_er/SK_ar the
     * other direction, whatever the direction of the exchange */
    k->ek = from_initiator ? p->keys.ei : p->keys.er;
    k->ak = from_initiator ? p->keys.ai : p->keys.ar;
}

size_t peer_seal(peer_sa *p, uint8_t exchange, uint8_t flags, uint32_t msgid, uint8_t first,
                 const uint8_t *inner, size_t inner_len, uint8_t *out, size_t cap)
{
    mk_sk_keys k;
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, p->spi_i, 8);
    memcpy(h.spi_r, p->spi_r, 8);
    h.next = MK_PT_SK;
    h.version = 0x20;
    h.exchange = exchange;
    h.flags = flags;
    h.msgid = msgid;
    h.length = MK_HDR_LEN;
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr_encode(&w, &h);
    peer_sk_keys(p, false, &k);
    if (w.err != MK_E_OK || mk_sk_seal(&w, &k, &p->env, first, inner, inner_len) != MK_E_OK ||
        w.err != MK_E_OK)
        return 0;
    return w.off;
}

mk_wr peer_inner_init(uint8_t *buf, size_t cap, size_t *slot)
{
    mk_wr w = mk_wr_init(buf, cap);
    mk_wr_u8(&w, MK_PT_NONE); /* scratch: receives the type of the first inner payload */
    *slot = 0;
    return w;
}

const mk_encr_class *peer_encr_class(const mk_suites *s, uint16_t id, uint16_t bits)
{
    const mk_encr_class *c = mk_suite_encr(s, id, bits);
    if (c == NULL && bits == 0) {
        c = mk_suite_encr(s, id, 256);
        if (c != NULL && c->needs_key_attr)
            c = NULL; /* a Key Length attribute is required, 0 bits cannot mean this one */
    }
    return c;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static bool config_ok(const mk_peer_config *cfg)
{
    bool digsig = cfg->auth_method == MK_AUTH_DIGSIG;
    if (cfg->suites == NULL || cfg->n_ike == 0 || cfg->n_ike > MK_MAX_SUITES || cfg->n_esp == 0 ||
        cfg->n_esp > MK_MAX_SUITES || cfg->idr.len == 0)
        return false;
    /* PSK unless signatures are configured (their part is checked by peer_rpk_setup) */
    if (!digsig && cfg->auth_method != 0 && cfg->auth_method != MK_AUTH_PSK)
        return false;
    if (!digsig && (cfg->psk == NULL || cfg->psk_len < MK_MIN_PSK || cfg->psk_len > MK_MAX_PSK))
        return false;
    for (size_t i = 0; i < cfg->n_ike; i++) {
        const mk_ike_suite *s = &cfg->ike[i];
        const mk_encr_class *e = peer_encr_class(cfg->suites, s->encr, s->encr_bits);
        if (e == NULL || mk_suite_prf(cfg->suites, s->prf) == NULL ||
            mk_suite_dh(cfg->suites, s->dh) == NULL)
            return false;
        if (e->aead ? s->integ != 0 : mk_suite_integ(cfg->suites, s->integ) == NULL)
            return false;
    }
    for (size_t i = 0; i < cfg->n_esp; i++) {
        const mk_esp_suite *s = &cfg->esp[i];
        const mk_encr_class *e = peer_encr_class(cfg->suites, s->encr, s->encr_bits);
        if (e == NULL || (e->aead ? s->integ != 0 : mk_suite_integ(cfg->suites, s->integ) == NULL))
            return false;
    }
    if (cfg->script.want_dh != 0 && mk_suite_dh(cfg->suites, cfg->script.want_dh) == NULL)
        return false;
    return true;
}

peer_sa *sa_new(const mk_peer_config *cfg, const mk_env *env)
{
    if (cfg == NULL || env == NULL || env->rng == NULL || !config_ok(cfg))
        return NULL;
    peer_sa *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->cfg = *cfg;
    p->env = *env;
    if (cfg->auth_method == MK_AUTH_DIGSIG && !peer_rpk_setup(p, cfg)) {
        sa_free(p);
        return NULL;
    }
    p->st = MK_PEER_IDLE;
    p->env.rng(p->env.ctx, p->cookie_secret, sizeof p->cookie_secret);
    return p;
}

void sa_free(peer_sa *p)
{
    if (p == NULL)
        return;
    mk_wipe(p, sizeof *p);
    free(p);
}

/* Forget the IKE SA (a new IKE_SA_INIT replaces it). */
void peer_reset_sa(peer_sa *p)
{
    mk_wipe(&p->keys, sizeof p->keys);
    mk_wipe(&p->child, sizeof p->child);
    p->have_sa = false;
    p->child_ok = false;
    p->resp_valid = false;
    p->req_outstanding = false;
    p->my_msgid = 0;
    p->expect_msgid = 0;
    p->on_4500 = false;
    p->ini_sha = false;
    p->ini_hashes = 0;
    p->ini_certreq = false;
    p->ini_spki_len = 0;
    memset(&p->ini_id, 0, sizeof p->ini_id);
    p->ini_contact = false;
    memset(&p->answer, 0, sizeof p->answer);
    p->err = MK_E_OK; /* a new IKE SA: the last refusal or timeout was someone else's */
}

/* ---- the dispatcher -------------------------------------------------------------------------- */

static bool spis_match(const peer_sa *p, const mk_hdr *h)
{
    return p->have_sa && memcmp(h->spi_i, p->spi_i, 8) == 0 && memcmp(h->spi_r, p->spi_r, 8) == 0;
}

static mk_err on_request(peer_sa *p, const mk_msg *m, uint16_t port, const mk_addr *from,
                         uint32_t n)
{
    static const uint8_t zero[8] = {0};
    const mk_hdr *h = &m->hdr;

    if (h->exchange == MK_EX_IKE_SA_INIT) {
        /* RFC 7296 §2.2: IKE_SA_INIT is always Message ID 0 */
        if (h->msgid != 0)
            return peer_drop(p, MK_E_WRONG_MSGID);
        /* RFC 7296 §3.1: the responder's SPI MUST be zero in the first message */
        if (memcmp(h->spi_r, zero, 8) != 0)
            return peer_drop(p, MK_E_WRONG_SPI);
        /* RFC 7296 §2.1: a retransmitted request is answered with the same response */
        if (p->have_sa && memcmp(h->spi_i, p->spi_i, 8) == 0 && m->len == p->init_req_len &&
            memcmp(m->dgram, p->init_req, m->len) == 0) {
            p->stats.retransmits++;
            peer_trace(p, MK_EV_RETRANSMIT, "IKE_SA_INIT response from cache");
            peer_answer(p, p->init_resp, p->init_resp_len, port, from, n);
            return MK_E_OK;
        }
        return peer_on_init(p, m, port, from, n);
    }

    /* Every later request belongs to this engine's IKE SA (the table routed it by SPIs). */
    if (!spis_match(p, h))
        return peer_drop(p, MK_E_WRONG_SPI);
    /* RFC 7296 §2.1: a retransmitted request (same Message ID) gets the cached response, the
     * responder never reprocesses it */
    if (p->resp_valid && h->msgid == p->resp_msgid) {
        uint8_t hash[32];
        req_hash(m, hash);
        if (memcmp(hash, p->resp_req_hash, 32) != 0)
            return peer_drop(p, MK_E_WRONG_MSGID);
        p->stats.retransmits++;
        peer_trace(p, MK_EV_RETRANSMIT, "response from cache");
        peer_answer(p, p->resp, p->resp_len, port, from, n);
        return MK_E_OK;
    }
    /* RFC 7296 §2.2: a request with any other unexpected Message ID is dropped */
    if (h->msgid != p->expect_msgid)
        return peer_drop(p, MK_E_WRONG_MSGID);
    /* RFC 7296 §3.14: every message after IKE_SA_INIT is protected by SK */
    if (!m->has_sk)
        return peer_drop(p, MK_E_BAD_SYNTAX);

    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    mk_sk_keys k;
    peer_sk_keys(p, true, &k);
    /* RFC 7296 §2.21: nothing in a message whose integrity check fails is acted on */
    mk_err e = mk_sk_open(m, &k, plain, sizeof plain, &in);
    if (e != MK_E_OK) {
        mk_wipe(plain, sizeof plain);
        return peer_drop(p, e);
    }
    /* RFC 7296 §2.23: an authenticated request on 4500 moves the SA there; answers and our
     * own requests follow the address the initiator last used */
    if (port == MK_PORT_NATT)
        p->on_4500 = true;
    p->remote = *from;
    switch (h->exchange) {
    case MK_EX_IKE_AUTH:
        e = p->st == MK_PEER_INIT_DONE ? peer_on_auth(p, m, &in, port, from, n)
                                       : peer_drop(p, MK_E_UNEXPECTED_MSG);
        break;
    case MK_EX_INFORMATIONAL:
    case MK_EX_CREATE_CHILD_SA:
        e = (p->st == MK_PEER_ESTABLISHED || p->st == MK_PEER_REQ_SENT)
                ? peer_on_info(p, m, &in, port, from, n)
                : peer_drop(p, MK_E_UNEXPECTED_MSG);
        break;
    default:
        e = peer_drop(p, MK_E_UNEXPECTED_MSG);
        break;
    }
    mk_wipe(plain, sizeof plain);
    return e;
}

mk_err sa_on_dgram(peer_sa *p, const uint8_t *dgram, size_t len, uint16_t local_port,
                        const mk_addr *from, uint64_t now_ms)
{
    static const uint8_t marker[MK_NATT_MARKER] = {0};
    mk_addr any;
    mk_msg m;
    (void)now_ms;
    if (p == NULL || (dgram == NULL && len != 0))
        return MK_E_BAD_STATE;
    if (from == NULL) {
        memset(&any, 0, sizeof any);
        from = &any;
    }
    p->stats.rx_dgrams++;
    p->stats.rx_bytes += (uint32_t)len;
    uint16_t port = local_port == MK_PORT_NATT ? MK_PORT_NATT : MK_PORT_IKE;
    if (port == MK_PORT_NATT) {
        if (len < MK_NATT_MARKER)
            return peer_drop(p, MK_E_TRUNCATED);
        /* RFC 3948 §2.2: without the zero marker it is ESP, not ours */
        if (memcmp(dgram, marker, MK_NATT_MARKER) != 0)
            return peer_drop(p, MK_E_BAD_SYNTAX);
        dgram += MK_NATT_MARKER;
        len -= MK_NATT_MARKER;
    }
    uint32_t n = ++p->rx_count;
    if (n <= 32 && (p->cfg.script.drop_rx_mask & ((uint32_t)1u << (n - 1)))) {
        peer_trace(p, MK_EV_INFO, "script: received datagram lost");
        return MK_E_OK;
    }
    if (len > MK_MAX_MSG)
        return peer_drop(p, MK_E_BAD_LENGTH);
    mk_err e = mk_msg_parse(&m, dgram, len);
    if (e != MK_E_OK)
        return peer_drop(p, e);
    peer_trace(p, MK_EV_RX, mk_exchange_name(m.hdr.exchange));
    if (m.hdr.flags & MK_HDR_F_RESPONSE)
        return peer_on_response(p, &m, port, from);
    /* RFC 7296 §3.1: the Initiator flag MUST be set in requests of the original initiator */
    if (!(m.hdr.flags & MK_HDR_F_INITIATOR))
        return peer_drop(p, MK_E_UNEXPECTED_MSG);
    return on_request(p, &m, port, from, n);
}

/* ---- outgoing FIFO --------------------------------------------------------------------------- */

size_t sa_tx_peek(const peer_sa *p, const uint8_t **out, uint16_t *port)
{
    return sa_tx_peek_to(p, out, port, NULL);
}

size_t sa_tx_peek_to(const peer_sa *p, const uint8_t **out, uint16_t *port, mk_addr *to)
{
    if (p == NULL || p->tx_n == 0)
        return 0;
    const peer_tx *t = &p->txq[p->tx_head];
    if (out != NULL)
        *out = t->buf;
    if (port != NULL)
        *port = t->port;
    if (to != NULL)
        *to = t->to;
    return t->len;
}

void sa_tx_done(peer_sa *p)
{
    if (p == NULL || p->tx_n == 0)
        return;
    mk_wipe(&p->txq[p->tx_head], sizeof p->txq[0]);
    p->tx_head = (uint8_t)((p->tx_head + 1) % PEER_TXQ);
    p->tx_n--;
}

/* ---- accessors ------------------------------------------------------------------------------- */

mk_peer_state sa_state_get(const peer_sa *p)
{
    return p->st;
}

const mk_peer_answer *sa_last_answer(const peer_sa *p)
{
    return &p->answer;
}

bool sa_initiator_spki(const peer_sa *p, const uint8_t **spki, size_t *len)
{
    if (p == NULL || !p->have_sa || p->ini_spki_len == 0 ||
        (p->st != MK_PEER_ESTABLISHED && p->st != MK_PEER_REQ_SENT))
        return false;
    if (spki != NULL)
        *spki = p->ini_spki;
    if (len != NULL)
        *len = p->ini_spki_len;
    return true;
}

bool sa_child(const peer_sa *p, mk_esp_sa *out)
{
    if (p == NULL || !p->child_ok)
        return false;
    if (out != NULL)
        *out = p->child;
    return true;
}

bool sa_child_ts(const peer_sa *p, mk_ts *tsi, mk_ts *tsr)
{
    if (p == NULL || !p->child_ok)
        return false;
    if (tsi != NULL)
        *tsi = p->child_tsi;
    if (tsr != NULL)
        *tsr = p->child_tsr;
    return true;
}

bool sa_keys_export(const peer_sa *p, mk_ike_keys *out)
{
    if (p == NULL || !p->have_sa || out == NULL)
        return false;
    memset(out, 0, sizeof *out);
    memcpy(out->spi_i, p->spi_i, 8);
    memcpy(out->spi_r, p->spi_r, 8);
    out->encr = p->sel.encr;
    out->encr_bits = p->sel.encr_bits;
    out->integ = p->sel.integ;
    memcpy(out->sk_ei, p->keys.ei, sizeof out->sk_ei);
    memcpy(out->sk_er, p->keys.er, sizeof out->sk_er);
    memcpy(out->sk_ai, p->keys.ai, sizeof out->sk_ai);
    memcpy(out->sk_ar, p->keys.ar, sizeof out->sk_ar);
    out->encr_len = (uint8_t)p->keys.encr_len;
    out->integ_len = (uint8_t)p->keys.integ_len;
    return true;
}

const mk_stats *sa_stats(const peer_sa *p)
{
    return &p->stats;
}

mk_err sa_last_error(const peer_sa *p)
{
    return p->err;
}

uint32_t sa_refusals(const peer_sa *p)
{
    return p != NULL ? p->refusals : 0;
}

bool sa_remote(const peer_sa *p, mk_addr *out, uint16_t *port)
{
    if (p == NULL || !p->have_sa)
        return false;
    if (out != NULL)
        *out = p->remote;
    if (port != NULL)
        *port = p->on_4500 ? MK_PORT_NATT : MK_PORT_IKE;
    return true;
}
