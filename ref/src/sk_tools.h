/* SPDX-License-Identifier: MIT */
/*
 * sk_tools: SK sealing only the tools call; mk_sk_seal_iv is built into mk_extra (sk_tools.c),
 * never into a device's core, which seals with mk_sk_seal (a fresh IV from env->rng) only.
 */
#ifndef MK_SK_TOOLS_H
#define MK_SK_TOOLS_H

#include "sk.h"

/* What mk_sk_seal (sk.c) is built on, and a test hook: the IV is `iv` (iv_len octets) or, if iv
 * is NULL, drawn from env->rng; `extra_blocks` blocks of padding beyond the minimum (octets for
 * AEAD, whose block is 1), each padding octet set to `pad_fill`: receivers must accept any
 * padding (RFC 7296 §3.14). BAD_CONFIG if the padding would exceed 255 octets. Defined in sk.c,
 * declared here because only the tools call it. */
mk_err mk_sk_seal_raw(mk_wr *w, const mk_sk_keys *k, const mk_env *env, const uint8_t *iv,
                      uint8_t first, const uint8_t *inner, size_t inner_len, size_t extra_blocks,
                      uint8_t pad_fill);

/* Seal with a caller-given IV (iv_len octets), otherwise as mk_sk_seal. For known-answer tests
 * (RFC 7634 App. B). */
mk_err mk_sk_seal_iv(mk_wr *w, const mk_sk_keys *k, const uint8_t *iv, uint8_t first,
                     const uint8_t *inner, size_t inner_len);

#endif
