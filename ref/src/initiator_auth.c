/* SPDX-License-Identifier: MIT */
/*
 * initiator_auth: the IKE_AUTH exchange of the initiator (RFC 7296 §1.2, §2.15, §2.17; RFC 7815
 * §2.1): build SK{IDi, [IDr], AUTH, [N(USE_TRANSPORT_MODE)], SAi2, TSi, TSr, [N(INITIAL_CONTACT)]}
 * with a PSK AUTH over the IKE_SA_INIT request that was actually answered, then open and check
 * the response: ICV first (a forgery changes nothing), the peer's AUTH in constant time, then
 * its identity, and the child SA (proposal, traffic selectors, mode) whose keys come from
 * KEYMAT = prf+(SK_d, Ni | Nr). It must never act on a byte of the response before its ICV has
 * verified, nor keep AUTH or KEYMAT material on the stack after returning.
 */
#include <string.h>

#include "initiator_int.h"

/* Proposal i of our SAi2 (suite cfg->esp[i]): SPI = our inbound SPI, ESN "no". The SA is
 * written one proposal at a time, so only one mk_proposal is ever on the stack.
 * An AEAD suite gets no INTEG transform at all (its ICV is the cipher's tag), and only "no
 * ESN" is offered: esp.c implements the 32-bit sequence number and window only, so a child SA
 * must be rekeyed (here: re-established) before 2^32 packets. */
static void build_esp_proposal(const mk_ike *ike, size_t i, mk_proposal *p)
{
    const mk_config *cfg = ike->cfg;
    const mk_encr_class *encr;
    const mk_integ_class *integ;
    (void)mk_ini_esp_classes(cfg->suites, &cfg->esp[i], &encr, &integ); /* by mk_init */
    memset(p, 0, sizeof *p);
    p->num = (uint8_t)(i + 1);
    p->proto = MK_PROTO_ESP;
    p->spi_len = 4;
    p->spi[0] = (uint8_t)(ike->child_spi_in >> 24);
    p->spi[1] = (uint8_t)(ike->child_spi_in >> 16);
    p->spi[2] = (uint8_t)(ike->child_spi_in >> 8);
    p->spi[3] = (uint8_t)ike->child_spi_in;
    p->t[p->n_t++] =
        (mk_transform){MK_TT_ENCR, cfg->esp[i].encr, mk_ini_key_attr(encr, cfg->esp[i].encr_bits)};
    if (cfg->esp[i].integ != MK_INTEG_NONE)
        p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, cfg->esp[i].integ, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
}

/* The IKE_AUTH request. AUTH is computed first, from the IDi body alone (so that an Ed25519
 * signature may assemble its octets in ike->scratch); then the inner payloads are written into
 * ike->scratch and sealed into ike->req, which until then still holds RealMessage1. */
