#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/stack_usage.sh: stack figures of the initiator core, two ways (see bench/README.md).
#   1. static, per function: gcc -fstack-usage on ref/src/*.c (-Os, as for a device), the
#      largest frames first. A frame is the function's own use, callees not included.
#   2. measured, per handshake: the initiator's calls alone (mk_init, mk_start, mk_on_dgram,
#      mk_on_timer) run on a separate stack (makecontext/swapcontext) painted with 0xA5, so the
#      high-water mark is the initiator's peak *including the crypto libraries*; the in-process
#      responder (harness/lib/peer.c) runs on the main stack and is not counted, unlike
#      bench_stack. LD_BIND_NOW=1 keeps the dynamic linker's lazy-binding resolver (which saves
#      the vector registers on the stack) out of the figure; the trampoline's own use (an empty
#      job) is measured and subtracted.
# Usage: bash bench/stack_usage.sh [BUILD_DIR]   (from the repo root; default build-review)
#        TOP=40 bash bench/stack_usage.sh        (more rows in the static table)
# Needs a configured and built BUILD_DIR (libmk_core.a, libmk_harness.a) and gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-review}
TOP=${TOP:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== static: gcc -Os -fstack-usage, largest frames in ref/src (bytes, own frame only)"
for f in ref/src/*.c; do
  gcc -std=c11 -Os -fstack-usage -DMK_NATT=1 -DMK_RPK=1 -Iref/include -Iref/src \
      -c "$f" -o "$tmp/$(basename "$f" .c).o"
done
cat "$tmp"/*.su | sed 's#^ref/src/##' | sort -t$'\t' -k2 -n -r | head -n "$TOP" |
  awk -F'\t' '{ printf "  %6d  %-52s %s\n", $2, $1, $3 }'

echo "== static: worst call chain inside the core from each API entry (gcc -O2 -fcallgraph-info=su)"
echo "   (own frames summed; calls into libsodium/mbedTLS and through crypto-class pointers count 0)"
mkdir -p "$tmp/cg"
for f in ref/src/*.c; do
  gcc -std=c11 -O2 -fstack-usage -fcallgraph-info=su -DMK_NATT=1 -DMK_RPK=1 -Iref/include \
      -Iref/src -c "$f" -o "$tmp/cg/$(basename "$f" .c).o"
done
python3 - "$tmp/cg" mk_init mk_start mk_on_dgram mk_on_timer mk_delete <<'PY'
import glob, re, sys
size, edges = {}, {}
for f in glob.glob(sys.argv[1] + '/*.ci'):
    for line in open(f):
        m = re.match(r'node: \{ title: "([^"]+)" label: "[^\\]*\\n[^\\]*\\n(\d+) bytes', line)
        if m:
            size[m.group(1)] = int(m.group(2))
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
        if m:
            edges.setdefault(m.group(1), set()).add(m.group(2))
# mk_on_dgram reaches its handlers through the dispatch table (function pointers)
edges.setdefault('mk_on_dgram', set()).update(
    ['mk_ini_on_init_resp', 'mk_ini_on_auth_resp', 'mk_ini_on_peer_req', 'mk_ini_on_delete_resp'])
memo = {}
def worst(fn, seen=()):
    if fn in memo:
        return memo[fn]
    best = (0, [])
    for c in edges.get(fn, ()):
        if c not in seen:
            w = worst(c, seen + (fn,))
            best = max(best, w, key=lambda x: x[0])
    name = re.sub(r'^.*:', '', fn)
    r = (size.get(fn, 0) + best[0], ['%s(%d)' % (name, size[fn]) if fn in size else name] + best[1])
    memo[fn] = r
    return r
for e in sys.argv[2:]:
    total, path = worst(e)
    print('  %6d  %s' % (total, ' > '.join(path)))
PY

echo "== measured: initiator-only peak stack over one handshake (bytes, crypto libraries included)"
cat >"$tmp/stack_ini.c" <<'EOF'
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "pair.h" /* bench_suites, bench_rng, bench_psk, bench_id, bench_ts */
#include "sig.h"
#include "vec.h"

enum { STACK = 256 * 1024 };
static uint8_t stk[STACK] __attribute__((aligned(64)));

typedef struct call {
    int what; /* 0: nothing, 1: mk_init, 2: mk_start, 3: mk_on_dgram, 4: mk_on_timer */
    mk_ike *ike;
    const mk_config *cfg;
    const mk_env *env;
    const uint8_t *d;
    size_t n;
    uint16_t port;
    uint64_t now;
} call;

static call *cur;
static ucontext_t main_ctx, job_ctx;

static void tramp(void)
{
    call *c = cur;
    switch (c->what) {
    case 1: mk_init(c->ike, c->cfg, c->env); break;
    case 2: mk_start(c->ike, c->now); break;
    case 3: mk_on_dgram(c->ike, c->d, c->n, c->port, c->now); break;
    case 4: mk_on_timer(c->ike, c->now); break;
    default: break;
    }
}

/* Run one initiator call on stk (returns to main_ctx through uc_link). */
static void on_stack(call *c)
{
    cur = c;
    getcontext(&job_ctx);
    job_ctx.uc_stack.ss_sp = stk;
    job_ctx.uc_stack.ss_size = sizeof stk;
    job_ctx.uc_link = &main_ctx;
    makecontext(&job_ctx, tramp, 0);
    swapcontext(&main_ctx, &job_ctx);
}

static size_t high_water(void)
{
    size_t low = 0;
    while (low < sizeof stk && stk[low] == 0xA5)
        low++;
    return sizeof stk - low;
}

static void trace_cb(void *ctx, mk_event ev, const char *d)
{
    (void)ctx, (void)ev, (void)d;
}

/* One handshake; returns the initiator's final state, *peak its high-water mark. */
static mk_state run(mk_config *cfg, mk_peer_config *pc, const mk_env *env, size_t *peak)
{
    static mk_ike ike;
    mk_peer *peer = mk_peer_new(pc, env);
    if (peer == NULL)
        return MK_ST_IDLE;
    mk_addr from = {4, {127, 0, 0, 1}, 500};
    uint64_t now = 1000;
    memset(stk, 0xA5, sizeof stk);
    call c = {1, &ike, cfg, env, NULL, 0, 0, now};
    on_stack(&c);
    c.what = 2;
    on_stack(&c);
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mk_tx_peek(&ike, &d, &port);
        if (n) {
            mk_peer_on_dgram(peer, d, n, port, &from, now);
            mk_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            c = (call){3, &ike, cfg, env, d, n, port, now};
            on_stack(&c);
            mk_peer_tx_done(peer);
        }
        mk_state st = mk_state_get(&ike);
        if (st == MK_ST_ESTABLISHED || st == MK_ST_FAILED)
            break;
    }
    *peak = high_water();
    mk_peer_free(peer);
    return mk_state_get(&ike);
}

