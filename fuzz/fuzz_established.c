/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_ESTABLISHED (peer-initiated INFORMATIONAL and CREATE_CHILD_SA
 * requests: liveness, Delete, unknown critical payloads; the minimal answers of RFC 7815 §2.1) */
/*
 * The deterministic exchange of fuzz_ike.h runs to ESTABLISHED; the state is snapshot once.
 * Input: [ctl][first inner payload type][inner plaintext], sealed as a request from the
 * responder with SK_er/SK_ar. ctl 0 = INFORMATIONAL request with message ID 0. bit 0:
 * CREATE_CHILD_SA; bits 1-2: message ID (0..3); bit 3: Response flag; bit 4: Initiator flag;
 * bit 5: start from the snapshot that has already answered a liveness check with message ID 2
 * (so ID 2 again gets the cached answer resent, RFC 7296 §2.1, and 0 or 1 is an old request).
 * Invariants: DROP changes nothing but stats; FATAL wipes; a request we accepted is answered
 * with a message that parses and opens with the initiator's keys (SK_ei/SK_ai).
 */
#include <stdlib.h>

#include "fuzz_ike.h"

static fz_snap s, s2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t plain[MK_MAX_MSG];
    static mk_msg m;
    static mk_chain inner;
    static int ready;
    if (!ready) {
        FZ_CHECK(fz_world_start(&s.w));
        FZ_CHECK(fz_world_run(&s.w, MK_ST_ESTABLISHED));
        fz_snap_take(&s);
        s2 = s; /* answers an empty INFORMATIONAL request (liveness) with message ID 2 */
        FZ_CHECK(fz_snap_feed(&s2, MK_EX_INFORMATIONAL, 0, 2, 0, MK_PT_NONE, NULL, 0) == MK_E_OK);
        mk_tx_done(&s2.w.ike);
        s2.snap = s2.w.ike;
        s2.snap_rng = s2.w.rng_i.s;
        ready = 1;
    }
    fz_snap *sn = (size > 0 && (data[0] & 0x20)) ? &s2 : &s;
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    uint8_t flags =
        (uint8_t)(((ctl & 8) ? MK_HDR_F_RESPONSE : 0) | ((ctl & 16) ? MK_HDR_F_INITIATOR : 0));
    mk_err e = fz_snap_feed(sn, (ctl & 1) ? MK_EX_CREATE_CHILD_SA : MK_EX_INFORMATIONAL, flags,
                            (uint32_t)((ctl >> 1) & 3), 0, first, data, size);
    if (e == MK_E_OK && !(ctl & 8)) {
        /* RFC 7296 §2: every request gets a response; ours must be well formed. */
        const uint8_t *out;
        uint16_t aport;
        size_t an = mk_tx_peek(&sn->w.ike, &out, &aport);
        FZ_CHECK(an > 0 && aport == fz_snap_port(sn));
        if (aport == MK_PORT_NATT) {
            FZ_CHECK(an > MK_NATT_MARKER && fz_all_zero(out, MK_NATT_MARKER));
            out += MK_NATT_MARKER;
            an -= MK_NATT_MARKER;
        }
        memset(&m, 0, sizeof(m));
        FZ_CHECK(mk_msg_parse(&m, out, an) == MK_E_OK);
        FZ_CHECK(m.has_sk && (m.hdr.flags & MK_HDR_F_RESPONSE));
        FZ_CHECK(m.hdr.msgid == (uint32_t)((ctl >> 1) & 3));
        memset(&inner, 0, sizeof(inner));
        FZ_CHECK(mk_sk_open(&m, &sn->ik, plain, sizeof(plain), &inner) == MK_E_OK);
        fz_decode_chain(&inner, plain, sizeof(plain));
    }
    return 0;
}
