/* SPDX-License-Identifier: MIT */
/*
 * chk_resp: the adversarial responder of `minike check`. It answers IKE_SA_INIT and IKE_AUTH
 * (PSK, AEAD IKE suites) like an honest RFC 7296 responder, except for the one scripted
 * mutation of the case, and it keeps the facts the judges need: what was answered how and
 * when, and any evidence that the initiator considers the IKE SA up (a protected INFORMATIONAL
 * or CREATE_CHILD_SA request, ESP on our child SPI, an answer to our liveness probe).
 * Every byte it sends is recorded, so a FAIL can show the datagrams behind it.
 */
#include <stdlib.h>
#include <string.h>

#include "chk.h"

enum { NR_DEFAULT = 32, PROBE_MS = 400, REQ_GRACE_MS = 1500 };

/* ---- recording ----------------------------------------------------------------------------- */

void chk_describe(const uint8_t *p, size_t n, bool esp, char *out, size_t cap)
{
    mk_msg m;
    char pl[96];
    if (esp) {
        snprintf(out, cap, "ESP spi %02x%02x%02x%02x, %zu octets", n > 0 ? p[0] : 0,
                 n > 1 ? p[1] : 0, n > 2 ? p[2] : 0, n > 3 ? p[3] : 0, n);
        return;
    }
    if (mk_msg_parse(&m, p, n) != MK_E_OK) {
        snprintf(out, cap, "unparseable, %zu octets", n);
        return;
    }
    mk_chain_describe(&m.chain, pl, sizeof pl);
    snprintf(out, cap, "%s %s #%u flags %02x%s%s %zu B", mk_exchange_name(m.hdr.exchange),
             (m.hdr.flags & MK_HDR_F_RESPONSE) ? "resp" : "req", (unsigned)m.hdr.msgid,
             m.hdr.flags, *pl ? " " : "", pl, n);
    if (m.has_sk) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, " SK{%s...}", mk_pt_name(m.sk_first));
    }
}

void chk_record(chk_run *r, bool rx, bool esp, bool good, const uint8_t *p, size_t n,
                uint64_t now)
{
    if (r->n_ev >= CHK_MAX_EV)
        return;
    chk_ev *e = &r->ev[r->n_ev++];
    e->t_ms = (uint32_t)(now - r->t0);
    e->rx = rx;
    e->esp = esp;
    e->good = good;
    e->len = (uint16_t)(n > 65535 ? 65535 : n);
    size_t keep = n < CHK_EV_BUF ? n : CHK_EV_BUF;
    e->buf = malloc(keep ? keep : 1);
    if (e->buf != NULL && keep)
        memcpy(e->buf, p, keep);
    chk_describe(p, n, esp, e->note, sizeof e->note);
    if (r->verbose && r->log)
        fprintf(r->log, "    %6u ms %s %s\n", e->t_ms, rx ? "<- ini" : "-> ini", e->note);
}

/* Queue a datagram (IKE message without marker) to go out at `at`. */
static void emit(chk_run *r, const uint8_t *msg, size_t len, uint64_t at, bool good)
{
    if (r->n_out >= sizeof r->out / sizeof r->out[0] || len > MK_MAX_MSG)
        return;
    r->out[r->n_out].len = (uint16_t)len;
    memcpy(r->out[r->n_out].buf, msg, len);
    r->out[r->n_out].at_ms = at;
    r->out[r->n_out].good = good;
    r->out[r->n_out].kind = 0;
    r->n_out++;
}

static void note(chk_run *r, const char *s)
{
    if (r->f.note[0] == 0)
        snprintf(r->f.note, sizeof r->f.note, "%s", s);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void hash(const uint8_t *p, size_t n, uint8_t out[32])
{
    mk_iov iov = {p, n};
    mk_sha256(&iov, 1, out);
}

/* ---- unprotected IKE_SA_INIT answers ------------------------------------------------------- */

static size_t init_notify(uint8_t *out, size_t cap, const uint8_t spi_i[8], uint16_t type,
                          const uint8_t *data, size_t dlen, uint8_t exchange, uint32_t msgid)
{
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, spi_i, 8);
    h.version = 0x20;
    h.exchange = exchange;
    h.flags = MK_HDR_F_RESPONSE;
    h.msgid = msgid;
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr_encode(&w, &h);
    size_t slot = 16;
    size_t at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(&w, 0, NULL, 0, type, data, dlen);
    mk_pl_end(&w, at);
    if (w.err != MK_E_OK)
        return 0;
    put32(out + 24, (uint32_t)w.off);
    return w.off;
}

/* ---- proposal selection -------------------------------------------------------------------- */

static const mk_transform *find_t(const mk_proposal *p, uint8_t type, uint16_t id)
{
    for (size_t i = 0; i < p->n_t; i++)
        if (p->t[i].type == type && p->t[i].id == id)
            return &p->t[i];
    return NULL;
}

static bool integ_none_ok(const mk_proposal *p)
{
    for (size_t i = 0; i < p->n_t; i++)
        if (p->t[i].type == MK_TT_INTEG && p->t[i].id != MK_INTEG_NONE)
            return false;
    return true;
}

/* Our preference order over the initiator's proposals; skip = how many matching proposals of
 * the initiator to pass over (M_SA_SECOND). */
static const mk_proposal *select_ike(chk_run *r, const mk_sa *sa, int skip, mk_ike_suite *out,
                                     uint16_t *bits)
{
    const chk_setup *su = r->setup;
    for (size_t j = 0; j < sa->n; j++) {
        const mk_proposal *p = &sa->p[j];
        if (p->proto != MK_PROTO_IKE || p->spi_len != 0)
            continue;
        for (size_t i = 0; i < su->n_ike; i++) {
            const mk_ike_suite *s = &su->ike[i];
            const mk_transform *te = find_t(p, MK_TT_ENCR, s->encr);
            if (te == NULL || !find_t(p, MK_TT_PRF, s->prf) || !find_t(p, MK_TT_DH, s->dh) ||
                !integ_none_ok(p))
                continue;
            if (s->encr_bits != 0 && te->key_bits != s->encr_bits)
                continue;
            if (s->encr_bits == 0 && te->key_bits != 0 && te->key_bits != 256)
                continue;
            if (r->want_dh != 0 && s->dh != r->want_dh)
                continue;
            if (r->pinned && memcmp(s, &r->pin, sizeof *s) != 0)
                continue;
            if (skip-- > 0)
                goto next_proposal;
            *out = *s;
            *bits = te->key_bits;
            return p;
        }
    next_proposal:;
    }
    return NULL;
}

