/* SPDX-License-Identifier: MIT */
/*
 * ext_retry_group: the INVALID_KE_PAYLOAD retry (RFC 7296 §1.2) of a build with several DH
 * groups (MK_SUITES_ALL): a new key pair in the group the responder asked for, if we offered
 * it, then the same request again.
 */
#include "ext_retry.h"

/* sources.txt leaves this file out of the core when its switch is off; the guard keeps a build
 * that compiles every ref/src file into one archive (fuzz/oss-fuzz/build.sh) from holding two
 * definitions of mk_ini_retry_group. */
#if MK_SUITES_ALL

static bool group_configured(const mk_config *cfg, uint16_t group)
{
    for (size_t i = 0; i < cfg->n_ike; i++)
        if (cfg->ike[i].dh == group)
            return true;
    return false;
}

mk_err mk_ini_retry_group(mk_ike *ike, uint16_t group, uint64_t now)
{
    mk_err e;
    /* RFC 7296 §2.21.1: a group we cannot offer would end the exchange, but the notify is
     * unprotected: drop it, remember it, keep waiting for a real answer. */
    if (!group_configured(ike->cfg, group))
        return mk_ini_remember(ike, MK_E_INVALID_KE, MK_E_UNAUTH_NOTIFY);
    if ((e = mk_ini_retry_allowed(ike, MK_E_UNAUTH_NOTIFY)) != MK_E_OK)
        return e;
    /* ---- commit: a failure below is FATAL (CRYPTO) and wipes the SA, so the new key pair is
     * drawn straight into it (no DH secret on the stack) ---- */
    mk_ini_trace(ike, MK_EV_RX, "IKE_SA_INIT response MID 0: N(INVALID_KE_PAYLOAD)");
    mk_wipe(ike->dh_priv, sizeof ike->dh_priv);
    if ((e = mk_ini_new_keypair(ike, group)) != MK_E_OK)
        return mk_ini_after_commit(e);
    ike->init_retries++;
    mk_ini_trace(ike, MK_EV_INFO, "INVALID_KE_PAYLOAD: retrying IKE_SA_INIT");
    /* RFC 7296 §1.2: retry with the same proposals and a KE of the requested group */
    return mk_ini_after_commit(mk_ini_build_init(ike, now));
}

#endif
