/* SPDX-License-Identifier: MIT */
/*
 * test_peer: the test/demo responder (harness/lib/peer.c) against initiator messages built here
 * by hand with the codec encoders, the key schedule and SK (a second, independent driver: it
 * does not use ref/src/initiator.c). A full X25519 + ChaCha20-Poly1305 + PRF-HMAC-SHA2-256
 * exchange, every scripted misbehaviour as it shows on the wire, the retransmission cache, the
 * move to UDP 4500 with the non-ESP marker, peer-initiated requests and malformed input.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, popen: the python cross-check */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keysched_tools.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "peer.h"
#include "sk.h"
#include "suite.h"

/* ---- deterministic environment --------------------------------------------------------------- */

typedef struct rng_ctx {
    uint64_t s;
} rng_ctx;

static void test_rng(void *ctx, uint8_t *out, size_t n)
{
    rng_ctx *r = ctx;
    for (size_t i = 0; i < n; i++) {
        /* splitmix64 */
        uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
}

static rng_ctx prng = {1}, irng = {2};
static const mk_env peer_env = {&prng, test_rng, NULL};
static const mk_env ini_env = {&irng, test_rng, NULL};

static const uint8_t PSK[] = "minike-test-psk-0123456789abcdef";
#define PSK_LEN (sizeof PSK - 1)
static const mk_addr INI_ADDR = {4, {192, 0, 2, 10}, 500};
static const mk_addr INI_ADDR_NAT = {4, {198, 51, 100, 7}, 61000};

static void set_id(mk_id *id, uint8_t type, const char *s)
{
    id->type = type;
    id->len = (uint8_t)strlen(s);
    memcpy(id->data, s, id->len);
}

static mk_ts ts4(uint8_t a0, uint8_t a1, uint8_t a2, uint8_t lo, uint8_t hi)
{
    mk_ts t;
    memset(&t, 0, sizeof t);
    t.type = MK_TS_IPV4_RANGE;
    t.end_port = 65535;
    t.start[0] = t.end[0] = a0;
    t.start[1] = t.end[1] = a1;
    t.start[2] = t.end[2] = a2;
    t.start[3] = lo;
    t.end[3] = hi;
    return t;
}

static mk_ts ts_any4(void)
{
    mk_ts t;
    memset(&t, 0, sizeof t);
    t.type = MK_TS_IPV4_RANGE;
    t.end_port = 65535;
    memset(t.end, 0xff, 4);
    return t;
}

static mk_peer_config base_cfg(void)
{
    mk_peer_config c;
    memset(&c, 0, sizeof c);
    c.suites = mk_suites_default();
    c.ike[0] = (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    c.n_ike = 1;
    c.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 0, 0};
    c.n_esp = 1;
    c.psk = PSK;
    c.psk_len = PSK_LEN;
    set_id(&c.idr, MK_ID_FQDN, "responder.test");
    set_id(&c.idi, MK_ID_KEY_ID, "initiator-1");
    c.tsr = ts4(10, 2, 0, 0, 255);
    c.natt = true;
    c.local = (mk_addr){4, {192, 0, 2, 1}, 500};
    return c;
}

/* ---- the hand-built initiator ------------------------------------------------------------------
 */

typedef struct ti {
    uint8_t spi_i[8], spi_r[8];
    uint8_t priv[32], pub[32];
    uint8_t ni[32];
    uint8_t nr[MK_MAX_NONCE];
    size_t nr_len;
    uint8_t req1[MK_MAX_MSG], resp1[MK_MAX_MSG];
    size_t req1_len, resp1_len;
    mk_ike_sa_keys k;
    const mk_prf_class *prf;
    const mk_encr_class *encr;
    mk_sa offer; /* IKE proposals */
    uint16_t ke_group;
    uint8_t cookie[64];
    size_t cookie_len;
    bool cookie_not_first;
    bool natd;
    uint8_t esp_spi[4];
    mk_id idi;
    const uint8_t *psk;
    size_t psk_len;
    bool transport;
    mk_ts tsi, tsr;
} ti;

static void ti_init(ti *t)
{
    memset(t, 0, sizeof *t);
    test_rng(&irng, t->spi_i, 8);
    test_rng(&irng, t->ni, 32);
    cr_assert_eq(mk_dh_x25519.keypair(&ini_env, t->priv, t->pub), MK_E_OK);
    t->offer.n = 1;
    mk_proposal *p = &t->offer.p[0];
    p->num = 1;
    p->proto = MK_PROTO_IKE;
    p->t[p->n_t++] = (mk_transform){MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_PRF, MK_PRF_HMAC_SHA2_256, 0};
    p->t[p->n_t++] = (mk_transform){MK_TT_DH, MK_DH_X25519, 0};
    t->ke_group = MK_DH_X25519;
    t->prf = &mk_prf_hmac_sha2_256;
    t->encr = &mk_encr_chacha20poly1305;
    memcpy(t->esp_spi, "\xc1\x00\x00\x42", 4);
    set_id(&t->idi, MK_ID_KEY_ID, "initiator-1");
    t->psk = PSK;
    t->psk_len = PSK_LEN;
    t->tsi = ts4(10, 1, 0, 0, 255);
    t->tsr = ts_any4();
}

static void hdr(mk_wr *w, const ti *t, uint8_t ex, uint8_t flags, uint32_t msgid, bool with_r)
{
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, t->spi_i, 8);
    if (with_r)
        memcpy(h.spi_r, t->spi_r, 8);
    h.version = 0x20;
    h.exchange = ex;
    h.flags = flags;
    h.msgid = msgid;
    h.length = MK_HDR_LEN;
    mk_hdr_encode(w, &h);
}

static size_t fix_len(mk_wr *w)
{
    cr_assert_eq(w->err, MK_E_OK);
    uint32_t n = (uint32_t)w->off;
    w->p[24] = (uint8_t)(n >> 24);
    w->p[25] = (uint8_t)(n >> 16);
    w->p[26] = (uint8_t)(n >> 8);
    w->p[27] = (uint8_t)n;
    return w->off;
}

static void notify(mk_wr *w, size_t *slot, uint16_t type, const uint8_t *d, size_t n)
{
    size_t at = mk_pl_begin(w, slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(w, 0, NULL, 0, type, d, n);
    mk_pl_end(w, at);
}

static size_t build_init(ti *t, uint8_t *out)
{
    mk_wr w = mk_wr_init(out, MK_MAX_MSG);
    size_t slot = 16, at;
    hdr(&w, t, MK_EX_IKE_SA_INIT, MK_HDR_F_INITIATOR, 0, false);
    if (t->cookie_len && !t->cookie_not_first)
        notify(&w, &slot, MK_N_COOKIE, t->cookie, t->cookie_len);
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, &t->offer);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, t->ke_group, t->pub, 32);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_pl_encode_nonce(&w, t->ni, 32);
    mk_pl_end(&w, at);
    if (t->cookie_len && t->cookie_not_first)
        notify(&w, &slot, MK_N_COOKIE, t->cookie, t->cookie_len);
    if (t->natd) {
        uint8_t h[20] = {1};
        notify(&w, &slot, MK_N_NAT_DETECTION_SOURCE_IP, h, 20);
        notify(&w, &slot, MK_N_NAT_DETECTION_DESTINATION_IP, h, 20);
    }
    size_t n = fix_len(&w);
    memcpy(t->req1, out, n);
    t->req1_len = n;
    return n;
}

/* ---- peer plumbing ----------------------------------------------------------------------------
 */

static mk_err feed(mk_peer *p, const uint8_t *m, size_t n, uint16_t port, const mk_addr *from)
{
    uint8_t buf[MK_MAX_MSG + 4];
    size_t off = port == MK_PORT_NATT ? 4 : 0;
    memset(buf, 0, off);
    memcpy(buf + off, m, n);
    return mk_peer_on_dgram(p, buf, n + off, port, from, 1000);
}

static size_t npending(const mk_peer *p)
{
    const uint8_t *b;
    uint16_t port;
    return mk_peer_tx_peek(p, &b, &port) != 0;
}