/* X25519 small-order points (RFC 7748 §5; the usual blocklist), little-endian u. */
static const uint8_t small_order[5][32] = {
    {0},
    {1},
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

/* Does this mutation change the IKE_SA_INIT answer? (Then good and bad answers differ.) */
static bool init_mut(uint16_t m)
{
    return m >= M_HDR_FLAG_I && m <= M_INIT_DUP_NONCE && m != M_NONCE_LEN && m != M_SA_SECOND &&
           m != M_SA_REORDER && m != M_INIT_UNKNOWN_NONCRIT && m != M_INIT_VENDOR &&
           m != M_INIT_STATUS_NOTIFY && m != M_INIT_CERTREQ && m != M_INIT_NATD_WRONG &&
           m != M_HDR_FLAG_V && m != M_HDR_RESERVED_FLAGS && m != M_HDR_MINOR;
}

/* Mutations that are valid: they are applied to every answer and the SA uses them. */
static bool init_valid_mut(uint16_t m)
{
    return m == M_NONCE_LEN || m == M_SA_SECOND || m == M_SA_REORDER ||
           m == M_INIT_UNKNOWN_NONCRIT || m == M_INIT_VENDOR || m == M_INIT_STATUS_NOTIFY ||
           m == M_INIT_CERTREQ || m == M_INIT_NATD_WRONG || m == M_HDR_FLAG_V ||
           m == M_HDR_RESERVED_FLAGS || m == M_HDR_MINOR ||
           (m >= M_RPK_CERTREQ && m <= M_RPK_NO_HASH_NOTIFY);
}

static void put_notify(mk_wr *w, size_t *slot, uint16_t type, const uint8_t *d, size_t n)
{
    size_t at = mk_pl_begin(w, slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(w, 0, NULL, 0, type, d, n);
    mk_pl_end(w, at);
}

/* Build the IKE_SA_INIT answer; `mut` M_NONE for the honest one. */
static size_t build_init(chk_run *r, uint16_t mut, const mk_msg *req, const mk_addr *from,
                         uint8_t *out, size_t cap)
{
    chk_sa *sa = &r->sa;
    int32_t arg = r->c->arg;
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, sa->spi_i, 8);
    memcpy(h.spi_r, sa->spi_r, 8);
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_RESPONSE;
    switch (mut) {
    case M_HDR_FLAG_I: h.flags |= MK_HDR_F_INITIATOR; break;
    case M_HDR_NO_R: h.flags &= (uint8_t)~MK_HDR_F_RESPONSE; break;
    case M_HDR_VERSION: h.version = (uint8_t)arg; break;
    case M_HDR_MSGID: h.msgid = (uint32_t)arg; break;
    case M_HDR_SPII: h.spi_i[0] ^= 0x5a; break;
    case M_HDR_SPIR_ZERO: memset(h.spi_r, 0, 8); break;
    case M_HDR_EXCHANGE: h.exchange = (uint8_t)arg; break;
    case M_HDR_FLAG_V: h.flags |= MK_HDR_F_VERSION; break;
    case M_HDR_RESERVED_FLAGS: h.flags |= 0xc7; break;
    case M_HDR_MINOR: h.version = 0x21; break;
    default: break;
    }
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr_encode(&w, &h);
    size_t slot = 16, at;

    /* SA */
    if (mut != M_SA_MISSING) {
        mk_sa rs;
        memset(&rs, 0, sizeof rs);
        rs.n = 1;
        mk_proposal *p = &rs.p[0];
        p->num = sa->prop_num;
        p->proto = MK_PROTO_IKE;
        p->t[p->n_t++] = (mk_transform){MK_TT_ENCR, sa->sel.encr, sa->wire_bits};
        p->t[p->n_t++] = (mk_transform){MK_TT_PRF, sa->sel.prf, 0};
        p->t[p->n_t++] = (mk_transform){MK_TT_DH, sa->sel.dh, 0};
        switch (mut) {
        case M_SA_REORDER: {
            mk_transform t = p->t[0];
            p->t[0] = p->t[2];
            p->t[2] = t;
            break;
        }
        case M_SA_KEYLEN_WRONG: p->t[0].key_bits = (uint16_t)arg; break;
        case M_SA_KEYLEN_DROP: p->t[0].key_bits = 0; break;
        case M_SA_UNKNOWN_TYPE: p->t[p->n_t++] = (mk_transform){(uint8_t)arg, 1, 0}; break;
        case M_SA_UNKNOWN_ID: p->t[0].id = (uint16_t)arg; break;
        case M_SA_UNOFFERED_DH: p->t[2].id = (uint16_t)arg; break;
        case M_SA_UNOFFERED_PRF: p->t[1].id = (uint16_t)arg; break;
        case M_SA_TWO_SAME_TYPE: p->t[p->n_t++] = p->t[0]; break;
        case M_SA_INTEG_WITH_AEAD:
            p->t[p->n_t++] = (mk_transform){MK_TT_INTEG, MK_INTEG_HMAC_SHA2_256_128, 0};
            break;
        case M_SA_PROPNUM: p->num = (uint8_t)arg; break;
        case M_SA_SPI_SIZE:
            p->spi_len = (uint8_t)arg;
            memset(p->spi, 0x11, sizeof p->spi);
            break;
        case M_SA_PROTO: p->proto = (uint8_t)arg; break;
        case M_SA_TWO_PROPOSALS:
            rs.n = 2;
            rs.p[1] = *p;
            rs.p[1].num = (uint8_t)(p->num + 1);
            break;
        default: break;
        }
        at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
        if (mut == M_SA_TWO_PROPOSALS) {
            mk_pl_encode_proposal(&w, &rs.p[0], false);
            mk_pl_encode_proposal(&w, &rs.p[1], true);
        } else {
            mk_pl_encode_proposal(&w, p, true);
        }
        mk_pl_end(&w, at);
    }
    /* KE */
    if (mut != M_KE_MISSING) {
        uint8_t ke[MK_MAX_DH_PUB + 64];
        size_t kl = sa->dh->pub_len;
        uint16_t group = sa->sel.dh;
        memcpy(ke, sa->pub, kl);
        if (mut == M_KE_LEN) {
            int d = arg;
            if (d > 0) {
                memset(ke + kl, 0x42, (size_t)d);
                kl += (size_t)d;
            } else {
                kl = (size_t)(-d) < kl ? kl - (size_t)(-d) : 0;
            }
        }
        if (mut == M_KE_GROUP)
            group = (uint16_t)arg;
        if (mut == M_KE_ZERO)
            memset(ke, 0, kl);
        if (mut == M_KE_SMALL_ORDER && kl == 32)
            memcpy(ke, small_order[arg % 5], 32);
        at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
        mk_pl_encode_ke(&w, group, ke, kl);
        mk_pl_end(&w, at);
    }
    /* Nonce */
    if (mut != M_NONCE_MISSING) {
        at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
        mk_wr_bytes(&w, sa->nr, sa->nr_len);
        mk_pl_end(&w, at);
        if (mut == M_INIT_DUP_NONCE) {
            at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
            mk_wr_bytes(&w, sa->nr, sa->nr_len);
            mk_pl_end(&w, at);
        }
    }
    /* NAT detection, only if the initiator sent it (RFC 7296 §2.23) */
    if (mk_chain_find_notify(&req->chain, MK_N_NAT_DETECTION_SOURCE_IP) != NULL) {
        uint8_t hs[20];
        mk_ks_natd(sa->spi_i, sa->spi_r, &r->setup->local, hs);
        if (mut == M_INIT_NATD_WRONG)
            hs[0] ^= 1;
        put_notify(&w, &slot, MK_N_NAT_DETECTION_SOURCE_IP, hs, 20);
        mk_ks_natd(sa->spi_i, sa->spi_r, from, hs);
        if (mut == M_INIT_NATD_WRONG)
            hs[0] ^= 1;
        put_notify(&w, &slot, MK_N_NAT_DETECTION_DESTINATION_IP, hs, 20);
    }
    /* raw keys: N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 §4), CERTREQ(15) in its case */
    if (r->setup->rpk)
        chk_rpk_init_payloads(r, &w, &slot);
    static const uint8_t junk[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
    switch (mut) {
    case M_INIT_UNKNOWN_NONCRIT:
    case M_INIT_UNKNOWN_CRIT:
        at = mk_pl_begin(&w, &slot, (uint8_t)arg, mut == M_INIT_UNKNOWN_CRIT);
        mk_wr_bytes(&w, junk, sizeof junk);
        mk_pl_end(&w, at);
        break;
    case M_INIT_VENDOR: {
        static const uint8_t vid[] = "minike check vendor id";
        at = mk_pl_begin(&w, &slot, MK_PT_VENDOR, false);
        mk_wr_bytes(&w, vid, sizeof vid - 1);
        mk_pl_end(&w, at);
        break;
    }
    case M_INIT_STATUS_NOTIFY: put_notify(&w, &slot, (uint16_t)arg, junk, 4); break;
    case M_INIT_ERROR_WITH_SA: put_notify(&w, &slot, (uint16_t)arg, NULL, 0); break;
    case M_INIT_CERTREQ: {
        uint8_t cr[1] = {(uint8_t)arg};
        at = mk_pl_begin(&w, &slot, MK_PT_CERTREQ, false);
        mk_wr_bytes(&w, cr, 1);
        mk_pl_end(&w, at);
        break;
    }
    case M_TRAILING: (void)mk_wr_reserve(&w, (size_t)arg); break;
    default: break;
    }
    if (w.err != MK_E_OK)
        return 0;
    uint32_t len = (uint32_t)w.off;
    put32(out + 24, mut == M_HDR_LEN_PLUS ? len + (uint32_t)arg : len);
    if (mut == M_TRUNCATE && (size_t)arg < w.off)
        return (size_t)arg;
    return w.off;
}

/* The honest responder's proposal/KE checks, then the SA: keys from what is actually sent. */
static int setup_sa(chk_run *r, const mk_msg *m, const mk_addr *from, uint64_t now)
{
    chk_sa *sa = &r->sa;
    const mk_pl *psa = mk_chain_find(&m->chain, MK_PT_SA);
    const mk_pl *pke = mk_chain_find(&m->chain, MK_PT_KE);
    const mk_pl *pno = mk_chain_find(&m->chain, MK_PT_NONCE);
    static mk_sa isa; /* 1.6 KB; one run at a time */
    mk_ke ke;
    const uint8_t *ni;
    uint16_t ni_len;
    mk_ike_suite s;
    uint16_t bits = 0;
    uint8_t gir[MK_MAX_DH_PUB], skeyseed[MK_MAX_PRF_OUT];
    (void)now;
    (void)from;

    if (psa == NULL || pke == NULL || pno == NULL ||
        mk_pl_decode_sa(&isa, psa->body, psa->len) != MK_E_OK ||
        mk_pl_decode_ke(&ke, pke->body, pke->len) != MK_E_OK ||
        mk_pl_decode_nonce(&ni, &ni_len, pno->body, pno->len) != MK_E_OK) {
        note(r, "the initiator's IKE_SA_INIT request is malformed");
        return -1;
    }
    /* M_SA_SECOND: the suite of the initiator's second proposal, kept across its retries (an
     * initiator may reorder its proposals after INVALID_KE) */
    int skip = r->c->mut == M_SA_SECOND && !r->pinned ? 1 : 0;
    const mk_proposal *p = select_ike(r, &isa, skip, &s, &bits);
    if (p != NULL && r->c->mut == M_SA_SECOND && !r->pinned) {
        r->pinned = true;
        r->pin = s;
    }
    if (p == NULL && skip) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why,
                 "the initiator offers no second proposal the checker can serve "
                 "(configure two IKE proposals)");
        return -1;
    }
    if (p == NULL) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why,
                 "the initiator offers no IKE proposal the checker serves (AEAD: aes128gcm16, "
                 "aes256gcm16 or chacha20poly1305 with prfsha256/384/512 and "
                 "x25519/ecp256/modp2048)");
        return -1;
    }
    if (ke.group != s.dh)
        return (int)s.dh; /* caller answers INVALID_KE */
    memset(sa, 0, sizeof *sa);
    memcpy(sa->spi_i, m->hdr.spi_i, 8);
    do
        r->env.rng(r->env.ctx, sa->spi_r, 8);
    while (sa->spi_r[0] == 0);
    sa->sel = s;
    sa->wire_bits = bits;
    sa->prop_num = p->num;
    sa->prf = mk_suite_prf(r->setup->suites, s.prf);
    sa->dh = mk_suite_dh(r->setup->suites, s.dh);
    sa->encr = mk_suite_encr(r->setup->suites, s.encr, bits);
    if (sa->encr == NULL && bits == 0)
        sa->encr = mk_suite_encr(r->setup->suites, s.encr, 256);
    sa->integ = NULL;
    if (r->c->mut == M_SA_KEYLEN_DROP && bits == 0) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why,
                 "the selected cipher has no Key Length attribute to leave out");
        return -1;
    }
    bool x25519 = s.dh == MK_DH_X25519;
    if (!x25519 && (r->c->mut == M_KE_ZERO || r->c->mut == M_KE_SMALL_ORDER)) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why, "X25519 case; the initiator's group is %u", s.dh);
        return -1;
    }
    if (sa->prf == NULL || sa->dh == NULL || sa->encr == NULL || !sa->encr->aead) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why, "suite not servable by the checker");
        return -1;
    }
    memcpy(sa->ni, ni, ni_len);
    sa->ni_len = ni_len;
    sa->nr_len = r->c->mut == M_NONCE_LEN ? (uint16_t)r->c->arg : NR_DEFAULT;
    if (sa->nr_len > sizeof sa->nr)
        sa->nr_len = sizeof sa->nr;
    r->env.rng(r->env.ctx, sa->nr, sa->nr_len);
    if (sa->dh->keypair(&r->env, sa->priv, sa->pub) != MK_E_OK)
        return -1;
    memcpy(sa->init_req, m->dgram, m->len);
    sa->init_req_len = (uint16_t)m->len;
    sa->have = true;
    if (r->setup->rpk)
        chk_rpk_parse_init(r, &m->chain);
    sa->ini_next_msgid = 2;
    if (sa->dh->shared(sa->priv, ke.data, ke.len, gir) != MK_E_OK) {
        note(r, "the initiator's KE is not a valid public value");
        return 0; /* keys stay unusable; IKE_AUTH will not open */
    }
    /* SKEYSEED = prf(Ni | Nr, g^ir); the nonce as sent, whatever its length (keys of a
     * nonce-length case must be what a conforming initiator computes) */
    size_t nrl = sa->nr_len > MK_MAX_NONCE ? MK_MAX_NONCE : sa->nr_len;
    mk_ks_skeyseed(sa->prf, sa->ni, sa->ni_len, sa->nr, nrl, gir, sa->dh->secret_len, skeyseed);
    sa->keys_ok = mk_ks_ike_keys(sa->prf, NULL, sa->encr, skeyseed, sa->ni, sa->ni_len, sa->nr,
                                 nrl, sa->spi_i, sa->spi_r, &sa->keys) == MK_E_OK;
    mk_wipe(gir, sizeof gir);
    mk_wipe(skeyseed, sizeof skeyseed);
    return 0;
}

