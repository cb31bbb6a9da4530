/* SPDX-License-Identifier: MIT */
/*
 * initiator_delete: our own Delete of the IKE SA (RFC 7815 App. B.1), an extension the minimal
 * profile leaves out (MK_DELETE, ref/src/sources.txt). Kivinen's text that became RFC 7815
 * ("IKEv2 and Smart Objects", IETF smart object workshop slides) leaves it out of the minimal
 * implementation:
 *   "This means that most optional features of IKEv2 are left out: NAT Traversal, IKE SA rekey,
 *   Child SA Rekey, Multiple Child SAs, Deleting Child / IKE SAs, Configuration payloads, EAP
 *   authentication etc"
 * RFC 7815 (Section 1) keeps deleting Child / IKE SAs in that list and offers the IKE SA Delete
 * only among its optional features (Appendix B.1); the RFC's own sentence was not at hand here
 * (/work/shared/reference/ikev2-notes.md §1.1 has the list). A device may simply stop talking
 * and let the responder's liveness check reap the SA. Answering the PEER's Delete is not
 * optional (RFC 7296 §1.4.1) and stays in the core (initiator_peer_req.c).
 * mk_delete sends INFORMATIONAL SK{D(IKE)} as Message ID 2 and retransmits it until answered;
 * the answer closes the SA. The dispatch rows for MK_ST_DELETE_SENT are in initiator.c.
 */
#include "initiator_int.h"

/* sources.txt leaves this file out of the core when MK_DELETE is off; the guard keeps mk_delete
 * out of mk_extra (minike.h does not declare it then) and out of a build that compiles every
 * ref/src file into one archive (fuzz/oss-fuzz/build.sh). */
#if MK_DELETE

mk_err mk_ini_on_delete_resp(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    mk_chain in;
    (void)now;

    if (!m->has_sk)
        return MK_E_UNEXPECTED_MSG; /* nothing written yet, nothing to wipe */
    /* RFC 7296 §3.14: verify the ICV before anything else */
    mk_err e = mk_ini_open(ike, m, &in);
    if (e == MK_E_OK) {
        /* RFC 7815 App. B.1: the answer to our Delete closes the IKE SA */
        mk_ini_wipe_secrets(ike);
        mk_ini_tx(ike, MK_INI_TX_NONE);
        mk_ini_set_state(ike, MK_ST_CLOSED);
    }
    mk_wipe(ike->sk_plain, m->len); /* on every path; the plaintext is shorter than the message */
    return e;
}

mk_err mk_delete(mk_ike *ike, uint64_t now_ms)
{
    uint8_t inner[32];
    size_t slot, at;
    mk_err e = MK_E_OK;

    if (ike->cfg == NULL || ike->st != MK_ST_ESTABLISHED)
        return MK_E_BAD_STATE;
    mk_wr w = mk_ini_inner_init(inner, sizeof inner, &slot);
    /* RFC 7296 §3.11: deleting the IKE SA: protocol 1, SPI size 0, no SPIs */
    at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
    mk_wr_u32(&w, (uint32_t)MK_PROTO_IKE << 24); /* Protocol ID | SPI Size 0 | # of SPIs 0 */
    mk_pl_end(&w, at);
    if (w.err != MK_E_OK)
        return mk_ini_fail(ike, w.err);
    /* RFC 7815 App. B.1: INFORMATIONAL, Message ID 2 (after IKE_SA_INIT 0 and IKE_AUTH 1) */
    size_t len = mk_ini_seal(ike, MK_EX_INFORMATIONAL, 0, 2, inner, w.off, mk_ini_req_buf(ike),
                             MK_MAX_REQ, &e);
    if (e != MK_E_OK)
        return mk_ini_fail(ike, e);
    mk_ini_send_req(ike, len, 2, MK_EX_INFORMATIONAL, now_ms, inner, w.off);
    mk_ini_set_state(ike, MK_ST_DELETE_SENT);
    return MK_E_OK;
}

#endif
