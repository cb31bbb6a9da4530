/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the initiator's raw-public-key authentication (ref/src/initiator_rpk.c and its
 * hooks in initiator*.c: RFC 7670 CERT(15), RFC 7427 method 14 / method 1, RFC 8420 Ed25519).
 * The responder is hand-built in this file from the codec, key schedule and SK functions, so
 * these tests do not depend on the harness peer's own signing (test_peer_rpk.c covers that):
 * an IKE_SA_INIT response with N(SIGNATURE_HASH_ALGORITHMS)
 * and CERTREQ(15), then an IKE_AUTH response sealed with keys derived here, carrying IDr,
 * CERT(15, SPKI) and AUTH(14). The responder's Ed25519 signature and the checks of the
 * initiator's signature and MACedID use libsodium directly (crypto_sign_*, HMAC-SHA-256), not
 * ref/src/sig.c. Keys are RFC 8032 §7.1 TEST 1 (initiator), TEST 2 (responder), TEST 3 (a
 * stranger); RSA keys come from python3 `cryptography` (vectors/prim/rsa-pkcs1.txt).
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "keysched.h"
#include "minike_tools.h"
#include "msg_cert.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "sig.h"
#include "sk_tools.h"
#include "spki.h"
#include "suite.h"
#include "vec.h"
#include "test_rng.h"

#if MK_RPK

/* ---- deterministic RNG -------------------------------------------------------------------- */
/* deterministic RNG: harness/lib/test_rng.h */

/* ---- the world ------------------------------------------------------------------------------ */
static mk_trng rng_i, rng_r;
static mk_env env_i, env_r;
static mk_config cfg;
static mk_ike ike;
static mk_vec_file *edv, *rsav;
static uint64_t now = 1000;

/* keys: TEST 1 = ours, TEST 2 = the responder's, TEST 3 = someone else's */
static const uint8_t *seed1, *seed2, *seed3, *spki1, *spki2, *spki3;
static size_t spki1_len, spki2_len, spki3_len;

/* imprint callback state */
static int imprint_calls;
static bool imprint_answer;
static uint8_t imprinted[MK_MAX_SPKI];
static size_t imprinted_len;

static bool imprint_cb(void *ctx, const uint8_t *spki, size_t len)
{
    cr_assert_eq(ctx, &imprint_calls);
    imprint_calls++;
    cr_assert_leq(len, sizeof imprinted);
    memcpy(imprinted, spki, len);
    imprinted_len = len;
    return imprint_answer;
}

static const uint8_t *hexof(const mk_vec_file *f, const char *name, const char *key, size_t *len)
{
    const mk_vec_block *b = mk_vec_find(f, "name", name);
    cr_assert_not_null(b, "no block %s", name);
    size_t n;
    const uint8_t *p = mk_vec_hex(b, key, &n);
    cr_assert_not_null(p, "%s: no %s", name, key);
    if (len != NULL)
        *len = n;
    return p;
}

