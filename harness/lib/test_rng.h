/* SPDX-License-Identifier: MIT */
/*
 * test_rng: the deterministic RNG the in-process tests give mk_env: a ChaCha20 keystream of a
 * 32-octet seed, one nonce (block counter) per call, so every call draws fresh bytes and a test
 * that seeds two sides differently gets two independent, reproducible streams. Tests only.
 */
#ifndef MK_TEST_RNG_H
#define MK_TEST_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct mk_trng {
    uint8_t key[32];
    uint64_t ctr;
} mk_trng;

/* mk_env.rng callback; ctx is an mk_trng. */
void mk_trng_fill(void *ctx, uint8_t *out, size_t n);

#endif
