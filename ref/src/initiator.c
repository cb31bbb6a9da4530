/* SPDX-License-Identifier: MIT */
/*
 * initiator: the public face of the sans-I/O IKEv2 initiator (RFC 7815). This file holds the API
 * of minike.h (mk_init, mk_start, mk_on_dgram, mk_on_timer, mk_deadline, the transmit slot,
 * mk_child, wipe), the one dispatch table that routes an accepted datagram to its handler, the
 * retransmission timer (RFC 7296 §2.1, §2.4) and the helpers the handler files share. What
 * tools add (minike_tools.h) is in inspect.c and names.c; trace text in initiator_trace.c.
 * It must never do I/O, read a clock, draw randomness other than through env->rng, allocate, or
 * let a datagram that is dropped change anything in the SA but its statistics.
 */
#include <stddef.h>
#include <string.h>

#include "initiator_int.h"

/* ---- small helpers -------------------------------------------------------------------------- */

/* The timers' defaults: mk_config_defaults() writes them, and a 0 in the config means them. */
enum { RTO_MS = 500, RTO_MAX_MS = 4000, TOTAL_MS = 30000 };

void mk_config_defaults(mk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->suites = mk_suites_default();
    /* RFC 8247-style preference: ChaCha20-Poly1305/X25519 first, then AES-GCM-16-256/P-256,
     * then the MUST-implement AES-CBC + HMAC-SHA2-256-128 with MODP-2048.
     * Without MK_SUITES_ALL only the first (ChaCha20-Poly1305/X25519) is registered. */
    static const mk_ike_suite ike[] = {
        {MK_ENCR_CHACHA20_POLY1305, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE, MK_DH_X25519},
#if MK_SUITES_ALL
        {MK_ENCR_AES_GCM_16, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE, MK_DH_ECP256},
        {MK_ENCR_AES_CBC, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_HMAC_SHA2_256_128, MK_DH_MODP2048},
#endif
    };
    static const mk_esp_suite esp[] = {
        {MK_ENCR_CHACHA20_POLY1305, 256, MK_INTEG_NONE},
#if MK_SUITES_ALL
        {MK_ENCR_AES_GCM_16, 256, MK_INTEG_NONE},
        {MK_ENCR_AES_CBC, 256, MK_INTEG_HMAC_SHA2_256_128},
#endif
    };
    memcpy(cfg->ike, ike, sizeof ike);
    memcpy(cfg->esp, esp, sizeof esp);
    cfg->n_ike = sizeof ike / sizeof ike[0];
    cfg->n_esp = sizeof esp / sizeof esp[0];
    /* KEY_ID: RFC 7815 suggests it because it lets the ID payload be static; an address ID breaks
     * as soon as the device gets a new address from DHCP or SLAAC. */
    cfg->idi.type = MK_ID_KEY_ID;
    /* Widest selectors (all of IPv4, all ports, any protocol): the responder narrows them to its
     * policy, while a narrower default would make a minimal device fail on TS_UNACCEPTABLE. */
    cfg->tsi.type = cfg->tsr.type = MK_TS_IPV4_RANGE;
    cfg->tsi.end_port = cfg->tsr.end_port = 0xffff;
    memset(cfg->tsi.end, 0xff, 4);
    memset(cfg->tsr.end, 0xff, 4);
    /* Tunnel mode: a device talks to a gateway, not to the hosts behind it (transport mode would
     * need N(USE_TRANSPORT_MODE) and the responder's consent). NAT-T on: the devices this code is
     * for mostly sit behind a home or carrier NAT, and NAT_DETECTION costs two notifies. */
    cfg->tunnel = true;
    cfg->natt = MK_NATT;
    /* A device that reboots keeps no SA state; INITIAL_CONTACT tells the responder to drop any
     * SA it still holds for our identity, so the stale one does not linger until it times out. */
    cfg->initial_contact = true;
    cfg->local.port = cfg->remote.port = MK_PORT_IKE;
    cfg->local.family = cfg->remote.family = 4;
    /* Deliberately shorter than strongSwan's defaults (4 s x 1.8^n, 6 sends, 165 s in all): sends
     * at 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5 and 27.5 s, failure at 30 s. A battery
     * device would rather give up and let its application choose when to retry than keep its
     * radio on for minutes. The 4 s cap buys 10 tries in 30 s (8 s allowed 7): >= 99 % of
     * handshakes complete at 30 % loss (harness/soak/test_loss_soak.c). */
    cfg->rto_ms = RTO_MS;
    cfg->rto_max_ms = RTO_MAX_MS;
    cfg->total_ms = TOTAL_MS;
}

