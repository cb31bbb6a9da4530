/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tiny.h: the deterministic exchange of fuzz_ike.h for the template core (ref/tiny,
 * minike_tiny.h) and for the general core restricted to the same profile, so the tiny targets
 * (fuzz_tiny_dgram, fuzz_tiny_diff) can snapshot either initiator in INIT_SENT, AUTH_SENT or
 * ESTABLISHED and feed it one datagram per input. The profile is the tiny core's only one: PSK,
 * ChaCha20-Poly1305 + PRF-HMAC-SHA2-256 + X25519, ESP ChaCha20-Poly1305, no NAT-T (UDP 500). The
 * responder is harness/lib/peer.h with the fixed seed of fuzz_common.h; both initiators draw from
 * the same fixed seed, so (the tiny core being the general one for this profile, octet for
 * octet) they send the same requests and the peer answers both the same way. The input of a
 * protected state is sealed with the keys the peer exported (STYLE.md §2.7), so the fuzzer works
 * past the ICV.
 *
 * Input layout shared by both targets: [state][ctl][...]. State bit 5 picks the configuration
 * (fzt_mk_config; 1: transport mode, any IDr, no INITIAL_CONTACT, IPv6 selectors); s = the low
 * five bits % 3 picks the state:
 *   s 0, INIT_SENT:   [ctl][datagram]; ctl bit 0: patch the header Length, bit 1: patch SPIi to
 *                     ours (as fuzz_init_resp).
 *   s 1, AUTH_SENT:   [ctl][first][inner plaintext] sealed as the IKE_AUTH response (ctl 0);
 *                     bit 0: message ID 0; bit 1: INFORMATIONAL; bit 2: no Response flag;
 *                     bit 3: wrong SPIr (as fuzz_auth_resp); bit 4: the last plaintext octet is
 *                     the Pad Length (no other padding).
 *   s 2, ESTABLISHED: [ctl][first][inner plaintext] sealed as a request of the peer; bit 0:
 *                     CREATE_CHILD_SA (else INFORMATIONAL); bits 1-2: message ID 0..3; bit 3:
 *                     Response flag; bit 4: Initiator flag; bit 5: from the snapshot that has
 *                     answered requests 0 and 1 already (1 again gets the cached answer, 0 is
 *                     old).
 *   In the two protected states ctl bit 6 feeds [first][...] as it is (no sealing: the header
 *   and ICV paths with garbage), and bit 7 flips the last octet of the sealed message (its ICV).
 * Sequences: with bit 7 of the state octet (bit 6 then picks the second ESTABLISHED snapshot),
 * the rest is up to 16 records [len16][record], fed one after the other to the same initiator
 * (no restore between them): a record is [ctl][...] as above for the state the initiator is in
 * now (INIT_SENT: raw; AUTH_SENT: an IKE_AUTH response; any later state: a request of the
 * peer), sealed with the snapshot's keys (which are also the keys after the genuine IKE_SA_INIT
 * response); an empty record is a timer call at the initiator's deadline (mt_on_timer:
 * retransmissions, the budget, the TIMEOUT). Queued datagrams count as sent after each step.
 */
#ifndef MK_FUZZ_TINY_H
#define MK_FUZZ_TINY_H

#include <stdlib.h>

#include "fuzz_ike.h"
#include "minike_tiny.h"

enum { FZT_INIT_SENT, FZT_AUTH_SENT, FZT_ESTABLISHED, FZT_ESTABLISHED2, FZT_N_SNAPS };

/* Two configurations: 0 is fuzz_ike.h's; 1 asks for transport mode, expects any IDr (sends
 * none), sends no INITIAL_CONTACT and has IPv6 selectors (the other branches of the templates). */
enum { FZT_N_CFG = 2 };

static inline void fzt_ts6(mk_ts *ts, uint8_t last)
{
    memset(ts, 0, sizeof(*ts));
    ts->type = MK_TS_IPV6_RANGE;
    ts->end_port = 65535;
    ts->start[0] = ts->end[0] = 0xfd;
    ts->start[15] = ts->end[15] = last;
}

