/* SPDX-License-Identifier: MIT */
/*
 * keysched_tools: the one-call PSK AUTH of RFC 7296 §2.15 for the tools (test peer, checker,
 * vectors). The initiator computes the pad key once per SA and calls mk_ks_auth_psk_pad itself
 * (keysched.c), so the core never needs this wrapper.
 */
#include "keysched_tools.h"

void mk_ks_auth_psk(const mk_prf_class *prf, const uint8_t *psk, size_t psk_len,
                    const uint8_t *real_msg, size_t real_len, const uint8_t *nonce,
                    size_t nonce_len, const uint8_t *sk_p, const uint8_t *id_rest,
                    size_t id_rest_len, uint8_t *out)
{
    uint8_t padkey[MK_MAX_PRF_OUT];
    mk_ks_psk_padkey(prf, psk, psk_len, padkey);
    mk_ks_auth_psk_pad(prf, padkey, real_msg, real_len, nonce, nonce_len, sk_p, id_rest,
                       id_rest_len, out);
    mk_wipe(padkey, sizeof padkey);
}
