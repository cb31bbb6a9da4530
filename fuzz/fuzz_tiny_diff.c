/* SPDX-License-Identifier: MIT */
/* Target: differential, mk_on_dgram (the general core, the reference) against mt_on_dgram (the
 * template core, ref/tiny) on the same datagram, in INIT_SENT, AUTH_SENT and ESTABLISHED */
/*
 * Both cores run the deterministic exchange of fuzz_tiny.h against the in-process responder with
 * the same seeds; the general one is configured for the tiny profile (one suite, ChaCha20-
 * Poly1305 + PRF-HMAC-SHA2-256 + X25519, PSK, no NAT-T). Setup checks that they send the same
 * requests octet for octet and that both peers derived the same keys; then each core is snapshot
 * in every state. Input: [state][ctl][...] as fuzz_tiny.h describes; the one datagram built from
 * it goes to both restored snapshots (each in its own exact-size heap copy, as the tiny core
 * decrypts in place). Each core's own invariants are checked (fz_check_after_dgram,
 * fzt_check_after_dgram), and then they must agree on:
 *   - the result class (OK / DROP / FATAL) and, for FATAL, the error (the tiny core's names map
 *     one to one, but MALFORMED_RESP, which also stands for UNSUPPORTED_CRITICAL_RESP);
 *   - the state, the datagram queued to send (octet for octet), the deadline;
 *   - RFC 7296 §2.21.1's remembered error (stats.unauth_reason) after an unprotected answer;
 *   - the child SA (SPIs, keys, mode) once ESTABLISHED.
 * Sequences (fuzz_tiny.h) go to both cores step by step, timer calls included, and are compared
 * after every step.
 * Where they legitimately cannot agree, the input is not compared:
 *   - datagrams over MT_MAX_MSG = 1280 octets: the tiny core takes what RFC 7296 §2 makes a MUST
 *     (1280) and drops the rest; the general core takes up to 3000 (the SHOULD);
 *   - DROP reasons: the tiny core has fewer names (MALFORMED covers TRUNCATED, BAD_LENGTH,
 *     BAD_SYNTAX, ...), so only the class is compared;
 *   - chains of more than 16 payloads when the general core is built with a higher limit
 *     (MK_MAX_PAYLOADS: 16 in the minimal profile, as the tiny core, 24 in the full one).
 */
#include "fuzz_tiny.h"

/* The general core in the same states. */
typedef struct fzt_gen {
    fz_world w;
    mk_ike snap[FZT_N_SNAPS];
    uint64_t rng[FZT_N_SNAPS];
    mk_ike_keys keys;
} fzt_gen;

/* one pair of snapshot sets per configuration (fuzz_tiny.h); tp, gp: the input's */
static fzt_snaps tiny_snaps[FZT_N_CFG], *tp = &tiny_snaps[0];
static fzt_gen gen_snaps[FZT_N_CFG], *gp = &gen_snaps[0];

static void gen_start(fz_world *w, int variant)
{
    fzt_mk_config(&w->cfg, variant);
    fzt_peer_config(&w->pcfg, &w->cfg);
    fz_env_init(&w->env_i, &w->rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w->env_p, &w->rng_p, FZ_SEED_PEER);
    fz_set_addr(&w->from_i, 1, MK_PORT_IKE);
    memset(&w->ike, 0, sizeof(w->ike));
    FZ_CHECK(mk_init(&w->ike, &w->cfg, &w->env_i) == MK_E_OK);
    FZ_CHECK((w->peer = mk_peer_new(&w->pcfg, &w->env_p)) != NULL);
    FZ_CHECK(mk_start(&w->ike, FZ_NOW_MS) == MK_E_OK);
}

static void gen_take(int which)
{
    gp->snap[which] = gp->w.ike;
    mk_tx_done(&gp->snap[which]);
    gp->rng[which] = gp->w.rng_i.s;
}

