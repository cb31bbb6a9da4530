/* SPDX-License-Identifier: MIT */
/*
 * test_peer_rpk: the test/demo responder's raw-public-key authentication (harness/lib/peer_rpk.c:
 * RFC 7670 CERT/CERTREQ encoding 15, RFC 7427 method 14, RFC 7296 method 1, RFC 8420 Ed25519)
 * against our initiator (mk_init with MK_AUTH_DIGSIG), in process. Ed25519 and RSA keys, pinned
 * by key, pinned by fingerprint, imprinted (and the imprint reused as a pin), a peer that sends
 * no key, signs with a wrong key or pins another initiator key, method 1 when the peer announces
 * no hashes, Ed25519 without the Identity hash, and the peer's config checks. Every datagram is
 * logged; the IKE_AUTH messages are opened with the initiator's exported keys so the payloads
 * can be inspected, and peer_rpk_xcheck.py verifies both signatures with python `cryptography`
 * (independent of ref/src/sig.c). Keys: RFC 8032 §7.1 TEST 1 (initiator), TEST 2 (peer), TEST 3
 * (a stranger); RSA keys from python `cryptography` (vectors/prim/rsa-pkcs1.txt).
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, popen: the python cross-check */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"
#include "msg.h"
#include "msg_cert.h"
#include "peer.h"
#include "sk.h"
#include "suite.h"
#include "vec.h"
#include "test_rng.h"

#if MK_RPK

/* deterministic RNG: harness/lib/test_rng.h */

/* ---- the peer's trace, to check why it refused ---- */
static char ptrace[8192];
static size_t ptrace_off;

static void ptrace_cb(void *ctx, mk_event ev, const char *detail)
{
    (void)ctx;
    (void)ev;
    size_t n = strlen(detail) + 2;
    if (ptrace_off + n >= sizeof ptrace)
        return;
    ptrace_off += (size_t)sprintf(ptrace + ptrace_off, "%s\n", detail);
}

/* ---- the world ---- */
static mk_trng rng_i, rng_p;
static mk_env env_i, env_p;
static mk_config cfg;
static mk_peer_config pcfg;
static mk_ike ike;
static mk_peer *peer;
static uint64_t now;
static mk_vec_file *edv, *rsav;

static const uint8_t *seed1, *seed2, *seed3, *spki1, *spki2, *spki3;
static size_t spki1_len, spki2_len, spki3_len;
static const uint8_t *rsa_i, *rsa_p, *rsa_x, *rsa_i_spki, *rsa_p_spki, *rsa_x_spki, *rsa_weak;
static size_t rsa_i_len, rsa_p_len, rsa_x_len, rsa_i_spki_len, rsa_p_spki_len, rsa_x_spki_len,
    rsa_weak_len;

/* every datagram of the run, in order */
typedef struct logged {
    uint8_t buf[MK_MAX_MSG];
    size_t len;
    bool from_peer;
} logged;
static logged dlog[32];
static size_t dlog_n;

/* the initiator's keys after the IKE_SA_INIT response (SK_p* are wiped later) */
static mk_ike_keys ikeys;
static bool have_ikeys;

/* imprint callback */
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

static void use_ed25519(void)
{
    cfg.priv_key = seed1;
    cfg.priv_key_len = 32;
    cfg.spki = spki1;
    cfg.spki_len = spki1_len;
    cfg.peer_spki = spki2;
    cfg.peer_spki_len = spki2_len;
    pcfg.priv_key = seed2;
    pcfg.priv_key_len = 32;
    pcfg.spki = NULL; /* derived by the peer */
    pcfg.peer_spki = spki1;
    pcfg.peer_spki_len = spki1_len;
}

