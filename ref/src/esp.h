/* SPDX-License-Identifier: MIT */
/*
 * esp (internal): what the public mk_esp_seal in minike.h is built on, exposed for the
 * known-answer tests, which give the IV themselves.
 */
#ifndef MK_ESP_H
#define MK_ESP_H

#include "minike.h"

/* mk_esp_seal with an explicit IV of the cipher's iv_len octets instead of the sequence number
 * (AEAD) or env->rng (CBC); iv NULL is mk_esp_seal itself, which is built on this. For vectors
 * such as RFC 7634 App. A whose IV is not the sequence number. The caller guarantees IV
 * uniqueness per key (an AEAD IV repeated under one key breaks the cipher); env may be NULL when
 * iv is given. Same errors as mk_esp_seal. */
mk_err mk_esp_seal_iv(mk_esp_sa *sa, const mk_env *env, const uint8_t *iv, uint8_t next_header,
                      const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len);

#endif
