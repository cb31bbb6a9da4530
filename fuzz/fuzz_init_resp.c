/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_INIT_SENT (the IKE_SA_INIT response: header and SPI checks,
 * COOKIE / INVALID_KE / error notifies, SA selection, KE, Nonce, NAT detection, key schedule) */
/*
 * Input: [ctl][datagram]. ctl bit 0: patch the header Length to the datagram length; bit 1:
 * patch SPIi to ours; bit 2: deliver on port 4500 behind a non-ESP marker. With ctl 0 the
 * datagram is fed exactly as given. The initiator is the deterministic one of fuzz_ike.h right
 * after mk_start (snapshot restored for every input).
 * Invariants: a DROP leaves the mk_ike bytes (all but stats) unchanged; a FATAL error is sticky,
 * moves to FAILED and wipes the keys.
 */
#include <stdlib.h>

#include "fuzz_ike.h"

static fz_world w;
static mk_ike snap;
static uint64_t snap_rng;

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    fz_config(&w.cfg);
    fz_env_init(&w.env_i, &w.rng_i, FZ_SEED_INITIATOR);
    FZ_CHECK(mk_init(&w.ike, &w.cfg, &w.env_i) == MK_E_OK);
    FZ_CHECK(mk_start(&w.ike, FZ_NOW_MS) == MK_E_OK);
    mk_tx_done(&w.ike);
    FZ_CHECK(mk_state_get(&w.ike) == MK_ST_INIT_SENT);
    snap = w.ike;
    snap_rng = w.rng_i.s;
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    uint8_t ctl = fz_take8(&data, &size);
    size_t off = (ctl & 4) ? MK_NATT_MARKER : 0;
    uint8_t *d = malloc(size + off + 1); /* exact size (+1 for malloc(0)); ASan sees overreads */
    if (d == NULL)
        return 0;
    memset(d, 0, off);
    if (size)
        memcpy(d + off, data, size);
    if ((ctl & 1) && size >= MK_HDR_LEN)
        fz_put32(d + off + 24, (uint32_t)size);
    if ((ctl & 2) && size >= 8)
        memcpy(d + off, snap.spi_i, 8);

    memcpy(&w.ike, &snap, sizeof(snap));
    w.rng_i.s = snap_rng;
    mk_err e = mk_on_dgram(&w.ike, d, size + off, (ctl & 4) ? MK_PORT_NATT : MK_PORT_IKE,
                           FZ_NOW_MS + 10);
    fz_check_after_dgram(&snap, &w.ike, e);
    if (e == MK_E_OK) {
        const uint8_t *out;
        uint16_t port;
        size_t n = mk_tx_peek(&w.ike, &out, &port);
        fz_eat(out, n ? 1 : 0);
        uint64_t dl = mk_deadline(&w.ike);
        FZ_EAT(dl);
    }
    free(d);
    return 0;
}
