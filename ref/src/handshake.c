/* SPDX-License-Identifier: MIT */
/*
 * handshake: the spine. RFC 7815's exchange, top to bottom in the order the messages travel:
 *
 *   1. send IKE_SA_INIT     HDR, SAi1, KEi, Ni                          (mk_ini_build_init)
 *   2. take its response    HDR, SAr1, KEr, Nr                          (mk_ini_on_init_resp)
 *   3. send IKE_AUTH        HDR, SK {IDi, [IDr,] AUTH, SAi2, TSi, TSr}  (mk_ini_build_auth)
 *   4. take its response    HDR, SK {IDr, AUTH, SAr2, TSi, TSr}         (mk_ini_on_auth_resp)
 *   5. established: answer the peer's requests                          (mk_ini_on_peer_req)
 *
 * Each step quotes the RFC sentence it implements. The spine needs only the wire reader/writer
 * (wire.h), the payload codec (msg.h), the SK payload (sk.h), the key schedule (keysched.h) and
 * one AEAD, one DH and one PRF class (suite.h). Everything else plugs in at the extension points
 * of initiator_int.h (mk_ini_ext): COOKIE and INVALID_KE retries (ext_retry.c), NAT-T
 * (ext_natt.c), raw public keys (initiator_rpk.c); CBC+HMAC and the mbedTLS suites come in as
 * crypto classes through mk_suites; Delete is mk_delete() (initiator_delete.c, MK_DELETE). State,
 * error and the transmit slot are written only through initiator.c (mk_ini_set_state, mk_ini_fail,
 * mk_ini_send_req, mk_ini_seal_answer). Handlers validate into locals first and commit last:
 * a DROP leaves the SA as it was.
 */
#include <stddef.h>
#include <string.h>

#include "initiator_int.h"

static const uint8_t zero_spi[8]; /* RFC 7296 §3.1: an SPI is never zero */

/* ==== 1. IKE_SA_INIT request ====================================================================
 * RFC 7296 §1.2: "The first exchange of an IKE session, IKE_SA_INIT, negotiates security
 * parameters for the IKE SA, sends nonces, and sends Diffie-Hellman values." */

/* RFC 7815 §2.1: "Minimal implementations only need to support the role of initiator, so it
 * typically only sends an IKE_SA_INIT request that, when answered, is followed by an IKE_AUTH." */
mk_err mk_ini_start_init(mk_ike *ike, uint64_t now)
{
    /* A fresh 64-bit random SPIi is what an off-path forger of an unprotected IKE_SA_INIT
     * answer would have to guess. RFC 7296 §3.1: the initiator's SPI MUST NOT be zero */
    ike->env->rng(ike->env->ctx, ike->spi_i, 8);
    if (memcmp(ike->spi_i, zero_spi, 8) == 0)
        ike->spi_i[7] = 1;
    /* RFC 7296 §2.10: "Nonces used in IKEv2 MUST be randomly chosen, MUST be at least 128 bits
     * in size, and MUST be at least half the key size of the negotiated pseudorandom function
     * (PRF)." (ni_len: see mk_init) */
    ike->env->rng(ike->env->ctx, ike->ni, ike->ni_len);
    /* KE for the first suite's group only: a responder that prefers another costs one
     * INVALID_KE_PAYLOAD round trip, a KE per group would cost a key pair each */
    mk_err e = mk_ini_new_keypair(ike, ike->cfg->ike[0].dh);
    return e != MK_E_OK ? e : mk_ini_build_init(ike, now);
}

