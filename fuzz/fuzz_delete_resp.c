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

static fz_snap s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        FZ_CHECK(fz_world_start(&s.w));
        FZ_CHECK(fz_world_run(&s.w, MK_ST_ESTABLISHED));
        FZ_CHECK(mk_delete(&s.w.ike, FZ_NOW_MS) == MK_E_OK);
        FZ_CHECK(mk_state_get(&s.w.ike) == MK_ST_DELETE_SENT);
        fz_snap_take(&s); /* our Delete stays unanswered */
        ready = 1;
    }
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    uint32_t msgid = s.snap.req_msgid - ((ctl & 1) ? 1u : 0u);
    if (ctl & 4)
        msgid = 0; /* the responder's own first request */
    mk_err e = fz_snap_feed(&s, (ctl & 2) ? MK_EX_CREATE_CHILD_SA : MK_EX_INFORMATIONAL,
                            (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, msgid, ctl & 8, first, data, size);
    if (e == MK_E_OK) {
        mk_state st = mk_state_get(&s.w.ike);
        FZ_CHECK(st == MK_ST_CLOSED || st == MK_ST_DELETE_SENT);
        const uint8_t *out;
        uint16_t p;
        size_t on = mk_tx_peek(&s.w.ike, &out, &p);
        fz_eat(out, on ? 1 : 0);
    }
    return 0;
}
