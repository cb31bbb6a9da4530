/* SPDX-License-Identifier: MIT */
/*
 * initiator_auth: helpers of the spine's IKE_AUTH steps (handshake.c): the ESP proposals of SAi2
 * and, once the responder is authenticated, its child SA: SAr2 against what we offered, the
 * traffic selectors (narrowed, never widened), the mode, and the keys from KEYMAT =
 * prf+(SK_d, Ni | Nr). Nothing is written to the SA before every check passed.
 */
#include <string.h>

#include "initiator_int.h"

/* Proposal i of our SAi2 (suite cfg->esp[i]): SPI = our inbound SPI, ESN "no". The SA is
 * written one proposal at a time, so only one mk_proposal is ever on the stack.
 * An AEAD suite gets no INTEG transform at all (its ICV is the cipher's tag), and only "no
 * ESN" is offered: esp.c implements the 32-bit sequence number and window only, so a child SA
 * must be rekeyed (here: re-established) before 2^32 packets. */
void mk_ini_esp_proposal(const mk_ike *ike, size_t i, mk_proposal *p)
{
    const mk_config *cfg = ike->cfg;
    const mk_encr_class *encr;
    const mk_integ_class *integ;
    (void)mk_ini_esp_classes(cfg->suites, &cfg->esp[i], &encr, &integ); /* by mk_init */
    memset(p, 0, sizeof *p);
    p->num = (uint8_t)(i + 1);
    p->proto = MK_PROTO_ESP;
    p->spi_len = 4;
    p->spi[0] = (uint8_t)(ike->child_spi_in >> 24);
    p->spi[1] = (uint8_t)(ike->child_spi_in >> 16);
    p->spi[2] = (uint8_t)(ike->child_spi_in >> 8);
    p->spi[3] = (uint8_t)ike->child_spi_in;
    p->t[p->n_t++] =
        (mk_transform){MK_TT_ENCR, cfg->esp[i].encr, mk_ini_key_attr(encr, cfg->esp[i].encr_bits)};
    if (cfg->esp[i].integ != MK_INTEG_NONE)
        p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, cfg->esp[i].integ, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
}

/* RFC 7296 §2.9: the responder may narrow the selectors, never widen them. Protocol 0 means
 * "any", so a specific protocol is a narrowing of it; addresses are big-endian byte strings of
 * the same length, so memcmp orders them numerically. (An empty range or list never gets here:
 * mk_pl_decode_ts refuses both.) */
static bool ts_within(const mk_ts *in, const mk_ts *outer)
{
    if (in->type != outer->type)
        return false;
    size_t n = in->type == MK_TS_IPV4_RANGE ? 4 : 16;
    if (outer->proto != 0 && in->proto != outer->proto)
        return false;
    if (in->start_port < outer->start_port || in->end_port > outer->end_port)
        return false;
    return memcmp(in->start, outer->start, n) >= 0 && memcmp(in->end, outer->end, n) <= 0;
}

/* Every selector the responder returns must lie inside ours; the first is the one used,
 * since one child SA with one selector pair per side is all RFC 7815 needs. */
static mk_err check_ts(const mk_pl *pl, const mk_ts *ours, mk_ts *chosen)
{
    mk_tsl l;
    mk_err e = mk_pl_decode_ts(&l, pl->body, pl->len);
    if (e != MK_E_OK)
        return e;
    for (size_t i = 0; i < l.n; i++)
        if (!ts_within(&l.ts[i], ours))
            return MK_E_TS_UNACCEPTABLE;
    *chosen = l.ts[0];
    return MK_E_OK;
}

