/* SPDX-License-Identifier: MIT */
/*
 * tiny: the template core's engine and API: config check, the header check and dispatch of a
 * received datagram, the retransmission timer, the transmit slot, SK sealing and opening. It
 * alone writes the state, the error and the slot; the spine is tiny_handshake.c.
 */
#include "tiny_int.h"

enum { RTO_MS = 500, RTO_MAX_MS = 4000, TOTAL_MS = 30000 };

mt_err_class_t mt_err_class(mt_err e)
{
    return e == MT_E_OK           ? MT_CLASS_NONE
           : e <= MT_E_DROP_LAST  ? MT_CLASS_DROP
           : e <= MT_E_FATAL_LAST ? MT_CLASS_FATAL
                                  : MT_CLASS_USAGE;
}

void mt_config_defaults(mt_config *cfg)
{
    *cfg = (mt_config){.idi_type = 11, .tunnel = true, .initial_contact = true};
    cfg->tsi = (mt_ts){.type = 7, .end_port = 0xffff, .end = {255, 255, 255, 255}};
    cfg->tsr = cfg->tsi;
}

static bool ts_ok(const mt_ts *t)
{
    size_t n = t->type == 7 ? 4 : 16;
    return (t->type == 7 || t->type == 8) && t->start_port <= t->end_port &&
           memcmp(t->start, t->end, n) <= 0;
}

mt_err mt_init(mt_ike *ike, const mt_config *cfg, const mt_env *env)
{
    if (ike == NULL)
        return MT_E_BAD_CONFIG;
    mt_wipe(ike, sizeof *ike);
    /* RFC 7296 §2.15 warns against weak pre-shared keys: shorter than 16 octets is refused */
    if (cfg == NULL || env == NULL || env->rng == NULL || cfg->psk == NULL ||
        cfg->psk_len < MT_MIN_PSK || cfg->psk_len > MT_MAX_PSK || cfg->idi_len == 0 ||
        cfg->idi_len > MT_MAX_ID || cfg->idr_len > MT_MAX_ID || !ts_ok(&cfg->tsi) ||
        !ts_ok(&cfg->tsr))
        return MT_E_BAD_CONFIG;
    ike->cfg = cfg;
    ike->env = env;
    return MT_E_OK;
}

mt_err mt_start(mt_ike *ike, uint64_t now_ms)
{
    if (ike->cfg == NULL || ike->st != MT_ST_IDLE)
        return MT_E_BAD_STATE;
    mt_start_init(ike, now_ms);
    return MT_E_OK;
}

/* The IKE header (RFC 7296 §3.1); we are always the original initiator, so I is always set */
size_t mt_hdr(const mt_ike *ike, uint8_t *m, uint8_t next, uint8_t ex, uint8_t flags,
              uint32_t msgid, size_t len)
{
    memcpy(m, ike->spi_i, 8);
    memcpy(m + 8, ike->spi_r, 8);
    m[16] = next;
    m[17] = 0x20; /* version 2.0 */
    m[18] = ex;
    m[19] = (uint8_t)(flags | F_I);
    put32(m + 20, msgid);
    put32(m + 24, (uint32_t)len);
    return len;
}

static uint32_t or_default(uint32_t v, uint32_t d)
{
    return v != 0 ? v : d;
}

/* A new exchange: its budget and first timeout count from now */
void mt_send_req(mt_ike *ike, size_t len, mt_state st, uint64_t now)
{
    ike->st = st;
    ike->req_len = (uint16_t)len;
    ike->req_outstanding = true;
    ike->first_ms = now;
    ike->rto_ms = or_default(ike->cfg->rto_ms, RTO_MS);
    ike->next_ms = now + ike->rto_ms;
    ike->tx_what = TX_REQ;
}

size_t mt_sk_seal(const mt_ike *ike, uint8_t *m, uint8_t first, uint8_t ex, uint8_t flags,
                  uint32_t msgid, size_t inner_len)
{
    /* RFC 7296 §3.14: a stream AEAD needs no padding: Pad Length 0 */
    size_t text = inner_len + 1, len = SK_HEAD + text + MT_ICV_LEN;
    mt_hdr(ike, m, PT_SK, ex, flags, msgid, len);
    m[HDR_LEN] = first;
    m[HDR_LEN + 1] = 0;
    put16(m + HDR_LEN + 2, len - HDR_LEN);
    m[SK_HEAD + inner_len] = 0;
    /* RFC 5282 §3.1: the IV MUST NOT repeat for a key: 64 random bits per message */
    ike->env->rng(ike->env->ctx, m + HDR_LEN + GEN_LEN, MT_IV_LEN);
    (void)mt_aead(ike->sk_ei, m, HDR_LEN + GEN_LEN, text, true);
    return len;
}

