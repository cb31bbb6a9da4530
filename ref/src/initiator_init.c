/* SPDX-License-Identifier: MIT */
/*
 * initiator_init: helpers of the spine's IKE_SA_INIT steps (handshake.c): the DH key pair and
 * the seven SK_* keys. An unprotected answer that would end the exchange (a proposal we did not
 * offer, ...) is a DROP remembered in stats.unauth_reason and reported only if the budget runs
 * out (RFC 7296 §2.21.1). Nothing here commits to the SA but mk_ini_ike_keys, which the spine
 * calls at its commit point.
 */
#include <string.h>

#include "initiator_int.h"

/* Draw a fresh DH key pair for `group` into the SA: the group of the KE we send from now on.
 * The group is a configured one (the first suite's, or a retry's that group_configured found),
 * so mk_init has checked that its class is registered. */
mk_err mk_ini_new_keypair(mk_ike *ike, uint16_t group)
{
    const mk_dh_class *dh = mk_suite_dh(ike->cfg->suites, group);
    if (dh->keypair(ike->env, ike->dh_priv, ike->dh_pub) != MK_E_OK)
        return MK_E_CRYPTO;
    ike->dh = group;
    ike->dh_pub_len = (uint16_t)dh->pub_len;
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
    }
    mk_wipe(&k, sizeof k);
    return e;
}
