/* SPDX-License-Identifier: MIT */
/*
 * test_tiny: the template core (ref/tiny, minike_tiny.h) held to the general core (ref/src),
 * which stays the reference. Two worlds run in lock step: general core <-> mk_peer and tiny
 * core <-> mk_peer, with the same seeds for both initiator RNGs and both peer RNGs, the same
 * PSK, identities and selectors, and the general core configured with exactly the tiny core's
 * profile (one IKE suite {ENCR 28/256, PRF 5, INTEG 0, DH 31}, one ESP suite {ENCR 28/256,
 * INTEG 0}, no NAT-T, UDP 500). After every step both worlds must agree: every datagram in both
 * directions octet for octet, the result of every call (through the error map below), state,
 * last error, deadline, counters, the sizes of the random draws, and at the end the child SA
 * and what ESP seals and opens. The peer is also scripted to misbehave and sends its own
 * requests; crafted, flipped and truncated datagrams go to both cores from the same snapshot
 * (outside SK; inside SK, opened and sealed again with the SA's keys so each variant is
 * authentic; SA payloads generated at random; ESP trailers under a valid ICV). A DROP must leave
 * the tiny SA bytewise unchanged but for its counters. Deterministic (harness/lib/test_rng.h and
 * a fixed xorshift seed): every run is the same, about 1 s.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "minike_tiny.h"
#include "minike_tools.h"
#include "peer.h"
#include "test_rng.h"
#include "tiny_map.h"

/* The error and state map mk_err -> mt_err, mk_state -> mt_state: harness/lib/tiny_map.c. */

/* ==== RNG: the test stream, with the size of every draw logged ================================ */
typedef struct logged_rng {
    mk_trng t;
    uint16_t sizes[64];
    size_t n;
} logged_rng;

static void logged_fill(void *ctx, uint8_t *out, size_t n)
{
    logged_rng *r = ctx;
    if (r->n < sizeof r->sizes / sizeof r->sizes[0])
        r->sizes[r->n] = (uint16_t)n;
    r->n++;
    mk_trng_fill(&r->t, out, n);
}

/* ==== the two worlds ========================================================================== */
static const uint8_t psk[] = "a pre-shared key of decent length";
static logged_rng grng, trng; /* initiators: same seed */
static mk_trng gprng, tprng;  /* peers: same seed */
static mk_env genv, gpenv, tpenv;
static mt_env tenv;
static mk_config gcfg;
static mt_config tcfg;
static mk_peer_config pcfg;
static mk_ike gike;
static mt_ike tike;
static mk_peer *gpeer, *tpeer;
static uint64_t now;
static mk_addr peer_from;
static unsigned n_i2r, n_r2i; /* datagrams compared so far in each direction */

static void world_setup(void)
{
    cr_assert(sodium_init() >= 0);
    memset(&grng, 0, sizeof grng);
    memset(&trng, 0, sizeof trng);
    memset(grng.t.key, 0x11, 32);
    memset(trng.t.key, 0x11, 32);
    memset(&gprng, 0, sizeof gprng);
    memset(gprng.key, 0x22, 32);
    tprng = gprng;
    genv = (mk_env){&grng, logged_fill, NULL};
    tenv = (mt_env){&trng, logged_fill};
    gpenv = (mk_env){&gprng, mk_trng_fill, NULL};
    tpenv = (mk_env){&tprng, mk_trng_fill, NULL};

    mk_config_defaults(&gcfg);
    gcfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 256, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    gcfg.n_ike = 1;
    gcfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 256, 0};
    gcfg.n_esp = 1;
    gcfg.natt = false;
    gcfg.psk = psk;
    gcfg.psk_len = sizeof psk - 1;
    gcfg.idi.type = MK_ID_KEY_ID;
    memcpy(gcfg.idi.data, "device-1", 8);
    gcfg.idi.len = 8;
    gcfg.idr.type = MK_ID_FQDN;
    memcpy(gcfg.idr.data, "gw.example", 10);
    gcfg.idr.len = 10;
    gcfg.initial_contact = true;
    gcfg.tunnel = true;
    gcfg.local = (mk_addr){4, {192, 0, 2, 1}, 500};
    gcfg.remote = (mk_addr){4, {198, 51, 100, 7}, 500};
    peer_from = gcfg.local;

    memset(&pcfg, 0, sizeof pcfg);
    pcfg.suites = gcfg.suites;
    memcpy(pcfg.ike, gcfg.ike, sizeof gcfg.ike);
    pcfg.n_ike = 1;
    memcpy(pcfg.esp, gcfg.esp, sizeof gcfg.esp);
    pcfg.n_esp = 1;
    pcfg.psk = psk;
    pcfg.psk_len = sizeof psk - 1;
    pcfg.idr = gcfg.idr;
    pcfg.idi = gcfg.idi;
    pcfg.tsr = gcfg.tsr;
    pcfg.natt = false;
    pcfg.local = gcfg.remote;
    now = 1000;
    gpeer = tpeer = NULL;
    n_i2r = n_r2i = 0;
    memset(&gike, 0, sizeof gike);
    memset(&tike, 0, sizeof tike);
}

static void world_teardown(void)
{
    mk_peer_free(gpeer);
    mk_peer_free(tpeer);
    gpeer = tpeer = NULL;
}

/* The tiny config says what gcfg says. */
static void derive_tcfg(void)
{
    cr_assert(mk_tiny_config_from(&tcfg, &gcfg), "IDi %u / IDr %u octets, the tiny core takes %u",
              gcfg.idi.len, gcfg.idr.len, (unsigned)MT_MAX_ID);
}

/* Both cores agree on everything observable. */
static void check_same(const char *where)
{
    mk_state gs = mk_state_get(&gike);
    cr_assert_eq(mk_tiny_map_state(gs), (int)mt_state_get(&tike), "%s: state general %s, tiny %d",
                 where, mk_state_name(gs), (int)mt_state_get(&tike));
    mk_err ge = mk_last_error(&gike);
    cr_assert_eq(mk_tiny_map_err(ge), mt_last_error(&tike), "%s: last error general %s, tiny %s",
                 where, mk_err_name(ge), mk_tiny_err_name(mt_last_error(&tike)));
    cr_assert_eq(mk_deadline(&gike), mt_deadline(&tike), "%s: deadline general %llu, tiny %llu",
                 where, (unsigned long long)mk_deadline(&gike),
                 (unsigned long long)mt_deadline(&tike));
    const mk_stats *g = mk_stats_get(&gike);
    const mt_stats *t = &tike.stats;
    cr_assert_eq(g->retransmits, t->retransmits, "%s: retransmits %u / %u", where, g->retransmits,
                 t->retransmits);
    cr_assert_eq(g->dropped, t->dropped, "%s: dropped %u / %u", where, g->dropped, t->dropped);
    cr_assert_eq(mk_tiny_map_err(g->last_drop), t->last_drop, "%s: last_drop %s / %s", where,
                 mk_err_name(g->last_drop), mk_tiny_err_name(t->last_drop));
    cr_assert_eq(mk_tiny_map_err(g->unauth_reason), t->unauth_reason, "%s: unauth_reason %s / %s",
                 where, mk_err_name(g->unauth_reason), mk_tiny_err_name(t->unauth_reason));
    cr_assert_eq(g->answered_requests, t->answered_requests, "%s: answered %u / %u", where,
                 g->answered_requests, t->answered_requests);
    cr_assert_eq(g->resent_responses, t->resent_responses, "%s: resent %u / %u", where,
                 g->resent_responses, t->resent_responses);
    cr_assert_eq(g->tx_dgrams, t->tx_dgrams, "%s: tx_dgrams %u / %u", where, g->tx_dgrams,
                 t->tx_dgrams);
    cr_assert_eq(g->rx_dgrams, t->rx_dgrams, "%s: rx_dgrams %u / %u", where, g->rx_dgrams,
                 t->rx_dgrams);
    /* the random octets: same draws, same sizes, same order */
    cr_assert_eq(grng.n, trng.n, "%s: %zu random draws (general) vs %zu (tiny)", where, grng.n,
                 trng.n);
    cr_assert_arr_eq(grng.sizes, trng.sizes, sizeof grng.sizes, "%s: random draw sizes differ",
                     where);
}

static void same_bytes(const char *what, unsigned no, const uint8_t *g, size_t gn, const uint8_t *t,
                       size_t tn)
{
    cr_assert_eq(gn, tn, "%s #%u: general %zu octets, tiny %zu", what, no, gn, tn);
    if (gn != 0 && memcmp(g, t, gn) != 0) {
        size_t i = 0;
        while (g[i] == t[i])
            i++;
        cr_assert_fail("%s #%u: differs at octet %zu of %zu (general %02x, tiny %02x)", what, no, i,
                       gn, g[i], t[i]);
    }
}

/* Both cores have the same datagram (or none) waiting to be sent. */
static void same_tx(const char *what)
{
    const uint8_t *gp = NULL, *tp = NULL;
    uint16_t port;
    size_t gn = mk_tx_peek(&gike, &gp, &port);
    size_t tn = mt_tx(&tike, &tp);
    same_bytes(what, 0, gp, gn, tp, tn);
}

static void start_both(void)
{
    derive_tcfg();
    if (gpeer == NULL) {
        gpeer = mk_peer_new(&pcfg, &gpenv);
        tpeer = mk_peer_new(&pcfg, &tpenv);
    }
    cr_assert_not_null(gpeer, "peer config rejected");
    cr_assert_not_null(tpeer);
    cr_assert_eq(mk_init(&gike, &gcfg, &genv), MK_E_OK);
    cr_assert_eq(mt_init(&tike, &tcfg, &tenv), MT_E_OK);
    cr_assert_eq(mk_start(&gike, now), MK_E_OK);
    cr_assert_eq(mt_start(&tike, now), MT_E_OK);
    static const uint16_t first_draws[] = {8, 16, 32}; /* SPIi, Ni, X25519 private */
    cr_assert_eq(trng.n, 3, "mt_start drew %zu times", trng.n);
    cr_assert_arr_eq(trng.sizes, first_draws, sizeof first_draws);
    check_same("start");
    cr_assert_eq(mt_state_get(&tike), MT_ST_INIT_SENT);
}

/* Both worlds' next datagrams in one direction are the same; false if neither has one, else
 * counted (*no numbers them in the messages). */
static bool both_sent(const char *what, unsigned *no, const uint8_t *g, size_t gn, const uint8_t *t,
                      size_t tn)
{
    same_bytes(what, *no + 1, g, gn, t, tn);
    if (gn == 0)
        return false;
    (*no)++;
    return true;
}

/* One datagram initiator -> peer, compared; false if neither had one. */
static bool to_peers(void)
{
    const uint8_t *gp, *tp;
    uint16_t port = 0;
    size_t gn = mk_tx_peek(&gike, &gp, &port);
    size_t tn = mt_tx(&tike, &tp);
    if (!both_sent("initiator -> peer", &n_i2r, gp, gn, tp, tn))
        return false;
    cr_assert_eq(port, MK_PORT_IKE);
    uint8_t gb[MK_MAX_MSG + MK_NATT_MARKER], tb[MK_MAX_MSG + MK_NATT_MARKER];
    memcpy(gb, gp, gn);
    memcpy(tb, tp, tn);
    mk_tx_done(&gike);
    mt_tx_done(&tike);
    cr_assert_eq(mt_tx(&tike, &tp), 0, "mt_tx_done left a datagram queued");
    mk_err ge = mk_peer_on_dgram(gpeer, gb, gn, MK_PORT_IKE, &peer_from, now);
    mk_err te = mk_peer_on_dgram(tpeer, tb, tn, MK_PORT_IKE, &peer_from, now);
    cr_assert_eq(ge, te, "peer took datagram #%u differently: %s / %s", n_i2r, mk_err_name(ge),
                 mk_err_name(te));
    check_same("after tx");
    return true;
}

/* Deliver the same datagram to both cores (each gets its own copy: the tiny core decrypts in
 * place) and require the same answer. Returns the general core's result. */
static mk_err deliver(const uint8_t *d, size_t n, const char *what)
{
    uint8_t gb[MK_MAX_MSG + 64], tb[MK_MAX_MSG + 64];
    cr_assert_leq(n, sizeof gb);
    memcpy(gb, d, n);
    memcpy(tb, d, n);
    static mt_ike before;
    before = tike;
    mk_err ge = mk_on_dgram(&gike, gb, n, MK_PORT_IKE, now);
    mt_err te = mt_on_dgram(&tike, tb, n, now);
    cr_assert_eq(mk_tiny_map_err(ge), te, "%s: general %s, tiny %s", what, mk_err_name(ge),
                 mk_tiny_err_name(te));
    check_same(what);
    if (mt_err_class(te) == MT_CLASS_DROP) {
        /* minike_tiny.h: a DROP changes nothing but the counters */
        before.stats = tike.stats;
        cr_assert_arr_eq(&before, &tike, sizeof tike, "%s: the DROP (%s) changed the tiny SA", what,
                         mk_tiny_err_name(te));
    }
    return ge;
}