static void setup(void)
{
    char err[256];
    cr_assert(sodium_init() >= 0);
    edv = mk_vec_load("vectors/prim/rfc8032.txt", err, sizeof err);
    cr_assert_not_null(edv, "%s", err);
    rsav = mk_vec_load("vectors/prim/rsa-pkcs1.txt", err, sizeof err);
    cr_assert_not_null(rsav, "%s", err);
    seed1 = hexof(edv, "TEST 1", "secret", NULL);
    seed2 = hexof(edv, "TEST 2", "secret", NULL);
    seed3 = hexof(edv, "TEST 3", "secret", NULL);
    spki1 = hexof(edv, "TEST 1", "spki", &spki1_len);
    spki2 = hexof(edv, "TEST 2", "spki", &spki2_len);
    spki3 = hexof(edv, "TEST 3", "spki", &spki3_len);
    memset(&rng_i, 0, sizeof rng_i);
    memset(&rng_r, 0, sizeof rng_r);
    memset(rng_i.key, 0x31, 32);
    memset(rng_r.key, 0x32, 32);
    env_i = (mk_env){.ctx = &rng_i, .rng = mk_trng_fill, .trace = NULL};
    env_r = (mk_env){.ctx = &rng_r, .rng = mk_trng_fill, .trace = NULL};
    mk_config_defaults(&cfg);
    cfg.ike[0] = (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE,
                                MK_DH_X25519};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 256, MK_INTEG_NONE};
    cfg.n_esp = 1;
    cfg.idi.type = MK_ID_KEY_ID;
    memcpy(cfg.idi.data, "device-1", 8);
    cfg.idi.len = 8;
    cfg.idr.type = MK_ID_FQDN;
    memcpy(cfg.idr.data, "gw.example", 10);
    cfg.idr.len = 10;
    cfg.auth_method = MK_AUTH_DIGSIG;
    cfg.priv_key = seed1;
    cfg.priv_key_len = 32;
    cfg.spki = spki1;
    cfg.spki_len = spki1_len;
    cfg.peer_spki = spki2;
    cfg.peer_spki_len = spki2_len;
    imprint_calls = 0;
    imprint_answer = true;
    imprinted_len = 0;
}

static void teardown(void)
{
    mk_vec_free(edv);
    mk_vec_free(rsav);
}

TestSuite(initiator_rpk, .init = setup, .fini = teardown);

/* ---- the hand-built responder -----------------------------------------------------------------
 */

/* What the responder does differently per test. */
typedef struct resp_opts {
    bool no_sha;           /* no N(SIGNATURE_HASH_ALGORITHMS) at all */
    const uint8_t *hashes; /* its data (default: 0002 0005) */
    size_t hashes_len;
    bool certreq;             /* CERTREQ(15) in the IKE_SA_INIT response */
    bool cert;                /* CERT(15, cert_spki) in the IKE_AUTH response */
    const uint8_t *cert_spki; /* default spki2 */
    size_t cert_spki_len;
    const uint8_t *sign_seed;   /* Ed25519 key the responder signs with (default seed2) */
    const mk_sig_class *rsa_sc; /* or: sign with this RSA class and rsa_priv */
    const uint8_t *rsa_priv;
    size_t rsa_priv_len;
} resp_opts;

static struct {
    uint8_t spi_i[8], spi_r[8];
    uint8_t dh_priv[32], dh_pub[32];
    uint8_t ni[MK_MAX_NONCE], nr[32];
    size_t ni_len;
    uint8_t init_req[MK_MAX_MSG], init_resp[MK_MAX_MSG];
    size_t init_req_len, init_resp_len;
    mk_ike_sa_keys k;
    /* from our IKE_AUTH request */
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    uint8_t child_spi_i[4];
} R;

static size_t take_tx(uint8_t *buf)
{
    const uint8_t *p;
    uint16_t port;
    size_t n = mk_tx_peek(&ike, &p, &port);
    cr_assert_gt(n, 0, "the initiator queued nothing");
    cr_assert_eq(port, MK_PORT_IKE);
    memcpy(buf, p, n);
    mk_tx_done(&ike);
    return n;
}

static const mk_pl *find_notify(const mk_chain *c, uint16_t type, mk_notify *n)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(n, c->pl[i].body, c->pl[i].len) == MK_E_OK && n->type == type)
            return &c->pl[i];
    return NULL;
}