/* The general core's config for the tiny profile: fuzz_ike.h's, one suite, no NAT-T. */
static inline void fzt_mk_config(mk_config *cfg, int variant)
{
    static const mk_ike_suite ike = {MK_ENCR_CHACHA20_POLY1305, 256, MK_PRF_HMAC_SHA2_256,
                                     MK_INTEG_NONE, MK_DH_X25519};
    static const mk_esp_suite esp = {MK_ENCR_CHACHA20_POLY1305, 256, MK_INTEG_NONE};
    fz_config(cfg);
    cfg->ike[0] = ike;
    cfg->n_ike = 1;
    cfg->esp[0] = esp;
    cfg->n_esp = 1;
    cfg->natt = false;
    cfg->force_4500 = false;
    if (variant == 1) {
        cfg->tunnel = false;
        cfg->initial_contact = false;
        cfg->idr.len = 0;
        fzt_ts6(&cfg->tsi, 1);
        fzt_ts6(&cfg->tsr, 2);
    }
}

/* The responder for it: fuzz_ike.h's, with its own identity when we expect any. */
static inline void fzt_peer_config(mk_peer_config *pc, const mk_config *cfg)
{
    fz_peer_config(pc, cfg);
    if (cfg->idr.len == 0)
        fz_set_id(&pc->idr, MK_ID_FQDN, "responder.minike.test");
}

static inline void fzt_ts(mt_ts *t, const mk_ts *s)
{
    memset(t, 0, sizeof(*t));
    t->type = s->type;
    t->proto = s->proto;
    t->start_port = s->start_port;
    t->end_port = s->end_port;
    memcpy(t->start, s->start, sizeof(t->start));
    memcpy(t->end, s->end, sizeof(t->end));
}

/* The tiny core's config: the same identities, PSK, selectors, mode and timers. */
static inline void fzt_mt_config(mt_config *t, const mk_config *c)
{
    memset(t, 0, sizeof(*t));
    mt_config_defaults(t);
    t->psk = c->psk;
    t->psk_len = c->psk_len;
    t->idi_type = c->idi.type;
    t->idi_len = c->idi.len;
    memcpy(t->idi, c->idi.data, c->idi.len);
    t->idr_type = c->idr.type;
    t->idr_len = c->idr.len;
    memcpy(t->idr, c->idr.data, c->idr.len);
    fzt_ts(&t->tsi, &c->tsi);
    fzt_ts(&t->tsr, &c->tsr);
    t->tunnel = c->tunnel;
    t->initial_contact = c->initial_contact;
    t->rto_ms = c->rto_ms;
    t->rto_max_ms = c->rto_max_ms;
    t->total_ms = c->total_ms;
}

/* ---- the tiny initiator against the in-process responder ------------------------------------ */

typedef struct fzt_world {
    mk_config cfg; /* the general config the tiny one is made from (and the peer's) */
    mt_config tcfg;
    mk_peer_config pcfg;
    fz_rng rng_i, rng_p;
    mt_env env_i;
    mk_env env_p;
    mk_addr from_i;
    mt_ike ike;
    mk_peer *peer;
    /* what the initiator sent, in order (fuzz_tiny_diff compares it with the general core's) */
    uint8_t sent[8][MT_MAX_REQ];
    size_t sent_len[8];
    size_t n_sent;
} fzt_world;

static inline void fzt_world_start(fzt_world *w, int variant)
{
    fzt_mk_config(&w->cfg, variant);
    fzt_mt_config(&w->tcfg, &w->cfg);
    fzt_peer_config(&w->pcfg, &w->cfg);
    w->rng_i.s = FZ_SEED_INITIATOR;
    w->env_i.ctx = &w->rng_i;
    w->env_i.rng = fz_rng_bytes;
    fz_env_init(&w->env_p, &w->rng_p, FZ_SEED_PEER);
    fz_set_addr(&w->from_i, 1, MK_PORT_IKE);
    memset(&w->ike, 0, sizeof(w->ike));
    w->n_sent = 0;
    FZ_CHECK(mt_init(&w->ike, &w->tcfg, &w->env_i) == MT_E_OK);
    FZ_CHECK((w->peer = mk_peer_new(&w->pcfg, &w->env_p)) != NULL);
    FZ_CHECK(mt_start(&w->ike, FZ_NOW_MS) == MT_E_OK);
}

