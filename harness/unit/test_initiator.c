/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the initiator state machine (ref/src/initiator*.c), driven in-process against the
 * scripted responder harness/lib/peer.c: full exchanges for every registered suite family (keys
 * checked against the peer's mirrored child SA), COOKIE and INVALID_KE retries, lost and
 * duplicated datagrams, forged unauthenticated errors, ICV failures (the SA must be bytewise
 * unchanged), wrong AUTH, the retransmission schedule and budget, requests from the peer, and
 * both Deletes. Randomness is a seeded ChaCha20 stream, so every run is the same.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "msg_tools.h"
#include "peer.h"
#include "test_rng.h"

/* deterministic RNG: harness/lib/test_rng.h */

/* ---- trace capture ---- */
static char trace_log[16384];
static size_t trace_off;

static void trace_cb(void *ctx, mk_event ev, const char *detail)
{
    (void)ctx;
    static const char *const names[] = {"TX", "RX", "DROP", "STATE", "RETRANSMIT", "INFO"};
    size_t n = strlen(detail) + 16;
    if (trace_off + n >= sizeof trace_log)
        return;
    trace_off += (size_t)sprintf(trace_log + trace_off, "%s %s\n", names[ev], detail);
}

/* ---- the world: one initiator, one peer, one clock ---- */
static const uint8_t psk[] = "a pre-shared key of decent length";
static mk_trng rng_i, rng_p;
static mk_env env_i, env_p;
static mk_config cfg;
static mk_peer_config pcfg;
static mk_ike ike;
static mk_peer *peer;
static uint64_t now;
static mk_addr peer_from; /* the address the peer sees our datagrams from */

static void set_suite(uint16_t dh, uint16_t encr, uint16_t bits, uint16_t integ)
{
    cfg.ike[0] = (mk_ike_suite){encr, bits, MK_PRF_HMAC_SHA2_256, integ, dh};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){encr, bits, integ};
    cfg.n_esp = 1;
    memcpy(pcfg.ike, cfg.ike, sizeof cfg.ike);
    pcfg.n_ike = cfg.n_ike;
    memcpy(pcfg.esp, cfg.esp, sizeof cfg.esp);
    pcfg.n_esp = cfg.n_esp;
}

static void world_setup(void)
{
    cr_assert(sodium_init() >= 0);
    memset(&rng_i, 0, sizeof rng_i);
    memset(&rng_p, 0, sizeof rng_p);
    memset(rng_i.key, 0x11, 32);
    memset(rng_p.key, 0x22, 32);
    env_i = (mk_env){&rng_i, mk_trng_fill, trace_cb};
    env_p = (mk_env){&rng_p, mk_trng_fill, NULL};
    trace_off = 0;
    trace_log[0] = '\0';
    mk_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cfg.idi.type = MK_ID_KEY_ID;
    memcpy(cfg.idi.data, "device-1", 8);
    cfg.idi.len = 8;
    cfg.idr.type = MK_ID_FQDN;
    memcpy(cfg.idr.data, "gw.example", 10);
    cfg.idr.len = 10;
    cfg.local = (mk_addr){4, {192, 0, 2, 1}, 500};
    cfg.remote = (mk_addr){4, {198, 51, 100, 7}, 500};
    peer_from = cfg.local;
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.suites = cfg.suites;
    memcpy(pcfg.ike, cfg.ike, sizeof cfg.ike);
    pcfg.n_ike = cfg.n_ike;
    memcpy(pcfg.esp, cfg.esp, sizeof cfg.esp);
    pcfg.n_esp = cfg.n_esp;
    pcfg.psk = psk;
    pcfg.psk_len = sizeof psk - 1;
    pcfg.idr = cfg.idr;
    pcfg.idi = cfg.idi;
    pcfg.tsr = cfg.tsr;
    pcfg.natt = true;
    pcfg.local = cfg.remote;
    now = 1000;
    peer = NULL;
}

static void world_teardown(void)
{
    mk_peer_free(peer);
    peer = NULL;
}

static void start(void)
{
    if (peer == NULL)
        peer = mk_peer_new(&pcfg, &env_p);
    cr_assert_not_null(peer, "peer config rejected");
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_INIT_SENT);
}

/* One datagram initiator -> peer; false if none was queued. */
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
    (void)mk_peer_on_dgram(peer, buf, n, port, &peer_from, now);
    return true;
}

/* One datagram peer -> initiator into buf (not delivered); 0 if none. */
static size_t from_peer(uint8_t *buf, uint16_t *port)
{
    const uint8_t *p;
    size_t n = mk_peer_tx_peek(peer, &p, port);
    if (n == 0)
        return 0;
    memcpy(buf, p, n);
    mk_peer_tx_done(peer);
    return n;
}

