/* SPDX-License-Identifier: MIT */
/*
 * sk_tools: SK sealing only the tools call; mk_sk_seal_iv is built into mk_extra (sk_tools.c),
 * never into a device's core, which seals with mk_sk_seal (a fresh IV from env->rng) only.
 */
#ifndef MK_SK_TOOLS_H
#define MK_SK_TOOLS_H

#include "sk.h"

/* Seal with a caller-given IV (iv_len octets), otherwise as mk_sk_seal. For known-answer tests
 * (RFC 7634 App. B). */
mk_err mk_sk_seal_iv(mk_wr *w, const mk_sk_keys *k, const uint8_t *iv, uint8_t first,
                     const uint8_t *inner, size_t inner_len);

#endif