/* Pop the oldest queued datagram; strips (and checks) the marker on 4500. */
static size_t pop(mk_peer *p, uint8_t *out, uint16_t *port_out)
{
    const uint8_t *b;
    uint16_t port;
    size_t n = mk_peer_tx_peek(p, &b, &port);
    if (n == 0)
        return 0;
    size_t off = 0;
    if (port == MK_PORT_NATT) {
        cr_assert_geq(n, 4);
        cr_assert(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0, "non-ESP marker");
        off = 4;
    }
    memcpy(out, b + off, n - off);
    if (port_out)
        *port_out = port;
    mk_peer_tx_done(p);
    return n - off;
}

static mk_peer *new_peer(const mk_peer_config *c)
{
    mk_peer *p = mk_peer_new(c, &peer_env);
    cr_assert_not_null(p);
    return p;
}

/* Expect a single unprotected IKE_SA_INIT notify answer; returns its notify view. */
static void expect_init_notify(const uint8_t *m, size_t n, uint16_t type, mk_notify *nt,
                               mk_msg *msg)
{
    static const uint8_t zero[8] = {0};
    cr_assert_eq(mk_msg_parse(msg, m, n), MK_E_OK);
    cr_assert_eq(msg->hdr.exchange, MK_EX_IKE_SA_INIT);
    cr_assert_eq(msg->hdr.flags, MK_HDR_F_RESPONSE);
    cr_assert_eq(memcmp(msg->hdr.spi_r, zero, 8), 0, "SPIr 0 in a stateless answer");
    cr_assert_geq(msg->chain.n, 1);
    cr_assert_eq(msg->chain.pl[0].type, MK_PT_NOTIFY);
    cr_assert_eq(mk_pl_decode_notify(nt, msg->chain.pl[0].body, msg->chain.pl[0].len), MK_E_OK);
    cr_assert_eq(nt->type, type, "notify %u, want %u", nt->type, type);
}

/* Take the IKE_SA_INIT response: SPIr, Nr, keys. */
static void ti_take_init_resp(ti *t, const uint8_t *m, size_t n)
{
    mk_msg msg;
    mk_ke ke;
    const uint8_t *nr;
    uint16_t nr_len;
    uint8_t gir[32], skeyseed[MK_MAX_PRF_OUT];
    cr_assert_eq(mk_msg_parse(&msg, m, n), MK_E_OK);
    const mk_pl *pke = mk_chain_find(&msg.chain, MK_PT_KE);
    const mk_pl *pno = mk_chain_find(&msg.chain, MK_PT_NONCE);
    cr_assert(pke && pno);
    cr_assert_eq(mk_pl_decode_ke(&ke, pke->body, pke->len), MK_E_OK);
    cr_assert_eq(mk_pl_decode_nonce(&nr, &nr_len, pno->body, pno->len), MK_E_OK);
    memcpy(t->spi_r, msg.hdr.spi_r, 8);
    memcpy(t->nr, nr, nr_len);
    t->nr_len = nr_len;
    memcpy(t->resp1, m, n);
    t->resp1_len = n;
    cr_assert_eq(mk_dh_x25519.shared(t->priv, ke.data, ke.len, gir), MK_E_OK);
    mk_ks_skeyseed(t->prf, t->ni, 32, t->nr, t->nr_len, gir, 32, skeyseed);
    cr_assert_eq(mk_ks_ike_keys(t->prf, NULL, t->encr, skeyseed, t->ni, 32, t->nr, t->nr_len,
                                t->spi_i, t->spi_r, &t->k),
                 MK_E_OK);
}

static mk_wr inner_init(uint8_t *buf, size_t cap, size_t *slot)
{
    mk_wr w = mk_wr_init(buf, cap);
    mk_wr_u8(&w, 0);
    *slot = 0;
    return w;
}

/* Seal an initiator message (keys SK_ei / SK_ai) around the inner chain in `iw`. */
static size_t ti_seal(ti *t, uint8_t ex, uint8_t flags, uint32_t msgid, const mk_wr *iw,
                      uint8_t *out)
{
    mk_wr w = mk_wr_init(out, MK_MAX_MSG);
    mk_sk_keys k = {t->encr, NULL, t->k.ei, t->k.ai};
    hdr(&w, t, ex, flags, msgid, true);
    w.p[16] = MK_PT_SK;
    cr_assert_eq(mk_sk_seal(&w, &k, &ini_env, iw->p[0], iw->p + 1, iw->off - 1), MK_E_OK);
    return w.off;
}

/* Open a message of the responder (keys SK_er / SK_ar). */
static mk_err ti_open(const ti *t, const uint8_t *m, size_t n, mk_msg *msg, uint8_t *plain,
                      mk_chain *in)
{
    mk_sk_keys k = {t->encr, NULL, t->k.er, t->k.ar};
    mk_err e = mk_msg_parse(msg, m, n);
    if (e != MK_E_OK)
        return e;
    cr_assert(msg->has_sk);
    return mk_sk_open(msg, &k, plain, MK_MAX_MSG, in);
}

static size_t build_auth(ti *t, uint8_t *out)
{
    uint8_t inner[MK_MAX_MSG], idbody[4 + MK_MAX_ID], auth[MK_MAX_PRF_OUT];
    size_t slot, at;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    at = mk_pl_begin(&w, &slot, MK_PT_IDI, false);
    mk_pl_encode_id(&w, t->idi.type, t->idi.data, t->idi.len);
    mk_pl_end(&w, at);
    idbody[0] = t->idi.type;
    memset(idbody + 1, 0, 3);
    memcpy(idbody + 4, t->idi.data, t->idi.len);
    mk_ks_auth_psk(t->prf, t->psk, t->psk_len, t->req1, t->req1_len, t->nr, t->nr_len, t->k.pi,
                   idbody, 4u + t->idi.len, auth);
    at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
    mk_pl_encode_auth(&w, MK_AUTH_PSK, auth, t->prf->out_len);
    mk_pl_end(&w, at);
    if (t->transport)
        notify(&w, &slot, MK_N_USE_TRANSPORT_MODE, NULL, 0);
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 1;
    sa.p[0].num = 1;
    sa.p[0].proto = MK_PROTO_ESP;
    sa.p[0].spi_len = 4;
    memcpy(sa.p[0].spi, t->esp_spi, 4);
    sa.p[0].t[0] = (mk_transform){MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0};
    sa.p[0].t[1] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
    sa.p[0].n_t = 2;
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, &sa);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
    mk_pl_encode_ts(&w, &t->tsi, 1);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
    mk_pl_encode_ts(&w, &t->tsr, 1);
    mk_pl_end(&w, at);
    cr_assert_eq(w.err, MK_E_OK);
    return ti_seal(t, MK_EX_IKE_AUTH, MK_HDR_F_INITIATOR, 1, &w, out);
}

