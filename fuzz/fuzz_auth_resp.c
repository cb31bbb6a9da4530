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

static fz_snap s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        FZ_CHECK(fz_world_start(&s.w));
        FZ_CHECK(fz_world_run(&s.w, MK_ST_AUTH_SENT)); /* its IKE_AUTH request stays unanswered */
        fz_snap_take(&s);
        ready = 1;
    }
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    mk_err e = fz_snap_feed(&s, (ctl & 2) ? MK_EX_INFORMATIONAL : MK_EX_IKE_AUTH,
                            (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, (ctl & 1) ? 0 : 1, ctl & 8, first,
                            data, size);
    if (e == MK_E_OK) {
        mk_esp_sa child;
        if (mk_child(&s.w.ike, &child))
            FZ_EAT(child.spi_out);
        FZ_EAT(s.w.ike.st);
    }
    return 0;
}