mk_err mk_ini_build_init(mk_ike *ike, uint64_t now)
{
    /* capped below MK_MAX_MSG: as RealMessage1 it must leave room for NonceRData |
     * MACedIDForI behind it when a signature needs the octets whole */
    mk_wr w = mk_wr_init(mk_ini_req_buf(ike), MK_INI_MAX_INIT_REQ);
    size_t slot = 16, at; /* Next Payload of the IKE header */

    /* SPIr stays zero (RFC 7296 §3.1); RFC 7815 §2.1: "those messages have fixed Message IDs
     * (0 and 1)" */
    mk_ini_hdr(ike, &w, MK_PT_NONE, MK_EX_IKE_SA_INIT, 0, 0);
    for (const mk_ini_ext *const *x = mk_ini_exts; *x != NULL; x++)
        if ((*x)->init_first != NULL)
            (*x)->init_first(ike, &w, &slot); /* N(COOKIE) on a retry */
    /* one whole suite per proposal: the responder can pick only a tested combination */
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_sa_write_ike(&w, ike->cfg); /* sa.h: the SA payloads' extension point */
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, ike->dh, ike->dh_pub, ike->dh_pub_len);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_wr_bytes(&w, ike->ni, ike->ni_len); /* mk_init: 16..MK_NONCE_LEN octets (§3.9) */
    mk_pl_end(&w, at);
    for (const mk_ini_ext *const *x = mk_ini_exts; *x != NULL; x++)
        if ((*x)->init_last != NULL)
            (*x)->init_last(ike, &w, &slot); /* NAT_DETECTION_*, SIGNATURE_HASH_ALGORITHMS */
    mk_wr_patch32(&w, 24, 0); /* IKE header Length: the whole message, known only now */
    if (w.err == MK_E_OK)
        mk_ini_send_req(ike, w.off, 0, MK_EX_IKE_SA_INIT, now, NULL, 0);
    return w.err;
}

/* ==== 2. IKE_SA_INIT response ===================================================================
 * Unprotected: RFC 7296 §2.21.1, an answer that would end the exchange can be forged, so it is
 * dropped and remembered (mk_ini_remember), never acted on. */

/* What the responder's AUTH needs of RealMessage2 (RFC 7296 §2.15: "For the responder, the
 * octets to be signed start with the first octet of the first SPI in the header of the second
 * message (IKE_SA_INIT response) and end with the last octet of the last payload in the second
 * message."). PSK: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <ResponderSignedOctets>)
 * runs from here as the parts arrive (RealMessage2 and NonceIData now, MACedIDForR in step 4),
 * and the pad key is computed this once, for our own AUTH too. (Raw keys keep a copy.) */
static void keep_real_message2(mk_ike *ike, const mk_prf_class *prf, const mk_msg *m)
{
    if (mk_ini_auth_ext(ike->cfg) != NULL)
        return; /* the method's init_commit keeps what it needs */
    mk_ks_psk_padkey(prf, ike->cfg->psk, ike->cfg->psk_len, ike->peer_auth.psk.padkey);
    prf->init(ike->peer_auth.psk.auth_r, ike->peer_auth.psk.padkey, prf->out_len);
    prf->update(ike->peer_auth.psk.auth_r, m->dgram, m->len);
    prf->update(ike->peer_auth.psk.auth_r, ike->ni, ike->ni_len);
}

/* Validate the real answer into locals: its error notifies, SAr1 one of ours, KEr of the group
 * we sent, Nr long enough, extension payloads, and g^ir. DROP class errors only; nothing is
 * written but stats and g^ir in scratch (ike->init_keys, which the caller wipes). */
