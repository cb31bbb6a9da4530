/* SPDX-License-Identifier: MIT */
/*
 * test_peer_table: the responder peer as a bounded table of IKE SAs (harness/lib/peer_table.c,
 * issue 14 finding 5), driven in process by real initiators (the ref/ core): a flood of
 * unauthenticated IKE_SA_INITs between an honest initiator's IKE_SA_INIT and its IKE_AUTH no
 * longer replaces its SA (the old one-SA peer lost it); past the threshold every new
 * IKE_SA_INIT must return a COOKIE (RFC 7296 §2.6) and the honest initiator gets through with
 * one more round trip; established SAs survive any number of half-open ones; stale half-open
 * SAs expire; 64 interleaved initiators all complete; at most 64 SAs stay established.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pairs.h"

typedef struct ini {
    mk_ike ike;
    mk_config cfg;
    mk_addr addr;
    char id[32];
} ini;

static mk_trng rng_i = {{1}, 0}, rng_p = {{2}, 0}, rng_f = {{3}, 0};
static const mk_env env_i = {&rng_i, mk_trng_fill, NULL};
static const mk_env env_p = {&rng_p, mk_trng_fill, NULL};
static const mk_env env_f = {&rng_f, mk_trng_fill, NULL};

static ini *ini_new(int k, uint64_t now)
{
    ini *x = calloc(1, sizeof *x);
    cr_assert_not_null(x);
    snprintf(x->id, sizeof x->id, "device%d.soak", k);
    soak_ini_cfg(&x->cfg, x->id);
    soak_addr(&x->addr, (uint16_t)(10000 + k));
    cr_assert_eq(mk_init(&x->ike, &x->cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&x->ike, now), MK_E_OK);
    return x;
}

/* The initiator's pending datagram (if any) into the peer. */
static void ini_send(mk_peer *p, ini *x, uint64_t now)
{
    const uint8_t *d;
    uint16_t port;
    size_t n = mk_tx_peek(&x->ike, &d, &port);
    if (n != 0) {
        (void)mk_peer_on_dgram(p, d, n, port, &x->addr, now);
        mk_tx_done(&x->ike);
    }
}

/* Everything the peer queued, to the initiator it is addressed to (others: thrown away). */
static void peer_deliver(mk_peer *p, ini **xs, size_t n, uint64_t now)
{
    const uint8_t *d;
    uint16_t port;
    mk_addr to;
    size_t len;
    while ((len = mk_peer_tx_peek_to(p, &d, &port, &to)) != 0) {
        for (size_t i = 0; i < n; i++)
            if (xs[i] != NULL && xs[i]->addr.port == to.port)
                (void)mk_on_dgram(&xs[i]->ike, d, len, port, now);
        mk_peer_tx_done(p);
    }
}

/* `count` unauthenticated IKE_SA_INITs from distinct addresses: each a real initiator's first
 * message that is never followed up (answers are thrown away). */
static void flood(mk_peer *p, int count, uint64_t now)
{
    mk_ike *f = malloc(sizeof *f);
    mk_config cfg;
    mk_addr a;
    cr_assert_not_null(f);
    soak_ini_cfg(&cfg, "flood.soak");
    for (int k = 0; k < count; k++) {
        const uint8_t *d;
        uint16_t port;
        size_t n;
        cr_assert_eq(mk_init(f, &cfg, &env_f), MK_E_OK);
        cr_assert_eq(mk_start(f, now), MK_E_OK);
        n = mk_tx_peek(f, &d, &port);
        soak_addr(&a, (uint16_t)(40000 + k % 20000));
        a.ip[2] = (uint8_t)(k / 20000 + 1); /* 127.0.x.1: not any honest initiator */
        (void)mk_peer_on_dgram(p, d, n, port, &a, now);
        mk_ike_wipe(f);
        while (mk_peer_tx_peek(p, NULL, NULL) != 0)
            mk_peer_tx_done(p);
    }
    free(f);
}

/* Exchange until every initiator is established or failed (no loss: no timers needed). Each
 * round, every initiator takes one step in turn: its request in, the peer's answers out (a
 * daemon drains the peer after every datagram). */
static void run(mk_peer *p, ini **xs, size_t n, uint64_t now)
{
    for (int round = 0; round < 16; round++) {
        for (size_t i = 0; i < n; i++) {
            ini_send(p, xs[i], now);
            peer_deliver(p, xs, n, now);
        }
    }
}

Test(peer_table, flood_between_init_and_auth_keeps_the_honest_sa)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    ini *a = ini_new(1, 1000);
    ini_send(p, a, 1000);         /* IKE_SA_INIT */
    peer_deliver(p, &a, 1, 1000); /* its answer */
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_AUTH_SENT);
    flood(p, 500, 1001); /* the one-SA peer replaced a's SA with the first of these */
    run(p, &a, 1, 1002);
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_ESTABLISHED, "honest initiator: %s",
                 mk_err_name(mk_last_error(&a->ike)));
    mk_peer_table_info ti;
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.established, 1);
    cr_assert_leq(ti.half_open, 16, "past the threshold no flood packet creates state");
    cr_assert_gt(ti.cookies_sent, 400);
    mk_ike_wipe(&a->ike);
    free(a);
    mk_peer_free(p);
}

