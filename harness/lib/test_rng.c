/* SPDX-License-Identifier: MIT */
/* test_rng: see test_rng.h. */
#include <sodium.h>
#include <string.h>

#include "test_rng.h"

void mk_trng_fill(void *ctx, uint8_t *out, size_t n)
{
    mk_trng *r = ctx;
    uint8_t nonce[8];
    memcpy(nonce, &r->ctr, 8);
    r->ctr++;
    crypto_stream_chacha20(out, n, nonce, r->key);
}
