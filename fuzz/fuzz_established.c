/* SPDX-License-Identifier: MIT */
/* Target: mk_on_dgram in MK_ST_ESTABLISHED (peer-initiated INFORMATIONAL and CREATE_CHILD_SA
 * requests: liveness, Delete, unknown critical payloads; the minimal answers of RFC 7815 §2.1) */
/*
 * The deterministic exchange of fuzz_ike.h runs to ESTABLISHED; the state is snapshot once.
 * Input: [ctl][first inner payload type][inner plaintext], sealed as a request from the
 * responder with SK_er/SK_ar. ctl 0 = INFORMATIONAL request with message ID 0. bit 0:
 * CREATE_CHILD_SA; bits 1-2: message ID (0..3); bit 3: Response flag; bit 4: Initiator flag.
 * Invariants: DROP changes nothing but stats; FATAL wipes; a request we accepted is answered
 * with a message that parses and opens with the initiator's keys (SK_ei/SK_ai).
 */
#include <stdlib.h>

#include "fuzz_ike.h"

static fz_world w;
static mk_ike snap;
static uint64_t snap_rng;
static mk_ike_keys keys;
static mk_sk_keys rk, ik;

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    FZ_CHECK(fz_world_start(&w));
    FZ_CHECK(fz_world_run(&w, MK_ST_ESTABLISHED));
    mk_tx_done(&w.ike);
    FZ_CHECK(mk_keys_export(&w.ike, &keys));
    FZ_CHECK(fz_sk_keys(&w.cfg, &keys, 1, &rk));
    FZ_CHECK(fz_sk_keys(&w.cfg, &keys, 0, &ik));
    mk_peer_free(w.peer);
    w.peer = NULL;
    snap = w.ike;
    snap_rng = w.rng_i.s;
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512], plain[MK_MAX_MSG];
    static mk_msg m;
    static mk_chain inner;
    setup();
    uint8_t ctl = fz_take8(&data, &size);
    uint8_t first = fz_take8(&data, &size);
    uint8_t flags = (uint8_t)(((ctl & 8) ? MK_HDR_F_RESPONSE : 0) |
                              ((ctl & 16) ? MK_HDR_F_INITIATOR : 0));
    fz_rng rng;
    mk_env env;

    fz_env_init(&env, &rng, FZ_SEED_PEER);
    size_t n = fz_seal_msg(buf, sizeof(buf), keys.spi_i, keys.spi_r,
                           (ctl & 1) ? MK_EX_CREATE_CHILD_SA : MK_EX_INFORMATIONAL, flags,
                           (uint32_t)((ctl >> 1) & 3), &rk, &env, first, data, size);
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
    if (e == MK_E_OK && !(ctl & 8)) {
        /* RFC 7296 §2: every request gets a response; ours must be well formed. */
        const uint8_t *out;
        uint16_t aport;
        size_t an = mk_tx_peek(&w.ike, &out, &aport);
        FZ_CHECK(an > 0 && aport == port);
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
        FZ_CHECK(mk_sk_open(&m, &ik, plain, sizeof(plain), &inner) == MK_E_OK);
        fz_decode_chain(&inner, plain, sizeof(plain));
    }
    free(d);
    return 0;
}
