/* SPDX-License-Identifier: MIT */
/*
 * initiator_init: helpers of the spine's IKE_SA_INIT steps (handshake.c): our proposals, the
 * check of the responder's choice against them (RFC 7296 §2.7, §3.3.6), the DH key pair and the
 * seven SK_* keys. An unprotected answer that would end the exchange (a proposal we did not
 * offer, ...) is a DROP remembered in stats.unauth_reason and reported only if the budget runs
 * out (RFC 7296 §2.21.1). Nothing here commits to the SA but mk_ini_ike_keys, which the spine
 * calls at its commit point.
 */
#include <string.h>

#include "initiator_int.h"

/* Proposal i of our SA payload (suite cfg->ike[i], number i + 1: RFC 7296 §3.3.1). The SA is
 * written one proposal at a time, so only one mk_proposal is ever on the stack. */
/* One whole suite per proposal, rather than one proposal listing every algorithm: the
 * responder can then only pick a combination that was configured (and tested) as a whole. An
 * AEAD suite carries no INTEG transform; IKE proposals never carry ESN. */
void mk_ini_ike_proposal(const mk_config *cfg, size_t i, mk_proposal *p)
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

/* Draw a fresh DH key pair for `group` into the caller's buffers. */
mk_err mk_ini_new_keypair(const mk_ike *ike, uint16_t group, uint8_t *priv, uint8_t *pub,
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

/* RFC 7296 §2.21.1: an unprotected IKE_SA_INIT answer that would end the exchange is not acted
 * on, since anyone on the path can forge it. The first such reason is kept (in stats, the only
 * thing a DROP may change) so that mk_on_timer can report it instead of a bare TIMEOUT; the
 * datagram is dropped as `drop` (UNAUTH_NOTIFY for an error notify, else UNAUTH_FAILURE). */
mk_err mk_ini_remember(mk_ike *ike, mk_err reason, mk_err drop)
{
    if (ike->stats.unauth_reason == MK_E_OK)
        ike->stats.unauth_reason = reason;
    mk_ini_trace(ike, MK_EV_INFO, mk_err_name(reason));
    return drop;
}

/* Match the responder's single proposal against the suites we offered. */
static mk_err select_proposal(const mk_ike *ike, const mk_proposal *p, uint8_t n_prop,
                              mk_ike_suite *sel)
{
    /* RFC 7296 §2.7: "The responder MUST accept a single proposal or reject them all" */
    if (n_prop != 1)
        return MK_E_BAD_PROPOSAL;
    if (p->proto != MK_PROTO_IKE || p->spi_len != 0)
        return MK_E_BAD_PROPOSAL;
    /* count[] is indexed by Transform Type 1..5; an INTEG count of 0 is right for AEAD, and ESN
     * (type 5) belongs to AH/ESP proposals only, so in an IKE proposal it is an error. */
    /* RFC 7296 §2.7: "The accepted cryptographic suite MUST contain exactly one transform of
     * each type included in the proposal." */
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
        /* RFC 7296 §3.3.1: "When a proposal is accepted, the proposal number in the SA payload
         * MUST match the number on the proposal sent that was accepted." (ours: i + 1) */
        if (p->num == i + 1 && te->id == s->encr &&
            te->key_bits == mk_ini_key_attr(c.encr, s->encr_bits) && tp->id == s->prf &&
            integ == s->integ && td->id == s->dh) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    /* RFC 7296 §3.3.6: "The initiator of an exchange MUST check that the accepted offer is
     * consistent with one of its proposals, and if not MUST terminate the exchange." */
    return MK_E_BAD_PROPOSAL;
}

/* SAr1: decode (only the first proposal is kept, in this frame) and match it against ours. */
mk_err mk_ini_choose_ike_sa(mk_ike *ike, const mk_pl *psa, mk_ike_suite *sel)
{
    mk_proposal prop;
    uint8_t n_prop;
    mk_err e = mk_pl_decode_sa_first(&prop, &n_prop, psa->body, psa->len);
    if (e != MK_E_OK)
        return e;
    /* RFC 7296 §2.21.1: a choice we did not offer would end the exchange; unprotected, so it
     * is remembered and dropped like an error notify */
    if ((e = select_proposal(ike, &prop, n_prop, sel)) != MK_E_OK)
        return mk_ini_remember(ike, e, MK_E_UNAUTH_FAILURE);
    return MK_E_OK;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr),
 * straight into the SA: called only at the commit point, where nothing can DROP any more. The
 * key block lives in this frame, which is gone before IKE_AUTH is built. */
mk_err mk_ini_ike_keys(mk_ike *ike, const mk_ini_cls *cls, const uint8_t *skeyseed,
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