/* IKE_SA_INIT round trip; leaves the keys in t. */
static void do_init(mk_peer *p, ti *t, uint16_t port)
{
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    size_t n = build_init(t, m);
    cr_assert_eq(feed(p, m, n, port, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_gt(rn, 0);
    ti_take_init_resp(t, r, rn);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_INIT_DONE);
}

/* IKE_AUTH round trip; the response is returned in r (length). */
static size_t do_auth(mk_peer *p, ti *t, uint16_t port, uint8_t *r)
{
    uint8_t m[MK_MAX_MSG];
    size_t n = build_auth(t, m);
    cr_assert_eq(feed(p, m, n, port, &INI_ADDR), MK_E_OK);
    return pop(p, r, NULL);
}

static mk_peer *establish(const mk_peer_config *c, ti *t)
{
    uint8_t r[MK_MAX_MSG];
    mk_peer *p = new_peer(c);
    ti_init(t);
    do_init(p, t, MK_PORT_IKE);
    cr_assert_gt(do_auth(p, t, MK_PORT_IKE, r), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    return p;
}

static void init_suite(void)
{
    cr_assert_geq(sodium_init(), 0);
    prng.s = 1;
    irng.s = 2;
}

TestSuite(peer, .init = init_suite);

/* ---- the full exchange ------------------------------------------------------------------------
 */

Test(peer, full_exchange_x25519_chacha20_sha256)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG], plain[MK_MAX_MSG];
    uint16_t port;
    mk_msg msg;
    mk_sa sa;

    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, &port);
    cr_assert_eq(port, MK_PORT_IKE);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    cr_assert_eq(msg.hdr.flags, MK_HDR_F_RESPONSE, "R set, I clear");
    cr_assert_eq(msg.hdr.msgid, 0);
    cr_assert_eq(memcmp(msg.hdr.spi_i, t.spi_i, 8), 0);
    static const uint8_t zero[8] = {0};
    cr_assert_neq(memcmp(msg.hdr.spi_r, zero, 8), 0);
    cr_assert_eq(msg.chain.n, 3, "SA KE Nonce, no NATD when the initiator sent none");
    cr_assert_eq(msg.chain.pl[0].type, MK_PT_SA);
    cr_assert_eq(mk_pl_decode_sa(&sa, msg.chain.pl[0].body, msg.chain.pl[0].len), MK_E_OK);
    cr_assert_eq(sa.n, 1);
    cr_assert_eq(sa.p[0].num, 1);
    cr_assert_eq(sa.p[0].n_t, 3);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_ENCR)->id, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_ENCR)->key_bits, 0);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_PRF)->id, MK_PRF_HMAC_SHA2_256);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_DH)->id, MK_DH_X25519);
    cr_assert_null(mk_proposal_get(&sa.p[0], MK_TT_INTEG));
    const mk_pl *pno = mk_chain_find(&msg.chain, MK_PT_NONCE);
    cr_assert_eq(pno->len, 32);
    ti_take_init_resp(&t, r, rn);

    /* IKE_AUTH */
    n = build_auth(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    rn = pop(p, r, &port);
    mk_chain in;
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_OK);
    cr_assert_eq(msg.hdr.exchange, MK_EX_IKE_AUTH);
    cr_assert_eq(msg.hdr.flags, MK_HDR_F_RESPONSE);
    cr_assert_eq(msg.hdr.msgid, 1);
    static const uint8_t order[] = {MK_PT_IDR, MK_PT_AUTH, MK_PT_SA, MK_PT_TSI, MK_PT_TSR};
    cr_assert_eq(in.n, sizeof order);
    for (size_t i = 0; i < sizeof order; i++)
        cr_assert_eq(in.pl[i].type, order[i], "inner payload %zu", i);
    /* IDr and AUTH: ResponderSignedOctets = RealMessage2 | Ni | prf(SK_pr, IDr') */
    mk_idv id;
    mk_authv av;
    uint8_t want[MK_MAX_PRF_OUT];
    cr_assert_eq(mk_pl_decode_id(&id, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(id.type, MK_ID_FQDN);
    cr_assert_eq(id.len, 14);
    cr_assert_eq(memcmp(id.data, "responder.test", 14), 0);
    cr_assert_eq(mk_pl_decode_auth(&av, in.pl[1].body, in.pl[1].len), MK_E_OK);
    mk_ks_auth_psk(t.prf, PSK, PSK_LEN, t.resp1, t.resp1_len, t.ni, 32, t.k.pr, in.pl[0].body,
                   in.pl[0].len, want);
    cr_assert_eq(av.method, MK_AUTH_PSK);
    cr_assert_eq(av.len, 32);
    cr_assert_eq(memcmp(av.data, want, 32), 0, "responder AUTH verifies");
    /* SAr2: our single ESP proposal, a fresh SPI */
    cr_assert_eq(mk_pl_decode_sa(&sa, in.pl[2].body, in.pl[2].len), MK_E_OK);
    cr_assert_eq(sa.n, 1);
    cr_assert_eq(sa.p[0].proto, MK_PROTO_ESP);
    cr_assert_eq(sa.p[0].spi_len, 4);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_ENCR)->id, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_ESN)->id, MK_ESN_NONE);
    /* TS: TSi as given, TSr narrowed to the peer's */
    mk_tsl tl;
    cr_assert_eq(mk_pl_decode_ts(&tl, in.pl[3].body, in.pl[3].len), MK_E_OK);
    cr_assert_eq(tl.n, 1);
    cr_assert_eq(memcmp(tl.ts[0].start, t.tsi.start, 4), 0);
    cr_assert_eq(memcmp(tl.ts[0].end, t.tsi.end, 4), 0);
    cr_assert_eq(mk_pl_decode_ts(&tl, in.pl[4].body, in.pl[4].len), MK_E_OK);
    cr_assert_eq(memcmp(tl.ts[0].start, c.tsr.start, 4), 0);
    cr_assert_eq(memcmp(tl.ts[0].end, c.tsr.end, 4), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);

    /* the child, responder's view: KEYMAT = prf+(SK_d, Ni | Nr), i->r keys first */
    mk_esp_sa ch;
    mk_child_keys km;
    cr_assert(mk_peer_child(p, &ch));
    cr_assert_eq(mk_ks_child_keys(t.prf, NULL, t.encr, t.k.d, t.ni, 32, t.nr, t.nr_len, &km),
                 MK_E_OK);
    uint32_t spi_r = (uint32_t)sa.p[0].spi[0] << 24 | (uint32_t)sa.p[0].spi[1] << 16 |
                     (uint32_t)sa.p[0].spi[2] << 8 | sa.p[0].spi[3];
    cr_assert_eq(ch.spi_in, spi_r);
    cr_assert_eq(ch.spi_out, 0xc1000042u);
    cr_assert_geq(ch.spi_in, 256u);
    cr_assert_eq(ch.encr, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(ch.ek_len, 36);
    cr_assert_eq(ch.ak_len, 0);
    cr_assert_eq(memcmp(ch.ek_in, km.ei, 36), 0);
    cr_assert_eq(memcmp(ch.ek_out, km.er, 36), 0);
    cr_assert(ch.tunnel);
    cr_assert(!ch.udp_encap);
    mk_ike_keys ek;
    cr_assert(mk_peer_keys_export(p, &ek));
    cr_assert_eq(memcmp(ek.sk_ei, t.k.ei, 36), 0);
    cr_assert_eq(memcmp(ek.sk_er, t.k.er, 36), 0);
    cr_assert_eq(mk_peer_stats(p)->dropped, 0);
    mk_peer_free(p);
}

Test(peer, transport_mode_echoed)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.transport = true;
    uint8_t r[MK_MAX_MSG], plain[MK_MAX_MSG];
    mk_msg msg;
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    size_t rn = do_auth(p, &t, MK_PORT_IKE, r);
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_OK);
    cr_assert_not_null(mk_chain_find_notify(&in, MK_N_USE_TRANSPORT_MODE));
    mk_esp_sa ch;
    cr_assert(mk_peer_child(p, &ch));
    cr_assert(!ch.tunnel);
    mk_peer_free(p);
}

/* ---- IKE_SA_INIT negotiation ----------------------------------------------------------------- */

Test(peer, picks_first_of_its_own_suites_keeps_proposal_number)
{
    mk_peer_config c = base_cfg();
    c.ike[0] = (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_512, 0, MK_DH_X25519};
    c.ike[1] = (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    c.n_ike = 2;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.offer.n = 2;
    t.offer.p[1] = t.offer.p[0];
    t.offer.p[1].num = 2;
    t.offer.p[1].t[1].id = MK_PRF_HMAC_SHA2_512; /* proposal 2: SHA-512, the peer's favourite */
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_sa sa;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    const mk_pl *ps = mk_chain_find(&msg.chain, MK_PT_SA);
    cr_assert_eq(mk_pl_decode_sa(&sa, ps->body, ps->len), MK_E_OK);
    cr_assert_eq(sa.n, 1);
    cr_assert_eq(sa.p[0].num, 2);
    cr_assert_eq(mk_proposal_get(&sa.p[0], MK_TT_PRF)->id, MK_PRF_HMAC_SHA2_512);
    mk_peer_free(p);
}

Test(peer, no_acceptable_proposal)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.offer.p[0].t[0] = (mk_transform){MK_TT_ENCR, MK_ENCR_AES_CBC, 128};
    t.offer.p[0].t[3] = (mk_transform){MK_TT_INTEG, MK_INTEG_HMAC_SHA2_256_128, 0};
    t.offer.p[0].n_t = 4;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    expect_init_notify(r, rn, MK_N_NO_PROPOSAL_CHOSEN, &nt, &msg);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_IDLE);
    mk_peer_free(p);
}

Test(peer, script_no_proposal)
{
    mk_peer_config c = base_cfg();
    c.script.no_proposal = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_NO_PROPOSAL_CHOSEN, &nt, &msg);
    mk_peer_free(p);
}

