/* SPDX-License-Identifier: MIT */
/* Target: mk_on_timer and mk_deadline (RFC 7296 §2.1 / §2.4 retransmission and give-up) in
 * INIT_SENT, AUTH_SENT and (with MK_DELETE) DELETE_SENT, interleaved with datagrams that must be
 * dropped */
/*
 * Three snapshots (two without MK_DELETE) of the deterministic exchange of fuzz_ike.h, each with
 * its request just sent (its bytes kept). Input: [state][op, a, b]...: state mod N_SNAP picks the
 * snapshot; each op
 * mod 4: 0 timer at now + (a<<8|b) ms (now advances), 1 timer at a time before now (must do
 * nothing), 2 timer exactly at mk_deadline(), 3 a datagram of the next up to 64 input octets
 * (as garbage, it must be a DROP and change nothing but stats; a COOKIE or INVALID_KE answer it
 * accepts replaces the request). Invariants: every datagram the timer queues is bitwise the
 * outstanding request; unless FAILED the next deadline lies after now (no busy loop) and no
 * later than the budget; FAILED only through TIMEOUT (in INIT_SENT: or the error a dropped
 * unprotected answer would have caused, RFC 7296 §2.21.1), sticky, with the secrets wiped; the
 * retransmission count stays under what the budget allows.
 */
#include <stdlib.h>

#include "fuzz_ike.h"

/* DELETE_SENT only where our own Delete is built (MK_DELETE) */
enum { N_SNAP = 2 + MK_DELETE };
static fz_world w;
static mk_ike snap[N_SNAP];
static uint64_t snap_rng[N_SNAP];
static uint8_t req[N_SNAP][MK_MAX_MSG + MK_NATT_MARKER];
static size_t req_len[N_SNAP];
/* The request retransmissions must repeat: req[k], or the new IKE_SA_INIT request an accepted
 * COOKIE or INVALID_KE answer made the initiator send (RFC 7296 §2.6, §1.2) */
static uint8_t cur[MK_MAX_MSG + MK_NATT_MARKER];
static size_t cur_len;

static void take_req(int k)
{
    const uint8_t *out;
    uint16_t port;
    req_len[k] = mk_tx_peek(&w.ike, &out, &port);
    FZ_CHECK(req_len[k] > 0);
    memcpy(req[k], out, req_len[k]);
    mk_tx_done(&w.ike);
    snap[k] = w.ike;
    snap_rng[k] = w.rng_i.s;
}

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    FZ_CHECK(fz_world_start(&w));
    take_req(0); /* INIT_SENT */
    mk_peer_free(w.peer);
    FZ_CHECK(fz_world_start(&w));
    FZ_CHECK(fz_world_run(&w, MK_ST_AUTH_SENT));
    take_req(1); /* AUTH_SENT */
    mk_peer_free(w.peer);
#if MK_DELETE
    FZ_CHECK(fz_world_start(&w));
    FZ_CHECK(fz_world_run(&w, MK_ST_ESTABLISHED));
    FZ_CHECK(mk_delete(&w.ike, FZ_NOW_MS) == MK_E_OK);
    take_req(2); /* DELETE_SENT */
    mk_peer_free(w.peer);
#endif
    w.peer = NULL;
    ready = 1;
}

static void check_timer(int k, mk_err e, uint64_t now, mk_state st_before)
{
    const mk_ike *ike = &w.ike;
    const uint8_t *out;
    uint16_t port;
    size_t n = mk_tx_peek(ike, &out, &port);
    if (n != 0) {
        FZ_CHECK(n == cur_len && memcmp(out, cur, n) == 0);
        mk_tx_done(&w.ike);
    }
    if (mk_state_get(ike) == MK_ST_FAILED) {
        /* minike.h: in INIT_SENT an unprotected answer that would have failed the exchange
         * (RFC 7296 §2.21.1) is remembered, and the timeout reports it instead of TIMEOUT */
        mk_err want = (k == 0 && ike->stats.unauth_reason != MK_E_OK) ? ike->stats.unauth_reason
                                                                      : MK_E_TIMEOUT;
        FZ_CHECK(st_before == MK_ST_FAILED || e == want);
        FZ_CHECK(mk_last_error(ike) == want);
        FZ_CHECK(mk_deadline(ike) == UINT64_MAX);
        FZ_CHECK(fz_all_zero(ike->sk_d, sizeof(ike->sk_d)));
        FZ_CHECK(fz_all_zero(ike->dh_priv, sizeof(ike->dh_priv)));
        return;
    }
    FZ_CHECK(e == MK_E_OK);
    uint64_t dl = mk_deadline(ike);
    FZ_CHECK(dl > now);
    FZ_CHECK(dl <= ike->req_first_ms + w.cfg.total_ms);
    /* doubling from rto_ms, capped: at most total/rto + 6 sends fit in the budget (of each
     * request: a COOKIE or INVALID_KE retry starts a new one) */
    FZ_CHECK(ike->stats.retransmits <=
             (w.cfg.total_ms / w.cfg.rto_ms + 6) * (1u + ike->init_retries));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    int k = fz_take8(&data, &size) % N_SNAP;
    memcpy(&w.ike, &snap[k], sizeof(snap[k]));
    w.rng_i.s = snap_rng[k];
    memcpy(cur, req[k], req_len[k]);
    cur_len = req_len[k];
    uint64_t now = FZ_NOW_MS;
    for (int step = 0; step < 64 && size > 0; step++) {
        uint8_t op = fz_take8(&data, &size) & 3;
        uint8_t a = fz_take8(&data, &size), b = fz_take8(&data, &size);
        mk_state st = mk_state_get(&w.ike);
        if (op == 3) {
            static mk_ike before;
            size_t n = size < 64 ? size : 64;
            uint8_t *d = malloc(n + 1);
            FZ_CHECK(d != NULL);
            memcpy(d, data, n);
            data += n;
            size -= n;
            memcpy(&before, &w.ike, sizeof before);
            mk_err e = mk_on_dgram(&w.ike, d, n, MK_PORT_IKE, now);
            free(d);
            if (st != MK_ST_FAILED && n < MK_HDR_LEN)
                FZ_CHECK(mk_err_class(e) == MK_CLASS_DROP);
            fz_check_after_dgram(&before, &w.ike, e);
            if (mk_state_get(&w.ike) != st)
                return 0; /* garbage that parsed as an answer: not this target's business */
            const uint8_t *out;
            uint16_t port;
            if (e == MK_E_OK && (n = mk_tx_peek(&w.ike, &out, &port)) != 0) {
                memcpy(cur, out, n); /* a COOKIE or INVALID_KE retry: the new request */
                cur_len = n;
                mk_tx_done(&w.ike);
            }
            continue;
        }
        uint64_t t = now;
        if (op == 0)
            t = now + ((uint64_t)a << 8 | b);
        else if (op == 1)
            t = now - ((uint64_t)a << 8 | b) % (now - FZ_NOW_MS + 1);
        else if (mk_deadline(&w.ike) != UINT64_MAX)
            t = mk_deadline(&w.ike);
        if (op == 1) {
            static mk_ike before;
            memcpy(&before, &w.ike, sizeof before);
            mk_err e = mk_on_timer(&w.ike, t);
            if (st != MK_ST_FAILED) {
                /* an early call does nothing (a timer in the past of the last one) */
                FZ_CHECK(e == MK_E_OK || t >= before.req_next_ms);
            }
            check_timer(k, e, now, st);
            continue;
        }
        mk_err e = mk_on_timer(&w.ike, t);
        now = t;
        check_timer(k, e, now, st);
    }
    return 0;
}