/* Config suite -> registry classes. Used by mk_init (to refuse unregistered suites), by the
 * proposal matchers and by every SK operation, so one place decides what "registered" means. */
bool mk_ini_ike_classes(const mk_suites *s, const mk_ike_suite *su, mk_ini_cls *c)
{
    c->prf = mk_suite_prf(s, su->prf);
    c->encr = mk_suite_encr(s, su->encr, su->encr_bits);
    c->dh = mk_suite_dh(s, su->dh);
    c->integ = su->integ != MK_INTEG_NONE ? mk_suite_integ(s, su->integ) : NULL;
    if (c->prf == NULL || c->encr == NULL || c->dh == NULL)
        return false;
    /* the responder's PSK AUTH is computed piecewise (mk_ike.peer_auth.psk) */
    if (c->prf->init == NULL || c->prf->state_len > MK_PRF_STATE_LEN)
        return false;
    /* RFC 7296 §3.3: an AEAD cipher comes without an integrity transform, any other with one */
    if (c->encr->aead ? su->integ != MK_INTEG_NONE : c->integ == NULL)
        return false;
    return true;
}

/* The classes of the chosen suite: ike->sel passed mk_ini_ike_classes when it was chosen. */
void mk_ini_sel_cls(const mk_ike *ike, mk_ini_cls *c)
{
    (void)mk_ini_ike_classes(ike->cfg->suites, &ike->sel, c);
}

bool mk_ini_esp_classes(const mk_suites *s, const mk_esp_suite *su, const mk_encr_class **encr,
                        const mk_integ_class **integ)
{
    *encr = mk_suite_encr(s, su->encr, su->encr_bits);
    *integ = su->integ != MK_INTEG_NONE ? mk_suite_integ(s, su->integ) : NULL;
    if (*encr == NULL)
        return false;
    return (*encr)->aead ? su->integ == MK_INTEG_NONE : *integ != NULL;
}

/* Every state change goes through here, so a trace shows each transition exactly once. */
void mk_ini_set_state(mk_ike *ike, mk_state st)
{
    ike->st = st;
    mk_ini_trace(ike, MK_EV_STATE, mk_state_name(st));
}

/* Public values (DH public, nonces, cookie, message copies) go too: auditing "everything goes" is
 * easier than a list of exceptions, and the request copy holds our encrypted AUTH. Message
 * buffers are wiped as far as they were written (their lengths say how far); scratch is all
 * zero between calls already. */
void mk_ini_wipe_secrets(mk_ike *ike)
{
    /* dh_priv .. sk_er is one block in mk_ike (and the padding up to peer_auth) */
    mk_wipe(ike->dh_priv, offsetof(mk_ike, peer_auth) - offsetof(mk_ike, dh_priv));
    /* The responder-AUTH material of either method: the PSK's running prf and pad key, or the
     * raw keys' copy of RealMessage2 as far as it was written (plus the tail room a check may
     * use). */
#if MK_RPK
    size_t rpk = (size_t)ike->peer_auth.rpk.init_resp_len + MK_NONCE_LEN + MK_MAX_PRF_OUT;
    mk_wipe(&ike->peer_auth, rpk > sizeof ike->peer_auth.psk ? rpk : sizeof ike->peer_auth.psk);
    ike->peer_auth.rpk.init_resp_len = 0;
#else
    mk_wipe(&ike->peer_auth, sizeof ike->peer_auth);
#endif
    mk_wipe(ike->req, (size_t)ike->req_len + MK_NATT_MARKER);
    mk_wipe(&ike->child, sizeof ike->child);
    ike->dh_pub_len = ike->nr_len = 0;
    ike->req_len = 0;
    ike->cookie_len = 0;
    ike->child_ok = ike->req_outstanding = false;
}