static uint16_t first_offered_other_group(const mk_msg *m, uint16_t sent)
{
    const mk_pl *psa = mk_chain_find(&m->chain, MK_PT_SA);
    static mk_sa isa;
    if (psa == NULL || mk_pl_decode_sa(&isa, psa->body, psa->len) != MK_E_OK)
        return 0;
    for (size_t j = 0; j < isa.n; j++)
        for (size_t i = 0; i < isa.p[j].n_t; i++)
            if (isa.p[j].t[i].type == MK_TT_DH && isa.p[j].t[i].id != sent)
                return isa.p[j].t[i].id;
    return 0;
}

static void on_init(chk_run *r, const mk_msg *m, const mk_addr *from, uint64_t now)
{
    const chk_case *c = r->c;
    chk_sa *sa = &r->sa;
    int k = r->f.init_reqs++;
    chk_step st = {P_ANSWER, 0};
    uint8_t out[MK_MAX_MSG];
    size_t n;

    if (c->np > 0)
        st = c->plan[k < c->np ? k : c->np - 1];
    switch (st.kind) {
    case P_SILENT: return;
    case P_COOKIE: {
        uint8_t ck[300];
        size_t cl = st.arg > sizeof ck ? sizeof ck : st.arg;
        for (size_t i = 0; i < cl; i++)
            ck[i] = (uint8_t)(0xc0u + (unsigned)k + i); /* differs per round: "repeated cookies" */
        n = init_notify(out, sizeof out, m->hdr.spi_i, MK_N_COOKIE, ck, cl, MK_EX_IKE_SA_INIT,
                        0);
        r->f.init_answers++;
        emit(r, out, n, now, true);
        return;
    }
    case P_INVALID_KE: {
        const mk_pl *pke = mk_chain_find(&m->chain, MK_PT_KE);
        mk_ke ke = {0};
        if (pke)
            (void)mk_pl_decode_ke(&ke, pke->body, pke->len);
        uint16_t g = st.arg;
        if (g == 0) {
            g = first_offered_other_group(m, ke.group);
            if (g == 0) {
                r->na = true;
                snprintf(r->na_why, sizeof r->na_why,
                         "the initiator offers a single DH group (configure two)");
                return;
            }
        }
        uint8_t gd[2] = {(uint8_t)(g >> 8), (uint8_t)g};
        n = init_notify(out, sizeof out, m->hdr.spi_i, MK_N_INVALID_KE_PAYLOAD, gd, 2,
                        MK_EX_IKE_SA_INIT, 0);
        r->f.init_answers++;
        if (st.arg == 0) /* an offered group: the answer to the retry must use it */
            r->want_dh = g;
        emit(r, out, n, now, true);
        return;
    }
    case P_NOTIFY:
        n = init_notify(out, sizeof out, m->hdr.spi_i, st.arg, NULL, 0, MK_EX_IKE_SA_INIT, 0);
        r->f.init_answers++;
        emit(r, out, n, now, false);
        return;
    default: break;
    }

    /* P_ANSWER: a retransmission of the request we answered gets the same answer */
    bool same = sa->have && m->len == sa->init_req_len &&
                memcmp(m->dgram, sa->init_req, m->len) == 0;
    if (!same) {
        int g = setup_sa(r, m, from, now);
        if (g > 0) { /* honest INVALID_KE: the KE is not of the group we chose */
            uint8_t gd[2] = {(uint8_t)(g >> 8), (uint8_t)g};
            n = init_notify(out, sizeof out, m->hdr.spi_i, MK_N_INVALID_KE_PAYLOAD, gd, 2,
                            MK_EX_IKE_SA_INIT, 0);
            emit(r, out, n, now, true);
            r->f.init_answers++;
            return;
        }
        if (g < 0)
            return;
        uint16_t vm = init_valid_mut(c->mut) ? c->mut : M_NONE;
        n = build_init(r, vm, m, from, sa->init_resp, sizeof sa->init_resp);
        sa->init_resp_len = (uint16_t)n;
        if (init_mut(c->mut)) {
            n = build_init(r, c->mut, m, from, sa->bad_resp, sizeof sa->bad_resp);
            sa->bad_resp_len = (uint16_t)n;
        }
    }
    bool bad = init_mut(c->mut) && (c->judge != J_NOT_ACT || r->f.init_good_sent == 0) &&
               !(c->judge == J_NOT_ACT && r->f.init_answers > 0 && k > 0);
    r->f.init_answers++;
    uint64_t at = now;
    if (c->mut == M_DELAY_INIT && r->f.init_good_sent == 0)
        at = now + (uint64_t)c->arg;
    if (!bad) {
        if (c->mut == M_PRE_JUNK || c->mut == M_PRE_NOT_IKE) {
            uint8_t j[512];
            size_t jl = (size_t)c->arg < sizeof j ? (size_t)c->arg : sizeof j;
            r->env.rng(r->env.ctx, j, jl);
            if (c->mut == M_PRE_NOT_IKE)
                memset(j, 0xff, jl);
            emit(r, j, jl, at, false);
        } else if (c->mut == M_PRE_TRUNC) {
            emit(r, sa->init_resp, (size_t)c->arg < sa->init_resp_len ? (size_t)c->arg : 10, at,
                 false);
        } else if (c->mut == M_PRE_FORGED) {
            n = init_notify(out, sizeof out, sa->spi_i, (uint16_t)c->arg, NULL, 0,
                            MK_EX_IKE_SA_INIT, 0);
            emit(r, out, n, at, false);
        } else if (c->mut == M_PRE_OTHER_SPI) {
            memcpy(out, sa->init_resp, sa->init_resp_len);
            out[0] ^= 0x77;
            emit(r, out, sa->init_resp_len, at, false);
        }
        emit(r, sa->init_resp, sa->init_resp_len, at, true);
        if (c->mut == M_DUP_INIT)
            emit(r, sa->init_resp, sa->init_resp_len, at, true);
        if (r->f.init_good_sent++ == 0)
            r->f.first_good_init_ms = (uint32_t)(at - r->t0);
    } else {
        emit(r, sa->bad_resp, sa->bad_resp_len, at, false);
    }
}