Test(peer_table, cookie_past_the_threshold_and_the_honest_initiator_returns_it)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    flood(p, 16, 1000);
    mk_peer_table_info ti;
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.half_open, 16);
    cr_assert_eq(ti.cookies_sent, 0, "no COOKIE below the threshold");
    ini *a = ini_new(1, 1000);
    run(p, &a, 1, 1000);
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_ESTABLISHED);
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.cookies_sent, 1, "RFC 7296 §2.6: a COOKIE once 16 SAs are half-open");
    cr_assert_eq(mk_stats_get(&a->ike)->round_trips, 3, "one extra round trip for the COOKIE");
    mk_ike_wipe(&a->ike);
    free(a);
    mk_peer_free(p);
}

Test(peer_table, established_sa_outlives_any_flood)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    ini *a = ini_new(1, 1000);
    run(p, &a, 1, 1000);
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_ESTABLISHED);
    for (int k = 0; k < 4; k++)
        flood(p, 300, 2000 + (uint64_t)k * 20000); /* half-opens expire in between */
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_ESTABLISHED);
#if MK_DELETE /* our own Delete: not in the minimal profile */
    /* the SA still answers: the initiator's Delete is answered and it closes cleanly */
    cr_assert_eq(mk_delete(&a->ike, 90000), MK_E_OK);
    ini_send(p, a, 90000);
    peer_deliver(p, &a, 1, 90000);
    cr_assert_eq(mk_state_get(&a->ike), MK_ST_CLOSED, "%s", mk_err_name(mk_last_error(&a->ike)));
#endif
    mk_ike_wipe(&a->ike);
    free(a);
    mk_peer_free(p);
}

Test(peer_table, stale_half_open_sas_expire)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    mk_peer_table_info ti;
    flood(p, 10, 1000);
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.half_open, 10);
    cr_assert_leq(mk_peer_deadline(p), 1000 + 30000, "the expiry is a deadline");
    (void)mk_peer_on_timer(p, 1000 + 29999);
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.half_open, 10);
    (void)mk_peer_on_timer(p, 1000 + 30000);
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.half_open, 0);
    cr_assert_eq(ti.expired_half_open, 10);
    cr_assert_eq(mk_peer_deadline(p), UINT64_MAX);
    mk_peer_free(p);
}

Test(peer_table, sixty_four_interleaved_initiators_all_complete)
{
    enum { N = 64 };
    mk_peer *p = soak_peer(&env_p, NULL);
    ini *xs[N];
    for (int k = 0; k < N; k++)
        xs[k] = ini_new(k, 1000);
    run(p, xs, N, 1000); /* 64 IKE_SA_INITs before the first IKE_AUTH */
    for (int k = 0; k < N; k++) {
        cr_assert_eq(mk_state_get(&xs[k]->ike), MK_ST_ESTABLISHED, "initiator %d: %s", k,
                     mk_err_name(mk_last_error(&xs[k]->ike)));
        mk_ike_wipe(&xs[k]->ike);
        free(xs[k]);
    }
    mk_peer_table_info ti;
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.established, N);
    mk_peer_free(p);
}

Test(peer_table, at_most_64_established_the_quietest_goes)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    mk_peer_table_info ti;
    for (int k = 0; k < 70; k++) {
        ini *x = ini_new(k, 1000 + (uint64_t)k);
        run(p, &x, 1, 1000 + (uint64_t)k);
        cr_assert_eq(mk_state_get(&x->ike), MK_ST_ESTABLISHED, "initiator %d", k);
        mk_ike_wipe(&x->ike);
        free(x);
    }
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.established, 64);
    cr_assert_eq(ti.evicted_idle, 6);
    mk_peer_free(p);
}

Test(peer_table, initial_contact_replaces_the_same_identity)
{
    mk_peer *p = soak_peer(&env_p, NULL);
    mk_peer_table_info ti;
    for (int k = 0; k < 3; k++) {
        ini *x = ini_new(7, 1000 + (uint64_t)k); /* the same device, three times */
        run(p, &x, 1, 1000 + (uint64_t)k);
        cr_assert_eq(mk_state_get(&x->ike), MK_ST_ESTABLISHED);
        mk_ike_wipe(&x->ike);
        free(x);
    }
    mk_peer_table(p, &ti);
    cr_assert_eq(ti.established, 1, "RFC 7296 §2.4: INITIAL_CONTACT");
    cr_assert_eq(ti.replaced_by_contact, 2);
    mk_peer_free(p);
}