/* RSA both ways: initiator rsa2048 (PKCS#1 DER), peer rsa3072 (PKCS#8 DER) */
static void use_rsa(void)
{
    cfg.priv_key = rsa_i;
    cfg.priv_key_len = rsa_i_len;
    cfg.spki = rsa_i_spki;
    cfg.spki_len = rsa_i_spki_len;
    cfg.peer_spki = rsa_p_spki;
    cfg.peer_spki_len = rsa_p_spki_len;
    pcfg.priv_key = rsa_p;
    pcfg.priv_key_len = rsa_p_len;
    pcfg.spki = rsa_p_spki;
    pcfg.spki_len = rsa_p_spki_len;
    pcfg.peer_spki = rsa_i_spki;
    pcfg.peer_spki_len = rsa_i_spki_len;
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
    rsa_i = hexof(rsav, "rsa2048", "priv_pkcs1", &rsa_i_len);
    rsa_i_spki = hexof(rsav, "rsa2048", "spki", &rsa_i_spki_len);
    rsa_p = hexof(rsav, "rsa3072", "priv_pkcs8", &rsa_p_len);
    rsa_p_spki = hexof(rsav, "rsa3072", "spki", &rsa_p_spki_len);
    rsa_x = hexof(rsav, "rsa2048-other", "priv_pkcs1", &rsa_x_len);
    rsa_x_spki = hexof(rsav, "rsa2048-other", "spki", &rsa_x_spki_len);
    rsa_weak = hexof(rsav, "rsa1024-weak", "priv_pkcs1", &rsa_weak_len);

    memset(&rng_i, 0, sizeof rng_i);
    memset(&rng_p, 0, sizeof rng_p);
    memset(rng_i.key, 0x41, 32);
    memset(rng_p.key, 0x42, 32);
    env_i = (mk_env){&rng_i, mk_trng_fill, NULL};
    env_p = (mk_env){&rng_p, mk_trng_fill, ptrace_cb};
    ptrace_off = 0;
    ptrace[0] = '\0';

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
    cfg.local = (mk_addr){4, {192, 0, 2, 1}, 500};
    cfg.remote = (mk_addr){4, {198, 51, 100, 7}, 500};
    cfg.auth_method = MK_AUTH_DIGSIG;

    memset(&pcfg, 0, sizeof pcfg);
    pcfg.suites = cfg.suites;
    memcpy(pcfg.ike, cfg.ike, sizeof cfg.ike);
    pcfg.n_ike = cfg.n_ike;
    memcpy(pcfg.esp, cfg.esp, sizeof cfg.esp);
    pcfg.n_esp = cfg.n_esp;
    pcfg.idr = cfg.idr;
    pcfg.idi = cfg.idi;
    pcfg.tsr = cfg.tsr;
    pcfg.natt = true;
    pcfg.local = cfg.remote;
    pcfg.auth_method = MK_AUTH_DIGSIG;
    use_ed25519();

    now = 1000;
    peer = NULL;
    dlog_n = 0;
    have_ikeys = false;
    imprint_calls = 0;
    imprint_answer = true;
    imprinted_len = 0;
}

static void teardown(void)
{
    mk_peer_free(peer);
    peer = NULL;
    mk_vec_free(edv);
    mk_vec_free(rsav);
}

TestSuite(peer_rpk, .init = setup, .fini = teardown);

/* ---- plumbing ---- */

static void log_dgram(const uint8_t *b, size_t n, uint16_t port, bool from_peer)
{
    size_t off = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
    cr_assert_lt(dlog_n, sizeof dlog / sizeof dlog[0]);
    cr_assert_leq(n - off, MK_MAX_MSG);
    memcpy(dlog[dlog_n].buf, b + off, n - off);
    dlog[dlog_n].len = n - off;
    dlog[dlog_n].from_peer = from_peer;
    dlog_n++;
}

static bool to_peer(void)
{
    const uint8_t *p;
    uint16_t port;
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    size_t n = mk_tx_peek(&ike, &p, &port);
    if (n == 0)
        return false;
    memcpy(buf, p, n);
    mk_tx_done(&ike);
    log_dgram(buf, n, port, false);
    (void)mk_peer_on_dgram(peer, buf, n, port, &cfg.local, now);
    return true;
}

static void to_initiator(const uint8_t *buf, size_t n, uint16_t port)
{
    mk_ike_keys k;
    log_dgram(buf, n, port, true);
    (void)mk_on_dgram(&ike, buf, n, port, now);
    /* SK_pi / SK_pr exist only between the IKE_SA_INIT and IKE_AUTH responses */
    if (mk_keys_export(&ike, &k) && k.prf_len != 0) {
        ikeys = k;
        have_ikeys = true;
    }
}