/* Every FATAL path ends here: the first error is kept (later ones are only symptoms), nothing is
 * left to send, no timer runs, and no key, nonce, DH value or message copy survives. */
mk_err mk_ini_fail(mk_ike *ike, mk_err e)
{
    if (ike->err == MK_E_OK)
        ike->err = e; /* first error wins (BearSSL br_ssl_engine_fail) */
    mk_ini_wipe_secrets(ike);
    mk_wipe(ike->peer_resp, ike->peer_resp_len); /* kept by a close: its answer is still due */
    ike->peer_resp_len = 0;
    mk_ini_tx(ike, MK_INI_TX_NONE);
    if (ike->st != MK_ST_FAILED) {
        mk_ini_trace(ike, MK_EV_INFO, mk_err_name(ike->err));
        mk_ini_set_state(ike, MK_ST_FAILED);
    }
    return ike->err;
}

/* RFC 7296 §1.4.1: the peer deleted the IKE SA; its answer (SK{}) is all that is left. */
void mk_ini_close(mk_ike *ike)
{
    if (ike->err == MK_E_OK)
        ike->err = MK_E_PEER_DELETED;
    mk_ini_wipe_secrets(ike);
    mk_ini_set_state(ike, MK_ST_CLOSED);
}

/* For errors after a handler has committed (state, keys or SPIr changed): a DROP would claim that
 * the SA is untouched, which is no longer true, so a DROP-class error from building the next
 * request becomes BUF_TOO_SMALL and takes the FATAL path instead. */
mk_err mk_ini_after_commit(mk_err e)
{
    return mk_err_class(e) == MK_CLASS_DROP ? MK_E_BUF_TOO_SMALL : e;
}

uint8_t *mk_ini_req_buf(mk_ike *ike)
{
    return ike->req + MK_NATT_MARKER;
}

/* 0 in the config means "default", so a zero-initialised mk_config still gets sane timers (a zero
 * RTO would retransmit in a busy loop). */
static uint32_t or_default(uint32_t v, uint32_t dflt)
{
    return v != 0 ? v : dflt;
}

/* The transmit slot only names the buffer it shows (mk_tx_peek computes the rest): nothing, the
 * request in req, or our answer to a peer request, sealed into ike->peer_resp (marker included
 * on 4500). */
void mk_ini_tx(mk_ike *ike, uint8_t what)
{
    ike->tx_what = what;
}

/* End of the exchange's budget: req_first_ms restarts with every new request (mk_ini_send_req),
 * so total_ms bounds one exchange, not the handshake: a COOKIE or INVALID_KE retry and then
 * IKE_AUTH each get a fresh budget. A caller that needs a hard overall limit enforces it around
 * mk_start(). */
static uint64_t budget_end(const mk_ike *ike)
{
    return ike->req_first_ms + or_default(ike->cfg->total_ms, TOTAL_MS);
}

/* Start a new exchange: Message ID and exchange type are remembered so that check_header() can
 * match the response; the budget (total_ms) counts from now, the first timeout is rto_ms. */
void mk_ini_send_req(mk_ike *ike, size_t len, uint32_t msgid, uint8_t exchange, uint64_t now,
                     const uint8_t *inner_buf, size_t inner_off)
{
    memset(ike->req, 0, MK_NATT_MARKER); /* RFC 3948 §2.2: non-ESP marker is four zero octets */
    ike->req_len = (uint16_t)len;
    ike->req_port = ike->on_4500 ? MK_PORT_NATT : MK_PORT_IKE;
    ike->req_msgid = msgid;
    ike->req_exchange = exchange;
    ike->req_outstanding = true;
    ike->req_first_ms = now;
    ike->req_rto_ms = or_default(ike->cfg->rto_ms, RTO_MS);
    ike->req_next_ms = now + ike->req_rto_ms;
    mk_ini_tx(ike, MK_INI_TX_REQ);
    mk_ini_trace_tx(ike, mk_ini_req_buf(ike), len, inner_buf, inner_off);
}

