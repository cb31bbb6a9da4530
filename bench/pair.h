/* SPDX-License-Identifier: MIT */
/* One in-process handshake, initiator against the responder peer, datagrams passed by memory.
 * Shared by the speed and the stack benchmarks. */
#ifndef MK_BENCH_PAIR_H
#define MK_BENCH_PAIR_H

#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "peer.h"

static void bench_rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}

static const uint8_t bench_psk[] = "bench-psk-0123456789abcdef";

static void bench_id(mk_id *id, const char *s)
{
    id->type = MK_ID_FQDN;
    id->len = (uint8_t)strlen(s);
    memcpy(id->data, s, id->len);
}

static void bench_ts(mk_ts *ts, uint8_t a, uint8_t b)
{
    memset(ts, 0, sizeof *ts);
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 65535;
    ts->start[0] = ts->end[0] = 10;
    ts->start[1] = ts->end[1] = a;
    ts->start[2] = ts->end[2] = b;
    ts->end[3] = 255;
}

/* The one configuration every bench handshake uses: one suite each way, PSK, no NAT-T. */
static void bench_configs(mk_config *cfg, mk_peer_config *pc, const mk_ike_suite *is,
                          const mk_esp_suite *es)
{
    mk_config_defaults(cfg);
    cfg->ike[0] = *is;
    cfg->n_ike = 1;
    cfg->esp[0] = *es;
    cfg->n_esp = 1;
    cfg->psk = bench_psk;
    cfg->psk_len = sizeof bench_psk - 1;
    bench_id(&cfg->idi, "device.example");
    bench_ts(&cfg->tsi, 20, 1);
    bench_ts(&cfg->tsr, 10, 1);
    cfg->natt = false;

    memset(pc, 0, sizeof *pc);
    pc->suites = cfg->suites;
    pc->ike[0] = *is;
    pc->n_ike = 1;
    pc->esp[0] = *es;
    pc->n_esp = 1;
    pc->psk = cfg->psk;
    pc->psk_len = cfg->psk_len;
    bench_id(&pc->idr, "gateway.example");
    pc->tsr = cfg->tsr;
}

/* Runs one handshake with the given suites; returns the initiator's final state. */
static mk_state bench_pair(mk_ike *ike, const mk_ike_suite *is, const mk_esp_suite *es,
                           mk_stats *out_stats)
{
    static const mk_env env = {NULL, bench_rng, NULL};
    mk_config cfg;
    mk_peer_config pc;
    bench_configs(&cfg, &pc, is, es);
    mk_peer *peer = mk_peer_new(&pc, &env);
    if (!peer)
        return MK_ST_FAILED;
    mk_addr from = {4, {127, 0, 0, 1}, 500};
    uint64_t now = 1000;
    mk_init(ike, &cfg, &env);
    mk_start(ike, now);
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mk_tx_peek(ike, &d, &port);
        if (n) {
            mk_peer_on_dgram(peer, d, n, port, &from, now);
            mk_tx_done(ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            mk_on_dgram(ike, d, n, port, now);
            mk_peer_tx_done(peer);
        }
        mk_state st = mk_state_get(ike);
        if (st == MK_ST_ESTABLISHED || st == MK_ST_FAILED)
            break;
    }
    if (out_stats)
        *out_stats = *mk_stats_get(ike);
    mk_peer_free(peer);
    return mk_state_get(ike);
}

static const struct bench_suite {
    const char *name;
    mk_ike_suite ike;
    mk_esp_suite esp;
} bench_suites[] = {
    {"chacha20poly1305-prfsha256-x25519",
     {MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519},
     {MK_ENCR_CHACHA20_POLY1305, 0, 0}},
    {"aes128gcm16-prfsha256-x25519",
     {MK_ENCR_AES_GCM_16, 128, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519},
     {MK_ENCR_AES_GCM_16, 128, 0}},
    {"aes128ccm8-prfsha256-x25519",
     {MK_ENCR_AES_CCM_8, 128, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519},
     {MK_ENCR_AES_CCM_8, 128, 0}},
    {"aes128gcm16-prfsha256-ecp256",
     {MK_ENCR_AES_GCM_16, 128, MK_PRF_HMAC_SHA2_256, 0, MK_DH_ECP256},
     {MK_ENCR_AES_GCM_16, 128, 0}},
    {"aes256-sha256-modp2048",
     {MK_ENCR_AES_CBC, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_HMAC_SHA2_256_128, MK_DH_MODP2048},
     {MK_ENCR_AES_CBC, 256, MK_INTEG_HMAC_SHA2_256_128}},
};

#endif
