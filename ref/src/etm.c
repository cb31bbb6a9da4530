/* SPDX-License-Identifier: MIT */
/*
 * etm: encrypt-then-MAC, how a non-AEAD cipher (AES-CBC, RFC 3602) protects an SK payload
 * (RFC 7296 §3.14) or an ESP packet (RFC 4303 §2.8) together with an INTEG transform (HMAC,
 * RFC 4868). The CBC classes point here (mk_encr_class.etm); sk.c and esp.c reach it only through
 * that pointer, so a core that registers AEAD ciphers alone (the minimal profile) links none of
 * it. Layout, shared by SK and ESP (suite.h):
 *
 *   msg[0 .. iv_off) | IV | ciphertext | ICV      ICV = MAC(SK_a or KEYMAT, msg[0 .. ICV))
 *
 * Opening verifies the ICV in constant time before a single octet is decrypted: with CBC,
 * decrypting first would be a padding oracle.
 */
#include <string.h>

#include "suite_all.h"

enum { ETM_MAX_ICV = 32 }; /* HMAC-SHA2-512-256, the longest ICV registered */

static size_t etm_icv_len(const mk_sk_keys *k)
{
    /* RFC 5282 §7: an AEAD cipher carries its own integrity; any other needs an INTEG. */
    if (k->integ == NULL || k->ak == NULL || k->integ->icv_len > ETM_MAX_ICV)
        return 0;
    return k->integ->icv_len;
}

static bool etm_esp_keys(const mk_esp_sa *sa, bool outbound, mk_sk_keys *k)
{
    k->integ = mk_suite_integ(sa->suites, sa->integ);
    k->ak = outbound ? sa->ak_out : sa->ak_in;
    return k->integ != NULL && k->integ->key_len == sa->ak_len &&
           k->integ->key_len <= sizeof sa->ak_in;
}

static mk_err etm_esp_iv(const mk_env *env, uint8_t *iv, size_t len)
{
    /* RFC 3602 §2.1: the CBC IV "MUST be chosen at random" (unpredictable). */
    if (env == NULL || env->rng == NULL)
        return MK_E_BAD_CONFIG;
    env->rng(env->ctx, iv, len);
    return MK_E_OK;
}

static mk_err etm_seal(const mk_sk_keys *k, uint8_t *msg, size_t iv_off, size_t ct_len)
{
    size_t hdr = iv_off + k->encr->iv_len;
    mk_err e = k->encr->seal(k->ek, msg + iv_off, NULL, 0, msg + hdr, ct_len, NULL);
    if (e != MK_E_OK)
        return e;
    /* RFC 7296 §3.14: the ICV covers the message from the IKE header through the Pad Length;
     * RFC 4303 §2.8: the ESP header, IV and ciphertext. Both: everything before the ICV, after
     * encryption. */
    mk_iov span = {msg, hdr + ct_len};
    k->integ->mac(k->ak, &span, 1, msg + hdr + ct_len);
    return MK_E_OK;
}

static mk_err etm_open(const mk_sk_keys *k, const uint8_t *msg, size_t iv_off, uint8_t *buf,
                       size_t ct_len)
{
    uint8_t mac[ETM_MAX_ICV];
    size_t hdr = iv_off + k->encr->iv_len;
    mk_iov span = {msg, hdr + ct_len};
    mk_err e = MK_E_ICV_MISMATCH;

    /* SPEC RFC7296 3.14: "...the Integrity Checksum Data ... computed over the encrypted
     * message"; RFC 4303 §3.4.4: verify the ICV before decrypting. Constant time (mk_ct_eq). */
    k->integ->mac(k->ak, &span, 1, mac);
    if (mk_ct_eq(mac, msg + hdr + ct_len, k->integ->icv_len))
        e = k->encr->open(k->ek, msg + iv_off, NULL, 0, buf, ct_len, NULL);
    mk_wipe(mac, sizeof mac);
    return e;
}

const mk_etm mk_etm_hmac = {
    .icv_len = etm_icv_len,
    .esp_keys = etm_esp_keys,
    .esp_iv = etm_esp_iv,
    .seal = etm_seal,
    .open = etm_open,
};