/* RFC 7296 §3.14: the ICV is verified before anything inside is looked at */
mt_err mt_sk_open(const mt_ike *ike, uint8_t *d, const mt_walk *outer, mt_walk *inner)
{
    const uint8_t *sk = outer->sk;
    size_t off = (size_t)(sk - d), len = (size_t)(outer->end - sk);
    if (len < GEN_LEN + MT_IV_LEN + 1 + MT_ICV_LEN)
        return MT_E_MALFORMED;
    size_t text = len - GEN_LEN - MT_IV_LEN - MT_ICV_LEN;
    if (!mt_aead(ike->sk_er, d, off + GEN_LEN, text, false))
        return MT_E_ICV;
    uint8_t *plain = d + off + GEN_LEN + MT_IV_LEN;
    size_t pad = plain[text - 1];
    if (pad + 1 > text) { /* RFC 7296 §3.14: Pad Length beyond the plaintext */
        mt_wipe(plain, text);
        return MT_E_MALFORMED;
    }
    *inner = mt_walk_init(plain, text - 1 - pad, sk[0]);
    mt_walk check = *inner;
    mt_err e = mt_walk_all(&check);
    return e == MT_E_OK && check.sk != NULL ? MT_E_MALFORMED : e;
}

/* RFC 7296 §2.21.1: an unprotected answer that would end the exchange is dropped; the first
 * such reason is what the timeout reports */
mt_err mt_remember(mt_ike *ike, mt_err fatal, mt_err drop)
{
    if (ike->stats.unauth_reason == MT_E_OK)
        ike->stats.unauth_reason = fatal;
    return drop;
}

static void wipe_secrets(mt_ike *ike)
{
    mt_wipe(ike->dh_priv, (size_t)((uint8_t *)&ike->req - ike->dh_priv));
    mt_wipe(ike->req, ike->req_len);
    mt_wipe(&ike->child, sizeof ike->child);
    ike->child_ok = false;
    ike->req_outstanding = false;
}

/* IKE_AUTH answered: the keys only it needed go; SK_e stay for the peer's requests */
void mt_established(mt_ike *ike)
{
    ike->req_outstanding = false;
    mt_wipe(ike->sk_pr, sizeof ike->sk_pr);
    ike->st = MT_ST_ESTABLISHED;
}

/* Our answer to a peer request, sealed into `answer` (len 0: the cached one again) */
void mt_send_answer(mt_ike *ike, size_t len, uint32_t msgid, bool close)
{
    if (len == 0) {
        ike->stats.resent_responses++;
    } else {
        ike->answer_len = (uint8_t)len;
        ike->peer_msgid = msgid;
        ike->stats.answered_requests++;
    }
    ike->tx_what = TX_ANSWER;
    if (close) {
        ike->err = MT_E_PEER_DELETED;
        wipe_secrets(ike);
        ike->st = MT_ST_CLOSED;
    }
}

static mt_err fail(mt_ike *ike, mt_err e)
{
    if (ike->err == MT_E_OK)
        ike->err = e; /* the first error wins */
    wipe_secrets(ike);
    mt_wipe(ike->answer, sizeof ike->answer);
    ike->answer_len = 0;
    ike->tx_what = TX_NONE;
    ike->st = MT_ST_FAILED;
    return ike->err;
}

/* Everything common to the messages we accept; the rest is the handler's. */
static mt_err check_header(const mt_ike *ike, const uint8_t *d, size_t len, bool *resp)
{
    if (len < HDR_LEN)
        return MT_E_MALFORMED;
    uint8_t ex = d[18], flags = d[19];
    uint32_t msgid = be32(d + 20);
    *resp = (flags & F_R) != 0;
    /* RFC 7296 §3.1: major version 2; Length is the whole datagram */
    if ((d[17] >> 4) != 2 || be32(d + 24) != len)
        return MT_E_MALFORMED;
    bool want = *resp ? (ike->st == MT_ST_INIT_SENT && ex == EX_INIT) ||
                            (ike->st == MT_ST_AUTH_SENT && ex == EX_AUTH)
                      : ike->st == MT_ST_ESTABLISHED && (ex == EX_INFO || ex == EX_CHILD);
    if (!want)
        return MT_E_UNEXPECTED;
    /* RFC 7296 §3.1: the responder clears I; our SPIi in every message, SPIr after INIT */
    if (!mt_ct_eq(d, ike->spi_i, 8) || (flags & F_I) ||
        (ex != EX_INIT && !mt_ct_eq(d + 8, ike->spi_r, 8)))
        return MT_E_UNEXPECTED;
    /* RFC 7296 §2.2: a response carries the Message ID of the outstanding request */
    if (*resp && (!ike->req_outstanding || msgid != (ex == EX_INIT ? 0u : 1u)))
        return MT_E_UNEXPECTED;
    mt_walk w = mt_walk_init(d + HDR_LEN, len - HDR_LEN, d[16]);
    return mt_walk_all(&w);
}

