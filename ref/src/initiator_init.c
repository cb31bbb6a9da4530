/* SPDX-License-Identifier: MIT */
/*
 * initiator_init: the IKE_SA_INIT exchange of the initiator (RFC 7296 §1.2, §2.6, §2.23): build
 * the request (every configured suite as a proposal, KE for the first suite's group, our nonce,
 * NAT_DETECTION hashes), and process the unprotected response: COOKIE and INVALID_KE_PAYLOAD
 * retries, unauthenticated error notifies (ignored until the timeout, RFC 7296 §2.21.1), and the
 * real answer (proposal check, DH, SKEYSEED and the seven SK_* keys), after which the IKE_AUTH
 * request is built. An unprotected answer that would end the exchange (an error notify, a
 * proposal we did not offer, a group we lack, an all-zero DH result, one retry too many) is a
 * DROP that is remembered in stats.unauth_reason and reported only if the budget runs out
 * (RFC 7296 §2.21.1). It must never commit anything to the SA before the response has passed
 * every check, and never keep a DH secret or SKEYSEED on the stack past its use.
 */
#include <string.h>

#include "initiator_int.h"

/* Proposal i of our SA payload (suite cfg->ike[i], number i + 1: RFC 7296 §3.3.1). The SA is
 * written one proposal at a time, so only one mk_proposal is ever on the stack. */
/* One whole suite per proposal, rather than one proposal listing every algorithm: the
 * responder can then only pick a combination that was configured (and tested) as a whole. An
 * AEAD suite carries no INTEG transform; IKE proposals never carry ESN. */
static void build_ike_proposal(const mk_config *cfg, size_t i, mk_proposal *p)
{
    mk_ini_cls c;
    (void)mk_ini_ike_classes(cfg->suites, &cfg->ike[i], &c); /* checked by mk_init */
    memset(p, 0, sizeof *p);
    p->num = (uint8_t)(i + 1);
    p->proto = MK_PROTO_IKE;
    /* RFC 7296 §3.3.1: SPI Size MUST be zero for an initial IKE SA negotiation */
    p->spi_len = 0;
    p->t[p->n_t++] = (mk_transform){MK_TT_ENCR, cfg->ike[i].encr,
                                    mk_ini_key_attr(c.encr, cfg->ike[i].encr_bits)};
    p->t[p->n_t++] = (mk_transform){MK_TT_PRF, cfg->ike[i].prf, 0};
    if (cfg->ike[i].integ != MK_INTEG_NONE)
        p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, cfg->ike[i].integ, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_DH, cfg->ike[i].dh, 0};
}

mk_err mk_ini_build_init(mk_ike *ike, uint64_t now)
{
    const mk_config *cfg = ike->cfg;
    uint8_t *out = mk_ini_req_buf(ike);
    mk_wr w = mk_wr_init(out, MK_INI_MAX_INIT_REQ);
    mk_hdr h;
    mk_proposal prop;
    size_t slot = 16, at; /* Next Payload of the IKE header */

    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, ike->spi_i, 8); /* SPIr stays zero (RFC 7296 §3.1) */
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_INITIATOR;
    h.msgid = 0; /* RFC 7296 §2.2: IKE_SA_INIT (and its COOKIE/INVALID_KE retries) use 0 */
    mk_hdr_encode(&w, &h);

    if (ike->cookie_len > 0) {
        /* RFC 7296 §2.6: the COOKIE notify MUST be the first payload of the retried request */
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_COOKIE, ike->cookie, ike->cookie_len);
        mk_pl_end(&w, at);
    }
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    for (size_t i = 0; i < cfg->n_ike; i++) {
        build_ike_proposal(cfg, i, &prop);
        mk_pl_encode_proposal(&w, &prop, i + 1 == cfg->n_ike);
    }
    mk_pl_end(&w, at);

    at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, ike->dh, ike->dh_pub, ike->dh_pub_len);
    mk_pl_end(&w, at);

    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_pl_encode_nonce(&w, ike->ni, ike->ni_len);
    mk_pl_end(&w, at);