/* Move datagrams both ways until neither side has anything to send. */
static void pump(void)
{
    for (int guard = 0; guard < 100; guard++) {
        bool moved = to_peer();
        uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
        uint16_t port;
        size_t n;
        while ((n = from_peer(buf, &port)) != 0) {
            (void)mk_on_dgram(&ike, buf, n, port, now);
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

/* Run exchanges, advancing the clock to the next deadline, until a terminal state. */
static void run(void)
{
    for (int guard = 0; guard < 1000; guard++) {
        pump();
        if (terminal())
            return;
        uint64_t d = mk_deadline(&ike), pd = mk_peer_deadline(peer);
        if (pd < d)
            d = pd;
        cr_assert_neq(d, UINT64_MAX, "no deadline while waiting in %s",
                      mk_state_name(mk_state_get(&ike)));
        now = d;
        (void)mk_on_timer(&ike, now);
        (void)mk_peer_on_timer(peer, now);
    }
    cr_assert_fail("run did not finish");
}

static void establish(void)
{
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED, "state %s err %s",
                 mk_state_name(mk_state_get(&ike)), mk_err_name(mk_last_error(&ike)));
}

static void check_child_mirrors_peer(void)
{
    mk_esp_sa a, b;
    cr_assert(mk_child(&ike, &a));
    cr_assert(mk_peer_child(peer, &b));
    cr_assert(a.suites == cfg.suites, "the child SA uses the registry IKE negotiated from");
    cr_assert_eq(a.spi_in, b.spi_out);
    cr_assert_eq(a.spi_out, b.spi_in);
    cr_assert_eq(a.encr, b.encr);
    cr_assert_eq(a.integ, b.integ);
    cr_assert_eq(a.ek_len, b.ek_len);
    cr_assert_eq(a.ak_len, b.ak_len);
    cr_assert_gt(a.ek_len, 0);
    cr_assert_eq(memcmp(a.ek_out, b.ek_in, a.ek_len), 0);
    cr_assert_eq(memcmp(a.ek_in, b.ek_out, a.ek_len), 0);
    cr_assert_eq(memcmp(a.ak_out, b.ak_in, a.ak_len), 0);
    cr_assert_eq(memcmp(a.ak_in, b.ak_out, a.ak_len), 0);
    cr_assert_neq(memcmp(a.ek_out, a.ek_in, a.ek_len), 0);
    mk_ike_keys ki, kp;
    cr_assert(mk_keys_export(&ike, &ki));
    cr_assert(mk_peer_keys_export(peer, &kp));
    cr_assert_eq(memcmp(ki.spi_i, kp.spi_i, 8), 0);
    cr_assert_eq(memcmp(ki.spi_r, kp.spi_r, 8), 0);
    cr_assert_eq(ki.encr_len, kp.encr_len);
    cr_assert_eq(memcmp(ki.sk_ei, kp.sk_ei, ki.encr_len), 0);
    cr_assert_eq(memcmp(ki.sk_er, kp.sk_er, ki.encr_len), 0);
    cr_assert_eq(memcmp(ki.sk_ai, kp.sk_ai, ki.integ_len), 0);
}

static bool all_zero(const uint8_t *p, size_t n);

/* The struct minus stats and scratch: a DROP must leave everything else bytewise identical
 * (minike.h). The scratch area is excluded the same way, but it must be all zero again. */
static void assert_same_but_stats(const mk_ike *before, const mk_ike *after)
{
    static mk_ike a, b;
    a = *before;
    b = *after;
    cr_assert(all_zero(b.scratch, sizeof b.scratch), "scratch not wiped after the call");
    memset(&a.stats, 0, sizeof a.stats);
    memset(&b.stats, 0, sizeof b.stats);
    memset(a.scratch, 0, sizeof a.scratch);
    memset(b.scratch, 0, sizeof b.scratch);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "a dropped datagram changed the SA");
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* ==== full exchanges for every suite family ====================================================
 */

typedef struct suite_param {
    uint16_t dh, encr, bits, integ;
} suite_param;

ParameterizedTestParameters(initiator, full_exchange_every_suite)
{
    static suite_param params[] = {
        {MK_DH_X25519, MK_ENCR_CHACHA20_POLY1305, 256, 0},
        {MK_DH_X25519, MK_ENCR_AES_GCM_16, 256, 0},
        {MK_DH_X25519, MK_ENCR_AES_CBC, 128, MK_INTEG_HMAC_SHA2_256_128},
        {MK_DH_X25519, MK_ENCR_AES_CCM_8, 128, 0},
        {MK_DH_ECP256, MK_ENCR_CHACHA20_POLY1305, 256, 0},
        {MK_DH_ECP256, MK_ENCR_AES_GCM_16, 128, 0},
        {MK_DH_ECP256, MK_ENCR_AES_CBC, 256, MK_INTEG_HMAC_SHA2_512_256},
        {MK_DH_ECP256, MK_ENCR_AES_CCM_16, 256, 0},
        {MK_DH_MODP2048, MK_ENCR_CHACHA20_POLY1305, 256, 0},
        {MK_DH_MODP2048, MK_ENCR_AES_GCM_16, 256, 0},
        {MK_DH_MODP2048, MK_ENCR_AES_CBC, 256, MK_INTEG_HMAC_SHA2_256_128},
        {MK_DH_MODP2048, MK_ENCR_AES_CCM_8, 128, 0},
    };
    return cr_make_param_array(suite_param, params, sizeof params / sizeof params[0]);
}

ParameterizedTest(suite_param *sp, initiator, full_exchange_every_suite, .init = world_setup,
                  .fini = world_teardown)
{
    set_suite(sp->dh, sp->encr, sp->bits, sp->integ);
    establish();
    check_child_mirrors_peer();
    const mk_stats *st = mk_stats_get(&ike);
    cr_assert_eq(st->retransmits, 0);
    cr_assert_eq(st->dropped, 0);
    cr_assert_eq(st->round_trips, 2);
    cr_assert_eq(mk_deadline(&ike), UINT64_MAX);
    cr_assert_eq(mk_last_error(&ike), MK_E_OK);
}

Test(initiator, default_config_picks_first_suite, .init = world_setup, .fini = world_teardown)
{
    establish();
    check_child_mirrors_peer();
    cr_assert_eq(ike.sel.encr, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(ike.sel.dh, MK_DH_X25519);
    mk_esp_sa c;
    cr_assert(mk_child(&ike, &c));
    cr_assert(c.tunnel);
    cr_assert(c.udp_encap, "NAT-T on both sides: ESP goes to UDP 4500");
    cr_assert(ike.on_4500);
#if MK_NATT /* the field exists only there; the minimal profile skips this test (no NAT-T) */
    cr_assert_not(ike.nat_detected);
#endif
}

Test(initiator, nat_detected_when_addresses_differ, .init = world_setup, .fini = world_teardown)
{
    peer_from = (mk_addr){4, {203, 0, 113, 9}, 31337}; /* what a NAT would show the peer */
    establish();
#if MK_NATT /* the field exists only there; the minimal profile skips this test (no NAT-T) */
    cr_assert(ike.nat_detected);
#endif
    cr_assert(ike.on_4500);
}

Test(initiator, no_natt_stays_on_500, .init = world_setup, .fini = world_teardown)
{
    cfg.natt = false;
    establish();
    mk_esp_sa c;
    cr_assert(mk_child(&ike, &c));
    cr_assert_not(c.udp_encap);
    cr_assert_not(ike.on_4500);
    check_child_mirrors_peer();
}

Test(initiator, transport_mode_when_echoed, .init = world_setup, .fini = world_teardown)
{
    cfg.tunnel = false;
    establish();
    mk_esp_sa c;
    cr_assert(mk_child(&ike, &c));
    cr_assert_not(c.tunnel, "peer echoed USE_TRANSPORT_MODE");
    check_child_mirrors_peer();
}

Test(initiator, trace_names_payloads, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert(strstr(trace_log, "TX IKE_SA_INIT request MID 0: SA KE Nonce "
                                "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"),
              "%s", trace_log);
    cr_assert(strstr(trace_log, "TX IKE_AUTH request MID 1: SK{IDi IDr AUTH SA TSi TSr "
                                "N(INITIAL_CONTACT)}"),
              "%s", trace_log);
    cr_assert(strstr(trace_log, "STATE ESTABLISHED"), "%s", trace_log);
}

/* ==== COOKIE and INVALID_KE ================================================================= */

Test(initiator, cookie_retry, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.cookie = true;
    establish();
    check_child_mirrors_peer();
    cr_assert_eq(ike.init_retries, 1);
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 0);
    cr_assert(strstr(trace_log, "TX IKE_SA_INIT request MID 0: N(COOKIE) SA KE Nonce"), "%s",
              trace_log);
}

Test(initiator, invalid_ke_retry_with_configured_group, .init = world_setup, .fini = world_teardown)
{
    cfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 256, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    cfg.ike[1] = (mk_ike_suite){MK_ENCR_AES_GCM_16, 256, MK_PRF_HMAC_SHA2_256, 0, MK_DH_ECP256};
    cfg.n_ike = 2;
    memcpy(pcfg.ike, cfg.ike, sizeof cfg.ike);
    pcfg.n_ike = 2;
    pcfg.script.want_dh = MK_DH_ECP256;
    establish();
    check_child_mirrors_peer();
    cr_assert_eq(ike.dh, MK_DH_ECP256);
    cr_assert_eq(ike.sel.dh, MK_DH_ECP256);
    cr_assert_eq(ike.init_retries, 1);
}

/* A hand-built unprotected IKE_SA_INIT answer carrying one notify (a correct responder only asks
 * for a group we offered, so the "unconfigured group" case needs a crafted packet). */
static size_t craft_init_notify(uint8_t *out, size_t cap, uint16_t type, const uint8_t *data,
                                size_t data_len)
{
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.spi_i, ike.spi_i, 8);
    h.version = 0x20;
    h.exchange = MK_EX_IKE_SA_INIT;
    h.flags = MK_HDR_F_RESPONSE;
    mk_hdr_encode(&w, &h);
    size_t slot = 16;
    size_t at = mk_pl_begin(&w, &slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(&w, 0, NULL, 0, type, data, data_len);
    mk_pl_end(&w, at);
    mk_wr_patch32(&w, 24, 0);
    cr_assert_eq(w.err, MK_E_OK);
    return w.off;
}

/* RFC 7296 §2.21.1: an unprotected INVALID_KE_PAYLOAD naming a group we lack could be a
 * forgery: dropped and remembered; the real answer still wins, and without one the timeout
 * reports INVALID_KE. */
Test(initiator, invalid_ke_unconfigured_group_is_remembered, .init = world_setup,
     .fini = world_teardown)
{
    cfg.n_ike = 1;
    start();
    uint8_t buf[256];
    static const uint8_t modp[2] = {0, MK_DH_MODP2048}; /* not in our single X25519 suite */
    size_t n = craft_init_notify(buf, sizeof buf, MK_N_INVALID_KE_PAYLOAD, modp, 2);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now), MK_E_UNAUTH_NOTIFY);
    assert_same_but_stats(&before, &ike);
    cr_assert_eq(mk_stats_get(&ike)->unauth_reason, MK_E_INVALID_KE);
    cr_assert_eq(mk_state_get(&ike), MK_ST_INIT_SENT);
    run(); /* the peer's real answer still comes */
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

Test(initiator, invalid_ke_unconfigured_group_reported_at_timeout, .init = world_setup,
     .fini = world_teardown)
{
    cfg.n_ike = 1;
    pcfg.script.drop_rx_mask = 0xffffffffu; /* the real responder never answers */
    start();
    uint8_t buf[256];
    static const uint8_t modp[2] = {0, MK_DH_MODP2048};
    size_t n = craft_init_notify(buf, sizeof buf, MK_N_INVALID_KE_PAYLOAD, modp, 2);
    cr_assert_eq(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now), MK_E_UNAUTH_NOTIFY);
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_INVALID_KE);
}

