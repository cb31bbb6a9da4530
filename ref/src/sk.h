/* SPDX-License-Identifier: MIT */
/*
 * sk: the Encrypted payload (RFC 7296 §3.14, RFC 5282 for AEAD). Sealing builds a whole protected
 * message; opening verifies the ICV over the whole message *before* anything inside is parsed
 * (Monocypher's verify-then-read order). Used by the initiator and by the test/peer responder.
 */
#ifndef MK_SK_H
#define MK_SK_H

#include "msg.h"
#include "suite.h"

/* Seal: `w` already holds the IKE header (28 octets, Length patched at the end by this call) and
 * nothing else; `inner` is the plaintext chain of inner payloads (generic headers included) and
 * `first` the type of its first payload. Writes the SK payload (header | IV | ciphertext | ICV)
 * and patches the IKE header Length. The IV comes from env->rng (CBC) or from env->rng too for
 * AEAD (8 octets, unique per key with overwhelming probability; RFC 5282 §3 allows any unique
 * IV). Padding: CBC pads to the block with zero octets (RFC 7296 §3.14), AEAD adds none. */
mk_err mk_sk_seal(mk_wr *w, const mk_sk_keys *k, const mk_env *env, uint8_t first,
                  const uint8_t *inner, size_t inner_len);

/* What mk_sk_seal is built on, and a test hook: the IV is `iv` (iv_len octets) or, if iv is
 * NULL, drawn from env->rng; `extra_blocks` blocks of padding beyond the minimum (octets for
 * AEAD, whose block is 1), each padding octet set to `pad_fill`: receivers must accept any
 * padding (RFC 7296 §3.14). BAD_CONFIG if the padding would exceed 255 octets. Only the tools
 * call it; it is declared here, with its definition's file, so the compiler checks the two. */
mk_err mk_sk_seal_raw(mk_wr *w, const mk_sk_keys *k, const mk_env *env, const uint8_t *iv,
                      uint8_t first, const uint8_t *inner, size_t inner_len, size_t extra_blocks,
                      uint8_t pad_fill);

/* Open the SK payload of a parsed message: check the ICV over AAD/whole message, decrypt into
 * `plain` (cap MK_MAX_MSG), strip padding, then walk the inner chain into `inner`.
 * ICV_MISMATCH before anything is decrypted-and-parsed; BAD_SYNTAX for bad padding;
 * BAD_LENGTH if the SK body cannot hold IV + Pad Length + ICV (or CBC text is not whole blocks);
 * errors of mk_chain_parse for the inner chain. On any error `plain` is wiped.
 * `plain` must stay alive while `inner` views are used. */
mk_err mk_sk_open(const mk_msg *m, const mk_sk_keys *k, uint8_t *plain, size_t cap,
                  mk_chain *inner);

/* What SK and ESP share (layout: mk_etm in suite.h). mk_sk_icv_len: ICV octets of k, 0 if k is
 * unusable. mk_sk_seal_span: encrypt msg's ciphertext span in place and write the ICV.
 * mk_sk_open_unpad: verify the ICV first, then decrypt buf, a copy of the ciphertext or the
 * ciphertext itself; ICV_MISMATCH (buf wiped or untouched) if the ICV does not verify. Then the
 * plaintext's end: Padding | Pad Length | trailer - 1 more octets (ESP's Next Header); with
 * `counted` the Padding must be 1, 2, 3, ... (ESP). BAD_SYNTAX (buf wiped) if not, or if Pad
 * Length reaches beyond the plaintext; else *body_len = what precedes the Padding.
 * ct_len >= trailer. */
size_t mk_sk_icv_len(const mk_sk_keys *k);
mk_err mk_sk_seal_span(const mk_sk_keys *k, uint8_t *msg, size_t iv_off, size_t ct_len);
mk_err mk_sk_open_unpad(const mk_sk_keys *k, const uint8_t *msg, size_t iv_off, uint8_t *buf,
                        size_t ct_len, size_t trailer, bool counted, size_t *body_len);

#endif
