/* SPDX-License-Identifier: MIT */
/*
 * tiny_crypto: the one suite, libsodium called directly. PRF-HMAC-SHA2-256 (RFC 4868) and its
 * prf+ (RFC 7296 §2.13), ChaCha20-Poly1305 with a 4-octet salt and an 8-octet IV (RFC 7634 §2
 * and §3: nonce = salt | IV, key material 36 octets).
 */
#include <sodium.h>

#include "tiny_int.h"

_Static_assert(sizeof(mt_prf_state) >= sizeof(crypto_auth_hmacsha256_state), "HMAC state");

void mt_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

bool mt_ct_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

bool mt_x25519(uint8_t out[MT_KEY_LEN], const uint8_t priv[MT_KEY_LEN], const uint8_t *peer)
{
    if (peer == NULL)
        return crypto_scalarmult_base(out, priv) == 0;
    return crypto_scalarmult(out, priv, peer) == 0; /* -1: all zero (RFC 8031 §3.2) */
}

void mt_prf_init(void *st, const uint8_t *key, size_t len)
{
    crypto_auth_hmacsha256_init(st, key, len);
}

void mt_prf_add(void *st, const uint8_t *p, size_t len)
{
    crypto_auth_hmacsha256_update(st, p, len);
}

void mt_prf_end(void *st, uint8_t out[MT_KEY_LEN])
{
    crypto_auth_hmacsha256_final(st, out);
    mt_wipe(st, sizeof(crypto_auth_hmacsha256_state));
}

void mt_prf(const uint8_t *key, size_t klen, const uint8_t *p, size_t len, uint8_t out[MT_KEY_LEN])
{
    mt_prf_state st;
    mt_prf_init(&st, key, klen);
    mt_prf_add(&st, p, len);
    mt_prf_end(&st, out);
}

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n): out is T1 | T2 | ... cut at len */
void mt_prf_plus(const uint8_t key[MT_KEY_LEN], const uint8_t *seed, size_t seed_len, uint8_t *out,
                 size_t len)
{
    uint8_t t[MT_KEY_LEN];
    mt_prf_state st;
    for (uint8_t n = 1; len > 0; n++) {
        mt_prf_init(&st, key, MT_KEY_LEN);
        if (n > 1)
            mt_prf_add(&st, t, sizeof t);
        mt_prf_add(&st, seed, seed_len);
        mt_prf_add(&st, &n, 1);
        mt_prf_end(&st, t);
        size_t k = len < sizeof t ? len : sizeof t;
        memcpy(out, t, k);
        out += k;
        len -= k;
    }
    mt_wipe(t, sizeof t);
}

/* p = AAD (aad octets) | IV (8) | text (len) | ICV (16), the layout of both the SK payload (AAD:
 * the IKE header and SK's generic header, RFC 5282 §5.1) and ESP (AAD: SPI | Sequence Number,
 * RFC 4106 §5). Sealing encrypts the text in place and writes the ICV; opening verifies the ICV
 * before it decrypts anything, so a forgery leaves p as it was. */
bool mt_aead(const uint8_t *key, uint8_t *p, size_t aad, size_t len, bool seal)
{
    uint8_t n[12];
    uint8_t *text = p + aad + MT_IV_LEN;
    memcpy(n, key + MT_KEY_LEN, MT_SALT_LEN);
    memcpy(n + MT_SALT_LEN, p + aad, MT_IV_LEN);
    if (seal)
        return crypto_aead_chacha20poly1305_ietf_encrypt_detached(text, text + len, NULL, text, len,
                                                                  p, aad, NULL, n, key) == 0;
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(text, NULL, text, len, text + len, p,
                                                              aad, n, key) == 0;
}
