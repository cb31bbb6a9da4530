/* SPDX-License-Identifier: MIT */
/*
 * keysched_tools: key-schedule functions only the tools call (test peer, checker, vectors); built
 * into mk_extra (keysched_tools.c), never into a device's core.
 */
#ifndef MK_KEYSCHED_TOOLS_H
#define MK_KEYSCHED_TOOLS_H

#include "keysched.h"

/* AUTH for a pre-shared key in one call (RFC 7296 §2.15), as keysched.h describes it:
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), RealMessage | Nonce | MACedID ) */
void mk_ks_auth_psk(const mk_prf_class *prf, const uint8_t *psk, size_t psk_len,
                    const uint8_t *real_msg, size_t real_len, const uint8_t *nonce,
                    size_t nonce_len, const uint8_t *sk_p, const uint8_t *id_rest,
                    size_t id_rest_len, uint8_t *out);

#endif
