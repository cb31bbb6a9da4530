/* SPDX-License-Identifier: MIT */
/*
 * suite: the registry of crypto classes. Lookups walk NULL-terminated arrays of class pointers
 * by IANA id (and key length for ENCR), so only registered algorithms can ever be negotiated.
 * mk_suites_default() picks between two static const registries at run time (libsodium's AES-GCM
 * needs AES-NI); there is no mutable global and no allocation here.
 */
#include <sodium.h>

#include "suite.h"

/* Linear walks: a registry holds a handful of classes. A NULL registry or table finds nothing,
 * which mk_init turns into BAD_CONFIG, so a half-filled custom registry fails at start-up. */
const mk_prf_class *mk_suite_prf(const mk_suites *s, uint16_t id)
{
    if (s == NULL || s->prf == NULL)
        return NULL;
    for (size_t i = 0; s->prf[i] != NULL; i++) {
        if (s->prf[i]->id == id)
            return s->prf[i];
    }
    return NULL;
}

const mk_integ_class *mk_suite_integ(const mk_suites *s, uint16_t id)
{
    if (s == NULL || s->integ == NULL)
        return NULL;
    for (size_t i = 0; s->integ[i] != NULL; i++) {
        if (s->integ[i]->id == id)
            return s->integ[i];
    }
    return NULL;
}

const mk_encr_class *mk_suite_encr(const mk_suites *s, uint16_t id, uint16_t key_bits)
{
    if (s == NULL || s->encr == NULL)
        return NULL;
    for (size_t i = 0; s->encr[i] != NULL; i++) {
        const mk_encr_class *c = s->encr[i];
        /* RFC 7296 §3.3.5: ciphers with variable key sizes carry a Key Length attribute;
         * RFC 7634 §3: ChaCha20-Poly1305 has none (0 here), its key is always 256 bits. */
        if (c->id == id && (c->key_bits == key_bits || (!c->needs_key_attr && key_bits == 0)))
            return c;
    }
    return NULL;
}

const mk_dh_class *mk_suite_dh(const mk_suites *s, uint16_t id)
{
    if (s == NULL || s->dh == NULL)
        return NULL;
    for (size_t i = 0; s->dh[i] != NULL; i++) {
        if (s->dh[i]->id == id)
            return s->dh[i];
    }
    return NULL;
}

/* ---- the built-in registries ----------------------------------------------------------- */

/* What can be negotiated, not what is preferred: preference is the order of mk_config's suites.
 * Omitting an algorithm costs no interoperability as long as the responder supports one of ours,
 * because as initiator we only ever accept what we proposed. So there is no SHA-1 PRF or INTEG
 * (RFC 8247 MUST-) and no 3DES, and RFC 8247's MUST set (AES-CBC, HMAC-SHA2-256, MODP-2048) is
 * kept for responders that offer nothing newer. */

#if MK_SUITES_ALL
#include "suite_all.h"

static const mk_prf_class *const prfs[] = {&mk_prf_hmac_sha2_256, &mk_prf_hmac_sha2_512, NULL};
static const mk_integ_class *const integs[] = {&mk_integ_hmac_sha2_256_128,
                                               &mk_integ_hmac_sha2_512_256, NULL};
static const mk_dh_class *const dhs[] = {&mk_dh_x25519, &mk_dh_ecp256, &mk_dh_modp2048, NULL};

/* First match wins, so with AES-NI libsodium's AES-GCM-16-256 shadows mbedTLS's. Order matters only
 * between classes with the same (id, key_bits). This is about speed, not safety: where libsodium
 * has AES-GCM the CPU has AES-NI, which mbedTLS can use too. Without AES-NI only mbedTLS's
 * table-based software AES remains, a cache-timing concern on CPUs shared with untrusted code. */
static const mk_encr_class *const encrs_aesni[] = {
    &mk_encr_aes_gcm16_256_sodium,
    &mk_encr_chacha20poly1305,
    &mk_encr_aes_gcm16_256,
    &mk_encr_aes_gcm16_128,
    &mk_encr_aes_gcm12_256,
    &mk_encr_aes_gcm12_128,
    &mk_encr_aes_gcm8_256,
    &mk_encr_aes_gcm8_128,
    &mk_encr_aes_ccm16_256,
    &mk_encr_aes_ccm16_128,
    &mk_encr_aes_ccm12_256,
    &mk_encr_aes_ccm12_128,
    &mk_encr_aes_ccm8_256,
    &mk_encr_aes_ccm8_128,
    &mk_encr_aes_cbc_256,
    &mk_encr_aes_cbc_128,
    NULL,
};
static const mk_encr_class *const encrs_plain[] = {
    &mk_encr_aes_gcm16_256, &mk_encr_chacha20poly1305,
    &mk_encr_aes_gcm16_128, &mk_encr_aes_gcm12_256,
    &mk_encr_aes_gcm12_128, &mk_encr_aes_gcm8_256,
    &mk_encr_aes_gcm8_128,  &mk_encr_aes_ccm16_256,
    &mk_encr_aes_ccm16_128, &mk_encr_aes_ccm12_256,
    &mk_encr_aes_ccm12_128, &mk_encr_aes_ccm8_256,
    &mk_encr_aes_ccm8_128,  &mk_encr_aes_cbc_256,
    &mk_encr_aes_cbc_128,   NULL,
};

/* Two complete static const registries rather than one patched at run time: no mutable global,
 * and each registry can be read (and audited) as the exact list it offers. */
static const mk_suites suites_aesni = {prfs, integs, encrs_aesni, dhs};
static const mk_suites suites_plain = {prfs, integs, encrs_plain, dhs};

const mk_suites *mk_suites_default(void)
{
    /* libsodium learns the CPU features in sodium_init() (called by the I/O layer or the
     * test, never here: it seeds libsodium's RNG). Before it, this reports "unavailable" and
     * mbedTLS serves AES-GCM-256: slower, never wrong. */
    return crypto_aead_aes256gcm_is_available() ? &suites_aesni : &suites_plain;
}
#else
/* The minimal profile's one suite: ChaCha20-Poly1305 (RFC 7634) with X25519 (RFC 8031) and
 * PRF-HMAC-SHA2-256. Chosen over AES-CCM-8 because a Cortex-M4 has no AES instructions, so
 * software AES is either slow or leaks through cache timing, while ChaCha20 is constant-time in
 * plain C; its 16-octet tag is also stronger than CCM-8's 8; and all three come from libsodium,
 * so the device links one crypto library. RFC 8247 lists ENCR_CHACHA20_POLY1305 as SHOULD. */
static const mk_prf_class *const prfs[] = {&mk_prf_hmac_sha2_256, NULL};
static const mk_integ_class *const integs[] = {NULL};
static const mk_encr_class *const encrs[] = {&mk_encr_chacha20poly1305, NULL};
static const mk_dh_class *const dhs[] = {&mk_dh_x25519, NULL};
static const mk_suites suites_one = {prfs, integs, encrs, dhs};

const mk_suites *mk_suites_default(void)
{
    return &suites_one;
}
#endif