static mk_err init_resp_check(mk_ike *ike, const mk_msg *m, mk_ike_suite *sel, mk_ini_cls *cls,
                              const uint8_t **nr, uint16_t *nr_len, mk_ini_init_x *x)
{
    const mk_chain *c = &m->chain;
    const mk_pl *psa = mk_chain_find(c, MK_PT_SA), *pke = mk_chain_find(c, MK_PT_KE),
                *pn = mk_chain_find(c, MK_PT_NONCE);
    uint16_t refused = mk_chain_first_error(c);
    mk_ke ke;
    mk_err e;
    /* An error notify: note it and wait for a real answer or the timeout */
    if (refused != 0) {
        ike->stats.last_unauth_notify = refused;
        if (refused != MK_N_NO_PROPOSAL_CHOSEN)
            return MK_E_UNAUTH_NOTIFY;
        return mk_ini_remember(ike, MK_E_NO_PROPOSAL_CHOSEN, MK_E_UNAUTH_NOTIFY);
    }
    /* RFC 7296 §1.2: the response carries SAr1, KEr and Nr; RFC 7296 §3.1: SPIr non-zero */
    if (psa == NULL || pke == NULL || pn == NULL || memcmp(m->hdr.spi_r, zero_spi, 8) == 0)
        return MK_E_BAD_SYNTAX;
    /* RFC 7296 §2.5: "If the critical flag is set and the payload type is unrecognized, the
     * message MUST be rejected" (unprotected: rejecting it is dropping it) */
    if (c->unsupported_critical != 0)
        return MK_E_UNSUPPORTED_CRITICAL;
    /* RFC 7296 §2.21.1: a choice we did not offer would end the exchange; unprotected, so it
     * is remembered and dropped like an error notify (a malformed SAr1 is a plain DROP) */
    if ((e = mk_sa_take_ike(ike->cfg, psa->body, psa->len, sel)) == MK_E_BAD_PROPOSAL)
        return mk_ini_remember(ike, e, MK_E_UNAUTH_FAILURE);
    if (e != MK_E_OK || (e = mk_pl_decode_ke(&ke, pke->body, pke->len)) != MK_E_OK ||
        (e = mk_pl_decode_nonce(nr, nr_len, pn->body, pn->len)) != MK_E_OK)
        return e;
    for (const mk_ini_ext *const *xp = mk_ini_exts; *xp != NULL; xp++)
        if ((*xp)->init_check != NULL && (e = (*xp)->init_check(ike, c, x)) != MK_E_OK)
            return e;
    /* RFC 7296 §3.4: the KE's group MUST be the one of the chosen proposal (and ours) */
    if (sel->dh != ike->dh || ke.group != ike->dh)
        return mk_ini_remember(ike, MK_E_BAD_PROPOSAL, MK_E_UNAUTH_FAILURE);
    (void)mk_ini_ike_classes(ike->cfg->suites, sel, cls); /* one we offered: mk_init checked it */
    /* RFC 7296 §2.10: Nr at least half the PRF key size (16..256 checked by the decoder) */
    if (*nr_len < cls->prf->out_len / 2)
        return MK_E_BAD_SYNTAX;
    /* g^ir: the class checks the peer value (RFC 7296 §2.14; RFC 8031 §3.2 all-zero X25519) */
    e = cls->dh->shared(ike->dh_priv, ke.data, ke.len, ike->init_keys.gir);
    return e == MK_E_DH_ZERO ? mk_ini_remember(ike, e, MK_E_UNAUTH_FAILURE) : e; /* unprotected */
}

/* The answer: a retry (extension), forged errors, or the real one, which keys the SA and is
 * answered with IKE_AUTH (g^ir and SKEYSEED live in scratch and are gone before that). */