Test(initiator, invalid_ke_for_our_own_group_is_dropped, .init = world_setup,
     .fini = world_teardown)
{
    start();
    uint8_t buf[256];
    static const uint8_t x25519[2] = {0, MK_DH_X25519};
    size_t n = craft_init_notify(buf, sizeof buf, MK_N_INVALID_KE_PAYLOAD, x25519, 2);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_err_class(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now)), MK_CLASS_DROP);
    assert_same_but_stats(&before, &ike);
}

Test(initiator, cookie_round_trips_are_bounded, .init = world_setup, .fini = world_teardown)
{
    start();
    uint8_t buf[256];
    static const uint8_t ck[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    size_t n = craft_init_notify(buf, sizeof buf, MK_N_COOKIE, ck, sizeof ck);
    for (int i = 0; i < MK_MAX_RETRY_INIT; i++)
        cr_assert_eq(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now), MK_E_OK);
    /* one more (unprotected, maybe forged): dropped, remembered, reported at the timeout */
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now), MK_E_UNAUTH_FAILURE);
    assert_same_but_stats(&before, &ike);
    cr_assert_eq(mk_stats_get(&ike)->unauth_reason, MK_E_TOO_MANY_RETRIES);
    while (mk_state_get(&ike) != MK_ST_FAILED) {
        now = mk_deadline(&ike);
        (void)mk_on_timer(&ike, now);
    }
    cr_assert_eq(mk_last_error(&ike), MK_E_TOO_MANY_RETRIES);
}

