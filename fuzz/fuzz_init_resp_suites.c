/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_INIT_SENT when our KE is P-256 (group 19) or MODP-2048 (group
 * 14): the responder's KE checks (point on the curve, 1 < y < p-1), INVALID_KE naming them,
 * the AES-GCM / AES-CBC proposal checks and the key schedule with those sizes */
/*
 * Input: [suite][ctl][datagram]; suite mod 3 picks the configuration of fuzz_deep.h (its only
 * proposal); ctl as fuzz_init_resp.c (bit 0 patch Length, bit 1 patch SPIi, bit 2 port 4500 +
 * marker). Seeds: the real IKE_SA_INIT responses (gen_seeds_deep.c).
 * Invariants: as fuzz_init_resp.
 */
#include <stdlib.h>

#include "fuzz_deep.h"

static fz_world w[FZD_N_SUITES];
static mk_ike snap[FZD_N_SUITES];
static uint64_t snap_rng[FZD_N_SUITES];

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    for (int k = 0; k < FZD_N_SUITES; k++) {
        fz_config(&w[k].cfg);
        fzd_suite(&w[k].cfg, k);
        fz_env_init(&w[k].env_i, &w[k].rng_i, FZ_SEED_INITIATOR);
        FZ_CHECK(mk_init(&w[k].ike, &w[k].cfg, &w[k].env_i) == MK_E_OK);
        FZ_CHECK(mk_start(&w[k].ike, FZ_NOW_MS) == MK_E_OK);
        mk_tx_done(&w[k].ike);
        snap[k] = w[k].ike;
        snap_rng[k] = w[k].rng_i.s;
    }
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    int k = fz_take8(&data, &size) % FZD_N_SUITES;
    uint8_t ctl = fz_take8(&data, &size);
    size_t off = (ctl & 4) ? MK_NATT_MARKER : 0;
    uint8_t *d = malloc(size + off + 1);
    if (d == NULL)
        return 0;
    memset(d, 0, off);
    if (size)
        memcpy(d + off, data, size);
    if ((ctl & 1) && size >= MK_HDR_LEN)
        fz_put32(d + off + 24, (uint32_t)size);
    if ((ctl & 2) && size >= 8)
        memcpy(d + off, snap[k].spi_i, 8);
    memcpy(&w[k].ike, &snap[k], sizeof(snap[k]));
    w[k].rng_i.s = snap_rng[k];
    mk_err e = mk_on_dgram(&w[k].ike, d, size + off, (ctl & 4) ? MK_PORT_NATT : MK_PORT_IKE,
                           FZ_NOW_MS + 10);
    fz_check_after_dgram(&snap[k], &w[k].ike, e);
    if (e == MK_E_OK) {
        uint64_t dl = mk_deadline(&w[k].ike);
        FZ_EAT(dl);
    }
    free(d);
    return 0;
}
