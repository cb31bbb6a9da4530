/* SPDX-License-Identifier: MIT */
/*
 * sk_tools: sealing with a caller-given IV, for known-answer tests (RFC 7634 App. B). The core
 * seals with mk_sk_seal (a fresh IV from env->rng) only, so this is built for the tools.
 */
#include "sk_tools.h"

mk_err mk_sk_seal_iv(mk_wr *w, const mk_sk_keys *k, const uint8_t *iv, uint8_t first,
                     const uint8_t *inner, size_t inner_len)
{
    return mk_sk_seal_raw(w, k, NULL, iv, first, inner, inner_len, 0, 0);
}
