/* SPDX-License-Identifier: MIT */
/* drbg: see drbg.h. The keystream is addressed by octet offset, so any split of calls yields
 * the same octets as one call (as on the host). */
#include <string.h>

#include <sodium/crypto_stream_chacha20.h>
#include <sodium/utils.h>

#include "drbg.h"

void fw_drbg_seed(fw_drbg *d, const uint8_t seed[32])
{
    memcpy(d->key, seed, sizeof d->key);
    d->off = 0;
}

void fw_drbg_rng(void *ctx, uint8_t *out, size_t n)
{
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = "LibsodiumDRG";
    fw_drbg *d = ctx;
    uint8_t block[64];
    size_t done = 0;
    while (done < n) {
        uint32_t blk = (uint32_t)(d->off / 64);
        size_t skip = (size_t)(d->off % 64), take = 64 - skip;
        if (take > n - done)
            take = n - done;
        memset(block, 0, sizeof block);
        crypto_stream_chacha20_ietf_xor_ic(block, block, sizeof block, nonce, blk, d->key);
        memcpy(out + done, block + skip, take);
        done += take;
        d->off += take;
    }
    sodium_memzero(block, sizeof block);
}
