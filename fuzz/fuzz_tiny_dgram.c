/* SPDX-License-Identifier: MIT */
/* Target: mt_on_dgram of the template core (ref/tiny) in MT_ST_INIT_SENT, MT_ST_AUTH_SENT and
 * MT_ST_ESTABLISHED (the IKE_SA_INIT response, the IKE_AUTH response after in-place decryption,
 * the peer's INFORMATIONAL / CREATE_CHILD_SA requests and the answer cache) */
/*
 * The tiny initiator and the in-process responder run the deterministic exchange of
 * fuzz_tiny.h once; the mt_ike is snapshot in each state and restored for every input.
 * Input: [state][ctl][...] as fuzz_tiny.h describes: a raw datagram in INIT_SENT, the inner
 * plaintext of a message sealed with the responder's keys in the protected states.
 * Invariants (minike_tiny.h): a DROP leaves the mt_ike bitwise identical but `stats`; a FATAL is
 * sticky, leaves MT_ST_FAILED (MT_ST_CLOSED for PEER_DELETED) and zero secrets (dh_priv .. sk_er,
 * the AUTH state, the child keys); a datagram never gets a USAGE error; the datagram is handed
 * over in a heap buffer of exactly its size, so ASan sees any read or write past it. An accepted
 * request in ESTABLISHED is answered, and the answer opens with SK_ei. In a sequence, each step
 * is checked against the state before it, and a timer call either retransmits the same octets
 * with a later deadline or ends the exchange (TIMEOUT or the remembered refusal), wiped.
 */
#include "fuzz_tiny.h"

/* one set of snapshots per configuration (fuzz_tiny.h), and the one this input uses */
static fzt_snaps snaps[FZT_N_CFG], *sp = &snaps[0];

/* After mt_on_timer: OK (a retransmission of the same octets, or nothing yet) or the end of
 * the exchange (TIMEOUT, or the remembered unprotected refusal), sticky and wiped. */
static void check_after_timer(const mt_ike *before, const mt_ike *after, mt_err e)
{
    FZ_CHECK(mt_err_class(e) == MT_CLASS_NONE || mt_err_class(e) == MT_CLASS_FATAL);
    if (mt_err_class(e) == MT_CLASS_FATAL) {
        FZ_CHECK(mt_last_error(after) == e && mt_state_get(after) == MT_ST_FAILED);
        FZ_CHECK(before->st == MT_ST_FAILED || e == MT_E_TIMEOUT ||
                 e == before->stats.unauth_reason);
        fzt_check_wiped(after);
    } else if (after->req_outstanding) {
        /* RFC 7296 §2.1: retransmissions are bitwise identical */
        FZ_CHECK(after->req_len == before->req_len &&
                 memcmp(after->req, before->req, after->req_len) == 0);
        FZ_CHECK(mt_deadline(after) > mt_deadline(before) || mt_deadline(before) == UINT64_MAX);
    }
}

/* A sequence (fuzz_tiny.h): records fed one after the other to one restored snapshot. */
static void run_seq(int which, const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    static mt_ike before;
    const uint8_t *rec;
    size_t rl;
    uint64_t now = FZ_NOW_MS + 10;
    memcpy(&sp->w.ike, &sp->snap[which], sizeof(mt_ike));
    sp->w.rng_i.s = sp->rng[which];
    for (int r = 0; r < FZT_MAX_RECS && fzt_next_rec(&data, &size, &rec, &rl); r++) {
        before = sp->w.ike;
        if (rl == 0) {
            uint64_t dl = mt_deadline(&sp->w.ike);
            if (dl != UINT64_MAX)
                now = dl;
            mt_err e = mt_on_timer(&sp->w.ike, now);
            check_after_timer(&before, &sp->w.ike, e);
        } else {
            size_t n;
            if (!fzt_build(buf, sizeof(buf), &n, fzt_kind((int)mt_state_get(&sp->w.ike)),
                           sp->snap[FZT_INIT_SENT].spi_i, &sp->keys, rec, rl))
                continue;
            uint8_t *d = (uint8_t *)malloc(n + 1);
            FZ_CHECK(d != NULL);
            if (n)
                memcpy(d, buf, n);
            mt_err e = mt_on_dgram(&sp->w.ike, d, n, now);
            fzt_check_after_dgram(&before, &sp->w.ike, e);
            free(d);
        }
        mt_tx_done(&sp->w.ike);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512], plain[MK_MAX_MSG + 512];
    static int ready;
    static mk_msg m;
    static mk_chain inner;
    if (!ready) {
        for (int v = 0; v < FZT_N_CFG; v++)
            fzt_snaps_setup(&snaps[v], v);
        ready = 1;
    }
    int which = fzt_which(data, size);
    sp = &snaps[fzt_variant(data, size)];
    if (size > 0 && (data[0] & 0x80)) {
        run_seq(which, data + 1, size - 1);
        return 0;
    }
    uint8_t ctl = size > 1 ? data[1] : 0;
    (void)fz_take8(&data, &size);
    size_t n;
    if (!fzt_build(buf, sizeof(buf), &n, which, sp->snap[FZT_INIT_SENT].spi_i, &sp->keys, data,
                   size))
        return 0; /* did not fit a message */
    mt_err e = fzt_feed(sp, which, buf, n);
    if (e == MT_E_OK && which >= FZT_ESTABLISHED && !(ctl & 0x48)) {
        /* RFC 7296 §2: a request gets a response; ours parses and opens with SK_ei */
        const uint8_t *out;
        mk_sk_keys ik = {&mk_encr_chacha20poly1305, NULL, sp->keys.sk_ei, NULL};
        size_t an = mt_tx(&sp->w.ike, &out);
        FZ_CHECK(an > 0);
        memset(&m, 0, sizeof(m));
        FZ_CHECK(mk_msg_parse(&m, out, an) == MK_E_OK);
        FZ_CHECK(m.has_sk && (m.hdr.flags & MK_HDR_F_RESPONSE));
        FZ_CHECK(m.hdr.msgid == (uint32_t)((ctl >> 1) & 3));
        memset(&inner, 0, sizeof(inner));
        FZ_CHECK(mk_sk_open(&m, &ik, plain, sizeof(plain), &inner) == MK_E_OK);
        fz_decode_chain(&inner, plain, sizeof(plain));
    }
    if (e == MT_E_OK && mt_state_get(&sp->w.ike) == MT_ST_ESTABLISHED) {
        mt_esp_sa child;
        FZ_CHECK(mt_child(&sp->w.ike, &child));
        FZ_EAT(child.spi_out);
    }
    uint64_t dl = mt_deadline(&sp->w.ike);
    FZ_EAT(dl);
    return 0;
}