/* mk_init + mk_start, check the request, answer it; returns mk_on_dgram's result. */
static mk_err do_init(const resp_opts *o)
{
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
    R.init_req_len = take_tx(R.init_req);
    mk_msg m;
    cr_assert_eq(mk_msg_parse(&m, R.init_req, R.init_req_len), MK_E_OK);
    memcpy(R.spi_i, m.hdr.spi_i, 8);
    /* the request announces SHA2-256 and Identity (RFC 7427 §4, RFC 8420 §2) */
    mk_notify n;
    cr_assert_not_null(find_notify(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &n));
    static const uint8_t ours[] = {0, 2, 0, 5};
    cr_assert_eq(n.data_len, 4);
    cr_assert_arr_eq(n.data, ours, 4);
    const mk_pl *pke = mk_chain_find(&m.chain, MK_PT_KE),
                *pn = mk_chain_find(&m.chain, MK_PT_NONCE);
    cr_assert(pke != NULL && pn != NULL);
    mk_ke ke;
    const uint8_t *ni;
    uint16_t nl;
    cr_assert_eq(mk_pl_decode_ke(&ke, pke->body, pke->len), MK_E_OK);
    cr_assert_eq(mk_pl_decode_nonce(&ni, &nl, pn->body, pn->len), MK_E_OK);
    memcpy(R.ni, ni, nl);
    R.ni_len = nl;

    /* responder: SPIr, DH pair, Nr, keys */
    env_r.rng(env_r.ctx, R.spi_r, 8);
    env_r.rng(env_r.ctx, R.nr, sizeof R.nr);
    cr_assert_eq(mk_dh_x25519.keypair(&env_r, R.dh_priv, R.dh_pub), MK_E_OK);
    uint8_t gir[32], skeyseed[32];
    cr_assert_eq(mk_dh_x25519.shared(R.dh_priv, ke.data, ke.len, gir), MK_E_OK);
    mk_ks_skeyseed(&mk_prf_hmac_sha2_256, R.ni, R.ni_len, R.nr, sizeof R.nr, gir, 32, skeyseed);
    cr_assert_eq(mk_ks_ike_keys(&mk_prf_hmac_sha2_256, NULL, &mk_encr_chacha20poly1305, skeyseed,
                                R.ni, R.ni_len, R.nr, sizeof R.nr, R.spi_i, R.spi_r, &R.k),
                 MK_E_OK);

    /* HDR, SAr1, KEr, Nr, [N(SIGNATURE_HASH_ALGORITHMS)], [CERTREQ(15)] */
    mk_wr w = mk_wr_init(R.init_resp, sizeof R.init_resp);
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, R.spi_i, 8);
    memcpy(h.spi_r, R.spi_r, 8);
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_RESPONSE;
    mk_hdr_encode(&w, &h);
    size_t slot = 16, at;
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 1;
    sa.p[0].num = 1;
    sa.p[0].proto = MK_PROTO_IKE;
    sa.p[0].t[0] = (mk_transform){MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0};
    sa.p[0].t[1] = (mk_transform){MK_TT_PRF, MK_PRF_HMAC_SHA2_256, 0};
    sa.p[0].t[2] = (mk_transform){MK_TT_DH, MK_DH_X25519, 0};
    sa.p[0].n_t = 3;
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, &sa);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_KE, false);
    mk_pl_encode_ke(&w, MK_DH_X25519, R.dh_pub, 32);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_NONCE, false);
    mk_pl_encode_nonce(&w, R.nr, sizeof R.nr);
    mk_pl_end(&w, at);
    if (!o->no_sha) {
        static const uint8_t both[] = {0, 2, 0, 5};
        at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(&w, 0, NULL, 0, MK_N_SIGNATURE_HASH_ALGORITHMS,
                            o->hashes != NULL ? o->hashes : both,
                            o->hashes != NULL ? o->hashes_len : sizeof both);
        mk_pl_end(&w, at);
    }
    if (o->certreq) {
        at = mk_pl_begin(&w, &slot, MK_PT_CERTREQ, false);
        mk_pl_encode_cert(&w, MK_CERT_RAW_PUBKEY, NULL, 0);
        mk_pl_end(&w, at);
    }
    mk_wr_patch32(&w, 24, 0);
    cr_assert_eq(w.err, MK_E_OK);
    R.init_resp_len = w.off;
    return mk_on_dgram(&ike, R.init_resp, R.init_resp_len, MK_PORT_IKE, now);
}