mk_err mk_ini_build_auth(mk_ike *ike, uint64_t now)
{
    const mk_config *cfg = ike->cfg;
    uint8_t *inner = ike->auth_inner;
    uint8_t auth[MK_INI_AUTH_CAP];
    uint8_t idb[4 + sizeof cfg->idi.data]; /* RestOfInitIDPayload: type | RESERVED | data */
    uint8_t spi[4], method = MK_AUTH_PSK;
    size_t slot, at, auth_len = 0;
    size_t inner_used = 0; /* how much of auth_inner to wipe at out */
    mk_proposal prop;
    mk_ini_cls cls;
    mk_err e = MK_E_OK;

    (void)mk_ini_ike_classes(cfg->suites, &ike->sel, &cls);
    /* The SPI is a demultiplexing label, not a secret. A reserved draw is forced into range
     * (bit 8 set) instead of drawing again, so this path has no loop on env->rng; it makes
     * 256..511 twice as likely as other values, which matters to nobody. */
    /* RFC 4303 §2.1: SPI values 1..255 are reserved; 0 is never a valid SPI */
    ike->env->rng(ike->env->ctx, spi, sizeof spi);
    ike->child_spi_in =
        ((uint32_t)spi[0] << 24) | ((uint32_t)spi[1] << 16) | ((uint32_t)spi[2] << 8) | spi[3];
    if (ike->child_spi_in < 256)
        ike->child_spi_in |= 0x100u;

    /* IDi's body (RestOfInitIDPayload) is what AUTH covers */
    mk_wr iw = mk_wr_init(idb, sizeof idb);
    mk_pl_encode_id(&iw, cfg->idi.type, cfg->idi.data, cfg->idi.len);
    if ((e = iw.err) != MK_E_OK)
        goto out;
#if MK_RPK
    if (cfg->auth_method == MK_AUTH_DIGSIG) {
        /* AUTH = signature over RealMessage1 | NonceRData | MACedIDForI (RFC 7427 §3) */
        if ((e = mk_ini_rpk_build_auth(ike, idb, iw.off, &method, auth, sizeof auth, &auth_len)) !=
            MK_E_OK)
            goto out;
    } else
#endif
    {
        /* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage1 | NonceRData | MACedIDForI)
         * RFC 7296 §2.15: RealMessage1 is the IKE_SA_INIT request that got the answer, still
         * in ike->req */
        /* The three parts, as octets: RealMessage1 = that request from the first octet of the
         * IKE header (after a COOKIE or INVALID_KE retry, the retried one; never the non-ESP
         * marker, which mk_ini_req_buf skips); NonceRData = the Nr body without its payload
         * header; MACedIDForI = prf(SK_pi, idb). The key pad is the 17 ASCII octets, no NUL. */
        mk_ks_auth_psk_pad(cls.prf, ike->peer_auth.psk.padkey, mk_ini_req_buf(ike), ike->req_len,
                           ike->nr, ike->nr_len, ike->sk_pi, idb, iw.off, auth);
        auth_len = cls.prf->out_len;
    }

    mk_wr w = mk_ini_inner_init(inner, sizeof ike->auth_inner, &slot);
    /* The inner payloads are written in plaintext into ike->scratch, then encrypted into
     * ike->req by mk_ini_seal; scratch is wiped at out because it held IDi and AUTH. */
    /* RFC 7296 §1.2: SK{IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr} */
    at = mk_pl_begin(&w, &slot, MK_PT_IDI, false);
    mk_wr_bytes(&w, idb, iw.off);
    mk_pl_end(&w, at);
#if MK_RPK
    if (cfg->auth_method == MK_AUTH_DIGSIG)
        mk_ini_rpk_build_certs(ike, &w, &slot);
#endif
    if (cfg->idr.len > 0) {
        at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
        mk_pl_encode_id(&w, cfg->idr.type, cfg->idr.data, cfg->idr.len);
        mk_pl_end(&w, at);
    }
    at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
    mk_pl_encode_auth(&w, method, auth, auth_len);
    mk_pl_end(&w, at);
    if (!cfg->tunnel) {
        /* RFC 7296 §1.3.1: ask for transport mode with N(USE_TRANSPORT_MODE) */
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_USE_TRANSPORT_MODE, NULL, 0);
        mk_pl_end(&w, at);
    }
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    for (size_t i = 0; i < cfg->n_esp; i++) {
        build_esp_proposal(ike, i, &prop);
        mk_pl_encode_proposal(&w, &prop, i + 1 == cfg->n_esp);
    }
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
    mk_pl_encode_ts(&w, &cfg->tsi, 1);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
    mk_pl_encode_ts(&w, &cfg->tsr, 1);
    mk_pl_end(&w, at);
    /* N(INITIAL_CONTACT) tells the responder that we hold no other IKE SA with it, so it may
     * delete what it still keeps from before our last reboot: a device without persistent
     * state wants it on every start, or the old child SA lingers until a liveness check. */
    if (cfg->initial_contact) {
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_INITIAL_CONTACT, NULL, 0);
        mk_pl_end(&w, at);
    }
    inner_used = w.err == MK_E_OK ? w.off : sizeof ike->auth_inner;
    if (w.err != MK_E_OK) {
        e = w.err;
        goto out;
    }
    /* RFC 7815 §2.1: IKE_AUTH is Message ID 1. Sealing overwrites RealMessage1 in ike->req. */
    size_t len = mk_ini_seal(ike, MK_EX_IKE_AUTH, MK_HDR_F_INITIATOR, 1, inner, w.off,
                             mk_ini_req_buf(ike), MK_MAX_MSG, &e);
    if (e != MK_E_OK)
        goto out;
    mk_ini_send_req(ike, len, 1, MK_EX_IKE_AUTH, now, inner, w.off);
    mk_ini_set_state(ike, MK_ST_AUTH_SENT);
