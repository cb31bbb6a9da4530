/* SPDX-License-Identifier: MIT */
/*
 * sa_list: the SA payloads (sa.h) for any list of configured suites (MK_SUITES_ALL): one
 * proposal per suite through the generic codec (msg_sa.c), and the responder's choice matched
 * against them by Transform ID and Key Length with the classes of the registry. sa_one.c replaces
 * it in the minimal profile. Nothing here writes to the SA: the takers only answer.
 */
#include <string.h>

#include "initiator_int.h"
#include "msg_sa.h"

#if MK_SUITES_ALL /* sa_one.c serves the other profile: see its guard */

mk_err mk_sa_check_config(const mk_config *cfg)
{
    (void)cfg; /* every suite is checked against the registry by mk_init */
    return MK_E_OK;
}

/* The Key Length attribute value we send for this class (0: none). bits == 0 in a config means
 * the class's own size. A fixed-size cipher (ChaCha20-Poly1305, 256-bit keys only) gets no
 * attribute at all, so a matching responder sees none. */
static uint16_t key_attr(const mk_encr_class *encr, uint16_t bits)
{
    /* RFC 7296 §3.3.5: Key Length only for ciphers with a variable key size */
    return encr->needs_key_attr ? (bits != 0 ? bits : encr->key_bits) : 0;
}

/* RFC 7296 §3.3.6: "Any attributes of a selected transform MUST be returned unmodified". We
 * send a Key Length on ENCR only (key_attr), so no other transform may carry one. */
static bool attrs_only_on_encr(const mk_proposal *p)
{
    for (uint8_t i = 0; i < p->n_t && i < MK_MAX_TRANSFORMS; i++)
        if (p->t[i].type != MK_TT_ENCR && p->t[i].key_bits != 0)
            return false;
    return true;
}

/* Proposal i of our SA payload (suite cfg->ike[i], number i + 1: RFC 7296 §3.3.1).
 * One whole suite per proposal, rather than one proposal listing every algorithm: the
 * responder can then only pick a combination that was configured (and tested) as a whole. An
 * AEAD suite carries no INTEG transform; IKE proposals never carry ESN. */
static void ike_proposal(const mk_config *cfg, size_t i, mk_proposal *p)
{
    mk_ini_cls c;
    (void)mk_ini_ike_classes(cfg->suites, &cfg->ike[i], &c); /* checked by mk_init */
    memset(p, 0, sizeof *p);
    p->num = (uint8_t)(i + 1);
    p->proto = MK_PROTO_IKE;
    /* RFC 7296 §3.3.1: SPI Size MUST be zero for an initial IKE SA negotiation */
    p->spi_len = 0;
    p->t[p->n_t++] =
        (mk_transform){MK_TT_ENCR, cfg->ike[i].encr, key_attr(c.encr, cfg->ike[i].encr_bits)};
    p->t[p->n_t++] = (mk_transform){MK_TT_PRF, cfg->ike[i].prf, 0};
    if (cfg->ike[i].integ != MK_INTEG_NONE)
        p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, cfg->ike[i].integ, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_DH, cfg->ike[i].dh, 0};
}

/* The SA is written one proposal at a time, so only one mk_proposal is ever on the stack. */
void mk_sa_write_ike(mk_wr *w, const mk_config *cfg)
{
    mk_proposal prop;
    for (size_t i = 0; i < cfg->n_ike; i++) {
        ike_proposal(cfg, i, &prop);
        mk_pl_encode_proposal(w, &prop, i + 1 == cfg->n_ike);
    }
}