static void sk_keys(const mk_ike *ike, bool outbound, mk_sk_keys *k)
{
    mk_ini_cls c;
    mk_ini_sel_cls(ike, &c);
    k->encr = c.encr;
    k->integ = c.integ;
    /* We are always the original initiator, so outbound is always SK_ei/SK_ai, even in our
     * responses to the peer's requests: the keys follow the SA roles, not request/response. */
    k->ek = outbound ? ike->sk_ei : ike->sk_er;
    k->ak = outbound ? ike->sk_ai : ike->sk_ar;
}

/* Open the SK payload of a protected message into ike->sk_plain (the caller wipes m->len octets
 * of it on every path); only a verified ICV gives the caller a chain to look at. */
mk_err mk_ini_open(mk_ike *ike, const mk_msg *m, mk_chain *in)
{
    mk_sk_keys k;
    sk_keys(ike, false, &k);
    mk_err e = mk_sk_open(m, &k, ike->sk_plain, sizeof ike->sk_plain, in);
    if (e == MK_E_OK)
        mk_ini_trace_msg(ike, MK_EV_RX, m->dgram, m->len, in);
    return e;
}

/* mk_pl_begin() chains payloads by patching the previous Next Payload octet; an inner chain has
 * no previous payload, so octet 0 of the buffer stands in for it and tells mk_sk_seal the type
 * of the first inner payload. */
mk_wr mk_ini_inner_init(uint8_t *buf, size_t cap, size_t *slot)
{
    mk_wr w = mk_wr_init(buf, cap);
    mk_wr_u8(&w, MK_PT_NONE);
    *slot = 0;
    return w;
}

/* Our IKE header, for every message we send: we are always the original initiator, so the I flag
 * is always set (RFC 7296 §3.1) and SPIr is zero until the IKE_SA_INIT response commits it.
 * Version 0x20: major 2, minor 0. Length is patched by the caller once the message is whole. */
void mk_ini_hdr(const mk_ike *ike, mk_wr *w, uint8_t next, uint8_t exchange, uint8_t resp,
                uint32_t msgid)
{
    mk_wr_bytes(w, ike->spi_i, 8);
    mk_wr_bytes(w, ike->spi_r, 8);
    mk_wr_u8(w, next);
    mk_wr_u8(w, 0x20);
    mk_wr_u8(w, exchange);
    mk_wr_u8(w, (uint8_t)(MK_HDR_F_INITIATOR | resp));
    mk_wr_u32(w, msgid);
    mk_wr_u32(w, 0);
}

size_t mk_ini_seal(mk_ike *ike, uint8_t exchange, uint8_t resp, uint32_t msgid,
                   const uint8_t *inner_buf, size_t inner_off, uint8_t *out, size_t cap,
                   mk_err *err)
{
    mk_wr w = mk_wr_init(out, cap);
    mk_sk_keys k;
    /* Everything after IKE_SA_INIT travels in one SK payload, which MUST be the last payload, so
     * the header's Next Payload is SK. */
    mk_ini_hdr(ike, &w, MK_PT_SK, exchange, resp, msgid);
    sk_keys(ike, true, &k);
    uint8_t first = inner_off > 1 ? inner_buf[0] : (uint8_t)MK_PT_NONE;
    *err = mk_sk_seal(&w, &k, ike->env, first, inner_buf + 1, inner_off - 1);
    /* A header that did not fit leaves w sticky-failed; report that, not a half-written message. */
    if (*err == MK_E_OK && w.err != MK_E_OK)
        *err = w.err;
    return *err == MK_E_OK ? w.off : 0;
}

/* ---- the API -------------------------------------------------------------------------------- */

/* mk_init checks the whole config once, so later code may assume every configured suite maps to
 * registered classes. On failure cfg stays NULL and every other call returns BAD_STATE. */