/* One datagram peer -> initiators; false if neither peer had one. */
static bool from_peers(void)
{
    const uint8_t *gp, *tp;
    uint16_t gport = 0, tport = 0;
    size_t gn = mk_peer_tx_peek(gpeer, &gp, &gport);
    size_t tn = mk_peer_tx_peek(tpeer, &tp, &tport);
    if (!both_sent("peer -> initiator", &n_r2i, gp, gn, tp, tn))
        return false;
    cr_assert_eq(gport, tport);
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    memcpy(buf, gp, gn);
    mk_peer_tx_done(gpeer);
    mk_peer_tx_done(tpeer);
    char what[48];
    snprintf(what, sizeof what, "peer datagram #%u", n_r2i);
    (void)deliver(buf, gn, what);
    return true;
}

static void pump(void)
{
    for (int guard = 0; guard < 100; guard++) {
        bool moved = to_peers();
        while (from_peers()) {
            moved = true;
            (void)to_peers();
        }
        if (!moved)
            return;
    }
    cr_assert_fail("pump did not settle");
}

static bool terminal(void)
{
    mt_state s = mt_state_get(&tike);
    return s == MT_ST_ESTABLISHED || s == MT_ST_CLOSED || s == MT_ST_FAILED;
}

static void timers(void)
{
    mk_err ge = mk_on_timer(&gike, now);
    mt_err te = mt_on_timer(&tike, now);
    cr_assert_eq(mk_tiny_map_err(ge), te, "timer at %llu: general %s, tiny %s",
                 (unsigned long long)now, mk_err_name(ge), mk_tiny_err_name(te));
    mk_err gp = mk_peer_on_timer(gpeer, now), tp = mk_peer_on_timer(tpeer, now);
    cr_assert_eq(gp, tp);
    check_same("timer");
}

/* Run both worlds to a terminal state, the clock jumping to the next deadline. */
static void run(void)
{
    for (int guard = 0; guard < 1000; guard++) {
        pump();
        if (terminal())
            return;
        uint64_t d = mk_deadline(&gike), pd = mk_peer_deadline(gpeer);
        cr_assert_eq(pd, mk_peer_deadline(tpeer));
        if (pd < d)
            d = pd;
        cr_assert_neq(d, UINT64_MAX, "no deadline while waiting");
        now = d;
        timers();
    }
    cr_assert_fail("run did not finish");
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

/* The tiny core's secrets are gone (FATAL, CLOSED). */
static void tiny_secrets_wiped(void)
{
    cr_assert(all_zero(tike.dh_priv, sizeof tike.dh_priv), "dh_priv not wiped");
    cr_assert(all_zero(tike.sk_pr, sizeof tike.sk_pr), "sk_pr not wiped");
    cr_assert(all_zero(tike.sk_ei, sizeof tike.sk_ei), "sk_ei not wiped");
    cr_assert(all_zero(tike.sk_er, sizeof tike.sk_er), "sk_er not wiped");
    cr_assert(all_zero(tike.auth_r, sizeof tike.auth_r), "auth_r not wiped");
    cr_assert(all_zero(tike.child.k_in, sizeof tike.child.k_in), "child key not wiped");
    cr_assert(all_zero(tike.child.k_out, sizeof tike.child.k_out), "child key not wiped");
    mt_esp_sa c;
    cr_assert_not(mt_child(&tike, &c));
    cr_assert_eq(mt_deadline(&tike), UINT64_MAX);
}

static void establish_both(void);
static size_t take_peer(uint8_t *buf);
static size_t init_response(uint8_t r[MK_MAX_MSG]);
static size_t auth_response(uint8_t r[MK_MAX_MSG], uint8_t init[MK_MAX_MSG], size_t *init_n);
static uint32_t xs(uint32_t mod);
static uint32_t xs_state;
static void same_peer_answers(void);

/* ==== child SA and ESP ======================================================================== */

static void children(mk_esp_sa *g, mt_esp_sa *t, mk_esp_sa *p)
{
    cr_assert(mk_child(&gike, g));
    cr_assert(mt_child(&tike, t));
    cr_assert(mk_peer_child(gpeer, p));
    cr_assert_eq(g->spi_in, t->spi_in);
    cr_assert_eq(g->spi_out, t->spi_out);
    cr_assert_eq(g->ek_len, MT_KEY_LEN + MT_SALT_LEN);
    cr_assert_arr_eq(g->ek_out, t->k_out, sizeof t->k_out, "child outbound key differs");
    cr_assert_arr_eq(g->ek_in, t->k_in, sizeof t->k_in, "child inbound key differs");
    cr_assert_neq(memcmp(t->k_in, t->k_out, sizeof t->k_in), 0);
    cr_assert_eq(g->tunnel, t->tunnel);
    cr_assert_eq(g->seq_out, t->seq_out);
    cr_assert_eq(g->replay_top, t->replay_top);
    cr_assert_eq(g->replay_bitmap, t->replay_bitmap);
    /* and the responder's side mirrors it */
    cr_assert_eq(p->spi_in, t->spi_out);
    cr_assert_eq(p->spi_out, t->spi_in);
    cr_assert_arr_eq(p->ek_in, t->k_out, sizeof t->k_out);
    cr_assert_arr_eq(p->ek_out, t->k_in, sizeof t->k_in);
}

/* Seal the same packets on both cores: identical output; the peer opens the tiny one; the
 * peer's packets open on both; replays, forgeries, a wrong SPI and truncations are refused
 * alike. */
static void esp_differential(void)
{
    mk_esp_sa g, p;
    mt_esp_sa t;
    children(&g, &t, &p);
    uint8_t payload[300], gout[400], tout[400], pin[400], gin[400], tin[400];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    static const size_t lens[] = {0, 1, 2, 3, 4, 5, 13, 20, 40, 41, 42, 43, 64, 255, 300};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t nh = k % 3 == 0 ? 4 : k % 3 == 1 ? 41 : 17;
        size_t gn = 0, tn = 0;
        cr_assert_eq(mk_esp_seal(&g, &genv, nh, payload, lens[k], gout, sizeof gout, &gn), MK_E_OK);
        cr_assert_eq(mt_esp_seal(&t, nh, payload, lens[k], tout, sizeof tout, &tn), MT_E_OK);
        same_bytes("ESP seal", (unsigned)lens[k], gout, gn, tout, tn);
        cr_assert_eq(g.seq_out, t.seq_out);
        /* RFC 7634 §2: the IV is the 64-bit sequence number (no ESN: top half zero), and
         * sealing draws no random octets */
        static const uint8_t zero4[4];
        cr_assert_arr_eq(tout + 8, zero4, 4);
        cr_assert_arr_eq(tout + 12, tout + 4, 4, "IV is not the sequence number");
        cr_assert_eq(tout[7], (uint8_t)t.seq_out);
        cr_assert_eq(trng.n, grng.n);
        /* the peer opens ours */
        memcpy(pin, tout, tn);
        uint8_t pnh = 0;
        const uint8_t *inner;
        size_t ilen;
        cr_assert_eq(mk_esp_open(&p, pin, tn, &pnh, &inner, &ilen), MK_E_OK);
        cr_assert_eq(pnh, nh);
        cr_assert_eq(ilen, lens[k]);
        cr_assert_arr_eq(inner, payload, ilen);
        /* we open the peer's */
        size_t pn = 0;
        cr_assert_eq(mk_esp_seal(&p, &gpenv, nh, payload, lens[k], pin, sizeof pin, &pn), MK_E_OK);
        memcpy(gin, pin, pn);
        memcpy(tin, pin, pn);
        uint8_t gnh = 0, tnh = 0;
        const uint8_t *gi, *ti;
        size_t gl = 0, tl = 0;
        cr_assert_eq(mk_esp_open(&g, gin, pn, &gnh, &gi, &gl), MK_E_OK);
        mt_err te0 = mt_esp_open(&t, tin, pn, &tnh, &ti, &tl);
        cr_assert_eq(te0, MT_E_OK, "mt_esp_open: %s", mk_tiny_err_name(te0));
        cr_assert_eq(tnh, nh);
        cr_assert_eq(tl, lens[k]);
        cr_assert_arr_eq(ti, payload, tl);
        cr_assert(ti >= tin && ti + tl <= tin + pn, "inner points into the packet");
        cr_assert_eq(g.replay_top, t.replay_top);
        cr_assert_eq(g.replay_bitmap, t.replay_bitmap);
        /* a replay */
        memcpy(gin, pin, pn);
        memcpy(tin, pin, pn);
        mk_err ge = mk_esp_open(&g, gin, pn, &gnh, &gi, &gl);
        mt_err te = mt_esp_open(&t, tin, pn, &tnh, &ti, &tl);
        cr_assert_eq(ge, MK_E_REPLAY);
        cr_assert_eq(te, MT_E_REPLAY, "replay: tiny %s", mk_tiny_err_name(te));
        cr_assert_eq(g.dropped, t.dropped);
    }
    /* a fresh packet, then damaged in every octet, a wrong SPI and every truncation: the same
     * verdict, and nothing but `dropped` moves */
    size_t pn = 0;
    cr_assert_eq(mk_esp_seal(&p, &gpenv, 4, payload, 33, pin, sizeof pin, &pn), MK_E_OK);
    for (size_t i = 0; i <= pn; i++) {
        size_t len = pn;
        memcpy(gin, pin, pn);
        if (i < pn)
            gin[i] ^= 0x40;
        memcpy(tin, gin, pn);
        mt_esp_sa before = t;
        uint8_t gnh, tnh;
        const uint8_t *gi, *ti;
        size_t gl, tl;
        mk_err ge = mk_esp_open(&g, gin, len, &gnh, &gi, &gl);
        mt_err te = mt_esp_open(&t, tin, len, &tnh, &ti, &tl);
        if (i == pn) {
            cr_assert_eq(ge, MK_E_OK);
            cr_assert_eq(te, MT_E_OK);
            break;
        }
        cr_assert_eq(mk_tiny_map_err(ge), te, "ESP octet %zu flipped: general %s, tiny %s", i,
                     mk_err_name(ge), mk_tiny_err_name(te));
        cr_assert_neq(te, MT_E_OK);
        cr_assert_eq(t.dropped, before.dropped + 1);
        before.dropped = t.dropped;
        cr_assert_arr_eq(&before, &t, sizeof t, "a dropped ESP packet changed the SA");
    }
    cr_assert_eq(g.dropped, t.dropped);
    for (size_t len = 0; len < pn; len++) {
        cr_assert_eq(mk_esp_seal(&p, &gpenv, 4, payload, 33, pin, sizeof pin, &pn), MK_E_OK);
        memcpy(gin, pin, pn);
        memcpy(tin, pin, pn);
        uint8_t gnh, tnh;
        const uint8_t *gi, *ti;
        size_t gl, tl;
        mk_err ge = mk_esp_open(&g, gin, len, &gnh, &gi, &gl);
        mt_err te = mt_esp_open(&t, tin, len, &tnh, &ti, &tl);
        cr_assert_eq(mk_tiny_map_err(ge), te, "ESP truncated to %zu: general %s, tiny %s", len,
                     mk_err_name(ge), mk_tiny_err_name(te));
        cr_assert_neq(te, MT_E_OK);
    }
    cr_assert_eq(g.dropped, t.dropped);
    /* too small a buffer, an exhausted sequence number (RFC 4303 §3.3.3) */
    size_t gn = 0, tn = 0;
    cr_assert_eq(mk_esp_seal(&g, &genv, 4, payload, 40, gout, sizeof gout, &gn), MK_E_OK);
    cr_assert_eq(mt_esp_seal(&t, 4, payload, 40, tout, sizeof tout, &tn), MT_E_OK);
    same_bytes("ESP seal", 40, gout, gn, tout, tn);
    cr_assert_eq(mk_esp_seal(&g, &genv, 4, payload, 40, gout, gn - 1, &gn), MK_E_BUF_TOO_SMALL);
    cr_assert_eq(mt_esp_seal(&t, 4, payload, 40, tout, tn - 1, &tn), MT_E_BUF_TOO_SMALL);
    g.seq_out = t.seq_out = UINT32_MAX;
    cr_assert_eq(mk_esp_seal(&g, &genv, 4, payload, 40, gout, sizeof gout, &gn), MK_E_BAD_STATE);
    cr_assert_eq(mt_esp_seal(&t, 4, payload, 40, tout, sizeof tout, &tn), MT_E_BAD_STATE);
    mt_esp_wipe(&t);
    cr_assert(all_zero(&t, sizeof t), "mt_esp_wipe left something");
}

/* ==== 1. differential handshakes ============================================================== */

typedef struct hs_case {
    bool initial_contact, tunnel, idr;
    uint8_t ts; /* 0: all IPv4; 1: IPv6 ranges; 2: narrow IPv4 with proto and ports;
                   3: the peer narrows TSr */
} hs_case;

ParameterizedTestParameters(tiny, handshake_matches_general_core)
{
    static hs_case c[] = {
        {true, true, true, 0},    {true, true, false, 0},   {true, false, true, 0},
        {true, false, false, 0},  {false, true, true, 0},   {false, true, false, 0},
        {false, false, true, 0},  {false, false, false, 0}, {true, true, true, 1},
        {false, false, false, 1}, {true, true, true, 2},    {false, false, true, 2},
        {true, true, true, 3},
    };
    return cr_make_param_array(hs_case, c, sizeof c / sizeof c[0]);
}

