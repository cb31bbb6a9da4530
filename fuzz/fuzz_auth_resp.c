/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_AUTH_SENT (the IKE_AUTH response after SK decryption: IDr, AUTH
 * verification, SA, TSi/TSr, error and status notifies, child SA keys) */
/*
 * The initiator and the in-process responder (harness/lib/peer.h) run the deterministic
 * exchange of fuzz_ike.h until the initiator has sent IKE_AUTH; its state is snapshot once.
 * Input: [ctl][first inner payload type][inner plaintext]. The plaintext is sealed into a valid
 * SK payload with the responder's keys of that exchange (SK_er/SK_ar), so the fuzzer works past
 * the ICV (STYLE.md §2.7). ctl 0 gives the correct framing (IKE_AUTH response, message ID 1);
 * bit 0: message ID 0; bit 1: exchange INFORMATIONAL; bit 2: no Response flag; bit 3: wrong SPIr.
 * Invariants: as fuzz_init_resp (DROP changes nothing but stats; FATAL wipes).
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
    FZ_CHECK(fz_world_run(&w, MK_ST_AUTH_SENT));
    mk_tx_done(&w.ike); /* the IKE_AUTH request stays unanswered */
    FZ_CHECK(mk_keys_export(&w.ike, &keys));
    FZ_CHECK(fz_sk_keys(&w.cfg, &keys, 1, &rk));
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

    memcpy(spi_r, keys.spi_r, 8);
    if (ctl & 8)
        spi_r[7] ^= 1;
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    size_t n = fz_seal_msg(buf, sizeof(buf), keys.spi_i, spi_r,
                           (ctl & 2) ? MK_EX_INFORMATIONAL : MK_EX_IKE_AUTH,
                           (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, (ctl & 1) ? 0 : 1, &rk, &env, first,
                           data, size);
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
        mk_esp_sa child;
        if (mk_child(&w.ike, &child))
            FZ_EAT(child.spi_out);
        FZ_EAT(w.ike.st);
    }
    free(d);
    return 0;
}
