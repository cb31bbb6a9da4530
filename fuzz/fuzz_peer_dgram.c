/* SPDX-License-Identifier: MIT */
/* Target: mk_peer_on_dgram (the in-process responder of harness/lib/peer.c fed an initiator's
 * datagram: IKE_SA_INIT request parsing and proposal choice, and the IKE_AUTH request after SK) */
/*
 * Input: [ctl][rest]. ctl bit 0 clear: rest is a raw datagram for a fresh responder (bit 1:
 * patch the header Length; bit 2: port 4500 behind a non-ESP marker). ctl bit 0 set: the
 * responder first gets the deterministic IKE_SA_INIT request of fuzz_ike.h, then rest =
 * [first inner type][inner plaintext] sealed as the IKE_AUTH request with the initiator's keys
 * (SK_ei/SK_ai) of that exchange. The peer is test code, but it answers real initiators in
 * the interop and demo paths, so it must not crash on anything either.
 */
#include <stdlib.h>

#include "fuzz_ike.h"

static fz_world w;
static uint8_t init_req[MK_MAX_MSG + MK_NATT_MARKER];
static size_t init_req_len;
static mk_ike_keys keys;
static mk_sk_keys ik;
static mk_ike ike_at_auth; /* only its on_4500 matters: where the IKE_AUTH request goes */

static void record(void *ctx, int from_initiator, const uint8_t *d, size_t n, uint16_t port)
{
    (void)ctx;
    (void)port;
    if (from_initiator && init_req_len == 0 && n <= sizeof(init_req)) {
        memcpy(init_req, d, n);
        init_req_len = n;
    }
}

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    w.record = record;
    FZ_CHECK(fz_world_start(&w));
    FZ_CHECK(fz_world_run(&w, MK_ST_AUTH_SENT));
    FZ_CHECK(init_req_len > 0);
    FZ_CHECK(mk_keys_export(&w.ike, &keys));
    FZ_CHECK(fz_sk_keys(&w.cfg, &keys, 0, &ik));
    ike_at_auth = w.ike;
    mk_peer_free(w.peer);
    w.peer = NULL;
    ready = 1;
}

static void drain(mk_peer *p)
{
    const uint8_t *out;
    uint16_t port;
    size_t n;
    for (int i = 0; i < 8 && (n = mk_peer_tx_peek(p, &out, &port)) != 0; i++) {
        fz_eat(out, n < 8 ? n : 8);
        mk_peer_tx_done(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    setup();
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t *d = NULL;
    size_t n = 0;
    uint16_t port = MK_PORT_IKE;

    fz_env_init(&w.env_p, &w.rng_p, FZ_SEED_PEER);
    mk_peer *p = mk_peer_new(&w.pcfg, &w.env_p);
    FZ_CHECK(p != NULL);
    if (ctl & 1) {
        /* the same responder state as in the recorded exchange, so its keys are `keys` */
        FZ_CHECK(mk_peer_on_dgram(p, init_req, init_req_len, MK_PORT_IKE, &w.from_i,
                                  FZ_NOW_MS) == MK_E_OK);
        drain(p);
        uint8_t first = fz_take8(&data, &size);
        fz_rng rng;
        mk_env env;
        fz_env_init(&env, &rng, FZ_SEED_INITIATOR);
        n = fz_seal_msg(buf, sizeof(buf), keys.spi_i, keys.spi_r, MK_EX_IKE_AUTH,
                        MK_HDR_F_INITIATOR, 1, &ik, &env, first, data, size);
        if (n == 0)
            goto out;
        d = fz_wire_copy(&ike_at_auth, buf, n, &n, &port);
        if (d == NULL)
            goto out;
    } else {
        size_t off = (ctl & 4) ? MK_NATT_MARKER : 0;
        n = size + off;
        d = malloc(n + 1);
        if (d == NULL)
            goto out;
        memset(d, 0, off);
        if (size)
            memcpy(d + off, data, size);
        if ((ctl & 2) && size >= MK_HDR_LEN)
            fz_put32(d + off + 24, (uint32_t)size);
        if (ctl & 4)
            port = MK_PORT_NATT;
    }
    mk_err e = mk_peer_on_dgram(p, d, n, port, &w.from_i, FZ_NOW_MS + 10);
    FZ_EAT(e);
    drain(p);
    mk_peer_state ps = mk_peer_state_get(p);
    FZ_EAT(ps);
out:
    free(d);
    mk_peer_free(p);
    return 0;
}