/* ---- SK --------------------------------------------------------------------------------- */

/* Seal an AEAD SK message: header from the arguments, plaintext as given (the caller appends
 * padding and the Pad Length octet). iv_cut: octets of IV left out on the wire. */
static size_t seal(chk_run *r, uint8_t exch, uint8_t flags, uint32_t msgid, const uint8_t spi_r[8],
                   uint8_t first, const uint8_t *pt, size_t pt_len, bool with_ei, size_t iv_cut,
                   uint8_t *out, size_t cap)
{
    chk_sa *sa = &r->sa;
    const mk_encr_class *e = sa->encr;
    size_t ivl = e->iv_len, icv = e->icv_len;
    size_t sk_len = MK_GEN_HDR_LEN + ivl + pt_len + icv;
    size_t total = MK_HDR_LEN + sk_len;
    uint8_t iv[16];
    if (total > cap || pt_len > MK_MAX_MSG)
        return 0;
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, sa->spi_i, 8);
    memcpy(h.spi_r, spi_r, 8);
    h.next = MK_PT_SK;
    h.version = 0x20;
    h.exchange = exch;
    h.flags = flags;
    h.msgid = msgid;
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr_encode(&w, &h);
    put32(out + 24, (uint32_t)total);
    out[28] = first;
    out[29] = 0;
    out[30] = (uint8_t)(sk_len >> 8);
    out[31] = (uint8_t)sk_len;
    r->env.rng(r->env.ctx, iv, ivl);
    memcpy(out + 32, iv, ivl);
    uint8_t *ct = out + 32 + ivl;
    memcpy(ct, pt, pt_len);
    /* RFC 5282 §5.1: the AAD is the IKE header through the SK generic header */
    if (e->seal(with_ei ? sa->keys.ei : sa->keys.er, iv, out, 32, ct, pt_len, ct + pt_len) !=
        MK_E_OK)
        return 0;
    if (iv_cut > 0 && iv_cut < ivl) {
        memmove(out + 32 + ivl - iv_cut, out + 32 + ivl, pt_len + icv);
        total -= iv_cut;
        sk_len -= iv_cut;
        put32(out + 24, (uint32_t)total);
        out[30] = (uint8_t)(sk_len >> 8);
        out[31] = (uint8_t)sk_len;
    }
    return total;
}

/* Seal `inner` (first type at inner[0], chain from inner+1) with Pad Length 0 + extra. */
static size_t seal_inner(chk_run *r, uint8_t exch, uint8_t flags, uint32_t msgid,
                         const uint8_t *inner, size_t ilen, size_t extra_pad, uint8_t pad_len_oct,
                         bool bad_pad, uint8_t *out, size_t cap)
{
    uint8_t pt[MK_MAX_MSG];
    size_t n = ilen - 1;
    if (n + extra_pad + 1 > sizeof pt)
        return 0;
    memcpy(pt, inner + 1, n);
    memset(pt + n, 0, extra_pad);
    n += extra_pad;
    pt[n++] = bad_pad ? pad_len_oct : (uint8_t)extra_pad;
    size_t l = seal(r, exch, flags, msgid, r->sa.spi_r, inner[0], pt, n, false, 0, out, cap);
    mk_wipe(pt, sizeof pt);
    return l;
}

static mk_wr inner_init(uint8_t *buf, size_t cap, size_t *slot)
{
    mk_wr w = mk_wr_init(buf, cap);
    mk_wr_u8(&w, MK_PT_NONE);
    *slot = 0;
    return w;
}

static bool open_req(chk_run *r, const mk_msg *m, uint8_t *plain, size_t cap, mk_chain *in)
{
    mk_sk_keys k = {r->sa.encr, NULL, r->sa.keys.ei, r->sa.keys.ai};
    if (!r->sa.keys_ok)
        return false;
    return mk_sk_open(m, &k, plain, cap, in) == MK_E_OK;
}

/* ---- acceptance evidence ------------------------------------------------------------------ */

static void evidence(chk_run *r, const char *how, uint64_t now)
{
    if (r->f.accepted)
        return;
    r->f.accepted = true;
    r->f.accepted_ms = (uint32_t)(now - r->t0);
    r->f.accepted_how = how;
    if (r->f.auth_good_sent == 0)
        r->f.accepted_before_good = 1;
    r->probe_at = 0;
    uint16_t m = r->c->mut;
    if (m >= M_REQ_LIVENESS && m <= M_REQ_EXCHANGE && !r->req_done)
        r->req_at = now + 50;
}

/* ---- IKE_AUTH ----------------------------------------------------------------------------- */

