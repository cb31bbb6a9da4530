/* SPDX-License-Identifier: MIT */
/* Target: mk_sk_open then mk_chain_parse and the payload decoders on the decrypted inner chain
 * (mk_sk_seal builds the message; RFC 7296 §3.14, RFC 5282) */
/*
 * Input: [suite][first inner payload type][plaintext inner payloads...]. The plaintext is sealed
 * with fixed known keys into a valid SK payload (mk_sk_seal), the message is parsed
 * (mk_msg_parse) and opened (mk_sk_open), so the fuzzer works past the ICV on the inner chain
 * walker and the decoders. Invariants: a message we sealed always parses and never fails the
 * ICV; an inner chain that opens lies inside the plaintext buffer.
 * With bit 7 of [suite] set, bits 0-3 pick from every registered ENCR class (CCM, GCM-12/8,
 * CBC-256 + HMAC-SHA2-512-256, and libsodium's AES-GCM where the CPU has AES-NI) and bits 4-5
 * damage the sealed message before it is opened: 1 flips one octet of the SK payload (the ICV
 * or tag must fail), 2 cuts 1..16 octets off its end and patches both length fields (the length
 * checks of mk_sk_open), 3 seals it again with Pad Length 255 (the padding check behind a valid
 * ICV); then the ICV_MISMATCH invariant is waived.
 */
#include <sodium.h>

#include "fuzz_chain.h"
#include "sk.h"
#include "suite_all.h"

typedef struct fz_suite {
    const mk_encr_class *encr;
    const mk_integ_class *integ;
} fz_suite;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 256], plain[MK_MAX_MSG];
    static uint8_t ek[MK_MAX_ENCR_KEY], ak[MK_MAX_INTEG_KEY];
    static mk_msg m;
    static mk_chain inner;
    const fz_suite suites[] = {
        {&mk_encr_chacha20poly1305, NULL},
        {&mk_encr_aes_gcm16_128, NULL},
        {&mk_encr_aes_cbc_128, &mk_integ_hmac_sha2_256_128},
        {&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_512_256},
    };
    const fz_suite wide[] = {
        {&mk_encr_aes_ccm16_128, NULL},
        {&mk_encr_aes_ccm12_256, NULL},
        {&mk_encr_aes_ccm8_128, NULL},
        {&mk_encr_aes_ccm16_256, NULL},
        {&mk_encr_aes_gcm12_128, NULL},
        {&mk_encr_aes_gcm8_256, NULL},
        {&mk_encr_aes_gcm16_256, NULL},
        {&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_512_256},
        {&mk_encr_aes_cbc_128, &mk_integ_hmac_sha2_512_256},
        {&mk_encr_aes_gcm16_256_sodium, NULL}, /* last: only with AES-NI */
    };
    static int have_aesni = -1;
    fz_rng rng;
    mk_env env;

    if (have_aesni < 0) /* libsodium learns the CPU features in sodium_init() */
        have_aesni = sodium_init() >= 0 && crypto_aead_aes256gcm_is_available();
    uint8_t sel = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    const fz_suite *s = &suites[sel % (sizeof(suites) / sizeof(suites[0]))];
    unsigned damage = 0;
    if (sel & 0x80) {
        size_t n_wide = sizeof(wide) / sizeof(wide[0]) - (have_aesni ? 0 : 1);
        s = &wide[(sel & 0x0f) % n_wide];
        damage = (sel >> 4) & 3;
    }
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    fz_fill(ek, sizeof(ek), 0x10);
    fz_fill(ak, sizeof(ak), 0x80);
    mk_sk_keys k = {s->encr, s->integ, ek, ak};

    static const uint8_t spi_i[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t spi_r[8] = {9, 10, 11, 12, 13, 14, 15, 16};
    size_t n = fz_seal_msg(buf, sizeof(buf), spi_i, spi_r, MK_EX_IKE_AUTH, MK_HDR_F_RESPONSE, 1, &k,
                           &env, first, data, size);
    if (n == 0)
        return 0; /* too large to seal */

    if (damage == 1) {
        buf[MK_HDR_LEN + 4 + (size + first) % (n - MK_HDR_LEN - 4)] ^= (uint8_t)(1u << (sel & 7));
    } else if (damage == 2) {
        size_t cut = 1 + (size_t)(first & 15);
        if (n < MK_HDR_LEN + 4 + cut)
            return 0;
        n -= cut;
        fz_put32(buf + 24, (uint32_t)n);                        /* IKE header Length */
        buf[MK_HDR_LEN + 2] = (uint8_t)((n - MK_HDR_LEN) >> 8); /* SK payload length */
        buf[MK_HDR_LEN + 3] = (uint8_t)(n - MK_HDR_LEN);
    } else if (damage == 3) {
        /* sealed again with the Pad Length octet (the last plaintext octet) set to 255: a valid
         * ICV over a Pad Length that may exceed the ciphertext (RFC 7296 §3.14) */
        const mk_encr_class *c = k.encr;
        size_t icv = c->aead ? c->icv_len : k.integ->icv_len, at = MK_HDR_LEN + MK_GEN_HDR_LEN;
        uint8_t *iv = buf + at, *ct = iv + c->iv_len, ivc[32];
        size_t ct_len = n - at - c->iv_len - icv;
        memcpy(ivc, iv, c->iv_len); /* a copy: CBC may write its chaining value back */
        FZ_CHECK(c->open(ek, ivc, c->aead ? buf : NULL, c->aead ? at : 0, ct, ct_len,
                         c->aead ? ct + ct_len : NULL) == MK_E_OK);
        ct[ct_len - 1] = 255;
        memcpy(ivc, iv, c->iv_len);
        FZ_CHECK(c->seal(ek, ivc, c->aead ? buf : NULL, c->aead ? at : 0, ct, ct_len,
                         c->aead ? ct + ct_len : NULL) == MK_E_OK);
        if (!c->aead) {
            mk_iov span = {buf, n - icv};
            k.integ->mac(ak, &span, 1, ct + ct_len);
        }
    }
    memset(&m, 0, sizeof(m));
    mk_err pe = mk_msg_parse(&m, buf, n);
    FZ_CHECK(damage != 0 || pe == MK_E_OK);
    if (pe != MK_E_OK)
        return 0;
    FZ_CHECK(m.has_sk && m.sk_first == first);
    memset(&inner, 0, sizeof(inner));
    mk_err e = mk_sk_open(&m, &k, plain, sizeof(plain), &inner);
    FZ_EAT(e);
    FZ_CHECK(damage != 0 || e != MK_E_ICV_MISMATCH);
    if (e != MK_E_OK)
        return 0;
    fz_decode_chain(&inner, plain, sizeof(plain));
    return 0;
}
