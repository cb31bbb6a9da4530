/* SPDX-License-Identifier: MIT */
/*
 * fake_env: the deterministic mk_env of the tests (see fake_env.h): a ChaCha20 keystream that
 * equals randombytes_buf_deterministic() under the seed key, and a trace recorder. It must never
 * use the OS RNG, the clock or global state: two envs with the same seed give the same bytes.
 */
#include "fake_env.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const ev_names[] = {"tx", "rx", "drop", "state", "retransmit", "info"};

static void fake_trace(void *ctx, mk_event ev, const char *detail)
{
    mk_fake_env *f = ctx;
    char line[160];
    size_t n;
    if ((unsigned)ev <= MK_EV_INFO)
        f->n_event[ev]++;
    n = (size_t)snprintf(line, sizeof line, "%s: %s\n",
                         (unsigned)ev <= MK_EV_INFO ? ev_names[ev] : "?", detail ? detail : "");
    if (n >= sizeof line)
        n = sizeof line - 1;
    if (f->trace_len + n >= sizeof f->trace) {
        /* keep the newest half */
        size_t keep = sizeof f->trace / 2, cut = f->trace_len > keep ? f->trace_len - keep : 0;
        memmove(f->trace, f->trace + cut, f->trace_len - cut);
        f->trace_len -= cut;
    }
    memcpy(f->trace + f->trace_len, line, n);
    f->trace_len += n;
    f->trace[f->trace_len] = '\0';
}

void mk_fake_env_init(mk_fake_env *f, uint64_t seed, uint8_t stream)
{
    memset(f, 0, sizeof *f);
    for (unsigned i = 0; i < 8; i++)
        f->key[i] = (uint8_t)(seed >> (8 * i));
    f->key[8] = stream;
    f->env.ctx = f;
    f->env.rng = mk_fake_env_rng;
    f->env.trace = fake_trace;
}

void mk_fake_env_rng(void *ctx, uint8_t *out, size_t n)
{
    /* randombytes_buf_deterministic() (libsodium 1.0.18): IETF ChaCha20, this 12-octet nonce,
     * initial block counter 0. Block b of the stream is the keystream block with counter b. */
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {
        'L', 'i', 'b', 's', 'o', 'd', 'i', 'u', 'm', 'D', 'R', 'G'};
    mk_fake_env *f = ctx;
    uint8_t block[64];
    f->rng_calls++;
    while (n > 0) {
        size_t skip = (size_t)(f->off % 64), take = 64 - skip;
        if (take > n)
            take = n;
        memset(block, 0, sizeof block);
        crypto_stream_chacha20_ietf_xor_ic(block, block, sizeof block, nonce,
                                           (uint32_t)(f->off / 64), f->key);
        memcpy(out, block + skip, take);
        out += take;
        n -= take;
        f->off += take;
    }
    sodium_memzero(block, sizeof block);
}

void mk_fake_env_clear_trace(mk_fake_env *f)
{
    memset(f->n_event, 0, sizeof f->n_event);
    f->trace_len = 0;
    f->trace[0] = '\0';
}