/* ESP answer: the initiator's first ESP proposal, one transform of each type it holds. */
static bool child_sa(chk_run *r, const mk_chain *in, mk_wr *w, size_t *slot)
{
    const mk_pl *psa = mk_chain_find(in, MK_PT_SA);
    const mk_pl *ptsi = mk_chain_find(in, MK_PT_TSI);
    const mk_pl *ptsr = mk_chain_find(in, MK_PT_TSR);
    static mk_sa isa;
    mk_tsl tsi, tsr;
    uint16_t mut = r->c->mut;
    if (psa == NULL || ptsi == NULL || ptsr == NULL)
        return false;
    if (mk_pl_decode_sa(&isa, psa->body, psa->len) != MK_E_OK ||
        mk_pl_decode_ts(&tsi, ptsi->body, ptsi->len) != MK_E_OK ||
        mk_pl_decode_ts(&tsr, ptsr->body, ptsr->len) != MK_E_OK || tsi.n == 0 || tsr.n == 0 ||
        isa.n == 0) {
        note(r, "the initiator's child SA payloads are malformed");
        put_notify(w, slot, MK_N_INVALID_SYNTAX, NULL, 0);
        return true;
    }
    if (mut == M_CHILD_NOTIFY) {
        put_notify(w, slot, (uint16_t)r->c->arg, NULL, 0);
        return true;
    }
    const mk_proposal *ip = &isa.p[0];
    mk_sa rs;
    memset(&rs, 0, sizeof rs);
    rs.n = 1;
    mk_proposal *p = &rs.p[0];
    p->num = ip->num;
    p->proto = mut == M_CHILD_PROTO_AH ? MK_PROTO_AH : MK_PROTO_ESP;
    p->spi_len = 4;
    uint32_t spi;
    do {
        uint8_t b[4];
        r->env.rng(r->env.ctx, b, 4);
        spi = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    } while (spi < 256);
    put32(p->spi, mut == M_CHILD_SPI_ZERO ? 0 : spi);
    if (mut == M_CHILD_SPI_SIZE) {
        p->spi_len = (uint8_t)r->c->arg;
        memset(p->spi + 4, 0x33, 4);
    }
    r->sa.child_spi_in = spi;
    if (ip->spi_len == 4)
        r->sa.child_spi_out = (uint32_t)ip->spi[0] << 24 | (uint32_t)ip->spi[1] << 16 |
                              (uint32_t)ip->spi[2] << 8 | ip->spi[3];
    bool have[6] = {0};
    for (size_t i = 0; i < ip->n_t; i++) {
        const mk_transform *t = &ip->t[i];
        if (t->type > 5 || have[t->type])
            continue;
        if (t->type == MK_TT_ESN) {
            /* prefer "no ESN" when offered */
            if (find_t(ip, MK_TT_ESN, MK_ESN_NONE) && t->id != MK_ESN_NONE)
                continue;
        }
        have[t->type] = true;
        p->t[p->n_t++] = *t;
    }
    for (size_t i = 0; i < p->n_t; i++) {
        if (mut == M_CHILD_ESN && p->t[i].type == MK_TT_ESN)
            p->t[i].id = 1;
        if (mut == M_CHILD_UNOFFERED && p->t[i].type == MK_TT_ENCR) {
            p->t[i].id = p->t[i].id == MK_ENCR_AES_CCM_8 ? MK_ENCR_AES_CCM_12 : MK_ENCR_AES_CCM_8;
            p->t[i].key_bits = 128;
        }
    }
    if (mut == M_CHILD_NO_ESN) {
        size_t k = 0;
        for (size_t i = 0; i < p->n_t; i++)
            if (p->t[i].type != MK_TT_ESN)
                p->t[k++] = p->t[i];
        p->n_t = (uint8_t)k;
    }
    if (mut == M_CHILD_ESN && !have[MK_TT_ESN])
        p->t[p->n_t++] = (mk_transform){MK_TT_ESN, 1, 0};
    size_t at = mk_pl_begin(w, slot, MK_PT_SA, false);
    mk_pl_encode_sa(w, &rs);
    mk_pl_end(w, at);
    if (mut == M_TS_MISSING)
        return true;
    mk_ts ti = tsi.ts[0], tr = tsr.ts[0];
    if (mut == M_TS_NARROW && tr.type == MK_TS_IPV4_RANGE)
        memcpy(tr.end, tr.start, 4);
    if (mut == M_TS_WIDEN) {
        memset(tr.start, 0, 16);
        memset(tr.end, 0xff, tr.type == MK_TS_IPV4_RANGE ? 4 : 16);
        memset(ti.start, 0, 16);
        memset(ti.end, 0xff, ti.type == MK_TS_IPV4_RANGE ? 4 : 16);
        tr.start_port = ti.start_port = 0;
        tr.end_port = ti.end_port = 65535;
    }
    if (mut == M_TS_PORT_NARROW) {
        ti.proto = 17;
        ti.start_port = ti.end_port = (uint16_t)r->c->arg;
    }
    at = mk_pl_begin(w, slot, MK_PT_TSI, false);
    mk_pl_encode_ts(w, &ti, 1);
    mk_pl_end(w, at);
    at = mk_pl_begin(w, slot, MK_PT_TSR, false);
    mk_pl_encode_ts(w, &tr, 1);
    mk_pl_end(w, at);
    if (mut == M_AUTH_TRANSPORT)
        put_notify(w, slot, MK_N_USE_TRANSPORT_MODE, NULL, 0);
    r->sa.child_ok = true;
    return true;
}

static bool auth_mut(uint16_t m)
{
    return (m >= M_SK_BAD_ICV && m <= M_AUTH_SPIR && m != M_SK_EXTRA_PAD && m != M_CHILD_NONE &&
            m != M_CHILD_NOTIFY && m != M_TS_NARROW && m != M_TS_PORT_NARROW &&
            m != M_AUTH_UNKNOWN_NONCRIT && m != M_AUTH_STATUS_NOTIFY) ||
           (m >= M_RPK_OTHER_KEY && m <= M_RPK_PSK_METHOD);
}