mk_err mk_ini_on_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    mk_ini_init_x x = {0};
    mk_ike_suite sel;
    mk_ini_cls cls;
    const uint8_t *nr;
    uint16_t nr_len;
    bool taken = false;
    mk_err e;
    /* COOKIE and INVALID_KE first: such a reply has SPIr = 0 and no SA, KE or Nonce */
    for (const mk_ini_ext *const *xp = mk_ini_exts; *xp != NULL && !taken; xp++)
        if ((*xp)->init_retry != NULL && (e = (*xp)->init_retry(ike, m, now, &taken), taken))
            return e;
    if ((e = init_resp_check(ike, m, &sel, &cls, &nr, &nr_len, &x)) == MK_E_OK) {
        /* SKEYSEED = prf(Ni | Nr, g^ir)  (RFC 7296 §2.14) */
        mk_ks_skeyseed(cls.prf, ike->ni, ike->ni_len, nr, nr_len, ike->init_keys.gir,
                       cls.dh->secret_len, ike->init_keys.skeyseed);
        /* ---- commit: nothing below can DROP (a failure is FATAL and wipes the SA) ---- */
        mk_ini_trace_msg(ike, MK_EV_RX, m->dgram, m->len, NULL);
        e = mk_ini_ike_keys(ike, &cls, ike->init_keys.skeyseed, nr, nr_len, m->hdr.spi_r);
    }
    mk_wipe(&ike->init_keys, sizeof ike->init_keys);
    if (e != MK_E_OK)
        return e;
    memcpy(ike->spi_r, m->hdr.spi_r, 8);
    ike->sel = sel;
    memcpy(ike->nr, nr, nr_len);
    ike->nr_len = nr_len;
    /* RealMessage1, the request that was answered (after any retry), stays in req */
    keep_real_message2(ike, cls.prf, m);
    mk_wipe(ike->dh_priv, sizeof ike->dh_priv);
    for (const mk_ini_ext *const *xp = mk_ini_exts; *xp != NULL; xp++)
        if ((*xp)->init_commit != NULL)
            (*xp)->init_commit(ike, m, &x); /* NAT-T: float to 4500; raw keys: hashes */
    /* IKE_AUTH becomes the outstanding request; if it cannot be sent, the SA fails */
    return mk_ini_after_commit(mk_ini_build_auth(ike, now));
}

/* ==== 3. IKE_AUTH request =======================================================================
 * RFC 7296 §1.2: "The second exchange, IKE_AUTH, transmits identities, proves knowledge of the
 * secrets corresponding to the two identities, and sets up an SA for the first (and often only)
 * AH or ESP Child SA". RFC 7296 §2.15: "The initiator signs the first message (IKE_SA_INIT
 * request), starting with the first octet of the first SPI in the header and ending with the
 * last octet of the last payload." */

/* Our AUTH over RealMessage1 (still in req) | NonceRData | MACedIDForI, into auth[]. */
static mk_err our_auth(mk_ike *ike, const uint8_t *idb, size_t idb_len, uint8_t *method,
                       uint8_t *auth, size_t *auth_len)
{
    const mk_ini_ext *ax = mk_ini_auth_ext(ike->cfg);
    if (ax != NULL)
        return ax->auth_sign(ike, idb, idb_len, method, auth, MK_INI_AUTH_CAP, auth_len);
    /* AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets>) */
    const mk_prf_class *prf = mk_suite_prf(ike->cfg->suites, ike->sel.prf);
    mk_ks_auth_psk_pad(prf, ike->peer_auth.psk.padkey, mk_ini_req_buf(ike), ike->req_len, ike->nr,
                       ike->nr_len, ike->sk_pi, idb, idb_len, auth);
    mk_wipe(ike->peer_auth.psk.padkey, sizeof ike->peer_auth.psk.padkey); /* used up */
    *auth_len = prf->out_len; /* *method: MK_AUTH_PSK as the caller set it */
    return MK_E_OK;
}

/* SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, [N(USE_TRANSPORT_MODE),] SAi2, TSi, TSr,
 * [N(INITIAL_CONTACT)]}: AUTH first (over the IDi body), then the inner payloads in plaintext
 * into scratch (auth_inner), sealed into req. */