static void pump(void)
{
    for (int guard = 0; guard < 100; guard++) {
        bool moved = to_peer();
        const uint8_t *p;
        uint16_t port;
        size_t n;
        while ((n = mk_peer_tx_peek(peer, &p, &port)) != 0) {
            uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
            memcpy(buf, p, n);
            mk_peer_tx_done(peer);
            to_initiator(buf, n, port);
            moved = true;
            if (to_peer())
                moved = true;
        }
        if (!moved)
            return;
    }
    cr_assert_fail("pump did not settle");
}

static bool terminal(void)
{
    mk_state s = mk_state_get(&ike);
    return s == MK_ST_ESTABLISHED || s == MK_ST_CLOSED || s == MK_ST_FAILED;
}

/* A new peer if none, mk_init + mk_start, then exchanges until a terminal state. Returns the
 * initiator's last error (OK when established). */
static mk_err connect_once(void)
{
    if (peer == NULL)
        peer = mk_peer_new(&pcfg, &env_p);
    cr_assert_not_null(peer, "peer config rejected");
    dlog_n = 0;
    have_ikeys = false;
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
    for (int guard = 0; guard < 1000; guard++) {
        pump();
        if (terminal())
            return mk_last_error(&ike);
        uint64_t d = mk_deadline(&ike), pd = mk_peer_deadline(peer);
        if (pd < d)
            d = pd;
        cr_assert_neq(d, UINT64_MAX, "no deadline in %s", mk_state_name(mk_state_get(&ike)));
        now = d;
        (void)mk_on_timer(&ike, now);
        (void)mk_peer_on_timer(peer, now);
    }
    cr_assert_fail("run did not finish");
    return MK_E_OK;
}

static void assert_established(mk_err e)
{
    cr_assert_eq(e, MK_E_OK, "initiator error %s", mk_err_name(e));
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    cr_assert_eq(mk_peer_state_get(peer), MK_PEER_ESTABLISHED);
    mk_esp_sa a, b;
    cr_assert(mk_child(&ike, &a));
    cr_assert(mk_peer_child(peer, &b));
    cr_assert_eq(a.spi_in, b.spi_out);
    cr_assert_eq(a.spi_out, b.spi_in);
    cr_assert_gt(a.ek_len, 0);
    cr_assert_eq(memcmp(a.ek_out, b.ek_in, a.ek_len), 0);
    cr_assert_eq(memcmp(a.ek_in, b.ek_out, a.ek_len), 0);
}

/* The last logged datagram of (exchange, direction). */
static const logged *find_msg(uint8_t exchange, bool from_peer)
{
    for (size_t i = dlog_n; i-- > 0;)
        if (dlog[i].from_peer == from_peer && dlog[i].len >= MK_HDR_LEN &&
            dlog[i].buf[18] == exchange)
            return &dlog[i];
    return NULL;
}

/* An IKE_SA_INIT message, parsed (views into the log). */
static void parse_init(bool from_peer, mk_msg *m)
{
    const logged *l = find_msg(MK_EX_IKE_SA_INIT, from_peer);
    cr_assert_not_null(l);
    cr_assert_eq(mk_msg_parse(m, l->buf, l->len), MK_E_OK);
}

/* Open an IKE_AUTH message with the initiator's exported keys. */
static void open_auth(bool from_peer, uint8_t *plain, mk_chain *in)
{
    const logged *l = find_msg(MK_EX_IKE_AUTH, from_peer);
    mk_msg m;
    cr_assert_not_null(l, "no IKE_AUTH %s", from_peer ? "response" : "request");
    cr_assert(have_ikeys);
    cr_assert_eq(mk_msg_parse(&m, l->buf, l->len), MK_E_OK);
    mk_sk_keys k = {&mk_encr_chacha20poly1305, NULL, from_peer ? ikeys.sk_er : ikeys.sk_ei,
                    from_peer ? ikeys.sk_ar : ikeys.sk_ai};
    cr_assert_eq(mk_sk_open(&m, &k, plain, MK_MAX_MSG, in), MK_E_OK);
}

static size_t count_raw(const mk_chain *c, uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        mk_certv cv;
        if (c->pl[i].type == type &&
            mk_pl_decode_cert(&cv, c->pl[i].body, c->pl[i].len) == MK_E_OK &&
            cv.encoding == MK_CERT_RAW_PUBKEY)
            n++;
    }
    return n;
}

static bool notify_data(const mk_chain *c, uint16_t type, mk_notify *out)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(out, c->pl[i].body, c->pl[i].len) == MK_E_OK && out->type == type)
            return true;
    return false;
}

