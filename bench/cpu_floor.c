/* SPDX-License-Identifier: MIT */
/* cpu_floor: the crypto floor of one PSK initiator handshake (RFC 7296), for callgrind.
 *
 * It makes exactly the primitive calls any PSK initiator must make, with the libraries minike
 * uses (libsodium; mbedTLS for AES-GCM-128) and the message sizes cpu_handshake printed, and
 * nothing else: no parsing, no encoding, no state machine. Counted under callgrind with
 * --toggle-collect=floor_init --toggle-collect=floor_auth --toggle-collect=floor_verify; the
 * responder's side (its key pair, the sealed IKE_AUTH response) is made outside those functions.
 *
 *   floor_init    random SPIi, Ni and DH private key; DH public key            (IKE_SA_INIT req)
 *   floor_auth    DH shared secret (+ all-zero check, RFC 8031 §3.2); SKEYSEED = prf(Ni|Nr, g^ir);
 *                 prf+ for SK_d, SK_ei, SK_er, SK_pi, SK_pr (AEAD: no SK_a*); MACedIDForI;
 *                 prf(PSK, "Key Pad for IKEv2"); AUTH over RealMessage1 | Nr | MACedIDForI;
 *                 random ESP SPI and IV; AEAD seal of the IKE_AUTH request (RFC 7296 §2.14-15)
 *   floor_verify  AEAD open of the response; MACedIDForR; the responder's AUTH over
 *                 RealMessage2 | Ni | MACedIDForR (the pad key is reused); constant-time compare;
 *                 KEYMAT = prf+(SK_d, Ni | Nr) for the child SA                 (RFC 7296 §2.17)
 *
 * Usage: cpu_floor SUITE INIT_REQ INIT_RESP AUTH_REQ AUTH_RESP NI NR IDI_REST IDR_REST
 * (the "sizes" line of cpu_handshake). SUITE: chacha20poly1305-prfsha256-x25519 or
 * aes128gcm16-prfsha256-x25519. */
#include <mbedtls/gcm.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HDR = 28, SKH = 4, IV = 8, ICV = 16, SALT = 4, PRF = 32, MAXM = 3000 };

static int gcm;   /* 0: ChaCha20-Poly1305 (libsodium), 1: AES-GCM-16-128 (mbedTLS) */
static size_t le; /* SK_e* / ESP key length incl. the 4-octet salt */
static size_t l_init_req, l_init_resp, l_auth_req, l_auth_resp, l_ni, l_nr, l_idi, l_idr;

static uint8_t msg1[MAXM], msg2[MAXM], auth_req[MAXM], auth_resp[MAXM], idi[256], idr[256];
static uint8_t spi_i[8], spi_r[8], ni[256], nr[256], priv[32], pub[32], peer_priv[32], peer_pub[32];
static uint8_t keys[3 * PRF + 2 * 36], keymat[2 * 36], padkey[PRF], auth_r[PRF];
static const uint8_t psk[] = "bench-psk-0123456789abcdef";

typedef struct {
    const uint8_t *p;
    size_t n;
} seg;

static void prf(const uint8_t *key, size_t key_len, const seg *in, size_t n_in, uint8_t *out)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    for (size_t i = 0; i < n_in; i++)
        crypto_auth_hmacsha256_update(&st, in[i].p, in[i].n);
    crypto_auth_hmacsha256_final(&st, out);
}

/* prf+ (K, S) = T1 | T2 | ..., Tn = prf(K, T(n-1) | S | n)          RFC 7296 §2.13 */
static void prf_plus(const uint8_t *key, const seg *s, size_t n_s, uint8_t *out, size_t len)
{
    uint8_t t[PRF];
    for (size_t done = 0, i = 1; done < len; i++) {
        uint8_t c = (uint8_t)i;
        seg in[8];
        size_t n = 0;
        if (i > 1)
            in[n++] = (seg){t, PRF};
        for (size_t j = 0; j < n_s; j++)
            in[n++] = s[j];
        in[n++] = (seg){&c, 1};
        prf(key, PRF, in, n, t);
        size_t take = len - done < PRF ? len - done : PRF;
        memcpy(out + done, t, take);
        done += take;
    }
}