/* As fz_world_run: shuttle until the tiny initiator is in `stop` (1) or nothing moves (0). */
static inline int fzt_world_run(fzt_world *w, mt_state stop)
{
    static uint8_t buf[MK_MAX_MSG];
    for (int i = 0; i < 32; i++) {
        const uint8_t *out;
        uint16_t port;
        size_t n;
        if (mt_state_get(&w->ike) == stop)
            return 1;
        if ((n = mt_tx(&w->ike, &out)) != 0) {
            FZ_CHECK(n <= sizeof(buf));
            memcpy(buf, out, n);
            mt_tx_done(&w->ike);
            if (w->n_sent < 8 && n <= MT_MAX_REQ) {
                memcpy(w->sent[w->n_sent], buf, n);
                w->sent_len[w->n_sent++] = n;
            }
            (void)mk_peer_on_dgram(w->peer, buf, n, MK_PORT_IKE, &w->from_i, FZ_NOW_MS);
            continue;
        }
        if ((n = mk_peer_tx_peek(w->peer, &out, &port)) != 0) {
            FZ_CHECK(n <= sizeof(buf) && port == MK_PORT_IKE);
            memcpy(buf, out, n);
            mk_peer_tx_done(w->peer);
            (void)mt_on_dgram(&w->ike, buf, n, FZ_NOW_MS);
            continue;
        }
        return mt_state_get(&w->ike) == stop;
    }
    return 0;
}

/* ---- the class contract of minike_tiny.h ---------------------------------------------------- */

/* A DROP leaves every byte of the mt_ike but `stats` as it was. */
static inline void fzt_check_drop_unchanged(const mt_ike *before, const mt_ike *after)
{
    const size_t a = offsetof(mt_ike, stats);
    const size_t b = a + sizeof(before->stats);
    FZ_CHECK(memcmp(before, after, a) == 0);
    FZ_CHECK(memcmp((const uint8_t *)before + b, (const uint8_t *)after + b, sizeof(mt_ike) - b) ==
             0);
}

static inline void fzt_check_wiped(const mt_ike *ike)
{
    const size_t a = offsetof(mt_ike, dh_priv);
    const size_t b = offsetof(mt_ike, sk_er) + sizeof(ike->sk_er);
    FZ_CHECK(fz_all_zero((const uint8_t *)ike + a, b - a)); /* dh_priv, ni, sk_pr, sk_ei, sk_er */
    FZ_CHECK(fz_all_zero((const uint8_t *)ike->auth_r, sizeof(ike->auth_r)));
    FZ_CHECK(fz_all_zero(ike->child.k_in, sizeof(ike->child.k_in)));
    FZ_CHECK(fz_all_zero(ike->child.k_out, sizeof(ike->child.k_out)));
    FZ_CHECK(!ike->child_ok);
}

/* After mt_on_dgram: DROP changes nothing but stats; FATAL is sticky, FAILED (CLOSED after the
 * peer's Delete) and wiped; a datagram is never a USAGE error; what is queued fits the limit. */
static inline void fzt_check_after_dgram(const mt_ike *before, const mt_ike *after, mt_err e)
{
    const uint8_t *out;
    switch (mt_err_class(e)) {
    case MT_CLASS_DROP:
        fzt_check_drop_unchanged(before, after);
        break;
    case MT_CLASS_FATAL:
        FZ_CHECK(mt_last_error(after) == e);
        FZ_CHECK(mt_state_get(after) == (e == MT_E_PEER_DELETED ? MT_ST_CLOSED : MT_ST_FAILED));
        fzt_check_wiped(after);
        break;
    case MT_CLASS_NONE:
        if (mt_state_get(after) == MT_ST_CLOSED) /* the peer's Delete, answered */
            fzt_check_wiped(after);
        FZ_CHECK(mt_state_get(after) != MT_ST_FAILED);
        break;
    default:
        FZ_CHECK(0);
    }
    size_t n = mt_tx(after, &out);
    FZ_CHECK(n <= MT_MAX_MSG && (n == 0 || out != NULL));
    fz_eat(out, n ? 1 : 0);
    FZ_EAT(e);
}

/* ---- the snapshots -------------------------------------------------------------------------- */

/* SK keys of the responder's direction (what it seals with) from the peer's export. */
static inline void fzt_rk(const mk_ike_keys *k, mk_sk_keys *rk)
{
    memset(rk, 0, sizeof(*rk));
    rk->encr = &mk_encr_chacha20poly1305;
    rk->ek = k->sk_er;
}

