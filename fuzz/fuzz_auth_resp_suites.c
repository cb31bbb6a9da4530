/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_AUTH_SENT for the suites other than the default ChaCha20 +
 * X25519: AES-GCM-16-256 + P-256, AES-CBC-256 + HMAC-SHA2-256-128 + MODP-2048, AES-GCM-16-128
 * + X25519 (SK open with AES-GCM and AES-CBC/HMAC, the ESP proposal check, child SA keys) */
/*
 * Three deterministic exchanges (fuzz_deep.h), snapshot in AUTH_SENT. Input:
 * [suite][ctl][first][inner plaintext]; suite mod 3 picks the exchange; ctl and sealing as
 * fuzz_auth_resp.c. Seeds: the real responses (gen_seeds_deep.c).
 * Invariants: as fuzz_init_resp.
 */
#include <stdlib.h>

#include "fuzz_deep.h"

static fzd_auth worlds[FZD_N_SUITES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        for (int k = 0; k < FZD_N_SUITES; k++)
            fzd_auth_setup(&worlds[k], k);
        ready = 1;
    }
    uint8_t kind = fz_take8(&data, &size);
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    fzd_auth_feed(&worlds[kind % FZD_N_SUITES], ctl, first, data, size);
    return 0;
}
