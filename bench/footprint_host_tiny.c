/* SPDX-License-Identifier: MIT */
/*
 * footprint_host_tiny: the measured half of `bash bench/footprint.sh minimal`,
 * bench/footprint_host.c for the template core (ref/tiny, libmk_tiny.a). One PSK handshake of
 * mt_config_defaults (tunnel mode, both selectors all of IPv4, no IDr, INITIAL_CONTACT off), the
 * template core's initiator against the in-process responder peer (harness/lib/peer.h, built on the
 * general core, the minimal profile's suite: ChaCha20-Poly1305, PRF-HMAC-SHA2-256, X25519). Prints
 * the keys of footprint_host.c, same meaning: host_sizeof_mk_ike  sizeof(mt_ike) on this host
 * (x86-64); the key keeps the general core's name so the profiles' tables line up peak_stack the
 * initiator's measured high-water mark over the handshake, libsodium included: every mt_ call runs
 * on its own stack painted with 0xA5 (makecontext/swapcontext); the peer runs on the main stack and
 * is not counted bytes_sent     UDP payload octets the initiator sent (IKE_SA_INIT + IKE_AUTH
 * requests) bytes_floor    the same two requests at their RFC 7296 minimum (footprint_host_floor.h,
 * for the general-core config that offers what the template core offers) Exit 1 if the handshake
 * does not complete.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "footprint_host_floor.h"
#include "painted_stack.h"
#include "minike_tiny.h"
#include "peer.h"

typedef struct call {
    int what; /* 0: nothing, 1: mt_init, 2: mt_start, 3: mt_on_dgram, 4: mt_on_timer */
    mt_ike *ike;
    const mt_config *cfg;
    const mt_env *env;
    uint8_t *d;
    size_t n;
    uint64_t now;
} call;

static void tramp(void *arg)
{
    call *c = arg;
    switch (c->what) {
    case 1:
        (void)mt_init(c->ike, c->cfg, c->env);
        break;
    case 2:
        (void)mt_start(c->ike, c->now);
        break;
    case 3:
        (void)mt_on_dgram(c->ike, c->d, c->n, c->now);
        break;
    case 4:
        (void)mt_on_timer(c->ike, c->now);
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

static void ts_mirror(mk_ts *m, const mt_ts *t)
{
    m->type = t->type;
    m->proto = t->proto;
    m->start_port = t->start_port;
    m->end_port = t->end_port;
    memcpy(m->start, t->start, sizeof m->start);
    memcpy(m->end, t->end, sizeof m->end);
}

/* The general-core config that offers what the template core offers: the minimal profile's one
 * suite (ChaCha20-Poly1305, PRF-HMAC-SHA2-256, X25519; ESP ChaCha20-Poly1305), no NAT-T, and
 * the template config's identities, selectors and mode. The peer and the floor use it. */
static void mirror(mk_config *m, const mt_config *t)
{
    mk_config_defaults(m);
    m->n_ike = 1; /* the first entries are the ChaCha20-Poly1305 / X25519 suites */
    m->n_esp = 1;
    m->natt = false;
    m->psk = t->psk;
    m->psk_len = t->psk_len;
    m->idi.type = t->idi_type;
    m->idi.len = t->idi_len;
    memcpy(m->idi.data, t->idi, t->idi_len < sizeof m->idi.data ? t->idi_len : sizeof m->idi.data);
    m->idr.type = t->idr_type;
    m->idr.len = t->idr_len;
    memcpy(m->idr.data, t->idr, t->idr_len < sizeof m->idr.data ? t->idr_len : sizeof m->idr.data);
    ts_mirror(&m->tsi, &t->tsi);
    ts_mirror(&m->tsr, &t->tsr);
    m->tunnel = t->tunnel;
    m->initial_contact = t->initial_contact;
}

int main(void)
{
    static const mt_env env = {NULL, rng};
    static const mk_env penv = {NULL, rng, NULL};
    static const uint8_t psk[] = "footprint-psk-0123456789abcdef";
    static mt_ike ike;
    static mt_config cfg;
    static mk_config mk; /* the same handshake in the general core's terms */
    static mk_peer_config pc;
    static uint8_t rx[MT_MAX_MSG];
    if (sodium_init() < 0)
        return 1;

    mt_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cfg.idi_type = MK_ID_FQDN;
    cfg.idi_len = 14;
    memcpy(cfg.idi, "device.example", 14);
    cfg.initial_contact = false; /* the floor has no optional payloads */
    mirror(&mk, &cfg);

    pc.suites = mk.suites;
    memcpy(pc.ike, mk.ike, sizeof mk.ike);
    pc.n_ike = mk.n_ike;
    memcpy(pc.esp, mk.esp, sizeof mk.esp);
    pc.n_esp = mk.n_esp;
    pc.psk = psk;
    pc.psk_len = cfg.psk_len;
    pc.idr.type = MK_ID_FQDN;
    pc.idr.len = 12;
    memcpy(pc.idr.data, "door.example", 12);
    pc.tsr = mk.tsr;
    pc.natt = false;
    pc.local = (mk_addr){4, {198, 51, 100, 7}, 500};
    const mk_addr from = {4, {192, 0, 2, 1}, 500};
    mk_peer *peer = mk_peer_new(&pc, &penv);
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
    call c = {1, &ike, &cfg, &env, NULL, 0, now};
    on_stack(&c);
    c.what = 2;
    on_stack(&c);
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mt_tx(&ike, &d);
        if (n) {
            sent += n;
            mk_peer_on_dgram(peer, d, n, MT_PORT, &from, now);
            mt_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            /* mt_on_dgram works in the caller's buffer: hand it a copy of the peer's */
            if (n <= sizeof rx) {
                memcpy(rx, d, n);
                c = (call){3, &ike, &cfg, &env, rx, n, now};
                on_stack(&c);
            }
            mk_peer_tx_done(peer);
        }
        mt_state st = mt_state_get(&ike);
        if (st == MT_ST_ESTABLISHED || st == MT_ST_FAILED)
            break;
    }
    size_t peak = painted_high_water() - base;
    mt_esp_sa child;
    bool ok = mt_state_get(&ike) == MT_ST_ESTABLISHED && mt_child(&ike, &child);
    mk_peer_free(peer);
    mt_esp_wipe(&child);
    if (!ok) {
        fprintf(stderr, "footprint_host_tiny: handshake failed: state %d, error %d\n",
                (int)mt_state_get(&ike), (int)mt_last_error(&ike));
        return 1;
    }
    printf("host_sizeof_mk_ike=%zu\n", sizeof(mt_ike));
    printf("peak_stack=%zu\n", peak);
    printf("bytes_sent=%zu\n", sent);
    printf("bytes_floor=%zu\n", floor_init(&mk) + floor_auth(&mk, &mk.ike[0], false));
    printf("initial_contact=off suites_offered=1 natt=off\n");
    mt_ike_wipe(&ike);
    return 0;
}