static void set_ts(uint8_t kind)
{
    if (kind == 1) {
        mk_ts *ts[] = {&gcfg.tsi, &gcfg.tsr};
        for (size_t i = 0; i < 2; i++) {
            memset(ts[i], 0, sizeof *ts[i]);
            ts[i]->type = MK_TS_IPV6_RANGE;
            ts[i]->start[0] = 0x20;
            ts[i]->start[1] = 0x01;
            ts[i]->start[2] = 0x0d;
            ts[i]->start[3] = 0xb8;
            memcpy(ts[i]->end, ts[i]->start, 4);
            memset(ts[i]->end + 4, 0xff, 12);
            ts[i]->end_port = 0xffff;
        }
        pcfg.tsr = gcfg.tsr;
    } else if (kind == 2) {
        gcfg.tsi = (mk_ts){MK_TS_IPV4_RANGE, 17, 1024, 65535, {10, 1, 0, 0}, {10, 1, 255, 255}};
        gcfg.tsr = (mk_ts){MK_TS_IPV4_RANGE, 17, 5683, 5683, {198, 51, 100, 7}, {198, 51, 100, 7}};
        pcfg.tsr = gcfg.tsr;
    } else if (kind == 3) {
        pcfg.tsr = (mk_ts){MK_TS_IPV4_RANGE, 0, 0, 65535, {10, 0, 0, 0}, {10, 255, 255, 255}};
    }
}

ParameterizedTest(hs_case *c, tiny, handshake_matches_general_core, .init = world_setup,
                  .fini = world_teardown)
{
    gcfg.initial_contact = c->initial_contact;
    gcfg.tunnel = c->tunnel;
    if (!c->idr)
        gcfg.idr.len = 0;
    set_ts(c->ts);
    start_both();
    run();
    cr_assert_eq(mt_state_get(&tike), MT_ST_ESTABLISHED, "tiny: %s",
                 mk_tiny_err_name(mt_last_error(&tike)));
    cr_assert_eq(n_i2r, 2);
    cr_assert_eq(n_r2i, 2);
    /* SPIi 8, Ni 16, X25519 32; IKE_AUTH: child SPI 4, SK IV 8 */
    static const uint16_t draws[] = {8, 16, 32, 4, 8};
    cr_assert_eq(trng.n, 5);
    cr_assert_arr_eq(trng.sizes, draws, sizeof draws);
    cr_assert_eq(tike.stats.retransmits, 0);
    cr_assert_eq(mt_last_error(&tike), MT_E_OK);
    cr_assert_eq(mt_deadline(&tike), UINT64_MAX);
    cr_assert_eq(mk_peer_state_get(tpeer), MK_PEER_ESTABLISHED);
    mt_esp_sa t;
    cr_assert(mt_child(&tike, &t));
    cr_assert_eq(t.tunnel, c->tunnel);
    esp_differential();
}

/* A numbered replay-window table (WireGuard style): the same sequence numbers, sealed by the
 * peer, go to both cores; the verdicts and the windows must stay the same. */
Test(tiny, esp_replay_window_matches_general_core, .init = world_setup, .fini = world_teardown)
{
    start_both();
    run();
    mk_esp_sa g, p;
    mt_esp_sa t;
    children(&g, &t, &p);
    static const struct {
        uint32_t seq;
        bool ok;
    } tab[] = {
        {1, true},           {2, true},   {3, true},    {3, false},         {2, false},
        {64, true},          {65, true},  {1, false},   {2, false},         {66, true},
        {200, true},         {137, true}, {136, false}, {135, false},       {200, false},
        {201, true},         {138, true}, {139, true},  {1000, true},       {937, true},
        {936, false},        {999, true}, {999, false}, {0xfffffffe, true}, {0xffffffff, true},
        {0xffffffff, false}, {5, false},
    };
    uint8_t payload[20] = {0x45}, pkt[200], gb[200], tb[200];
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t n = 0;
        p.seq_out = tab[i].seq - 1;
        cr_assert_eq(mk_esp_seal(&p, &gpenv, 4, payload, sizeof payload, pkt, sizeof pkt, &n),
                     MK_E_OK);
        memcpy(gb, pkt, n);
        memcpy(tb, pkt, n);
        uint8_t nh;
        const uint8_t *in;
        size_t il;
        mk_err ge = mk_esp_open(&g, gb, n, &nh, &in, &il);
        mt_err te = mt_esp_open(&t, tb, n, &nh, &in, &il);
        cr_assert_eq(ge == MK_E_OK, tab[i].ok, "row %zu (seq %u): general %s", i, tab[i].seq,
                     mk_err_name(ge));
        cr_assert_eq(mk_tiny_map_err(ge), te, "row %zu (seq %u): general %s, tiny %s", i,
                     tab[i].seq, mk_err_name(ge), mk_tiny_err_name(te));
        cr_assert_eq(g.replay_top, t.replay_top, "row %zu", i);
        cr_assert_eq(g.replay_bitmap, t.replay_bitmap, "row %zu", i);
        cr_assert_eq(g.dropped, t.dropped, "row %zu", i);
    }
}

/* An ESP packet sealed by hand (RFC 4303 §2, RFC 7634 §2: nonce = salt | IV, AAD = SPI | Seq
 * without ESN) around any plaintext, so the trailer can be wrong under a valid ICV. */
static size_t esp_craft(const uint8_t key[36], uint32_t spi, uint32_t seq, const uint8_t *plain,
                        size_t plen, uint8_t *out)
{
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(spi >> (24 - 8 * i));
        out[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        out[8 + i] = 0;
        out[12 + i] = out[4 + i];
    }
    uint8_t nonce[12];
    memcpy(nonce, key + 32, 4);
    memcpy(nonce + 4, out + 8, 8);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(out + 16, out + 16 + plen, NULL, plain, plen,
                                                       out, 8, NULL, nonce, key);
    return 16 + plen + 16;
}

/* The ESP trailer under a valid ICV: padding octets, Pad Length, alignment, Next Header. */
Test(tiny, esp_trailer_variants, .init = world_setup, .fini = world_teardown)
{
    start_both();
    run();
    mk_esp_sa g, p;
    mt_esp_sa t;
    children(&g, &t, &p);
    uint8_t plain[300], pkt[400], gb[400], tb[400];
    uint32_t seq = 1;
    for (int v = 0; v < 40; v++) {
        size_t pay = (size_t)(v % 7) * 3, pad = (4 - (pay + 2) % 4) % 4, plen;
        uint8_t nh = 4;
        memset(plain, 0x45, pay);
        for (size_t i = 0; i < pad; i++)
            plain[pay + i] = (uint8_t)(i + 1);
        plen = pay + pad + 2;
        plain[plen - 2] = (uint8_t)pad;
        switch (v / 7) {
        case 0:
            break; /* as a sender should */
        case 1:    /* a padding octet off */
            if (pad == 0)
                continue;
            plain[pay + pad - 1] ^= 0x10;
            break;
        case 2: /* Pad Length past the plaintext, or all of it */
            plain[plen - 2] = (uint8_t)(v % 2 ? plen - 2 : plen - 1);
            break;
        case 3: /* not 4-octet aligned (RFC 4303 §2.4) */
            plain[plen - 1] = nh;
            plen += 1 + (size_t)(v % 3);
            plain[plen - 2] = 0;
            break;
        case 4: /* Next Header 59 (no next header), 0, 255, 41 */
            nh = (uint8_t[]){59, 0, 255, 41, 17, 50, 4}[v % 7];
            break;
        default: /* the extreme lengths: 0, 1, 2 octets of plaintext, 255 octets of padding */
            if (v % 7 < 3) {
                plen = (size_t)(v % 7);
                memset(plain, 0, plen);
            } else {
                for (size_t i = 0; i < 255; i++)
                    plain[i] = (uint8_t)(i + 1);
                plen = 255 + 2 + 3;
                memmove(plain + 3, plain, 255);
                memset(plain, 0x45, 3);
                plain[plen - 2] = 255;
            }
            break;
        }
        if (plen >= 1)
            plain[plen - 1] = nh;
        size_t n = esp_craft(p.ek_out, p.spi_out, seq++, plain, plen, pkt);
        memcpy(gb, pkt, n);
        memcpy(tb, pkt, n);
        uint8_t gnh = 0, tnh = 0;
        const uint8_t *gi = NULL, *ti = NULL;
        size_t gl = 0, tl = 0;
        mk_err ge = mk_esp_open(&g, gb, n, &gnh, &gi, &gl);
        mt_err te = mt_esp_open(&t, tb, n, &tnh, &ti, &tl);
        cr_assert_eq(mk_tiny_map_err(ge), te,
                     "variant %d (%zu octets of plaintext): general %s, tiny %s", v, plen,
                     mk_err_name(ge), mk_tiny_err_name(te));
        if (ge == MK_E_OK) {
            cr_assert_eq(gnh, tnh, "variant %d", v);
            cr_assert_eq(gl, tl, "variant %d", v);
            cr_assert_arr_eq(gi, ti, gl, "variant %d", v);
        }
        cr_assert_eq(g.replay_top, t.replay_top, "variant %d", v);
        cr_assert_eq(g.replay_bitmap, t.replay_bitmap, "variant %d", v);
        cr_assert_eq(g.dropped, t.dropped, "variant %d", v);
    }
    cr_assert_gt(t.dropped, 5);
    cr_assert_gt(t.replay_top, 5);
}

/* The random octets all zero: SPIi (RFC 7296 §3.1: never zero), nonce, X25519 private value,
 * the child's SPI (RFC 4303 §2.1: 0..255 are not valid), the SK IVs. */
static void zero_fill(void *ctx, uint8_t *out, size_t n)
{
    logged_rng *r = ctx;
    if (r->n < sizeof r->sizes / sizeof r->sizes[0])
        r->sizes[r->n] = (uint16_t)n;
    r->n++;
    memset(out, 0, n);
}

