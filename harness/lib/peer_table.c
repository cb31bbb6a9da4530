/* SPDX-License-Identifier: MIT */
/*
 * peer_table: the public mk_peer of peer.h, a bounded table of IKE SAs (PEER_MAX_SAS), each one
 * a peer_sa engine (peer.c, peer_init.c, peer_auth.c, peer_req.c). It exists so that `minike
 * respond` survives load: one unauthenticated IKE_SA_INIT can no longer replace the SA of an
 * initiator that is halfway through IKE_AUTH or already established.
 *  - Requests after IKE_SA_INIT (and answers to our requests) go to the SA named by both SPIs;
 *    nothing else matches them (RFC 7296 §2.1 / §3.1), so they are dropped and counted.
 *  - A new IKE_SA_INIT is worked on by a spare engine ("scratch") that holds no SA. Only if it
 *    creates one (the request was acceptable) does it take a slot. Half-open (and closed) SAs
 *    have their own PEER_MAX_HALF slots: a free one, else the slot of the oldest closed SA, else
 *    of the oldest half-open SA. So a half-open SA never evicts an established one, and a flood
 *    never takes room from them.
 *  - At most PEER_MAX_SAS SAs are established. When one more completes IKE_AUTH (it is
 *    authenticated), the least recently active established SA makes room: minimal initiators
 *    forget their SAs without a Delete (RFC 7815 §2.1), so a full table is mostly dead SAs.
 *  - A retransmitted or retried IKE_SA_INIT (same SPIi, same address) goes to its half-open SA.
 *  - RFC 7296 §2.6: once PEER_COOKIE_THRESHOLD SAs are half-open, every new IKE_SA_INIT must
 *    return a COOKIE, checked statelessly before any DH work or state.
 *  - Half-open SAs expire after PEER_HALF_OPEN_MS (strongSwan's half_open_timeout is 30 s).
 *  - RFC 7296 §2.4: an IKE_AUTH with INITIAL_CONTACT replaces the established SAs of the same
 *    authenticated identity (the device that slept and woke up again).
 * The single-SA accessors (state, child, keys, remote, the send_* requests) act on the SA that
 * last accepted a datagram, so every user of the old one-SA peer keeps working.
 */
#include <stdlib.h>
#include <string.h>

#include "peer_int.h"

enum {
    PEER_MAX_SAS = 64,  /* established IKE SAs */
    PEER_MAX_HALF = 64, /* half-open or closed ones */
    PEER_SLOTS = PEER_MAX_SAS + PEER_MAX_HALF,
    PEER_COOKIE_THRESHOLD = 16,
    PEER_HALF_OPEN_MS = 30000,
};

struct mk_peer {
    peer_sa *tmpl;    /* a fresh engine, copied into new slots (shares the cookie secret) */
    peer_sa *scratch; /* works on new IKE_SA_INITs; holds no SA between calls */
    peer_sa *sa[PEER_SLOTS];
    uint64_t born_ms[PEER_SLOTS]; /* when the SA took its slot */
    uint64_t used_ms[PEER_SLOTS]; /* when it last accepted a datagram */
    int cur;                      /* the SA the single-SA accessors show; -1: none */
    uint32_t rx_count;
    mk_stats stats;
    mk_err err;
    uint32_t refusals;
    mk_peer_table_info info;
    peer_tx txq[PEER_TXQ]; /* the daemon's FIFO: what every engine queued, in order */
    uint8_t tx_head, tx_n;
};

/* ---- engines ------------------------------------------------------------------------------- */

static peer_sa *engine_copy(const mk_peer *t)
{
    peer_sa *e = malloc(sizeof *e);
    if (e != NULL)
        memcpy(e, t->tmpl, sizeof *e);
    return e;
}

static bool half_open(const peer_sa *e)
{
    return e != NULL && e->have_sa && e->st == MK_PEER_INIT_DONE;
}

static bool established(const peer_sa *e)
{
    return e != NULL && e->have_sa && (e->st == MK_PEER_ESTABLISHED || e->st == MK_PEER_REQ_SENT);
}

static void engine_forget(peer_sa *e)
{
    peer_reset_sa(e);
    e->st = MK_PEER_IDLE;
}

