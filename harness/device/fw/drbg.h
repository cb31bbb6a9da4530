/* SPDX-License-Identifier: MIT */
/*
 * drbg: the firmware's random numbers. Emulated hardware has no entropy source (QEMU's MPS2 has
 * no TRNG), so the host bridge sends a 32-octet seed at boot (from the host's OS RNG, or fixed by
 * `--seed N` for reproducible runs) and every random octet is the ChaCha20 keystream under that
 * seed: libsodium's crypto_stream_chacha20_ietf_xor_ic with the nonce of
 * randombytes_buf_deterministic, the same construction as mk_io_rng_drbg on the host, so a
 * given seed yields the same octets here and there. A real device seeds it from its TRNG.
 */
#ifndef MK_FW_DRBG_H
#define MK_FW_DRBG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fw_drbg {
    uint8_t key[32];
    uint64_t off; /* keystream octets handed out */
} fw_drbg;

void fw_drbg_seed(fw_drbg *d, const uint8_t seed[32]);
void fw_drbg_rng(void *ctx, uint8_t *out, size_t n); /* mk_env.rng */

#endif