/* AEAD over an SK payload in place: AAD = IKE header + SK generic header, then IV, body, ICV. */
static int seal(const uint8_t *key, uint8_t *m, size_t len)
{
    uint8_t nonce[12];
    size_t body = len - HDR - SKH - IV - ICV;
    memcpy(nonce, key + le - SALT, SALT);
    memcpy(nonce + SALT, m + HDR + SKH, IV);
    if (!gcm)
        return crypto_aead_chacha20poly1305_ietf_encrypt_detached(m + HDR + SKH + IV, m + len - ICV,
                                                                  NULL, m + HDR + SKH + IV, body, m,
                                                                  HDR + SKH, NULL, nonce, key);
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)((le - SALT) * 8));
    if (rc == 0)
        rc = mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, body, nonce, 12, m, HDR + SKH,
                                       m + HDR + SKH + IV, m + HDR + SKH + IV, ICV, m + len - ICV);
    mbedtls_gcm_free(&g);
    return rc;
}

static int open_(const uint8_t *key, uint8_t *m, size_t len)
{
    uint8_t nonce[12];
    size_t body = len - HDR - SKH - IV - ICV;
    memcpy(nonce, key + le - SALT, SALT);
    memcpy(nonce + SALT, m + HDR + SKH, IV);
    if (!gcm)
        return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
            m + HDR + SKH + IV, NULL, m + HDR + SKH + IV, body, m + len - ICV, m, HDR + SKH, nonce,
            key);
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)((le - SALT) * 8));
    if (rc == 0)
        rc = mbedtls_gcm_auth_decrypt(&g, body, nonce, 12, m, HDR + SKH, m + len - ICV, ICV,
                                      m + HDR + SKH + IV, m + HDR + SKH + IV);
    mbedtls_gcm_free(&g);
    return rc;
}

/* key block layout of prf+: SK_d | SK_ei | SK_er | SK_pi | SK_pr (AEAD: no SK_ai/SK_ar) */
#define SK_D (keys)
#define SK_EI (keys + PRF)
#define SK_ER (keys + PRF + le)
#define SK_PI (keys + PRF + 2 * le)
#define SK_PR (keys + 2 * PRF + 2 * le)

__attribute__((noinline)) int floor_init(void)
{
    randombytes_buf(spi_i, sizeof spi_i);
    randombytes_buf(ni, l_ni);
    randombytes_buf(priv, sizeof priv);
    return crypto_scalarmult_base(pub, priv);
}

__attribute__((noinline)) int floor_auth(void)
{
    uint8_t shared[32], skeyseed[PRF], maced[PRF], auth[PRF], esp_spi[4];
    if (crypto_scalarmult(shared, priv, peer_pub) != 0 || sodium_is_zero(shared, sizeof shared))
        return -1;
    seg nn[2] = {{ni, l_ni}, {nr, l_nr}};
    uint8_t k[512];
    memcpy(k, ni, l_ni);
    memcpy(k + l_ni, nr, l_nr);
    prf(k, l_ni + l_nr, &(seg){shared, sizeof shared}, 1, skeyseed);
    seg s[4] = {nn[0], nn[1], {spi_i, 8}, {spi_r, 8}};
    prf_plus(skeyseed, s, 4, keys, 3 * PRF + 2 * le);
    prf(SK_PI, PRF, &(seg){idi, l_idi}, 1, maced);
    static const char pad[] = "Key Pad for IKEv2";
    prf(psk, sizeof psk - 1, &(seg){(const uint8_t *)pad, sizeof pad - 1}, 1, padkey);
    seg oct[3] = {{msg1, l_init_req}, {nr, l_nr}, {maced, PRF}};
    prf(padkey, PRF, oct, 3, auth);
    randombytes_buf(esp_spi, sizeof esp_spi);
    randombytes_buf(auth_req + HDR + SKH, IV);
    memcpy(auth_req + HDR + SKH + IV + 30, auth, PRF); /* somewhere inside the plaintext */
    return seal(SK_EI, auth_req, l_auth_req);
}