static void hmac256(const uint8_t *key, const uint8_t *in, size_t n, uint8_t out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, in, n);
    crypto_auth_hmacsha256_final(&st, out);
}

/* Open our IKE_AUTH request into R.in and check the initiator's AUTH independently. */
static void open_auth_req(const uint8_t *our_spki, size_t our_spki_len)
{
    static uint8_t req[MK_MAX_MSG + 4];
    size_t n = take_tx(req);
    mk_msg m;
    cr_assert_eq(mk_msg_parse(&m, req, n), MK_E_OK);
    cr_assert_eq(m.hdr.exchange, MK_EX_IKE_AUTH);
    mk_sk_keys sk = {&mk_encr_chacha20poly1305, NULL, R.k.ei, NULL};
    cr_assert_eq(mk_sk_open(&m, &sk, R.plain, sizeof R.plain, &R.in), MK_E_OK);
    const mk_pl *pid = mk_chain_find(&R.in, MK_PT_IDI), *pa = mk_chain_find(&R.in, MK_PT_AUTH);
    cr_assert(pid != NULL && pa != NULL);
    mk_authv av;
    cr_assert_eq(mk_pl_decode_auth(&av, pa->body, pa->len), MK_E_OK);
    /* InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi body) */
    static uint8_t oct[MK_MAX_MSG + 64 + 32];
    memcpy(oct, R.init_req, R.init_req_len);
    memcpy(oct + R.init_req_len, R.nr, sizeof R.nr);
    hmac256(R.k.pi, pid->body, pid->len, oct + R.init_req_len + sizeof R.nr);
    size_t on = R.init_req_len + sizeof R.nr + 32;
    mk_spki k;
    cr_assert_eq(mk_spki_parse(&k, our_spki, our_spki_len), MK_E_OK);
    if (k.type == MK_KEY_ED25519) {
        /* RFC 8420: 07 | id-Ed25519 | 64-octet pure Ed25519 signature */
        static const uint8_t pre[] = {0x07, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
        cr_assert_eq(av.method, MK_AUTH_DIGSIG);
        cr_assert_eq(av.len, sizeof pre + 64);
        cr_assert_arr_eq(av.data, pre, sizeof pre);
        cr_assert_eq(crypto_sign_verify_detached(av.data + sizeof pre, oct, on, k.pk), 0,
                     "the initiator's Ed25519 AUTH does not verify");
    } else {
        cr_assert_eq(mk_sig_auth_verify(&k, av.method, av.data, av.len, oct, on), MK_E_OK);
    }
    const mk_pl *psa = mk_chain_find(&R.in, MK_PT_SA);
    cr_assert_not_null(psa);
    mk_sa sa;
    cr_assert_eq(mk_pl_decode_sa(&sa, psa->body, psa->len), MK_E_OK);
    memcpy(R.child_spi_i, sa.p[0].spi, 4);
}

static size_t count_type(const mk_chain *c, uint8_t type, uint8_t encoding)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        mk_certv cv;
        if (c->pl[i].type == type && mk_pl_decode_cert(&cv, c->pl[i].body, c->pl[i].len) == 0 &&
            cv.encoding == encoding)
            n++;
    }
    return n;
}