Test(peer, invalid_ke_names_the_selected_group)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    /* offers 19 and 31, sends a KE for 19: the peer wants 31 */
    t.offer.p[0].t[3] = (mk_transform){MK_TT_DH, MK_DH_ECP256, 0};
    t.offer.p[0].n_t = 4;
    t.ke_group = MK_DH_ECP256;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_INVALID_KE_PAYLOAD, &nt, &msg);
    cr_assert_eq(nt.data_len, 2);
    cr_assert_eq(nt.data[0], 0);
    cr_assert_eq(nt.data[1], MK_DH_X25519);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_IDLE);
    /* the retry with a KE of group 31 goes through */
    t.ke_group = MK_DH_X25519;
    do_init(p, &t, MK_PORT_IKE);
    mk_peer_free(p);
}

Test(peer, script_want_dh)
{
    mk_peer_config c = base_cfg();
    c.script.want_dh = MK_DH_MODP2048;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.offer.p[0].t[3] = (mk_transform){MK_TT_DH, MK_DH_MODP2048, 0};
    t.offer.p[0].n_t = 4;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_INVALID_KE_PAYLOAD, &nt, &msg);
    cr_assert_eq(nt.data_len, 2);
    cr_assert_eq(nt.data[0], 0);
    cr_assert_eq(nt.data[1], MK_DH_MODP2048);
    mk_peer_free(p);
}

Test(peer, script_cookie)
{
    mk_peer_config c = base_cfg();
    c.script.cookie = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_COOKIE, &nt, &msg);
    cr_assert_eq(msg.chain.n, 1);
    cr_assert(nt.data_len >= 1 && nt.data_len <= 64);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_IDLE, "no state before the cookie returns");
    memcpy(t.cookie, nt.data, nt.data_len);
    t.cookie_len = nt.data_len;

    /* a cookie that is not the first payload: challenged again */
    t.cookie_not_first = true;
    n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_COOKIE, &nt, &msg);
    /* a wrong cookie: challenged again */
    t.cookie_not_first = false;
    t.cookie[5] ^= 1;
    n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_COOKIE, &nt, &msg);
    t.cookie[5] ^= 1;
    /* from another address: the cookie binds IPi */
    n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR_NAT), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_COOKIE, &nt, &msg);
    /* the right cookie, first: the real answer */
    do_init(p, &t, MK_PORT_IKE);
    cr_assert_gt(do_auth(p, &t, MK_PORT_IKE, r), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED, "RealMessage1 is the cookie retry");
    mk_peer_free(p);
}

Test(peer, natd_answered_only_when_sent)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.natd = true;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    const mk_pl *src = mk_chain_find_notify(&msg.chain, MK_N_NAT_DETECTION_SOURCE_IP);
    const mk_pl *dst = mk_chain_find_notify(&msg.chain, MK_N_NAT_DETECTION_DESTINATION_IP);
    cr_assert(src && dst);
    /* DESTINATION_IP = SHA-1(SPIi | SPIr | IPi | porti) as the peer saw the datagram
     * (RFC 7296 §2.23), recomputed here from the definition */
    uint8_t want[20];
    uint8_t buf[8 + 8 + 4 + 2];
    memcpy(buf, t.spi_i, 8);
    memcpy(buf + 8, msg.hdr.spi_r, 8);
    memcpy(buf + 16, INI_ADDR.ip, 4);
    buf[20] = (uint8_t)(INI_ADDR.port >> 8);
    buf[21] = (uint8_t)INI_ADDR.port;
    mk_iov iov = {buf, sizeof buf};
    mk_sha1(&iov, 1, want);
    cr_assert_eq(mk_pl_decode_notify(&nt, dst->body, dst->len), MK_E_OK);
    cr_assert_eq(nt.data_len, 20);
    cr_assert_eq(memcmp(nt.data, want, 20), 0);
    mk_peer_free(p);

    c.natt = false;
    p = new_peer(&c);
    n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    rn = pop(p, r, NULL);
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    cr_assert_null(mk_chain_find_notify(&msg.chain, MK_N_NAT_DETECTION_SOURCE_IP));
    mk_peer_free(p);
}

Test(peer, script_choose_unoffered)
{
    mk_peer_config c = base_cfg();
    c.script.choose_unoffered = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_sa sa;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    const mk_pl *ps = mk_chain_find(&msg.chain, MK_PT_SA);
    cr_assert_eq(mk_pl_decode_sa(&sa, ps->body, ps->len), MK_E_OK);
    cr_assert_neq(mk_proposal_get(&sa.p[0], MK_TT_ENCR)->id, MK_ENCR_CHACHA20_POLY1305);
    mk_peer_free(p);
}

Test(peer, script_forged_error_first)
{
    mk_peer_config c = base_cfg();
    c.script.forged_error_first = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_NO_PROPOSAL_CHOSEN, &nt, &msg);
    size_t rn = pop(p, r, NULL);
    cr_assert_gt(rn, 0, "the real answer follows");
    cr_assert_eq(mk_msg_parse(&msg, r, rn), MK_E_OK);
    cr_assert_not_null(mk_chain_find(&msg.chain, MK_PT_KE));
    mk_peer_free(p);
}

Test(peer, unknown_critical_in_init_request)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_notify nt;
    size_t n = build_init(&t, m);
    /* append an unknown critical payload: chain it from the last payload */
    mk_wr w = mk_wr_init(m, MK_MAX_MSG);
    w.off = n;
    cr_assert_eq(mk_msg_parse(&msg, m, n), MK_E_OK);
    size_t last = (size_t)(msg.chain.pl[msg.chain.n - 1].body - m) - 4;
    size_t at = mk_pl_begin(&w, &last, 200, true);
    mk_wr_u32(&w, 0);
    mk_pl_end(&w, at);
    n = fix_len(&w);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    expect_init_notify(r, pop(p, r, NULL), MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &nt, &msg);
    cr_assert_eq(nt.data_len, 1);
    cr_assert_eq(nt.data[0], 200);
    mk_peer_free(p);
}

/* ---- retransmission cache and ports ---------------------------------------------------------- */

Test(peer, retransmitted_requests_get_the_cached_answer)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r1[MK_MAX_MSG], r2[MK_MAX_MSG];
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t n1 = pop(p, r1, NULL);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t n2 = pop(p, r2, NULL);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(r1, r2, n1), 0, "IKE_SA_INIT answer resent bit for bit");
    ti_take_init_resp(&t, r1, n1);

    n = build_auth(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    n1 = pop(p, r1, NULL);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    n2 = pop(p, r2, NULL);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(r1, r2, n1), 0, "IKE_AUTH answer resent, not recomputed");
    cr_assert_eq(mk_peer_stats(p)->retransmits, 2);
    /* the same Message ID with other content is not a retransmission: dropped */
    uint8_t m2[MK_MAX_MSG];
    size_t nn = build_auth(&t, m2);
    cr_assert_eq(feed(p, m2, nn, MK_PORT_IKE, &INI_ADDR), MK_E_WRONG_MSGID);
    cr_assert_eq(npending(p), 0);
    /* an old Message ID (0) after IKE_AUTH with SPIr set: dropped */
    mk_peer_free(p);
}

Test(peer, moves_to_4500_with_marker)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.natd = true;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG], plain[MK_MAX_MSG];
    uint16_t port;
    mk_msg msg;
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    size_t n = build_auth(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_NATT, &INI_ADDR_NAT), MK_E_OK);
    const uint8_t *raw;
    uint16_t rport;
    mk_addr to;
    size_t rawn = mk_peer_tx_peek_to(p, &raw, &rport, &to);
    cr_assert_eq(rport, MK_PORT_NATT);
    cr_assert_eq(memcmp(raw, "\0\0\0\0", 4), 0);
    cr_assert_eq(memcmp(to.ip, INI_ADDR_NAT.ip, 4), 0);
    cr_assert_eq(to.port, INI_ADDR_NAT.port);
    size_t rn = pop(p, r, &port);
    cr_assert_eq(rn + 4, rawn);
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_OK);
    mk_esp_sa ch;
    cr_assert(mk_peer_child(p, &ch));
    cr_assert(ch.udp_encap);
    mk_addr ra;
    cr_assert(mk_peer_remote(p, &ra, &port));
    cr_assert_eq(port, MK_PORT_NATT);
    /* our own requests follow to 4500 */
    cr_assert_eq(mk_peer_send_liveness(p, 2000), MK_E_OK);
    cr_assert_gt(pop(p, r, &port), 0);
    cr_assert_eq(port, MK_PORT_NATT);
    /* on 4500 a datagram without the zero marker is ESP: not ours */
    uint8_t esp[64] = {0x11, 0x22, 0x33, 0x44};
    cr_assert_eq(mk_peer_on_dgram(p, esp, sizeof esp, MK_PORT_NATT, &INI_ADDR_NAT, 2000),
                 MK_E_BAD_SYNTAX);
    cr_assert_eq(mk_peer_on_dgram(p, esp, 3, MK_PORT_NATT, &INI_ADDR_NAT, 2000), MK_E_TRUNCATED);
    mk_peer_free(p);
}

