/* SPDX-License-Identifier: MIT */
/*
 * pairs: in-process initiators (the ref/ core) and the responder peer wired together by memory,
 * for the soak and table tests in harness/soak. Time is simulated (milliseconds passed to both
 * sides), randomness is the seeded test RNG, so every run is reproducible.
 */
#ifndef MK_SOAK_PAIRS_H
#define MK_SOAK_PAIRS_H

#include <stdio.h>
#include <string.h>

#include "minike_tools.h"
#include "peer.h"
#include "test_rng.h"

static const uint8_t soak_psk[] = "soak-psk-0123456789abcdef";

static inline void soak_id(mk_id *id, const char *s)
{
    memset(id, 0, sizeof *id);
    id->type = MK_ID_FQDN;
    id->len = (uint8_t)strlen(s);
    memcpy(id->data, s, id->len);
}

static inline void soak_ts(mk_ts *ts, uint8_t b)
{
    memset(ts, 0, sizeof *ts);
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 65535;
    ts->start[0] = ts->end[0] = 10;
    ts->start[1] = ts->end[1] = 99;
    ts->start[2] = ts->end[2] = b;
    ts->end[3] = 255;
}

static inline void soak_addr(mk_addr *a, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    a->ip[0] = 127;
    a->ip[3] = 1;
    a->port = port;
}

/* The initiator's config (defaults: AES-GCM-16-128, HMAC-SHA2-256, X25519; 500 ms first
 * timeout, the default budget) with identity `id`. */
static inline void soak_ini_cfg(mk_config *cfg, const char *id)
{
    mk_config_defaults(cfg);
    cfg->psk = soak_psk;
    cfg->psk_len = sizeof soak_psk - 1;
    soak_id(&cfg->idi, id);
    soak_ts(&cfg->tsi, 20);
    soak_ts(&cfg->tsr, 10);
    cfg->natt = false;
}

static inline mk_peer *soak_peer(const mk_env *env, const mk_peer_script *script)
{
    mk_config ic;
    mk_peer_config pc;
    soak_ini_cfg(&ic, "x");
    memset(&pc, 0, sizeof pc);
    pc.suites = mk_suites_default();
    memcpy(pc.ike, ic.ike, sizeof pc.ike);
    pc.n_ike = ic.n_ike;
    memcpy(pc.esp, ic.esp, sizeof pc.esp);
    pc.n_esp = ic.n_esp;
    pc.psk = soak_psk;
    pc.psk_len = sizeof soak_psk - 1;
    soak_id(&pc.idr, "gateway.soak");
    soak_ts(&pc.tsr, 10);
    soak_addr(&pc.local, 500);
    if (script != NULL)
        pc.script = *script;
    return mk_peer_new(&pc, env);
}

#endif