mk_err mk_init(mk_ike *ike, const mk_config *cfg, const mk_env *env)
{
    if (ike == NULL)
        return MK_E_BAD_CONFIG;
    /* Wiped before anything is checked, so a reused mk_ike never carries a previous SA's keys,
     * even when the new config is refused: every field but the three message-sized buffers,
     * which are only ever read as far as a length says they were written (req: req_len; the
     * RealMessage2 copy: init_resp_len; scratch: within one call). Those lengths are zeroed
     * here, the buffers themselves were wiped by whatever ended the previous SA, and never
     * hold more than public octets between SAs (scratch is all zero between calls). */
    mk_wipe(ike, offsetof(mk_ike, peer_auth));
    mk_wipe(&ike->peer_auth.psk, sizeof ike->peer_auth.psk);
#if MK_RPK
    ike->peer_auth.rpk.init_resp_len = 0;
#endif
    mk_wipe(&ike->req_len, offsetof(mk_ike, scratch) - offsetof(mk_ike, req_len));
    ike->st = MK_ST_IDLE;
    /* sa.h: the minimal profile's SA payloads (sa_one.c) carry one fixed suite each */
    if (cfg == NULL || env == NULL || env->rng == NULL || cfg->suites == NULL || cfg->n_ike == 0 ||
        cfg->n_ike > MK_MAX_SUITES || cfg->n_esp == 0 || cfg->n_esp > MK_MAX_SUITES ||
        mk_sa_check_config(cfg) != MK_E_OK)
        return MK_E_BAD_CONFIG;
    /* Only classes registered in the config's registry may be offered (so a proposal we send
     * is always one we can run). */
    size_t ni_len = MK_MIN_NONCE;
    for (size_t i = 0; i < cfg->n_ike; i++) {
        mk_ini_cls c;
        if (!mk_ini_ike_classes(cfg->suites, &cfg->ike[i], &c))
            return MK_E_BAD_CONFIG;
        /* RFC 7296 §2.10: "Nonces used in IKEv2 MUST be randomly chosen, MUST be at least 128
         * bits in size, and MUST be at least half the key size of the negotiated pseudorandom
         * function (PRF)." The PRF is not negotiated yet, so: half the largest one offered. */
        if ((c.prf->out_len + 1) / 2 > ni_len)
            ni_len = (c.prf->out_len + 1) / 2;
        if (ni_len > MK_NONCE_LEN || c.dh->pub_len > MK_MAX_DH_PUB ||
            c.dh->priv_len > MK_MAX_DH_PRIV || c.prf->out_len > MK_MAX_PRF_OUT)
            return MK_E_BAD_CONFIG;
    }
    for (size_t i = 0; i < cfg->n_esp; i++) {
        const mk_encr_class *e;
        const mk_integ_class *a;
        if (!mk_ini_esp_classes(cfg->suites, &cfg->esp[i], &e, &a))
            return MK_E_BAD_CONFIG;
    }
    /* another AUTH method only if an extension serves it (raw keys: built with MK_RPK) */
    bool psk = cfg->auth_method == 0 || cfg->auth_method == MK_AUTH_PSK;
    if (psk ? cfg->psk == NULL || cfg->psk_len < MK_MIN_PSK || cfg->psk_len > MK_MAX_PSK
            : mk_ini_auth_ext(cfg) == NULL)
        return MK_E_BAD_CONFIG;
    for (const mk_ini_ext *const *x = mk_ini_exts; *x != NULL; x++) {
        mk_err e = (*x)->check_config != NULL ? (*x)->check_config(cfg) : MK_E_OK;
        if (e != MK_E_OK)
            return e; /* raw keys: our key pair, pins, imprint callback */
    }
    /* Like raw keys: an option that was compiled out (NAT-T without MK_NATT) is refused, never
     * silently ignored. idi.len is a uint8_t: it always fits data[]. */
    if ((!MK_NATT && (cfg->natt || cfg->force_4500)) || cfg->idi.len == 0 ||
        (cfg->tsi.type != MK_TS_IPV4_RANGE && cfg->tsi.type != MK_TS_IPV6_RANGE) ||
        (cfg->tsr.type != MK_TS_IPV4_RANGE && cfg->tsr.type != MK_TS_IPV6_RANGE))
        return MK_E_BAD_CONFIG;
    /* Pointers, not copies: cfg (with its PSK or private key) and env must stay alive and
     * unchanged for the SA's lifetime. mk_ike stays small, and the secret exists only once. */
    ike->cfg = cfg;
    ike->env = env;
    ike->ni_len = (uint8_t)ni_len;
    return MK_E_OK;
}