mk_err mk_ini_build_auth(mk_ike *ike, uint64_t now)
{
    const mk_config *cfg = ike->cfg;
    uint8_t auth[MK_INI_AUTH_CAP], method = MK_AUTH_PSK, spi[4];
    uint8_t idb[4 + sizeof cfg->idi.data]; /* RestOfInitIDPayload: type | RESERVED | data */
    size_t auth_len = 0, inner_len = 0, len = 0, slot, at;
    mk_err e;
    /* RFC 4303 §2.1: SPIs 1..255 are reserved and 0 is never valid: a reserved draw is forced
     * into range (bit 8) instead of drawing again, so there is no loop on env->rng */
    ike->env->rng(ike->env->ctx, spi, sizeof spi);
    mk_rd sr = mk_rd_init(spi, sizeof spi);
    ike->child.spi_in = mk_rd_u32(&sr); /* SAi2 carries it; child_ok stays false */
    if (ike->child.spi_in < 256)
        ike->child.spi_in |= 0x100u;
    mk_wr iw = mk_wr_init(idb, sizeof idb);
    mk_pl_encode_id(&iw, cfg->idi.type, cfg->idi.data, cfg->idi.len);
    if ((e = iw.err) != MK_E_OK ||
        (e = our_auth(ike, idb, iw.off, &method, auth, &auth_len)) != MK_E_OK)
        goto out;
    mk_wr w = mk_ini_inner_init(ike->auth_inner, sizeof ike->auth_inner, &slot);
    at = mk_pl_begin(&w, &slot, MK_PT_IDI, false);
    mk_wr_bytes(&w, idb, iw.off);
    mk_pl_end(&w, at);
    for (const mk_ini_ext *const *x = mk_ini_exts; *x != NULL; x++)
        if ((*x)->auth_certs != NULL)
            (*x)->auth_certs(ike, &w, &slot); /* raw keys: CERT(15), CERTREQ(15) */
    if (cfg->idr.len > 0) {
        at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
        mk_pl_encode_id(&w, cfg->idr.type, cfg->idr.data, cfg->idr.len);
        mk_pl_end(&w, at);
    }
    at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
    mk_pl_encode_auth(&w, method, auth, auth_len);
    mk_pl_end(&w, at);
    if (!cfg->tunnel) /* RFC 7296 §1.3.1: ask for transport mode */
        mk_pl_notify(&w, &slot, MK_N_USE_TRANSPORT_MODE, NULL, 0);
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_sa_write_esp(&w, cfg, ike->child.spi_in); /* with our inbound SPI */
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
    mk_pl_write_ts(&w, &cfg->tsi, 1); /* mk_init checked both selectors */
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
    mk_pl_write_ts(&w, &cfg->tsr, 1);
    mk_pl_end(&w, at);
    /* N(INITIAL_CONTACT): we hold no other IKE SA with this peer (a device after a reboot) */
    if (cfg->initial_contact)
        mk_pl_notify(&w, &slot, MK_N_INITIAL_CONTACT, NULL, 0);
    /* RFC 7815 §2.1: IKE_AUTH is Message ID 1. Sealing overwrites RealMessage1 in req. */
    inner_len = w.err == MK_E_OK ? w.off : sizeof ike->auth_inner;
    if ((e = w.err) == MK_E_OK)
        len = mk_ini_seal(ike, MK_EX_IKE_AUTH, 0, 1, ike->auth_inner, inner_len,
                          mk_ini_req_buf(ike), MK_MAX_REQ, &e);
    if (e == MK_E_OK) {
        mk_ini_send_req(ike, len, 1, MK_EX_IKE_AUTH, now, ike->auth_inner, inner_len);
        mk_ini_set_state(ike, MK_ST_AUTH_SENT);
    }
out:
    mk_wipe(auth, sizeof auth);
    mk_wipe(ike->auth_inner, inner_len); /* held IDi and AUTH */
    return e;
}

/* ==== 4. IKE_AUTH response ======================================================================
 * RFC 7296 §3.14: the ICV is verified before anything inside SK is used. Then the order is the
 * security argument: critical payloads and AUTHENTICATION_FAILED, the responder's AUTH, only
 * then its identity (until AUTH verified, IDr is just octets whoever holds SK_er sent), then the
 * child SA. There is no half-established state: DROP before the ICV, FATAL after it. */

/* The responder's AUTH: prf over RealMessage2 | NonceIData (already in the running state) |
 * MACedIDForR = prf(SK_pr, IDr body), compared in constant time; or the extension's check. */
