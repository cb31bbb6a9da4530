/* SPDX-License-Identifier: MIT */
/*
 * ext: the registry of the spine's extensions (initiator_int.h, mk_ini_ext), and the only place
 * where a build option decides what the handshake can do. The order is the order of their
 * payloads in a message: N(COOKIE) first (RFC 7296 §2.6), then NAT_DETECTION_*, then
 * SIGNATURE_HASH_ALGORITHMS.
 *
 *   extension             build option     what it adds
 *   mk_ini_ext_retry      always           COOKIE (RFC 7296 §2.6), INVALID_KE (§1.2) retries
 *   mk_ini_ext_natt       MK_NATT          NAT_DETECTION_*, UDP 4500 (RFC 7296 §2.23, 3948)
 *   mk_ini_ext_rpk        MK_RPK           raw public keys (RFC 7427, 7670, 8420)
 *   (crypto classes)      MK_SUITES_ALL    AES-GCM/CCM/CBC+HMAC, P-256, MODP-2048 (suite.c;
 *                                          suite_mbedtls.c, suite_sodium_extra.c)
 *   mk_delete()           MK_DELETE        our Delete (RFC 7815 App. B.1; initiator_delete.c and
 *                                          the DELETE_SENT rows of initiator.c's dispatch)
 */
#include "initiator_int.h"

const mk_ini_ext *const mk_ini_exts[] = {
    &mk_ini_ext_retry,
#if MK_NATT
    &mk_ini_ext_natt,
#endif
#if MK_RPK
    &mk_ini_ext_rpk,
#endif
    NULL,
};

const mk_ini_ext *mk_ini_auth_ext(const mk_config *cfg)
{
    if (cfg->auth_method == 0 || cfg->auth_method == MK_AUTH_PSK)
        return NULL;
    for (const mk_ini_ext *const *x = mk_ini_exts; *x != NULL; x++)
        if ((*x)->auth_sign != NULL && (*x)->auth_method == cfg->auth_method)
            return *x;
    return NULL;
}
