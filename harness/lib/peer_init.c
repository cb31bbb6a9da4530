/* SPDX-License-Identifier: MIT */
/*
 * peer_init: the responder's IKE_SA_INIT (RFC 7296 §1.2, §2.6, §2.7, §2.10, §2.14, §2.23).
 * Checks the request in the order the RFC implies (critical payloads, COOKIE before any work,
 * proposal in the peer's preference order, KE group), then creates the IKE SA: a new SPIr, a
 * 32-octet nonce, the DH share and the seven SK_* keys. Error answers (COOKIE, INVALID_KE,
 * NO_PROPOSAL_CHOSEN) are stateless and carry SPIr 0. It must never create state for a request
 * it rejects, and never leave DH or key material on the stack.
 */
#include <string.h>

#include "peer_int.h"

/* Unprotected IKE_SA_INIT answer holding one notify (SPIr 0: no state was created). */
static size_t init_notify(uint8_t *out, size_t cap, const uint8_t spi_i[8], uint16_t type,
                          const uint8_t *data, size_t data_len)
{
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, spi_i, 8);
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_RESPONSE; /* RFC 7296 §3.1: responder: Initiator flag clear */
    h.length = MK_HDR_LEN;
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr_encode(&w, &h);
    size_t slot = 16;
    size_t at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(&w, 0, NULL, 0, type, data, data_len);
    mk_pl_end(&w, at);
    if (w.err != MK_E_OK || w.off < MK_HDR_LEN)
        return 0;
    uint32_t len = (uint32_t)w.off;
    out[24] = (uint8_t)(len >> 24);
    out[25] = (uint8_t)(len >> 16);
    out[26] = (uint8_t)(len >> 8);
    out[27] = (uint8_t)len;
    return w.off;
}

static mk_err answer_notify(peer_sa *p, const mk_msg *m, uint16_t type, const uint8_t *data,
                            size_t data_len, uint16_t port, const mk_addr *from, uint32_t n)
{
    uint8_t out[MK_MAX_MSG];
    size_t len = init_notify(out, sizeof out, m->hdr.spi_i, type, data, data_len);
    peer_trace(p, MK_EV_INFO, mk_notify_name(type));
    if (len == 0)
        return peer_drop(p, MK_E_BUF_TOO_SMALL);
    peer_answer(p, out, len, port, from, n);
    return MK_E_OK;
}

/* RFC 7296 §2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>) */
static void make_cookie(const peer_sa *p, const uint8_t *ni, size_t ni_len, const mk_addr *from,
                        const uint8_t spi_i[8], uint8_t out[PEER_COOKIE_LEN])
{
    mk_iov iov[4] = {{ni, ni_len},
                     {from->ip, from->family == 6 ? 16u : 4u},
                     {spi_i, 8},
                     {p->cookie_secret, sizeof p->cookie_secret}};
    out[0] = 1;
    mk_sha256(iov, 4, out + 1);
}

static bool cookie_ok(const peer_sa *p, const mk_chain *c, const uint8_t *ni, size_t ni_len,
                      const mk_addr *from, const uint8_t spi_i[8])
{
    uint8_t want[PEER_COOKIE_LEN];
    mk_notify nt;
    /* RFC 7296 §2.6: the returned N(COOKIE) MUST be the first payload of the retried request */
    if (c->n == 0 || c->pl[0].type != MK_PT_NOTIFY ||
        mk_pl_decode_notify(&nt, c->pl[0].body, c->pl[0].len) != MK_E_OK ||
        nt.type != MK_N_COOKIE || nt.data_len != PEER_COOKIE_LEN)
        return false;
    make_cookie(p, ni, ni_len, from, spi_i, want);
    return mk_ct_eq(nt.data, want, PEER_COOKIE_LEN);
}

const mk_transform *peer_find_transform(const mk_proposal *pr, uint8_t type, uint16_t id,
                                        uint16_t bits, bool bits_optional)
{
    for (size_t i = 0; i < pr->n_t; i++) {
        const mk_transform *t = &pr->t[i];
        if (t->type == type && t->id == id &&
            (t->key_bits == bits || (bits_optional && t->key_bits == 0)))
            return t;
    }
    return NULL;
}

bool peer_integ_ok(const mk_proposal *pr, uint16_t integ)
{
    if (integ != 0)
        return peer_find_transform(pr, MK_TT_INTEG, integ, 0, false) != NULL;
    /* AEAD: no integrity transform, or NONE among the offered ones (RFC 5282 §8) */
    for (size_t i = 0; i < pr->n_t; i++)
        if (pr->t[i].type == MK_TT_INTEG && pr->t[i].id == MK_INTEG_NONE)
            return true;
    return mk_proposal_get(pr, MK_TT_INTEG) == NULL;
}