static void auth_of(const mk_chain *c, mk_authv *av)
{
    const mk_pl *pa = mk_chain_find(c, MK_PT_AUTH);
    cr_assert_not_null(pa, "no AUTH");
    cr_assert_eq(mk_pl_decode_auth(av, pa->body, pa->len), MK_E_OK);
}

static void cert_is(const mk_chain *c, const uint8_t *spki, size_t len)
{
    const mk_pl *pc = mk_chain_find(c, MK_PT_CERT);
    mk_certv cv;
    cr_assert_not_null(pc, "no CERT");
    cr_assert_eq(mk_pl_decode_cert(&cv, pc->body, pc->len), MK_E_OK);
    cr_assert_eq(cv.encoding, MK_CERT_RAW_PUBKEY);
    cr_assert_eq(cv.len, len);
    cr_assert_arr_eq(cv.data, spki, len);
}

/* ---- independent cross-check (python `cryptography`, no minike signature code) ---- */

static void hexline(FILE *f, const char *k, const uint8_t *b, size_t n)
{
    fprintf(f, "%s = ", k);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
    fprintf(f, "\n");
}

/* Runs peer_rpk_xcheck.py over the logged exchange; returns its "ok ..." lines. */
static void xcheck(const uint8_t *ini_spki, size_t ini_len, const uint8_t *resp_spki,
                   size_t resp_len, char *out, size_t cap)
{
    if (system("/usr/bin/python3 -c 'import cryptography' 2>/dev/null") != 0)
        cr_skip_test("python3 with cryptography not available");
    cr_assert(have_ikeys);
    char path[] = "/tmp/mk_peer_rpk_xcheck_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    const logged *l;
    l = find_msg(MK_EX_IKE_SA_INIT, false);
    hexline(f, "init_req", l->buf, l->len);
    l = find_msg(MK_EX_IKE_SA_INIT, true);
    hexline(f, "init_resp", l->buf, l->len);
    l = find_msg(MK_EX_IKE_AUTH, false);
    hexline(f, "auth_req", l->buf, l->len);
    l = find_msg(MK_EX_IKE_AUTH, true);
    hexline(f, "auth_resp", l->buf, l->len);
    hexline(f, "sk_ei", ikeys.sk_ei, ikeys.encr_len);
    hexline(f, "sk_er", ikeys.sk_er, ikeys.encr_len);
    hexline(f, "sk_pi", ikeys.sk_pi, ikeys.prf_len);
    hexline(f, "sk_pr", ikeys.sk_pr, ikeys.prf_len);
    hexline(f, "ini_spki", ini_spki, ini_len);
    hexline(f, "resp_spki", resp_spki, resp_len);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/harness/unit/peer_rpk_xcheck.py %s",
             MK_SOURCE_DIR, path);
    FILE *py = popen(cmd, "r");
    cr_assert_not_null(py);
    size_t off = 0;
    char line[256];
    out[0] = '\0';
    while (fgets(line, sizeof line, py)) {
        size_t n = strlen(line);
        if (off + n < cap) {
            memcpy(out + off, line, n + 1);
            off += n;
        }
    }
    int rc = pclose(py);
    remove(path);
    cr_assert_eq(rc, 0, "peer_rpk_xcheck.py failed:\n%s", out);
}

/* ==== Ed25519 =================================================================================
 */