mk_err mk_start(mk_ike *ike, uint64_t now_ms)
{
    if (ike->cfg == NULL || ike->st != MK_ST_IDLE)
        return MK_E_BAD_STATE;
    ike->on_4500 = ike->cfg->force_4500; /* refused by mk_init without MK_NATT */
    mk_err e = mk_ini_start_init(ike, now_ms);
    if (e != MK_E_OK)
        return mk_ini_fail(ike, e);
    mk_ini_set_state(ike, MK_ST_INIT_SENT);
    return MK_E_OK;
}

typedef mk_err (*mk_ini_handler)(mk_ike *ike, const mk_msg *m, uint64_t now);

/* State dispatch as data (s2n state_machine[]): anything not listed is UNEXPECTED_MSG.
 * There is no row for a peer's IKE_SA_INIT or IKE_AUTH request: a minimal node is only ever the
 * initiator. The DELETE_SENT rows still answer peer requests because they can cross our Delete
 * in flight, and an unanswered request makes the peer retransmit until it gives up on us. */
static const struct {
    mk_state st;
    uint8_t exchange;
    bool is_response;
    mk_ini_handler fn;
} dispatch[] = {
    {MK_ST_INIT_SENT, MK_EX_IKE_SA_INIT, true, mk_ini_on_init_resp},
    {MK_ST_AUTH_SENT, MK_EX_IKE_AUTH, true, mk_ini_on_auth_resp},
    /* RFC 7815 §2.1: INFORMATIONAL and CREATE_CHILD_SA requests from the peer are answered */
    {MK_ST_ESTABLISHED, MK_EX_INFORMATIONAL, false, mk_ini_on_peer_req},
    {MK_ST_ESTABLISHED, MK_EX_CREATE_CHILD_SA, false, mk_ini_on_peer_req},
#if MK_DELETE /* our own Delete (initiator_delete.c): without it DELETE_SENT is never entered */
    {MK_ST_DELETE_SENT, MK_EX_INFORMATIONAL, false, mk_ini_on_peer_req},
    {MK_ST_DELETE_SENT, MK_EX_CREATE_CHILD_SA, false, mk_ini_on_peer_req},
    {MK_ST_DELETE_SENT, MK_EX_INFORMATIONAL, true, mk_ini_on_delete_resp},
#endif
};

/* The only thing a DROP may change: the counters. */
/* A spoofed or stale datagram therefore costs the attacker nothing but our counters: no state
 * change, no retransmission, no error sent back (an answer would make us a reflector). */
static mk_err drop(mk_ike *ike, mk_err e)
{
    ike->stats.dropped++;
    ike->stats.last_drop = e;
    mk_ini_trace(ike, MK_EV_DROP, mk_err_name(e));
    return e;
}

/* Header checks common to every row: SPIs and, for responses, the outstanding Message ID. */
static mk_err check_header(const mk_ike *ike, const mk_hdr *h, bool is_response)
{
    /* RFC 7296 §2.6/§3.1: the SPIi identifies our SA; anything else is not for us
     * The SPIs are on the wire, but an off-path attacker must guess ours to inject anything, so
     * the compare is constant-time and does not reveal how many leading octets matched. */
    if (!mk_ct_eq(h->spi_i, ike->spi_i, 8))
        return MK_E_WRONG_SPI;
    /* RFC 7296 §3.1: the I(nitiator) flag MUST be cleared in messages of the original
     * responder: a message with it set is not from our peer. */
    if (h->flags & MK_HDR_F_INITIATOR)
        return MK_E_UNEXPECTED_MSG;
    /* IKE_SA_INIT is exempt: its response is where we learn SPIr, and COOKIE / INVALID_KE
     * replies carry SPIr = 0. */
    if (h->exchange != MK_EX_IKE_SA_INIT && !mk_ct_eq(h->spi_r, ike->spi_r, 8))
        return MK_E_WRONG_SPI;
    /* RFC 7296 §2.2: a response carries the Message ID of the request it answers */
    if (is_response &&
        (!ike->req_outstanding || h->msgid != ike->req_msgid || h->exchange != ike->req_exchange))
        return MK_E_WRONG_MSGID;
    return MK_E_OK;
}

/* Receive path: marker -> header and chain parse -> dispatch row for (state, exchange, R flag)
 * -> common header checks -> handler. Each step that rejects returns a DROP before anything but
 * stats is written; only the handler commits, and only once everything has verified. */