Test(tiny, all_zero_random_octets, .init = world_setup, .fini = world_teardown)
{
    genv.rng = zero_fill;
    tenv.rng = zero_fill;
    establish_both();
    cr_assert_eq(tike.spi_i[7], 1);
    mt_esp_sa t;
    cr_assert(mt_child(&tike, &t));
    cr_assert_eq(t.spi_in, 0x100);
    esp_differential();
    cr_assert_eq(mk_peer_send_liveness(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_liveness(tpeer, now), MK_E_OK);
    pump();
    same_peer_answers();
}

/* ==== 2. a misbehaving peer =================================================================== */

typedef struct bad_case {
    char name[40]; /* not a pointer: Criterion runs each case in a fresh process */
    mt_state st;   /* the tiny core's end state and error */
    mt_err err;
    mk_peer_script s;
    bool no_idr; /* the initiator expects no IDr */
} bad_case;

ParameterizedTestParameters(tiny, scripted_peer_matches_general_core)
{
#define UP MT_ST_ESTABLISHED
#define FAILED MT_ST_FAILED
    /* one case a line (or two) */
    /* clang-format off */
    static bad_case c[] = {
        {"cookie", UP, MT_E_OK, {.cookie = true}, false},
        {"lost first IKE_SA_INIT", UP, MT_E_OK, {.drop_rx_mask = 1}, false},
        {"lost IKE_AUTH request", UP, MT_E_OK, {.drop_rx_mask = 2}, false},
        {"lost both, twice", UP, MT_E_OK, {.drop_rx_mask = 0x1b}, false},
        {"lost IKE_SA_INIT answer", UP, MT_E_OK, {.drop_tx_mask = 1}, false},
        {"lost IKE_AUTH answer", UP, MT_E_OK, {.drop_tx_mask = 2}, false},
        {"duplicated answers", UP, MT_E_OK, {.dup_tx_mask = 3}, false},
        {"cookie, lost, duplicated", UP, MT_E_OK,
         {.cookie = true, .drop_rx_mask = 4, .dup_tx_mask = 0xf}, false},
        {"forged error first", UP, MT_E_OK, {.forged_error_first = true}, false},
        {"no proposal chosen", FAILED, MT_E_NO_PROPOSAL_CHOSEN, {.no_proposal = true}, false},
        {"bad ICV", FAILED, MT_E_TIMEOUT, {.bad_icv = true}, false},
        {"wrong AUTH", FAILED, MT_E_AUTH_FAILED, {.wrong_auth = true}, false},
        {"wrong AUTH and IDr", FAILED, MT_E_AUTH_FAILED,
         {.wrong_auth = true, .wrong_idr = MK_ID_FQDN}, false},
        {"AUTHENTICATION_FAILED", FAILED, MT_E_PEER_AUTH_FAILED, {.auth_failed = true}, false},
        {"TS_UNACCEPTABLE", FAILED, MT_E_TS_UNACCEPTABLE, {.ts_unacceptable = true}, false},
        {"unknown critical in IKE_AUTH", FAILED, MT_E_MALFORMED_RESP,
         {.unknown_critical_in_auth = true}, false},
        {"unknown critical, bad ICV", FAILED, MT_E_TIMEOUT,
         {.unknown_critical_in_auth = true, .bad_icv = true}, false},
        {"malformed TS in IKE_AUTH", FAILED, MT_E_MALFORMED_RESP,
         {.malformed_ts_in_auth = true}, false},
        {"unoffered choice", FAILED, MT_E_BAD_PROPOSAL, {.choose_unoffered = true}, false},
        {"wrong IDr", FAILED, MT_E_ID_MISMATCH, {.wrong_idr = MK_ID_FQDN}, false},
        {"other IDr type", FAILED, MT_E_ID_MISMATCH, {.wrong_idr = MK_ID_KEY_ID}, false},
        {"wrong IDr, none expected", UP, MT_E_OK, {.wrong_idr = MK_ID_FQDN}, true},
        {"no answer at all", FAILED, MT_E_TIMEOUT, {.drop_rx_mask = 0xffffffffu}, false},
        {"IKE_AUTH never answered", FAILED, MT_E_TIMEOUT, {.drop_rx_mask = 0xfffffffeu}, false},
        {"forged error, then silence", FAILED, MT_E_NO_PROPOSAL_CHOSEN,
         {.forged_error_first = true, .drop_tx_mask = 0xffffffffu}, false},
    };
/* clang-format on */
#undef UP
#undef FAILED
    return cr_make_param_array(bad_case, c, sizeof c / sizeof c[0]);
}

ParameterizedTest(bad_case *c, tiny, scripted_peer_matches_general_core, .init = world_setup,
                  .fini = world_teardown)
{
    cr_log_info("case: %s", c->name);
    pcfg.script = c->s;
    if (c->no_idr)
        gcfg.idr.len = 0;
    uint64_t t0 = now;
    start_both();
    run();
    cr_assert_eq(mt_state_get(&tike), c->st, "%s: tiny state %d", c->name,
                 (int)mt_state_get(&tike));
    cr_assert_eq(mt_last_error(&tike), c->err, "%s: tiny %s", c->name,
                 mk_tiny_err_name(mt_last_error(&tike)));
    if (c->st == MT_ST_FAILED) {
        tiny_secrets_wiped();
        /* sticky: later input returns the first error */
        uint8_t junk[40] = {0};
        cr_assert_eq(mt_on_dgram(&tike, junk, sizeof junk, now), c->err);
        cr_assert_eq(mt_on_timer(&tike, now + 100000), c->err);
        cr_assert_eq(mk_on_timer(&gike, now + 100000), mk_last_error(&gike));
    } else {
        esp_differential();
    }
    if (c->err == MT_E_TIMEOUT || c->err == MT_E_NO_PROPOSAL_CHOSEN || c->err == MT_E_INVALID_KE ||
        c->err == MT_E_BAD_PROPOSAL)
        cr_assert_eq(now, t0 + 30000, "%s: failed at +%llu ms", c->name,
                     (unsigned long long)(now - t0));
}

/* The responder refuses us: another PSK, or it expects another IDi. */
Test(tiny, responder_refuses_our_auth, .init = world_setup, .fini = world_teardown)
{
    static const uint8_t other[] = "another pre-shared key, not ours";
    for (int k = 0; k < 2; k++) {
        world_teardown();
        world_setup();
        if (k == 0) {
            pcfg.psk = other;
            pcfg.psk_len = sizeof other - 1;
        } else {
            memcpy(pcfg.idi.data, "device-2", 8);
        }
        start_both();
        run();
        cr_assert_eq(mt_state_get(&tike), MT_ST_FAILED);
        cr_assert_eq(mt_last_error(&tike), MT_E_PEER_AUTH_FAILED, "case %d: %s", k,
                     mk_tiny_err_name(mt_last_error(&tike)));
        tiny_secrets_wiped();
    }
}

/* The longest request the tiny core builds: IDs of MT_MAX_ID octets, IPv6 selectors, transport
 * mode, INITIAL_CONTACT, after a COOKIE round trip; and the shortest (1-octet IDi, no IDr). */
Test(tiny, longest_and_shortest_requests, .init = world_setup, .fini = world_teardown)
{
    for (int k = 0; k < 2; k++) {
        world_teardown();
        world_setup();
        if (k == 0) {
            gcfg.idi.len = pcfg.idi.len = MT_MAX_ID;
            memset(gcfg.idi.data, 'i', MT_MAX_ID);
            memcpy(pcfg.idi.data, gcfg.idi.data, MT_MAX_ID);
            gcfg.idr.type = pcfg.idr.type = MK_ID_KEY_ID;
            gcfg.idr.len = pcfg.idr.len = MT_MAX_ID;
            memset(gcfg.idr.data, 'r', MT_MAX_ID);
            memcpy(pcfg.idr.data, gcfg.idr.data, MT_MAX_ID);
            set_ts(1);
            gcfg.tunnel = false;
            gcfg.initial_contact = true;
            pcfg.script.cookie = true;
        } else {
            gcfg.idi.len = pcfg.idi.len = 1;
            gcfg.idr.len = 0;
            gcfg.initial_contact = false;
        }
        start_both();
        run();
        cr_assert_eq(mt_state_get(&tike), MT_ST_ESTABLISHED, "case %d: %s", k,
                     mk_tiny_err_name(mt_last_error(&tike)));
        cr_assert_leq(tike.req_len, MT_MAX_REQ);
        cr_log_info("case %d: IKE_AUTH request %u octets (MT_MAX_REQ %d)", k, tike.req_len,
                    MT_MAX_REQ);
        esp_differential();
    }
}

/* Hand-built unprotected IKE_SA_INIT answer with one notify (both cores have the same SPIi). */
static size_t craft_init_notify(uint8_t *out, uint16_t type, const uint8_t *data, size_t dlen)
{
    cr_assert_arr_eq(gike.spi_i, tike.spi_i, 8);
    size_t n = 28 + 8 + dlen;
    memset(out, 0, n);
    memcpy(out, tike.spi_i, 8);
    out[16] = MK_PT_NOTIFY;
    out[17] = 0x20;
    out[18] = MK_EX_IKE_SA_INIT;
    out[19] = MK_HDR_F_RESPONSE;
    out[24] = (uint8_t)(n >> 24);
    out[25] = (uint8_t)(n >> 16);
    out[26] = (uint8_t)(n >> 8);
    out[27] = (uint8_t)n;
    out[28] = 0;
    out[30] = (uint8_t)((8 + dlen) >> 8);
    out[31] = (uint8_t)(8 + dlen);
    out[34] = (uint8_t)(type >> 8);
    out[35] = (uint8_t)type;
    if (dlen)
        memcpy(out + 36, data, dlen);
    return n;
}

/* RFC 7296 §2.21.1: unprotected answers that would end the exchange are dropped and remembered;
 * the remembered reason is reported when the budget ends. */
Test(tiny, unprotected_notifies_and_unauth_reason, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 0xffffffffu; /* the real responder never answers */
    start_both();
    pump();
    uint8_t buf[256];
    static const uint8_t modp[2] = {0, 14}, x25519[2] = {0, MK_DH_X25519}, junk[3] = {1, 2, 3};
    static const struct {
        uint16_t type;
        const uint8_t *data;
        size_t len;
    } notes[] = {
        {MK_N_INVALID_KE_PAYLOAD, x25519, 2}, /* our own group: nonsense */
        {MK_N_INVALID_KE_PAYLOAD, junk, 3},
        {MK_N_INVALID_KE_PAYLOAD, modp, 2}, /* a group we lack: remembered first */
        {MK_N_NO_PROPOSAL_CHOSEN, NULL, 0},
        {MK_N_AUTHENTICATION_FAILED, NULL, 0},
        {7 /* INVALID_SYNTAX */, NULL, 0},
        {MK_N_TS_UNACCEPTABLE, NULL, 0},
        {16400 /* an unknown status notify */, NULL, 0},
    };
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
        size_t n = craft_init_notify(buf, notes[i].type, notes[i].data, notes[i].len);
        static mt_ike before;
        before = tike;
        char what[48];
        snprintf(what, sizeof what, "notify %u", notes[i].type);
        mk_err ge = deliver(buf, n, what);
        cr_assert_eq(mk_err_class(ge), MK_CLASS_DROP, "%s: %s", what, mk_err_name(ge));
        before.stats = tike.stats;
        cr_assert_arr_eq(&before, &tike, sizeof tike, "%s: a DROP changed the tiny SA", what);
    }
    cr_assert_eq(tike.stats.unauth_reason, MT_E_INVALID_KE);
    run();
    cr_assert_eq(mt_state_get(&tike), MT_ST_FAILED);
    cr_assert_eq(mt_last_error(&tike), MT_E_INVALID_KE);
    tiny_secrets_wiped();
}

/* COOKIE round trips: each resent IKE_SA_INIT carries the cookie, identical on both; the fifth
 * is refused, remembered, and reported at the end. An oversized cookie is malformed. */
Test(tiny, cookie_round_trips_are_bounded_alike, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 0xffffffffu;
    start_both();
    pump();
    uint8_t buf[256], ck[MT_MAX_COOKIE + 1];
    memset(ck, 7, sizeof ck);
    size_t n = craft_init_notify(buf, MK_N_COOKIE, ck, sizeof ck);
    cr_assert_eq(deliver(buf, n, "oversized cookie"), MK_E_BAD_SYNTAX);
    static const size_t lens[] = {1, 8, 64, 17};
    for (size_t i = 0; i < MK_MAX_RETRY_INIT; i++) {
        for (size_t k = 0; k < lens[i]; k++)
            ck[k] = (uint8_t)(i * 31 + k);
        n = craft_init_notify(buf, MK_N_COOKIE, ck, lens[i]);
        cr_assert_eq(deliver(buf, n, "cookie"), MK_E_OK);
        cr_assert(to_peers(), "no IKE_SA_INIT with the cookie");
    }
    n = craft_init_notify(buf, MK_N_COOKIE, ck, 8);
    cr_assert_eq(deliver(buf, n, "one cookie too many"), MK_E_UNAUTH_FAILURE);
    cr_assert_eq(tike.stats.unauth_reason, MT_E_TOO_MANY_RETRIES);
    run();
    cr_assert_eq(mt_last_error(&tike), MT_E_TOO_MANY_RETRIES);
}

/* The retransmission schedule, default and configured, deadline by deadline (run() compares
 * mt_deadline with mk_deadline at every step). */
Test(tiny, retransmission_schedules_match, .init = world_setup, .fini = world_teardown)
{
    static const uint32_t t[][3] = {
        {0, 0, 0}, {100, 250, 1000}, {300, 300, 2000}, {1000, 64000, 60000}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        world_teardown();
        world_setup();
        pcfg.script.drop_rx_mask = 0xffffffffu;
        gcfg.rto_ms = t[i][0];
        gcfg.rto_max_ms = t[i][1];
        gcfg.total_ms = t[i][2];
        uint64_t t0 = now;
        start_both();
        run();
        cr_assert_eq(mt_last_error(&tike), MT_E_TIMEOUT);
        cr_assert_eq(now - t0, t[i][2] ? t[i][2] : 30000);
        cr_assert_gt(tike.stats.retransmits, 2);
    }
}

/* ==== peer requests after establishment ======================================================= */

static void establish_both(void)
{
    start_both();
    run();
    cr_assert_eq(mt_state_get(&tike), MT_ST_ESTABLISHED, "tiny: %s",
                 mk_tiny_err_name(mt_last_error(&tike)));
}

static void same_peer_answers(void)
{
    const mk_peer_answer *a = mk_peer_last_answer(gpeer), *b = mk_peer_last_answer(tpeer);
    cr_assert(a->valid);
    cr_assert(b->valid);
    cr_assert_arr_eq(a, b, sizeof *a);
    cr_assert_eq(mk_peer_state_get(gpeer), mk_peer_state_get(tpeer));
}

Test(tiny, peer_requests_answered_alike, .init = world_setup, .fini = world_teardown)
{
    establish_both();
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(mk_peer_send_liveness(gpeer, now), MK_E_OK);
        cr_assert_eq(mk_peer_send_liveness(tpeer, now), MK_E_OK);
        pump();
        same_peer_answers();
        cr_assert_eq(mk_peer_last_answer(tpeer)->n_types, 0);
        cr_assert_eq(mk_peer_send_create_child(gpeer, now), MK_E_OK);
        cr_assert_eq(mk_peer_send_create_child(tpeer, now), MK_E_OK);
        pump();
        same_peer_answers();
        cr_assert_eq(mk_peer_last_answer(tpeer)->notify, MK_N_NO_ADDITIONAL_SAS);
        cr_assert_eq(mk_peer_send_unknown_critical(gpeer, now), MK_E_OK);
        cr_assert_eq(mk_peer_send_unknown_critical(tpeer, now), MK_E_OK);
        pump();
        same_peer_answers();
        cr_assert_eq(mk_peer_last_answer(tpeer)->notify, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD);
    }
    cr_assert_eq(tike.stats.answered_requests, 6);
    cr_assert_eq(trng.n, 5 + 6, "one SK IV per answer");
    esp_differential(); /* the child SA is untouched by all that */
    cr_assert_eq(mk_peer_send_delete(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_delete(tpeer, now), MK_E_OK);
    pump();
    same_peer_answers();
    cr_assert_eq(mt_state_get(&tike), MT_ST_CLOSED);
    cr_assert_eq(mt_last_error(&tike), MT_E_PEER_DELETED);
    cr_assert_eq(mk_peer_state_get(tpeer), MK_PEER_CLOSED);
    tiny_secrets_wiped();
}