Test(initiator, oversized_cookie_is_dropped, .init = world_setup, .fini = world_teardown)
{
    start();
    uint8_t buf[256], ck[MK_MAX_COOKIE + 1];
    memset(ck, 7, sizeof ck);
    size_t n = craft_init_notify(buf, sizeof buf, MK_N_COOKIE, ck, sizeof ck);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, MK_PORT_IKE, now), MK_E_BAD_SYNTAX);
    assert_same_but_stats(&before, &ike);
}

/* ==== lost and duplicated datagrams ========================================================= */

Test(initiator, lost_init_request_is_retransmitted, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 1; /* our first IKE_SA_INIT never arrives */
    uint64_t t0 = now;
    establish();
    check_child_mirrors_peer();
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 1);
    cr_assert_eq(now, t0 + 500, "first retransmission after rto_ms");
}

Test(initiator, lost_auth_response_is_recovered, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_tx_mask = 2; /* the IKE_AUTH answer is lost; peer answers the retry */
    establish();
    check_child_mirrors_peer();
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 1);
}

Test(initiator, duplicated_responses_are_dropped, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.dup_tx_mask = 3; /* both answers arrive twice */
    establish();
    check_child_mirrors_peer();
    const mk_stats *st = mk_stats_get(&ike);
    cr_assert_eq(st->dropped, 2);
    cr_assert_eq(st->last_drop, MK_E_UNEXPECTED_MSG);
    cr_assert_eq(st->round_trips, 2);
}

/* ==== unauthenticated errors ================================================================ */

Test(initiator, forged_error_before_real_answer_is_ignored, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.forged_error_first = true;
    establish();
    check_child_mirrors_peer();
    const mk_stats *st = mk_stats_get(&ike);
    cr_assert_eq(st->unauth_notifies, 1);
    cr_assert_eq(st->last_unauth_notify, MK_N_NO_PROPOSAL_CHOSEN);
    cr_assert_eq(st->last_drop, MK_E_UNAUTH_NOTIFY);
}

Test(initiator, no_proposal_chosen_waits_for_budget, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.no_proposal = true;
    uint64_t t0 = now;
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_INIT_SENT, "an unprotected error must not kill us");
    /* drive the clock up to just before the budget: still waiting */
    while (mk_deadline(&ike) < t0 + 30000) {
        now = mk_deadline(&ike);
        cr_assert_eq(mk_on_timer(&ike, now), MK_E_OK);
        pump();
        cr_assert_eq(mk_state_get(&ike), MK_ST_INIT_SENT);
    }
    cr_assert_eq(mk_deadline(&ike), t0 + 30000);
    now = t0 + 30000;
    cr_assert_eq(mk_on_timer(&ike, now), MK_E_NO_PROPOSAL_CHOSEN);
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_gt(mk_stats_get(&ike)->unauth_notifies, 1);
}

Test(initiator, unauth_notify_drop_changes_nothing_but_stats, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.no_proposal = true;
    start();
    cr_assert(to_peer());
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    size_t n = from_peer(buf, &port);
    cr_assert_gt(n, 0);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_UNAUTH_NOTIFY);
    assert_same_but_stats(&before, &ike);
}

/* ==== ICV and AUTH failures ================================================================= */

/* Bring the exchange to AUTH_SENT and return the peer's IKE_AUTH answer (not delivered). */
static size_t auth_response(uint8_t *buf, uint16_t *port)
{
    start();
    cr_assert(to_peer());
    size_t n = from_peer(buf, port);
    cr_assert_gt(n, 0);
    cr_assert_eq(mk_on_dgram(&ike, buf, n, *port, now), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_AUTH_SENT);
    cr_assert(to_peer());
    n = from_peer(buf, port);
    cr_assert_gt(n, 0);
    return n;
}

Test(initiator, bad_icv_dropped_without_state_change, .init = world_setup, .fini = world_teardown)
{
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER], bad[sizeof buf];
    uint16_t port;
    size_t n = auth_response(buf, &port);
    static mk_ike before;
    /* flip a bit in the ICV (last octet), then in the ciphertext, then in the header */
    size_t where[] = {n - 1, n - 20, (port == MK_PORT_NATT ? 4u : 0u) + 20};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        memcpy(bad, buf, n);
        bad[where[i]] ^= 0x01;
        before = ike;
        mk_err e = mk_on_dgram(&ike, bad, n, port, now);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP, "flip %zu: %s", i, mk_err_name(e));
        assert_same_but_stats(&before, &ike);
    }
    cr_assert_eq(mk_stats_get(&ike)->dropped, 3);
    /* the genuine answer still works afterwards */
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    check_child_mirrors_peer();
}