/* Match the responder's single proposal against the suites we offered. */
static mk_err select_proposal(const mk_config *cfg, const mk_proposal *p, uint8_t n_prop,
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
    if (!mk_proposal_count_types(p, count) || !attrs_only_on_encr(p))
        return MK_E_BAD_PROPOSAL;
    const mk_transform *te = mk_proposal_get(p, MK_TT_ENCR);
    const mk_transform *tp = mk_proposal_get(p, MK_TT_PRF);
    const mk_transform *ta = mk_proposal_get(p, MK_TT_INTEG);
    const mk_transform *td = mk_proposal_get(p, MK_TT_DH);
    if (count[MK_TT_ENCR] != 1 || count[MK_TT_PRF] != 1 || count[MK_TT_DH] != 1 ||
        count[MK_TT_INTEG] > 1 || count[MK_TT_ESN] != 0)
        return MK_E_BAD_PROPOSAL;
    for (size_t i = 0; i < cfg->n_ike; i++) {
        const mk_ike_suite *s = &cfg->ike[i];
        mk_ini_cls c;
        (void)mk_ini_ike_classes(cfg->suites, s, &c);
        /* An INTEG transform only if we offered one: an AEAD suite went without, and an
         * INTEG "NONE" in the answer is not a transform of our proposal (§2.7 above). */
        bool integ_ok = ta != NULL ? s->integ != MK_INTEG_NONE && ta->id == s->integ
                                   : s->integ == MK_INTEG_NONE;
        /* RFC 7296 §3.3.1: "When a proposal is accepted, the proposal number in the SA payload
         * MUST match the number on the proposal sent that was accepted." (ours: i + 1) */
        if (p->num == i + 1 && te->id == s->encr &&
            te->key_bits == key_attr(c.encr, s->encr_bits) && tp->id == s->prf && integ_ok &&
            td->id == s->dh) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    /* RFC 7296 §3.3.6: "The initiator of an exchange MUST check that the accepted offer is
     * consistent with one of its proposals, and if not MUST terminate the exchange." */
    return MK_E_BAD_PROPOSAL;
}

/* SAr1: decoded (only the first proposal is kept, in this frame) and matched against ours. */
mk_err mk_sa_take_ike(const mk_config *cfg, const uint8_t *body, size_t len, mk_ike_suite *sel)
{
    mk_proposal prop;
    uint8_t n_prop;
    mk_err e = mk_pl_decode_sa_first(&prop, &n_prop, body, len);
    return e != MK_E_OK ? e : select_proposal(cfg, &prop, n_prop, sel);
}

/* Proposal i of our SAi2 (suite cfg->esp[i]): SPI = our inbound SPI, ESN "no".
 * An AEAD suite gets no INTEG transform at all (its ICV is the cipher's tag), and only "no
 * ESN" is offered: esp.c implements the 32-bit sequence number and window only, so a child SA
 * must be rekeyed (here: re-established) before 2^32 packets. */
static void esp_proposal(const mk_config *cfg, size_t i, uint32_t spi_in, mk_proposal *p)
{
    const mk_encr_class *encr;
    const mk_integ_class *integ;
    (void)mk_ini_esp_classes(cfg->suites, &cfg->esp[i], &encr, &integ); /* by mk_init */
    memset(p, 0, sizeof *p);
    p->num = (uint8_t)(i + 1);
    p->proto = MK_PROTO_ESP;
    p->spi_len = 4;
    p->spi[0] = (uint8_t)(spi_in >> 24);
    p->spi[1] = (uint8_t)(spi_in >> 16);
    p->spi[2] = (uint8_t)(spi_in >> 8);
    p->spi[3] = (uint8_t)spi_in;
    p->t[p->n_t++] =
        (mk_transform){MK_TT_ENCR, cfg->esp[i].encr, key_attr(encr, cfg->esp[i].encr_bits)};
    if (cfg->esp[i].integ != MK_INTEG_NONE)
        p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, cfg->esp[i].integ, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
}

void mk_sa_write_esp(mk_wr *w, const mk_config *cfg, uint32_t spi_in)
{
    mk_proposal prop;
    for (size_t i = 0; i < cfg->n_esp; i++) {
        esp_proposal(cfg, i, spi_in, &prop);
        mk_pl_encode_proposal(w, &prop, i + 1 == cfg->n_esp);
    }
}

/* Match SAr2 against our ESP proposals; returns the suite and the peer's inbound SPI. */
static mk_err select_esp(const mk_config *cfg, const mk_proposal *p, uint8_t n_prop,
                         mk_esp_suite *sel, uint32_t *spi)
{
    /* RFC 7296 §2.7: "The responder MUST accept a single proposal or reject them all" */
    if (n_prop != 1)
        return MK_E_BAD_PROPOSAL;
    /* RFC 7296 §3.3.1: an ESP proposal carries the sender's 4-octet inbound SPI */
    if (p->proto != MK_PROTO_ESP || p->spi_len != 4)
        return MK_E_BAD_PROPOSAL;
    uint8_t count[MK_TT_ESN + 1];
    if (!mk_proposal_count_types(p, count) || !attrs_only_on_encr(p))
        return MK_E_BAD_PROPOSAL;
    /* count[] is indexed by Transform Type 1..5 (ENCR, PRF, INTEG, DH, ESN); 0 is unused. The
     * first child SA takes its keys from SK_d alone (IKE_AUTH carries no KE), so a DH transform
     * in SAr2 could only be one we did not offer. */
    /* RFC 7296 §2.7: one transform per type; ESP has no PRF and (here) no DH */
    /* RFC 7296 §3.3.3: ESN is a mandatory transform type of an ESP proposal, and we offered
     * one, so the accepted suite carries exactly one (§2.7 above). */
    if (count[MK_TT_ENCR] != 1 || count[MK_TT_INTEG] > 1 || count[MK_TT_PRF] != 0 ||
        count[MK_TT_DH] != 0 || count[MK_TT_ESN] != 1)
        return MK_E_BAD_PROPOSAL;
    const mk_transform *te = mk_proposal_get(p, MK_TT_ENCR);
    const mk_transform *ta = mk_proposal_get(p, MK_TT_INTEG);
    const mk_transform *tn = mk_proposal_get(p, MK_TT_ESN);
    if (tn != NULL && tn->id != MK_ESN_NONE)
        return MK_E_BAD_PROPOSAL; /* we offered only "no ESN" */
    *spi = ((uint32_t)p->spi[0] << 24) | ((uint32_t)p->spi[1] << 16) | ((uint32_t)p->spi[2] << 8) |
           p->spi[3];
    if (*spi < 256)
        return MK_E_BAD_PROPOSAL; /* RFC 4303 §2.1: 0..255 are not valid SPIs */
    for (size_t i = 0; i < cfg->n_esp; i++) {
        const mk_esp_suite *s = &cfg->esp[i];
        const mk_encr_class *encr;
        const mk_integ_class *integ;
        (void)mk_ini_esp_classes(cfg->suites, s, &encr, &integ);
        /* The Key Length must echo what we sent (none for ChaCha20-Poly1305, RFC 7634 §3),
         * and an absent INTEG transform matches only an AEAD suite we offered without one
         * (an INTEG "NONE" we did not offer is refused, as for SAr1). */
        bool integ_ok = ta != NULL ? s->integ != MK_INTEG_NONE && ta->id == s->integ
                                   : s->integ == MK_INTEG_NONE;
        /* RFC 7296 §3.3.1: the accepted proposal keeps the number we gave it (i + 1) */
        if (p->num == i + 1 && te->id == s->encr && te->key_bits == key_attr(encr, s->encr_bits) &&
            integ_ok) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    return MK_E_BAD_PROPOSAL;
}

/* SAr2: decoded (the first proposal kept, in this frame) and matched against ours. */
mk_err mk_sa_take_esp(const mk_config *cfg, const uint8_t *body, size_t len, mk_esp_suite *sel,
                      uint32_t *spi_out)
{
    mk_proposal prop;
    uint8_t n_prop;
    uint32_t spi = 0;
    mk_err e = mk_pl_decode_sa_first(&prop, &n_prop, body, len);
    if (e == MK_E_OK && (e = select_esp(cfg, &prop, n_prop, sel, &spi)) == MK_E_OK)
        *spi_out = spi;
    return e;
}

#endif