/* Build the IKE_AUTH answer (mutation `mut`, M_NONE = honest) into out. */
static size_t build_auth(chk_run *r, uint16_t mut, const mk_msg *m, const mk_chain *in,
                         uint8_t *out, size_t cap)
{
    chk_sa *sa = &r->sa;
    const chk_setup *su = r->setup;
    uint8_t inner[MK_MAX_MSG];
    size_t slot;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    int32_t arg = r->c->arg;

    if (mut == M_AUTH_FAILED || !sa->auth_ok) {
        put_notify(&w, &slot, MK_N_AUTHENTICATION_FAILED, NULL, 0);
    } else {
        uint8_t idb[4 + MK_MAX_ID];
        uint8_t idt = su->idr.type;
        size_t idl = su->idr.len;
        memcpy(idb + 4, su->idr.data, idl);
        if (mut == M_IDR_OTHER) {
            static const char o[] = "someone-else.invalid";
            idl = sizeof o - 1;
            memcpy(idb + 4, o, idl);
        }
        if (mut == M_IDR_TYPE)
            idt = (uint8_t)arg;
        idb[0] = idt;
        idb[1] = idb[2] = idb[3] = 0;
        /* raw keys: IDr, then CERT(15) and AUTH from chk_rpk.c; the PSK-MAC scripts (method
         * 1/14 with the PSK MAC, method 2 where keys are configured) stay below */
        bool psk_mac = !su->rpk || mut == M_AUTH_METHOD || mut == M_RPK_PSK_METHOD;
        if (!psk_mac) {
            if (mut != M_IDR_MISSING) {
                size_t at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
                mk_pl_encode_id(&w, idt, idb + 4, idl);
                mk_pl_end(&w, at);
            }
            if (!chk_rpk_auth(r, mut, in, idb, 4 + idl, &w, &slot)) {
                w = inner_init(inner, sizeof inner, &slot);
                put_notify(&w, &slot, MK_N_AUTHENTICATION_FAILED, NULL, 0);
                goto sealed;
            }
            goto child;
        }
        uint8_t auth[MK_MAX_PRF_OUT];
        /* ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload) */
        if (mut == M_AUTH_WRONG) {
            uint8_t bad[MK_MAX_PSK];
            memcpy(bad, su->psk, su->psk_len);
            bad[0] ^= 0xff;
            mk_ks_auth_psk(sa->prf, bad, su->psk_len, sa->init_resp, sa->init_resp_len, sa->ni,
                           sa->ni_len, sa->keys.pr, idb, 4 + idl, auth);
        } else if (mut == M_AUTH_OVER_INIT_REQ) {
            /* a reflection: the initiator's own octets and keys */
            mk_ks_auth_psk(sa->prf, su->psk, su->psk_len, sa->init_req, sa->init_req_len, sa->nr,
                           sa->nr_len, sa->keys.pi, idb, 4 + idl, auth);
        } else {
            mk_ks_auth_psk(sa->prf, su->psk, su->psk_len, sa->init_resp, sa->init_resp_len,
                           sa->ni, sa->ni_len, sa->keys.pr, idb, 4 + idl, auth);
        }
        if (mut != M_IDR_MISSING) {
            size_t at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
            mk_pl_encode_id(&w, idt, idb + 4, idl);
            mk_pl_end(&w, at);
        }
        if (mut != M_AUTH_MISSING) {
            size_t al = sa->prf->out_len;
            if (mut == M_AUTH_TRUNC && (size_t)arg < al)
                al -= (size_t)arg;
            size_t at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
            mk_pl_encode_auth(&w, mut == M_AUTH_METHOD ? (uint8_t)arg : MK_AUTH_PSK, auth, al);
            /* (M_RPK_PSK_METHOD: method 2, the PSK MAC, where raw keys are configured) */
            mk_pl_end(&w, at);
        }
        mk_wipe(auth, sizeof auth);
    child:;
        bool child_case = (mut >= M_CHILD_NONE && mut <= M_TS_MISSING) || mut == M_AUTH_TRANSPORT;
        if (su->refuse_child && !child_case && mk_chain_find(in, MK_PT_SA) != NULL)
            put_notify(&w, &slot, su->refuse_child, NULL, 0);
        else if (mut != M_CHILD_NONE)
            (void)child_sa(r, in, &w, &slot);
        static const uint8_t junk[4] = {1, 2, 3, 4};
        if (mut == M_AUTH_UNKNOWN_CRIT || mut == M_AUTH_UNKNOWN_NONCRIT) {
            size_t at = mk_pl_begin(&w, &slot, 250, mut == M_AUTH_UNKNOWN_CRIT);
            mk_wr_bytes(&w, junk, 4);
            mk_pl_end(&w, at);
        }
        if (mut == M_AUTH_STATUS_NOTIFY)
            put_notify(&w, &slot, 40000, junk, 4);
    }
sealed:
    if (w.err != MK_E_OK)
        return 0;
    uint32_t msgid = mut == M_AUTH_MSGID ? (uint32_t)arg : m->hdr.msgid;
    size_t n;
    if (mut == M_SK_UNPROTECTED) {
        mk_hdr h;
        memset(&h, 0, sizeof h);
        memcpy(h.spi_i, sa->spi_i, 8);
        memcpy(h.spi_r, sa->spi_r, 8);
        h.next = inner[0];
        h.version = 0x20;
        h.exchange = MK_EX_IKE_AUTH;
        h.flags = MK_HDR_F_RESPONSE;
        h.msgid = msgid;
        mk_wr o = mk_wr_init(out, cap);
        mk_hdr_encode(&o, &h);
        mk_wr_bytes(&o, inner + 1, w.off - 1);
        if (o.err != MK_E_OK)
            return 0;
        put32(out + 24, (uint32_t)o.off);
        n = o.off;
    } else if (mut == M_SK_WRONG_KEY || mut == M_SK_IV_SHORT || mut == M_AUTH_SPIR) {
        uint8_t pt[MK_MAX_MSG];
        size_t pl = w.off - 1;
        memcpy(pt, inner + 1, pl);
        pt[pl++] = 0;
        uint8_t spir[8];
        memcpy(spir, sa->spi_r, 8);
        if (mut == M_AUTH_SPIR)
            spir[7] ^= 0x55;
        n = seal(r, MK_EX_IKE_AUTH, MK_HDR_F_RESPONSE, msgid, spir, inner[0], pt, pl,
                 mut == M_SK_WRONG_KEY, mut == M_SK_IV_SHORT ? (size_t)arg : 0, out, cap);
    } else {
        size_t extra = mut == M_SK_EXTRA_PAD ? (size_t)arg : 0;
        n = seal_inner(r, MK_EX_IKE_AUTH, MK_HDR_F_RESPONSE, msgid, inner, w.off, extra, 200,
                       mut == M_SK_BAD_PAD, out, cap);
    }
    mk_wipe(inner, sizeof inner);
    if (n == 0)
        return 0;
    switch (mut) {
    case M_SK_BAD_ICV: out[n - 1] ^= 0x01; break;
    case M_SK_TRUNC:
        if ((size_t)arg < n - MK_HDR_LEN)
            n -= (size_t)arg; /* lengths left as they were: the datagram is short */
        break;
    case M_SK_TRAILING:
        if (n + (size_t)arg <= cap) {
            memset(out + n, 0, (size_t)arg);
            n += (size_t)arg;
            put32(out + 24, (uint32_t)n);
        }
        break;
    default: break;
    }
    return n;
}

static void on_auth(chk_run *r, const mk_msg *m, uint64_t now)
{
    chk_sa *sa = &r->sa;
    const chk_case *c = r->c;
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    uint8_t h[32];

    /* an IKE_AUTH of this SA while only mutated IKE_SA_INIT answers went out: acted on one
     * (another SPIi is a stale SA of an earlier run, not evidence) */
    if (sa->have && memcmp(m->hdr.spi_i, sa->spi_i, 8) == 0 && r->f.init_good_sent == 0)
        r->f.auth_before_good_init = true;
    if (!sa->have || memcmp(m->hdr.spi_i, sa->spi_i, 8) != 0 ||
        memcmp(m->hdr.spi_r, sa->spi_r, 8) != 0) {
        note(r, "IKE_AUTH request for SPIs the checker never answered");
        return;
    }
    int k = r->f.auth_reqs++;
    if (c->mut == M_AUTH_DROP && k < c->arg)
        return;
    hash(m->dgram, m->len, h);
    bool again = sa->auth_seen && memcmp(h, sa->auth_req_hash, 32) == 0;
    if (!again) {
        if (!open_req(r, m, plain, sizeof plain, &in)) {
            note(r, "the initiator's IKE_AUTH request does not open with the checker's keys");
            return;
        }
        sa->auth_seen = true;
        memcpy(sa->auth_req_hash, h, 32);
        /* IDi and AUTH of the initiator: InitiatorSignedOctets = RealMessage1 | NonceRData |
         * prf(SK_pi, RestOfInitIDPayload) (RFC 7296 §2.15) */
        const mk_pl *pid = mk_chain_find(&in, MK_PT_IDI);
        const mk_pl *pau = mk_chain_find(&in, MK_PT_AUTH);
        mk_idv idv;
        mk_authv av;
        sa->auth_ok = false;
        if (pid && pau && mk_pl_decode_id(&idv, pid->body, pid->len) == MK_E_OK &&
            mk_pl_decode_auth(&av, pau->body, pau->len) == MK_E_OK) {
            uint8_t want[MK_MAX_PRF_OUT];
            size_t nrl = sa->nr_len > MK_MAX_NONCE ? MK_MAX_NONCE : sa->nr_len;
            if (r->setup->rpk) {
                sa->auth_ok = chk_rpk_verify(r, &in, pid, &av);
            } else {
                mk_ks_auth_psk(sa->prf, r->setup->psk, r->setup->psk_len, sa->init_req,
                               sa->init_req_len, sa->nr, nrl, sa->keys.pi, pid->body,
                               pid->len, want);
                sa->auth_ok = av.method == MK_AUTH_PSK && av.len == sa->prf->out_len &&
                              mk_ct_eq(av.data, want, av.len);
                if (!sa->auth_ok)
                    note(r, "the initiator's AUTH does not verify (PSK differs?)");
            }
            bool id_ok = r->setup->idi.len == 0 ||
                         (idv.type == r->setup->idi.type && idv.len == r->setup->idi.len &&
                          memcmp(idv.data, r->setup->idi.data, idv.len) == 0);
            if (!id_ok) {
                sa->auth_ok = false;
                note(r, "the initiator's IDi is not the configured one");
            }
        } else {
            note(r, "the initiator's IKE_AUTH request lacks IDi or AUTH");
        }
        sa->auth_resp_len = (uint16_t)build_auth(r, M_NONE, m, &in, sa->auth_resp,
                                                 sizeof sa->auth_resp);
        if (auth_mut(c->mut))
            sa->auth_bad_len = (uint16_t)build_auth(r, c->mut, m, &in, sa->auth_bad,
                                                    sizeof sa->auth_bad);
        else if (c->mut == M_SK_EXTRA_PAD || c->mut == M_CHILD_NONE ||
                 c->mut == M_CHILD_NOTIFY || c->mut == M_TS_NARROW ||
                 c->mut == M_TS_PORT_NARROW || c->mut == M_AUTH_UNKNOWN_NONCRIT ||
                 c->mut == M_AUTH_STATUS_NOTIFY)
            sa->auth_resp_len = (uint16_t)build_auth(r, c->mut, m, &in, sa->auth_resp,
                                                     sizeof sa->auth_resp);
        mk_wipe(plain, sizeof plain);
    }
    bool bad = auth_mut(c->mut) && (c->judge != J_DROP_ACCEPT || r->f.auth_answers == 0);
    r->f.auth_answers++;
    uint64_t at = now;
    if (c->mut == M_DELAY_AUTH && r->f.auth_good_sent == 0)
        at = now + (uint64_t)c->arg;
    if (bad) {
        emit(r, sa->auth_bad, sa->auth_bad_len, at, false);
    } else {
        if (c->mut == M_PRE_JUNK_AUTH) {
            uint8_t j[256];
            size_t jl = (size_t)c->arg < sizeof j ? (size_t)c->arg : sizeof j;
            r->env.rng(r->env.ctx, j, jl);
            emit(r, j, jl, at, false);
        } else if (c->mut == M_PRE_FORGED_AUTH) {
            uint8_t o[200];
            size_t n = init_notify(o, sizeof o, sa->spi_i, MK_N_AUTHENTICATION_FAILED, NULL, 0,
                                   MK_EX_IKE_AUTH, m->hdr.msgid);
            memcpy(o + 8, sa->spi_r, 8);
            emit(r, o, n, at, false);
        }
        emit(r, sa->auth_resp, sa->auth_resp_len, at, true);
        if (c->mut == M_DUP_AUTH)
            emit(r, sa->auth_resp, sa->auth_resp_len, at, true);
        if (c->mut == M_REORDER_AUTH)
            emit(r, sa->init_resp, sa->init_resp_len, at + 5, false);
        if (r->f.auth_good_sent++ == 0)
            r->f.first_good_auth_ms = (uint32_t)(at - r->t0);
    }
    if (!r->f.accepted)
        r->probe_at = at + PROBE_MS;
}