/* RFC 7296 §2.1: a retransmitted request gets the cached answer octet for octet; an older one
 * is dropped; a forged one (ICV) is dropped; all alike. */
Test(tiny, retransmitted_and_old_peer_requests, .init = world_setup, .fini = world_teardown)
{
    establish_both();
    cr_assert_eq(mk_peer_send_create_child(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_create_child(tpeer, now), MK_E_OK);
    const uint8_t *gp, *tp;
    uint16_t port;
    uint8_t req[MK_MAX_MSG], first[MT_MAX_ANSWER + 8];
    size_t n = mk_peer_tx_peek(gpeer, &gp, &port);
    size_t tn = mk_peer_tx_peek(tpeer, &tp, &port);
    same_bytes("peer request", 0, gp, n, tp, tn);
    memcpy(req, gp, n);
    mk_peer_tx_done(gpeer);
    mk_peer_tx_done(tpeer);
    cr_assert_eq(deliver(req, n, "request"), MK_E_OK);
    size_t a = mt_tx(&tike, &tp);
    cr_assert_gt(a, 0);
    cr_assert_leq(a, MT_MAX_ANSWER);
    memcpy(first, tp, a);
    cr_assert(to_peers());
    for (unsigned i = 1; i <= 3; i++) {
        now += 500;
        cr_assert_eq(deliver(req, n, "retransmitted request"), MK_E_OK);
        size_t b = mt_tx(&tike, &tp);
        cr_assert_eq(b, a);
        cr_assert_arr_eq(tp, first, a, "resent answer %u differs", i);
        cr_assert(to_peers());
        cr_assert_eq(tike.stats.resent_responses, i);
    }
    /* a forged copy of the request */
    uint8_t bad[MK_MAX_MSG];
    memcpy(bad, req, n);
    bad[n - 1] ^= 0x80;
    cr_assert_eq(deliver(bad, n, "forged request"), MK_E_ICV_MISMATCH);
    cr_assert_eq(mt_tx(&tike, &tp), 0);
    /* the next request, then the first one again: too old */
    cr_assert_eq(mk_peer_send_liveness(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_liveness(tpeer, now), MK_E_OK);
    pump();
    same_peer_answers();
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(deliver(req, n, "old request"), MK_E_OLD_REQUEST);
        cr_assert_eq(mt_tx(&tike, &tp), 0);
    }
    cr_assert_eq(tike.stats.answered_requests, 2);
    cr_assert_eq(mt_state_get(&tike), MT_ST_ESTABLISHED);
}

/* The peer loses our answer and retransmits its request on its own timer. */
Test(tiny, peer_request_answer_lost_then_resent, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 1u << 2;
    establish_both();
    cr_assert_eq(mk_peer_send_liveness(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_liveness(tpeer, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_peer_state_get(tpeer), MK_PEER_REQ_SENT);
    for (int guard = 0; guard < 10 && mk_peer_state_get(tpeer) == MK_PEER_REQ_SENT; guard++) {
        now = mk_peer_deadline(gpeer);
        cr_assert_eq(now, mk_peer_deadline(tpeer));
        timers();
        pump();
    }
    same_peer_answers();
    cr_assert_eq(tike.stats.resent_responses, 1);
}

/* ==== an irregular caller ==================================================================== */

/* The clock moves by uneven steps (timer calls early, on time and late), datagrams are taken
 * from the slot without mt_tx_done() now and then (the slot stays full: the same octets are
 * offered again), and mt_tx_done() is called on an empty slot: the two cores keep agreeing. */
static void irregular_run(uint32_t seed)
{
    xs_state = seed;
    for (int step = 0; step < 400 && !terminal(); step++) {
        switch (xs(6)) {
        case 0: /* a late or early timer */
            now += xs(4000);
            timers();
            break;
        case 1: /* mt_tx_done on whatever is there, or on nothing */
            mk_tx_done(&gike);
            mt_tx_done(&tike);
            check_same("tx_done");
            break;
        case 2: { /* peek only: the datagram is "sent" but the slot not released */
            const uint8_t *gp, *tp;
            uint16_t port;
            size_t gn = mk_tx_peek(&gike, &gp, &port), tn = mt_tx(&tike, &tp);
            same_bytes("peek", (unsigned)step, gp, gn, tp, tn);
            if (gn != 0) {
                uint8_t gb[MK_MAX_MSG], tb[MK_MAX_MSG];
                memcpy(gb, gp, gn);
                memcpy(tb, tp, tn);
                cr_assert_eq(mk_peer_on_dgram(gpeer, gb, gn, MK_PORT_IKE, &peer_from, now),
                             mk_peer_on_dgram(tpeer, tb, tn, MK_PORT_IKE, &peer_from, now));
            }
            break;
        }
        case 3:
            (void)to_peers();
            break;
        default:
            (void)from_peers();
            break;
        }
    }
    run();
}

Test(tiny, irregular_caller, .init = world_setup, .fini = world_teardown)
{
    static const mk_peer_script scripts[] = {
        {0},
        {.drop_rx_mask = 0x5},
        {.cookie = true, .dup_tx_mask = 0x3},
        {.drop_tx_mask = 0x2},
        {.drop_rx_mask = 0xffffffffu},
        {.no_proposal = true},
        {.forged_error_first = true},
    };
    unsigned established = 0;
    for (uint32_t i = 0; i < 3 * sizeof scripts / sizeof scripts[0]; i++) {
        world_teardown();
        world_setup();
        pcfg.script = scripts[i % (sizeof scripts / sizeof scripts[0])];
        gcfg.rto_ms = 200;
        gcfg.total_ms = 5000;
        start_both();
        irregular_run(0x1234567u + i * 7919u);
        established += mt_state_get(&tike) == MT_ST_ESTABLISHED;
    }
    cr_assert_gt(established, 3);
}

/* Input before mt_start, and after the end (FAILED, CLOSED): the same answers. */
Test(tiny, input_outside_the_exchange, .init = world_setup, .fini = world_teardown)
{
    derive_tcfg();
    cr_assert_eq(mk_init(&gike, &gcfg, &genv), MK_E_OK);
    cr_assert_eq(mt_init(&tike, &tcfg, &tenv), MT_E_OK);
    uint8_t junk[64];
    memset(junk, 0, sizeof junk);
    junk[17] = 0x20;
    junk[18] = MK_EX_IKE_SA_INIT;
    junk[19] = MK_HDR_F_RESPONSE;
    junk[27] = 28;
    (void)deliver(junk, 28, "before start");
    (void)deliver(junk, sizeof junk, "junk before start");
    cr_assert_eq(mk_on_timer(&gike, now), MK_E_OK);
    cr_assert_eq(mt_on_timer(&tike, now), MT_E_OK);
    check_same("timer before start");
    /* FAILED: the response that failed comes again, and junk */
    pcfg.script.wrong_auth = true;
    uint8_t r1[MK_MAX_MSG], r2[MK_MAX_MSG];
    size_t n1, n2 = auth_response(r2, r1, &n1);
    cr_assert_eq(deliver(r2, n2, "IKE_AUTH response"), MK_E_AUTH_FAILED);
    cr_assert_eq(deliver(r2, n2, "again"), MK_E_AUTH_FAILED);
    cr_assert_eq(deliver(r1, n1, "IKE_SA_INIT response again"), MK_E_AUTH_FAILED);
    (void)deliver(junk, sizeof junk, "junk after FAILED");
    now += 100000;
    timers();
    tiny_secrets_wiped();
    /* CLOSED: the peer's Delete, then its requests and the Delete again */
    world_teardown();
    world_setup();
    establish_both();
    cr_assert_eq(mk_peer_send_liveness(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_liveness(tpeer, now), MK_E_OK);
    size_t nl = take_peer(r1);
    cr_assert_eq(deliver(r1, nl, "liveness"), MK_E_OK);
    cr_assert(to_peers());
    cr_assert_eq(mk_peer_send_delete(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_delete(tpeer, now), MK_E_OK);
    size_t nd = take_peer(r2);
    cr_assert_eq(deliver(r2, nd, "Delete"), MK_E_OK);
    cr_assert_eq(mt_state_get(&tike), MT_ST_CLOSED);
    cr_assert(to_peers());
    (void)deliver(r2, nd, "Delete again");
    (void)to_peers();
    (void)deliver(r1, nl, "liveness after CLOSED");
    (void)to_peers();
    (void)deliver(junk, sizeof junk, "junk after CLOSED");
    now += 100000;
    timers();
    cr_assert_eq(mt_state_get(&tike), MT_ST_CLOSED);
    tiny_secrets_wiped();
}

/* ==== crafted datagrams: every octet flipped, every truncation ================================ */

static mk_ike gsnap;
static mt_ike tsnap;
static logged_rng grsnap, trsnap;

static void snapshot(void)
{
    gsnap = gike;
    tsnap = tike;
    grsnap = grng;
    trsnap = trng;
}

static void restore(void)
{
    gike = gsnap;
    tike = tsnap;
    grng = grsnap;
    trng = trsnap;
}

/* Feed mutations of `d` to both cores from the same snapshot: each octet XORed with each mask,
 * then every truncation. A DROP must leave the tiny SA as it was but for its counters; an
 * accepted datagram must make both send the same next datagram. */
static void mutate_both(const uint8_t *d, size_t n, const char *what)
{
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    uint8_t buf[MK_MAX_MSG];
    snapshot();
    for (size_t i = 0; i <= n; i++) {
        for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
            size_t len = n;
            memcpy(buf, d, n);
            char w[80];
            if (i < n) {
                buf[i] ^= masks[m];
                snprintf(w, sizeof w, "%s, octet %zu ^ %02x", what, i, masks[m]);
            } else {
                if (m > 0)
                    break;
                snprintf(w, sizeof w, "%s, original", what);
            }
            mk_err ge = deliver(buf, len, w); /* a DROP is checked there */
            if (ge == MK_E_OK) {
                same_tx(w);
            }
            restore();
        }
    }
    for (size_t len = 0; len < n; len++) {
        char w[80];
        snprintf(w, sizeof w, "%s, truncated to %zu", what, len);
        memcpy(buf, d, len);
        mk_err ge = deliver(buf, len, w);
        cr_assert_neq(ge, MK_E_OK, "%s accepted", w);
        restore();
    }
    /* one octet too many (the length field no longer matches the datagram) */
    memcpy(buf, d, n);
    buf[n] = 0;
    (void)deliver(buf, n + 1, "one octet appended");
    restore();
}

static size_t take_peer(uint8_t *buf)
{
    const uint8_t *gp, *tp;
    uint16_t port;
    size_t n = mk_peer_tx_peek(gpeer, &gp, &port);
    size_t tn = mk_peer_tx_peek(tpeer, &tp, &port);
    same_bytes("peer datagram", 0, gp, n, tp, tn);
    cr_assert_gt(n, 0);
    memcpy(buf, gp, n);
    mk_peer_tx_done(gpeer);
    mk_peer_tx_done(tpeer);
    return n;
}

/* Both cores started, their IKE_SA_INIT requests answered: the response (not delivered) in r. */
static size_t init_response(uint8_t r[MK_MAX_MSG])
{
    start_both();
    cr_assert(to_peers());
    return take_peer(r);
}

/* ... the IKE_SA_INIT response (kept in init, its length in *init_n if not NULL; init may be r)
 * delivered, and the IKE_AUTH requests answered: the IKE_AUTH response (not delivered) in r. */
static size_t auth_response(uint8_t r[MK_MAX_MSG], uint8_t init[MK_MAX_MSG], size_t *init_n)
{
    size_t n = init_response(init);
    cr_assert_eq(deliver(init, n, "IKE_SA_INIT response"), MK_E_OK);
    cr_assert(to_peers());
    if (init_n != NULL)
        *init_n = n;
    return take_peer(r);
}

Test(tiny, mutated_ike_sa_init_response, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG];
    size_t n = init_response(r);
    mutate_both(r, n, "IKE_SA_INIT response");
}

Test(tiny, mutated_ike_auth_response, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG];
    size_t n = auth_response(r, r, NULL);
    mutate_both(r, n, "IKE_AUTH response");
}

Test(tiny, mutated_peer_requests, .init = world_setup, .fini = world_teardown)
{
    establish_both();
    uint8_t r[MK_MAX_MSG];
    cr_assert_eq(mk_peer_send_unknown_critical(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_unknown_critical(tpeer, now), MK_E_OK);
    size_t n = take_peer(r);
    mutate_both(r, n, "peer INFORMATIONAL request");
    cr_assert_eq(deliver(r, n, "the request"), MK_E_OK);
    cr_assert(to_peers());
    cr_assert_eq(mk_peer_send_delete(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_delete(tpeer, now), MK_E_OK);
    n = take_peer(r);
    mutate_both(r, n, "peer Delete");
}

/* The IKE_SA_INIT response with its SA payload body replaced by `sa` (SA is its first
 * payload: the peer sends SA, KE, Nonce). */
static size_t with_sa(uint8_t *out, const uint8_t *r, size_t n, const uint8_t *sa, size_t sa_n)
{
    cr_assert_eq(r[16], MK_PT_SA);
    size_t old = ((size_t)r[30] << 8 | r[31]) - 4, len = n - old + sa_n;
    cr_assert_leq(len, (size_t)MT_MAX_MSG);
    memcpy(out, r, 32);
    memcpy(out + 32, sa, sa_n);
    memcpy(out + 32 + sa_n, r + 32 + old, n - 32 - old);
    out[30] = (uint8_t)((sa_n + 4) >> 8);
    out[31] = (uint8_t)(sa_n + 4);
    out[24] = out[25] = 0;
    out[26] = (uint8_t)(len >> 8);
    out[27] = (uint8_t)len;
    return len;
}

static uint32_t xs(uint32_t mod)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 17;
    xs_state ^= xs_state << 5;
    return xs_state % mod;
}

/* A structured random SA body: mostly well-formed proposals close to ours, with one field at a
 * time pushed off (numbers, protocol, SPI size, counts, Last octets, lengths, attributes). */
static size_t random_sa(uint8_t *o)
{
    static const uint8_t ids[][2] = {{1, 28}, {2, 5}, {4, 31}, {1, 20}, {2, 7}, {4, 19}, {3, 12}};
    size_t n = 0, np = xs(8) == 0 ? xs(10) : 1 + xs(3) / 2;
    for (size_t i = 0; i < np; i++) {
        size_t at = n, nt = xs(6) == 0 ? xs(5) : 3;
        uint8_t spi_len = xs(6) == 0 ? (uint8_t)(xs(3) * 4) : 0;
        o[n++] = i + 1 == np ? 0 : 2;
        o[n++] = 0;
        n += 2;
        o[n++] = xs(8) == 0 ? (uint8_t)xs(3) : (uint8_t)(i + 1);
        o[n++] = xs(8) == 0 ? (uint8_t)xs(5) : 1;
        o[n++] = spi_len;
        o[n++] = (uint8_t)nt;
        for (size_t k = 0; k < spi_len; k++)
            o[n++] = (uint8_t)xs(256);
        for (size_t k = 0; k < nt; k++) {
            size_t tat = n, pick = xs(5) == 0 ? xs(7) : k % 3;
            o[n++] = k + 1 == nt ? 0 : 3;
            o[n++] = 0;
            n += 2;
            o[n++] = ids[pick][0];
            o[n++] = 0;
            o[n++] = 0;
            o[n++] = ids[pick][1];
            if (xs(10) == 0) { /* Key Length, maybe 0, maybe TLV, maybe twice */
                for (uint32_t a = 0, na = 1 + xs(2); a < na; a++) {
                    o[n++] = xs(4) == 0 ? 0x00 : 0x80;
                    o[n++] = 14;
                    o[n++] = xs(4) == 0 ? 0 : 1; /* 0 or 256 bits */
                    o[n++] = 0;
                }
            }
            size_t tl = n - tat;
            if (xs(12) == 0)
                tl = tl + xs(5) - 2;
            o[tat + 2] = (uint8_t)(tl >> 8);
            o[tat + 3] = (uint8_t)tl;
            if (xs(20) == 0)
                o[tat] ^= 3;
        }
        size_t pl = n - at;
        if (xs(12) == 0)
            pl = pl + xs(9) - 4;
        o[at + 2] = (uint8_t)(pl >> 8);
        o[at + 3] = (uint8_t)pl;
        if (xs(20) == 0)
            o[at] ^= 2;
    }
    if (xs(10) == 0 && n > 0)
        n -= 1 + xs((uint32_t)n);
    return n;
}

/* Crafted and random SA payloads in the IKE_SA_INIT response: malformed ones are dropped as
 * malformed by both, well-formed ones we did not offer are remembered as BAD_PROPOSAL by both,
 * and ours (transforms in any order) is taken by both. */
Test(tiny, sa_payload_variants, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG], m[MK_MAX_MSG], sa[1024];
    size_t n = init_response(r);
    snapshot();
    /* ours, then reordered transforms, two proposals, a Key Length, a second ENCR */
    static const uint8_t ours[] = {0, 0, 0, 32, 1, 1, 0, 3, 3, 0, 0, 8, 1, 0, 0, 28,
                                   3, 0, 0, 8,  2, 0, 0, 5, 0, 0, 0, 8, 4, 0, 0, 31};
    static const uint8_t reordered[] = {0, 0, 0, 32, 1, 1, 0, 3,  3, 0, 0, 8, 4, 0, 0, 31,
                                        3, 0, 0, 8,  1, 0, 0, 28, 0, 0, 0, 8, 2, 0, 0, 5};
    static const uint8_t keylen[] = {0, 0, 0, 36, 1, 1, 0, 3, 3, 0, 0, 12, 1, 0, 0, 28, 0x80, 14,
                                     1, 0, 3, 0,  0, 8, 2, 0, 0, 5, 0, 0,  0, 8, 4, 0,  0,    31};
    static const uint8_t two_encr[] = {0, 0, 0, 32, 1, 1, 0, 3,  3, 0, 0, 8, 1, 0, 0, 28,
                                       3, 0, 0, 8,  1, 0, 0, 28, 0, 0, 0, 8, 4, 0, 0, 31};
    static const uint8_t num2[] = {0, 0, 0, 32, 2, 1, 0, 3, 3, 0, 0, 8, 1, 0, 0, 28,
                                   3, 0, 0, 8,  2, 0, 0, 5, 0, 0, 0, 8, 4, 0, 0, 31};
    static const struct {
        const uint8_t *b;
        size_t n;
        mk_err want;
    } fixed[] = {
        {ours, sizeof ours, MK_E_OK},
        {reordered, sizeof reordered, MK_E_OK},
        {keylen, sizeof keylen, MK_E_UNAUTH_FAILURE},
        {two_encr, sizeof two_encr, MK_E_UNAUTH_FAILURE},
        {num2, sizeof num2, MK_E_UNAUTH_FAILURE},
        {ours, 0, MK_E_BAD_LENGTH}, /* no body at all */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        char w[40];
        snprintf(w, sizeof w, "SA variant %zu", i);
        size_t len = with_sa(m, r, n, fixed[i].b, fixed[i].n);
        cr_assert_eq(deliver(m, len, w), fixed[i].want, "%s", w);
        restore();
    }
    memcpy(sa, ours, sizeof ours); /* ours, then a second proposal (numbered 2): refused */
    memcpy(sa + sizeof ours, ours, sizeof ours);
    sa[0] = 2;
    sa[sizeof ours + 4] = 2;
    cr_assert_eq(deliver(m, with_sa(m, r, n, sa, 2 * sizeof ours), "two proposals"),
                 MK_E_UNAUTH_FAILURE);
    restore();
    unsigned outcome[3] = {0};
    xs_state = 0x9e3779b9u;
    for (unsigned i = 0; i < 3000; i++) {
        size_t sn = random_sa(sa);
        char w[40];
        snprintf(w, sizeof w, "random SA %u", i);
        mk_err e = deliver(m, with_sa(m, r, n, sa, sn), w);
        outcome[e == MK_E_OK ? 0 : e == MK_E_UNAUTH_FAILURE ? 1 : 2]++;
        if (e == MK_E_OK) {
            same_tx(w);
        }
        restore();
    }
    cr_log_info("random SAs: %u taken, %u refused, %u malformed", outcome[0], outcome[1],
                outcome[2]);
    for (size_t i = 0; i < 3; i++)
        cr_assert_gt(outcome[i], 100, "the generator must reach every outcome (%zu)", i);
}

/* ---- the IKE_SA_INIT response as a list of payloads, edited and encoded again ---- */
typedef struct pl_item {
    uint8_t type;
    bool critical;
    uint16_t len;
    uint8_t body[MK_MAX_MSG];
} pl_item;

typedef struct pl_list {
    uint8_t hdr[28];
    pl_item it[12];
    size_t n;
} pl_list;

static void pl_parse(pl_list *l, const uint8_t *r, size_t n)
{
    memcpy(l->hdr, r, 28);
    l->n = 0;
    uint8_t type = r[16];
    for (size_t off = 28; type != 0; l->n++) {
        cr_assert_lt(l->n, 12);
        cr_assert_leq(off + 4, n);
        pl_item *it = &l->it[l->n];
        size_t len = (size_t)r[off + 2] << 8 | r[off + 3];
        cr_assert_geq(len, 4);
        cr_assert_leq(len - 4, sizeof it->body);
        it->type = type;
        it->critical = (r[off + 1] & 0x80) != 0;
        it->len = (uint16_t)(len - 4);
        memcpy(it->body, r + off + 4, len - 4);
        type = r[off];
        off += len;
    }
}

static size_t pl_encode(const pl_list *l, uint8_t *out, size_t cap)
{
    size_t n = 28;
    memcpy(out, l->hdr, 28);
    out[16] = l->n > 0 ? l->it[0].type : 0;
    for (size_t i = 0; i < l->n; i++) {
        const pl_item *it = &l->it[i];
        cr_assert_leq(n + 4 + it->len, cap);
        out[n] = i + 1 < l->n ? l->it[i + 1].type : 0;
        out[n + 1] = it->critical ? 0x80 : 0;
        out[n + 2] = (uint8_t)((it->len + 4) >> 8);
        out[n + 3] = (uint8_t)(it->len + 4);
        memcpy(out + n + 4, it->body, it->len);
        n += 4 + it->len;
    }
    out[24] = (uint8_t)(n >> 24);
    out[25] = (uint8_t)(n >> 16);
    out[26] = (uint8_t)(n >> 8);
    out[27] = (uint8_t)n;
    return n;
}

static pl_item *pl_find(pl_list *l, uint8_t type)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->it[i].type == type)
            return &l->it[i];
    return NULL;
}