Test(peer, init_on_4500_force)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    uint16_t port;
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_NATT, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, &port);
    cr_assert_eq(port, MK_PORT_NATT);
    ti_take_init_resp(&t, r, rn);
    cr_assert_gt(do_auth(p, &t, MK_PORT_NATT, r), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

/* ---- datagram scripts ------------------------------------------------------------------------ */

Test(peer, script_drop_rx_drop_tx_dup_tx)
{
    mk_peer_config c = base_cfg();
    c.script.drop_rx_mask = 1u << 0; /* the first IKE_SA_INIT is lost */
    c.script.drop_tx_mask = 1u << 1; /* the answer to the second is lost */
    c.script.dup_tx_mask = 1u << 2;  /* the answer to the third is duplicated */
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r1[MK_MAX_MSG], r2[MK_MAX_MSG];
    size_t n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_IDLE, "the lost datagram changed nothing");
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_INIT_DONE, "processed, answer not sent");
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t n1 = pop(p, r1, NULL), n2 = pop(p, r2, NULL);
    cr_assert_gt(n1, 0);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(r1, r2, n1), 0);
    cr_assert_eq(npending(p), 0);
    mk_peer_free(p);
}

/* ---- IKE_AUTH scripts and failures ----------------------------------------------------------- */

Test(peer, script_bad_icv)
{
    mk_peer_config c = base_cfg();
    c.script.bad_icv = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t r[MK_MAX_MSG], plain[MK_MAX_MSG];
    mk_msg msg;
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    size_t rn = do_auth(p, &t, MK_PORT_IKE, r);
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_ICV_MISMATCH);
    mk_peer_free(p);
}

static void auth_inner(mk_peer *p, ti *t, mk_chain *in, uint8_t *plain)
{
    uint8_t r[MK_MAX_MSG];
    mk_msg msg;
    size_t rn = do_auth(p, t, MK_PORT_IKE, r);
    cr_assert_gt(rn, 0);
    cr_assert_eq(ti_open(t, r, rn, &msg, plain, in), MK_E_OK);
}

static void expect_only_notify(const mk_chain *in, uint16_t type)
{
    mk_notify nt;
    cr_assert_eq(in->n, 1);
    cr_assert_eq(in->pl[0].type, MK_PT_NOTIFY);
    cr_assert_eq(mk_pl_decode_notify(&nt, in->pl[0].body, in->pl[0].len), MK_E_OK);
    cr_assert_eq(nt.type, type);
}

Test(peer, script_wrong_auth)
{
    mk_peer_config c = base_cfg();
    c.script.wrong_auth = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t plain[MK_MAX_MSG], want[MK_MAX_PRF_OUT];
    mk_chain in;
    mk_idv id;
    mk_authv av;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_eq(mk_pl_decode_id(&id, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(mk_pl_decode_auth(&av, in.pl[1].body, in.pl[1].len), MK_E_OK);
    mk_ks_auth_psk(t.prf, PSK, PSK_LEN, t.resp1, t.resp1_len, t.ni, 32, t.k.pr, in.pl[0].body,
                   in.pl[0].len, want);
    cr_assert_neq(memcmp(av.data, want, 32), 0);
    mk_peer_free(p);
}

Test(peer, script_wrong_idr)
{
    mk_peer_config c = base_cfg();
    c.script.wrong_idr = MK_ID_RFC822_ADDR;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    mk_idv id;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_eq(in.pl[0].type, MK_PT_IDR);
    cr_assert_eq(mk_pl_decode_id(&id, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(id.type, MK_ID_RFC822_ADDR);
    cr_assert(id.len != 14 || memcmp(id.data, "responder.test", 14) != 0);
    mk_peer_free(p);
}

Test(peer, script_auth_failed)
{
    mk_peer_config c = base_cfg();
    c.script.auth_failed = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    expect_only_notify(&in, MK_N_AUTHENTICATION_FAILED);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    cr_assert(!mk_peer_child(p, NULL));
    mk_peer_free(p);
}

Test(peer, initiator_with_wrong_psk_gets_authentication_failed)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    static const uint8_t other[] = "not-the-shared-secret-at-all!!";
    t.psk = other;
    t.psk_len = sizeof other - 1;
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    expect_only_notify(&in, MK_N_AUTHENTICATION_FAILED);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    mk_peer_free(p);
}

Test(peer, initiator_with_wrong_id_gets_authentication_failed)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    set_id(&t.idi, MK_ID_KEY_ID, "initiator-2"); /* AUTH is right for this ID, ID is not */
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    expect_only_notify(&in, MK_N_AUTHENTICATION_FAILED);
    mk_peer_free(p);
}

Test(peer, script_ts_unacceptable_keeps_ike_sa)
{
    mk_peer_config c = base_cfg();
    c.script.ts_unacceptable = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_eq(in.n, 3);
    cr_assert_eq(in.pl[0].type, MK_PT_IDR);
    cr_assert_eq(in.pl[1].type, MK_PT_AUTH);
    cr_assert_not_null(mk_chain_find_notify(&in, MK_N_TS_UNACCEPTABLE));
    cr_assert_null(mk_chain_find(&in, MK_PT_SA));
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    cr_assert(!mk_peer_child(p, NULL));
    mk_peer_free(p);
}

Test(peer, disjoint_tsr_is_unacceptable)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    t.tsr = ts4(172, 16, 0, 0, 255);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_not_null(mk_chain_find_notify(&in, MK_N_TS_UNACCEPTABLE));
    mk_peer_free(p);
}

Test(peer, script_unknown_critical_in_auth)
{
    mk_peer_config c = base_cfg();
    c.script.unknown_critical_in_auth = true;
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_neq(in.unsupported_critical, 0);
    mk_peer_free(p);
}

/* ---- peer-initiated requests ----------------------------------------------------------------- */

/* Take the peer's request: check the header, return its inner chain. */
static uint32_t take_request(mk_peer *p, ti *t, uint8_t ex, uint8_t *req, size_t *req_len,
                             mk_chain *in, uint8_t *plain)
{
    mk_msg msg;
    *req_len = pop(p, req, NULL);
    cr_assert_gt(*req_len, 0);
    cr_assert_eq(ti_open(t, req, *req_len, &msg, plain, in), MK_E_OK);
    cr_assert_eq(msg.hdr.exchange, ex);
    cr_assert_eq(msg.hdr.flags, 0, "request of the original responder: I and R clear");
    return msg.hdr.msgid;
}

static void answer(mk_peer *p, ti *t, uint8_t ex, uint32_t msgid, const mk_wr *iw, mk_err want)
{
    uint8_t m[MK_MAX_MSG];
    size_t n = ti_seal(t, ex, MK_HDR_F_INITIATOR | MK_HDR_F_RESPONSE, msgid, iw, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), want);
}

