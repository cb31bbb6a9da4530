/* SPDX-License-Identifier: MIT */
/*
 * suite_sodium_extra: the libsodium 1.0.18 classes that only the full registry names
 * (MK_SUITES_ALL): HMAC-SHA2-512 as PRF (RFC 4868 §2.1), HMAC-SHA2-256-128 and -512-256 as
 * truncated integrity MACs (RFC 4868 §2.2, for AES-CBC), and AES-256-GCM with a 16-octet tag
 * (ENCR 20, RFC 5282; only usable when crypto_aead_aes256gcm_is_available(), i.e. AES-NI +
 * PCLMUL). The minimal profile's classes are in suite_sodium.c; the rules are the same: adapt
 * libsodium's API, never implement a primitive, wipe every key-dependent local.
 */
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "suite_all.h"

/* ---- HMAC-SHA2-512 PRF, HMAC-SHA2 integrity (RFC 4868) ------------------------------------- */

/* The piecewise form (see mk_prf_class): a SHA2-512 state is 416 octets, so the minimal
 * profile's MK_PRF_STATE_LEN (208) refuses this class in mk_init rather than overflow. */
static void init512(void *st, const uint8_t *key, size_t key_len)
{
    crypto_auth_hmacsha512_init(st, key, key_len);
}

static void update512(void *st, const uint8_t *p, size_t n)
{
    if (n > 0)
        crypto_auth_hmacsha512_update(st, p, n);
}

/* the state holds the keyed hashes: wiped as soon as the output is out */
static void final512(void *st, uint8_t *out)
{
    crypto_auth_hmacsha512_final(st, out);
    mk_wipe(st, sizeof(crypto_auth_hmacsha512_state));
}

/* As prf_sha256 in suite_sodium.c, on the piecewise functions: any key length (long keys hashed
 * first, RFC 2104 §2), the segments fed one by one, and the state, which can compute the PRF
 * without the key, wiped by final512. */
static void prf_sha512(const uint8_t *key, size_t key_len, const mk_iov *in, size_t n_in,
                       uint8_t *out)
{
    crypto_auth_hmacsha512_state st;
    init512(&st, key, key_len);
    for (size_t i = 0; i < n_in; i++)
        update512(&st, in[i].p, in[i].n);
    final512(&st, out);
}

/* AUTH_HMAC_SHA2_256_128: key 32 octets, ICV = first 16 octets of the HMAC (RFC 4868 §2.3);
 * HMAC-SHA2-256 itself is the PRF class's. */
static void mac_sha256_128(const uint8_t *key, const mk_iov *in, size_t n_in, uint8_t *icv)
{
    uint8_t full[crypto_auth_hmacsha256_BYTES];
    mk_prf_hmac_sha2_256.prf(key, 32, in, n_in, full);
    memcpy(icv, full, 16);
    mk_wipe(full, sizeof full);
}

/* AUTH_HMAC_SHA2_512_256: key 64 octets, ICV = first 32 octets of the HMAC (RFC 4868 §2.3). */
static void mac_sha512_256(const uint8_t *key, const mk_iov *in, size_t n_in, uint8_t *icv)
{
    uint8_t full[crypto_auth_hmacsha512_BYTES];
    prf_sha512(key, 64, in, n_in, full);
    memcpy(icv, full, 32);
    mk_wipe(full, sizeof full);
}

/* For the integrity classes key and ICV lengths come from RFC 4868: a full-size key, the HMAC
 * output truncated to half. out_len 64 fixes len(SK_d) = len(SK_pi) = len(SK_pr) (RFC 7296
 * §2.14). */
const mk_prf_class mk_prf_hmac_sha2_512 = {
    .id = MK_PRF_HMAC_SHA2_512,
    .name = "PRF_HMAC_SHA2_512",
    .out_len = 64,
    .prf = prf_sha512,
    .state_len = sizeof(crypto_auth_hmacsha512_state),
    .init = init512,
    .update = update512,
    .final = final512,
};
const mk_integ_class mk_integ_hmac_sha2_256_128 = {
    .id = MK_INTEG_HMAC_SHA2_256_128,
    .name = "AUTH_HMAC_SHA2_256_128",
    .key_len = 32,
    .icv_len = 16,
    .mac = mac_sha256_128,
};
const mk_integ_class mk_integ_hmac_sha2_512_256 = {
    .id = MK_INTEG_HMAC_SHA2_512_256,
    .name = "AUTH_HMAC_SHA2_512_256",
    .key_len = 64,
    .icv_len = 32,
    .mac = mac_sha512_256,
};

/* ---- AES-256-GCM (RFC 5282): nonce = salt(4) | IV(8) ---------------------------------------- */

/* RFC 5282 §4: the salt is the last 4 octets of the key material (SK_e* or KEYMAT), never
 * sent; only the 8-octet IV travels in the packet. */
static void nonce12(uint8_t nonce[12], const uint8_t salt[4], const uint8_t iv[8])
{
    memcpy(nonce, salt, 4);
    memcpy(nonce + 4, iv, 8);
}

/* AES-256-GCM (16-octet tag) through libsodium's AES-NI code. Never called unless
 * crypto_aead_aes256gcm_is_available(): mk_suites_default() checks before registering it. */
static mk_err gcm_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                       uint8_t *buf, size_t len, uint8_t *tag)
{
    uint8_t nonce[12];
    /* libsodium 1.0.18 has AES-GCM only as AES-NI + PCLMULQDQ code (no table-based software
     * AES, which leaks key bits through cache timing), and it learns the CPU features in
     * sodium_init(). Re-checked here because tests may register this class by hand. */
    if (!crypto_aead_aes256gcm_is_available())
        return MK_E_CRYPTO;
    nonce12(nonce, key + 32, iv);
    int rc = crypto_aead_aes256gcm_encrypt_detached(buf, tag, NULL, buf, len, aad, aad_len, NULL,
                                                    nonce, key);
    mk_wipe(nonce, sizeof nonce);
    return rc == 0 ? MK_E_OK : MK_E_CRYPTO;
}

static mk_err gcm_open(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                       uint8_t *buf, size_t len, const uint8_t *tag)
{
    uint8_t nonce[12];
    if (!crypto_aead_aes256gcm_is_available())
        return MK_E_CRYPTO;
    nonce12(nonce, key + 32, iv);
    /* On a tag mismatch libsodium zeroes the output before returning -1. */
    int rc =
        crypto_aead_aes256gcm_decrypt_detached(buf, NULL, buf, len, tag, aad, aad_len, nonce, key);
    mk_wipe(nonce, sizeof nonce);
    if (rc != 0) {
        mk_wipe(buf, len);
        return MK_E_ICV_MISMATCH;
    }
    return MK_E_OK;
}

/* libsodium's AES-GCM has only the 16-octet tag, so the 8- and 12-octet variants (ENCR 18, 19)
 * cannot be served and are not registered. */
const mk_encr_class mk_encr_aes_gcm16_256_sodium = {
    .id = MK_ENCR_AES_GCM_16,
    .key_bits = 256,
    .name = "AES_GCM_16_256",
    .key_len = 36,
    .salt_len = 4,
    .iv_len = 8,
    .block = 1,
    .icv_len = 16,
    .aead = true,
    .needs_key_attr = true,
    .seal = gcm_seal,
    .open = gcm_open,
};
