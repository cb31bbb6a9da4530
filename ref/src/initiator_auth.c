/* SPDX-License-Identifier: MIT */
/*
 * initiator_auth: helpers of the spine's IKE_AUTH steps (handshake.c): once the responder is
 * authenticated, its child SA: SAr2 against what we offered (sa.h), the traffic selectors
 * (narrowed, never widened), the mode, and the keys from KEYMAT = prf+(SK_d, Ni | Nr). Nothing
 * is written to the SA before every check passed.
 */
#include <string.h>

#include "initiator_int.h"

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
mk_err mk_ini_take_child(mk_ike *ike, const mk_chain *in)
{
    const mk_config *cfg = ike->cfg;
    mk_ini_cls cls;
    mk_child_keys ck;
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
    /* SAr2 against what SAi2 offered (the SA payloads' extension point, sa.h) */
    if ((e = mk_sa_take_esp(cfg, psa->body, psa->len, &esel, &spi_out)) != MK_E_OK ||
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
    mk_ini_sel_cls(ike, &cls);
    /* KEYMAT = prf+(SK_d, Ni | Nr)  (RFC 7296 §2.17), sliced encr_i | integ_i | encr_r |
     * integ_r; an AEAD "encryption key" includes its salt, and integ is then empty. */
    e = mk_ks_child_keys(cls.prf, einteg, eencr, ike->sk_d, ike->ni, ike->ni_len, ike->nr,
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
