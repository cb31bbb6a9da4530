/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_AUTH_SENT with raw public keys (RFC 7670 CERT(15), RFC 7427
 * AUTH method 14 / RSA method 1, RFC 8420 Ed25519): CERT and SPKI parsing, the pin check,
 * signature verification, then SA/TS/child SA after a signature that verifies */
/*
 * Two deterministic exchanges (fuzz_deep.h): Ed25519 and RSA-2048 keys on both sides, the
 * responder pinned, snapshot in AUTH_SENT. Input: [kind][ctl][first][inner plaintext]; kind
 * bit 0 picks Ed25519 (0) or RSA (1); ctl and sealing as fuzz_auth_resp.c (SK_er/SK_ar of that
 * exchange). The seeds (gen_seeds_deep.c) are the real responses, whose AUTH verifies: the
 * signature covers IDr, not SA/TSi/TSr, so mutations behind it reach the child SA code.
 * Invariants: as fuzz_init_resp (DROP changes nothing but stats; FATAL wipes).
 */
#include <stdlib.h>

#include "fuzz_deep.h"

static fzd_auth worlds[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fzd_auth_setup(&worlds[0], FZD_ED25519);
        fzd_auth_setup(&worlds[1], FZD_RSA);
        ready = 1;
    }
    uint8_t kind = fz_take8(&data, &size);
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    fzd_auth_feed(&worlds[kind & 1], ctl, first, data, size);
    return 0;
}
