/* SPDX-License-Identifier: MIT */
/*
 * test_loss_soak: the handshake through a lossy network, in process and in simulated time
 * (issue 14, finding 6). One initiator (the ref/ core, mk_config_defaults: the budget under
 * test) against the responder peer; every datagram in either direction is lost with
 * probability p, optionally duplicated and delayed by 0-300 ms (so reordered). 1,000 seeded
 * trials per condition, reproducible bit for bit. Asserted, for every trial:
 *  - it ends: ESTABLISHED, or FAILED with a named error (TIMEOUT is the only one loss can
 *    cause), within two exchange budgets of simulated time; nothing is left unscheduled;
 *  - a datagram the initiator drops changes nothing in its state (RFC 7296 §2.21: the whole
 *    mk_ike but its stats is compared before and after, timers and retransmission count too);
 * and, over the trials, that >= 99 % complete at 30 % loss (with and without duplication and
 * reordering). The rates are printed ("soak:" lines); 50 % loss is reported, not asserted.
 * Also measured: what the budget costs at 0 % loss against a dead peer (time and datagrams).
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pairs.h"

enum { TRIALS = 1000, MAX_FLIGHT = 256, BASE_DELAY_MS = 5 };

typedef struct cond {
    const char *name;
    unsigned loss_pct, dup_pct, reorder_ms;
} cond;

typedef struct pkt {
    uint64_t at;
    bool to_peer;
    uint16_t port;
    uint16_t len;
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
} pkt;

typedef struct net {
    pkt q[MAX_FLIGHT];
    size_t n;
    uint64_t rnd; /* xorshift64*: the network's own seeded dice */
    const cond *c;
} net;

typedef struct result {
    bool established;
    mk_err err;
    uint64_t end_ms;
    uint32_t tries_sent; /* datagrams the initiator sent */
    uint32_t drops_checked;
} result;

static uint32_t dice(net *n, uint32_t mod)
{
    n->rnd ^= n->rnd >> 12;
    n->rnd ^= n->rnd << 25;
    n->rnd ^= n->rnd >> 27;
    return (uint32_t)((n->rnd * 0x2545F4914F6CDD1DULL) >> 33) % mod;
}

static void net_send(net *n, bool to_peer, const uint8_t *d, size_t len, uint16_t port,
                     uint64_t now)
{
    int copies = 1 + (dice(n, 100) < n->c->dup_pct);
    for (int k = 0; k < copies; k++) {
        if (dice(n, 100) < n->c->loss_pct)
            continue; /* lost */
        cr_assert_lt(n->n, MAX_FLIGHT, "too many datagrams in flight");
        pkt *p = &n->q[n->n++];
        p->at = now + BASE_DELAY_MS + (n->c->reorder_ms ? dice(n, n->c->reorder_ms + 1) : 0);
        p->to_peer = to_peer;
        p->port = port;
        p->len = (uint16_t)len;
        memcpy(p->buf, d, len);
    }
}

/* The earliest datagram in flight (ties: the one sent first), or -1. */
static int net_next(const net *n)
{
    int best = -1;
    for (size_t i = 0; i < n->n; i++)
        if (best < 0 || n->q[i].at < n->q[best].at)
            best = (int)i;
    return best;
}

static void net_take(net *n, int i, pkt *out)
{
    *out = n->q[i];
    memmove(&n->q[i], &n->q[i + 1], (n->n - (size_t)i - 1) * sizeof n->q[0]);
    n->n--;
}

/* One datagram into the initiator; a DROP must leave it unchanged (all but stats). */
static void to_initiator(mk_ike *ike, mk_ike *before, const pkt *p, uint64_t now, result *r)
{
    uint64_t dl = mk_deadline(ike);
    memcpy(before, ike, sizeof *ike);
    mk_err e = mk_on_dgram(ike, p->buf, p->len, p->port, now);
    if (mk_err_class(e) == MK_CLASS_DROP) {
        mk_stats s = ike->stats;
        ike->stats = before->stats;
        cr_assert(memcmp(before, ike, sizeof *ike) == 0,
                  "a dropped datagram (%s) changed the initiator's state", mk_err_name(e));
        ike->stats = s;
        cr_assert_eq(mk_deadline(ike), dl, "a dropped datagram moved the timer");
        r->drops_checked++;
    }
}