Test(initiator, peer_bad_icv_script_times_out, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.bad_icv = true;
    uint64_t t0 = now;
    start();
    run();
    cr_assert_eq(mk_last_error(&ike), MK_E_TIMEOUT);
    cr_assert_eq(mk_stats_get(&ike)->last_drop, MK_E_ICV_MISMATCH);
    /* the IKE_AUTH exchange started at t0 and got its own 30 s budget */
    cr_assert_eq(now, t0 + 30000);
}

Test(initiator, wrong_responder_auth_fails_and_wipes, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.wrong_auth = true;
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_AUTH_FAILED);
    mk_ike_keys k;
    mk_esp_sa c;
    cr_assert_not(mk_keys_export(&ike, &k));
    cr_assert_not(mk_child(&ike, &c));
    cr_assert(all_zero(ike.sk_ei, sizeof ike.sk_ei));
    cr_assert(all_zero(ike.sk_d, sizeof ike.sk_d));
    cr_assert(all_zero(ike.dh_priv, sizeof ike.dh_priv));
    cr_assert(all_zero(ike.req, sizeof ike.req));
    cr_assert_eq(mk_deadline(&ike), UINT64_MAX);
    /* sticky: later input returns the first error */
    uint8_t junk[40] = {0};
    cr_assert_eq(mk_on_dgram(&ike, junk, sizeof junk, 500, now), MK_E_AUTH_FAILED);
    cr_assert_eq(mk_on_timer(&ike, now + 100000), MK_E_AUTH_FAILED);
}

Test(initiator, peer_rejects_our_auth, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.auth_failed = true;
    start();
    run();
    cr_assert_eq(mk_last_error(&ike), MK_E_PEER_AUTH_FAILED);
}

Test(initiator, wrong_psk_on_peer_side, .init = world_setup, .fini = world_teardown)
{
    static const uint8_t other[] = "another pre-shared key, not ours";
    pcfg.psk = other;
    pcfg.psk_len = sizeof other - 1;
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_PEER_AUTH_FAILED);
}

/* The request buffer (MK_MAX_REQ, 800 in the minimal profile) holds the longest request the
 * profile can build: IDi and IDr of 255 octets, IPv6 selectors, transport mode, INITIAL_CONTACT,
 * after a COOKIE (64 octets) round trip. minike.h derives 767 octets for one ChaCha20 suite. */
Test(initiator, longest_request_fits, .init = world_setup, .fini = world_teardown)
{
    cfg.idi.type = pcfg.idi.type = MK_ID_KEY_ID;
    cfg.idi.len = pcfg.idi.len = 255;
    memset(cfg.idi.data, 'i', 255);
    memcpy(pcfg.idi.data, cfg.idi.data, 255);
    cfg.idr.type = pcfg.idr.type = MK_ID_KEY_ID;
    cfg.idr.len = pcfg.idr.len = 255;
    memset(cfg.idr.data, 'r', 255);
    memcpy(pcfg.idr.data, cfg.idr.data, 255);
    mk_ts *ts[] = {&cfg.tsi, &cfg.tsr};
    for (size_t i = 0; i < 2; i++) {
        memset(ts[i], 0, sizeof *ts[i]);
        ts[i]->type = MK_TS_IPV6_RANGE;
        ts[i]->end_port = 0xffff;
        memset(ts[i]->end, 0xff, 16);
    }
    pcfg.tsr = cfg.tsr;
    cfg.initial_contact = true;
    cfg.tunnel = false;
    pcfg.script.cookie = true;
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED, "%s", mk_err_name(mk_last_error(&ike)));
    cr_assert_leq(ike.req_len, MK_MAX_REQ);
    cr_log_info("IKE_AUTH request %u octets, MK_MAX_REQ %d", ike.req_len, MK_MAX_REQ);
}

/* AUTH is verified before anything about IDr: a responder with a wrong AUTH and another
 * identity fails with AUTH_FAILED, not ID_MISMATCH (the identity was never authenticated). */
Test(initiator, wrong_auth_and_wrong_idr_is_auth_failed, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.wrong_auth = true;
    pcfg.script.wrong_idr = MK_ID_FQDN;
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_AUTH_FAILED);
}

Test(initiator, wrong_idr_is_id_mismatch, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.wrong_idr = MK_ID_FQDN;
    start();
    run();
    cr_assert_eq(mk_last_error(&ike), MK_E_ID_MISMATCH);
}

Test(initiator, any_idr_accepted_when_unconfigured, .init = world_setup, .fini = world_teardown)
{
    cfg.idr.len = 0;
    establish();
    check_child_mirrors_peer();
}

Test(initiator, child_refused_ts_unacceptable, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.ts_unacceptable = true;
    start();
    run();
    cr_assert_eq(mk_last_error(&ike), MK_E_TS_UNACCEPTABLE);
}

/* RFC 7296 §2.21.1: the IKE_SA_INIT response is unprotected, so a proposal we did not offer is
 * dropped (a forger must not end the exchange) and reported only when the budget runs out. */