/* ---- later exchanges ---------------------------------------------------------------------- */

static bool is_req_case(uint16_t m)
{
    return m >= M_REQ_LIVENESS && m <= M_REQ_EXCHANGE;
}

/* A request of the initiator on the IKE SA (INFORMATIONAL or CREATE_CHILD_SA). */
static void on_ini_request(chk_run *r, const mk_msg *m, uint64_t now)
{
    chk_sa *sa = &r->sa;
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    uint8_t h[32];
    if (!sa->have || memcmp(m->hdr.spi_r, sa->spi_r, 8) != 0)
        return;
    hash(m->dgram, m->len, h);
    if (sa->last_info_resp_len && memcmp(h, sa->last_info_req_hash, 32) == 0) {
        if (!(is_req_case(r->c->mut) && !r->req_done))
            emit(r, sa->last_info_resp, sa->last_info_resp_len, now, true);
        return;
    }
    if (!open_req(r, m, plain, sizeof plain, &in))
        return;
    uint16_t err = 0;
    bool del_ike = false, del_child = false;
    for (size_t i = 0; i < in.n; i++) {
        mk_notify nt;
        mk_deletev dv;
        if (in.pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(&nt, in.pl[i].body, in.pl[i].len) == MK_E_OK &&
            nt.type < MK_N_FIRST_STATUS)
            err = nt.type;
        if (in.pl[i].type == MK_PT_DELETE &&
            mk_pl_decode_delete(&dv, in.pl[i].body, in.pl[i].len) == MK_E_OK) {
            del_ike = del_ike || dv.proto == MK_PROTO_IKE;
            del_child = del_child || dv.proto != MK_PROTO_IKE;
        }
    }
    if (err != 0 && m->hdr.exchange == MK_EX_INFORMATIONAL) {
        r->f.error_info = true;
        r->f.error_info_type = err;
    } else if (del_ike && !del_child) {
        /* a Delete of the IKE SA alone proves nothing: libreswan sends one after it refused
         * our AUTH (RFC 7296 §2.21.2 lets the initiator close the SA it refused) */
        r->f.deleted_ike = true;
    } else if (del_child) {
        evidence(r, "a Delete of the child SA (the IKE SA was up)", now);
    } else {
        evidence(r, m->hdr.exchange == MK_EX_INFORMATIONAL ? "a protected INFORMATIONAL request"
                                                           : "a CREATE_CHILD_SA request",
                 now);
    }
    /* answer: empty SK{} (RFC 7815 §2.1 minimal), CREATE_CHILD_SA: NO_ADDITIONAL_SAS */
    uint8_t inner[64];
    size_t slot;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    if (m->hdr.exchange == MK_EX_CREATE_CHILD_SA)
        put_notify(&w, &slot, MK_N_NO_ADDITIONAL_SAS, NULL, 0);
    size_t n = seal_inner(r, m->hdr.exchange, MK_HDR_F_RESPONSE, m->hdr.msgid, inner, w.off, 0,
                          0, false, sa->last_info_resp, sizeof sa->last_info_resp);
    sa->last_info_resp_len = (uint16_t)n;
    memcpy(sa->last_info_req_hash, h, 32);
    /* a scripted request of ours goes first; the answer to theirs waits for it */
    if (is_req_case(r->c->mut) && !r->req_done) {
        if (r->req_at == 0)
            r->req_at = now + 10;
        r->held = true;
        return;
    }
    emit(r, sa->last_info_resp, n, now, true);
    mk_wipe(plain, sizeof plain);
}

/* An answer to one of our requests. */
static void on_response(chk_run *r, const mk_msg *m, uint64_t now)
{
    chk_sa *sa = &r->sa;
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    char d[100];
    if (!sa->have || memcmp(m->hdr.spi_r, sa->spi_r, 8) != 0)
        return;
    bool opened = open_req(r, m, plain, sizeof plain, &in);
    if (!opened)
        return;
    if (r->probe_msgid >= 0 && m->hdr.msgid == (uint32_t)r->probe_msgid) {
        evidence(r, "its answer to our liveness probe", now);
        return;
    }
    r->f.req_answers++;
    /* RFC 7296 §3.1: the original initiator sets I in every message, responses set R */
    bool flags_ok = (m->hdr.flags & MK_HDR_F_INITIATOR) && (m->hdr.flags & MK_HDR_F_RESPONSE);
    bool id_ok = m->hdr.exchange == sa->my_req_exchange;
    bool known = false;
    for (size_t i = 0; i < r->n_req_ids; i++)
        known = known || r->req_ids[i] == m->hdr.msgid;
    id_ok = id_ok && known;
    mk_chain_describe(&in, d, sizeof d);
    if (r->f.req_answers == 1) {
        r->f.req_answer_ok = flags_ok && id_ok;
        r->f.req_answer_npl = (uint8_t)in.n;
        snprintf(r->f.req_answer_desc, sizeof r->f.req_answer_desc,
                 "%s #%u flags %02x SK{%s}", mk_exchange_name(m->hdr.exchange),
                 (unsigned)m->hdr.msgid, m->hdr.flags, d);
        for (size_t i = 0; i < in.n; i++) {
            mk_notify nt;
            if (in.pl[i].type == MK_PT_NOTIFY &&
                mk_pl_decode_notify(&nt, in.pl[i].body, in.pl[i].len) == MK_E_OK) {
                r->f.req_answer_notify = nt.type;
                if (nt.type == MK_N_UNSUPPORTED_CRITICAL_PAYLOAD && nt.data_len == 1)
                    r->f.req_answer_notify = (uint16_t)(0x8000 | nt.data[0]);
                break;
            }
        }
    }
    sa->my_req_out = false;
    /* release the held answer to the initiator's own request */
    if (r->held)
        r->release_at = now + 5;
    mk_wipe(plain, sizeof plain);
}