/* RFC 7296 §2.7: the responder picks one proposal the initiator offered, here in the peer's
 * own preference order. Returns the initiator's proposal and the suite, or NULL. */
static const mk_proposal *select_ike(const peer_sa *p, const mk_sa *sa, mk_ike_suite *out,
                                     uint16_t *wire_bits)
{
    for (size_t i = 0; i < p->cfg.n_ike; i++) {
        mk_ike_suite s = p->cfg.ike[i];
        if (p->cfg.script.want_dh != 0)
            s.dh = p->cfg.script.want_dh;
        const mk_encr_class *ec = peer_encr_class(p->cfg.suites, s.encr, s.encr_bits);
        bool opt = ec != NULL && !ec->needs_key_attr;
        for (size_t j = 0; j < sa->n; j++) {
            const mk_proposal *pr = &sa->p[j];
            const mk_transform *te;
            /* RFC 7296 §3.3.1: the SPI Size of an initial IKE SA proposal MUST be zero */
            if (pr->proto != MK_PROTO_IKE || pr->spi_len != 0)
                continue;
            te = peer_find_transform(pr, MK_TT_ENCR, s.encr, s.encr_bits, opt);
            if (te == NULL && opt && s.encr_bits == 0)
                te = peer_find_transform(pr, MK_TT_ENCR, s.encr, ec->key_bits, false);
            if (te == NULL || !peer_find_transform(pr, MK_TT_PRF, s.prf, 0, false) ||
                !peer_integ_ok(pr, s.integ) || !peer_find_transform(pr, MK_TT_DH, s.dh, 0, false))
                continue;
            *out = s;
            *wire_bits = te->key_bits;
            return pr;
        }
    }
    return NULL;
}

static bool offered_anywhere(const mk_sa *sa, uint16_t id, uint16_t bits)
{
    for (size_t j = 0; j < sa->n; j++)
        for (size_t i = 0; i < sa->p[j].n_t; i++)
            if (sa->p[j].t[i].type == MK_TT_ENCR && sa->p[j].t[i].id == id &&
                sa->p[j].t[i].key_bits == bits)
                return true;
    return false;
}

/* Script: an ENCR transform the initiator did not offer (so it must reject the answer). */
static void unoffered_encr(const mk_sa *sa, mk_transform *t)
{
    static const uint16_t cand[][2] = {{MK_ENCR_AES_CBC, 256},
                                       {MK_ENCR_AES_GCM_16, 256},
                                       {MK_ENCR_CHACHA20_POLY1305, 0},
                                       {MK_ENCR_AES_CCM_8, 128},
                                       {3, 0}};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        if (!offered_anywhere(sa, cand[i][0], cand[i][1])) {
            t->id = cand[i][0];
            t->key_bits = cand[i][1];
            return;
        }
    }
}

static void build_sa(mk_sa *out, const mk_proposal *pr, const mk_ike_suite *s, uint16_t bits)
{
    memset(out, 0, sizeof *out);
    out->n = 1;
    mk_proposal *r = &out->p[0];
    /* RFC 7296 §3.3.1: the accepted proposal keeps the initiator's Proposal Num */
    r->num = pr->num;
    r->proto = MK_PROTO_IKE;
    r->spi_len = 0;
    r->t[r->n_t++] = (mk_transform){MK_TT_ENCR, s->encr, bits};
    r->t[r->n_t++] = (mk_transform){MK_TT_PRF, s->prf, 0};
    if (s->integ != 0)
        r->t[r->n_t++] = (mk_transform){MK_TT_INTEG, s->integ, 0};
    r->t[r->n_t++] = (mk_transform){MK_TT_DH, s->dh, 0};
}

