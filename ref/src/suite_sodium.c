/* SPDX-License-Identifier: MIT */
/*
 * suite_sodium: the minimal profile's crypto classes, served by libsodium 1.0.18: X25519 (DH
 * group 31, RFC 8031), ChaCha20-Poly1305 (ENCR 28, RFC 7634) and HMAC-SHA2-256 as PRF (RFC 4868
 * §2.1). The other libsodium classes, which only the full registry names, are in
 * suite_sodium_extra.c.
 * This file only adapts libsodium's API to the mk_*_class shapes: it never implements a primitive,
 * never allocates, never keeps state between calls, and wipes every key-dependent local (HMAC
 * states, DH scalars) before it returns. AEAD open never releases unauthenticated plaintext.
 */
#include <sodium.h>
#include <string.h>

#include "suite.h"

/* ---- HMAC-SHA2-256 PRF (RFC 4868) --------------------------------------------------------- */

/* The piecewise form (see mk_prf_class). libsodium's states are plain structs of integers and
 * octets; mk_prf_state is uint64_t-aligned and MK_PRF_STATE_LEN octets, checked here. */
_Static_assert(sizeof(crypto_auth_hmacsha256_state) <= MK_PRF_STATE_LEN, "MK_PRF_STATE_LEN");

static void init256(void *st, const uint8_t *key, size_t key_len)
{
    crypto_auth_hmacsha256_init(st, key, key_len);
}

/* Empty segments are skipped because their pointer may legitimately be NULL. */
static void update256(void *st, const uint8_t *p, size_t n)
{
    if (n > 0)
        crypto_auth_hmacsha256_update(st, p, n);
}

/* The state holds the key's inner and outer padded hashes: whoever reads it can compute the
 * PRF without the key, hence the wipe. */
static void final256(void *st, uint8_t *out)
{
    crypto_auth_hmacsha256_final(st, out);
    mk_wipe(st, sizeof(crypto_auth_hmacsha256_state));
}

/* prf = HMAC-SHA-256(key, in...) with any key length: the _init API hashes long keys first
 * (RFC 2104 §2), as RFC 7296 §2.13 needs for SKEYSEED = prf(Ni | Nr, g^ir). Segments are fed
 * one by one (SKEYSEED's Ni | Nr, AUTH's RealMessage | Nonce | MACedID) so no message is ever
 * copied whole. As a PRF the key length varies: Ni | Nr for SKEYSEED (64 octets with a 32-octet
 * Nr, 288 with a 256-octet one), 32 for prf+(SKEYSEED, ...) and SK_d/SK_p*, or the PSK's own
 * length. */
static void prf_sha256(const uint8_t *key, size_t key_len, const mk_iov *in, size_t n_in,
                       uint8_t *out)
{
    crypto_auth_hmacsha256_state st;
    init256(&st, key, key_len);
    for (size_t i = 0; i < n_in; i++)
        update256(&st, in[i].p, in[i].n);
    final256(&st, out);
}

const mk_prf_class mk_prf_hmac_sha2_256 = {
    .id = MK_PRF_HMAC_SHA2_256,
    .name = "PRF_HMAC_SHA2_256",
    .out_len = 32,
    .prf = prf_sha256,
    .state_len = sizeof(crypto_auth_hmacsha256_state),
    .init = init256,
    .update = update256,
    .final = final256,
};

/* ---- AEAD: nonce = salt(4) | IV(8) (RFC 7634 §2, RFC 5282 §4) ------------------------------ */

/* The 36-octet key material is key(32) | salt(4) (the salt is taken from SK_e* or KEYMAT like
 * the key, and never sent); only the 8-octet IV travels in the packet. Reusing a nonce under
 * one key is fatal for both ciphers (ChaCha20: plaintext XOR and the Poly1305 key; GCM: the
 * GHASH key), so callers pass a random IV (SK) or the ESP sequence number (esp.c), never both
 * with the same key. */
static void nonce12(uint8_t nonce[12], const uint8_t salt[4], const uint8_t iv[8])
{
    memcpy(nonce, salt, 4);
    memcpy(nonce + 4, iv, 8);
}

static mk_err chacha_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, uint8_t *tag)
{
    uint8_t nonce[12];
    nonce12(nonce, key + 32, iv);
    /* The _detached API writes the tag to its own pointer, so the ICV lands straight after the
     * ciphertext in the message being built, and libsodium allows in-place use (m == c). */
    int rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf, tag, NULL, buf, len, aad,
                                                                aad_len, NULL, nonce, key);
    mk_wipe(nonce, sizeof nonce);
    return rc == 0 ? MK_E_OK : MK_E_CRYPTO;
}