#if MK_NATT
    if (cfg->natt) {
        /* RFC 7296 §2.23: NAT_DETECTION_*_IP = SHA-1(SPIi | SPIr | IP | port), SPIr = 0 here */
        static const uint8_t zero[8] = {0};
        uint8_t hash[20];
        mk_ks_natd(ike->spi_i, zero, &cfg->local, hash);
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_NAT_DETECTION_SOURCE_IP, hash, sizeof hash);
        mk_pl_end(&w, at);
        mk_ks_natd(ike->spi_i, zero, &cfg->remote, hash);
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_NAT_DETECTION_DESTINATION_IP, hash, sizeof hash);
        mk_pl_end(&w, at);
    }
#endif
#if MK_RPK
    if (cfg->auth_method == MK_AUTH_DIGSIG)
        mk_ini_rpk_init_payloads(&w, &slot); /* N(SIGNATURE_HASH_ALGORITHMS) */
#endif
    /* IKE header Length (offset 24) = the whole message, known only now. The buffer was capped
     * at MK_INI_MAX_INIT_REQ so that, as RealMessage1, it still has room behind it for
     * NonceRData | MACedIDForI when a signature needs the octets whole. */
    mk_wr_patch32(&w, 24, 0);
    if (w.err != MK_E_OK)
        return w.err;
    mk_ini_send_req(ike, w.off, 0, MK_EX_IKE_SA_INIT, now, NULL, 0);
    return MK_E_OK;
}

/* Draw a fresh DH key pair for `group` into the caller's buffers. */
static mk_err new_keypair(const mk_ike *ike, uint16_t group, uint8_t *priv, uint8_t *pub,
                          uint16_t *priv_len, uint16_t *pub_len)
{
    const mk_dh_class *dh = mk_suite_dh(ike->cfg->suites, group);
    if (dh == NULL)
        return MK_E_INVALID_KE;
    mk_err e = dh->keypair(ike->env, priv, pub);
    if (e != MK_E_OK)
        return MK_E_CRYPTO;
    *priv_len = (uint16_t)dh->priv_len;
    *pub_len = (uint16_t)dh->pub_len;
    return MK_E_OK;
}

/* The IKE_SA_INIT request is (re)started from IDLE: SPIi, Ni, DH key pair, then the message. */
mk_err mk_ini_start_init(mk_ike *ike, uint64_t now)
{
    /* Every response echoes SPIi, and it is the only thing in an unprotected IKE_SA_INIT
     * answer that ties it to this request: a fresh 64-bit random SPIi is what an off-path
     * forger would have to guess. */
    ike->env->rng(ike->env->ctx, ike->spi_i, 8);
    /* RFC 7296 §3.1: the initiator's SPI MUST NOT be zero */
    static const uint8_t zero[8] = {0};
    if (memcmp(ike->spi_i, zero, 8) == 0)
        ike->spi_i[7] = 1;
    /* RFC 7296 §2.10: nonces are random and at least 128 bits (ni_len: see mk_init) */
    ike->env->rng(ike->env->ctx, ike->ni, ike->ni_len);
    /* KE is sent for the first suite's group only: a responder that prefers another one costs
     * one INVALID_KE_PAYLOAD round trip, while a KE per group would cost a key pair each. */
    ike->dh = ike->cfg->ike[0].dh;
    mk_err e =
        new_keypair(ike, ike->dh, ike->dh_priv, ike->dh_pub, &ike->dh_priv_len, &ike->dh_pub_len);
    if (e != MK_E_OK)
        return e;
    return mk_ini_build_init(ike, now);
}

static bool group_configured(const mk_config *cfg, uint16_t group)
{
    for (size_t i = 0; i < cfg->n_ike; i++)
        if (cfg->ike[i].dh == group)
            return true;
    return false;
}