/* Build and feed the IKE_AUTH response; returns mk_on_dgram's result. */
static mk_err do_auth(const resp_opts *o)
{
    uint8_t inner[MK_MAX_MSG];
    size_t slot = 0, at;
    mk_wr w = mk_wr_init(inner, sizeof inner);
    mk_wr_u8(&w, MK_PT_NONE); /* scratch: becomes the first inner payload type */
    at = mk_pl_begin(&w, &slot, MK_PT_IDR, false);
    mk_pl_encode_id(&w, MK_ID_FQDN, (const uint8_t *)"gw.example", 10);
    mk_pl_end(&w, at);
    size_t idr_body = at + MK_GEN_HDR_LEN, idr_len = w.off - idr_body;
    if (o->cert) {
        at = mk_pl_begin(&w, &slot, MK_PT_CERT, false);
        mk_pl_encode_cert(&w, MK_CERT_RAW_PUBKEY, o->cert_spki != NULL ? o->cert_spki : spki2,
                          o->cert_spki != NULL ? o->cert_spki_len : spki2_len);
        mk_pl_end(&w, at);
    }
    /* ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr body) */
    static uint8_t oct[MK_MAX_MSG + MK_MAX_NONCE + 32];
    memcpy(oct, R.init_resp, R.init_resp_len);
    memcpy(oct + R.init_resp_len, R.ni, R.ni_len);
    hmac256(R.k.pr, inner + idr_body, idr_len, oct + R.init_resp_len + R.ni_len);
    size_t on = R.init_resp_len + R.ni_len + 32;
    uint8_t auth[1 + 15 + MK_MAX_SIG];
    size_t alen;
    uint8_t method = MK_AUTH_DIGSIG;
    if (o->rsa_sc != NULL) {
        cr_assert_eq(mk_sig_auth_build(o->rsa_sc, &env_r, o->rsa_priv, o->rsa_priv_len, oct, on,
                                       auth, sizeof auth, &alen),
                     MK_E_OK);
        method = o->rsa_sc->method;
    } else {
        static const uint8_t pre[] = {0x07, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
        uint8_t pk[32], sk[64];
        crypto_sign_seed_keypair(pk, sk, o->sign_seed != NULL ? o->sign_seed : seed2);
        memcpy(auth, pre, sizeof pre);
        crypto_sign_detached(auth + sizeof pre, NULL, oct, on, sk);
        alen = sizeof pre + 64;
    }
    at = mk_pl_begin(&w, &slot, MK_PT_AUTH, false);
    mk_pl_encode_auth(&w, method, auth, alen);
    mk_pl_end(&w, at);
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 1;
    sa.p[0].num = 1;
    sa.p[0].proto = MK_PROTO_ESP;
    sa.p[0].spi_len = 4;
    static const uint8_t spi_r[4] = {0x0a, 0xbc, 0xde, 0xf1};
    memcpy(sa.p[0].spi, spi_r, 4);
    sa.p[0].t[0] = (mk_transform){MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0};
    sa.p[0].t[1] = (mk_transform){MK_TT_ESN, MK_ESN_NONE, 0};
    sa.p[0].n_t = 2;
    at = mk_pl_begin(&w, &slot, MK_PT_SA, false);
    mk_pl_encode_sa(&w, &sa);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSI, false);
    mk_pl_encode_ts(&w, &cfg.tsi, 1);
    mk_pl_end(&w, at);
    at = mk_pl_begin(&w, &slot, MK_PT_TSR, false);
    mk_pl_encode_ts(&w, &cfg.tsr, 1);
    mk_pl_end(&w, at);
    cr_assert_eq(w.err, MK_E_OK);

    static uint8_t out[MK_MAX_MSG];
    mk_wr ow = mk_wr_init(out, sizeof out);
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, R.spi_i, 8);
    memcpy(h.spi_r, R.spi_r, 8);
    h.next = MK_PT_SK;
    h.version = 0x20;
    h.exchange = MK_EX_IKE_AUTH;
    h.flags = MK_HDR_F_RESPONSE;
    h.msgid = 1;
    mk_hdr_encode(&ow, &h);
    mk_sk_keys sk = {&mk_encr_chacha20poly1305, NULL, R.k.er, NULL};
    static const uint8_t iv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_assert_eq(mk_sk_seal_iv(&ow, &sk, iv, inner[0], inner + 1, w.off - 1), MK_E_OK);
    return mk_on_dgram(&ike, out, ow.off, MK_PORT_IKE, now);
}