/* the handshake every bench row runs (bench/pair.h) */
static void psk_cfg(mk_config *cfg, mk_peer_config *pc, const struct bench_suite *s)
{
    bench_configs(cfg, pc, &s->ike, &s->esp);
}

static void row(const char *name, mk_config *cfg, mk_peer_config *pc, const mk_env *env,
                size_t base)
{
    size_t peak = 0;
    mk_state st = run(cfg, pc, env, &peak);
    printf("  %-44s %8zu%s\n", name, peak > base ? peak - base : 0,
           st == MK_ST_ESTABLISHED ? "" : "  (handshake FAILED)");
}

int main(void)
{
    static const mk_env env = {NULL, bench_rng, NULL};
    static const mk_env tenv = {NULL, bench_rng, trace_cb};
    if (sodium_init() < 0)
        return 1;
    memset(stk, 0xA5, sizeof stk);
    call nothing = {0};
    on_stack(&nothing);
    size_t base = high_water();
    printf("  (trampoline overhead %zu B, subtracted below)\n", base);
    mk_config cfg;
    mk_peer_config pc;
    for (size_t i = 0; i < sizeof bench_suites / sizeof bench_suites[0]; i++) {
        char name[96];
        psk_cfg(&cfg, &pc, &bench_suites[i]);
        snprintf(name, sizeof name, "PSK %s", bench_suites[i].name);
        row(name, &cfg, &pc, &env, base);
    }
    psk_cfg(&cfg, &pc, &bench_suites[0]);
    row("PSK chacha20poly1305, with env->trace", &cfg, &pc, &tenv, base);

    /* raw public keys: Ed25519 (seeds 0x11.., 0x22..) and RSA-2048 (vectors/prim) */
    static uint8_t seed_i[32], seed_r[32], spki_i[MK_MAX_SPKI], spki_r[MK_MAX_SPKI];
    size_t li = 0, lr = 0;
    memset(seed_i, 0x11, 32);
    memset(seed_r, 0x22, 32);
    mk_sig_pubkey(MK_KEY_ED25519, seed_i, 32, spki_i, sizeof spki_i, &li);
    mk_sig_pubkey(MK_KEY_ED25519, seed_r, 32, spki_r, sizeof spki_r, &lr);
    psk_cfg(&cfg, &pc, &bench_suites[0]);
    cfg.auth_method = pc.auth_method = MK_AUTH_DIGSIG;
    cfg.priv_key = seed_i, cfg.priv_key_len = 32, cfg.spki = spki_i, cfg.spki_len = li;
    cfg.peer_spki = spki_r, cfg.peer_spki_len = lr;
    pc.priv_key = seed_r, pc.priv_key_len = 32, pc.spki = spki_r, pc.spki_len = lr;
    pc.peer_spki = spki_i, pc.peer_spki_len = li;
    row("RPK Ed25519, chacha20poly1305-x25519", &cfg, &pc, &env, base);

    char err[128];
    mk_vec_file *vf = mk_vec_load("vectors/prim/rsa-pkcs1.txt", err, sizeof err);
    const mk_vec_block *b1 = vf ? mk_vec_find(vf, "name", "rsa2048") : NULL;
    const mk_vec_block *b2 = vf ? mk_vec_find(vf, "name", "rsa2048-other") : NULL;
    if (b1 && b2) {
        size_t k1, s1, k2, s2;
        cfg.priv_key = mk_vec_hex(b1, "priv_pkcs1", &k1), cfg.priv_key_len = k1;
        cfg.spki = mk_vec_hex(b1, "spki", &s1), cfg.spki_len = s1;
        pc.priv_key = mk_vec_hex(b2, "priv_pkcs1", &k2), pc.priv_key_len = k2;
        pc.spki = mk_vec_hex(b2, "spki", &s2), pc.spki_len = s2;
        cfg.peer_spki = pc.spki, cfg.peer_spki_len = s2;
        pc.peer_spki = cfg.spki, pc.peer_spki_len = s1;
        row("RPK RSA-2048, chacha20poly1305-x25519", &cfg, &pc, &env, base);
    } else {
        printf("  RPK RSA-2048: vectors/prim/rsa-pkcs1.txt not found (%s)\n", err);
    }
    mk_vec_free(vf);
    return 0;
}
EOF
gcc -std=c11 -O2 -w -Iref/include -Iref/src -Iharness/lib -Ibench -DMK_NATT=1 -DMK_RPK=1 \
    -DMK_SOURCE_DIR="\"$PWD\"" "$tmp/stack_ini.c" -o "$tmp/stack_ini" \
    "$B/libmk_harness.a" "$B/libmk_core.a" $( [ -f "$B/libmk_io.a" ] && echo "$B/libmk_io.a" ) \
    $( [ -f "$B/libmk_extra.a" ] && echo "$B/libmk_extra.a" ) \
    $(pkg-config --libs libsodium) -lmbedcrypto -lpcap
LD_BIND_NOW=1 "$tmp/stack_ini"
