/* SPDX-License-Identifier: MIT */
/*
 * initiator_auth: helpers of the spine's IKE_AUTH steps (handshake.c): once the responder is
 * authenticated, its child SA: SAr2 against what we offered (sa.h), the traffic selectors
 * (narrowed, never widened), the mode, and the keys from KEYMAT = prf+(SK_d, Ni | Nr). Nothing
 * is written to the SA before every check passed.
 */
#include <string.h>

#include "initiator_int.h"

/* RFC 7296 §2.9: the responder may narrow the selectors, never widen them: every selector it
 * returns must lie inside ours (one child SA with one selector pair per side is all RFC 7815
 * needs, so none is kept apart). Protocol 0 means "any", so a specific protocol is a narrowing of
 * it; addresses are big-endian byte strings of the same length, so memcmp orders them
 * numerically. (An empty range or list never gets here: mk_pl_decode_ts refuses both.) */
static mk_err check_ts(const mk_pl *pl, const mk_ts *ours)
{
    mk_tsl l;
    mk_err e = mk_pl_decode_ts(&l, pl->body, pl->len);
    for (uint8_t i = 0; i < l.n && e == MK_E_OK; i++) {
        const mk_ts *t = &l.ts[i];
        size_t n = t->type == MK_TS_IPV4_RANGE ? 4 : 16;
        if (t->type != ours->type || (ours->proto != 0 && t->proto != ours->proto) ||
            t->start_port < ours->start_port || t->end_port > ours->end_port ||
            memcmp(t->start, ours->start, n) < 0 || memcmp(t->end, ours->end, n) > 0)
            e = MK_E_TS_UNACCEPTABLE;
    }
    return e;
}

/* The child SA of an authenticated IKE_AUTH response (RFC 7296 §2.21.2: the IKE SA stands
 * even if the child is refused, but a minimal node has nothing to do without it). */
mk_err mk_ini_take_child(mk_ike *ike, const mk_chain *in)
{
    const mk_config *cfg = ike->cfg;
    const mk_encr_class *encr;
    const mk_integ_class *integ;
    mk_child_keys ck;
    mk_esp_suite esel;
    uint32_t spi_out = 0;
    mk_err e;
    /* Error notifies about the child SA (RFC 7296 §2.21.2): the IKE SA stands, the child does
     * not. Notify types below 16384 are errors, 16384 and up are status (RFC 7296 §3.10.1): an
     * unknown status type is ignored, an unknown error type still means the child was refused. */
    uint16_t refused = mk_chain_first_error(in);
    if (refused != 0)
        return refused == MK_N_TS_UNACCEPTABLE ? MK_E_TS_UNACCEPTABLE : MK_E_NO_CHILD_SA;
    const mk_pl *psa = mk_chain_find(in, MK_PT_SA), *ptsi = mk_chain_find(in, MK_PT_TSI),
                *ptsr = mk_chain_find(in, MK_PT_TSR);
    if (psa == NULL || ptsi == NULL || ptsr == NULL)
        return MK_E_NO_CHILD_SA;
    /* SAr2 against what SAi2 offered (the SA payloads' extension point, sa.h) */
    if ((e = mk_sa_take_esp(cfg, psa->body, psa->len, &esel, &spi_out)) != MK_E_OK ||
        (e = check_ts(ptsi, &cfg->tsi)) != MK_E_OK || (e = check_ts(ptsr, &cfg->tsr)) != MK_E_OK)
        return e;
    /* RFC 7296 §1.3.1: transport mode only if the responder echoed N(USE_TRANSPORT_MODE) */
    bool tunnel = cfg->tunnel || mk_chain_find_notify(in, MK_N_USE_TRANSPORT_MODE) == NULL;
    if (!cfg->tunnel && tunnel)
        mk_ini_trace(ike, MK_EV_INFO, "peer did not accept transport mode: tunnel");
    (void)mk_ini_esp_classes(cfg->suites, &esel, &encr, &integ); /* checked by mk_init */
    /* KEYMAT = prf+(SK_d, Ni | Nr)  (RFC 7296 §2.17), sliced encr_i | integ_i | encr_r |
     * integ_r; an AEAD "encryption key" includes its salt, and integ is then empty. */
    e = mk_ks_child_keys(mk_suite_prf(cfg->suites, ike->sel.prf), integ, encr, ike->sk_d, ike->ni,
                         ike->ni_len, ike->nr, ike->nr_len, &ck);
    if (e == MK_E_OK) {
        /* ---- commit: what is not named here (sequence numbers, replay window) starts at 0.
         * ESP looks its classes up where IKE negotiated them (cfg->suites); RFC 3948: ESP in
         * UDP 4500 once IKE floated there ---- */
        ike->child = (mk_esp_sa){.spi_in = ike->child.spi_in, /* drawn by mk_ini_build_auth */
                                 .spi_out = spi_out,
                                 .encr = esel.encr,
                                 .encr_bits = esel.encr_bits,
                                 .integ = esel.integ,
                                 .ek_len = (uint8_t)ck.encr_len,
                                 .ak_len = (uint8_t)ck.integ_len,
                                 .tunnel = tunnel,
                                 .udp_encap = ike->on_4500,
                                 .suites = cfg->suites};
        /* initiator -> responder keys come first: they are our outbound keys */
        memcpy(ike->child.ek_out, ck.ei, ck.encr_len);
        memcpy(ike->child.ak_out, ck.ai, ck.integ_len);
        memcpy(ike->child.ek_in, ck.er, ck.encr_len);
        memcpy(ike->child.ak_in, ck.ar, ck.integ_len);
        ike->child_ok = true;
    }
    mk_wipe(&ck, sizeof ck);
    return e;
}
