/* SPDX-License-Identifier: MIT */
/*
 * fake_env: a deterministic mk_env for replay, fuzz and unit tests. Its RNG reproduces, octet for
 * octet, the stream `minike ... --seed N` draws from (ref/io mk_io_drbg: the ChaCha20 keystream of
 * libsodium's randombytes_buf_deterministic(), IETF ChaCha20 with nonce "LibsodiumDRG" and block
 * counter 0, under key = N as 8 octets little-endian | stream octet | 23 zero octets; successive
 * calls continue the keystream), so a capture recorded with a seed can be replayed bit for bit.
 * It is written here from that description, not by calling mk_io, so replay tests also notice if
 * the CLI's generator drifts. Its trace callback keeps counters and the last events as text for
 * failure messages. It never touches the clock, sockets or the OS RNG. Test code.
 */
#ifndef MK_FAKE_ENV_H
#define MK_FAKE_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "minike_tools.h"

enum { MK_FAKE_TRACE_CAP = 4096 };

typedef struct mk_fake_env {
    mk_env env; /* ctx points back at this struct: pass &f->env to mk_init */
    uint8_t key[32];
    uint64_t off; /* keystream octets consumed */
    uint64_t rng_calls;
    uint32_t n_event[MK_EV_INFO + 1];
    char trace[MK_FAKE_TRACE_CAP]; /* "drop: WRONG_SPI\n..." (oldest events dropped when full) */
    size_t trace_len;
} mk_fake_env;

/* Seeded like `minike --seed seed` (the CLI's initiator uses stream 0). */
void mk_fake_env_init(mk_fake_env *f, uint64_t seed, uint8_t stream);
/* The mk_env rng callback (ctx: mk_fake_env *). */
void mk_fake_env_rng(void *ctx, uint8_t *out, size_t n);
/* Forget the recorded trace text and counters (the RNG position stays). */
void mk_fake_env_clear_trace(mk_fake_env *f);

#endif