out:
    mk_wipe(auth, sizeof auth);
    if (cfg->auth_method != MK_AUTH_DIGSIG) /* used up (with raw keys: RealMessage2 here) */
        mk_wipe(ike->peer_auth.psk.padkey, sizeof ike->peer_auth.psk.padkey);
    mk_wipe(ike->auth_inner, inner_used);
    return e;
}

/* RFC 7296 §2.9: the responder may narrow the selectors, never widen them. Protocol 0 means
 * "any", so a specific protocol is a narrowing of it; addresses are big-endian byte strings of
 * the same length, so memcmp orders them numerically. The last test rejects an empty range. */
static bool ts_within(const mk_ts *in, const mk_ts *outer)
{
    if (in->type != outer->type)
        return false;
    size_t n = in->type == MK_TS_IPV4_RANGE ? 4 : 16;
    if (outer->proto != 0 && in->proto != outer->proto)
        return false;
    if (in->start_port < outer->start_port || in->end_port > outer->end_port)
        return false;
    return memcmp(in->start, outer->start, n) >= 0 && memcmp(in->end, outer->end, n) <= 0 &&
           memcmp(in->start, in->end, n) <= 0;
}

/* Every selector the responder returns must lie inside ours; the first is the one used,
 * since one child SA with one selector pair per side is all RFC 7815 needs. */
static mk_err check_ts(const mk_pl *pl, const mk_ts *ours, mk_ts *chosen)
{
    mk_tsl l;
    mk_err e = mk_pl_decode_ts(&l, pl->body, pl->len);
    if (e != MK_E_OK)
        return e;
    if (l.n == 0)
        return MK_E_BAD_SYNTAX;
    for (size_t i = 0; i < l.n; i++)
        if (!ts_within(&l.ts[i], ours))
            return MK_E_TS_UNACCEPTABLE;
    *chosen = l.ts[0];
    return MK_E_OK;
}

/* Match SAr2 against our ESP proposals; returns the suite and the peer's inbound SPI. */
static mk_err select_esp(const mk_ike *ike, const mk_proposal *p, uint8_t n_prop, mk_esp_suite *sel,
                         uint32_t *spi)
{
    /* RFC 7296 §3.3: the responder MUST accept a single proposal */
    if (n_prop != 1)
        return MK_E_BAD_PROPOSAL;
    /* RFC 7296 §3.3.1: an ESP proposal carries the sender's 4-octet inbound SPI */
    if (p->proto != MK_PROTO_ESP || p->spi_len != 4)
        return MK_E_BAD_PROPOSAL;
    uint8_t count[MK_TT_ESN + 1];
    if (!mk_proposal_count_types(p, count))
        return MK_E_BAD_PROPOSAL;
    /* count[] is indexed by Transform Type 1..5 (ENCR, PRF, INTEG, DH, ESN); 0 is unused. The
     * first child SA takes its keys from SK_d alone (IKE_AUTH carries no KE), so a DH transform
     * in SAr2 could only be one we did not offer. */
    /* RFC 7296 §3.3.6: one transform per type; ESP has no PRF and (here) no DH */
    if (count[MK_TT_ENCR] != 1 || count[MK_TT_INTEG] > 1 || count[MK_TT_PRF] != 0 ||
        count[MK_TT_DH] != 0 || count[MK_TT_ESN] > 1)
        return MK_E_BAD_PROPOSAL;
    const mk_transform *te = mk_proposal_get(p, MK_TT_ENCR);
    const mk_transform *ta = mk_proposal_get(p, MK_TT_INTEG);
    const mk_transform *tn = mk_proposal_get(p, MK_TT_ESN);
    if (tn != NULL && tn->id != MK_ESN_NONE)
        return MK_E_BAD_PROPOSAL; /* we offered only "no ESN" */
    *spi = ((uint32_t)p->spi[0] << 24) | ((uint32_t)p->spi[1] << 16) | ((uint32_t)p->spi[2] << 8) |
           p->spi[3];
    if (*spi < 256)
        return MK_E_BAD_PROPOSAL; /* RFC 4303 §2.1: 0..255 are not valid SPIs */
    for (size_t i = 0; i < ike->cfg->n_esp; i++) {
        const mk_esp_suite *s = &ike->cfg->esp[i];
        const mk_encr_class *encr;
        const mk_integ_class *integ;
        (void)mk_ini_esp_classes(ike->cfg->suites, s, &encr, &integ);
        /* The Key Length must echo what we sent (none for ChaCha20-Poly1305, RFC 7634 §3),
         * and an absent INTEG transform matches only an AEAD suite we offered without one. */
        uint16_t ai = ta != NULL ? ta->id : (uint16_t)MK_INTEG_NONE;
        if (te->id == s->encr && te->key_bits == mk_ini_key_attr(encr, s->encr_bits) &&
            ai == s->integ) {
            *sel = *s;
            return MK_E_OK;
        }
    }
    return MK_E_BAD_PROPOSAL;
}