static size_t count_half_open(const mk_peer *t)
{
    size_t n = 0;
    for (size_t i = 0; i < PEER_SLOTS; i++)
        n += half_open(t->sa[i]);
    return n;
}

static bool same_addr(const mk_addr *a, const mk_addr *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

/* ---- one call into an engine: stats, refusals and its queued datagrams come back up -------- */

typedef struct call {
    mk_stats before;
    uint32_t refusals;
    mk_err err;
} call;

static void call_begin(mk_peer *t, peer_sa *e, call *c)
{
    e->rx_count = t->rx_count; /* the script masks count every datagram the daemon received */
    c->before = e->stats;
    c->refusals = e->refusals;
    c->err = e->err;
}

static void queue_up(mk_peer *t, const peer_tx *x)
{
    if (t->tx_n == PEER_TXQ) { /* full: the oldest is lost, like a full socket buffer */
        t->tx_head = (uint8_t)((t->tx_head + 1) % PEER_TXQ);
        t->tx_n--;
    }
    t->txq[(t->tx_head + t->tx_n) % PEER_TXQ] = *x;
    t->tx_n++;
}

static void call_end(mk_peer *t, peer_sa *e, const call *c, bool keep_tx)
{
    const mk_stats *b = &c->before, *a = &e->stats;
    t->rx_count = e->rx_count;
    t->stats.tx_dgrams += a->tx_dgrams - b->tx_dgrams;
    t->stats.rx_dgrams += a->rx_dgrams - b->rx_dgrams;
    t->stats.tx_bytes += a->tx_bytes - b->tx_bytes;
    t->stats.rx_bytes += a->rx_bytes - b->rx_bytes;
    t->stats.retransmits += a->retransmits - b->retransmits;
    t->stats.round_trips += a->round_trips - b->round_trips;
    t->stats.answered_requests += a->answered_requests - b->answered_requests;
    if (a->dropped != b->dropped) {
        t->stats.dropped += a->dropped - b->dropped;
        t->stats.last_drop = a->last_drop;
    }
    if (e->refusals != c->refusals) {
        t->refusals += e->refusals - c->refusals;
        t->err = e->err;
    } else if (e->err != c->err) {
        t->err = e->err; /* TIMEOUT of our own request, or OK for a new SA */
    }
    while (e->tx_n > 0) {
        if (keep_tx)
            queue_up(t, &e->txq[e->tx_head]);
        else
            t->stats.tx_dgrams--; /* built for an SA that found no room: never sent */
        sa_tx_done(e);
    }
}

/* ---- life cycle ------------------------------------------------------------------------------ */

mk_peer *mk_peer_new(const mk_peer_config *cfg, const mk_env *env)
{
    mk_peer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->tmpl = sa_new(cfg, env); /* checks the config; draws the one cookie secret */
    if (t->tmpl == NULL) {
        free(t);
        return NULL;
    }
    t->scratch = engine_copy(t);
    if (t->scratch == NULL) {
        mk_peer_free(t);
        return NULL;
    }
    t->cur = -1;
    return t;
}

void mk_peer_free(mk_peer *t)
{
    if (t == NULL)
        return;
    sa_free(t->tmpl);
    sa_free(t->scratch);
    for (size_t i = 0; i < PEER_SLOTS; i++)
        sa_free(t->sa[i]);
    mk_wipe(t, sizeof *t);
    free(t);
}

/* The engine the single-SA accessors show. */
static peer_sa *cur(const mk_peer *t)
{
    return t->cur >= 0 && t->sa[t->cur] != NULL ? t->sa[t->cur] : t->scratch;
}

/* ---- placing a new SA ---------------------------------------------------------------------- */

static void expire_half_open(mk_peer *t, uint64_t now_ms)
{
    for (size_t i = 0; i < PEER_SLOTS; i++) {
        if (half_open(t->sa[i]) && now_ms >= t->born_ms[i] + PEER_HALF_OPEN_MS) {
            engine_forget(t->sa[i]);
            t->info.expired_half_open++;
        }
    }
}

/* A slot for the half-open SA the scratch engine just created: a free one while fewer than
 * PEER_MAX_HALF slots hold half-open or closed SAs, else the oldest closed, else the oldest
 * half-open SA's. Established SAs are never touched here. */
static int find_slot(mk_peer *t)
{
    int closed = -1, oldest_half = -1, free_slot = -1, n_other = 0;
    for (int i = 0; i < PEER_SLOTS; i++) {
        peer_sa *e = t->sa[i];
        if (e == NULL || !e->have_sa) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        if (established(e))
            continue;
        n_other++;
        if (!half_open(e) && (closed < 0 || t->born_ms[i] < t->born_ms[closed]))
            closed = i;
        if (half_open(e) && (oldest_half < 0 || t->born_ms[i] < t->born_ms[oldest_half]))
            oldest_half = i;
    }
    if (n_other < PEER_MAX_HALF && free_slot >= 0)
        return free_slot;
    if (closed >= 0)
        return closed;
    if (oldest_half >= 0)
        t->info.evicted_half_open++;
    return oldest_half;
}

/* One more SA is established (authenticated): keep at most PEER_MAX_SAS by forgetting the one
 * that has been quiet longest. */
static void bound_established(mk_peer *t, int keep)
{
    int n = 0, lru = -1;
    for (int i = 0; i < PEER_SLOTS; i++) {
        if (!established(t->sa[i]))
            continue;
        n++;
        if (i != keep && (lru < 0 || t->used_ms[i] < t->used_ms[lru]))
            lru = i;
    }
    if (n > PEER_MAX_SAS && lru >= 0) {
        engine_forget(t->sa[lru]);
        t->info.evicted_idle++;
    }
}

static mk_err place_scratch(mk_peer *t, uint64_t now_ms)
{
    int i = find_slot(t);
    peer_sa *spare;
    if (i < 0)
        return MK_E_OK;
    spare = t->sa[i] != NULL ? t->sa[i] : engine_copy(t);
    if (spare == NULL)
        return MK_E_BUF_TOO_SMALL;
    if (spare->have_sa)
        engine_forget(spare);
    t->sa[i] = t->scratch;
    t->scratch = spare;
    t->born_ms[i] = t->used_ms[i] = now_ms;
    t->cur = i;
    return MK_E_OK;
}

/* RFC 7296 §2.4: "the receipt of an INITIAL_CONTACT ... the recipient MAY delete any other SAs
 * it has to the same authenticated identity". */
static void initial_contact(mk_peer *t, int keep)
{
    const peer_sa *k = t->sa[keep];
    for (int i = 0; i < PEER_SLOTS; i++) {
        peer_sa *e = t->sa[i];
        if (i == keep || !established(e) || e->ini_id.type != k->ini_id.type ||
            e->ini_id.len != k->ini_id.len || memcmp(e->ini_id.data, k->ini_id.data, k->ini_id.len))
            continue;
        engine_forget(e);
        t->info.replaced_by_contact++;
    }
}

/* ---- the dispatcher -------------------------------------------------------------------------- */

static int find_spis(const mk_peer *t, const uint8_t *spi_i, const uint8_t *spi_r)
{
    for (int i = 0; i < PEER_SLOTS; i++) {
        const peer_sa *e = t->sa[i];
        if (e != NULL && e->have_sa && memcmp(e->spi_i, spi_i, 8) == 0 &&
            memcmp(e->spi_r, spi_r, 8) == 0)
            return i;
    }
    return -1;
}

/* A half-open SA of this initiator (SPIi and address), or an SA whose IKE_SA_INIT request is
 * exactly this one (a late retransmission: answered from its cache). */
static int find_init(const mk_peer *t, const uint8_t *spi_i, const mk_addr *from,
                     const uint8_t *msg, size_t len)
{
    for (int i = 0; i < PEER_SLOTS; i++) {
        const peer_sa *e = t->sa[i];
        if (e == NULL || !e->have_sa || memcmp(e->spi_i, spi_i, 8) != 0 ||
            !same_addr(&e->remote, from))
            continue;
        if (e->st == MK_PEER_INIT_DONE ||
            (e->init_req_len == len && memcmp(e->init_req, msg, len) == 0))
            return i;
    }
    return -1;
}

mk_err mk_peer_on_dgram(mk_peer *t, const uint8_t *dgram, size_t len, uint16_t local_port,
                        const mk_addr *from, uint64_t now_ms)
{
    static const uint8_t zero[8] = {0};
    mk_addr any;
    const uint8_t *h = dgram;
    size_t hl = len;
    call c;
    mk_err e;
    int i = -1;
    bool init = false;

    if (t == NULL || (dgram == NULL && len != 0))
        return MK_E_BAD_STATE;
    if (from == NULL) {
        memset(&any, 0, sizeof any);
        from = &any;
    }
    expire_half_open(t, now_ms);
    /* which SA: only a look at the header; the engine parses and checks everything */
    if (local_port == MK_PORT_NATT && len >= MK_NATT_MARKER &&
        memcmp(dgram, zero, MK_NATT_MARKER) == 0) {
        h += MK_NATT_MARKER;
        hl -= MK_NATT_MARKER;
    }
    if (hl >= MK_HDR_LEN) {
        bool response = (h[19] & MK_HDR_F_RESPONSE) != 0;
        init = h[18] == MK_EX_IKE_SA_INIT && !response && memcmp(h + 8, zero, 8) == 0;
        i = init ? find_init(t, h, from, h, hl) : find_spis(t, h, h + 8);
    }
    if (i >= 0) {
        peer_sa *s = t->sa[i];
        bool was_half = half_open(s);
        s->want_cookie = init && count_half_open(t) >= PEER_COOKIE_THRESHOLD;
        call_begin(t, s, &c);
        e = sa_on_dgram(s, dgram, len, local_port, from, now_ms);
        call_end(t, s, &c, true);
        if (e == MK_E_OK) {
            t->cur = i;
            t->used_ms[i] = now_ms;
        }
        if (was_half && established(s)) {
            if (s->ini_contact)
                initial_contact(t, i);
            bound_established(t, i);
        }
        return e;
    }
    /* a new IKE_SA_INIT, or something no SA of ours matches (dropped and counted there) */
    peer_sa *s = t->scratch;
    s->want_cookie = init && count_half_open(t) >= PEER_COOKIE_THRESHOLD;
    call_begin(t, s, &c);
    e = sa_on_dgram(s, dgram, len, local_port, from, now_ms);
    if (!s->have_sa) {
        if (s->want_cookie && s->tx_n > 0)
            t->info.cookies_sent++;
        call_end(t, s, &c, true);
        return e;
    }
    if (s->st != MK_PEER_INIT_DONE) { /* cannot happen: a new SA starts half-open */
        engine_forget(s);
        call_end(t, s, &c, false);
        return e;
    }
    if (place_scratch(t, now_ms) != MK_E_OK || t->scratch == s) {
        /* no room (cannot happen with the half-open slots; out of memory) */
        engine_forget(s);
        call_end(t, s, &c, false);
        t->info.full_drops++;
        t->stats.dropped++;
        t->stats.last_drop = MK_E_BAD_STATE;
        return MK_E_BAD_STATE;
    }
    call_end(t, s, &c, true);
    t->err = MK_E_OK; /* a new IKE SA: the last refusal or timeout was someone else's */
    return e;
}

mk_err mk_peer_on_timer(mk_peer *t, uint64_t now_ms)
{
    mk_err r = MK_E_OK;
    expire_half_open(t, now_ms);
    for (int i = 0; i < PEER_SLOTS; i++) {
        peer_sa *s = t->sa[i];
        call c;
        if (s == NULL || sa_deadline(s) > now_ms)
            continue;
        call_begin(t, s, &c);
        mk_err e = sa_on_timer(s, now_ms);
        call_end(t, s, &c, true);
        if (i == t->cur)
            r = e;
    }
    return r;
}

uint64_t mk_peer_deadline(const mk_peer *t)
{
    uint64_t d = UINT64_MAX;
    for (int i = 0; i < PEER_SLOTS; i++) {
        const peer_sa *s = t->sa[i];
        if (s == NULL)
            continue;
        uint64_t x = sa_deadline(s);
        if (x < d)
            d = x;
        if (half_open(s) && t->born_ms[i] + PEER_HALF_OPEN_MS < d)
            d = t->born_ms[i] + PEER_HALF_OPEN_MS;
    }
    return d;
}

/* ---- the FIFO -------------------------------------------------------------------------------- */

size_t mk_peer_tx_peek(const mk_peer *t, const uint8_t **out, uint16_t *port)
{
    return mk_peer_tx_peek_to(t, out, port, NULL);
}

size_t mk_peer_tx_peek_to(const mk_peer *t, const uint8_t **out, uint16_t *port, mk_addr *to)
{
    if (t == NULL || t->tx_n == 0)
        return 0;
    const peer_tx *x = &t->txq[t->tx_head];
    if (out != NULL)
        *out = x->buf;
    if (port != NULL)
        *port = x->port;
    if (to != NULL)
        *to = x->to;
    return x->len;
}

void mk_peer_tx_done(mk_peer *t)
{
    if (t == NULL || t->tx_n == 0)
        return;
    mk_wipe(&t->txq[t->tx_head], sizeof t->txq[0]);
    t->tx_head = (uint8_t)((t->tx_head + 1) % PEER_TXQ);
    t->tx_n--;
}

/* ---- our own requests, on the current SA ----------------------------------------------------- */

static mk_err on_cur(mk_peer *t, mk_err (*fn)(peer_sa *, uint64_t), uint64_t now_ms)
{
    peer_sa *s = cur(t);
    call c;
    call_begin(t, s, &c);
    mk_err e = fn(s, now_ms);
    call_end(t, s, &c, true);
    return e;
}

mk_err mk_peer_send_liveness(mk_peer *t, uint64_t now_ms)
{
    return on_cur(t, sa_send_liveness, now_ms);
}

mk_err mk_peer_send_create_child(mk_peer *t, uint64_t now_ms)
{
    return on_cur(t, sa_send_create_child, now_ms);
}

mk_err mk_peer_send_unknown_critical(mk_peer *t, uint64_t now_ms)
{
    return on_cur(t, sa_send_unknown_critical, now_ms);
}

mk_err mk_peer_send_delete(mk_peer *t, uint64_t now_ms)
{
    return on_cur(t, sa_send_delete, now_ms);
}

/* ---- accessors ------------------------------------------------------------------------------- */

mk_peer_state mk_peer_state_get(const mk_peer *t)
{
    return sa_state_get(cur(t));
}

const mk_peer_answer *mk_peer_last_answer(const mk_peer *t)
{
    return sa_last_answer(cur(t));
}

bool mk_peer_initiator_spki(const mk_peer *t, const uint8_t **spki, size_t *len)
{
    return t != NULL && sa_initiator_spki(cur(t), spki, len);
}

bool mk_peer_child(const mk_peer *t, mk_esp_sa *out)
{
    return t != NULL && sa_child(cur(t), out);
}

bool mk_peer_child_ts(const mk_peer *t, mk_ts *tsi, mk_ts *tsr)
{
    return t != NULL && sa_child_ts(cur(t), tsi, tsr);
}

bool mk_peer_child_find(const mk_peer *t, uint32_t spi_in, mk_esp_sa *out, mk_ts *tsi, mk_ts *tsr)
{
    for (int i = 0; t != NULL && i < PEER_SLOTS; i++) {
        const peer_sa *s = t->sa[i];
        if (established(s) && s->child_ok && s->child.spi_in == spi_in) {
            if (out != NULL)
                *out = s->child;
            (void)sa_child_ts(s, tsi, tsr);
            return true;
        }
    }
    return false;
}

bool mk_peer_keys_export(const mk_peer *t, mk_ike_keys *out)
{
    return t != NULL && sa_keys_export(cur(t), out);
}

const mk_stats *mk_peer_stats(const mk_peer *t)
{
    return &t->stats;
}

mk_err mk_peer_last_error(const mk_peer *t)
{
    return t->err;
}

uint32_t mk_peer_refusals(const mk_peer *t)
{
    return t != NULL ? t->refusals : 0;
}

bool mk_peer_remote(const mk_peer *t, mk_addr *out, uint16_t *port)
{
    return t != NULL && sa_remote(cur(t), out, port);
}

void mk_peer_table(const mk_peer *t, mk_peer_table_info *out)
{
    *out = t->info;
    out->capacity = PEER_MAX_SAS;
    out->half_open_capacity = PEER_MAX_HALF;
    out->cookie_threshold = PEER_COOKIE_THRESHOLD;
    out->half_open = out->established = 0;
    for (int i = 0; i < PEER_SLOTS; i++) {
        out->half_open += half_open(t->sa[i]);
        out->established += established(t->sa[i]);
    }
}