/* The whole exchange; the request is checked with our own key. */
static mk_err exchange(const resp_opts *o)
{
    cr_assert_eq(do_init(o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_AUTH_SENT);
    open_auth_req(cfg.spki, cfg.spki_len);
    return do_auth(o);
}

/* ---- tests ------------------------------------------------------------------------------------
 */

Test(initiator_rpk, pinned_key_establishes)
{
    resp_opts o = {0};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    mk_esp_sa c;
    cr_assert(mk_child(&ike, &c));
    cr_assert_eq(c.spi_out, 0x0abcdef1u);
    /* a full pin needs nothing from the responder: no CERTREQ in our request; no CERTREQ from
     * the responder: no CERT from us */
    cr_assert_eq(count_type(&R.in, MK_PT_CERTREQ, MK_CERT_RAW_PUBKEY), 0);
    cr_assert_eq(count_type(&R.in, MK_PT_CERT, MK_CERT_RAW_PUBKEY), 0);
    cr_assert_eq(imprint_calls, 0);
}

Test(initiator_rpk, pinned_key_ignores_the_cert_the_responder_sends)
{
    resp_opts o = {.cert = true, .cert_spki = spki3, .cert_spki_len = spki3_len};
    cr_assert_eq(exchange(&o), MK_E_OK, "the pin, not the CERT, decides");
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

Test(initiator_rpk, certreq_from_the_responder_gets_our_cert)
{
    resp_opts o = {.certreq = true};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(count_type(&R.in, MK_PT_CERT, MK_CERT_RAW_PUBKEY), 1);
    mk_certv cv;
    const mk_pl *pc = mk_chain_find(&R.in, MK_PT_CERT);
    cr_assert_eq(mk_pl_decode_cert(&cv, pc->body, pc->len), MK_E_OK);
    cr_assert_eq(cv.len, spki1_len);
    cr_assert_arr_eq(cv.data, spki1, spki1_len, "CERT(15) carries our SPKI");
    /* RFC 7296 §1.2 order: IDi, CERT, ..., AUTH */
    cr_assert_eq(R.in.pl[0].type, MK_PT_IDI);
    cr_assert_eq(R.in.pl[1].type, MK_PT_CERT);
}

Test(initiator_rpk, send_cert_configured)
{
    cfg.send_cert = true;
    resp_opts o = {0};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(count_type(&R.in, MK_PT_CERT, MK_CERT_RAW_PUBKEY), 1);
}

Test(initiator_rpk, pinned_fingerprint_establishes)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki2, spki2_len);
    cfg.peer_spki = NULL;
    cfg.peer_fp = fp;
    resp_opts o = {.cert = true};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    /* without a full key we ask for it */
    cr_assert_eq(count_type(&R.in, MK_PT_CERTREQ, MK_CERT_RAW_PUBKEY), 1);
    cr_assert_eq(imprint_calls, 0);
}

Test(initiator_rpk, fingerprint_of_another_key_fails)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki3, spki3_len);
    cfg.peer_spki = NULL;
    cfg.peer_fp = fp;
    resp_opts o = {.cert = true};
    cr_assert_eq(exchange(&o), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_AUTH_FAILED);
}

Test(initiator_rpk, wrong_key_is_auth_failed)
{
    /* pinned TEST 2, the responder signs with TEST 3 and sends TEST 3's key */
    resp_opts o = {
        .cert = true, .cert_spki = spki3, .cert_spki_len = spki3_len, .sign_seed = seed3};
    cr_assert_eq(exchange(&o), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    mk_esp_sa c;
    cr_assert(!mk_child(&ike, &c));
}

Test(initiator_rpk, imprint_accepted)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    resp_opts o = {.cert = true};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    cr_assert_eq(imprint_calls, 1);
    cr_assert_eq(imprinted_len, spki2_len);
    cr_assert_arr_eq(imprinted, spki2, spki2_len, "the callback got the responder's SPKI");
    cr_assert_eq(count_type(&R.in, MK_PT_CERTREQ, MK_CERT_RAW_PUBKEY), 1);
}

Test(initiator_rpk, imprint_refused_by_the_callback)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    imprint_answer = false;
    resp_opts o = {.cert = true};
    cr_assert_eq(exchange(&o), MK_E_IMPRINT_REFUSED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(imprint_calls, 1);
}