static mk_err their_auth(mk_ike *ike, const mk_chain *in, const mk_pl *idr, const mk_authv *av)
{
    const mk_ini_ext *ax = mk_ini_auth_ext(ike->cfg);
    if (ax != NULL)
        return ax->auth_verify(ike, in, idr, av);
    const mk_prf_class *prf = mk_suite_prf(ike->cfg->suites, ike->sel.prf);
    uint8_t mac[MK_MAX_PRF_OUT]; /* MACedIDForR, then the AUTH it completes */
    mk_ks_maced_id(prf, ike->sk_pr, idr->body, idr->len, mac);
    prf->update(ike->peer_auth.psk.auth_r, mac, prf->out_len);
    prf->final(ike->peer_auth.psk.auth_r, mac); /* used up: what follows is FATAL or OK */
    /* mk_ct_eq runs whatever the method or length, so timing does not say which test failed */
    bool ok = av->method == MK_AUTH_PSK && av->len == prf->out_len;
    ok = mk_ct_eq(av->data, mac, av->len <= prf->out_len ? av->len : 0) && ok;
    mk_wipe(mac, sizeof mac);
    return ok ? MK_E_OK : MK_E_AUTH_FAILED;
}

/* Everything after the ICV: the IKE SA (AUTH, then IDr), then the child SA. */
static mk_err auth_resp_checks(mk_ike *ike, const mk_msg *m, const mk_chain *in)
{
    const mk_config *cfg = ike->cfg;
    mk_idv id;
    mk_authv av;
    mk_err e;
    /* RFC 7296 §2.5: "If the critical flag is set and the payload type is unrecognized, the
     * message MUST be rejected" (authenticated: the exchange fails now, not at the timeout) */
    if (in->unsupported_critical != 0 || m->chain.unsupported_critical != 0)
        return MK_E_UNSUPPORTED_CRITICAL_RESP;
    /* RFC 7296 §2.21.2: N(AUTHENTICATION_FAILED) in the IKE_AUTH response: no IKE SA */
    if (mk_chain_find_notify(in, MK_N_AUTHENTICATION_FAILED) != NULL)
        return MK_E_PEER_AUTH_FAILED;
    const mk_pl *pid = mk_chain_find(in, MK_PT_IDR), *pauth = mk_chain_find(in, MK_PT_AUTH);
    if (pid == NULL || pauth == NULL)
        return mk_chain_first_error(in) != 0 ? MK_E_PEER_ERROR : MK_E_BAD_SYNTAX;
    if ((e = mk_pl_decode_id(&id, pid->body, pid->len)) != MK_E_OK ||
        (e = mk_pl_decode_auth(&av, pauth->body, pauth->len)) != MK_E_OK ||
        (e = their_auth(ike, in, pid, &av)) != MK_E_OK)
        return e;
    /* RFC 7296 §2.15: the identity must be the configured one (compared only now) */
    if (cfg->idr.len > 0 && (id.type != cfg->idr.type || id.len != cfg->idr.len ||
                             memcmp(id.data, cfg->idr.data, id.len) != 0))
        return MK_E_ID_MISMATCH;
    return mk_ini_take_child(ike, in); /* keys the child SA: the commit */
}