Test(initiator, unoffered_choice_is_bad_proposal, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.choose_unoffered = true;
    start();
    cr_assert(to_peer());
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    size_t n = from_peer(buf, &port);
    cr_assert_gt(n, 0);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_UNAUTH_FAILURE);
    assert_same_but_stats(&before, &ike);
    cr_assert_eq(mk_stats_get(&ike)->unauth_reason, MK_E_BAD_PROPOSAL);
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_BAD_PROPOSAL);
}

/* RFC 7296 §2.5: an unknown critical payload in an *authenticated* response: the message MUST
 * be rejected; nothing can be answered, so the exchange fails at once (not at the timeout). */
Test(initiator, unknown_critical_in_auth_response_rejected, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.unknown_critical_in_auth = true;
    start();
    uint64_t t0 = now;
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_UNSUPPORTED_CRITICAL_RESP);
    cr_assert_eq(mk_err_class(MK_E_UNSUPPORTED_CRITICAL_RESP), MK_CLASS_FATAL);
    cr_assert_eq(now, t0, "failed only after waiting");
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 0);
    cr_assert(all_zero(ike.sk_ei, sizeof ike.sk_ei));
    cr_assert(all_zero(ike.scratch, sizeof ike.scratch));
}

/* A payload that does not decode inside an SK that *did* verify is the peer's own bug, not a
 * spoofer's packet: fail at once with MALFORMED_RESP instead of retransmitting to the timeout. */
Test(initiator, malformed_authenticated_auth_response_fails_now, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.malformed_ts_in_auth = true;
    start();
    uint64_t t0 = now;
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_MALFORMED_RESP);
    cr_assert_eq(mk_err_class(MK_E_MALFORMED_RESP), MK_CLASS_FATAL);
    cr_assert_eq(now, t0, "failed only after waiting");
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 0);
    cr_assert(all_zero(ike.sk_ei, sizeof ike.sk_ei));
    cr_assert(all_zero(ike.scratch, sizeof ike.scratch));
}

/* An unknown critical payload *outside* SK, or in an SK that does not verify, stays a DROP. */
Test(initiator, unknown_critical_in_unauthenticated_auth_response_dropped, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.unknown_critical_in_auth = true;
    pcfg.script.bad_icv = true;
    start();
    cr_assert(to_peer());
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    size_t n = from_peer(buf, &port);
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_OK);
    cr_assert(to_peer());
    n = from_peer(buf, &port);
    cr_assert_gt(n, 0);
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_ICV_MISMATCH);
    assert_same_but_stats(&before, &ike);
}

/* The scratch area is working space only: zero after every call, whatever happened. */
Test(initiator, scratch_is_zero_between_calls, .init = world_setup, .fini = world_teardown)
{
    start();
    cr_assert(all_zero(ike.scratch, sizeof ike.scratch));
    cr_assert(to_peer());
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    size_t n = from_peer(buf, &port);
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_OK); /* builds IKE_AUTH in it */
    cr_assert(all_zero(ike.scratch, sizeof ike.scratch));
    cr_assert(to_peer());
    n = from_peer(buf, &port);
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_OK); /* decrypts into it */
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    cr_assert(all_zero(ike.scratch, sizeof ike.scratch));
}

/* ==== timers ================================================================================ */

Test(initiator, timeout_with_exponential_backoff, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 0xffffffffu; /* the peer hears nothing */
    uint64_t t0 = now;
    start();
    /* RFC 7296 §2.4: 500, 1000, 2000, 4000 (cap), 4000 x 5, then the 30 s budget: 10 sends */
    static const uint64_t expect[] = {500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500,
                                      30000};
    const uint8_t *first;
    uint16_t port;
    uint8_t orig[MK_MAX_MSG + MK_NATT_MARKER];
    size_t n0 = mk_tx_peek(&ike, &first, &port);
    memcpy(orig, first, n0);
    pump();
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        cr_assert_eq(mk_deadline(&ike), t0 + expect[i], "deadline %zu: %llu", i,
                     (unsigned long long)(mk_deadline(&ike) - t0));
        /* early timer calls do nothing */
        cr_assert_eq(mk_on_timer(&ike, t0 + expect[i] - 1), MK_E_OK);
        cr_assert_eq(mk_tx_peek(&ike, &first, &port), 0);
        now = t0 + expect[i];
        mk_err e = mk_on_timer(&ike, now);
        if (i + 1 < sizeof expect / sizeof expect[0]) {
            cr_assert_eq(e, MK_E_OK);
            size_t n = mk_tx_peek(&ike, &first, &port);
            cr_assert_eq(n, n0);
            cr_assert_eq(memcmp(first, orig, n0), 0, "retransmission not bitwise identical");
            pump();
        } else {
            cr_assert_eq(e, MK_E_TIMEOUT);
        }
    }
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_stats_get(&ike)->retransmits, 9);
    cr_assert_eq(mk_deadline(&ike), UINT64_MAX);
}

Test(initiator, custom_timer_config, .init = world_setup, .fini = world_teardown)
{
    cfg.rto_ms = 100;
    cfg.rto_max_ms = 250;
    cfg.total_ms = 1000;
    pcfg.script.drop_rx_mask = 0xffffffffu;
    uint64_t t0 = now;
    start();
    static const uint64_t expect[] = {100, 300, 550, 800, 1000};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        pump();
        cr_assert_eq(mk_deadline(&ike) - t0, expect[i]);
        now = mk_deadline(&ike);
        (void)mk_on_timer(&ike, now);
    }
    cr_assert_eq(mk_last_error(&ike), MK_E_TIMEOUT);
}

/* ==== requests from the peer ================================================================ */