/* The datagram each core has queued now: the same octets. */
static void same_tx(const mk_ike *a, const mt_ike *b)
{
    const uint8_t *oa, *ob;
    uint16_t port;
    size_t na = mk_tx_peek(a, &oa, &port);
    size_t nb = mt_tx(b, &ob);
    FZ_CHECK(na == nb);
    FZ_CHECK(na == 0 || (port == MK_PORT_IKE && memcmp(oa, ob, na) == 0));
}

/* The general core's requests during setup, for the comparison with the tiny core's. */
static size_t gen_sent;
static void gen_record(void *ctx, int from_initiator, const uint8_t *d, size_t n, uint16_t port)
{
    (void)ctx;
    if (!from_initiator)
        return;
    FZ_CHECK(port == MK_PORT_IKE && gen_sent < tp->w.n_sent);
    FZ_CHECK(n == tp->w.sent_len[gen_sent] && memcmp(d, tp->w.sent[gen_sent], n) == 0);
    gen_sent++;
}

static void setup(int variant)
{
    static uint8_t buf[MK_MAX_MSG];
    fzt_snaps_setup(tp, variant);
    gen_start(&gp->w, variant);
    gp->w.record = gen_record;
    gen_take(FZT_INIT_SENT);
    FZ_CHECK(fz_world_run(&gp->w, MK_ST_AUTH_SENT));
    FZ_CHECK(mk_peer_keys_export(gp->w.peer, &gp->keys));
    FZ_CHECK(memcmp(&gp->keys, &tp->keys, sizeof(gp->keys)) == 0);
    gen_take(FZT_AUTH_SENT);
    FZ_CHECK(fz_world_run(&gp->w, MK_ST_ESTABLISHED));
    gen_take(FZT_ESTABLISHED);
    FZ_CHECK(gen_sent == tp->w.n_sent); /* IKE_SA_INIT and IKE_AUTH, the same octets */
    for (uint32_t id = 0; id < 2; id++) {
        size_t n = fzt_liveness(buf, sizeof(buf), &gp->keys, id);
        FZ_CHECK(n > 0 && mk_on_dgram(&gp->w.ike, buf, n, MK_PORT_IKE, FZ_NOW_MS) == MK_E_OK);
        mk_tx_done(&gp->w.ike);
    }
    gen_take(FZT_ESTABLISHED2);
    mk_peer_free(gp->w.peer);
    gp->w.peer = NULL;
    for (int i = 0; i < FZT_N_SNAPS; i++) {
        FZ_CHECK((int)mk_state_get(&gp->snap[i]) == (int)mt_state_get(&tp->snap[i]));
        FZ_CHECK(mk_deadline(&gp->snap[i]) == mt_deadline(&tp->snap[i]));
    }
}

/* The general core's name for a tiny FATAL error (the second for MALFORMED_RESP). */
static int same_fatal(mk_err a, mt_err b)
{
    switch (b) {
    case MT_E_NO_PROPOSAL_CHOSEN:
        return a == MK_E_NO_PROPOSAL_CHOSEN;
    case MT_E_BAD_PROPOSAL:
        return a == MK_E_BAD_PROPOSAL;
    case MT_E_INVALID_KE:
        return a == MK_E_INVALID_KE;
    case MT_E_DH_ZERO:
        return a == MK_E_DH_ZERO;
    case MT_E_TOO_MANY_RETRIES:
        return a == MK_E_TOO_MANY_RETRIES;
    case MT_E_AUTH_FAILED:
        return a == MK_E_AUTH_FAILED;
    case MT_E_PEER_AUTH_FAILED:
        return a == MK_E_PEER_AUTH_FAILED;
    case MT_E_ID_MISMATCH:
        return a == MK_E_ID_MISMATCH;
    case MT_E_TS_UNACCEPTABLE:
        return a == MK_E_TS_UNACCEPTABLE;
    case MT_E_NO_CHILD_SA:
        return a == MK_E_NO_CHILD_SA;
    case MT_E_PEER_ERROR:
        return a == MK_E_PEER_ERROR;
    case MT_E_MALFORMED_RESP:
        return a == MK_E_MALFORMED_RESP || a == MK_E_UNSUPPORTED_CRITICAL_RESP;
    case MT_E_PEER_DELETED:
        return a == MK_E_PEER_DELETED;
    case MT_E_TIMEOUT:
        return a == MK_E_TIMEOUT;
    case MT_E_CRYPTO:
        return a == MK_E_CRYPTO;
    default:
        return a == MK_E_OK && b == MT_E_OK;
    }
}

