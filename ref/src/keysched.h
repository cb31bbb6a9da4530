/* SPDX-License-Identifier: MIT */
/*
 * keysched: pure key-derivation functions, one per formula of RFC 7296 §2.13-2.17, each with its
 * formula as a comment. No state, no I/O; every local secret is wiped before return.
 */
#ifndef MK_KEYSCHED_H
#define MK_KEYSCHED_H

#include "suite.h"

/* prf+ (K,S) = T1 | T2 | ...; T1 = prf(K, S | 0x01), Tn = prf(K, T(n-1) | S | n).
 * At most 255 blocks (RFC 7296 §2.13): BAD_CONFIG if out_len needs more. Only the tools call it
 * alone (the core's key derivations are mk_ks_ike_keys and mk_ks_child_keys); it is declared
 * here, with its definition's file, so the compiler checks the two agree. */
mk_err mk_ks_prfplus(const mk_prf_class *prf, const uint8_t *key, size_t key_len, const mk_iov *s,
                     size_t n_s, uint8_t *out, size_t out_len);

/* SKEYSEED = prf(Ni | Nr, g^ir)  (RFC 7296 §2.14) */
void mk_ks_skeyseed(const mk_prf_class *prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                    size_t nr_len, const uint8_t *gir, size_t gir_len, uint8_t *skeyseed);

/* The seven IKE SA keys. Lengths: d/pi/pr = prf->out_len; ai/ar = integ key_len (0 for AEAD);
 * ei/er = encr key_len (with salt). */
typedef struct mk_ike_sa_keys {
    uint8_t d[MK_MAX_PRF_OUT], ai[MK_MAX_INTEG_KEY], ar[MK_MAX_INTEG_KEY];
    uint8_t ei[MK_MAX_ENCR_KEY], er[MK_MAX_ENCR_KEY], pi[MK_MAX_PRF_OUT], pr[MK_MAX_PRF_OUT];
    size_t prf_len, integ_len, encr_len;
} mk_ike_sa_keys;

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * integ may be NULL (AEAD). */
mk_err mk_ks_ike_keys(const mk_prf_class *prf, const mk_integ_class *integ,
                      const mk_encr_class *encr, const uint8_t *skeyseed, const uint8_t *ni,
                      size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
                      const uint8_t spi_r[8], mk_ike_sa_keys *k);

/* AUTH for a pre-shared key (RFC 7296 §2.15), in two steps, so a PSK user computes the pad key
 * once per SA:
 *   octets = RealMessage | Nonce(peer) | prf(SK_p, RestOfIDPayload)
 *   padkey = prf(Shared Secret, "Key Pad for IKEv2"), AUTH = prf(padkey, octets)
 * `real_msg` is the IKE_SA_INIT message the signer sent, `nonce` the other side's nonce,
 * `sk_p` SK_pi (initiator) or SK_pr (responder), `id_rest` the ID body. out: prf->out_len.
 * The one-call form, for the tools, is in keysched_tools.h. */
void mk_ks_psk_padkey(const mk_prf_class *prf, const uint8_t *psk, size_t psk_len, uint8_t *out);
void mk_ks_auth_psk_pad(const mk_prf_class *prf, const uint8_t *padkey, const uint8_t *real_msg,
                        size_t real_len, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *sk_p, const uint8_t *id_rest, size_t id_rest_len,
                        uint8_t *out);

/* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload), exposed for vectors and
 * for signature AUTH. out: prf->out_len. */
void mk_ks_maced_id(const mk_prf_class *prf, const uint8_t *sk_p, const uint8_t *id_rest,
                    size_t id_rest_len, uint8_t *out);

/* KEYMAT = prf+(SK_d, Ni | Nr)  (RFC 7296 §2.17, first child SA, no new KE).
 * Order: initiator->responder encryption key, its integrity key, then responder->initiator
 * encryption key, its integrity key. integ may be NULL (AEAD). */
typedef struct mk_child_keys {
    uint8_t ei[MK_MAX_ENCR_KEY], ai[MK_MAX_INTEG_KEY], er[MK_MAX_ENCR_KEY], ar[MK_MAX_INTEG_KEY];
    size_t encr_len, integ_len;
} mk_child_keys;
mk_err mk_ks_child_keys(const mk_prf_class *prf, const mk_integ_class *integ,
                        const mk_encr_class *encr, const uint8_t *sk_d, const uint8_t *ni,
                        size_t ni_len, const uint8_t *nr, size_t nr_len, mk_child_keys *k);

/* NAT_DETECTION_*_IP data = SHA-1(SPIi | SPIr | IP address | port)  (RFC 7296 §2.23) */
void mk_ks_natd(const uint8_t spi_i[8], const uint8_t spi_r[8], const mk_addr *a, uint8_t out[20]);

#endif