__attribute__((noinline)) int floor_verify(void)
{
    uint8_t maced[PRF], expect[PRF];
    if (open_(SK_ER, auth_resp, l_auth_resp) != 0)
        return -1;
    prf(SK_PR, PRF, &(seg){idr, l_idr}, 1, maced);
    seg oct[3] = {{msg2, l_init_resp}, {ni, l_ni}, {maced, PRF}};
    prf(padkey, PRF, oct, 3, expect);
    int same = sodium_memcmp(expect, auth_r, PRF) == 0;
    seg nn[2] = {{ni, l_ni}, {nr, l_nr}};
    prf_plus(SK_D, nn, 2, keymat, 2 * le);
    return same ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 10 || sodium_init() < 0) {
        fprintf(stderr, "usage: cpu_floor SUITE INIT_REQ INIT_RESP AUTH_REQ AUTH_RESP NI NR "
                        "IDI_REST IDR_REST\n");
        return 2;
    }
    if (strcmp(argv[1], "chacha20poly1305-prfsha256-x25519") == 0)
        gcm = 0, le = 32 + SALT;
    else if (strcmp(argv[1], "aes128gcm16-prfsha256-x25519") == 0)
        gcm = 1, le = 16 + SALT;
    else {
        fprintf(stderr, "cpu_floor: no floor for suite %s\n", argv[1]);
        return 2;
    }
    size_t *v[8] = {&l_init_req, &l_init_resp, &l_auth_req, &l_auth_resp,
                    &l_ni,       &l_nr,        &l_idi,      &l_idr};
    for (int i = 0; i < 8; i++)
        *v[i] = strtoul(argv[2 + i], NULL, 10);
    if (l_init_req > MAXM || l_init_resp > MAXM || l_auth_req > MAXM || l_auth_resp > MAXM ||
        l_auth_req < HDR + SKH + IV + ICV + 64 || l_auth_resp < HDR + SKH + IV + ICV ||
        l_ni > 256 || l_nr > 256 || l_idi > 256 || l_idr > 256) {
        fprintf(stderr, "cpu_floor: sizes out of range\n");
        return 2;
    }
    /* the responder: its key pair and nonce, made before the initiator needs them */
    randombytes_buf(peer_priv, sizeof peer_priv);
    crypto_scalarmult_base(peer_pub, peer_priv);
    randombytes_buf(spi_r, sizeof spi_r);
    randombytes_buf(nr, l_nr);
    randombytes_buf(msg2, l_init_resp);
    if (floor_init() != 0)
        return 1;
    randombytes_buf(msg1, l_init_req); /* RealMessage1: its content does not change the cost */
    if (floor_auth() != 0)
        return 1;
    /* the responder seals a response under SK_er carrying its AUTH (computed the same way) */
    uint8_t maced[PRF];
    prf(SK_PR, PRF, &(seg){idr, l_idr}, 1, maced);
    seg oct[3] = {{msg2, l_init_resp}, {ni, l_ni}, {maced, PRF}};
    prf(padkey, PRF, oct, 3, auth_r);
    randombytes_buf(auth_resp + HDR + SKH, IV);
    if (seal(SK_ER, auth_resp, l_auth_resp) != 0)
        return 1;
    if (floor_verify() != 0) {
        fprintf(stderr, "cpu_floor: the response did not verify\n");
        return 1;
    }
    printf("floor %s ok\n", argv[1]);
    return 0;
}