/* A request of the peer, [first][plain] sealed with the responder's keys, for the snapshots that
 * have answered some already. */
static inline size_t fzt_seal(uint8_t *buf, size_t cap, const mk_ike_keys *k, const mk_sk_keys *rk,
                              uint8_t exchange, uint8_t flags, uint32_t msgid, int wrong_spi,
                              uint8_t first, const uint8_t *data, size_t size)
{
    uint8_t spi_r[8];
    fz_rng rng;
    mk_env env;
    memcpy(spi_r, k->spi_r, 8);
    if (wrong_spi)
        spi_r[7] ^= 1;
    fz_env_init(&env, &rng, FZ_SEED_PEER);
    return fz_seal_msg(buf, cap, k->spi_i, spi_r, exchange, flags, msgid, rk, &env, first, data,
                       size);
}

/* The datagram of one input (layout in the header comment) for a snapshot in `which`, in *n;
 * 0 if it does not fit a message. The state octet is already taken. */
static inline int fzt_build(uint8_t *buf, size_t cap, size_t *n, int which, const uint8_t spi_i[8],
                            const mk_ike_keys *k, const uint8_t *data, size_t size)
{
    mk_sk_keys rk;
    uint8_t ctl = fz_take8(&data, &size);
    *n = 0;
    if (which == FZT_INIT_SENT || (ctl & 0x40)) {
        if (size > cap)
            return 0;
        if (size)
            memcpy(buf, data, size);
        if (which == FZT_INIT_SENT && (ctl & 1) && size >= MK_HDR_LEN)
            fz_put32(buf + 24, (uint32_t)size);
        if (which == FZT_INIT_SENT && (ctl & 2) && size >= 8)
            memcpy(buf, spi_i, 8);
        *n = size;
        return 1;
    }
    uint8_t first = fz_take8(&data, &size);
    /* AUTH_SENT, ctl bit 4: the last input octet is the Pad Length (RFC 7296 §3.14) */
    int pad = which == FZT_AUTH_SENT && (ctl & 0x10) && size > 0;
    fzt_rk(k, &rk);
    if (which == FZT_AUTH_SENT)
        *n = fzt_seal(buf, cap, k, &rk, (ctl & 2) ? MK_EX_INFORMATIONAL : MK_EX_IKE_AUTH,
                      (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, (ctl & 1) ? 0 : 1, ctl & 8, first, data,
                      size - (size_t)pad);
    else
        *n = fzt_seal(
            buf, cap, k, &rk, (ctl & 1) ? MK_EX_CREATE_CHILD_SA : MK_EX_INFORMATIONAL,
            (uint8_t)(((ctl & 8) ? MK_HDR_F_RESPONSE : 0) | ((ctl & 16) ? MK_HDR_F_INITIATOR : 0)),
            (uint32_t)((ctl >> 1) & 3), 0, first, data, size);
    if (*n && pad) { /* open, put the Pad Length in, seal again: SK = IV | text | ICV */
        const mk_encr_class *c = rk.encr;
        const size_t aad = MK_HDR_LEN + 4, text = *n - aad - c->iv_len - c->icv_len;
        uint8_t *iv = buf + aad, *t = iv + c->iv_len;
        FZ_CHECK(c->open(rk.ek, iv, buf, aad, t, text, t + text) == MK_E_OK);
        t[text - 1] = data[size - 1];
        FZ_CHECK(c->seal(rk.ek, iv, buf, aad, t, text, t + text) == MK_E_OK);
    }
    if (*n && (ctl & 0x80))
        buf[*n - 1] ^= 1;
    return *n != 0;
}

/* How a record of a sequence is built for an initiator in state st (the general core's states
 * IDLE .. ESTABLISHED have the same numbers). */
static inline int fzt_kind(int st)
{
    return st == MT_ST_INIT_SENT   ? FZT_INIT_SENT
           : st == MT_ST_AUTH_SENT ? FZT_AUTH_SENT
                                   : FZT_ESTABLISHED;
}

/* The next record [len16][bytes] of a sequence; false when none is left. */
static inline int fzt_next_rec(const uint8_t **data, size_t *size, const uint8_t **rec, size_t *rl)
{
    if (*size < 2)
        return 0;
    *rl = ((size_t)(*data)[0] << 8) | (*data)[1];
    *data += 2;
    *size -= 2;
    if (*rl > *size)
        *rl = *size;
    *rec = *data;
    *data += *rl;
    *size -= *rl;
    return 1;
}

enum { FZT_MAX_RECS = 16 };

/* Which configuration an input uses (state octet bit 5). */
static inline int fzt_variant(const uint8_t *data, size_t size)
{
    return size > 0 && (data[0] & 0x20) ? 1 : 0;
}

/* Which snapshot an input uses. */
static inline int fzt_which(const uint8_t *data, size_t size)
{
    if (size == 0)
        return FZT_INIT_SENT;
    if (data[0] & 0x80) { /* a sequence: bit 6 picks the second ESTABLISHED snapshot */
        int s = (data[0] & 0x1f) % 3;
        return s == 2 && (data[0] & 0x40) ? FZT_ESTABLISHED2 : s;
    }
    int s = (data[0] & 0x1f) % 3;
    if (s == 2 && size > 1 && (data[1] & 0x20))
        return FZT_ESTABLISHED2;
    return s;
}

/* An empty INFORMATIONAL request (liveness check) with this message ID, sealed for `k`. */
static inline size_t fzt_liveness(uint8_t *buf, size_t cap, const mk_ike_keys *k, uint32_t msgid)
{
    mk_sk_keys rk;
    fzt_rk(k, &rk);
    return fzt_seal(buf, cap, k, &rk, MK_EX_INFORMATIONAL, 0, msgid, 0, MK_PT_NONE, NULL, 0);
}

/* The tiny core's snapshots: the mt_ike and its RNG position in each state, the peer's keys. */
typedef struct fzt_snaps {
    fzt_world w;
    mt_ike snap[FZT_N_SNAPS];
    uint64_t rng[FZT_N_SNAPS];
    mk_ike_keys keys;
} fzt_snaps;

/* Feed `n` octets of buf (copied to an exact-size heap buffer, so ASan sees any overread) to the
 * restored snapshot `which`; the invariants are checked. */
static inline mt_err fzt_feed(fzt_snaps *s, int which, const uint8_t *buf, size_t n)
{
    uint8_t *d = (uint8_t *)malloc(n + 1);
    FZ_CHECK(d != NULL);
    if (n)
        memcpy(d, buf, n);
    memcpy(&s->w.ike, &s->snap[which], sizeof(mt_ike));
    s->w.rng_i.s = s->rng[which];
    mt_err e = mt_on_dgram(&s->w.ike, d, n, FZ_NOW_MS + 10);
    fzt_check_after_dgram(&s->snap[which], &s->w.ike, e);
    free(d);
    return e;
}

/* Snapshot the world's initiator as it stands; its queued datagram counts as sent in the copy
 * (the world keeps it queued, so the run can go on). */
static inline void fzt_take(fzt_snaps *s, int which)
{
    s->snap[which] = s->w.ike;
    mt_tx_done(&s->snap[which]);
    s->rng[which] = s->w.rng_i.s;
}

static inline void fzt_snaps_setup(fzt_snaps *s, int variant)
{
    static uint8_t buf[MK_MAX_MSG];
    fzt_world_start(&s->w, variant);
    fzt_take(s, FZT_INIT_SENT);
    FZ_CHECK(fzt_world_run(&s->w, MT_ST_AUTH_SENT));
    FZ_CHECK(mk_peer_keys_export(s->w.peer, &s->keys));
    fzt_take(s, FZT_AUTH_SENT);
    FZ_CHECK(fzt_world_run(&s->w, MT_ST_ESTABLISHED));
    fzt_take(s, FZT_ESTABLISHED);
    for (uint32_t id = 0; id < 2; id++) { /* two liveness checks answered */
        size_t n = fzt_liveness(buf, sizeof(buf), &s->keys, id);
        FZ_CHECK(n > 0 && mt_on_dgram(&s->w.ike, buf, n, FZ_NOW_MS) == MT_E_OK);
        mt_tx_done(&s->w.ike);
    }
    fzt_take(s, FZT_ESTABLISHED2);
    mk_peer_free(s->w.peer);
    s->w.peer = NULL;
}

#endif
