/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ike.h: the deterministic exchange the state-machine targets start from. One fixed
 * initiator configuration and a matching in-process responder (harness/lib/peer.h), both with
 * seeded RNGs, run at the fixed time FZ_NOW_MS until the initiator reaches the wanted state.
 * Because keys are a function of the seeds, a target can snapshot the mk_ike (its size is public
 * and it holds no pointers but cfg and env, which are static here) once, restore it with
 * memcpy for every input, and seal its input with the keys of that exchange (STYLE.md §2.7).
 * Also used by gen_seeds.c, which records the datagrams of the exchange as seeds.
 */
#ifndef MK_FUZZ_IKE_H
#define MK_FUZZ_IKE_H

#include <stdio.h>
#include <stdlib.h>

#include "fuzz_chain.h"
#include "peer.h"
#include "suite.h"

static const uint8_t fz_psk[32] = "minike-fuzz-psk-0123456789abcdef";

static inline void fz_set_id(mk_id *id, uint8_t type, const char *s)
{
    memset(id, 0, sizeof(*id));
    id->type = type;
    id->len = (uint8_t)strlen(s);
    memcpy(id->data, s, id->len);
}

static inline void fz_set_addr(mk_addr *a, uint8_t last, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    a->ip[0] = 10;
    a->ip[3] = last;
    a->port = port;
}

static inline void fz_set_ts(mk_ts *ts, uint8_t last)
{
    memset(ts, 0, sizeof(*ts));
    ts->type = MK_TS_IPV4_RANGE;
    ts->proto = 0;
    ts->start_port = 0;
    ts->end_port = 65535;
    ts->start[0] = ts->end[0] = 10;
    ts->start[3] = ts->end[3] = last;
}

/* The initiator's configuration: the library defaults, plus fixed identities, selectors and
 * addresses (no NAT between 10.0.0.1 and 10.0.0.2, so the exchange stays on port 500). */
static inline void fz_config(mk_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    mk_config_defaults(cfg);
    cfg->psk = fz_psk;
    cfg->psk_len = sizeof(fz_psk);
    fz_set_id(&cfg->idi, MK_ID_FQDN, "initiator.minike.test");
    fz_set_id(&cfg->idr, MK_ID_FQDN, "responder.minike.test");
    fz_set_ts(&cfg->tsi, 1);
    fz_set_ts(&cfg->tsr, 2);
    fz_set_addr(&cfg->local, 1, MK_PORT_IKE);
    fz_set_addr(&cfg->remote, 2, MK_PORT_IKE);
}

/* The responder: accepts what the initiator offers, same PSK, identities swapped. */
static inline void fz_peer_config(mk_peer_config *pc, const mk_config *cfg)
{
    memset(pc, 0, sizeof(*pc));
    pc->suites = cfg->suites;
    memcpy(pc->ike, cfg->ike, sizeof(pc->ike));
    pc->n_ike = cfg->n_ike;
    memcpy(pc->esp, cfg->esp, sizeof(pc->esp));
    pc->n_esp = cfg->n_esp;
    pc->psk = fz_psk;
    pc->psk_len = sizeof(fz_psk);
    pc->idr = cfg->idr;
    pc->idi = cfg->idi;
    pc->tsr = cfg->tsr;
    pc->natt = cfg->natt;
    fz_set_addr(&pc->local, 2, MK_PORT_IKE);
}

/* Everything one deterministic exchange needs; static storage in the targets. */
typedef struct fz_world {
    mk_config cfg;
    mk_peer_config pcfg;
    fz_rng rng_i, rng_p;
    mk_env env_i, env_p;
    mk_addr from_i; /* the initiator's address as the peer sees it */
    mk_ike ike;
    mk_peer *peer;
    /* optional transcript of the datagrams (gen_seeds) */
    void (*record)(void *ctx, int from_initiator, const uint8_t *d, size_t n, uint16_t port);
    void *record_ctx;
} fz_world;

/* Fresh initiator and peer, both seeded. Returns false if the library refuses the config. */
static inline int fz_world_start(fz_world *w)
{
    fz_config(&w->cfg);
    fz_peer_config(&w->pcfg, &w->cfg);
    fz_env_init(&w->env_i, &w->rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w->env_p, &w->rng_p, FZ_SEED_PEER);
    fz_set_addr(&w->from_i, 1, MK_PORT_IKE);
    memset(&w->ike, 0, sizeof(w->ike));
    if (mk_init(&w->ike, &w->cfg, &w->env_i) != MK_E_OK)
        return 0;
    w->peer = mk_peer_new(&w->pcfg, &w->env_p);
    if (w->peer == NULL)
        return 0;
    return mk_start(&w->ike, FZ_NOW_MS) == MK_E_OK;
}

/* Shuttle datagrams between the two until the initiator reaches `stop` (returns 1), or nothing
 * moves any more (returns 0). The peer's answer that would leave `stop` is not delivered. */