/* RFC 7296 §2.21.1: an unprotected IKE_SA_INIT answer that would end the exchange is not acted
 * on, since anyone on the path can forge it. The first such reason is kept (in stats, the only
 * thing a DROP may change) so that mk_on_timer can report it instead of a bare TIMEOUT; the
 * datagram is dropped as `drop` (UNAUTH_NOTIFY for an error notify, else UNAUTH_FAILURE). */
static mk_err remember(mk_ike *ike, mk_err reason, mk_err drop)
{
    if (ike->stats.unauth_reason == MK_E_OK)
        ike->stats.unauth_reason = reason;
    mk_ini_trace(ike, MK_EV_INFO, mk_err_name(reason));
    return drop;
}

/* Retry after N(COOKIE) or N(INVALID_KE_PAYLOAD): bounded, MID 0, timer restarted. Once the
 * bound is reached further ones are dropped (they are unprotected: a forger could otherwise
 * end the exchange with them) and TOO_MANY_RETRIES is what the timeout reports. */
static mk_err retry_allowed(mk_ike *ike, mk_err drop)
{
    if (ike->init_retries >= MK_MAX_RETRY_INIT)
        return remember(ike, MK_E_TOO_MANY_RETRIES, drop);
    return MK_E_OK;
}

static mk_err on_cookie(mk_ike *ike, const mk_pl *pl, uint64_t now)
{
    mk_notify n;
    mk_err e = mk_pl_decode_notify(&n, pl->body, pl->len);
    if (e != MK_E_OK)
        return e;
    /* RFC 7296 §2.6: cookie data is 1 to 64 octets */
    if (n.data_len < 1 || n.data_len > MK_MAX_COOKIE)
        return MK_E_BAD_SYNTAX;
    if ((e = retry_allowed(ike, MK_E_UNAUTH_FAILURE)) != MK_E_OK)
        return e;
    mk_ini_trace(ike, MK_EV_RX, "IKE_SA_INIT response MID 0: N(COOKIE)");
    /* The cookie is opaque to us and echoed as is. It is kept in the SA, not just put in this
     * request, because any later rebuild of the request (an INVALID_KE retry) carries it too. */
    memcpy(ike->cookie, n.data, n.data_len);
    ike->cookie_len = (uint8_t)n.data_len;
    ike->init_retries++;
    mk_ini_trace(ike, MK_EV_INFO, "COOKIE: retrying IKE_SA_INIT");
    /* RFC 7296 §2.6: same request, all other payloads unchanged, cookie first */
    return mk_ini_after_commit(mk_ini_build_init(ike, now));
}

static mk_err on_invalid_ke(mk_ike *ike, const mk_pl *pl, uint64_t now)
{
    mk_notify n;
    mk_err e = mk_pl_decode_notify(&n, pl->body, pl->len);
    if (e != MK_E_OK)
        return e;
    /* RFC 7296 §3.10.1: the data is the 2-octet accepted DH group */
    mk_rd r = mk_rd_init(n.data, n.data_len);
    uint16_t group = mk_rd_u16(&r);
    if (!mk_rd_end(&r))
        return MK_E_BAD_SYNTAX;
    if (group == ike->dh)
        return MK_E_UNEXPECTED_MSG; /* nonsense: that is what we sent; a spoofer's packet */
    /* RFC 7296 §2.21.1: a group we cannot offer would end the exchange, but the notify is
     * unprotected: drop it, remember it, keep waiting for a real answer. */
    if (!group_configured(ike->cfg, group))
        return remember(ike, MK_E_INVALID_KE, MK_E_UNAUTH_NOTIFY);
    if ((e = retry_allowed(ike, MK_E_UNAUTH_NOTIFY)) != MK_E_OK)
        return e;
    /* ---- commit: everything above was checked; a failure below is FATAL (CRYPTO) and wipes
     * the SA, so the new key pair is drawn straight into it (no DH secret on the stack) ---- */
    mk_ini_trace(ike, MK_EV_RX, "IKE_SA_INIT response MID 0: N(INVALID_KE_PAYLOAD)");
    mk_wipe(ike->dh_priv, sizeof ike->dh_priv);
    e = new_keypair(ike, group, ike->dh_priv, ike->dh_pub, &ike->dh_priv_len, &ike->dh_pub_len);
    if (e != MK_E_OK)
        return mk_ini_after_commit(e);
    ike->dh = group;
    ike->init_retries++;
    mk_ini_trace(ike, MK_EV_INFO, "INVALID_KE_PAYLOAD: retrying IKE_SA_INIT");
    /* RFC 7296 §1.3: retry with the same proposals and a KE of the requested group */
    return mk_ini_after_commit(mk_ini_build_init(ike, now));
}