Test(peer_rpk, ed25519_pinned_both_ways)
{
    assert_established(connect_once());
    /* IKE_SA_INIT response: our hashes SHA2-256 and Identity; no CERTREQ (the key is pinned) */
    mk_msg m;
    mk_notify nt;
    parse_init(true, &m);
    cr_assert(notify_data(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &nt));
    cr_assert_eq(nt.data_len, 4);
    cr_assert_arr_eq(nt.data, ((uint8_t[]){0, 2, 0, 5}), 4, "RFC 8420: Identity announced");
    cr_assert_eq(count_raw(&m.chain, MK_PT_CERTREQ), 0);
    /* IKE_AUTH: nobody asked for a key, so no CERT either way */
    uint8_t pi[MK_MAX_MSG], pr[MK_MAX_MSG];
    mk_chain ci, cr;
    open_auth(false, pi, &ci);
    open_auth(true, pr, &cr);
    cr_assert_eq(count_raw(&ci, MK_PT_CERT), 0);
    cr_assert_eq(count_raw(&cr, MK_PT_CERT), 0);
    /* RFC 8420 App. A: 07 | 300506032b6570 | 64-octet signature */
    mk_authv av;
    auth_of(&cr, &av);
    cr_assert_eq(av.method, MK_AUTH_DIGSIG);
    cr_assert_eq(av.len, 1 + 7 + 64);
    cr_assert_arr_eq(av.data, ((uint8_t[]){7, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70}), 8);
    cr_assert_eq(cr.pl[0].type, MK_PT_IDR);
    cr_assert_eq(cr.pl[1].type, MK_PT_AUTH);
    char out[512];
    xcheck(spki1, spki1_len, spki2, spki2_len, out, sizeof out);
    cr_assert(strstr(out, "ok initiator ed25519 cert=0") != NULL, "%s", out);
    cr_assert(strstr(out, "ok responder ed25519 cert=0") != NULL, "%s", out);
}

Test(peer_rpk, ed25519_pinned_by_fingerprint)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki2, spki2_len); /* libsodium, not mk_spki_fingerprint */
    cfg.peer_spki = NULL;
    cfg.peer_fp = fp;
    pcfg.peer_spki = NULL; /* the peer takes the initiator's CERT(15) */
    assert_established(connect_once());
    mk_msg m;
    parse_init(true, &m);
    cr_assert_eq(count_raw(&m.chain, MK_PT_CERTREQ), 1, "the peer asks for the raw key");
    uint8_t pi[MK_MAX_MSG], pr[MK_MAX_MSG];
    mk_chain ci, cr;
    open_auth(false, pi, &ci);
    open_auth(true, pr, &cr);
    cert_is(&ci, spki1, spki1_len);
    cr_assert_eq(count_raw(&ci, MK_PT_CERTREQ), 1, "a fingerprint pin asks for the key");
    cert_is(&cr, spki2, spki2_len);
    /* RFC 7296 §1.2 order: IDr, CERT, AUTH */
    cr_assert_eq(cr.pl[0].type, MK_PT_IDR);
    cr_assert_eq(cr.pl[1].type, MK_PT_CERT);
    cr_assert_eq(cr.pl[2].type, MK_PT_AUTH);
    char out[512];
    xcheck(spki1, spki1_len, spki2, spki2_len, out, sizeof out);
    cr_assert(strstr(out, "ok initiator ed25519 cert=1") != NULL, "%s", out);
    cr_assert(strstr(out, "ok responder ed25519 cert=1") != NULL, "%s", out);
}

Test(peer_rpk, ed25519_imprint_then_pinned_fingerprint)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    assert_established(connect_once());
    cr_assert_eq(imprint_calls, 1);
    cr_assert_eq(imprinted_len, spki2_len);
    cr_assert_arr_eq(imprinted, spki2, spki2_len, "the peer's SPKI was imprinted");

    /* the next connection (same peer: the new IKE_SA_INIT replaces the SA) pins it */
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, imprinted, imprinted_len);
    cfg.imprint = NULL;
    cfg.imprint_ctx = NULL;
    cfg.peer_fp = fp;
    rng_i.key[0] ^= 1; /* another SPIi, nonce and DH key */
    assert_established(connect_once());
    cr_assert_eq(imprint_calls, 1, "no imprinting with a pin");
}

Test(peer_rpk, ed25519_imprint_refused)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    imprint_answer = false;
    cr_assert_eq(connect_once(), MK_E_IMPRINT_REFUSED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(imprint_calls, 1);
}

Test(peer_rpk, peer_without_cert_and_nothing_pinned_is_no_peer_key)
{
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    pcfg.no_cert = true;
    cr_assert_eq(connect_once(), MK_E_NO_PEER_KEY);
    cr_assert_eq(imprint_calls, 0);
    uint8_t pr[MK_MAX_MSG];
    mk_chain cr;
    open_auth(true, pr, &cr);
    cr_assert_eq(count_raw(&cr, MK_PT_CERT), 0, "no_cert: CERTREQ(15) is ignored");
}

Test(peer_rpk, send_cert_without_certreq)
{
    pcfg.send_cert = true;
    assert_established(connect_once());
    uint8_t pr[MK_MAX_MSG];
    mk_chain cr;
    open_auth(true, pr, &cr);
    cert_is(&cr, spki2, spki2_len);
}