mk_err mk_on_dgram(mk_ike *ike, const uint8_t *dgram, size_t len, uint16_t local_port,
                   uint64_t now_ms)
{
    if (ike->cfg == NULL)
        return MK_E_BAD_STATE;
    /* FAILED is terminal: late or retransmitted responses get the first error back unparsed. */
    if (ike->st == MK_ST_FAILED)
        return ike->err;
    /* Counted before any check: the stats show what was offered, drops included. */
    ike->stats.rx_dgrams++;
    ike->stats.rx_bytes += (uint32_t)len;
    /* local_port comes from the I/O layer (which socket received it): whether a marker must be
     * present is a property of the port, and must not be guessed from the content. */
    if (local_port == MK_PORT_NATT) {
        /* RFC 3948 §2.2: IKE on port 4500 is preceded by a zero non-ESP marker; anything else
         * there is ESP, not ours to parse. */
        static const uint8_t zero[MK_NATT_MARKER] = {0};
        if (len < MK_NATT_MARKER || memcmp(dgram, zero, MK_NATT_MARKER) != 0)
            return drop(ike, MK_E_UNEXPECTED_MSG);
        dgram += MK_NATT_MARKER;
        len -= MK_NATT_MARKER;
    }
    /* MK_MAX_MSG = 3000 is RFC 7296's SHOULD-handle size (1280 is the MUST). We keep copies of
     * accepted messages (RealMessage2 for AUTH), so anything larger could not be stored anyway. */
    if (len > MK_MAX_MSG)
        return drop(ike, MK_E_TOO_MANY);
    mk_msg m;
    mk_err e = mk_msg_parse(&m, dgram, len);
    if (e != MK_E_OK)
        return drop(ike, e);
    bool is_resp = (m.hdr.flags & MK_HDR_F_RESPONSE) != 0;
    mk_ini_handler fn = NULL;
    for (size_t i = 0; i < sizeof dispatch / sizeof dispatch[0] && fn == NULL; i++)
        if (dispatch[i].st == ike->st && dispatch[i].exchange == m.hdr.exchange &&
            dispatch[i].is_response == is_resp)
            fn = dispatch[i].fn; /* the first row that matches */
    if (fn == NULL)
        return drop(ike, MK_E_UNEXPECTED_MSG);
    /* Header checks after the dispatch lookup because the Message ID check applies to responses
     * only; both happen before the handler sees a single payload. */
    if ((e = check_header(ike, &m.hdr, is_resp)) != MK_E_OK)
        return drop(ike, e);
    e = fn(ike, &m, now_ms);
    if (e == MK_E_OK) {
        if (is_resp)
            ike->stats.round_trips++;
        return MK_E_OK;
    }
    if (mk_err_class(e) == MK_CLASS_DROP) {
        if (e == MK_E_UNAUTH_NOTIFY)
            ike->stats.unauth_notifies++;
        if (e == MK_E_OLD_REQUEST)
            ike->stats.old_requests++;
        return drop(ike, e);
    }
    return mk_ini_fail(ike, e);
}

/* Timer: one outstanding request at most. Called early it does nothing; at req_next_ms it
 * re-queues the stored bytes and doubles the timeout (capped at rto_max_ms); at the end of the
 * budget the exchange fails. The next deadline is always min(req_next_ms, budget end). */