Test(initiator, answers_liveness_check, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
    pump();
    const mk_peer_answer *a = mk_peer_last_answer(peer);
    cr_assert(a->valid);
    cr_assert_eq(a->exchange, MK_EX_INFORMATIONAL);
    cr_assert_eq(a->n_types, 0, "RFC 7815 §2.1: an empty INFORMATIONAL response");
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 1);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    check_child_mirrors_peer();
}

Test(initiator, refuses_create_child_sa, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_create_child(peer, now), MK_E_OK);
    pump();
    const mk_peer_answer *a = mk_peer_last_answer(peer);
    cr_assert(a->valid);
    cr_assert_eq(a->exchange, MK_EX_CREATE_CHILD_SA);
    cr_assert_eq(a->n_types, 1);
    cr_assert_eq(a->types[0], MK_PT_NOTIFY);
    cr_assert_eq(a->notify, MK_N_NO_ADDITIONAL_SAS);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

Test(initiator, reports_unknown_critical_payload, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_unknown_critical(peer, now), MK_E_OK);
    pump();
    const mk_peer_answer *a = mk_peer_last_answer(peer);
    cr_assert(a->valid);
    cr_assert_eq(a->notify, MK_N_UNSUPPORTED_CRITICAL_PAYLOAD);
    cr_assert_eq(a->notify_data_len, 1);
    cr_assert_neq(a->notify_data[0], 0);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

Test(initiator, several_peer_requests_in_a_row, .init = world_setup, .fini = world_teardown)
{
    establish();
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
        pump();
        cr_assert(mk_peer_last_answer(peer)->valid);
        cr_assert_eq(mk_peer_last_answer(peer)->exchange, MK_EX_INFORMATIONAL);
    }
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 3);
}

Test(initiator, forged_peer_request_is_dropped, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    size_t n = from_peer(buf, &port);
    cr_assert_gt(n, 0);
    buf[n - 1] ^= 0x80;
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, buf, n, port, now), MK_E_ICV_MISMATCH);
    assert_same_but_stats(&before, &ike);
    const uint8_t *p;
    cr_assert_eq(mk_tx_peek(&ike, &p, &port), 0, "nothing answered");
}

/* RFC 7296 §2.1: a retransmitted request gets the same response again, octet for octet (no
 * reseal with a new IV), and nothing else happens. */
Test(initiator, retransmitted_peer_request_gets_identical_answer, .init = world_setup,
     .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_create_child(peer, now), MK_E_OK);
    uint8_t req[MK_MAX_MSG + MK_NATT_MARKER], first[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port, tport;
    size_t n = from_peer(req, &port);
    cr_assert_gt(n, 0);
    const uint8_t *p;
    cr_assert_eq(mk_on_dgram(&ike, req, n, port, now), MK_E_OK);
    size_t a = mk_tx_peek(&ike, &p, &tport);
    cr_assert_gt(a, 0);
    memcpy(first, p, a);
    mk_tx_done(&ike);
    for (int i = 1; i <= 3; i++) {
        static mk_ike before;
        before = ike;
        cr_assert_eq(mk_on_dgram(&ike, req, n, port, now + (uint64_t)i * 500), MK_E_OK);
        size_t b = mk_tx_peek(&ike, &p, &tport);
        cr_assert_eq(b, a);
        cr_assert_arr_eq(p, first, a, "retransmission %d differs from the first answer", i);
        mk_tx_done(&ike);
        /* only the counters and the transmit slot moved */
        before.stats = ike.stats;
        cr_assert_arr_eq(&before, &ike, sizeof ike);
        cr_assert_eq(mk_stats_get(&ike)->resent_responses, (uint32_t)i);
    }
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 1);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

/* The same under loss: the peer loses our first answer, retransmits its request on its timer and
 * accepts the (identical) second copy. */
Test(initiator, peer_request_answer_lost_then_resent, .init = world_setup,
     .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 1u << 2; /* the third datagram the peer gets: our first answer */
    establish();
    cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_peer_state_get(peer), MK_PEER_REQ_SENT, "the answer was lost");
    for (int guard = 0; guard < 10 && mk_peer_state_get(peer) == MK_PEER_REQ_SENT; guard++) {
        now = mk_peer_deadline(peer);
        cr_assert_neq(now, UINT64_MAX);
        (void)mk_peer_on_timer(peer, now);
        pump();
    }
    cr_assert_eq(mk_peer_state_get(peer), MK_PEER_ESTABLISHED);
    cr_assert(mk_peer_last_answer(peer)->valid);
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 1);
    cr_assert_eq(mk_stats_get(&ike)->resent_responses, 1);
}

/* A request with a Message ID below the last one answered is outside our window of 1: dropped
 * unopened (no answer, no state change) and counted, however often it is replayed. */
Test(initiator, replayed_old_peer_request_is_dropped, .init = world_setup, .fini = world_teardown)
{
    establish();
    uint8_t old[MK_MAX_MSG + MK_NATT_MARKER];
    uint16_t port;
    cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
    size_t n = from_peer(old, &port);
    cr_assert_gt(n, 0);
    cr_assert_eq(mk_on_dgram(&ike, old, n, port, now), MK_E_OK);
    pump(); /* our answer to the peer */
    cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
    pump(); /* Message ID 1, answered */
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 2);
    for (uint32_t i = 1; i <= 5; i++) {
        static mk_ike before;
        before = ike;
        cr_assert_eq(mk_on_dgram(&ike, old, n, port, now), MK_E_OLD_REQUEST);
        assert_same_but_stats(&before, &ike);
        const uint8_t *p;
        cr_assert_eq(mk_tx_peek(&ike, &p, &port), 0, "nothing answered");
        cr_assert_eq(mk_stats_get(&ike)->old_requests, i);
        cr_assert_eq(mk_stats_get(&ike)->last_drop, MK_E_OLD_REQUEST);
    }
    cr_assert_eq(mk_stats_get(&ike)->answered_requests, 2);
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
}