/* Match the responder's single proposal against the suites we offered. */
static mk_err select_proposal(const mk_ike *ike, const mk_proposal *p, uint8_t n_prop,
                              mk_ike_suite *sel)
{
    /* RFC 7296 §3.3: the responder MUST accept a single proposal */
    if (n_prop != 1)
        return MK_E_BAD_PROPOSAL;
    if (p->proto != MK_PROTO_IKE || p->spi_len != 0)
        return MK_E_BAD_PROPOSAL;
    /* count[] is indexed by Transform Type 1..5; an INTEG count of 0 is right for AEAD, and ESN
     * (type 5) belongs to AH/ESP proposals only, so in an IKE proposal it is an error. */
    /* RFC 7296 §3.3.6: exactly one transform of each type in the accepted proposal */
    uint8_t count[MK_TT_ESN + 1];
    if (!mk_proposal_count_types(p, count))
        return MK_E_BAD_PROPOSAL;
    const mk_transform *te = mk_proposal_get(p, MK_TT_ENCR);
    const mk_transform *tp = mk_proposal_get(p, MK_TT_PRF);
    const mk_transform *ta = mk_proposal_get(p, MK_TT_INTEG);
    const mk_transform *td = mk_proposal_get(p, MK_TT_DH);
    if (count[MK_TT_ENCR] != 1 || count[MK_TT_PRF] != 1 || count[MK_TT_DH] != 1 ||
        count[MK_TT_INTEG] > 1 || count[MK_TT_ESN] != 0)
        return MK_E_BAD_PROPOSAL;
    for (size_t i = 0; i < ike->cfg->n_ike; i++) {
        const mk_ike_suite *s = &ike->cfg->ike[i];
        mk_ini_cls c;
        (void)mk_ini_ike_classes(ike->cfg->suites, s, &c);
        uint16_t integ = ta != NULL ? ta->id : (uint16_t)MK_INTEG_NONE;
        if (te->id == s->encr && te->key_bits == mk_ini_key_attr(c.encr, s->encr_bits) &&
            tp->id == s->prf && integ == s->integ && td->id == s->dh) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    /* RFC 7296 §2.7: the accepted proposal must be one of those offered */
    return MK_E_BAD_PROPOSAL;
}

/* SAr1: decode (only the first proposal is kept, in this frame) and match it against ours. */
static mk_err choose_ike_sa(mk_ike *ike, const mk_pl *psa, mk_ike_suite *sel)
{
    mk_proposal prop;
    uint8_t n_prop;
    mk_err e = mk_pl_decode_sa_first(&prop, &n_prop, psa->body, psa->len);
    if (e != MK_E_OK)
        return e;
    /* RFC 7296 §2.21.1: a choice we did not offer would end the exchange; unprotected, so it
     * is remembered and dropped like an error notify */
    if ((e = select_proposal(ike, &prop, n_prop, sel)) != MK_E_OK)
        return remember(ike, e, MK_E_UNAUTH_FAILURE);
    return MK_E_OK;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr),
 * straight into the SA: called only at the commit point, where nothing can DROP any more. The
 * key block lives in this frame, which is gone before IKE_AUTH is built. */
static mk_err ike_keys(mk_ike *ike, const mk_ini_cls *cls, const uint8_t *skeyseed,
                       const uint8_t *nr, size_t nr_len, const uint8_t spi_r[8])
{
    mk_ike_sa_keys k;
    mk_err e = mk_ks_ike_keys(cls->prf, cls->integ, cls->encr, skeyseed, ike->ni, ike->ni_len, nr,
                              nr_len, ike->spi_i, spi_r, &k);
    if (e == MK_E_OK) {
        memcpy(ike->sk_d, k.d, k.prf_len);
        memcpy(ike->sk_pi, k.pi, k.prf_len);
        memcpy(ike->sk_pr, k.pr, k.prf_len);
        memcpy(ike->sk_ai, k.ai, k.integ_len);
        memcpy(ike->sk_ar, k.ar, k.integ_len);
        memcpy(ike->sk_ei, k.ei, k.encr_len);
        memcpy(ike->sk_er, k.er, k.encr_len);
        ike->prf_len = (uint8_t)k.prf_len;
        ike->integ_len = (uint8_t)k.integ_len;
        ike->encr_len = (uint8_t)k.encr_len;
        ike->keys_ok = true;
    }
    mk_wipe(&k, sizeof k);
    return e;
}

/* RFC 7296 §2.23: compare the peer's NAT_DETECTION hashes with what we see. */
static bool nat_between(const mk_ike *ike, const mk_chain *c, const uint8_t spi_r[8])
{
    /* The peer's SOURCE hash should match the address we send to (cfg->remote): if none of
     * its SOURCE notifies does, someone between us rewrote the peer's address. Its DESTINATION
     * hash should match our own address: if it does not, our address was rewritten (we are
     * behind a NAT). Either way NAT is "between"; a missing DESTINATION counts as a match. */
    uint8_t want_src[20], want_dst[20];
    bool src_ok = false, dst_ok = true;
    mk_ks_natd(ike->spi_i, spi_r, &ike->cfg->remote, want_src);
    mk_ks_natd(ike->spi_i, spi_r, &ike->cfg->local, want_dst);
    for (size_t i = 0; i < c->n; i++) {
        mk_notify n;
        if (c->pl[i].type != MK_PT_NOTIFY ||
            mk_pl_decode_notify(&n, c->pl[i].body, c->pl[i].len) != MK_E_OK || n.data_len != 20)
            continue;
        if (n.type == MK_N_NAT_DETECTION_SOURCE_IP && memcmp(n.data, want_src, 20) == 0)
            src_ok = true;
        if (n.type == MK_N_NAT_DETECTION_DESTINATION_IP)
            dst_ok = memcmp(n.data, want_dst, 20) == 0;
    }
    return !(src_ok && dst_ok);
}

/* Validate the real answer (SA, KE, Nonce), derive SKEYSEED and the SK_* keys, and commit them.
 * Every error before the commit is a DROP, or is remembered and dropped (RFC 7296 §2.21.1): the
 * response is unprotected. *keyed tells the caller the SA was committed and IKE_AUTH is next;
 * COOKIE and INVALID_KE retries return OK with *keyed false. A separate function (not inlined
 * into the caller: it has external linkage and is large) so that its frame, with g^ir,
 * SKEYSEED and the key block, is gone before mk_ini_build_auth runs. */
/* What the responder's AUTH needs of RealMessage2 (RFC 7296 §2.15). PSK: AUTH_r =
 * prf(padkey, RealMessage2 | NonceIData | MACedIDForR) starts running now, and padkey =
 * prf(PSK, "Key Pad for IKEv2") is computed this once, for our own AUTH too. Raw keys: a
 * signature needs the octets, so RealMessage2 is copied. */
static void keep_real_message2(mk_ike *ike, const mk_prf_class *prf, const mk_msg *m)
{
#if MK_RPK
    if (ike->cfg->auth_method == MK_AUTH_DIGSIG) {
        memcpy(ike->peer_auth.rpk.init_resp, m->dgram, m->len);
        ike->peer_auth.rpk.init_resp_len = (uint16_t)m->len;
        return;
    }
#endif
    mk_ks_psk_padkey(prf, ike->cfg->psk, ike->cfg->psk_len, ike->peer_auth.psk.padkey);
    prf->init(ike->peer_auth.psk.auth_r, ike->peer_auth.psk.padkey, prf->out_len);
    prf->update(ike->peer_auth.psk.auth_r, m->dgram, m->len);
    prf->update(ike->peer_auth.psk.auth_r, ike->ni, ike->ni_len);
}

mk_err mk_ini_accept_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now, bool *keyed)
{
    const mk_chain *c = &m->chain;
    const mk_pl *pl;
    mk_err e;

    *keyed = false;
    if (ike->st != MK_ST_INIT_SENT)
        return MK_E_UNEXPECTED_MSG;

    /* COOKIE is looked at first: such a reply has SPIr = 0 and no SA, KE or Nonce, so it must
     * not reach the checks further down. INVALID_KE comes next for the same reason. */
    /* RFC 7296 §2.6: a response with N(COOKIE) asks us to retry with the cookie */
    if ((pl = mk_chain_find_notify(c, MK_N_COOKIE)) != NULL)
        return on_cookie(ike, pl, now);
    /* RFC 7296 §1.3: INVALID_KE_PAYLOAD names the group the responder wants */
    if ((pl = mk_chain_find_notify(c, MK_N_INVALID_KE_PAYLOAD)) != NULL)
        return on_invalid_ke(ike, pl, now);
    /* RFC 7296 §2.21.1: error notifies in an unprotected IKE_SA_INIT response can be forged;
     * they must not end the exchange: note them and wait for a real answer or the timeout. */
    for (size_t i = 0; i < c->n; i++) {
        mk_notify n;
        if (c->pl[i].type != MK_PT_NOTIFY ||
            mk_pl_decode_notify(&n, c->pl[i].body, c->pl[i].len) != MK_E_OK)
            continue;
        if (n.type < MK_N_FIRST_STATUS) {
            ike->stats.last_unauth_notify = n.type;
            if (n.type != MK_N_NO_PROPOSAL_CHOSEN)
                return MK_E_UNAUTH_NOTIFY;
            ike->stats.saw_unauth_npc = true;
            return remember(ike, MK_E_NO_PROPOSAL_CHOSEN, MK_E_UNAUTH_NOTIFY);
        }
    }

    const mk_pl *psa = mk_chain_find(c, MK_PT_SA), *pke = mk_chain_find(c, MK_PT_KE),
                *pn = mk_chain_find(c, MK_PT_NONCE);
    static const uint8_t zero[8] = {0};
    /* RFC 7296 §1.2: the response carries SAr1, KEr and Nr; RFC 7296 §3.1: SPIr non-zero */
    if (psa == NULL || pke == NULL || pn == NULL || memcmp(m->hdr.spi_r, zero, 8) == 0)
        return MK_E_BAD_SYNTAX;
    /* RFC 7296 §2.5: an unknown critical payload: the message MUST be rejected (unprotected,
     * so rejecting it is dropping it) */
    if (m->chain.unsupported_critical != 0)
        return MK_E_UNSUPPORTED_CRITICAL;

    mk_ke ke;
    const uint8_t *nr;
    uint16_t nr_len;
    mk_ike_suite sel;
    if ((e = choose_ike_sa(ike, psa, &sel)) != MK_E_OK ||
        (e = mk_pl_decode_ke(&ke, pke->body, pke->len)) != MK_E_OK ||
        (e = mk_pl_decode_nonce(&nr, &nr_len, pn->body, pn->len)) != MK_E_OK)
        return e;
    uint8_t peer_hashes = 0;
    bool certreq_rpk = false;
#if MK_RPK
    if (ike->cfg->auth_method == MK_AUTH_DIGSIG &&
        (e = mk_ini_rpk_parse_init(c, &peer_hashes, &certreq_rpk)) != MK_E_OK)
        return e;
#endif
    /* RFC 7296 §1.2: the KE group MUST match the chosen proposal's and the group we sent */
    mk_ini_cls cls;
    if (sel.dh != ike->dh || ke.group != ike->dh ||
        !mk_ini_ike_classes(ike->cfg->suites, &sel, &cls))
        return remember(ike, MK_E_BAD_PROPOSAL, MK_E_UNAUTH_FAILURE);
    /* RFC 7296 §2.10: the nonce MUST be at least half the PRF key size (16..256 by decoder) */
    /* i.e. at least 16 octets with HMAC-SHA2-256, 32 with HMAC-SHA2-512 */
    if (nr_len < cls.prf->out_len / 2 || nr_len > MK_MAX_NONCE)
        return MK_E_BAD_SYNTAX;

    /* g^ir and SKEYSEED are kept in ike->scratch (wiped at out), not on the stack that the DH
     * computation needs */
    uint8_t *gir = ike->init_keys.gir, *skeyseed = ike->init_keys.skeyseed;
    /* g^ir: the class checks the peer value (RFC 7296 §2.14; RFC 8031 §3.2 all-zero X25519) */
    e = cls.dh->shared(ike->dh_priv, ke.data, ke.len, gir);
    if (e == MK_E_DH_ZERO)
        e = remember(ike, e, MK_E_UNAUTH_FAILURE); /* RFC 7296 §2.21.1: KEr is unprotected */
    if (e != MK_E_OK)
        goto out;
    /* SKEYSEED = prf(Ni | Nr, g^ir) */
    mk_ks_skeyseed(cls.prf, ike->ni, ike->ni_len, nr, nr_len, gir, cls.dh->secret_len, skeyseed);

    /* ---- commit: nothing below can DROP (a failure now is FATAL and wipes the SA) ---- */
    mk_ini_trace_msg(ike, MK_EV_RX, m->dgram, m->len, NULL);
    if ((e = ike_keys(ike, &cls, skeyseed, nr, nr_len, m->hdr.spi_r)) != MK_E_OK)
        goto out;
    memcpy(ike->spi_r, m->hdr.spi_r, 8);
    ike->sel = sel;
    memcpy(ike->nr, nr, nr_len);
    ike->nr_len = nr_len;
    /* RealMessage2 is the response, without the non-ESP marker (RFC 7296 §2.15); RealMessage1,
     * the request it answers (after any retry), stays in ike->req until IKE_AUTH is sealed. */
    keep_real_message2(ike, cls.prf, m);
    mk_wipe(ike->dh_priv, sizeof ike->dh_priv);
    ike->dh_priv_len = 0;
    ike->req_outstanding = false;
    ike->peer_sha = mk_chain_find_notify(c, MK_N_SIGNATURE_HASH_ALGORITHMS) != NULL;
    ike->peer_hashes = peer_hashes;
    ike->peer_certreq_rpk = certreq_rpk;
#if MK_NATT
    if (ike->cfg->natt && mk_chain_find_notify(c, MK_N_NAT_DETECTION_SOURCE_IP) != NULL &&
        mk_chain_find_notify(c, MK_N_NAT_DETECTION_DESTINATION_IP) != NULL) {
        ike->peer_natd = true;
        ike->nat_detected = nat_between(ike, c, m->hdr.spi_r);
        /* RFC 7296 §2.23: both ends support NAT traversal: the initiator floats to UDP 4500
         * (with the non-ESP marker) from IKE_AUTH on; it MUST do so when a NAT is detected. */
        ike->on_4500 = true;
        mk_ini_trace(ike, MK_EV_INFO,
                     ike->nat_detected ? "NAT detected: moving to UDP 4500"
                                       : "peer supports NAT-T: moving to UDP 4500");
    }
#else
    (void)nat_between;
#endif
    *keyed = true;
out:
    mk_wipe(&ike->init_keys, sizeof ike->init_keys);
    return e;
}

mk_err mk_ini_on_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    bool keyed;
    mk_err e = mk_ini_accept_init_resp(ike, m, now, &keyed);
    if (e != MK_E_OK || !keyed)
        return e;
    return mk_ini_after_commit(mk_ini_build_auth(ike, now));
}