Test(peer_rpk, ed25519_peer_signs_with_wrong_key)
{
    pcfg.sign_with_wrong_key = true;
    cr_assert_eq(connect_once(), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert(strstr(ptrace, "script: signing with an unrelated key") != NULL, "%s", ptrace);
}

Test(peer_rpk, initiator_key_not_pinned_by_peer)
{
    pcfg.peer_spki = spki3; /* the peer expects someone else */
    pcfg.peer_spki_len = spki3_len;
    cr_assert_eq(connect_once(), MK_E_PEER_AUTH_FAILED);
    cr_assert_eq(mk_peer_state_get(peer), MK_PEER_CLOSED);
    cr_assert_eq(mk_peer_last_error(peer), MK_E_AUTH_FAILED, "the signature did not verify");
    cr_assert_eq(mk_peer_refusals(peer), 1);
    mk_esp_sa b;
    cr_assert(!mk_peer_child(peer, &b));
    /* RFC 7296 §2.21.2: AUTHENTICATION_FAILED alone */
    uint8_t pr[MK_MAX_MSG];
    mk_chain cr;
    open_auth(true, pr, &cr);
    cr_assert_eq(cr.n, 1);
    mk_notify nt;
    cr_assert(notify_data(&cr, MK_N_AUTHENTICATION_FAILED, &nt));
}

Test(peer_rpk, peer_pins_initiator_by_fingerprint)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki1, spki1_len);
    pcfg.peer_spki = NULL;
    pcfg.peer_fp = fp;
    assert_established(connect_once());
    const uint8_t *k;
    size_t kl;
    cr_assert(mk_peer_initiator_spki(peer, &k, &kl));
    cr_assert_eq(kl, spki1_len);
    cr_assert_arr_eq(k, spki1, spki1_len, "the key the initiator's AUTH verified under");
}

Test(peer_rpk, peer_fingerprint_of_another_key_refuses)
{
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, spki3, spki3_len);
    pcfg.peer_spki = NULL;
    pcfg.peer_fp = fp;
    cr_assert_eq(connect_once(), MK_E_PEER_AUTH_FAILED);
    cr_assert(!mk_peer_initiator_spki(peer, NULL, NULL));
    cr_assert_eq(mk_peer_last_error(peer), MK_E_AUTH_FAILED);
    cr_assert(strstr(ptrace, "does not match the pinned fingerprint") != NULL, "%s", ptrace);
}

Test(peer_rpk, initiator_cert_is_ignored_when_pinned)
{
    /* the initiator signs with TEST 3 and sends TEST 3's key; the peer pins TEST 1 */
    cfg.priv_key = seed3;
    cfg.spki = spki3;
    cfg.spki_len = spki3_len;
    cfg.send_cert = true;
    cr_assert_eq(connect_once(), MK_E_PEER_AUTH_FAILED);
}

Test(peer_rpk, initiator_with_psk_is_refused)
{
    static const uint8_t psk[] = "a pre-shared key of decent length";
    cfg.auth_method = MK_AUTH_PSK;
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cr_assert_eq(connect_once(), MK_E_PEER_AUTH_FAILED);
    cr_assert_eq(mk_peer_last_error(peer), MK_E_AUTH_FAILED);
}

Test(peer_rpk, ed25519_without_identity_announced)
{
    static const uint8_t sha256_only[] = {0, 2};
    pcfg.hash_notify = sha256_only;
    pcfg.hash_notify_len = sizeof sha256_only;
    cr_assert_eq(connect_once(), MK_E_SIG_HASH_UNSUPPORTED);
    mk_msg m;
    mk_notify nt;
    parse_init(true, &m);
    cr_assert(notify_data(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &nt));
    cr_assert_eq(nt.data_len, 2);
}

Test(peer_rpk, ed25519_without_any_announcement)
{
    pcfg.no_hash_notify = true;
    cr_assert_eq(connect_once(), MK_E_SIG_HASH_UNSUPPORTED);
    mk_msg m;
    mk_notify nt;
    parse_init(true, &m);
    cr_assert(!notify_data(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &nt));
}

