/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.h: what every fuzz target shares. A deterministic RNG (fixed seed, reset for every
 * input, picotls's deterministic_random_bytes idea), a fixed clock, a volatile sink that keeps
 * clang from deleting decoders whose results are otherwise unused, the fixed configurations of
 * the initiator and of the in-process responder, and the invariant checks that trap with
 * __builtin_trap(). Header-only (static functions) so that each target stays one file and builds
 * the same way under libFuzzer, under OSS-Fuzz's build.sh and as a plain program (gcc) over its
 * corpus with standalone_main.c. Nothing here may read the clock, the OS RNG or the environment.
 */
#ifndef MK_FUZZ_COMMON_H
#define MK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "minike_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed clock: every target runs at this time. */
enum { FZ_NOW_MS = 1000000 };

/* Volatile sink: fold decoded values in so the optimizer keeps every decoder call. */
static volatile uint32_t fz_sink;
static inline void fz_eat(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint32_t h = fz_sink;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    fz_sink = h;
}
#define FZ_EAT(v) fz_eat(&(v), sizeof(v))

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* ---- deterministic RNG (splitmix64), one state per mk_env ---- */
typedef struct fz_rng {
    uint64_t s;
} fz_rng;

static inline void fz_rng_bytes(void *ctx, uint8_t *out, size_t n)
{
    fz_rng *r = (fz_rng *)ctx;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
}

enum { FZ_SEED_INITIATOR = 0x6d696e696b6501u, FZ_SEED_PEER = 0x6d696e696b6502u };

static inline void fz_env_init(mk_env *env, fz_rng *rng, uint64_t seed)
{
    rng->s = seed;
    memset(env, 0, sizeof(*env));
    env->ctx = rng;
    env->rng = fz_rng_bytes;
    env->trace = NULL;
}

/* Fixed keys for the targets that seal their own input (sk_inner, esp_open). */
static inline void fz_fill(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i);
}

/* Read helpers for the "control" octets at the start of some inputs. */
static inline uint8_t fz_take8(const uint8_t **d, size_t *n)
{
    if (*n == 0)
        return 0;
    uint8_t v = **d;
    (*d)++;
    (*n)--;
    return v;
}

static inline void fz_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- invariants on the initiator ---- */

/* RFC 7296 §2.21 / minike.h: a DROP leaves everything but the statistics untouched. Compare the
 * struct bytes before and after, excluding `stats` (which counts the drop). */
static inline void fz_check_drop_unchanged(const mk_ike *before, const mk_ike *after)
{
    const size_t a = offsetof(mk_ike, stats);
    const size_t b = a + sizeof(before->stats);
    FZ_CHECK(memcmp(before, after, a) == 0);
    FZ_CHECK(memcmp((const uint8_t *)before + b, (const uint8_t *)after + b,
                    sizeof(mk_ike) - b) == 0);
}

static inline int fz_all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* After any call that fed a datagram: the class contract of minike.h. */
static inline void fz_check_after_dgram(const mk_ike *before, const mk_ike *after, mk_err e)
{
    switch (mk_err_class(e)) {
    case MK_CLASS_DROP:
        fz_check_drop_unchanged(before, after);
        break;
    case MK_CLASS_FATAL:
        /* sticky, state FAILED, secrets wiped */
        FZ_CHECK(mk_last_error(after) == e);
        FZ_CHECK(mk_state_get(after) == MK_ST_FAILED);
        FZ_CHECK(fz_all_zero(after->sk_d, sizeof(after->sk_d)));
        FZ_CHECK(fz_all_zero(after->sk_ei, sizeof(after->sk_ei)));
        FZ_CHECK(fz_all_zero(after->sk_er, sizeof(after->sk_er)));
        FZ_CHECK(fz_all_zero(after->sk_ai, sizeof(after->sk_ai)));
        FZ_CHECK(fz_all_zero(after->sk_ar, sizeof(after->sk_ar)));
        FZ_CHECK(fz_all_zero(after->sk_pi, sizeof(after->sk_pi)));
        FZ_CHECK(fz_all_zero(after->sk_pr, sizeof(after->sk_pr)));
        FZ_CHECK(fz_all_zero(after->dh_priv, sizeof(after->dh_priv)));
        break;
    default:
        break;
    }
    FZ_EAT(e);
}

#endif
