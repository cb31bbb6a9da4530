/* SPDX-License-Identifier: MIT */
/*
 * initiator_peer_req: life after IKE_AUTH, the helpers of the spine's last step (handshake.c,
 * mk_ini_on_peer_req). Requests from the peer on the established SA get the minimal answers
 * RFC 7815 §2.1 asks for (empty INFORMATIONAL, CREATE_CHILD_SA refused with
 * NO_ADDITIONAL_SAS, an unknown critical payload reported with UNSUPPORTED_CRITICAL_PAYLOAD),
 * and a Delete of the IKE SA from the peer closes it (our own Delete is initiator_delete.c,
 * MK_DELETE). The last answer is cached and a retransmitted request gets it again, octet for
 * octet; an older request is dropped (see mk_ini_peer_req_window). Nothing is answered before the
 * request's ICV verified, and a request that fails it changes nothing.
 */
#include <string.h>

#include "initiator_int.h"

/* A Delete payload for the IKE SA in the chain? RFC 7296 §3.11: Protocol ID 1 (IKE), SPI Size
 * 0 ("MUST be zero for IKE"), so the body is those 4 octets and nothing else; a "# of SPIs"
 * above MK_MAX_DELETE_SPIS is refused as mk_pl_decode_delete (msg_tools.c) refuses it. Any other
 * Delete, well formed or not, does not delete the IKE SA: its request still gets SK{}. */
bool mk_ini_deletes_ike_sa(const mk_chain *in)
{
    for (size_t i = 0; i < in->n; i++) {
        if (in->pl[i].type != MK_PT_DELETE)
            continue;
        mk_rd r = mk_rd_init(in->pl[i].body, in->pl[i].len);
        uint32_t v = mk_rd_u32(&r); /* Protocol ID | SPI Size | # of SPIs */
        if (mk_rd_end(&r) && (v >> 16) == MK_PROTO_IKE << 8 && (v & 0xffff) <= MK_MAX_DELETE_SPIS)
            return true;
    }
    return false;
}

/* Seal HDR | SK{inner} straight into the answer cache ike->peer_resp (after the non-ESP marker
 * on 4500), which the transmit slot then shows; no message-sized copy sits on the stack. The
 * previous answer is overwritten: with a window of 1 only the last one is ever resent. */
size_t mk_ini_seal_answer(mk_ike *ike, const mk_msg *m, const uint8_t *inner, size_t inner_off,
                          mk_err *e)
{
    size_t off = ike->on_4500 ? MK_NATT_MARKER : 0;
    /* RFC 7296 §2.2/§3.1: the response copies the request's Message ID and sets R; the I flag
     * stays set because we are the original initiator (RFC 7815 §2.2) */
    size_t len = mk_ini_seal(ike, m->hdr.exchange, MK_HDR_F_RESPONSE, m->hdr.msgid, inner,
                             inner_off, ike->peer_resp + off, sizeof ike->peer_resp - off, e);
    if (*e != MK_E_OK) {
        /* the cache was overwritten: nothing half-built may be resent */
        mk_wipe(ike->peer_resp, sizeof ike->peer_resp);
        ike->peer_resp_len = 0;
        *e = mk_ini_after_commit(*e);
        return 0;
    }
    /* RFC 3948 §2.2: IKE on UDP 4500 is preceded by four zero octets */
    memset(ike->peer_resp, 0, off);
    ike->peer_resp_len = (uint8_t)(len + off);
    ike->peer_resp_port = ike->on_4500 ? MK_PORT_NATT : MK_PORT_IKE;
    ike->peer_resp_msgid = m->hdr.msgid;
    mk_ini_tx(ike, MK_INI_TX_RESP);
    mk_ini_trace_tx(ike, ike->peer_resp + off, len, inner, inner_off);
    return len;
}

/* Our window for the peer's requests is 1 (we never send SET_WINDOW_SIZE, RFC 7296 §2.3), so
 * only the last answer need be kept. RFC 7815 §2.1 lets a minimal initiator skip Message ID
 * tracking of incoming requests (its answers have no side effect), but RFC 7296 governs where
 * the two differ, and it rules out what that saves, a fresh seal (new IV) per retransmission:
 *   RFC 7296 §2.1: "The responder MUST never retransmit a response unless it receives a
 *   retransmission of the request.  In that event, the responder MUST ignore the retransmitted
 *   request except insofar as it causes a retransmission of the response."
 *   RFC 7296 §2.1: "The responder MUST remember each response until it receives a request whose
 *   sequence number is larger than or equal to the sequence number in the response plus its
 *   window size"
 *   RFC 7296 §2.1: "If the responder receives a retransmitted request for which it has already
 *   forgotten the response, it MUST ignore the request (and not, for example, attempt
 *   constructing a new response)."
 * So a request older than the last one answered (outside the window of 1, its answer forgotten)
 * is dropped unopened and counted (stats.old_requests); the last one again gets the cached
 * octets (stats.resent_responses). Returns OK for a new request, OLD_REQUEST for an old one,
 * and WRONG_MSGID (used here for "the same as the last one") for a retransmission, which the
 * caller answers from the cache once its ICV verified. */
mk_err mk_ini_peer_req_window(const mk_ike *ike, uint32_t msgid)
{
    if (ike->peer_resp_len == 0)
        return MK_E_OK; /* nothing answered yet: any Message ID is new */
    if (msgid == ike->peer_resp_msgid)
        return MK_E_WRONG_MSGID;
    /* serial-number order (RFC 1982 style), so the window survives 2^32 wrap-around */
    if ((uint32_t)(ike->peer_resp_msgid - msgid) < 0x80000000u)
        return MK_E_OLD_REQUEST;
    return MK_E_OK;
}