Test(peer_rpk, retransmitted_auth_request_gets_cached_answer)
{
    pcfg.script.drop_tx_mask = 1u << 1; /* the answer to the IKE_AUTH request is "lost" */
    assert_established(connect_once());
    cr_assert_eq(mk_peer_stats(peer)->retransmits, 1);
}

/* ==== RSA ======================================================================================
 */

Test(peer_rpk, rsa_pinned_both_ways)
{
    use_rsa();
    assert_established(connect_once());
    uint8_t pi[MK_MAX_MSG], pr[MK_MAX_MSG];
    mk_chain ci, cr;
    mk_authv av;
    open_auth(false, pi, &ci);
    open_auth(true, pr, &cr);
    auth_of(&cr, &av);
    cr_assert_eq(av.method, MK_AUTH_DIGSIG);
    cr_assert_eq(av.len, 1 + 15 + 384, "sha256WithRSAEncryption, 3072-bit signature");
    auth_of(&ci, &av);
    cr_assert_eq(av.method, MK_AUTH_DIGSIG);
    cr_assert_eq(av.len, 1 + 15 + 256);
    char out[512];
    xcheck(rsa_i_spki, rsa_i_spki_len, rsa_p_spki, rsa_p_spki_len, out, sizeof out);
    cr_assert(strstr(out, "ok initiator rsa-sha256 cert=0") != NULL, "%s", out);
    cr_assert(strstr(out, "ok responder rsa-sha256 cert=0") != NULL, "%s", out);
}

Test(peer_rpk, rsa_pinned_by_fingerprint_spki_derived)
{
    use_rsa();
    uint8_t fp[MK_FP_LEN];
    crypto_hash_sha256(fp, rsa_p_spki, rsa_p_spki_len);
    cfg.peer_spki = NULL;
    cfg.peer_fp = fp;
    pcfg.spki = NULL; /* the peer derives its SPKI from the PKCS#8 key */
    pcfg.peer_spki = NULL;
    assert_established(connect_once());
    uint8_t pi[MK_MAX_MSG], pr[MK_MAX_MSG];
    mk_chain ci, cr;
    open_auth(false, pi, &ci);
    open_auth(true, pr, &cr);
    cert_is(&ci, rsa_i_spki, rsa_i_spki_len);
    cert_is(&cr, rsa_p_spki, rsa_p_spki_len);
    char out[512];
    xcheck(rsa_i_spki, rsa_i_spki_len, rsa_p_spki, rsa_p_spki_len, out, sizeof out);
    cr_assert(strstr(out, "ok responder rsa-sha256 cert=1") != NULL, "%s", out);
}

Test(peer_rpk, rsa_imprint)
{
    use_rsa();
    cfg.peer_spki = NULL;
    cfg.imprint = imprint_cb;
    cfg.imprint_ctx = &imprint_calls;
    assert_established(connect_once());
    cr_assert_eq(imprint_calls, 1);
    cr_assert_eq(imprinted_len, rsa_p_spki_len);
    cr_assert_arr_eq(imprinted, rsa_p_spki, rsa_p_spki_len);
}

Test(peer_rpk, rsa_method1_when_peer_announces_no_hashes)
{
    use_rsa();
    pcfg.no_hash_notify = true;
    assert_established(connect_once());
    uint8_t pi[MK_MAX_MSG], pr[MK_MAX_MSG];
    mk_chain ci, cr;
    mk_authv av;
    open_auth(false, pi, &ci);
    open_auth(true, pr, &cr);
    auth_of(&ci, &av);
    cr_assert_eq(av.method, MK_AUTH_RSA, "RFC 7427 §4: no announcement, classic method 1");
    cr_assert_eq(av.len, 256);
    auth_of(&cr, &av);
    cr_assert_eq(av.method, MK_AUTH_DIGSIG, "the initiator did announce SHA2-256");
    char out[512];
    xcheck(rsa_i_spki, rsa_i_spki_len, rsa_p_spki, rsa_p_spki_len, out, sizeof out);
    cr_assert(strstr(out, "ok initiator rsa-method1") != NULL, "%s", out);
    cr_assert(strstr(out, "ok responder rsa-sha256") != NULL, "%s", out);
}

Test(peer_rpk, rsa_peer_signs_with_wrong_key)
{
    use_rsa();
    pcfg.sign_with_wrong_key = true;
    cr_assert_eq(connect_once(), MK_E_AUTH_FAILED);
}