mk_err mk_on_timer(mk_ike *ike, uint64_t now_ms)
{
    if (ike->cfg == NULL)
        return MK_E_BAD_STATE;
    if (ike->st == MK_ST_FAILED)
        return ike->err;
    if (!ike->req_outstanding)
        return MK_E_OK;
    /* RFC 7296 §2.4: give up on the exchange once the budget is spent */
    if (now_ms >= budget_end(ike)) {
        /* RFC 7296 §2.21.1: an unprotected error answer (NO_PROPOSAL_CHOSEN, a proposal we
         * did not offer, ...) was not acted on, but if no real answer came it is the most
         * likely reason: report it. */
        bool unauth = ike->st == MK_ST_INIT_SENT && ike->stats.unauth_reason != MK_E_OK;
        return mk_ini_fail(ike, unauth ? ike->stats.unauth_reason : MK_E_TIMEOUT);
    }
    if (now_ms < ike->req_next_ms)
        return MK_E_OK;
    /* RFC 7296 §2.1: a retransmission is bitwise identical to the original request;
     * RFC 7296 §2.4: retransmission intervals increase exponentially. */
    /* Doubled in 64 bits so a large configured rto_max_ms cannot wrap the 32-bit field. */
    uint64_t rto = (uint64_t)ike->req_rto_ms * 2u,
             cap = or_default(ike->cfg->rto_max_ms, RTO_MAX_MS);
    if (rto > cap)
        rto = cap;
    ike->req_rto_ms = (uint32_t)rto;
    ike->req_next_ms = now_ms + rto;
    mk_ini_tx(ike, MK_INI_TX_REQ);
    ike->stats.retransmits++;
    mk_ini_trace_u32(ike, MK_EV_RETRANSMIT, ike->stats.retransmits);
    return MK_E_OK;
}

/* UINT64_MAX = no timer: with no request outstanding (ESTABLISHED, answering peer requests) the
 * I/O loop blocks on the socket alone. Responses we send are never retransmitted on a timer;
 * RFC 7296 has the responder resend only when the request arrives again. */
uint64_t mk_deadline(const mk_ike *ike)
{
    if (ike->cfg == NULL || ike->st == MK_ST_FAILED || !ike->req_outstanding)
        return UINT64_MAX;
    uint64_t end = budget_end(ike);
    return ike->req_next_ms < end ? ike->req_next_ms : end;
}

/* The slot holds at most one datagram: the caller sends it, then calls mk_tx_done(). If the send
 * fails and mk_tx_done() is not called, the same octets are offered again, which is harmless
 * because IKE retransmissions are bitwise identical anyway. */
/* The request lives in ike->req with MK_NATT_MARKER octets of room in front, so moving to 4500
 * needs no copy and the IKE message itself (RealMessage1, what the ICV covers) stays the same:
 * the slot shows it from the marker on 4500, after it on 500. mk_tx_done() empties the slot, but
 * the request stays in req for the next retransmission until its response is accepted. Our
 * answer in peer_resp already carries its marker when it goes to 4500. */
size_t mk_tx_peek(const mk_ike *ike, const uint8_t **out, uint16_t *port)
{
    bool resp = ike->tx_what == MK_INI_TX_RESP;
    uint16_t to = resp ? ike->peer_resp_port : ike->req_port;
    size_t skip = resp || to == MK_PORT_NATT ? 0 : MK_NATT_MARKER;
    size_t len = resp ? ike->peer_resp_len : ike->req_len + MK_NATT_MARKER - skip;
    if (ike->tx_what == MK_INI_TX_NONE || len == 0) {
        *out = NULL;
        return 0;
    }
    *out = (resp ? ike->peer_resp : ike->req) + skip;
    if (port != NULL)
        *port = to;
    return len;
}

/* tx_* stats count what the caller reports sent, not what we queued. */
void mk_tx_done(mk_ike *ike)
{
    const uint8_t *out;
    size_t len = mk_tx_peek(ike, &out, NULL);
    if (len == 0)
        return;
    ike->stats.tx_dgrams++;
    ike->stats.tx_bytes += (uint32_t)len;
    mk_ini_tx(ike, MK_INI_TX_NONE);
}

mk_state mk_state_get(const mk_ike *ike)
{
    return ike->st;
}

mk_err mk_last_error(const mk_ike *ike)
{
    return ike->err;
}

const mk_stats *mk_stats_get(const mk_ike *ike)
{
    return &ike->stats;
}

/* The child SA is only handed out while the IKE SA that keyed it stands. DELETE_SENT still
 * counts: the ESP keys stay valid until the peer confirms the delete. */
bool mk_child(const mk_ike *ike, mk_esp_sa *out)
{
    if (!ike->child_ok || (ike->st != MK_ST_ESTABLISHED && ike->st != MK_ST_DELETE_SENT))
        return false;
    *out = ike->child;
    return true;
}

/* mk_wipe, not memset: a memset on an object that is never read again may be optimised away. */
void mk_ike_wipe(mk_ike *ike)
{
    mk_wipe(ike, sizeof *ike);
}