/* The states in the general core's numbering (it has DELETE_SENT, which the tiny one lacks). */
static int state_of(mt_state s)
{
    switch (s) {
    case MT_ST_CLOSED:
        return MK_ST_CLOSED;
    case MT_ST_FAILED:
        return MK_ST_FAILED;
    default:
        return (int)s; /* IDLE .. ESTABLISHED: the same order */
    }
}

static void same_child(const mk_ike *a, const mt_ike *b)
{
    mk_esp_sa ca;
    mt_esp_sa cb;
    bool ha = mk_child(a, &ca), hb = mt_child(b, &cb);
    FZ_CHECK(ha == hb);
    if (!ha)
        return;
    FZ_CHECK(ca.spi_in == cb.spi_in && ca.spi_out == cb.spi_out && ca.tunnel == cb.tunnel);
    FZ_CHECK(ca.encr == MK_ENCR_CHACHA20_POLY1305 && ca.ek_len == sizeof(cb.k_in));
    FZ_CHECK(memcmp(ca.ek_in, cb.k_in, sizeof(cb.k_in)) == 0);
    FZ_CHECK(memcmp(ca.ek_out, cb.k_out, sizeof(cb.k_out)) == 0);
    mk_esp_wipe(&ca);
    mt_esp_wipe(&cb);
}

/* How many payloads a chain holds (generic headers followed until one does not fit). */
static size_t chain_count(uint8_t next, const uint8_t *p, size_t n)
{
    size_t k = 0, off = 0;
    while (next != 0 && n - off >= 4) {
        size_t l = ((size_t)p[off + 2] << 8) | p[off + 3];
        if (l < 4 || l > n - off)
            break;
        next = p[off];
        off += l;
        k++;
    }
    return k;
}

/* The payload limits differ (header comment): more than 16 in the datagram or in its plaintext */
static int over_tiny_limit(int which, const uint8_t *in, size_t in_n, const uint8_t *d, size_t n)
{
    if (MK_MAX_PAYLOADS <= 16)
        return 0;
    if (n >= MK_HDR_LEN && chain_count(d[16], d + MK_HDR_LEN, n - MK_HDR_LEN) > 16)
        return 1;
    if (which == FZT_INIT_SENT || in_n < 2 || (in[0] & 0x40))
        return 0;
    return chain_count(in[1], in + 2, in_n - 2) > 16;
}

/* Everything the two cores must agree on after one step (ea, eb: what the step returned). */
static void same_after(mk_err ea, mt_err eb)
{
    const mk_ike *a = &gp->w.ike;
    const mt_ike *b = &tp->w.ike;
    FZ_CHECK((int)mk_err_class(ea) == (int)mt_err_class(eb));
    if (mk_err_class(ea) == MK_CLASS_FATAL)
        FZ_CHECK(same_fatal(ea, eb));
    FZ_CHECK((int)mk_state_get(a) == state_of(mt_state_get(b)));
    FZ_CHECK(same_fatal(mk_last_error(a), mt_last_error(b)));
    FZ_CHECK(same_fatal(a->stats.unauth_reason, b->stats.unauth_reason));
    same_tx(a, b);
    FZ_CHECK(mk_deadline(a) == mt_deadline(b));
    same_child(a, b);
}