Test(peer_rpk, rsa_initiator_key_not_pinned_by_peer)
{
    use_rsa();
    pcfg.peer_spki = rsa_x_spki;
    pcfg.peer_spki_len = rsa_x_spki_len;
    cr_assert_eq(connect_once(), MK_E_PEER_AUTH_FAILED);
}

Test(peer_rpk, mixed_rsa_initiator_ed25519_peer)
{
    use_rsa();
    pcfg.priv_key = seed2;
    pcfg.priv_key_len = 32;
    pcfg.spki = spki2;
    pcfg.spki_len = spki2_len;
    cfg.peer_spki = spki2;
    cfg.peer_spki_len = spki2_len;
    assert_established(connect_once());
    char out[512];
    xcheck(rsa_i_spki, rsa_i_spki_len, spki2, spki2_len, out, sizeof out);
    cr_assert(strstr(out, "ok initiator rsa-sha256") != NULL, "%s", out);
    cr_assert(strstr(out, "ok responder ed25519") != NULL, "%s", out);
}

Test(peer_rpk, rsa_with_sha256_only_announced)
{
    static const uint8_t sha256_only[] = {0, 2};
    use_rsa();
    pcfg.hash_notify = sha256_only;
    pcfg.hash_notify_len = sizeof sha256_only;
    assert_established(connect_once());
}

/* ==== configuration ============================================================================
 */

static bool peer_ok(const mk_peer_config *c)
{
    mk_peer *p = mk_peer_new(c, &env_p);
    mk_peer_free(p);
    return p != NULL;
}

Test(peer_rpk, config_checks)
{
    static const uint8_t odd[] = {0, 2, 0};
    cr_assert(peer_ok(&pcfg), "DIGSIG needs no PSK");
    mk_peer_config c = pcfg;
    c.priv_key = NULL;
    cr_assert(!peer_ok(&c), "no private key");
    c = pcfg;
    c.spki = spki3;
    c.spki_len = spki3_len;
    cr_assert(!peer_ok(&c), "spki is not the public half of priv_key");
    c = pcfg;
    c.priv_key = rsa_weak;
    c.priv_key_len = rsa_weak_len;
    cr_assert(!peer_ok(&c), "RSA under 2048 bits");
    c = pcfg;
    c.priv_key = spki1; /* 44 octets: neither a seed nor an RSA key */
    c.priv_key_len = spki1_len;
    cr_assert(!peer_ok(&c), "garbage private key");
    c = pcfg;
    c.peer_spki_len = spki1_len - 1;
    cr_assert(!peer_ok(&c), "malformed pinned key");
    c = pcfg;
    c.hash_notify = odd;
    c.hash_notify_len = sizeof odd;
    cr_assert(!peer_ok(&c), "odd-length hash list");
    c = pcfg;
    c.auth_method = MK_AUTH_RSA;
    cr_assert(!peer_ok(&c), "method 1 is not a peer config");
    c = pcfg;
    c.auth_method = MK_AUTH_PSK;
    cr_assert(!peer_ok(&c), "PSK config without a PSK");
    c = pcfg;
    c.priv_key = rsa_p;
    c.priv_key_len = rsa_p_len;
    c.spki = NULL;
    cr_assert(peer_ok(&c), "RSA PKCS#8 with a derived SPKI");
}

Test(peer_rpk, psk_peer_sends_no_signature_payloads)
{
    /* the raw-key fields are inert without MK_AUTH_DIGSIG */
    static const uint8_t psk[] = "a pre-shared key of decent length";
    cfg.auth_method = MK_AUTH_PSK;
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    pcfg.auth_method = 0;
    pcfg.psk = psk;
    pcfg.psk_len = sizeof psk - 1;
    pcfg.send_cert = true;
    pcfg.sign_with_wrong_key = true;
    assert_established(connect_once());
    mk_msg m;
    mk_notify nt;
    parse_init(true, &m);
    cr_assert(!notify_data(&m.chain, MK_N_SIGNATURE_HASH_ALGORITHMS, &nt));
    cr_assert_eq(count_raw(&m.chain, MK_PT_CERTREQ), 0);
    cr_assert_eq(m.chain.n, 5, "SA KE Nr NAT-D NAT-D");
}

#else

Test(peer_rpk, compiled_out_refuses_signature_configs)
{
    cr_skip_test("MK_RPK off");
}

#endif