Test(peer, liveness_request_retransmitted_until_answered)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t req[MK_MAX_MSG], req2[MK_MAX_MSG], plain[MK_MAX_MSG], inner[16];
    size_t rl, rl2, slot;
    mk_chain in;
    cr_assert_eq(mk_peer_deadline(p), UINT64_MAX);
    cr_assert_eq(mk_peer_send_liveness(p, 10000), MK_E_OK);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_REQ_SENT);
    cr_assert_eq(mk_peer_send_liveness(p, 10000), MK_E_BAD_STATE, "one request at a time");
    uint32_t mid = take_request(p, &t, MK_EX_INFORMATIONAL, req, &rl, &in, plain);
    cr_assert_eq(mid, 0, "the peer's own counter starts at 0");
    cr_assert_eq(in.n, 0, "SK{}");
    uint64_t d = mk_peer_deadline(p);
    cr_assert_gt(d, 10000);
    cr_assert_eq(mk_peer_on_timer(p, d - 1), MK_E_OK);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_on_timer(p, d), MK_E_OK);
    rl2 = pop(p, req2, NULL);
    cr_assert_eq(rl, rl2);
    cr_assert_eq(memcmp(req, req2, rl), 0, "retransmission is bitwise identical");
    cr_assert_gt(mk_peer_deadline(p) - d, d - 10000, "back-off grows");

    /* a forged answer (wrong ICV) changes nothing */
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    uint8_t m[MK_MAX_MSG];
    size_t n = ti_seal(&t, MK_EX_INFORMATIONAL, MK_HDR_F_INITIATOR | MK_HDR_F_RESPONSE, 0, &w, m);
    m[n - 1] ^= 1;
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_ICV_MISMATCH);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_REQ_SENT);
    /* the wrong Message ID: dropped */
    answer(p, &t, MK_EX_INFORMATIONAL, 1, &w, MK_E_WRONG_MSGID);
    answer(p, &t, MK_EX_INFORMATIONAL, 0, &w, MK_E_OK);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    cr_assert_eq(mk_peer_deadline(p), UINT64_MAX);
    const mk_peer_answer *a = mk_peer_last_answer(p);
    cr_assert(a->valid);
    cr_assert_eq(a->exchange, MK_EX_INFORMATIONAL);
    cr_assert_eq(a->n_types, 0);
    /* the next request uses Message ID 1 */
    cr_assert_eq(mk_peer_send_liveness(p, 20000), MK_E_OK);
    cr_assert_eq(take_request(p, &t, MK_EX_INFORMATIONAL, req, &rl, &in, plain), 1);
    mk_peer_free(p);
}

Test(peer, request_times_out)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    cr_assert_eq(mk_peer_send_liveness(p, 0), MK_E_OK);
    mk_err e = MK_E_OK;
    for (int i = 0; i < 20 && e == MK_E_OK; i++)
        e = mk_peer_on_timer(p, mk_peer_deadline(p));
    cr_assert_eq(e, MK_E_TIMEOUT);
    cr_assert_eq(mk_peer_last_error(p), MK_E_TIMEOUT);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    mk_peer_free(p);
}

Test(peer, unknown_critical_request_and_answer_recorded)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t req[MK_MAX_MSG], plain[MK_MAX_MSG], inner[64];
    size_t rl, slot;
    mk_chain in;
    cr_assert_eq(mk_peer_send_unknown_critical(p, 0), MK_E_OK);
    uint32_t mid = take_request(p, &t, MK_EX_INFORMATIONAL, req, &rl, &in, plain);
    cr_assert_neq(in.unsupported_critical, 0);
    uint8_t ty = in.unsupported_critical;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    notify(&w, &slot, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, &ty, 1);
    answer(p, &t, MK_EX_INFORMATIONAL, mid, &w, MK_E_OK);
    const mk_peer_answer *a = mk_peer_last_answer(p);
    cr_assert(a->valid);
    cr_assert_eq(a->n_types, 1);
    cr_assert_eq(a->types[0], MK_PT_NOTIFY);
    cr_assert_eq(a->notify, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD);
    cr_assert_eq(a->notify_data_len, 1);
    cr_assert_eq(a->notify_data[0], ty);
    mk_peer_free(p);
}

Test(peer, create_child_request)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t req[MK_MAX_MSG], plain[MK_MAX_MSG], inner[64];
    size_t rl, slot;
    mk_chain in;
    mk_esp_sa ch;
    cr_assert(mk_peer_child(p, &ch));
    cr_assert_eq(mk_peer_send_create_child(p, 0), MK_E_OK);
    uint32_t mid = take_request(p, &t, MK_EX_CREATE_CHILD_SA, req, &rl, &in, plain);
    cr_assert_not_null(mk_chain_find(&in, MK_PT_SA));
    cr_assert_not_null(mk_chain_find(&in, MK_PT_NONCE));
    cr_assert_not_null(mk_chain_find(&in, MK_PT_TSI));
    cr_assert_not_null(mk_chain_find(&in, MK_PT_TSR));
    const mk_pl *rk = mk_chain_find_notify(&in, 16393);
    cr_assert_not_null(rk, "N(REKEY_SA)");
    mk_notify nt;
    cr_assert_eq(mk_pl_decode_notify(&nt, rk->body, rk->len), MK_E_OK);
    cr_assert_eq(nt.proto, MK_PROTO_ESP);
    cr_assert_eq(nt.spi_len, 4);
    cr_assert_eq((uint32_t)nt.spi[0] << 24 | (uint32_t)nt.spi[1] << 16 | (uint32_t)nt.spi[2] << 8 |
                     nt.spi[3],
                 ch.spi_in);
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    notify(&w, &slot, MK_N_NO_ADDITIONAL_SAS, NULL, 0);
    answer(p, &t, MK_EX_CREATE_CHILD_SA, mid, &w, MK_E_OK);
    cr_assert_eq(mk_peer_last_answer(p)->notify, MK_N_NO_ADDITIONAL_SAS);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

Test(peer, delete_request_closes_after_answer)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t req[MK_MAX_MSG], plain[MK_MAX_MSG], inner[16];
    size_t rl, slot;
    mk_chain in;
    mk_deletev d;
    cr_assert_eq(mk_peer_send_delete(p, 0), MK_E_OK);
    uint32_t mid = take_request(p, &t, MK_EX_INFORMATIONAL, req, &rl, &in, plain);
    cr_assert_eq(in.n, 1);
    cr_assert_eq(in.pl[0].type, MK_PT_DELETE);
    cr_assert_eq(mk_pl_decode_delete(&d, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(d.proto, MK_PROTO_IKE);
    cr_assert_eq(d.spi_len, 0);
    cr_assert_eq(d.n_spi, 0);
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    answer(p, &t, MK_EX_INFORMATIONAL, mid, &w, MK_E_OK);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    mk_peer_free(p);
}

/* ---- the initiator's INFORMATIONAL requests ---------------------------------------------------
 */

static void info_request(mk_peer *p, ti *t, uint32_t mid, const mk_wr *iw, mk_chain *in,
                         uint8_t *plain)
{
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    size_t n = ti_seal(t, MK_EX_INFORMATIONAL, MK_HDR_F_INITIATOR, mid, iw, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(ti_open(t, r, rn, &msg, plain, in), MK_E_OK);
    cr_assert_eq(msg.hdr.flags, MK_HDR_F_RESPONSE);
    cr_assert_eq(msg.hdr.msgid, mid);
}

Test(peer, answers_empty_informational_and_ike_delete)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t plain[MK_MAX_MSG], inner[64];
    size_t slot;
    mk_chain in;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    info_request(p, &t, 2, &w, &in, plain);
    cr_assert_eq(in.n, 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    cr_assert_eq(mk_peer_stats(p)->answered_requests, 1);

    w = inner_init(inner, sizeof inner, &slot);
    size_t at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
    mk_pl_encode_delete(&w, MK_PROTO_IKE, 0, NULL, 0);
    mk_pl_end(&w, at);
    info_request(p, &t, 3, &w, &in, plain);
    cr_assert_eq(in.n, 0, "SK{} answers an IKE SA delete");
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    mk_peer_free(p);
}

Test(peer, out_of_window_msgid_dropped)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t m[MK_MAX_MSG], inner[16];
    size_t slot;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    size_t n = ti_seal(&t, MK_EX_INFORMATIONAL, MK_HDR_F_INITIATOR, 7, &w, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_WRONG_MSGID);
    /* wrong SPIr */
    t.spi_r[0] ^= 1;
    n = ti_seal(&t, MK_EX_INFORMATIONAL, MK_HDR_F_INITIATOR, 2, &w, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_WRONG_SPI);
    t.spi_r[0] ^= 1;
    /* I flag missing on a request */
    n = ti_seal(&t, MK_EX_INFORMATIONAL, 0, 2, &w, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_UNEXPECTED_MSG);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_stats(p)->dropped, 3);
    mk_peer_free(p);
}