/* Writes the IKE_SA_INIT response into p->init_resp. */
static mk_err build_resp(peer_sa *p, const mk_sa *rsa, const uint8_t *pub, size_t pub_len,
                         bool natd, const mk_addr *from)
{
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, p->spi_i, 8);
    memcpy(h.spi_r, p->spi_r, 8);
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_RESPONSE;
    h.length = MK_HDR_LEN;
    mk_wr w = mk_wr_init(p->init_resp, sizeof p->init_resp);
    mk_hdr_encode(&w, &h);
    size_t slot = 16, at;
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, rsa);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, p->sel.dh, pub, pub_len);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_pl_encode_nonce(&w, p->nr, sizeof p->nr);
    mk_pl_end(&w, at);
    if (natd) {
        /* RFC 7296 §2.23: SOURCE_IP hashes our address, DESTINATION_IP the initiator's as
         * seen on this datagram */
        uint8_t hash[20];
        mk_ks_natd(p->spi_i, p->spi_r, &p->cfg.local, hash);
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_NAT_DETECTION_SOURCE_IP, hash, 20);
        mk_pl_end(&w, at);
        mk_ks_natd(p->spi_i, p->spi_r, from, hash);
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_NAT_DETECTION_DESTINATION_IP, hash, 20);
        mk_pl_end(&w, at);
    }
    if (peer_digsig(p)) /* [CERTREQ(15)] N(SIGNATURE_HASH_ALGORITHMS): raw public keys */
        peer_rpk_init_payloads(p, &w, &slot);
    if (w.err != MK_E_OK)
        return w.err;
    uint32_t len = (uint32_t)w.off;
    p->init_resp[24] = (uint8_t)(len >> 24);
    p->init_resp[25] = (uint8_t)(len >> 16);
    p->init_resp[26] = (uint8_t)(len >> 8);
    p->init_resp[27] = (uint8_t)len;
    p->init_resp_len = (uint16_t)len;
    return MK_E_OK;
}

