/* SPDX-License-Identifier: MIT */
/* Target: mk_sk_open then mk_chain_parse and the payload decoders on the decrypted inner chain
 * (mk_sk_seal builds the message; RFC 7296 §3.14, RFC 5282) */
/*
 * Input: [suite][first inner payload type][plaintext inner payloads...]. The plaintext is sealed
 * with fixed known keys into a valid SK payload (mk_sk_seal), the message is parsed
 * (mk_msg_parse) and opened (mk_sk_open), so the fuzzer works past the ICV on the inner chain
 * walker and the decoders. Invariants: a message we sealed always parses and never fails the
 * ICV; an inner chain that opens lies inside the plaintext buffer.
 */
#include "fuzz_chain.h"
#include "sk.h"
#include "suite.h"

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
    fz_rng rng;
    mk_env env;

    uint8_t sel = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    const fz_suite *s = &suites[sel % (sizeof(suites) / sizeof(suites[0]))];
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    fz_fill(ek, sizeof(ek), 0x10);
    fz_fill(ak, sizeof(ak), 0x80);
    mk_sk_keys k = {s->encr, s->integ, ek, ak};

    static const uint8_t spi_i[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t spi_r[8] = {9, 10, 11, 12, 13, 14, 15, 16};
    size_t n = fz_seal_msg(buf, sizeof(buf), spi_i, spi_r, MK_EX_IKE_AUTH,
                           MK_HDR_F_RESPONSE, 1, &k, &env, first, data, size);
    if (n == 0)
        return 0; /* too large to seal */

    memset(&m, 0, sizeof(m));
    FZ_CHECK(mk_msg_parse(&m, buf, n) == MK_E_OK);
    FZ_CHECK(m.has_sk && m.sk_first == first);
    memset(&inner, 0, sizeof(inner));
    mk_err e = mk_sk_open(&m, &k, plain, sizeof(plain), &inner);
    FZ_EAT(e);
    FZ_CHECK(e != MK_E_ICV_MISMATCH);
    if (e != MK_E_OK)
        return 0;
    fz_decode_chain(&inner, plain, sizeof(plain));
    return 0;
}