static mk_err chacha_open(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                          uint8_t *buf, size_t len, const uint8_t *tag)
{
    uint8_t nonce[12];
    nonce12(nonce, key + 32, iv);
    /* libsodium verifies the Poly1305 tag (constant time) before it decrypts anything. */
    /* It derives the Poly1305 key from keystream block 0, compares the tag with
     * crypto_verify_16 and returns -1 on a mismatch without running the cipher over `buf`;
     * decryption (from block 1) happens only after a match. The wipe below makes a failure
     * look the same whatever the library leaves in `buf`. */
    int rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(buf, NULL, buf, len, tag, aad,
                                                                aad_len, nonce, key);
    mk_wipe(nonce, sizeof nonce);
    if (rc != 0) {
        mk_wipe(buf, len); /* uniform contract with the GCM/CCM classes: buf wiped on failure */
        return MK_E_ICV_MISMATCH;
    }
    return MK_E_OK;
}

/* block = 1: no alignment, so SK and ESP padding is only what their own rules ask for (the
 * Pad Length octet is still present). */
const mk_encr_class mk_encr_chacha20poly1305 = {
    .id = MK_ENCR_CHACHA20_POLY1305,
    .key_bits = 256,
    .name = "CHACHA20_POLY1305",
    .key_len = 36,
    .salt_len = 4,
    .iv_len = 8,
    .block = 1,
    .icv_len = 16,
    .aead = true,
    .needs_key_attr = false, /* RFC 7634 §3: no Key Length attribute */
    .seal = chacha_seal,
    .open = chacha_open,
};

/* ---- X25519 (RFC 7748, RFC 8031) ----------------------------------------------------------- */

static mk_err x25519_keypair(const mk_env *env, uint8_t *priv, uint8_t *pub)
{
    /* RFC 8031 §2: the private key is 32 random octets (clamped by X25519 itself). */
    env->rng(env->ctx, priv, crypto_scalarmult_SCALARBYTES);
    /* Stored unclamped: libsodium clamps a copy (RFC 7748 §5) on every use. For a clamped
     * scalar the base-point product is never all-zero; the check only catches a broken build. */
#if MK_X25519_LADDER
    /* RFC 7748 §6.1: the public key is X25519(a, 9). A device build runs the Montgomery ladder
     * it already needs for the shared secret, not crypto_scalarmult_base(): libsodium
     * 1.0.18's ref10 base path is an Ed25519 fixed-base comb over a 30 KB table, which a device
     * image then has to carry (the ladder costs about 1.4x the comb's instructions, once per
     * handshake; harness/device/README.md has the measurement). Same value either way. */
    if (crypto_scalarmult(pub, priv, (const uint8_t[crypto_scalarmult_BYTES]){9}) != 0)
        return MK_E_CRYPTO;
#else
    if (crypto_scalarmult_base(pub, priv) != 0)
        return MK_E_CRYPTO;
#endif
    return MK_E_OK;
}

static mk_err x25519_shared(const uint8_t *priv, const uint8_t *peer, size_t peer_len,
                            uint8_t *secret)
{
    /* RFC 8031 §2: the public value is exactly 32 octets. */
    if (peer_len != crypto_scalarmult_BYTES)
        return MK_E_BAD_DH_PUBLIC;
    /* The peer's u-coordinate is used with its top bit masked (RFC 7748 §5): a value with bit
     * 255 set is accepted, not rejected. The 32-octet little-endian result is g^ir exactly as
     * SKEYSEED = prf(Ni | Nr, g^ir) takes it; no byte reversal, no padding (RFC 8031). */
    int rc = crypto_scalarmult(secret, priv, peer);
    /* SPEC RFC8031 3.2: "...MUST check whether the computed Diffie-Hellman shared secret is the
     * all-zero value and abort if so". libsodium returns -1 for it (and for small-order points,
     * whose result is that value); check the bytes too so a library change cannot slip by. */
    if (rc != 0 || sodium_is_zero(secret, crypto_scalarmult_BYTES)) {
        mk_wipe(secret, crypto_scalarmult_BYTES);
        return MK_E_DH_ZERO;
    }
    return MK_E_OK;
}

const mk_dh_class mk_dh_x25519 = {
    .id = MK_DH_X25519,
    .name = "CURVE25519",
    .pub_len = 32,
    .priv_len = 32,
    .secret_len = 32,
    .keypair = x25519_keypair,
    .shared = x25519_shared,
};