void chk_resp_rx(chk_run *r, const uint8_t *msg, size_t len, const mk_addr *from, bool marker,
                 uint64_t now)
{
    mk_msg m;
    if (mk_msg_parse(&m, msg, len) != MK_E_OK) {
        r->f.malformed_rx++;
        if (r->f.auth_answers > 0)
            r->f.malformed_after_auth++;
        return;
    }
    bool resp = (m.hdr.flags & MK_HDR_F_RESPONSE) != 0;
    if (!resp && m.hdr.exchange == MK_EX_IKE_SA_INIT) {
        if (!r->f.first_seen) {
            r->f.first_seen = true;
            r->f.first_marker = marker;
            r->f.first_sport = from->port;
        }
        /* NAT_DETECTION_DESTINATION_IP hashes the initiator's address as seen here */
        on_init(r, &m, from, now);
    }
    else if (!resp && m.hdr.exchange == MK_EX_IKE_AUTH)
        on_auth(r, &m, now);
    else if (!resp)
        on_ini_request(r, &m, now);
    else
        on_response(r, &m, now);
}

void chk_resp_esp(chk_run *r, const uint8_t *pkt, size_t len, uint64_t now)
{
    if (len < 8)
        return;
    uint32_t spi = (uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3];
    r->f.esp_pkts++;
    if (r->sa.child_ok && spi == r->sa.child_spi_in)
        evidence(r, "ESP on the child SA", now);
}

/* Our own requests: the acceptance probe and the case's scripted request. */
static void send_request(chk_run *r, uint8_t exch, uint8_t flags, uint32_t msgid,
                         uint16_t mut, uint64_t now)
{
    chk_sa *sa = &r->sa;
    uint8_t inner[512];
    size_t slot;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    static const uint8_t junk[4] = {9, 8, 7, 6};
    size_t at;
    switch (mut) {
    case M_REQ_UNKNOWN_CRIT:
    case M_REQ_UNKNOWN_NONCRIT:
        at = mk_pl_begin(&w, &slot, 250, mut == M_REQ_UNKNOWN_CRIT);
        mk_wr_bytes(&w, junk, 4);
        mk_pl_end(&w, at);
        break;
    case M_REQ_STATUS_NOTIFY: put_notify(&w, &slot, 40001, junk, 4); break;
    case M_REQ_DELETE_IKE:
        at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
        mk_pl_encode_delete(&w, MK_PROTO_IKE, 0, NULL, 0);
        mk_pl_end(&w, at);
        break;
    case M_REQ_DELETE_CHILD: {
        uint8_t spi[4];
        put32(spi, sa->child_spi_in);
        at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
        mk_pl_encode_delete(&w, MK_PROTO_ESP, 4, spi, 1);
        mk_pl_end(&w, at);
        break;
    }
    case M_REQ_CREATE_CHILD: {
        /* rekey of the child: N(REKEY_SA), SA, Nonce, TSi, TSr (RFC 7296 §1.3.3) */
        uint8_t spi[4];
        put32(spi, sa->child_spi_in);
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, MK_PROTO_ESP, spi, 4, 16393, NULL, 0);
        mk_pl_end(&w, at);
        mk_sa rs;
        memset(&rs, 0, sizeof rs);
        rs.n = 1;
        rs.p[0].num = 1;
        rs.p[0].proto = MK_PROTO_ESP;
        rs.p[0].spi_len = 4;
        put32(rs.p[0].spi, sa->child_spi_in + 1);
        rs.p[0].t[rs.p[0].n_t++] = (mk_transform){MK_TT_ENCR, MK_ENCR_AES_GCM_16, 128};
        rs.p[0].t[rs.p[0].n_t++] = (mk_transform){MK_TT_ESN, 0, 0};
        at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
        mk_pl_encode_sa(&w, &rs);
        mk_pl_end(&w, at);
        uint8_t nn[32];
        r->env.rng(r->env.ctx, nn, 32);
        at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
        mk_pl_encode_nonce(&w, nn, 32);
        mk_pl_end(&w, at);
        mk_ts any = {MK_TS_IPV4_RANGE, 0, 0, 65535, {0}, {0xff, 0xff, 0xff, 0xff}};
        at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
        mk_pl_encode_ts(&w, &any, 1);
        mk_pl_end(&w, at);
        at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
        mk_pl_encode_ts(&w, &any, 1);
        mk_pl_end(&w, at);
        break;
    }
    default: break;
    }
    if (w.err != MK_E_OK)
        return;
    size_t n = seal_inner(r, exch, flags, msgid, inner, w.off, 0, 0, false, sa->my_req,
                          sizeof sa->my_req);
    if (n == 0)
        return;
    if (mut == M_REQ_BAD_ICV)
        sa->my_req[n - 1] ^= 1;
    sa->my_req_len = (uint16_t)n;
    sa->my_req_msgid = msgid;
    if (mut != M_REQ_LIVENESS || r->req_done) {
        if (r->n_req_ids < 4)
            r->req_ids[r->n_req_ids++] = msgid;
    }
    sa->my_req_exchange = exch;
    sa->my_req_out = true;
    emit(r, sa->my_req, n, now, true);
    if (mut == M_REQ_RETRANSMIT)
        emit(r, sa->my_req, n, now + 300, true);
}

void chk_resp_timer(chk_run *r, uint64_t now)
{
    chk_sa *sa = &r->sa;
    if (r->probe_at && now >= r->probe_at && !r->f.accepted && sa->keys_ok) {
        r->probe_at = 0;
        if (r->probe_msgid >= 0 && r->probe_len > 0) {
            /* unanswered (an initiator still in IKE_AUTH ignores it): the same request again,
             * bitwise, with the same Message ID (RFC 7296 §2.1) */
            emit(r, r->probe_buf, r->probe_len, now, true);
        } else {
            r->probe_msgid = sa->my_msgid;
            send_request(r, MK_EX_INFORMATIONAL, 0, sa->my_msgid++, M_REQ_LIVENESS, now);
            memcpy(r->probe_buf, sa->my_req, sa->my_req_len);
            r->probe_len = sa->my_req_len;
        }
    }
    if (r->held && r->release_at && now >= r->release_at) {
        r->held = false;
        r->release_at = 0;
        emit(r, sa->last_info_resp, sa->last_info_resp_len, now, true);
    }
    if (r->req_at && now >= r->req_at && !r->req_done) {
        uint16_t mut = r->c->mut;
        uint8_t exch = MK_EX_INFORMATIONAL, flags = 0;
        uint32_t id = sa->my_msgid;
        r->req_done = true;
        r->req_at = 0;
        if (mut == M_REQ_CREATE_CHILD)
            exch = MK_EX_CREATE_CHILD_SA;
        if (mut == M_REQ_MSGID_AHEAD)
            id += (uint32_t)r->c->arg;
        if (mut == M_REQ_FLAGS_R)
            flags = MK_HDR_F_RESPONSE;
        if (mut == M_REQ_EXCHANGE)
            exch = (uint8_t)r->c->arg;
        r->f.req_sent++;
        send_request(r, exch, flags, id, mut, now);
        if (mut != M_REQ_MSGID_AHEAD && mut != M_REQ_BAD_ICV && mut != M_REQ_FLAGS_R)
            sa->my_msgid++;
        if (mut == M_REQ_TWO) {
            r->f.req_sent++;
            send_request(r, MK_EX_INFORMATIONAL, 0, sa->my_msgid++, M_REQ_LIVENESS, now + 1);
        }
        /* a held answer to the initiator's own request goes out after a grace period */
        r->probe_at = 0;
        if (r->held)
            r->release_at = now + REQ_GRACE_MS;
    }
}