static void pl_insert(pl_list *l, size_t at, uint8_t type, bool crit, const uint8_t *b, size_t n)
{
    cr_assert_lt(l->n, 12);
    cr_assert_leq(n, sizeof l->it[0].body);
    memmove(&l->it[at + 1], &l->it[at], (l->n - at) * sizeof l->it[0]);
    l->n++;
    l->it[at].type = type;
    l->it[at].critical = crit;
    l->it[at].len = (uint16_t)n;
    if (n)
        memcpy(l->it[at].body, b, n);
}

static void pl_notify(pl_list *l, size_t at, uint16_t type, size_t data_len)
{
    uint8_t b[300] = {0};
    b[2] = (uint8_t)(type >> 8);
    b[3] = (uint8_t)type;
    for (size_t i = 0; i < data_len; i++)
        b[4 + i] = (uint8_t)(i + 1);
    pl_insert(l, at, MK_PT_NOTIFY, false, b, 4 + data_len);
}

/* One edit of the payload list (the Vendor ID bytes `vid` as the body of an inserted payload). */
typedef enum {
    E_NONE,
    E_INS,      /* insert at `at` a payload of type a with b octets */
    E_INS_CRIT, /* ... with the critical bit */
    E_NOTIFY,   /* insert at `at` a notify of type a with b octets of data */
    E_CLEAR,    /* no payloads */
    E_HDR_SET,  /* header octet a = b */
    E_HDR_OR,   /* header octet a |= b */
    E_HDR_AND,  /* header octet a &= b */
    E_KE_OCTET, /* KE body octet a = b */
    E_KE_LEN,   /* KE body length a */
    E_NONCE_LEN,
    E_OCTET, /* payload `at`'s body octet a = b */
    E_CRIT,  /* payload `at` critical */
} pl_op;

typedef struct pl_edit {
    uint8_t op, at;
    uint16_t a, b;
} pl_edit;

static void pl_apply(pl_list *l, const pl_edit *e, const uint8_t *vid)
{
    pl_item *ke = pl_find(l, MK_PT_KE), *nonce = pl_find(l, MK_PT_NONCE);
    switch (e->op) {
    case E_INS:
    case E_INS_CRIT:
        pl_insert(l, e->at, (uint8_t)e->a, e->op == E_INS_CRIT, vid, e->b);
        break;
    case E_NOTIFY:
        pl_notify(l, e->at, e->a, e->b);
        break;
    case E_CLEAR:
        l->n = 0;
        break;
    case E_HDR_SET:
        l->hdr[e->a] = (uint8_t)e->b;
        break;
    case E_HDR_OR:
        l->hdr[e->a] |= (uint8_t)e->b;
        break;
    case E_HDR_AND:
        l->hdr[e->a] &= (uint8_t)e->b;
        break;
    case E_KE_OCTET:
        ke->body[e->a] = (uint8_t)e->b;
        break;
    case E_KE_LEN:
        ke->len = e->a;
        break;
    case E_NONCE_LEN:
        nonce->len = e->a;
        break;
    case E_OCTET:
        l->it[e->at].body[e->a] = (uint8_t)e->b;
        break;
    case E_CRIT:
        l->it[e->at].critical = true;
        break;
    default:
        break;
    }
}

/* Payload-level variants of the IKE_SA_INIT response that are a list of edits (the others are
 * written out below): variant number -> edits. */