/* ---- malformed input ---------------------------------------------------------------------------
 */

Test(peer, bad_icv_from_initiator_dropped)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG];
    do_init(p, &t, MK_PORT_IKE);
    size_t n = build_auth(&t, m);
    m[n - 3] ^= 0x40;
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_ICV_MISMATCH);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_INIT_DONE);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_stats(p)->dropped, 1);
    cr_assert_eq(mk_peer_stats(p)->last_drop, MK_E_ICV_MISMATCH);
    /* the genuine request still works afterwards */
    m[n - 3] ^= 0x40;
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

Test(peer, malformed_input_dropped_never_crashes)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], a[MK_MAX_MSG];
    size_t n = build_init(&t, m);
    /* truncations of a valid IKE_SA_INIT: all dropped, state untouched */
    for (size_t k = 0; k < n; k++) {
        uint8_t *buf = sodium_malloc(k ? k : 1);
        memcpy(buf, m, k);
        mk_err e = mk_peer_on_dgram(p, buf, k, MK_PORT_IKE, &INI_ADDR, 0);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP, "len %zu: %s", k, mk_err_name(e));
        sodium_free(buf);
    }
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_IDLE);
    cr_assert_eq(npending(p), 0);
    cr_assert_eq(mk_peer_stats(p)->dropped, n);
    /* single-bit flips anywhere: never crash; answers are allowed (a flip in a nonce is a
     * different valid request) */
    for (size_t k = 0; k < n * 8; k += 3) {
        uint8_t *buf = sodium_malloc(n);
        memcpy(buf, m, n);
        buf[k / 8] ^= (uint8_t)(1u << (k % 8));
        (void)mk_peer_on_dgram(p, buf, n, MK_PORT_IKE, &INI_ADDR, 0);
        sodium_free(buf);
        while (npending(p))
            mk_peer_tx_done(p);
    }
    mk_peer_free(p);

    /* the same for IKE_AUTH: only drops, the SA stays in INIT_DONE */
    p = new_peer(&c);
    ti_init(&t);
    do_init(p, &t, MK_PORT_IKE);
    size_t an = build_auth(&t, a);
    uint32_t before = mk_peer_stats(p)->dropped;
    for (size_t k = 0; k < an * 8; k += 5) {
        uint8_t *buf = sodium_malloc(an);
        memcpy(buf, a, an);
        buf[k / 8] ^= (uint8_t)(1u << (k % 8));
        mk_err e = mk_peer_on_dgram(p, buf, an, MK_PORT_IKE, &INI_ADDR, 0);
        sodium_free(buf);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP, "bit %zu: %s", k, mk_err_name(e));
    }
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_INIT_DONE);
    cr_assert_eq(npending(p), 0);
    cr_assert_gt(mk_peer_stats(p)->dropped, before);
    /* random garbage */
    for (int i = 0; i < 200; i++) {
        uint8_t g[200];
        test_rng(&irng, g, sizeof g);
        size_t gl = 1 + g[0] % sizeof g;
        if (i % 2 == 0 && gl >= 28) { /* a plausible header over garbage */
            memcpy(g, a, 28);
            g[24] = g[25] = 0;
            g[26] = (uint8_t)(gl >> 8);
            g[27] = (uint8_t)gl;
        }
        mk_err e = mk_peer_on_dgram(p, g, gl, MK_PORT_IKE, &INI_ADDR, 0);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP);
    }
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_INIT_DONE);
    mk_peer_free(p);
}

Test(peer, response_without_request_dropped)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t inner[16];
    size_t slot;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    answer(p, &t, MK_EX_INFORMATIONAL, 0, &w, MK_E_UNEXPECTED_MSG);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

Test(peer, bad_config_rejected)
{
    mk_peer_config c = base_cfg();
    c.psk_len = 4;
    cr_assert_null(mk_peer_new(&c, &peer_env));
    c = base_cfg();
    c.n_ike = 0;
    cr_assert_null(mk_peer_new(&c, &peer_env));
    c = base_cfg();
    c.ike[0].dh = 9999;
    cr_assert_null(mk_peer_new(&c, &peer_env));
    c = base_cfg();
    c.idr.len = 0;
    cr_assert_null(mk_peer_new(&c, &peer_env));
    c = base_cfg();
    cr_assert_null(mk_peer_new(&c, NULL));
    mk_env noenv = {NULL, NULL, NULL};
    cr_assert_null(mk_peer_new(&c, &noenv));
    mk_peer_free(NULL);
}