Test(initiator_rpk, imprint_is_not_offered_a_key_whose_auth_fails)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    /* CERT says TEST 2, the signature is TEST 3's */
    resp_opts o = {.cert = true, .sign_seed = seed3};
    cr_assert_eq(exchange(&o), MK_E_AUTH_FAILED);
    cr_assert_eq(imprint_calls, 0, "the callback runs only after the AUTH verified");
}

Test(initiator_rpk, no_cert_and_no_pin_is_no_peer_key)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    resp_opts o = {0};
    cr_assert_eq(exchange(&o), MK_E_NO_PEER_KEY);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_err_class(MK_E_NO_PEER_KEY), MK_CLASS_FATAL);
    cr_assert_str_eq(mk_err_name(MK_E_NO_PEER_KEY), "NO_PEER_KEY");
    cr_assert_eq(imprint_calls, 0);
}

Test(initiator_rpk, fingerprint_pin_without_cert_is_no_peer_key)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki2, spki2_len);
    cfg.peer_spki = NULL;
    cfg.peer_fp = fp;
    resp_opts o = {0};
    cr_assert_eq(exchange(&o), MK_E_NO_PEER_KEY);
}

Test(initiator_rpk, ed25519_without_identity_announced_is_fatal)
{
    static const uint8_t only_sha256[] = {0, 2};
    resp_opts o = {.hashes = only_sha256, .hashes_len = 2};
    cr_assert_eq(do_init(&o), MK_E_SIG_HASH_UNSUPPORTED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_SIG_HASH_UNSUPPORTED);
    const uint8_t *p;
    cr_assert_eq(mk_tx_peek(&ike, &p, NULL), 0, "no IKE_AUTH request is sent");
}

Test(initiator_rpk, ed25519_with_no_announcement_at_all_is_fatal)
{
    resp_opts o = {.no_sha = true};
    cr_assert_eq(do_init(&o), MK_E_SIG_HASH_UNSUPPORTED);
}

Test(initiator_rpk, odd_length_hash_list_is_dropped)
{
    static const uint8_t odd[] = {0, 2, 0};
    resp_opts o = {.hashes = odd, .hashes_len = 3};
    cr_assert_eq(do_init(&o), MK_E_BAD_SYNTAX);
    cr_assert_eq(mk_state_get(&ike), MK_ST_INIT_SENT, "a DROP: still waiting");
}