static inline int fz_world_run(fz_world *w, mk_state stop)
{
    static uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    for (int i = 0; i < 32; i++) {
        const uint8_t *out;
        uint16_t port;
        size_t n;
        if (mk_state_get(&w->ike) == stop)
            return 1;
        if ((n = mk_tx_peek(&w->ike, &out, &port)) != 0) {
            memcpy(buf, out, n);
            mk_tx_done(&w->ike);
            if (w->record)
                w->record(w->record_ctx, 1, buf, n, port);
            (void)mk_peer_on_dgram(w->peer, buf, n, port, &w->from_i, FZ_NOW_MS);
            continue;
        }
        if ((n = mk_peer_tx_peek(w->peer, &out, &port)) != 0) {
            memcpy(buf, out, n);
            mk_peer_tx_done(w->peer);
            if (w->record)
                w->record(w->record_ctx, 0, buf, n, port);
            (void)mk_on_dgram(&w->ike, buf, n, port, FZ_NOW_MS);
            continue;
        }
        return mk_state_get(&w->ike) == stop;
    }
    return 0;
}

/* The SK keys of one direction from an exported key set. */
static inline int fz_sk_keys(const mk_config *cfg, const mk_ike_keys *k, int responder_to_initiator,
                             mk_sk_keys *out)
{
    memset(out, 0, sizeof(*out));
    out->encr = mk_suite_encr(cfg->suites, k->encr, k->encr_bits);
    out->integ = k->integ ? mk_suite_integ(cfg->suites, k->integ) : NULL;
    if (out->encr == NULL || (k->integ && out->integ == NULL))
        return 0;
    out->ek = responder_to_initiator ? k->sk_er : k->sk_ei;
    out->ak = responder_to_initiator ? k->sk_ar : k->sk_ai;
    return 1;
}

/* A heap copy of exactly the datagram the initiator in `ike` expects on the wire: behind a
 * non-ESP marker when it talks on UDP 4500 (after NAT detection it floats there for IKE_AUTH,
 * RFC 7296 §2.23). *port gets the local port class. Caller frees. */
static inline uint8_t *fz_wire_copy(const mk_ike *ike, const uint8_t *msg, size_t n, size_t *out_n,
                                    uint16_t *port)
{
    size_t off = ike->on_4500 ? MK_NATT_MARKER : 0;
    uint8_t *d = (uint8_t *)malloc(n + off);
    if (d == NULL)
        return NULL;
    memset(d, 0, off);
    memcpy(d + off, msg, n);
    *out_n = n + off;
    *port = ike->on_4500 ? MK_PORT_NATT : MK_PORT_IKE;
    return d;
}

/* A world run to some state and snapshot there, for the targets that feed one sealed message
 * per input (auth_resp, established, delete_resp and, through fuzz_deep.h, auth_resp_rpk and
 * auth_resp_suites). rk seals as the responder (SK_er/SK_ar), ik opens our answers (SK_ei/SK_ai).
 */
typedef struct fz_snap {
    fz_world w;
    mk_ike snap;
    uint64_t snap_rng;
    mk_ike_keys keys;
    mk_sk_keys rk, ik;
} fz_snap;

/* Snapshot s->w as it stands: the datagram it has queued counts as sent (and stays unanswered),
 * its keys are exported, the responder goes. */
static inline void fz_snap_take(fz_snap *s)
{
    mk_tx_done(&s->w.ike);
    FZ_CHECK(mk_keys_export(&s->w.ike, &s->keys));
    FZ_CHECK(fz_sk_keys(&s->w.cfg, &s->keys, 1, &s->rk));
    FZ_CHECK(fz_sk_keys(&s->w.cfg, &s->keys, 0, &s->ik));
    mk_peer_free(s->w.peer);
    s->w.peer = NULL;
    s->snap = s->w.ike;
    s->snap_rng = s->w.rng_i.s;
}

/* The port class the snapshot's initiator receives on (4500 after NAT detection). */
static inline uint16_t fz_snap_port(const fz_snap *s)
{
    return s->snap.on_4500 ? MK_PORT_NATT : MK_PORT_IKE;
}

/* Seal [first][plaintext] as a message from the responder (the last octet of SPIr flipped if
 * wrong_spi), restore the snapshot, feed the datagram (behind the non-ESP marker on 4500) and
 * check the class contract of fz_check_after_dgram. Returns what mk_on_dgram returned, or
 * MK_E__COUNT if the input did not fit into a message. */
static inline mk_err fz_snap_feed(fz_snap *s, uint8_t exchange, uint8_t flags, uint32_t msgid,
                                  int wrong_spi, uint8_t first, const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    uint8_t spi_r[8];
    fz_rng rng;
    mk_env env;
    memcpy(spi_r, s->keys.spi_r, 8);
    if (wrong_spi)
        spi_r[7] ^= 1;
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    size_t n = fz_seal_msg(buf, sizeof(buf), s->keys.spi_i, spi_r, exchange, flags, msgid, &s->rk,
                           &env, first, data, size);
    if (n == 0)
        return MK_E__COUNT;
    size_t dn;
    uint16_t port;
    uint8_t *d = fz_wire_copy(&s->snap, buf, n, &dn, &port);
    if (d == NULL)
        return MK_E__COUNT;
    memcpy(&s->w.ike, &s->snap, sizeof(s->snap));
    s->w.rng_i.s = s->snap_rng;
    mk_err e = mk_on_dgram(&s->w.ike, d, dn, port, FZ_NOW_MS + 10);
    fz_check_after_dgram(&s->snap, &s->w.ike, e);
    free(d);
    return e;
}

#endif