/* ==== Delete ================================================================================ */

#if MK_DELETE /* our own Delete: full profile only (minike.h); the peer's Delete: always */
Test(initiator, our_delete_closes, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_delete(&ike, now), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_DELETE_SENT);
    cr_assert(strstr(trace_log, "TX INFORMATIONAL request MID 2: SK{D}"), "%s", trace_log);
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_CLOSED);
    cr_assert_eq(mk_last_error(&ike), MK_E_OK);
    cr_assert_eq(mk_deadline(&ike), UINT64_MAX);
    mk_ike_keys k;
    cr_assert_not(mk_keys_export(&ike, &k));
    cr_assert_eq(mk_peer_state_get(peer), MK_PEER_CLOSED);
}

Test(initiator, our_delete_is_retransmitted, .init = world_setup, .fini = world_teardown)
{
    pcfg.script.drop_rx_mask = 1u << 2; /* the third datagram (our Delete) is lost */
    establish();
    cr_assert_eq(mk_delete(&ike, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_DELETE_SENT);
    cr_assert_eq(mk_deadline(&ike), now + 500);
    now += 500;
    cr_assert_eq(mk_on_timer(&ike, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_CLOSED);
}
#endif

Test(initiator, peer_delete_closes, .init = world_setup, .fini = world_teardown)
{
    establish();
    cr_assert_eq(mk_peer_send_delete(peer, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_CLOSED);
    cr_assert_eq(mk_last_error(&ike), MK_E_PEER_DELETED);
    const mk_peer_answer *a = mk_peer_last_answer(peer);
    cr_assert(a->valid);
    cr_assert_eq(a->exchange, MK_EX_INFORMATIONAL);
    cr_assert_eq(a->n_types, 0);
    mk_esp_sa c;
    cr_assert_not(mk_child(&ike, &c));
    cr_assert(all_zero(ike.sk_er, sizeof ike.sk_er));
}

/* ==== API misuse and configuration =========================================================== */

Test(initiator, api_state_checks, .init = world_setup, .fini = world_teardown)
{
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
#if MK_DELETE
    cr_assert_eq(mk_delete(&ike, now), MK_E_BAD_STATE);
#endif
    cr_assert_eq(mk_deadline(&ike), UINT64_MAX);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_BAD_STATE);
#if MK_DELETE
    cr_assert_eq(mk_delete(&ike, now), MK_E_BAD_STATE);
#endif
    cr_assert_str_eq(mk_state_name(MK_ST_INIT_SENT), "INIT_SENT");
}

Test(initiator, config_rejects_unregistered_or_bad, .init = world_setup, .fini = world_teardown)
{
    mk_config c = cfg;
    c.ike[0].dh = 99;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    cr_assert_eq(mk_start(&ike, now), MK_E_BAD_STATE);
    c = cfg;
    c.ike[0].integ = MK_INTEG_HMAC_SHA2_256_128; /* integrity with an AEAD cipher */
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    c.esp[0].encr = MK_ENCR_AES_CBC;
    c.esp[0].integ = MK_INTEG_NONE; /* CBC without integrity */
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    c.psk_len = 8;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    c = cfg;
    c.n_ike = 0;
    cr_assert_eq(mk_init(&ike, &c, &env_i), MK_E_BAD_CONFIG);
    mk_env noenv = {NULL, NULL, NULL};
    cr_assert_eq(mk_init(&ike, &cfg, &noenv), MK_E_BAD_CONFIG);
}

Test(initiator, struct_size_is_capped)
{
    cr_assert_leq(sizeof(mk_ike), (size_t)MK_IKE_SIZE_CAP);
}

Test(initiator, wipe_zeroes_everything, .init = world_setup, .fini = world_teardown)
{
    establish();
    mk_ike_wipe(&ike);
    cr_assert(all_zero((const uint8_t *)&ike, sizeof ike));
}

Test(initiator, child_refused_no_proposal_is_no_child_sa, .init = world_setup,
     .fini = world_teardown)
{
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 256, 0};
    cfg.n_esp = 1;
    pcfg.esp[0] = (mk_esp_suite){MK_ENCR_AES_GCM_16, 128, 0}; /* nothing in common for ESP */
    pcfg.n_esp = 1;
    start();
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_FAILED);
    cr_assert_eq(mk_last_error(&ike), MK_E_NO_CHILD_SA);
}

Test(initiator, force_4500_from_the_start, .init = world_setup, .fini = world_teardown)
{
    cfg.force_4500 = true;
    cfg.local.port = cfg.remote.port = MK_PORT_NATT;
    pcfg.local.port = MK_PORT_NATT;
    peer_from.port = MK_PORT_NATT;
    start();
    const uint8_t *p;
    uint16_t port;
    size_t n = mk_tx_peek(&ike, &p, &port);
    cr_assert_gt(n, 4);
    cr_assert_eq(port, MK_PORT_NATT);
    static const uint8_t marker[4] = {0};
    cr_assert_eq(memcmp(p, marker, 4), 0, "RFC 3948 §2.2: non-ESP marker");
    run();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    check_child_mirrors_peer();
}

Test(initiator, esp_packet_on_4500_is_not_ike, .init = world_setup, .fini = world_teardown)
{
    establish();
    uint8_t esp[64];
    memset(esp, 0x42, sizeof esp); /* an SPI where the marker would be */
    static mk_ike before;
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, esp, sizeof esp, MK_PORT_NATT, now), MK_E_UNEXPECTED_MSG);
    assert_same_but_stats(&before, &ike);
}