static const pl_edit pl_variants[64][4] = {
    [1] = {{E_INS, 3, 43, 16}},                        /* Vendor ID at the end */
    [2] = {{E_INS, 0, 43, 16}},                        /* ... first */
    [3] = {{E_INS, 1, 200, 4}},                        /* unknown, not critical */
    [4] = {{E_INS_CRIT, 1, 200, 4}},                   /* unknown, critical */
    [5] = {{E_INS_CRIT, 3, 43, 4}},                    /* known type, critical bit */
    [6] = {{E_NOTIFY, 3, 16388, 20}},                  /* NAT_DETECTION_SOURCE_IP */
    [7] = {{E_NOTIFY, 0, 16404, 0}},                   /* a status notify first */
    [8] = {{E_NOTIFY, 3, MK_N_NO_PROPOSAL_CHOSEN, 0}}, /* an error next to SA */
    [9] = {{E_NOTIFY, 0, MK_N_COOKIE, 8}},             /* a cookie next to SA */
    [10] = {{E_NOTIFY, 3, MK_N_INVALID_KE_PAYLOAD, 2}},
    [18] = {{E_KE_OCTET, 0, 1, 19}}, /* KE group 19 */
    [19] = {{E_KE_OCTET, 0, 1, 0}},
    [20] = {{E_KE_OCTET, 0, 2, 1}}, /* KE RESERVED not zero */
    [21] = {{E_KE_LEN, 0, 4 + 31, 0}},
    [22] = {{E_KE_LEN, 0, 4 + 33, 0}},
    [23] = {{E_KE_LEN, 0, 4, 0}},
    [27] = {{E_NONCE_LEN, 0, 15, 0}},
    [28] = {{E_NONCE_LEN, 0, 16, 0}},
    [31] = {{E_NONCE_LEN, 0, 0, 0}},
    [33] = {{E_HDR_SET, 0, 17, 0x21}},           /* minor version 1 */
    [34] = {{E_HDR_SET, 0, 17, 0x30}},           /* major version 3 */
    [35] = {{E_HDR_OR, 0, 19, 0x08}},            /* I flag */
    [36] = {{E_HDR_AND, 0, 19, (uint8_t)~0x20}}, /* no R flag */
    [37] = {{E_HDR_OR, 0, 19, 0x10}},            /* V flag */
    [38] = {{E_HDR_OR, 0, 19, 0x01}},            /* a reserved flag */
    [39] = {{E_HDR_SET, 0, 23, 1}},              /* Message ID 1 */
    [40] = {{E_HDR_SET, 0, 18, MK_EX_IKE_AUTH}},
    [41] = {{E_INS, 3, MK_PT_SK, 16}}, /* SK in IKE_SA_INIT */
    [42] = {{E_INS, 3, 38, 1}},        /* CERTREQ */
    [43] = {{E_INS, 3, MK_PT_DELETE, 4}},
    [44] = {{E_INS, 3, MK_PT_IDR, 8}},
    [45] = {{E_NOTIFY, 3, MK_N_USE_TRANSPORT_MODE, 0}},
    [46] = {{E_NOTIFY, 3, 16430 /* SIGNATURE_HASH_ALGORITHMS */, 4}},
    [47] = {{E_INS, 3, 0x7f, 0}}, /* empty unknown */
    [48] = {{E_NOTIFY, 3, 16388, 20}, {E_NOTIFY, 4, 16389, 20}},
    /* INVALID_KE for our own group, next to SA */
    [50] = {{E_NOTIFY, 3, MK_N_INVALID_KE_PAYLOAD, 2}, {E_OCTET, 3, 5, 31}},
    [51] = {{E_NOTIFY, 3, MK_N_COOKIE, 0}}, /* an empty cookie */
    [52] = {{E_NOTIFY, 3, MK_N_COOKIE, 65}},
    [53] = {{E_CRIT, 2, 0, 0}},      /* critical bit on a known payload */
    [54] = {{E_NOTIFY, 3, 24, 0}},   /* AUTHENTICATION_FAILED in IKE_SA_INIT */
    [55] = {{E_NOTIFY, 3, 9000, 0}}, /* an unknown error type */
    /* a notify that claims an SPI it lacks */
    [56] = {{E_NOTIFY, 3, MK_N_NO_PROPOSAL_CHOSEN, 0}, {E_OCTET, 3, 1, 4}},
    /* COOKIE and INVALID_KE_PAYLOAD together, in both orders; two COOKIEs; an error before a
     * COOKIE; with no SA, KE or Nonce */
    [57] = {{E_CLEAR, 0, 0, 0},
            {E_NOTIFY, 0, MK_N_COOKIE, 8},
            {E_NOTIFY, 1, MK_N_INVALID_KE_PAYLOAD, 2}},
    [58] = {{E_CLEAR, 0, 0, 0},
            {E_NOTIFY, 0, MK_N_INVALID_KE_PAYLOAD, 2},
            {E_NOTIFY, 1, MK_N_COOKIE, 8}},
    [59] = {{E_CLEAR, 0, 0, 0}, {E_NOTIFY, 0, MK_N_COOKIE, 8}, {E_NOTIFY, 1, MK_N_COOKIE, 16}},
    [60] = {{E_CLEAR, 0, 0, 0},
            {E_NOTIFY, 0, MK_N_NO_PROPOSAL_CHOSEN, 0},
            {E_NOTIFY, 1, MK_N_COOKIE, 8}},
    [61] = {{E_CLEAR, 0, 0, 0},
            {E_NOTIFY, 0, MK_N_NO_PROPOSAL_CHOSEN, 0},
            {E_NOTIFY, 1, MK_N_INVALID_KE_PAYLOAD, 2}},
    [62] = {{E_CLEAR, 0, 0, 0}, {E_NOTIFY, 0, MK_N_INVALID_KE_PAYLOAD, 3}}, /* 3 octets of group */
    /* the cookie notify with an SPI */
    [63] = {{E_CLEAR, 0, 0, 0},
            {E_NOTIFY, 0, MK_N_COOKIE, 8},
            {E_OCTET, 0, 0, 1},
            {E_OCTET, 0, 1, 4}},
};

/* Payload-level variants of the IKE_SA_INIT response: extra, missing, repeated and reordered
 * payloads, other KE groups and lengths, nonce lengths at and past their limits, notifies next
 * to a valid answer, critical bits. */
Test(tiny, ike_sa_init_response_payload_variants, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG], m[2 * MK_MAX_MSG];
    size_t n = init_response(r);
    static pl_list orig, l;
    pl_parse(&orig, r, n);
    cr_assert_eq(orig.n, 3, "SA KE Nonce");
    snapshot();
    static const uint8_t vid[16] = {1, 2, 3};
    unsigned taken = 0;
    for (int v = 0; v < 64; v++) {
        l = orig;
        pl_item *ke = pl_find(&l, MK_PT_KE), *nonce = pl_find(&l, MK_PT_NONCE);
        switch (v) {
        case 11:
            pl_insert(&l, 3, MK_PT_KE, false, ke->body, ke->len);
            break; /* two KEs */
        case 12:
            pl_insert(&l, 3, MK_PT_NONCE, false, nonce->body, nonce->len);
            break;
        case 13:
            pl_insert(&l, 3, MK_PT_SA, false, l.it[0].body, l.it[0].len);
            break;
        case 14:
            l.n = 2;
            break; /* no Nonce */
        case 15:
            memmove(&l.it[1], &l.it[2], sizeof l.it[0]);
            l.n = 2;
            break; /* no KE */
        case 16:
            memmove(&l.it[0], &l.it[1], 2 * sizeof l.it[0]);
            l.n = 2;
            break; /* no SA */
        case 17: {
            pl_item t = l.it[0];
            l.it[0] = l.it[2];
            l.it[2] = t;
        } break; /* Nonce KE SA */
        case 24:
            memset(ke->body + 4, 0, 32);
            break; /* the all-zero public value */
        case 25:
            memset(ke->body + 4, 0, 32);
            ke->body[4] = 1;
            break; /* a small-order point */
        case 26:
            memset(ke->body + 4, 0xff, 32);
            break;
        case 29:
        case 30: { /* a nonce of 256 octets (the largest), of 257 */
            uint16_t len = v == 29 ? 256 : 257;
            memset(nonce->body + nonce->len, 7, len - nonce->len);
            nonce->len = len;
        } break;
        case 32: /* SPIr zero */
            memset(l.hdr + 8, 0, 8);
            break;
        case 49:
            for (int i = 0; i < 8; i++)
                pl_insert(&l, 3, 43, false, vid, 4);
            break;
        default:
            for (size_t e = 0; e < 4; e++)
                pl_apply(&l, &pl_variants[v][e], vid);
        }
        char w[40];
        snprintf(w, sizeof w, "IKE_SA_INIT variant %d", v);
        mk_err e = deliver(m, pl_encode(&l, m, sizeof m), w);
        same_tx(w);
        taken += e == MK_E_OK;
        cr_log_info("%s: %s", w, mk_err_name(e));
        restore();
    }
    cr_assert_gt(taken, 5);
}

/* RFC 7296 §2: 1280 octets must be taken. The tiny core takes no more (MT_MAX_MSG), as the
 * general core in the minimal profile (MK_MAX_MSG 1280); the full profile takes 3000, so past
 * 1280 the two are compared only in a minimal build. */
Test(tiny, message_size_limits, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG], m[2 * MK_MAX_MSG];
    size_t n = init_response(r);
    static pl_list orig, l;
    pl_parse(&orig, r, n);
    snapshot();
    static const uint8_t vid[MK_MAX_MSG] = {9};
    for (size_t total = 1270; total <= 1300; total++) {
        if (total > 1280 && MK_MAX_MSG != 1280)
            break;
        l = orig;
        size_t vlen = total - n - 4;
        pl_insert(&l, 3, 43, false, vid, vlen); /* a Vendor ID to fill it */
        size_t len = pl_encode(&l, m, sizeof m);
        cr_assert_eq(len, total);
        char w[40];
        snprintf(w, sizeof w, "a %zu-octet answer", total);
        mk_err e = deliver(m, len, w);
        cr_assert_eq(e == MK_E_OK, total <= 1280, "%s: %s", w, mk_err_name(e));
        restore();
    }
}

/* ---- the inside of the IKE_AUTH response: opened with the SA's keys, changed, sealed again
 * (RFC 7634: key | salt, nonce = salt | IV, AAD = the header up to the SK payload's body), so
 * both cores see an authenticated message whose payloads are wrong. */
typedef struct sk_msg {
    uint8_t hdr[32]; /* IKE header and SK's generic header (SK is the only outer payload) */
    uint8_t iv[8];
    uint8_t plain[MK_MAX_MSG];
    size_t plain_len; /* inner payloads | padding | Pad Length */
} sk_msg;

static void sk_open_resp(sk_msg *s, const uint8_t *r, size_t n, const uint8_t key[36])
{
    cr_assert_eq(r[16], MK_PT_SK, "SK is the IKE_AUTH response's only payload");
    size_t body = ((size_t)r[30] << 8 | r[31]) - 4;
    cr_assert_eq(32 + body, n);
    memcpy(s->hdr, r, 32);
    memcpy(s->iv, r + 32, 8);
    s->plain_len = body - 8 - 16;
    uint8_t nonce[12];
    memcpy(nonce, key + 32, 4);
    memcpy(nonce + 4, s->iv, 8);
    cr_assert_eq(
        crypto_aead_chacha20poly1305_ietf_decrypt_detached(
            s->plain, NULL, r + 40, s->plain_len, r + 40 + s->plain_len, r, 32, nonce, key),
        0, "the IKE_AUTH response does not open with SK_er");
}

static size_t sk_seal_resp(const sk_msg *s, uint8_t *out, const uint8_t key[36])
{
    size_t n = 32 + 8 + s->plain_len + 16, body = n - 28;
    memcpy(out, s->hdr, 32);
    out[24] = out[25] = 0;
    out[26] = (uint8_t)(n >> 8);
    out[27] = (uint8_t)n;
    out[30] = (uint8_t)(body >> 8);
    out[31] = (uint8_t)body;
    memcpy(out + 32, s->iv, 8);
    uint8_t nonce[12];
    memcpy(nonce, key + 32, 4);
    memcpy(nonce + 4, s->iv, 8);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        out + 40, out + 40 + s->plain_len, NULL, s->plain, s->plain_len, out, 32, NULL, nonce, key);
    return n;
}

/* Deliver an authenticated variant: the same verdict, the same answer (to a peer request), and
 * when both end up with a child SA, the same one. */
static mk_err deliver_inner(const sk_msg *s, const uint8_t key[36], const char *w)
{
    uint8_t m[MK_MAX_MSG + 64];
    mk_err e = deliver(m, sk_seal_resp(s, m, key), w);
    same_tx(w);
    mk_esp_sa g;
    mt_esp_sa t;
    bool gc = mk_child(&gike, &g), tc = mt_child(&tike, &t);
    cr_assert_eq(gc, tc, "%s: child SA general %d, tiny %d", w, gc, tc);
    if (gc) {
        cr_assert_eq(g.spi_out, t.spi_out, "%s", w);
        cr_assert_eq(g.spi_in, t.spi_in, "%s", w);
        cr_assert_eq(g.tunnel, t.tunnel, "%s", w);
        cr_assert_arr_eq(g.ek_out, t.k_out, sizeof t.k_out, "%s", w);
        cr_assert_arr_eq(g.ek_in, t.k_in, sizeof t.k_in, "%s", w);
    }
    return e;
}