Test(peer, new_init_from_other_spi_replaces_sa)
{
    mk_peer_config c = base_cfg();
    ti t, t2;
    mk_peer *p = establish(&c, &t);
    uint8_t spi_r[8];
    memcpy(spi_r, t.spi_r, 8);
    ti_init(&t2);
    do_init(p, &t2, MK_PORT_IKE);
    cr_assert_neq(memcmp(spi_r, t2.spi_r, 8), 0);
    cr_assert(!mk_peer_child(p, NULL));
    uint8_t r[MK_MAX_MSG];
    cr_assert_gt(do_auth(p, &t2, MK_PORT_IKE, r), 0);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

/* ---- independent cross-check (python `cryptography`, no minike code) ---------------------------
 */

static void hexline(FILE *f, const char *k, const uint8_t *b, size_t n)
{
    fprintf(f, "%s = ", k);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
    fprintf(f, "\n");
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

Test(peer, exchange_cross_checked_with_python_cryptography)
{
    if (system("/usr/bin/python3 -c 'import cryptography' 2>/dev/null") != 0)
        cr_skip_test("python3 with cryptography not available");
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t r[MK_MAX_MSG];
    do_init(p, &t, MK_PORT_IKE);
    size_t rn = do_auth(p, &t, MK_PORT_IKE, r);
    char path[] = "/tmp/mk_peer_xcheck_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    hexline(f, "priv", t.priv, 32);
    hexline(f, "init_req", t.req1, t.req1_len);
    hexline(f, "init_resp", t.resp1, t.resp1_len);
    hexline(f, "auth_resp", r, rn);
    hexline(f, "psk", PSK, PSK_LEN);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/harness/unit/peer_xcheck.py %s", MK_SOURCE_DIR,
             path);
    FILE *py = popen(cmd, "r");
    cr_assert_not_null(py);
    char line[512];
    uint8_t ei[36], er[36];
    int got = 0, ok_auth = 0;
    while (fgets(line, sizeof line, py)) {
        if (strncmp(line, "keymat_ei = ", 12) == 0) {
            unhex(line + 12, ei, 36);
            got++;
        } else if (strncmp(line, "keymat_er = ", 12) == 0) {
            unhex(line + 12, er, 36);
            got++;
        } else if (strncmp(line, "ok auth", 7) == 0) {
            ok_auth = 1;
        }
    }
    int rc = pclose(py);
    remove(path);
    cr_assert_eq(rc, 0, "peer_xcheck.py failed");
    cr_assert(ok_auth, "responder AUTH verified independently");
    cr_assert_eq(got, 2);
    mk_esp_sa ch;
    cr_assert(mk_peer_child(p, &ch));
    cr_assert_eq(memcmp(ch.ek_in, ei, 36), 0, "ek_in = KEYMAT initiator->responder");
    cr_assert_eq(memcmp(ch.ek_out, er, 36), 0, "ek_out = KEYMAT responder->initiator");
    mk_peer_free(p);
}

Test(peer, answers_child_delete_and_refuses_create_child)
{
    mk_peer_config c = base_cfg();
    ti t;
    mk_peer *p = establish(&c, &t);
    uint8_t plain[MK_MAX_MSG], inner[64];
    size_t slot;
    mk_chain in;
    mk_esp_sa ch;
    mk_deletev d;
    cr_assert(mk_peer_child(p, &ch));
    /* CREATE_CHILD_SA from the initiator: NO_ADDITIONAL_SAS */
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_msg msg;
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    notify(&w, &slot, MK_N_USE_TRANSPORT_MODE, NULL, 0);
    size_t n = ti_seal(&t, MK_EX_CREATE_CHILD_SA, MK_HDR_F_INITIATOR, 2, &w, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_OK);
    cr_assert_eq(msg.hdr.exchange, MK_EX_CREATE_CHILD_SA);
    expect_only_notify(&in, MK_N_NO_ADDITIONAL_SAS);
    /* Delete of the child (the initiator names its inbound SPI): answered with ours */
    w = inner_init(inner, sizeof inner, &slot);
    size_t at = mk_pl_begin(&w, &slot, MK_PT_DELETE, false);
    mk_pl_encode_delete(&w, MK_PROTO_ESP, 4, t.esp_spi, 1);
    mk_pl_end(&w, at);
    info_request(p, &t, 3, &w, &in, plain);
    cr_assert_eq(in.n, 1);
    cr_assert_eq(mk_pl_decode_delete(&d, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(d.proto, MK_PROTO_ESP);
    cr_assert_eq(d.n_spi, 1);
    cr_assert_eq((uint32_t)d.spis[0] << 24 | (uint32_t)d.spis[1] << 16 | (uint32_t)d.spis[2] << 8 |
                     d.spis[3],
                 ch.spi_in);
    cr_assert(!mk_peer_child(p, NULL));
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    mk_peer_free(p);
}

Test(peer, unknown_critical_in_auth_request_rejected)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    ti t;
    ti_init(&t);
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG], plain[MK_MAX_MSG], inner[64];
    size_t slot;
    mk_msg msg;
    mk_chain in;
    mk_notify nt;
    do_init(p, &t, MK_PORT_IKE);
    mk_wr w = inner_init(inner, sizeof inner, &slot);
    size_t at = mk_pl_begin(&w, &slot, 201, true);
    mk_wr_u32(&w, 0);
    mk_pl_end(&w, at);
    size_t n = ti_seal(&t, MK_EX_IKE_AUTH, MK_HDR_F_INITIATOR, 1, &w, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    size_t rn = pop(p, r, NULL);
    cr_assert_eq(ti_open(&t, r, rn, &msg, plain, &in), MK_E_OK);
    expect_only_notify(&in, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD);
    cr_assert_eq(mk_pl_decode_notify(&nt, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(nt.data_len, 1);
    cr_assert_eq(nt.data[0], 201);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_CLOSED);
    mk_peer_free(p);
}

/* ---- why an initiator was refused (mk_peer_last_error / mk_peer_refusals) ----------------- */

Test(peer, refusal_reasons_recorded_once_each)
{
    mk_peer_config c = base_cfg();
    mk_peer *p = new_peer(&c);
    uint8_t plain[MK_MAX_MSG], m[MK_MAX_MSG], r[MK_MAX_MSG];
    mk_chain in;
    ti t;
    size_t n;
    static const uint8_t other[] = "not-the-shared-secret-at-all!!";

    cr_assert_eq(mk_peer_last_error(p), MK_E_OK);
    cr_assert_eq(mk_peer_refusals(p), 0);
    /* 1: wrong PSK: AUTH_FAILED, counted once, a retransmission answered from cache is not */
    ti_init(&t);
    t.psk = other;
    t.psk_len = sizeof other - 1;
    do_init(p, &t, MK_PORT_IKE);
    cr_assert_eq(mk_peer_refusals(p), 0, "IKE_SA_INIT accepted");
    n = build_auth(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_gt(pop(p, r, NULL), 0);
    cr_assert_eq(mk_peer_last_error(p), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_peer_refusals(p), 1);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_gt(pop(p, r, NULL), 0);
    cr_assert_eq(mk_peer_refusals(p), 1, "the cached answer is no new refusal");
    /* 2: an unknown identity (its AUTH is right for the ID it sent): ID_MISMATCH */
    ti_init(&t);
    set_id(&t.idi, MK_ID_KEY_ID, "initiator-2");
    do_init(p, &t, MK_PORT_IKE);
    cr_assert_eq(mk_peer_last_error(p), MK_E_OK, "a new IKE SA starts clean");
    auth_inner(p, &t, &in, plain);
    expect_only_notify(&in, MK_N_AUTHENTICATION_FAILED);
    cr_assert_eq(mk_peer_last_error(p), MK_E_ID_MISMATCH);
    cr_assert_eq(mk_peer_refusals(p), 2);
    /* 3: no acceptable IKE proposal */
    ti_init(&t);
    t.offer.p[0].t[0] = (mk_transform){MK_TT_ENCR, MK_ENCR_AES_CBC, 128};
    t.offer.p[0].t[3] = (mk_transform){MK_TT_INTEG, MK_INTEG_HMAC_SHA2_256_128, 0};
    t.offer.p[0].n_t = 4;
    n = build_init(&t, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_gt(pop(p, r, NULL), 0);
    cr_assert_eq(mk_peer_last_error(p), MK_E_NO_PROPOSAL_CHOSEN);
    cr_assert_eq(mk_peer_refusals(p), 3);
    /* 4: traffic selectors outside ours: the IKE SA comes up, the child is refused */
    ti_init(&t);
    t.tsr = ts4(172, 16, 0, 0, 255);
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_not_null(mk_chain_find_notify(&in, MK_N_TS_UNACCEPTABLE));
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    cr_assert_eq(mk_peer_last_error(p), MK_E_TS_UNACCEPTABLE);
    cr_assert_eq(mk_peer_refusals(p), 4);
    cr_assert_not(mk_peer_child_ts(p, NULL, NULL));
    /* 5: a good initiator: nothing refused, last error back to OK */
    ti_init(&t);
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert_eq(mk_peer_state_get(p), MK_PEER_ESTABLISHED);
    cr_assert_eq(mk_peer_last_error(p), MK_E_OK);
    cr_assert_eq(mk_peer_refusals(p), 4);
    mk_peer_free(p);
}

Test(peer, child_ts_is_what_was_answered)
{
    mk_peer_config c = base_cfg(); /* tsr 10.2.0.0/24 */
    ti t;
    mk_ts tsi, tsr;
    mk_peer *p;
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    mk_tsl l;
    p = new_peer(&c);
    ti_init(&t);
    t.tsr = ts4(10, 2, 0, 128, 255); /* narrower than ours: kept */
    do_init(p, &t, MK_PORT_IKE);
    auth_inner(p, &t, &in, plain);
    cr_assert(mk_peer_child_ts(p, &tsi, &tsr));
    cr_assert_eq(memcmp(tsi.start, t.tsi.start, 4), 0);
    cr_assert_eq(memcmp(tsi.end, t.tsi.end, 4), 0);
    cr_assert_eq(tsr.start[3], 128);
    cr_assert_eq(tsr.end[3], 255);
    const mk_pl *pl = mk_chain_find(&in, MK_PT_TSR);
    cr_assert_not_null(pl);
    cr_assert_eq(mk_pl_decode_ts(&l, pl->body, pl->len), MK_E_OK);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(memcmp(&l.ts[0], &tsr, sizeof tsr), 0, "the TSr on the wire is the one kept");
    mk_peer_free(p);
    /* any TSr: narrowed to ours */
    p = establish(&c, &t);
    cr_assert(mk_peer_child_ts(p, &tsi, &tsr));
    cr_assert_eq(memcmp(tsr.start, c.tsr.start, 4), 0);
    cr_assert_eq(memcmp(tsr.end, c.tsr.end, 4), 0);
    mk_peer_free(p);
}

Test(peer, refused_init_retransmission_counted_once)
{
    mk_peer_config c = base_cfg();
    c.script.no_proposal = true;
    mk_peer *p = new_peer(&c);
    ti t, u;
    uint8_t m[MK_MAX_MSG], r[MK_MAX_MSG];
    size_t n;
    ti_init(&t);
    n = build_init(&t, m);
    for (int i = 0; i < 3; i++) { /* answered statelessly every time, counted once */
        cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
        cr_assert_gt(pop(p, r, NULL), 0);
    }
    cr_assert_eq(mk_peer_last_error(p), MK_E_NO_PROPOSAL_CHOSEN);
    cr_assert_eq(mk_peer_refusals(p), 1);
    ti_init(&u); /* another initiator (SPIi): a new refusal */
    n = build_init(&u, m);
    cr_assert_eq(feed(p, m, n, MK_PORT_IKE, &INI_ADDR), MK_E_OK);
    cr_assert_eq(mk_peer_refusals(p), 2);
    mk_peer_free(p);
}