mt_err mt_on_dgram(mt_ike *ike, uint8_t *d, size_t len, uint64_t now_ms)
{
    bool resp;
    if (ike->cfg == NULL)
        return MT_E_BAD_STATE;
    if (ike->st == MT_ST_FAILED)
        return ike->err;
    ike->stats.rx_dgrams++;
    mt_err e = len > MT_MAX_MSG ? MT_E_MALFORMED : check_header(ike, d, len, &resp);
    if (e == MT_E_OK)
        e = !resp                        ? mt_on_peer_req(ike, d, len)
            : ike->st == MT_ST_INIT_SENT ? mt_on_init_resp(ike, d, len, now_ms)
                                         : mt_on_auth_resp(ike, d, len);
    if (e == MT_E_OK)
        return e;
    if (mt_err_class(e) == MT_CLASS_DROP) {
        ike->stats.dropped++;
        ike->stats.last_drop = e;
        return e;
    }
    return fail(ike, e);
}

mt_err mt_on_timer(mt_ike *ike, uint64_t now_ms)
{
    if (ike->cfg == NULL)
        return MT_E_BAD_STATE;
    if (ike->st == MT_ST_FAILED)
        return ike->err;
    if (!ike->req_outstanding)
        return MT_E_OK;
    /* RFC 7296 §2.4: give up once the exchange's budget is spent; RFC 7296 §2.21.1: the
     * unprotected refusal we did not act on is then the likely reason */
    if (now_ms >= ike->first_ms + or_default(ike->cfg->total_ms, TOTAL_MS)) {
        bool unauth = ike->st == MT_ST_INIT_SENT && ike->stats.unauth_reason != MT_E_OK;
        return fail(ike, unauth ? ike->stats.unauth_reason : MT_E_TIMEOUT);
    }
    if (now_ms < ike->next_ms)
        return MT_E_OK;
    /* RFC 7296 §2.1: retransmissions are bitwise identical; §2.4: intervals grow */
    uint64_t rto = (uint64_t)ike->rto_ms * 2u, cap = or_default(ike->cfg->rto_max_ms, RTO_MAX_MS);
    ike->rto_ms = (uint32_t)(rto < cap ? rto : cap);
    ike->next_ms = now_ms + ike->rto_ms;
    ike->tx_what = TX_REQ;
    ike->stats.retransmits++;
    return MT_E_OK;
}

uint64_t mt_deadline(const mt_ike *ike)
{
    if (ike->cfg == NULL || ike->st == MT_ST_FAILED || !ike->req_outstanding)
        return UINT64_MAX;
    uint64_t end = ike->first_ms + or_default(ike->cfg->total_ms, TOTAL_MS);
    return ike->next_ms < end ? ike->next_ms : end;
}

size_t mt_tx(const mt_ike *ike, const uint8_t **out)
{
    bool answer = ike->tx_what == TX_ANSWER;
    size_t len = ike->tx_what == TX_NONE ? 0 : answer ? ike->answer_len : ike->req_len;
    *out = len == 0 ? NULL : answer ? ike->answer : ike->req;
    return len;
}

void mt_tx_done(mt_ike *ike)
{
    if (ike->tx_what != TX_NONE)
        ike->stats.tx_dgrams++;
    ike->tx_what = TX_NONE;
}

mt_state mt_state_get(const mt_ike *ike)
{
    return ike->st;
}

mt_err mt_last_error(const mt_ike *ike)
{
    return ike->err;
}

bool mt_child(const mt_ike *ike, mt_esp_sa *out)
{
    if (ike->st != MT_ST_ESTABLISHED || !ike->child_ok)
        return false;
    *out = ike->child;
    return true;
}

void mt_ike_wipe(mt_ike *ike)
{
    mt_wipe(ike, sizeof *ike);
}
