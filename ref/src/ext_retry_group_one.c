/* SPDX-License-Identifier: MIT */
/*
 * ext_retry_group_one: INVALID_KE_PAYLOAD in a build with one DH group (MK_SUITES_ALL off; the
 * DH buffers are sized for that group alone): every group we could offer is the one we sent, so
 * whatever the responder asks for is one we lack.
 */
#include "ext_retry.h"

/* sources.txt leaves this file out of the core when its switch is off; the guard keeps a build
 * that compiles every ref/src file into one archive (fuzz/oss-fuzz/build.sh) from holding two
 * definitions of mk_ini_retry_group. */
#if !MK_SUITES_ALL

mk_err mk_ini_retry_group(mk_ike *ike, uint16_t group, uint64_t now)
{
    (void)group;
    (void)now;
    /* RFC 7296 §2.21.1: a group we cannot offer would end the exchange, but the notify is
     * unprotected: drop it, remember it, keep waiting for a real answer (or report INVALID_KE
     * when the retransmissions run out). */
    return mk_ini_remember(ike, MK_E_INVALID_KE, MK_E_UNAUTH_NOTIFY);
}

#endif