mk_err peer_on_init(peer_sa *p, const mk_msg *m, uint16_t port, const mk_addr *from, uint32_t n)
{
    static const uint8_t zero8[8] = {0};
    const mk_chain *c = &m->chain;
    const mk_pl *pl_sa, *pl_ke, *pl_no;
    mk_sa sa;
    mk_ke ke;
    const uint8_t *ni;
    uint16_t ni_len;
    mk_ike_suite s;
    uint16_t bits = 0;
    uint8_t priv[MK_MAX_DH_PRIV], pub[MK_MAX_DH_PUB], gir[MK_MAX_DH_PUB];
    uint8_t skeyseed[MK_MAX_PRF_OUT];
    bool sig_sha = false, sig_certreq = false;
    uint8_t sig_hashes = 0;
    mk_err e = MK_E_OK;

    /* RFC 7296 §3.14: IKE_SA_INIT is never protected */
    if (m->has_sk)
        return peer_drop(p, MK_E_BAD_SYNTAX);
    /* RFC 7296 §2.5: an unknown payload with the critical bit set rejects the whole message
     * with UNSUPPORTED_CRITICAL_PAYLOAD carrying the payload type */
    if (c->unsupported_critical != 0) {
        uint8_t t = c->unsupported_critical;
        peer_refuse(p, m, MK_E_UNSUPPORTED_CRITICAL);
        return answer_notify(p, m, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1, port, from, n);
    }
    pl_sa = mk_chain_find(c, MK_PT_SA);
    pl_ke = mk_chain_find(c, MK_PT_KE);
    pl_no = mk_chain_find(c, MK_PT_NONCE);
    /* RFC 7296 §1.2: the request carries SA, KE and Ni */
    if (pl_sa == NULL || pl_ke == NULL || pl_no == NULL)
        return peer_drop(p, MK_E_BAD_SYNTAX);
    if ((e = mk_pl_decode_sa(&sa, pl_sa->body, pl_sa->len)) != MK_E_OK ||
        (e = mk_pl_decode_ke(&ke, pl_ke->body, pl_ke->len)) != MK_E_OK ||
        (e = mk_pl_decode_nonce(&ni, &ni_len, pl_no->body, pl_no->len)) != MK_E_OK)
        return peer_drop(p, e);
    /* RFC 7427 §4: the initiator's hash list (and its CERTREQ, RFC 7670) for our AUTH */
    if (peer_digsig(p) &&
        (e = peer_rpk_parse_init(c, &sig_sha, &sig_hashes, &sig_certreq)) != MK_E_OK)
        return peer_drop(p, e);

    /* RFC 7296 §2.6: the cookie is checked before any state or DH work is spent */
    if ((p->cfg.script.cookie || p->want_cookie) && !cookie_ok(p, c, ni, ni_len, from, m->hdr.spi_i)) {
        uint8_t ck[PEER_COOKIE_LEN];
        make_cookie(p, ni, ni_len, from, m->hdr.spi_i, ck);
        return answer_notify(p, m, MK_N_COOKIE, ck, sizeof ck, port, from, n);
    }
    const mk_proposal *pr = p->cfg.script.no_proposal ? NULL : select_ike(p, &sa, &s, &bits);
    /* RFC 7296 §2.7: nothing acceptable: NO_PROPOSAL_CHOSEN */
    if (pr == NULL) {
        peer_refuse(p, m, MK_E_NO_PROPOSAL_CHOSEN);
        return answer_notify(p, m, MK_N_NO_PROPOSAL_CHOSEN, NULL, 0, port, from, n);
    }
    /* RFC 7296 §1.2: a KE of another group than the selected one is answered with
     * INVALID_KE_PAYLOAD carrying the group we want (2 octets) */
    if (ke.group != s.dh) {
        uint8_t g[2] = {(uint8_t)(s.dh >> 8), (uint8_t)s.dh};
        return answer_notify(p, m, MK_N_INVALID_KE_PAYLOAD, g, 2, port, from, n);
    }
    const mk_prf_class *prf = mk_suite_prf(p->cfg.suites, s.prf);
    const mk_dh_class *dh = mk_suite_dh(p->cfg.suites, s.dh);
    const mk_encr_class *encr = peer_encr_class(p->cfg.suites, s.encr, bits ? bits : s.encr_bits);
    const mk_integ_class *integ = s.integ ? mk_suite_integ(p->cfg.suites, s.integ) : NULL;
    if (prf == NULL || dh == NULL || encr == NULL || (s.integ != 0 && integ == NULL))
        return peer_drop(p, MK_E_BAD_CONFIG);
    /* RFC 7296 §2.10: the nonce is at least half the PRF key size */
    if (ni_len < prf->out_len / 2)
        return peer_drop(p, MK_E_BAD_SYNTAX);
    /* RFC 7296 §3.4: the KE data length is fixed by the group */
    if (ke.len != dh->pub_len)
        return peer_drop(p, MK_E_BAD_DH_PUBLIC);

    if ((e = dh->keypair(&p->env, priv, pub)) != MK_E_OK)
        goto out;
    if ((e = dh->shared(priv, ke.data, ke.len, gir)) != MK_E_OK) {
        e = peer_drop(p, e);
        goto out;
    }

    /* The request is acceptable: the old SA (if any) is replaced by this one. */
    peer_reset_sa(p);
    memcpy(p->spi_i, m->hdr.spi_i, 8);
    do
        p->env.rng(p->env.ctx, p->spi_r, 8);
    while (memcmp(p->spi_r, zero8, 8) == 0); /* RFC 7296 §3.1: SPIs are nonzero */
    p->env.rng(p->env.ctx, p->nr, sizeof p->nr);
    memcpy(p->ni, ni, ni_len);
    p->ni_len = ni_len;
    p->sel = s;
    p->sel.encr_bits = bits;
    p->prf = prf;
    p->encr = encr;
    p->integ = integ;
    p->ini_sha = sig_sha;
    p->ini_hashes = sig_hashes;
    p->ini_certreq = sig_certreq;

    /* SKEYSEED = prf(Ni | Nr, g^ir) */
    mk_ks_skeyseed(prf, p->ni, p->ni_len, p->nr, sizeof p->nr, gir, dh->secret_len, skeyseed);
    /* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr) */
    e = mk_ks_ike_keys(prf, integ, encr, skeyseed, p->ni, p->ni_len, p->nr, sizeof p->nr, p->spi_i,
                       p->spi_r, &p->keys);
    if (e != MK_E_OK)
        goto out;

    mk_sa rsa;
    build_sa(&rsa, pr, &s, bits);
    if (p->cfg.script.choose_unoffered)
        unoffered_encr(&sa, &rsa.p[0].t[0]);
    bool natd = p->cfg.natt && mk_chain_find_notify(c, MK_N_NAT_DETECTION_SOURCE_IP) != NULL;
    if ((e = build_resp(p, &rsa, pub, dh->pub_len, natd, from)) != MK_E_OK)
        goto out;
    memcpy(p->init_req, m->dgram, m->len); /* RealMessage1 for the AUTH check (§2.15) */
    p->init_req_len = (uint16_t)m->len;
    p->have_sa = true;
    p->st = MK_PEER_INIT_DONE;
    p->expect_msgid = 1;
    p->on_4500 = port == MK_PORT_NATT;
    p->remote = *from;
    p->stats.round_trips++;

    if (p->cfg.script.forged_error_first) {
        uint8_t forged[MK_MAX_MSG];
        size_t fl = init_notify(forged, sizeof forged, p->spi_i, MK_N_NO_PROPOSAL_CHOSEN, NULL, 0);
        peer_trace(p, MK_EV_INFO, "script: forged NO_PROPOSAL_CHOSEN first");
        peer_queue(p, forged, fl, port, from);
    }
    peer_answer(p, p->init_resp, p->init_resp_len, port, from, n);
out:
    mk_wipe(priv, sizeof priv);
    mk_wipe(gir, sizeof gir);
    mk_wipe(skeyseed, sizeof skeyseed);
    if (e != MK_E_OK && mk_err_class(e) != MK_CLASS_DROP) {
        peer_reset_sa(p);
        p->st = MK_PEER_IDLE;
        return peer_drop(p, e);
    }
    return e;
}
