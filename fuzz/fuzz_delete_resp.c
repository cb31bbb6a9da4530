/* SPDX-License-Identifier: MIT */
/* Target: the Delete path (RFC 7815 B.1, RFC 7296 §1.4.1): mk_delete from ESTABLISHED, then
 * mk_on_dgram in MK_ST_DELETE_SENT (the INFORMATIONAL response, a crossing request of the
 * responder, the D payload, error notifies) */
/*
 * The deterministic exchange of fuzz_ike.h runs to ESTABLISHED; mk_delete queues our Delete;
 * that state is snapshot. Input: [ctl][first][inner plaintext], sealed with the responder's keys
 * (SK_er/SK_ar). ctl 0: an INFORMATIONAL response to our Delete (its message ID); bit 0:
 * message ID one less; bit 1: exchange CREATE_CHILD_SA; bit 2: no Response flag (a request of
 * the responder crossing ours, with its own message ID 0); bit 3: wrong SPIr. Seeds: the real
 * answer (gen_seeds_deep.c). Invariants: as fuzz_init_resp; an accepted answer closes the SA or
 * leaves it waiting, never anything else.
 */
#include <stdlib.h>

#include "fuzz_ike.h"

static fz_world w;
static mk_ike snap;
static uint64_t snap_rng;
static mk_ike_keys keys;
static mk_sk_keys rk;

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    FZ_CHECK(fz_world_start(&w));
    FZ_CHECK(fz_world_run(&w, MK_ST_ESTABLISHED));
    FZ_CHECK(mk_keys_export(&w.ike, &keys));
    FZ_CHECK(fz_sk_keys(&w.cfg, &keys, 1, &rk));
    FZ_CHECK(mk_delete(&w.ike, FZ_NOW_MS) == MK_E_OK);
    FZ_CHECK(mk_state_get(&w.ike) == MK_ST_DELETE_SENT);
    mk_tx_done(&w.ike);
    mk_peer_free(w.peer);
    w.peer = NULL;
    snap = w.ike;
    snap_rng = w.rng_i.s;
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    setup();
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    uint8_t spi_r[8];
    fz_rng rng;
    mk_env env;
    uint32_t msgid = snap.req_msgid - ((ctl & 1) ? 1u : 0u);

    memcpy(spi_r, keys.spi_r, 8);
    if (ctl & 8)
        spi_r[7] ^= 1;
    if (ctl & 4)
        msgid = 0; /* the responder's own first request */
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    size_t n = fz_seal_msg(buf, sizeof(buf), keys.spi_i, spi_r,
                           (ctl & 2) ? MK_EX_CREATE_CHILD_SA : MK_EX_INFORMATIONAL,
                           (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, msgid, &rk, &env, first, data, size);
    if (n == 0)
        return 0;
    size_t dn;
    uint16_t port;
    uint8_t *d = fz_wire_copy(&snap, buf, n, &dn, &port);
    if (d == NULL)
        return 0;
    memcpy(&w.ike, &snap, sizeof(snap));
    w.rng_i.s = snap_rng;
    mk_err e = mk_on_dgram(&w.ike, d, dn, port, FZ_NOW_MS + 10);
    fz_check_after_dgram(&snap, &w.ike, e);
    if (e == MK_E_OK) {
        mk_state st = mk_state_get(&w.ike);
        FZ_CHECK(st == MK_ST_CLOSED || st == MK_ST_DELETE_SENT);
        const uint8_t *out;
        uint16_t p;
        size_t on = mk_tx_peek(&w.ike, &out, &p);
        fz_eat(out, on ? 1 : 0);
    }
    free(d);
    return 0;
}