mk_err mk_ini_on_auth_resp(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    mk_chain in;
    mk_err e;
    (void)now;
    /* RFC 7296 §2.21.2: IKE_AUTH responses are protected; a bare notify is a forgery */
    if (!m->has_sk)
        return mk_chain_find(&m->chain, MK_PT_NOTIFY) != NULL ? MK_E_UNAUTH_NOTIFY
                                                              : MK_E_UNEXPECTED_MSG;
    /* RFC 7296 §3.14: the ICV MUST be verified before anything inside is used */
    if ((e = mk_ini_open(ike, m, &in)) == MK_E_OK) {
        e = auth_resp_checks(ike, m, &in);
        /* the ICV verified: a payload that does not decode is the peer's own answer, and it
         * would only send the same octets again: fail now (RFC 7296 §2.21.2) */
        if (mk_err_class(e) == MK_CLASS_DROP) {
            mk_ini_trace(ike, MK_EV_INFO, mk_err_name(e));
            e = MK_E_MALFORMED_RESP;
        }
    }
    mk_wipe(ike->sk_plain, m->len); /* the plaintext is shorter than the message */
    if (e != MK_E_OK)
        return e;
    ike->req_outstanding = false;
    /* keys only IKE_AUTH needed: gone (no rekeying in RFC 7815); SK_e/SK_a stay for the
     * INFORMATIONAL exchanges of the IKE SA's life */
    mk_wipe(ike->sk_d, offsetof(mk_ike, sk_ai) - offsetof(mk_ike, sk_d)); /* sk_d, sk_pi, sk_pr */
    mk_ini_set_state(ike, MK_ST_ESTABLISHED);
    return MK_E_OK;
}

/* ==== 5. Established: the peer's requests =======================================================
 * RFC 7815 §2.1: "In addition to those messages, a minimal IKEv2 implementation needs to
 * understand the CREATE_CHILD_SA request enough to generate a CREATE_CHILD_SA response containing
 * the NO_ADDITIONAL_SAS error notify. It needs to understand the INFORMATIONAL request enough to
 * generate an empty INFORMATIONAL response to it." RFC 7296 §2.1: "The responder MUST never
 * retransmit a response unless it receives a retransmission of the request." */

/* The answer's inner payloads: UNSUPPORTED_CRITICAL_PAYLOAD, NO_ADDITIONAL_SAS or nothing; an
 * IKE SA Delete (RFC 7296 §1.4.1) is answered with SK{} and closes the SA. */
mk_err mk_ini_on_peer_req(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    uint8_t inner[64]; /* the largest answer is one 10-octet notify */
    size_t slot;
    mk_wr w = mk_ini_inner_init(inner, sizeof inner, &slot);
    mk_chain in;
    bool close = false;
    mk_err e, win;
    (void)now;
    if (!m->has_sk)
        return MK_E_UNEXPECTED_MSG; /* RFC 7296 §2.21: only protected messages are acted on */
    /* an old Message ID is dropped unopened (initiator_peer_req.c has the RFC text) */
    if ((win = mk_ini_peer_req_window(ike, m->hdr.msgid)) == MK_E_OLD_REQUEST)
        return win;
    /* RFC 7296 §3.14: verify the ICV before anything else */
    if ((e = mk_ini_open(ike, m, &in)) != MK_E_OK)
        goto out;
    if (win == MK_E_WRONG_MSGID) { /* the same request again: the same answer again */
        mk_ini_tx(ike, MK_INI_TX_RESP);
        ike->stats.resent_responses++;
        goto out;
    }
    uint8_t crit =
        in.unsupported_critical != 0 ? in.unsupported_critical : m->chain.unsupported_critical;
    /* RFC 7296 §2.5: rejected with N(UNSUPPORTED_CRITICAL_PAYLOAD), data: the type. Of the
     * rest only an IKE SA Delete is acted on; a Child SA Delete also gets SK{} (a minimal node
     * has one Child SA and no Child SA management: its application watches ESP) */
    if (crit != 0)
        mk_pl_notify(&w, &slot, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &crit, 1);
    else if (m->hdr.exchange == MK_EX_CREATE_CHILD_SA)
        mk_pl_notify(&w, &slot, MK_N_NO_ADDITIONAL_SAS, NULL, 0);
    else
        close = mk_ini_deletes_ike_sa(&in);
    if ((e = w.err) == MK_E_OK)
        (void)mk_ini_seal_answer(ike, m, inner, w.off, &e);
    if (e != MK_E_OK)
        goto out;
    ike->stats.answered_requests++;
    if (close)
        mk_ini_close(ike); /* the peer deleted the IKE SA: only the answer is left */
out:
    mk_wipe(ike->sk_plain, m->len);
    return e;
}