/* A sequence (fuzz_tiny.h): the same records to both cores, compared after every step. */
static void run_seq(int which, const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    static mk_ike before;
    const uint8_t *rec;
    size_t rl;
    uint64_t now = FZ_NOW_MS + 10;
    memcpy(&gp->w.ike, &gp->snap[which], sizeof(mk_ike));
    gp->w.rng_i.s = gp->rng[which];
    memcpy(&tp->w.ike, &tp->snap[which], sizeof(mt_ike));
    tp->w.rng_i.s = tp->rng[which];
    for (int r = 0; r < FZT_MAX_RECS && fzt_next_rec(&data, &size, &rec, &rl); r++) {
        mk_err ea;
        mt_err eb;
        if (rl == 0) {
            uint64_t dl = mk_deadline(&gp->w.ike);
            if (dl != UINT64_MAX)
                now = dl;
            ea = mk_on_timer(&gp->w.ike, now);
            eb = mt_on_timer(&tp->w.ike, now);
        } else {
            size_t n;
            int kind = fzt_kind((int)mk_state_get(&gp->w.ike));
            if (!fzt_build(buf, sizeof(buf), &n, kind, gp->snap[FZT_INIT_SENT].spi_i, &gp->keys,
                           rec, rl) ||
                n > MT_MAX_MSG || over_tiny_limit(kind, rec, rl, buf, n))
                return; /* not comparable: the rest of the sequence neither */
            uint8_t *d = (uint8_t *)malloc(n + 1);
            FZ_CHECK(d != NULL);
            if (n)
                memcpy(d, buf, n);
            before = gp->w.ike;
            ea = mk_on_dgram(&gp->w.ike, d, n, MK_PORT_IKE, now);
            fz_check_after_dgram(&before, &gp->w.ike, ea);
            if (n)
                memcpy(d, buf, n);
            static mt_ike tbefore;
            tbefore = tp->w.ike;
            eb = mt_on_dgram(&tp->w.ike, d, n, now);
            fzt_check_after_dgram(&tbefore, &tp->w.ike, eb);
            free(d);
        }
#ifdef FZT_DEBUG
        fprintf(stderr, "step %d: general %s %s, tiny %d %d\n", r, mk_err_name(ea),
                mk_state_name(mk_state_get(&gp->w.ike)), (int)eb, (int)mt_state_get(&tp->w.ike));
#endif
        same_after(ea, eb);
        mk_tx_done(&gp->w.ike);
        mt_tx_done(&tp->w.ike);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MK_MAX_MSG + 512];
    static int ready;
    if (!ready) {
        for (int v = 0; v < FZT_N_CFG; v++) {
            tp = &tiny_snaps[v];
            gp = &gen_snaps[v];
            gen_sent = 0;
            setup(v);
        }
        ready = 1;
    }
    int which = fzt_which(data, size);
    tp = &tiny_snaps[fzt_variant(data, size)];
    gp = &gen_snaps[fzt_variant(data, size)];
    if (size > 0 && (data[0] & 0x80)) {
        run_seq(which, data + 1, size - 1);
        return 0;
    }
    (void)fz_take8(&data, &size);
    size_t n;
    if (!fzt_build(buf, sizeof(buf), &n, which, gp->snap[FZT_INIT_SENT].spi_i, &gp->keys, data,
                   size))
        return 0;
    if (n > MT_MAX_MSG || over_tiny_limit(which, data, size, buf, n))
        return 0; /* the tiny core's limits (header comment) */

    /* the general core, on its own copy */
    uint8_t *d = (uint8_t *)malloc(n + 1);
    FZ_CHECK(d != NULL);
    if (n)
        memcpy(d, buf, n);
    memcpy(&gp->w.ike, &gp->snap[which], sizeof(mk_ike));
    gp->w.rng_i.s = gp->rng[which];
    mk_err ea = mk_on_dgram(&gp->w.ike, d, n, MK_PORT_IKE, FZ_NOW_MS + 10);
    fz_check_after_dgram(&gp->snap[which], &gp->w.ike, ea);
    free(d);

    /* the tiny core */
    mt_err eb = fzt_feed(tp, which, buf, n);

#ifdef FZT_DEBUG /* -DFZT_DEBUG: what each core said, before the comparison */
    fprintf(stderr, "state %d: general %s %s, tiny %d %d (unauth %s / %d)\n", which,
            mk_err_name(ea), mk_state_name(mk_state_get(&gp->w.ike)), (int)eb,
            (int)mt_state_get(&tp->w.ike), mk_err_name(gp->w.ike.stats.unauth_reason),
            (int)tp->w.ike.stats.unauth_reason);
#endif
    same_after(ea, eb);
    return 0;
}