/* Error notifies about the child SA (RFC 7296 §2.21.2): the IKE SA stands, the child does not.
 * Notify types below 16384 are errors, 16384 and up are status (RFC 7296 §3.10.1): an unknown
 * status type is ignored, an unknown error type still means the child SA was refused. */
static mk_err child_error(const mk_chain *in)
{
    for (size_t i = 0; i < in->n; i++) {
        mk_notify n;
        if (in->pl[i].type != MK_PT_NOTIFY ||
            mk_pl_decode_notify(&n, in->pl[i].body, in->pl[i].len) != MK_E_OK)
            continue;
        if (n.type == MK_N_TS_UNACCEPTABLE)
            return MK_E_TS_UNACCEPTABLE;
        if (n.type < MK_N_FIRST_STATUS)
            return MK_E_NO_CHILD_SA;
    }
    return MK_E_OK;
}

static bool has_error_notify(const mk_chain *in)
{
    for (size_t i = 0; i < in->n; i++) {
        mk_notify n;
        if (in->pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(&n, in->pl[i].body, in->pl[i].len) == MK_E_OK &&
            n.type < MK_N_FIRST_STATUS)
            return true;
    }
    return false;
}

/* The order of the checks is the security argument: (1) state, (2) ICV, after which every
 * octet was sent by whoever holds SK_er, (3) critical payloads and AUTHENTICATION_FAILED, (4)
 * the peer's AUTH over RealMessage2 | Ni | prf(SK_pr, IDr), (5) only then IDr against the
 * configured identity, (6) the child SA. Nothing is written to
 * the SA before the commit block, so a failure anywhere leaves the state machine where it was
 * (DROP) or fails it as a whole (FATAL): there is no half-established state. */