Test(initiator_rpk, rsa_initiator_uses_method14_sha256_when_announced)
{
    size_t kl, pl;
    const uint8_t *priv = hexof(rsav, "rsa2048", "priv_pkcs1", &kl);
    const uint8_t *spki = hexof(rsav, "rsa2048", "spki", &pl);
    cfg.priv_key = priv;
    cfg.priv_key_len = kl;
    cfg.spki = spki;
    cfg.spki_len = pl;
    resp_opts o = {0};
    cr_assert_eq(do_init(&o), MK_E_OK);
    open_auth_req(spki, pl);
    mk_authv av;
    const mk_pl *pa = mk_chain_find(&R.in, MK_PT_AUTH);
    cr_assert_eq(mk_pl_decode_auth(&av, pa->body, pa->len), MK_E_OK);
    cr_assert_eq(av.method, MK_AUTH_DIGSIG);
    cr_assert_eq(av.data[0], 15, "sha256WithRSAEncryption AlgorithmIdentifier");
    cr_assert_eq(do_auth(&o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

Test(initiator_rpk, rsa_initiator_uses_method1_without_announcement)
{
    size_t kl, pl;
    cfg.priv_key = hexof(rsav, "rsa3072", "priv_pkcs8", &kl);
    cfg.priv_key_len = kl;
    cfg.spki = hexof(rsav, "rsa3072", "spki", &pl);
    cfg.spki_len = pl;
    resp_opts o = {.no_sha = true};
    cr_assert_eq(do_init(&o), MK_E_OK);
    open_auth_req(cfg.spki, pl);
    mk_authv av;
    const mk_pl *pa = mk_chain_find(&R.in, MK_PT_AUTH);
    cr_assert_eq(mk_pl_decode_auth(&av, pa->body, pa->len), MK_E_OK);
    cr_assert_eq(av.method, MK_AUTH_RSA, "RFC 7296 method 1");
    cr_assert_eq(av.len, 384, "the bare 3072-bit signature");
}

Test(initiator_rpk, rsa_responder_with_method14_is_verified)
{
    size_t kl, pl;
    const uint8_t *rpriv = hexof(rsav, "rsa2048-other", "priv_pkcs1", &kl);
    const uint8_t *rspki = hexof(rsav, "rsa2048-other", "spki", &pl);
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    resp_opts o = {.cert = true,
                   .cert_spki = rspki,
                   .cert_spki_len = pl,
                   .rsa_sc = &mk_sig_rsa_sha256,
                   .rsa_priv = rpriv,
                   .rsa_priv_len = kl};
    cr_assert_eq(exchange(&o), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    cr_assert_eq(imprinted_len, pl);
}

Test(initiator_rpk, weak_rsa_key_from_the_responder_is_refused)
{
    size_t kl, pl;
    const uint8_t *rpriv = hexof(rsav, "rsa2048-other", "priv_pkcs1", &kl);
    const uint8_t *weak = hexof(rsav, "rsa1024-weak", "spki", &pl);
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    resp_opts o = {.cert = true,
                   .cert_spki = weak,
                   .cert_spki_len = pl,
                   .rsa_sc = &mk_sig_rsa_sha256,
                   .rsa_priv = rpriv,
                   .rsa_priv_len = kl};
    cr_assert_eq(exchange(&o), MK_E_WEAK_KEY);
    cr_assert_eq(imprint_calls, 0);
}

Test(initiator_rpk, config_checks)
{
    mk_config c = cfg;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_OK);
    c.spki = spki2; /* not the public half of seed1 */
    c.spki_len = spki2_len;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    c.priv_key = NULL;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    c.peer_spki = NULL; /* nothing pinned and no imprint callback */
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c.imprint = imprint_cb;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_OK);
    c = cfg;
    c.peer_spki_len--; /* truncated pin */
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    size_t kl, pl;
    c.priv_key = hexof(rsav, "rsa1024-weak", "priv_pkcs1", &kl);
    c.priv_key_len = kl;
    c.spki = hexof(rsav, "rsa1024-weak", "spki", &pl);
    c.spki_len = pl;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG, "our own RSA-1024 key");
    c = cfg;
    c.auth_method = 9; /* ECDSA: not ours */
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
}

Test(initiator_rpk, psk_config_sends_no_hash_announcement)
{
    static const uint8_t psk[] = "a pre-shared key of decent length";
    cfg.auth_method = 0;
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
    uint8_t req[MK_MAX_MSG + 4];
    size_t n = take_tx(req);
    mk_msg m;
    mk_notify nt;
    cr_assert_eq(mk_msg_parse(&m, req, n), MK_E_OK);
    cr_assert_null(find_notify(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &nt));
}

#else

static void zero_rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    memset(out, 0x5a, n);
}

Test(initiator_rpk, compiled_out_refuses_signature_configs)
{
    static const uint8_t psk[] = "a pre-shared key of decent length";
    static mk_config c;
    static mk_ike k;
    mk_env e = {.ctx = NULL, .rng = zero_rng, .trace = NULL};
    mk_config_defaults(&c);
    c.idi.len = 1;
    c.psk = psk;
    c.psk_len = sizeof psk - 1;
    cr_assert_eq(mk_init(&k, &c, &e), MK_E_OK, "PSK still works");
    c.auth_method = MK_AUTH_DIGSIG;
    cr_assert_eq(mk_init(&k, &c, &e), MK_E_BAD_CONFIG);
}

#endif
