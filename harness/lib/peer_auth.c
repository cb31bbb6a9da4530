/* SPDX-License-Identifier: MIT */
/*
 * peer_auth: the responder's IKE_AUTH (RFC 7296 §1.2, §2.15, §2.17, §2.9, §2.21.2) and its
 * answers to the initiator's later requests (INFORMATIONAL with or without Delete, §1.4;
 * CREATE_CHILD_SA, refused with NO_ADDITIONAL_SAS, §1.3). Everything here runs only on an SK
 * payload whose ICV verified (peer.c opens it). It checks IDi and the initiator's PSK AUTH in
 * constant time (or, with MK_AUTH_DIGSIG, its signature: peer_rpk.c), answers
 * SK{IDr, [CERT,] AUTH, SAr2, TSi, TSr} and derives the child SA from KEYMAT.
 * It must never answer a failed AUTH with anything but AUTHENTICATION_FAILED, and never keep
 * AUTH or KEYMAT values on the stack after returning.
 */
#include <string.h>

#include "peer_int.h"

static void put_notify(mk_wr *w, size_t *slot, uint8_t proto, const uint8_t *spi, uint8_t spi_len,
                       uint16_t type, const uint8_t *data, size_t data_len)
{
    size_t at = mk_pl_begin(w, slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(w, proto, spi, spi_len, type, data, data_len);
    mk_pl_end(w, at);
}

/* Seal `inner` (built with peer_inner_init) as the response to `m`, cache it, send it. */
static mk_err respond(peer_sa *p, const mk_msg *m, mk_wr *w, uint16_t port, const mk_addr *from,
                      uint32_t n, bool corrupt)
{
    uint8_t out[MK_MAX_MSG];
    if (w->err != MK_E_OK)
        return peer_drop(p, w->err);
    /* RFC 7296 §3.1: a response has R set; we are not the original initiator: I clear */
    size_t len = peer_seal(p, m->hdr.exchange, MK_HDR_F_RESPONSE, m->hdr.msgid, w->p[0], w->p + 1,
                           w->off - 1, out, sizeof out);
    if (len == 0)
        return peer_drop(p, MK_E_BUF_TOO_SMALL);
    if (corrupt)
        out[len - 1] ^= 0x01; /* script: the last octet is ICV in every SK format */
    peer_cache_response(p, m, out, len);
    peer_answer(p, out, len, port, from, n);
    return MK_E_OK;
}

bool peer_ts_intersect(const mk_ts *a, const mk_ts *b, mk_ts *out)
{
    size_t alen = a->type == MK_TS_IPV6_RANGE ? 16 : 4;
    if (a->type != b->type || (a->proto != 0 && b->proto != 0 && a->proto != b->proto))
        return false;
    *out = *a;
    out->proto = a->proto != 0 ? a->proto : b->proto;
    out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
    out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
    if (out->start_port > out->end_port)
        return false;
    /* addresses compare as big-endian octet strings */
    memcpy(out->start, memcmp(a->start, b->start, alen) > 0 ? a->start : b->start, alen);
    memcpy(out->end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end, alen);
    return memcmp(out->start, out->end, alen) <= 0;
}

/* The first of our ESP suites the initiator offers (§2.7), or NULL. */
static const mk_proposal *select_esp(const peer_sa *p, const mk_sa *sa, mk_esp_suite *out,
                                     uint16_t *wire_bits)
{
    for (size_t i = 0; i < p->cfg.n_esp; i++) {
        const mk_esp_suite *s = &p->cfg.esp[i];
        const mk_encr_class *ec = peer_encr_class(p->cfg.suites, s->encr, s->encr_bits);
        bool opt = ec != NULL && !ec->needs_key_attr;
        for (size_t j = 0; j < sa->n; j++) {
            const mk_proposal *pr = &sa->p[j];
            /* RFC 7296 §3.3.1: an ESP proposal carries the sender's 4-octet inbound SPI */
            if (pr->proto != MK_PROTO_ESP || pr->spi_len != 4)
                continue;
            const mk_transform *te =
                peer_find_transform(pr, MK_TT_ENCR, s->encr, s->encr_bits, opt);
            if (te == NULL && opt && s->encr_bits == 0)
                te = peer_find_transform(pr, MK_TT_ENCR, s->encr, ec->key_bits, false);
            if (te == NULL || !peer_integ_ok(pr, s->integ))
                continue;
            /* we only do 32-bit sequence numbers: ESN "no" offered, or no ESN transform */
            if (mk_proposal_get(pr, MK_TT_ESN) != NULL &&
                peer_find_transform(pr, MK_TT_ESN, MK_ESN_NONE, 0, false) == NULL)
                continue;
            *out = *s;
            *wire_bits = te->key_bits;
            return pr;
        }
    }
    return NULL;
}

/* The child part of the IKE_AUTH answer: SAr2, TSi, TSr [, N(USE_TRANSPORT_MODE)] or an error
 * notify (the IKE SA stays up either way, RFC 7296 §2.21.2). */
static mk_err child_answer(peer_sa *p, const mk_msg *m, const mk_chain *in, mk_wr *w, size_t *slot)
{
    const mk_pl *pl_sa = mk_chain_find(in, MK_PT_SA);
    const mk_pl *pl_tsi = mk_chain_find(in, MK_PT_TSI);
    const mk_pl *pl_tsr = mk_chain_find(in, MK_PT_TSR);
    mk_sa sa;
    mk_tsl tsi, tsr;
    mk_esp_suite s;
    uint16_t bits = 0;
    mk_ts tsr_out;
    mk_child_keys ck;
    mk_err e = MK_E_OK;

    if (pl_sa == NULL || pl_tsi == NULL || pl_tsr == NULL)
        return MK_E_OK; /* no child requested: IKE SA only */
    if (mk_pl_decode_sa(&sa, pl_sa->body, pl_sa->len) != MK_E_OK ||
        mk_pl_decode_ts(&tsi, pl_tsi->body, pl_tsi->len) != MK_E_OK ||
        mk_pl_decode_ts(&tsr, pl_tsr->body, pl_tsr->len) != MK_E_OK || tsi.n == 0 || tsr.n == 0) {
        /* RFC 7296 §2.21.2: malformed child payloads refuse the child only */
        peer_refuse(p, m, MK_E_BAD_SYNTAX);
        put_notify(w, slot, 0, NULL, 0, MK_N_INVALID_SYNTAX, NULL, 0);
        return MK_E_OK;
    }
    if (p->cfg.script.ts_unacceptable) {
        peer_refuse(p, m, MK_E_TS_UNACCEPTABLE);
        put_notify(w, slot, 0, NULL, 0, MK_N_TS_UNACCEPTABLE, NULL, 0);
        return MK_E_OK;
    }
    const mk_proposal *pr = select_esp(p, &sa, &s, &bits);
    if (pr == NULL) { /* RFC 7296 §2.7 */
        peer_refuse(p, m, MK_E_NO_PROPOSAL_CHOSEN);
        put_notify(w, slot, 0, NULL, 0, MK_N_NO_PROPOSAL_CHOSEN, NULL, 0);
        return MK_E_OK;
    }
    /* RFC 7296 §2.9: the responder may narrow TSr to a subset of what was proposed, never
     * answer outside it */
    bool ts_ok = false;
    for (size_t i = 0; i < tsr.n && !ts_ok; i++)
        ts_ok = peer_ts_intersect(&p->cfg.tsr, &tsr.ts[i], &tsr_out);
    if (!ts_ok) {
        peer_refuse(p, m, MK_E_TS_UNACCEPTABLE);
        put_notify(w, slot, 0, NULL, 0, MK_N_TS_UNACCEPTABLE, NULL, 0);
        return MK_E_OK;
    }
    const mk_encr_class *encr = peer_encr_class(p->cfg.suites, s.encr, bits ? bits : s.encr_bits);
    const mk_integ_class *integ = s.integ ? mk_suite_integ(p->cfg.suites, s.integ) : NULL;
    if (encr == NULL || (s.integ != 0 && integ == NULL))
        return MK_E_BAD_CONFIG;

    /* our inbound SPI: RFC 4303 §2.1: values 1..255 are reserved, 0 is never sent */
    uint8_t spi[4];
    uint32_t spi_in;
    do {
        p->env.rng(p->env.ctx, spi, 4);
        spi_in = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
    } while (spi_in < 256);

    /* KEYMAT = prf+(SK_d, Ni | Nr) */
    e = mk_ks_child_keys(p->prf, integ, encr, p->keys.d, p->ni, p->ni_len, p->nr, sizeof p->nr,
                         &ck);
    if (e != MK_E_OK)
        goto out;

    mk_sa rsa;
    memset(&rsa, 0, sizeof rsa);
    rsa.n = 1;
    mk_proposal *r = &rsa.p[0];
    r->num = pr->num; /* RFC 7296 §3.3.1: keep the initiator's Proposal Num */
    r->proto = MK_PROTO_ESP;
    r->spi_len = 4;
    memcpy(r->spi, spi, 4);
    r->t[r->n_t++] = (mk_transform){MK_TT_ENCR, s.encr, bits};
    if (s.integ != 0)
        r->t[r->n_t++] = (mk_transform){MK_TT_INTEG, s.integ, 0};
    r->t[r->n_t++] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
    size_t at = mk_pl_begin(w, slot, MK_PT_SA, false);
    mk_pl_encode_sa(w, &rsa);
    mk_pl_end(w, at);
    at = mk_pl_begin(w, slot, MK_PT_TSI, false);
    /* the initiator's first TSi as given: RFC 7296 §2.9 lets the responder narrow, and this
     * one selector is what inbound ESP is checked against (mk_peer_child_ts) */
    mk_pl_encode_ts(w, tsi.ts, 1);
    mk_pl_end(w, at);
    at = mk_pl_begin(w, slot, MK_PT_TSR, false);
    {
        size_t ts_at = w->off;
        mk_pl_encode_ts(w, &tsr_out, 1);
        /* script: "#TSs = 2" with one selector; the lengths still add up, so the chain walks */
        if (p->cfg.script.malformed_ts_in_auth && w->err == MK_E_OK)
            w->p[ts_at] = 2;
    }
    mk_pl_end(w, at);
    /* RFC 7296 §1.3.1: transport mode is granted by echoing USE_TRANSPORT_MODE */
    bool transport = mk_chain_find_notify(in, MK_N_USE_TRANSPORT_MODE) != NULL;
    if (transport)
        put_notify(w, slot, 0, NULL, 0, MK_N_USE_TRANSPORT_MODE, NULL, 0);

    /* the responder's view: "in" is what the initiator sends us */
    mk_esp_sa *c = &p->child;
    mk_wipe(c, sizeof *c);
    c->spi_in = spi_in;
    c->spi_out = (uint32_t)pr->spi[0] << 24 | (uint32_t)pr->spi[1] << 16 |
                 (uint32_t)pr->spi[2] << 8 | pr->spi[3];
    c->encr = s.encr;
    c->encr_bits = bits;
    c->integ = s.integ;
    c->suites = p->cfg.suites;
    memcpy(c->ek_in, ck.ei, ck.encr_len); /* initiator -> responder */
    memcpy(c->ak_in, ck.ai, ck.integ_len);
    memcpy(c->ek_out, ck.er, ck.encr_len); /* responder -> initiator */
    memcpy(c->ak_out, ck.ar, ck.integ_len);
    c->ek_len = (uint8_t)ck.encr_len;
    c->ak_len = (uint8_t)ck.integ_len;
    c->tunnel = !transport;
    c->udp_encap = p->on_4500;
    p->child_tsi = tsi.ts[0];
    p->child_tsr = tsr_out;
    p->child_ok = true;
out:
    mk_wipe(&ck, sizeof ck);
    return e;
}

mk_err peer_on_auth(peer_sa *p, const mk_msg *m, const mk_chain *in, uint16_t port,
                    const mk_addr *from, uint32_t n)
{
    uint8_t inner[MK_MAX_MSG];
    uint8_t expect[MK_MAX_PRF_OUT], auth_r[MK_MAX_PRF_OUT];
    uint8_t idr_body[4 + MK_MAX_ID];
    size_t slot;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot);
    const mk_pl *pl_id = mk_chain_find(in, MK_PT_IDI);
    const mk_pl *pl_auth = mk_chain_find(in, MK_PT_AUTH);
    mk_idv idv;
    mk_authv av;
    mk_err e = MK_E_OK;

    /* RFC 7296 §2.5: an unknown critical payload rejects the message; the SA is not built */
    if (in->unsupported_critical != 0) {
        uint8_t t = in->unsupported_critical;
        peer_refuse(p, m, MK_E_UNSUPPORTED_CRITICAL);
        put_notify(&w, &slot, 0, NULL, 0, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
        e = respond(p, m, &w, port, from, n, false);
        p->st = MK_PEER_CLOSED;
        goto out;
    }
    /* RFC 7296 §1.2: IKE_AUTH carries IDi and AUTH (EAP is not offered) */
    if (pl_id == NULL || pl_auth == NULL ||
        mk_pl_decode_id(&idv, pl_id->body, pl_id->len) != MK_E_OK ||
        mk_pl_decode_auth(&av, pl_auth->body, pl_auth->len) != MK_E_OK) {
        peer_refuse(p, m, MK_E_BAD_SYNTAX);
        put_notify(&w, &slot, 0, NULL, 0, MK_N_INVALID_SYNTAX, NULL, 0);
        e = respond(p, m, &w, port, from, n, false);
        p->st = MK_PEER_CLOSED;
        goto out;
    }
    bool id_ok = p->cfg.idi.len == 0 || (idv.type == p->cfg.idi.type && idv.len == p->cfg.idi.len &&
                                         memcmp(idv.data, p->cfg.idi.data, idv.len) == 0);
    bool digsig = peer_digsig(p), auth_ok;
    mk_err why = MK_E_AUTH_FAILED; /* the reason recorded when authentication fails */
    if (digsig) {
        /* signature under the initiator's raw public key (peer_rpk.c) */
        why = peer_rpk_verify(p, in, pl_id, &av);
        auth_ok = why == MK_E_OK;
    } else {
        /* InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload)
         * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), InitiatorSignedOctets) */
        mk_ks_auth_psk(p->prf, p->cfg.psk, p->cfg.psk_len, p->init_req, p->init_req_len, p->nr,
                       sizeof p->nr, p->keys.pi, pl_id->body, pl_id->len, expect);
        auth_ok = av.method == MK_AUTH_PSK && av.len == p->prf->out_len &&
                  mk_ct_eq(av.data, expect, p->prf->out_len);
    }
    /* RFC 7296 §2.21.2: a failed authentication is answered with AUTHENTICATION_FAILED only,
     * and the IKE SA is not created */
    if (!id_ok || !auth_ok || p->cfg.script.auth_failed) {
        peer_trace(p, MK_EV_INFO, !id_ok ? "IDi mismatch" : "AUTH mismatch");
        peer_refuse(p, m, !id_ok ? MK_E_ID_MISMATCH : auth_ok ? MK_E_AUTH_FAILED : why);
        put_notify(&w, &slot, 0, NULL, 0, MK_N_AUTHENTICATION_FAILED, NULL, 0);
        e = respond(p, m, &w, port, from, n, false);
        p->st = MK_PEER_CLOSED;
        goto out;
    }

    /* IDr: our identity (or the scripted wrong one) */
    uint8_t id_type = p->cfg.idr.type;
    const uint8_t *id_data = p->cfg.idr.data;
    size_t id_len = p->cfg.idr.len;
    static const uint8_t wrong_id[] = "wrong-responder.invalid";
    if (p->cfg.script.wrong_idr != 0) {
        id_type = p->cfg.script.wrong_idr;
        id_data = wrong_id;
        id_len = sizeof wrong_id - 1;
    }
    idr_body[0] = id_type;
    idr_body[1] = idr_body[2] = idr_body[3] = 0;
    memcpy(idr_body + 4, id_data, id_len);
    /* ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload) */
    if (digsig) {
        /* signed below, after IDr (peer_rpk_auth) */
    } else if (p->cfg.script.wrong_auth) {
        uint8_t bad[MK_MAX_PSK];
        memcpy(bad, p->cfg.psk, p->cfg.psk_len);
        bad[0] ^= 0xff; /* script: a key the initiator does not share */
        mk_ks_auth_psk(p->prf, bad, p->cfg.psk_len, p->init_resp, p->init_resp_len, p->ni,
                       p->ni_len, p->keys.pr, idr_body, 4 + id_len, auth_r);
        mk_wipe(bad, sizeof bad);
    } else {
        mk_ks_auth_psk(p->prf, p->cfg.psk, p->cfg.psk_len, p->init_resp, p->init_resp_len, p->ni,
                       p->ni_len, p->keys.pr, idr_body, 4 + id_len, auth_r);
    }
    size_t at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
    mk_pl_encode_id(&w, id_type, id_data, id_len);
    mk_pl_end(&w, at);
    if (digsig) {
        /* [CERT(15)] AUTH(14 or 1) */
        e = peer_rpk_auth(p, in, &w, &slot, idr_body, 4 + id_len);
#if MK_RPK /* else peer_rpk_auth is never called: mk_peer_new refuses MK_AUTH_DIGSIG */
        if (e == MK_E_SIG_HASH_UNSUPPORTED) {
            /* we cannot produce a signature the initiator could verify: the IKE SA cannot be
             * authenticated (RFC 7296 §2.21.2), so it is not created */
            w = peer_inner_init(inner, sizeof inner, &slot);
            peer_refuse(p, m, e);
            put_notify(&w, &slot, 0, NULL, 0, MK_N_AUTHENTICATION_FAILED, NULL, 0);
            e = respond(p, m, &w, port, from, n, false);
            p->st = MK_PEER_CLOSED;
            goto out;
        }
#endif
        if (e != MK_E_OK) {
            e = peer_drop(p, e);
            goto out;
        }
    } else {
        at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
        mk_pl_encode_auth(&w, MK_AUTH_PSK, auth_r, p->prf->out_len);
        mk_pl_end(&w, at);
    }
    if ((e = child_answer(p, m, in, &w, &slot)) != MK_E_OK) {
        e = peer_drop(p, e);
        goto out;
    }
    if (p->cfg.script.unknown_critical_in_auth) {
        static const uint8_t junk[4] = {0xde, 0xad, 0xbe, 0xef};
        at = mk_pl_begin(&w, &slot, PEER_PT_UNKNOWN, true);
        mk_wr_bytes(&w, junk, sizeof junk);
        mk_pl_end(&w, at);
    }
    if ((e = respond(p, m, &w, port, from, n, p->cfg.script.bad_icv)) != MK_E_OK)
        goto out;
    p->st = MK_PEER_ESTABLISHED;
    p->stats.round_trips++;
    /* for the SA table: who this is, and whether it says it has no other SA with us */
    p->ini_id.type = idv.type;
    p->ini_id.len = (uint8_t)(idv.len < sizeof p->ini_id.data ? idv.len : sizeof p->ini_id.data);
    memcpy(p->ini_id.data, idv.data, p->ini_id.len);
    p->ini_contact = mk_chain_find_notify(in, MK_N_INITIAL_CONTACT) != NULL;
out:
    mk_wipe(inner, sizeof inner);
    mk_wipe(expect, sizeof expect);
    mk_wipe(auth_r, sizeof auth_r);
    return e;
}

mk_err peer_on_info(peer_sa *p, const mk_msg *m, const mk_chain *in, uint16_t port,
                    const mk_addr *from, uint32_t n)
{
    uint8_t inner[MK_MAX_MSG];
    size_t slot;
    mk_wr w = peer_inner_init(inner, sizeof inner, &slot);
    bool close = false;
    mk_err e;

    if (in->unsupported_critical != 0) {
        /* RFC 7296 §2.5: reject the request, answer UNSUPPORTED_CRITICAL_PAYLOAD */
        uint8_t t = in->unsupported_critical;
        put_notify(&w, &slot, 0, NULL, 0, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
    } else if (m->hdr.exchange == MK_EX_CREATE_CHILD_SA) {
        /* RFC 7296 §1.3: a responder that will not create more SAs says NO_ADDITIONAL_SAS */
        put_notify(&w, &slot, 0, NULL, 0, MK_N_NO_ADDITIONAL_SAS, NULL, 0);
    } else {
        for (size_t i = 0; i < in->n; i++) {
            mk_deletev d;
            if (in->pl[i].type != MK_PT_DELETE ||
                mk_pl_decode_delete(&d, in->pl[i].body, in->pl[i].len) != MK_E_OK)
                continue;
            if (d.proto == MK_PROTO_IKE) {
                close = true; /* RFC 7296 §1.4.1: answered with an empty INFORMATIONAL */
            } else if (d.proto == MK_PROTO_ESP && p->child_ok) {
                /* RFC 7296 §1.4.1: a Child SA delete is answered with the paired SPI */
                uint8_t spi[4] = {(uint8_t)(p->child.spi_in >> 24),
                                  (uint8_t)(p->child.spi_in >> 16), (uint8_t)(p->child.spi_in >> 8),
                                  (uint8_t)p->child.spi_in};
                size_t at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
                mk_pl_encode_delete(&w, MK_PROTO_ESP, 4, spi, 1);
                mk_pl_end(&w, at);
                p->child_ok = false;
                mk_wipe(&p->child, sizeof p->child);
            }
        }
        if (close) { /* the reply to an IKE SA delete is empty */
            w = peer_inner_init(inner, sizeof inner, &slot);
        }
    }
    e = respond(p, m, &w, port, from, n, false);
    if (e == MK_E_OK) {
        p->stats.answered_requests++;
        if (close) {
            p->st = MK_PEER_CLOSED;
            p->req_outstanding = false;
            p->child_ok = false;
        }
    }
    mk_wipe(inner, sizeof inner);
    return e;
}