mk_err mk_ini_on_auth_resp(mk_ike *ike, const mk_msg *m, uint64_t now)
{
    const mk_config *cfg = ike->cfg;
    uint8_t *plain = ike->sk_plain; /* the inner chain's views point into it: wiped at out */
    uint8_t want[MK_MAX_PRF_OUT];
    mk_chain in;
    mk_sk_keys sk;
    mk_ini_cls cls;
    mk_child_keys ck;
    mk_err e;
    bool authed = false; /* the ICV verified: what follows came from the peer itself */
    (void)now;

    memset(&ck, 0, sizeof ck);
    memset(want, 0, sizeof want);
    if (ike->st != MK_ST_AUTH_SENT) {
        e = MK_E_UNEXPECTED_MSG;
        goto out;
    }
    if (!m->has_sk) {
        /* RFC 7296 §2.21.2: IKE_AUTH responses are protected; a bare notify is a forgery */
        e = mk_chain_find(&m->chain, MK_PT_NOTIFY) != NULL ? MK_E_UNAUTH_NOTIFY
                                                           : MK_E_UNEXPECTED_MSG;
        goto out;
    }
    mk_ini_sk_keys(ike, false, &sk);
    /* RFC 7296 §3.14: the ICV MUST be verified before anything inside is used */
    if ((e = mk_sk_open(m, &sk, plain, sizeof ike->sk_plain, &in)) != MK_E_OK)
        goto out;
    authed = true;
    mk_ini_trace_msg(ike, MK_EV_RX, m->dgram, m->len, &in);
    /* RFC 7296 §2.5: "If the critical flag is set and the payload type is unrecognized, the
     * message MUST be rejected". This one is authenticated and a response (nothing to answer,
     * and the peer would only repeat it): the exchange fails now rather than at the timeout. */
    if (in.unsupported_critical != 0 || m->chain.unsupported_critical != 0) {
        mk_ini_trace(ike, MK_EV_INFO, "unknown critical payload in the IKE_AUTH response");
        e = MK_E_UNSUPPORTED_CRITICAL_RESP;
        goto out;
    }
    /* RFC 7296 §2.21.2: N(AUTHENTICATION_FAILED) in the IKE_AUTH response: no IKE SA */
    if (mk_chain_find_notify(&in, MK_N_AUTHENTICATION_FAILED) != NULL) {
        e = MK_E_PEER_AUTH_FAILED;
        goto out;
    }
    const mk_pl *pid = mk_chain_find(&in, MK_PT_IDR), *pauth = mk_chain_find(&in, MK_PT_AUTH);
    if (pid == NULL || pauth == NULL) {
        /* an authenticated error answer without IDr/AUTH: the IKE SA failed */
        e = has_error_notify(&in) ? MK_E_PEER_ERROR : MK_E_BAD_SYNTAX;
        goto out;
    }
    mk_idv id;
    mk_authv av;
    if ((e = mk_pl_decode_id(&id, pid->body, pid->len)) != MK_E_OK ||
        (e = mk_pl_decode_auth(&av, pauth->body, pauth->len)) != MK_E_OK)
        goto out;
    /* AUTH first, IDr after: until AUTH verifies, IDr is only octets someone holding SK_er
     * sent (the IKE SA's keys prove nothing about who is behind them), so a wrong AUTH must
     * report AUTH_FAILED whatever IDr says, and the identity is never compared, traced or
     * reported before AUTH covered it (the AUTH octets include IDr's body: MACedIDForR). */
    (void)mk_ini_ike_classes(cfg->suites, &ike->sel, &cls);
#if MK_RPK
    if (cfg->auth_method == MK_AUTH_DIGSIG) {
        /* the responder's raw key (pinned, fingerprint-pinned or imprinted) and its signature
         * over RealMessage2 | NonceIData | MACedIDForR; RFC 7296 §2.15: MUST verify */
        if ((e = mk_ini_rpk_verify(ike, &in, &id, &av)) != MK_E_OK)
            goto out;
    } else
#endif
    {
        /* AUTH_r = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage2 | NonceIData | MACedIDForR)
         * RFC 7296 §2.15: the recipient MUST verify it; compared in constant time */
        /* RealMessage2 | NonceIData went in when IKE_SA_INIT completed (keep_real_message2);
         * MACedIDForR = prf(SK_pr, IDr body) completes the octets. The state is used up: every
         * error after the ICV verified is FATAL, so it is never needed again. */
        uint8_t maced[MK_MAX_PRF_OUT];
        mk_ks_maced_id(cls.prf, ike->sk_pr, id.rest, id.rest_len, maced);
        cls.prf->update(ike->peer_auth.psk.auth_r, maced, cls.prf->out_len);
        cls.prf->final(ike->peer_auth.psk.auth_r, want);
        mk_wipe(maced, sizeof maced);
        /* mk_ct_eq runs for every AUTH, whatever its method or length, so the time taken does
         * not say which test failed; an over-long AUTH compares 0 octets (never past `want`)
         * and a short one a prefix, but then auth_ok is already false. */
        bool auth_ok = av.method == MK_AUTH_PSK && av.len == cls.prf->out_len;
        auth_ok = mk_ct_eq(av.data, want, av.len <= cls.prf->out_len ? av.len : 0) && auth_ok;
        if (!auth_ok) {
            e = MK_E_AUTH_FAILED;
            goto out;
        }
    }
    /* RFC 7296 §2.15: the responder's identity must be the one we are configured to trust
     * (compared only now that AUTH, which covers it, has verified) */
    if (cfg->idr.len > 0 && (id.type != cfg->idr.type || id.len != cfg->idr.len ||
                             memcmp(id.data, cfg->idr.data, id.len) != 0)) {
        e = MK_E_ID_MISMATCH;
        goto out;
    }
    /* ---- the IKE SA is authenticated; now the child SA (RFC 7296 §2.21.2) ---- */
    if ((e = child_error(&in)) != MK_E_OK)
        goto out;
    const mk_pl *psa = mk_chain_find(&in, MK_PT_SA), *ptsi = mk_chain_find(&in, MK_PT_TSI),
                *ptsr = mk_chain_find(&in, MK_PT_TSR);
    if (psa == NULL || ptsi == NULL || ptsr == NULL) {
        e = MK_E_NO_CHILD_SA;
        goto out;
    }
    mk_proposal prop;
    uint8_t n_prop;
    mk_esp_suite esel;
    uint32_t spi_out = 0;
    mk_ts tsi, tsr;
    if ((e = mk_pl_decode_sa_first(&prop, &n_prop, psa->body, psa->len)) != MK_E_OK ||
        (e = select_esp(ike, &prop, n_prop, &esel, &spi_out)) != MK_E_OK ||
        (e = check_ts(ptsi, &cfg->tsi, &tsi)) != MK_E_OK ||
        (e = check_ts(ptsr, &cfg->tsr, &tsr)) != MK_E_OK)
        goto out;
    /* RFC 7296 §1.3.1: transport mode only if the responder echoed N(USE_TRANSPORT_MODE) */
    bool tunnel = cfg->tunnel || mk_chain_find_notify(&in, MK_N_USE_TRANSPORT_MODE) == NULL;
    if (!cfg->tunnel && tunnel)
        mk_ini_trace(ike, MK_EV_INFO, "peer did not accept transport mode: tunnel");
    const mk_encr_class *eencr;
    const mk_integ_class *einteg;
    (void)mk_ini_esp_classes(cfg->suites, &esel, &eencr, &einteg);
    /* KEYMAT = prf+(SK_d, Ni | Nr)  (RFC 7296 §2.17) */
    /* Sliced in this order: encr_i | integ_i | encr_r | integ_r (initiator-to-responder first,
     * per SA the encryption key first). An AEAD "encryption key" includes its salt: 36 octets
     * for ChaCha20-Poly1305 (32 key + 4 salt), and integ is empty. */
    e = mk_ks_child_keys(cls.prf, einteg, eencr, ike->sk_d, ike->ni, ike->ni_len, ike->nr,
                         ike->nr_len, &ck);
    if (e != MK_E_OK)
        goto out;

    /* ---- commit ---- */
    mk_esp_sa *c = &ike->child;
    memset(c, 0, sizeof *c);
    c->spi_in = ike->child_spi_in;
    c->spi_out = spi_out;
    c->encr = esel.encr;
    c->encr_bits = esel.encr_bits;
    c->integ = esel.integ;
    /* initiator -> responder keys come first: they are our outbound keys */
    memcpy(c->ek_out, ck.ei, ck.encr_len);
    memcpy(c->ak_out, ck.ai, ck.integ_len);
    memcpy(c->ek_in, ck.er, ck.encr_len);
    memcpy(c->ak_in, ck.ar, ck.integ_len);
    c->ek_len = (uint8_t)ck.encr_len;
    c->ak_len = (uint8_t)ck.integ_len;
    c->tunnel = tunnel;
    c->udp_encap = ike->on_4500; /* RFC 3948: ESP in UDP 4500 once IKE floated there */
    ike->esp_sel = esel;
    ike->child_ok = true;
    ike->req_outstanding = false;
    /* SK_e and SK_a stay: INFORMATIONAL exchanges (liveness checks, Delete) are protected
     * with them for the life of the IKE SA. */
    /* keys only IKE_AUTH needed: gone (no rekeying in RFC 7815) */
    mk_wipe(ike->sk_pi, sizeof ike->sk_pi);
    mk_wipe(ike->sk_pr, sizeof ike->sk_pr);
    mk_wipe(ike->sk_d, sizeof ike->sk_d);
    mk_ini_set_state(ike, MK_ST_ESTABLISHED);
out:
    /* Once the ICV verified, a payload that does not decode is not a spoofer's packet but the
     * peer's own answer; it would only send the same bytes again, so waiting for the timeout
     * helps nobody: fail now (RFC 7296 §2.21.2, the response to IKE_AUTH decides the SA). */
    if (authed && mk_err_class(e) == MK_CLASS_DROP) {
        mk_ini_trace(ike, MK_EV_INFO, mk_err_name(e));
        e = MK_E_MALFORMED_RESP;
    }
    mk_wipe(ike->sk_plain, m->len); /* the plaintext is shorter than the message */
    mk_wipe(want, sizeof want);
    mk_wipe(&ck, sizeof ck);
    return e;
}
