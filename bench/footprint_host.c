/* SPDX-License-Identifier: MIT */
/*
 * footprint_host: the measured half of bench/footprint.sh, built against one profile's
 * libmk_core.a / libmk_harness.a. One PSK handshake of the profile's default configuration
 * (mk_config_defaults: its suites, NAT-T as the profile has it, no IDr, INITIAL_CONTACT off),
 * initiator against the in-process responder peer. Prints key=value lines:
 *   sizeof_mk_ike  sizeof(mk_ike) on this host (x86-64)
 *   peak_stack     the initiator's measured high-water mark over the handshake, crypto libraries
 *                  included: every initiator call runs on its own stack painted with 0xA5
 *                  (makecontext/swapcontext); the peer runs on the main stack and is not counted
 *   bytes_sent     UDP payload octets the initiator sent (IKE_SA_INIT + IKE_AUTH requests)
 *   bytes_floor    the same two requests at their RFC 7296 minimum, computed from the payload
 *                  formats (footprint_host_floor.h): the same proposals, KE, NAT-D and
 *                  selectors, the shortest nonce RFC 7296 §2.10 allows, no optional payload,
 *                  minimal padding
 * Exit 1 if the handshake does not complete.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "footprint_host_floor.h"
#include "painted_stack.h"
#include "peer.h"
#include "suite.h"

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

static void tramp(void *arg)
{
    call *c = arg;
    switch (c->what) {
    case 1:
        (void)mk_init(c->ike, c->cfg, c->env);
        break;
    case 2:
        (void)mk_start(c->ike, c->now);
        break;
    case 3:
        (void)mk_on_dgram(c->ike, c->d, c->n, c->port, c->now);
        break;
    case 4:
        (void)mk_on_timer(c->ike, c->now);
        break;
    default:
        break;
    }
}

static void on_stack(call *c)
{
    painted_run(tramp, c);
}

static void rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}

int main(void)
{
    static const mk_env env = {NULL, rng, NULL};
    static const uint8_t psk[] = "footprint-psk-0123456789abcdef";
    static mk_ike ike;
    static mk_config cfg;
    static mk_peer_config pc;
    if (sodium_init() < 0)
        return 1;

    mk_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cfg.idi.type = MK_ID_FQDN;
    cfg.idi.len = 14;
    memcpy(cfg.idi.data, "device.example", 14);
    cfg.initial_contact = false; /* the floor has no optional payloads */
    cfg.local = (mk_addr){4, {192, 0, 2, 1}, 500};
    cfg.remote = (mk_addr){4, {198, 51, 100, 7}, 500};

    pc.suites = cfg.suites;
    memcpy(pc.ike, cfg.ike, sizeof cfg.ike);
    pc.n_ike = cfg.n_ike;
    memcpy(pc.esp, cfg.esp, sizeof cfg.esp);
    pc.n_esp = cfg.n_esp;
    pc.psk = psk;
    pc.psk_len = cfg.psk_len;
    pc.idr.type = MK_ID_FQDN;
    pc.idr.len = 12;
    memcpy(pc.idr.data, "door.example", 12);
    pc.tsr = cfg.tsr;
    pc.natt = cfg.natt;
    pc.local = cfg.remote;
    mk_peer *peer = mk_peer_new(&pc, &env);
    if (peer == NULL)
        return 1;

    /* the trampoline's own use, subtracted */
    painted_paint();
    call nothing = {0};
    on_stack(&nothing);
    size_t base = painted_high_water();

    uint64_t now = 1000;
    size_t sent = 0;
    painted_paint();
    call c = {1, &ike, &cfg, &env, NULL, 0, 0, now};
    on_stack(&c);
    c.what = 2;
    on_stack(&c);
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mk_tx_peek(&ike, &d, &port);
        if (n) {
            sent += n;
            mk_peer_on_dgram(peer, d, n, port, &cfg.local, now);
            mk_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            c = (call){3, &ike, &cfg, &env, d, n, port, now};
            on_stack(&c);
            mk_peer_tx_done(peer);
        }
        mk_state st = mk_state_get(&ike);
        if (st == MK_ST_ESTABLISHED || st == MK_ST_FAILED)
            break;
    }
    size_t peak = painted_high_water() - base;
    mk_ike_suite sel;
    bool ok = mk_state_get(&ike) == MK_ST_ESTABLISHED && mk_suite_selected(&ike, &sel, NULL);
    mk_peer_free(peer);
    if (!ok) {
        fprintf(stderr, "footprint_host: handshake failed: %s\n", mk_err_name(mk_last_error(&ike)));
        return 1;
    }
    printf("host_sizeof_mk_ike=%zu\n", sizeof(mk_ike));
    printf("peak_stack=%zu\n", peak);
    printf("bytes_sent=%zu\n", sent);
    printf("bytes_floor=%zu\n", floor_init(&cfg) + floor_auth(&cfg, &sel, ike.on_4500));
    printf("initial_contact=off suites_offered=%zu natt=%s\n", cfg.n_ike, cfg.natt ? "on" : "off");
    return 0;
}
