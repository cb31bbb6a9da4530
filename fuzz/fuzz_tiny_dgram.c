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
 * request in ESTABLISHED is answered, and the answer opens with SK_ei.
 */
#include "fuzz_tiny.h"

static fzt_snaps s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512], plain[MK_MAX_MSG + 512];
    static int ready;
    static mk_msg m;
    static mk_chain inner;
    if (!ready) {
        fzt_snaps_setup(&s);
        ready = 1;
    }
    int which = fzt_which(data, size);
    uint8_t ctl = size > 1 ? data[1] : 0;
    (void)fz_take8(&data, &size);
    size_t n;
    if (!fzt_build(buf, sizeof(buf), &n, which, s.snap[FZT_INIT_SENT].spi_i, &s.keys, data, size))
        return 0; /* did not fit a message */
    mt_err e = fzt_feed(&s, which, buf, n);
    if (e == MT_E_OK && which >= FZT_ESTABLISHED && !(ctl & 0x48)) {
        /* RFC 7296 §2: a request gets a response; ours parses and opens with SK_ei */
        const uint8_t *out;
        mk_sk_keys ik = {&mk_encr_chacha20poly1305, NULL, s.keys.sk_ei, NULL};
        size_t an = mt_tx(&s.w.ike, &out);
        FZ_CHECK(an > 0);
        memset(&m, 0, sizeof(m));
        FZ_CHECK(mk_msg_parse(&m, out, an) == MK_E_OK);
        FZ_CHECK(m.has_sk && (m.hdr.flags & MK_HDR_F_RESPONSE));
        FZ_CHECK(m.hdr.msgid == (uint32_t)((ctl >> 1) & 3));
        memset(&inner, 0, sizeof(inner));
        FZ_CHECK(mk_sk_open(&m, &ik, plain, sizeof(plain), &inner) == MK_E_OK);
        fz_decode_chain(&inner, plain, sizeof(plain));
    }
    if (e == MT_E_OK && mt_state_get(&s.w.ike) == MT_ST_ESTABLISHED) {
        mt_esp_sa child;
        FZ_CHECK(mt_child(&s.w.ike, &child));
        FZ_EAT(child.spi_out);
    }
    uint64_t dl = mt_deadline(&s.w.ike);
    FZ_EAT(dl);
    return 0;
}