static result trial(uint32_t seed, const cond *c, mk_ike *ike, mk_ike *before, net *n)
{
    mk_trng ri = {{0}, 0}, rp = {{0}, 0};
    mk_config cfg;
    result r = {0};
    uint64_t now = 0;
    memcpy(ri.key, &seed, sizeof seed);
    ri.key[31] = 'i';
    memcpy(rp.key, &seed, sizeof seed);
    rp.key[31] = 'p';
    mk_env ei = {&ri, mk_trng_fill, NULL}, ep = {&rp, mk_trng_fill, NULL};
    memset(n, 0, sizeof *n);
    n->rnd = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)seed << 17) ^ c->loss_pct ^
             ((uint64_t)c->dup_pct << 8) ^ ((uint64_t)c->reorder_ms << 20);
    n->c = c;
    soak_ini_cfg(&cfg, "device.soak");
    mk_peer *peer = soak_peer(&ep, NULL);
    mk_addr from;
    soak_addr(&from, 500);
    cr_assert_not_null(peer);
    cr_assert_eq(mk_init(ike, &cfg, &ei), MK_E_OK);
    cr_assert_eq(mk_start(ike, now), MK_E_OK);
    /* no trial may outlive two exchange budgets (IKE_SA_INIT, IKE_AUTH) plus the last delay */
    uint64_t limit = 2ull * cfg.total_ms + 1000;
    for (;;) {
        const uint8_t *d;
        uint16_t port;
        size_t len;
        while ((len = mk_tx_peek(ike, &d, &port)) != 0) {
            r.tries_sent++;
            net_send(n, true, d, len, port, now);
            mk_tx_done(ike);
        }
        while ((len = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            net_send(n, false, d, len, port, now);
            mk_peer_tx_done(peer);
        }
        mk_state st = mk_state_get(ike);
        if (st == MK_ST_ESTABLISHED || st == MK_ST_FAILED)
            break;
        int i = net_next(n);
        uint64_t next = mk_deadline(ike), pd = mk_peer_deadline(peer);
        if (pd < next)
            next = pd;
        if (i >= 0 && n->q[i].at < next)
            next = n->q[i].at;
        cr_assert_neq(next, UINT64_MAX, "seed %u: stuck, nothing scheduled (state %d)", seed, st);
        cr_assert_leq(next, limit, "seed %u: still running at %llu ms", seed,
                      (unsigned long long)next);
        now = next > now ? next : now;
        if (i >= 0 && n->q[i].at <= now) {
            pkt p;
            net_take(n, i, &p);
            if (p.to_peer)
                (void)mk_peer_on_dgram(peer, p.buf, p.len, p.port, &from, now);
            else
                to_initiator(ike, before, &p, now, &r);
            continue;
        }
        if (now >= mk_deadline(ike))
            (void)mk_on_timer(ike, now);
        if (now >= mk_peer_deadline(peer))
            (void)mk_peer_on_timer(peer, now);
    }
    r.established = mk_state_get(ike) == MK_ST_ESTABLISHED;
    r.err = mk_last_error(ike);
    r.end_ms = now;
    if (!r.established)
        cr_assert_eq(r.err, MK_E_TIMEOUT, "seed %u (%s): failed with %s, not a clean TIMEOUT", seed,
                     c->name, mk_err_name(r.err));
    mk_ike_wipe(ike);
    mk_peer_free(peer);
    return r;
}

/* 1,000 trials of one condition; returns the number established and prints the rates. */
static unsigned soak(const cond *c)
{
    mk_ike *ike = malloc(sizeof *ike), *before = malloc(sizeof *before);
    net *n = malloc(sizeof *n);
    unsigned ok = 0;
    uint64_t worst = 0, drops = 0, sent = 0;
    cr_assert(ike && before && n);
    for (uint32_t s = 1; s <= TRIALS; s++) {
        result r = trial(s, c, ike, before, n);
        ok += r.established;
        drops += r.drops_checked;
        sent += r.tries_sent;
        if (r.established && r.end_ms > worst)
            worst = r.end_ms;
    }
    printf("soak: %-34s %4u/%u established (%.1f %%), %u clean TIMEOUT; slowest success %.1f s; "
           "%.1f datagrams sent per trial; %llu dropped datagrams checked unchanged\n",
           c->name, ok, TRIALS, 100.0 * ok / TRIALS, TRIALS - ok, worst / 1000.0,
           (double)sent / TRIALS, (unsigned long long)drops);
    fflush(stdout);
    free(ike);
    free(before);
    free(n);
    return ok;
}

Test(loss_soak, ten_percent)
{
    static const cond c = {"10 % loss", 10, 0, 0};
    cr_assert_geq(soak(&c), 999u);
}

Test(loss_soak, thirty_percent)
{
    static const cond c = {"30 % loss", 30, 0, 0};
    cr_assert_geq(soak(&c), 990u, ">= 99 %% must complete at 30 %% loss");
}

Test(loss_soak, thirty_percent_dup_reorder)
{
    static const cond c = {"30 % loss, 10 % dup, 0-300 ms delay", 30, 10, 300};
    cr_assert_geq(soak(&c), 990u, ">= 99 %% must complete at 30 %% loss");
}

Test(loss_soak, fifty_percent)
{
    static const cond c = {"50 % loss", 50, 0, 0};
    cr_assert_gt(soak(&c), 0u); /* reported; every trial still ends cleanly (asserted inside) */
}

/* The price of the budget: a dead peer (100 % loss) at otherwise 0 % loss. */
Test(loss_soak, dead_peer_cost)
{
    static const cond c = {"dead peer", 100, 0, 0};
    mk_ike *ike = malloc(sizeof *ike), *before = malloc(sizeof *before);
    net *n = malloc(sizeof *n);
    mk_config cfg;
    cr_assert(ike && before && n);
    soak_ini_cfg(&cfg, "device.soak");
    result r = trial(1, &c, ike, before, n);
    cr_assert(!r.established);
    cr_assert_eq(r.end_ms, cfg.total_ms, "gives up exactly when the budget ends");
    printf("soak: dead peer: TIMEOUT after %.1f s and %u IKE_SA_INIT datagrams (budget %u ms, "
           "first timeout %u ms, cap %u ms)\n",
           r.end_ms / 1000.0, r.tries_sent, cfg.total_ms, cfg.rto_ms, cfg.rto_max_ms);
    free(ike);
    free(before);
    free(n);
}