/* Match SAr2 against our ESP proposals; returns the suite and the peer's inbound SPI. */
static mk_err select_esp(const mk_ike *ike, const mk_proposal *p, uint8_t n_prop, mk_esp_suite *sel,
                         uint32_t *spi)
{
    /* RFC 7296 §2.7: "The responder MUST accept a single proposal or reject them all" */
    if (n_prop != 1)
        return MK_E_BAD_PROPOSAL;
    /* RFC 7296 §3.3.1: an ESP proposal carries the sender's 4-octet inbound SPI */
    if (p->proto != MK_PROTO_ESP || p->spi_len != 4)
        return MK_E_BAD_PROPOSAL;
    uint8_t count[MK_TT_ESN + 1];
    if (!mk_proposal_count_types(p, count))
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
    for (size_t i = 0; i < ike->cfg->n_esp; i++) {
        const mk_esp_suite *s = &ike->cfg->esp[i];
        const mk_encr_class *encr;
        const mk_integ_class *integ;
        (void)mk_ini_esp_classes(ike->cfg->suites, s, &encr, &integ);
        /* The Key Length must echo what we sent (none for ChaCha20-Poly1305, RFC 7634 §3),
         * and an absent INTEG transform matches only an AEAD suite we offered without one. */
        uint16_t ai = ta != NULL ? ta->id : (uint16_t)MK_INTEG_NONE;
        /* RFC 7296 §3.3.1: the accepted proposal keeps the number we gave it (i + 1) */
        if (p->num == i + 1 && te->id == s->encr &&
            te->key_bits == mk_ini_key_attr(encr, s->encr_bits) && ai == s->integ) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    return MK_E_BAD_PROPOSAL;
}

/* Error notifies about the child SA (RFC 7296 §2.21.2): the IKE SA stands, the child does not.
 * Notify types below 16384 are errors, 16384 and up are status (RFC 7296 §3.10.1): an unknown
 * status type is ignored, an unknown error type still means the child SA was refused. */
static mk_err child_error(const mk_chain *in)
{
    uint16_t type = mk_chain_first_error(in);
    if (type == 0)
        return MK_E_OK;
    return type == MK_N_TS_UNACCEPTABLE ? MK_E_TS_UNACCEPTABLE : MK_E_NO_CHILD_SA;
}

/* The child SA of an authenticated IKE_AUTH response (RFC 7296 §2.21.2: the IKE SA stands
 * even if the child is refused, but a minimal node has nothing to do without it). */
mk_err mk_ini_take_child(mk_ike *ike, const mk_chain *in, const mk_ini_cls *cls)
{
    const mk_config *cfg = ike->cfg;
    mk_child_keys ck;
    mk_proposal prop;
    uint8_t n_prop;
    mk_esp_suite esel;
    uint32_t spi_out = 0;
    mk_ts tsi, tsr;
    mk_err e;
    if ((e = child_error(in)) != MK_E_OK)
        return e;
    const mk_pl *psa = mk_chain_find(in, MK_PT_SA), *ptsi = mk_chain_find(in, MK_PT_TSI),
                *ptsr = mk_chain_find(in, MK_PT_TSR);
    if (psa == NULL || ptsi == NULL || ptsr == NULL)
        return MK_E_NO_CHILD_SA;
    if ((e = mk_pl_decode_sa_first(&prop, &n_prop, psa->body, psa->len)) != MK_E_OK ||
        (e = select_esp(ike, &prop, n_prop, &esel, &spi_out)) != MK_E_OK ||
        (e = check_ts(ptsi, &cfg->tsi, &tsi)) != MK_E_OK ||
        (e = check_ts(ptsr, &cfg->tsr, &tsr)) != MK_E_OK)
        return e;
    /* RFC 7296 §1.3.1: transport mode only if the responder echoed N(USE_TRANSPORT_MODE) */
    bool tunnel = cfg->tunnel || mk_chain_find_notify(in, MK_N_USE_TRANSPORT_MODE) == NULL;
    if (!cfg->tunnel && tunnel)
        mk_ini_trace(ike, MK_EV_INFO, "peer did not accept transport mode: tunnel");
    const mk_encr_class *eencr;
    const mk_integ_class *einteg;
    (void)mk_ini_esp_classes(cfg->suites, &esel, &eencr, &einteg);
    /* KEYMAT = prf+(SK_d, Ni | Nr)  (RFC 7296 §2.17), sliced encr_i | integ_i | encr_r |
     * integ_r; an AEAD "encryption key" includes its salt, and integ is then empty. */
    e = mk_ks_child_keys(cls->prf, einteg, eencr, ike->sk_d, ike->ni, ike->ni_len, ike->nr,
                         ike->nr_len, &ck);
    if (e == MK_E_OK) {
        /* ---- commit ---- */
        mk_esp_sa *c = &ike->child;
        memset(c, 0, sizeof *c);
        c->spi_in = ike->child_spi_in;
        c->spi_out = spi_out;
        c->encr = esel.encr;
        c->encr_bits = esel.encr_bits;
        c->integ = esel.integ;
        c->suites = cfg->suites; /* ESP looks its classes up where IKE negotiated them */
        /* initiator -> responder keys come first: they are our outbound keys */
        memcpy(c->ek_out, ck.ei, ck.encr_len);
        memcpy(c->ak_out, ck.ai, ck.integ_len);
        memcpy(c->ek_in, ck.er, ck.encr_len);
        memcpy(c->ak_in, ck.ar, ck.integ_len);
        c->ek_len = (uint8_t)ck.encr_len;
        c->ak_len = (uint8_t)ck.integ_len;
        c->tunnel = tunnel;
        c->udp_encap = ike->on_4500; /* RFC 3948: ESP in UDP 4500 once IKE floated there */
        ike->esp_sel = esel;
        ike->child_ok = true;
    }
    mk_wipe(&ck, sizeof ck);
    return e;
}