/* Every octet of the decrypted message flipped, its first inner payload type changed, its
 * plaintext cut short, padding added: sealed again, so each variant is authentic, and both
 * cores must reach the same verdict from the same snapshot. Returns how many were taken. */
static unsigned mutate_inner(const uint8_t *r, size_t n, const uint8_t key[36], const char *what)
{
    static sk_msg orig, s;
    sk_open_resp(&orig, r, n, key);
    snapshot();
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    unsigned ok = 0, failed = 0;
    for (size_t i = 0; i <= orig.plain_len; i++) {
        for (size_t mi = 0; mi < sizeof masks / sizeof masks[0]; mi++) {
            s = orig;
            char w[80];
            if (i < orig.plain_len) {
                s.plain[i] ^= masks[mi];
                snprintf(w, sizeof w, "%s: inner octet %zu ^ %02x", what, i, masks[mi]);
            } else {
                s.hdr[28] ^= masks[mi]; /* SK's Next Payload: the first inner type */
                snprintf(w, sizeof w, "%s: first inner type ^ %02x", what, masks[mi]);
            }
            mk_err e = deliver_inner(&s, key, w);
            e == MK_E_OK ? ok++ : failed++;
            restore();
        }
    }
    for (size_t len = 0; len < orig.plain_len; len++) {
        s = orig;
        s.plain_len = len;
        char w[80];
        snprintf(w, sizeof w, "%s: inner cut to %zu", what, len);
        (void)deliver_inner(&s, key, w);
        restore();
    }
    s = orig; /* padding added: Pad Length 5 (RFC 7296 §3.14: any value the receiver accepts) */
    memset(s.plain + s.plain_len - 1, 0, 6);
    s.plain[s.plain_len + 4] = 5;
    s.plain_len += 5;
    char w[80];
    snprintf(w, sizeof w, "%s: padded", what);
    cr_assert_eq(deliver_inner(&s, key, w), MK_E_OK, "%s", w);
    restore();
    cr_log_info("%s: %u variants taken, %u refused", what, ok, failed);
    cr_assert_gt(failed, 0);
    return ok;
}

/* An authenticated message grown to `total` octets by a Vendor ID (43) put first inside SK. */
static mk_err deliver_inflated(const sk_msg *orig, const uint8_t key[36], size_t total,
                               const char *what)
{
    static sk_msg s;
    s = *orig;
    size_t base = 32 + 8 + orig->plain_len + 16, vlen = total - base;
    cr_assert_geq(vlen, 4);
    cr_assert_leq(orig->plain_len + vlen, sizeof s.plain);
    memmove(s.plain + vlen, orig->plain, orig->plain_len);
    memset(s.plain, 0x56, vlen);
    s.plain[0] = orig->hdr[28]; /* the old first payload comes next */
    s.plain[1] = 0;
    s.plain[2] = (uint8_t)(vlen >> 8);
    s.plain[3] = (uint8_t)vlen;
    s.hdr[28] = 43;
    s.plain_len += vlen;
    char w[64];
    snprintf(w, sizeof w, "%s of %zu octets", what, total);
    return deliver_inner(&s, key, w);
}

/* `m` inflated to 1270..1290 octets (past 1280 in a minimal build only), each from the same
 * snapshot: taken up to 1280 octets, not beyond. */
static void inflated_limits(const sk_msg *m, const uint8_t key[36], const char *what)
{
    snapshot();
    for (size_t total = 1270; total <= 1290; total++) {
        if (total > 1280 && MK_MAX_MSG != 1280)
            break;
        mk_err e = deliver_inflated(m, key, total, what);
        cr_assert_eq(e == MK_E_OK, total <= 1280, "%s, %zu: %s", what, total, mk_err_name(e));
        restore();
    }
}

/* The 1280-octet limit for authenticated messages: the IKE_AUTH response and a peer request. */
Test(tiny, message_size_limits_inside_sk, .init = world_setup, .fini = world_teardown)
{
    uint8_t r[MK_MAX_MSG];
    size_t n = auth_response(r, r, NULL);
    mk_ike_keys k;
    cr_assert(mk_keys_export(&gike, &k));
    static sk_msg auth, req;
    sk_open_resp(&auth, r, n, k.sk_er);
    inflated_limits(&auth, k.sk_er, "IKE_AUTH response");
    cr_assert_eq(deliver(r, n, "IKE_AUTH response"), MK_E_OK);
    cr_assert_eq(mk_peer_send_create_child(gpeer, now), MK_E_OK);
    cr_assert_eq(mk_peer_send_create_child(tpeer, now), MK_E_OK);
    n = take_peer(r);
    sk_open_resp(&req, r, n, k.sk_er);
    inflated_limits(&req, k.sk_er, "CREATE_CHILD_SA request");
}

/* The IKE_AUTH response (IDr, AUTH, SAr2, TSi, TSr, notifies, padding) changed inside SK. */
static void mutated_auth_inner(void)
{
    uint8_t r[MK_MAX_MSG];
    size_t n = auth_response(r, r, NULL);
    mk_ike_keys k;
    cr_assert(mk_keys_export(&gike, &k));
    cr_assert_arr_eq(k.sk_er, tike.sk_er, sizeof tike.sk_er, "SK_er differs");
    cr_assert_gt(mutate_inner(r, n, k.sk_er, "IKE_AUTH response"), 0);
    cr_assert_eq(deliver(r, n, "IKE_AUTH response as sent"), MK_E_OK);
}

Test(tiny, mutated_ike_auth_inner, .init = world_setup, .fini = world_teardown)
{
    mutated_auth_inner();
}

Test(tiny, mutated_ike_auth_inner_transport_no_idr, .init = world_setup, .fini = world_teardown)
{
    gcfg.tunnel = false;
    gcfg.idr.len = 0;
    gcfg.initial_contact = false;
    set_ts(2);
    mutated_auth_inner();
}

/* The peer's requests (INFORMATIONAL empty, with an unknown critical payload, with a Delete;
 * CREATE_CHILD_SA) changed inside SK: the same verdicts and the same answers. */
Test(tiny, mutated_peer_requests_inner, .init = world_setup, .fini = world_teardown)
{
    establish_both();
    mk_ike_keys k;
    cr_assert(mk_keys_export(&gike, &k));
    cr_assert_arr_eq(k.sk_er, tike.sk_er, sizeof tike.sk_er, "SK_er differs");
    static mk_err (*const send[])(mk_peer *,
                                  uint64_t) = {mk_peer_send_liveness, mk_peer_send_unknown_critical,
                                               mk_peer_send_create_child, mk_peer_send_delete};
    static const char *const names[] = {"liveness", "unknown critical", "CREATE_CHILD_SA",
                                        "Delete"};
    for (size_t i = 0; i < sizeof send / sizeof send[0]; i++) {
        cr_assert_eq(send[i](gpeer, now), MK_E_OK);
        cr_assert_eq(send[i](tpeer, now), MK_E_OK);
        uint8_t r[MK_MAX_MSG];
        size_t n = take_peer(r);
        (void)mutate_inner(r, n, k.sk_er, names[i]); /* an empty SK has no variant to take */
        cr_assert_eq(deliver(r, n, names[i]), MK_E_OK);
        pump();
        same_peer_answers();
    }
    cr_assert_eq(mt_state_get(&tike), MT_ST_CLOSED);
}

/* ==== 3. configuration, API, error classes ==================================================== */

Test(tiny, init_refuses_bad_configs, .init = world_setup, .fini = world_teardown)
{
    derive_tcfg();
    mt_config c = tcfg;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_OK);
    c.psk_len = MT_MIN_PSK - 1;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    c.psk_len = MT_MIN_PSK;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_OK);
    c.psk_len = MT_MAX_PSK + 1;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    c = tcfg;
    c.psk = NULL;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    c = tcfg;
    c.idi_len = 0;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    c.idi_len = MT_MAX_ID + 1;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    c.idi_len = MT_MAX_ID;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_OK);
    c = tcfg;
    c.idr_len = MT_MAX_ID + 1;
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    mt_ts *ts[] = {&c.tsi, &c.tsr};
    for (size_t i = 0; i < 2; i++) {
        c = tcfg;
        ts[i]->type = 9;
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG, "TS %zu type 9", i);
        c = tcfg;
        ts[i]->type = 0;
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG, "TS %zu type 0", i);
        c = tcfg; /* start address above end address */
        memcpy(ts[i]->start, (uint8_t[]){10, 0, 0, 2}, 4);
        memcpy(ts[i]->end, (uint8_t[]){10, 0, 0, 1}, 4);
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG, "TS %zu start > end", i);
        memcpy(ts[i]->end, (uint8_t[]){10, 0, 0, 2}, 4);
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_OK, "TS %zu one address", i);
        c = tcfg; /* IPv6: the difference in the last octet */
        ts[i]->type = 8;
        memset(ts[i]->start, 0x20, 16);
        memset(ts[i]->end, 0x20, 16);
        ts[i]->start[15] = 0x21;
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG, "TS %zu IPv6 start > end", i);
        ts[i]->end[15] = 0x21;
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_OK, "TS %zu IPv6 one address", i);
        c = tcfg; /* start port above end port */
        ts[i]->start_port = 501;
        ts[i]->end_port = 500;
        cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG, "TS %zu ports start > end", i);
    }
    mt_env norng = {NULL, NULL};
    cr_assert_eq(mt_init(&tike, &tcfg, &norng), MT_E_BAD_CONFIG);
}

Test(tiny, api_state_checks, .init = world_setup, .fini = world_teardown)
{
    derive_tcfg();
    mt_config c = tcfg;
    c.psk_len = 3;
    memset(&tike, 0, sizeof tike);
    cr_assert_eq(mt_init(&tike, &c, &tenv), MT_E_BAD_CONFIG);
    cr_assert_eq(mt_start(&tike, now), MT_E_BAD_STATE, "start after a refused config");
    cr_assert_eq(mt_init(&tike, &tcfg, &tenv), MT_E_OK);
    cr_assert_eq(mt_state_get(&tike), MT_ST_IDLE);
    cr_assert_eq(mt_deadline(&tike), UINT64_MAX);
    const uint8_t *p;
    cr_assert_eq(mt_tx(&tike, &p), 0);
    mt_esp_sa sa;
    cr_assert_not(mt_child(&tike, &sa));
    cr_assert_eq(mt_start(&tike, now), MT_E_OK);
    cr_assert_eq(mt_start(&tike, now), MT_E_BAD_STATE);
    cr_assert_eq(mt_state_get(&tike), MT_ST_INIT_SENT);
    cr_assert_eq(mt_deadline(&tike), now + 500);
    cr_assert_gt(mt_tx(&tike, &p), 0);
    cr_assert_not(mt_child(&tike, &sa));
    mt_ike_wipe(&tike);
    cr_assert(all_zero(&tike, sizeof tike), "mt_ike_wipe left something");
}

Test(tiny, error_classes)
{
    cr_assert_eq(mt_err_class(MT_E_OK), MT_CLASS_NONE);
    for (int e = MT_E_MALFORMED; e <= MT_E_DROP_LAST; e++)
        cr_assert_eq(mt_err_class((mt_err)e), MT_CLASS_DROP, "%s", mk_tiny_err_name((mt_err)e));
    for (int e = MT_E_DROP_LAST + 1; e <= MT_E_FATAL_LAST; e++)
        cr_assert_eq(mt_err_class((mt_err)e), MT_CLASS_FATAL, "%s", mk_tiny_err_name((mt_err)e));
    for (int e = MT_E_FATAL_LAST + 1; e <= MT_E_BUF_TOO_SMALL; e++)
        cr_assert_eq(mt_err_class((mt_err)e), MT_CLASS_USAGE, "%s", mk_tiny_err_name((mt_err)e));
    cr_assert_eq(MT_E_DROP_LAST, MT_E_REPLAY);
    cr_assert_eq(MT_E_FATAL_LAST, MT_E_CRYPTO);
    cr_assert_str_eq(mk_tiny_err_name(MT_E_BUF_TOO_SMALL), "BUF_TOO_SMALL");
    cr_assert_str_eq(mk_tiny_err_name(MT_E_CRYPTO), "CRYPTO");
}

/* The map covers every general error exactly once and keeps its class. */
Test(tiny, error_map_is_complete_and_keeps_classes)
{
    cr_assert_eq(mk_tiny_err_map_n, (size_t)MK_E__COUNT);
    for (int e = 0; e < MK_E__COUNT; e++) {
        unsigned rows = 0;
        for (size_t i = 0; i < mk_tiny_err_map_n; i++)
            rows += mk_tiny_err_map[i].mk == (mk_err)e;
        cr_assert_eq(rows, 1, "%s: %u rows", mk_err_name((mk_err)e), rows);
        mt_err t = mk_tiny_map_err((mk_err)e);
        if (t == MK_TINY_NO_MT)
            continue;
        cr_assert_eq((int)mk_err_class((mk_err)e), (int)mt_err_class(t), "%s -> %s",
                     mk_err_name((mk_err)e), mk_tiny_err_name(t));
        /* same name unless the tiny core folds it */
        if (mk_err_class((mk_err)e) != MK_CLASS_DROP && e != MK_E_UNSUPPORTED_CRITICAL_RESP)
            cr_assert_str_eq(mk_err_name((mk_err)e), mk_tiny_err_name(t));
    }
}
