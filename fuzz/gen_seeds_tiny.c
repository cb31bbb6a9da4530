/* SPDX-License-Identifier: MIT */
/*
 * gen_seeds_tiny: the seeds of the template core's targets (tiny_dgram, tiny_diff: layout in
 * fuzz_tiny.h; tiny_esp: layout in fuzz_tiny_esp.c), from the general core configured for the
 * tiny profile against the in-process responder, with the seeds of fuzz_common.h: the real
 * IKE_SA_INIT response and every scripted misbehaviour of it (COOKIE, INVALID_KE, NO_PROPOSAL_-
 * CHOSEN, a forged error first, an unoffered transform, an all-zero KE), the real IKE_AUTH
 * response's plaintext and its scripted variants (AUTHENTICATION_FAILED, TS_UNACCEPTABLE, wrong
 * AUTH, wrong IDr, an unknown critical payload, a malformed TSr), the peer's own requests in
 * ESTABLISHED (liveness, CREATE_CHILD_SA, an unknown critical payload, Delete), and ESP packets.
 * The general core sends what the tiny one sends octet for octet (fuzz_tiny_diff checks it), so
 * these are the tiny core's exchange too. Named gen-<origin>-<fnv64>: re-running is idempotent.
 * usage: fuzz_gen_seeds_tiny <corpus dir> (normally fuzz/corpus)
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz_deep.h"
#include "fuzz_tiny.h"

static const char *outdir;
static unsigned long n_written;

static void emit(const char *target, const char *origin, const uint8_t *pre, size_t npre,
                 const uint8_t *d, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    char path[1024];
    FILE *f;
    for (size_t i = 0; i < npre; i++)
        h = (h ^ pre[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 0x100000001b3ull;
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/gen-%s-%016llx", outdir, target, origin,
             (unsigned long long)h);
    f = fopen(path, "wb");
    if (f == NULL || (npre && fwrite(pre, 1, npre, f) != npre) || (n && fwrite(d, 1, n, f) != n)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    n_written++;
}

/* The configuration the exchange runs with (fzt_mk_config); 1 sets bit 5 of the state octet. */
static int variant;

/* Both datagram targets share the layout. */
static void emit2(const char *origin, const uint8_t *pre, size_t npre, const uint8_t *d, size_t n)
{
    static uint8_t p[8], c[16384];
    if (npre > sizeof p || n > sizeof c)
        exit(1);
    if (npre)
        memcpy(p, pre, npre);
    if (n)
        memcpy(c, d, n);
    if (variant != 0)
        *(npre ? p : c) |= 0x20;
    emit("tiny_dgram", origin, p, npre, c, n);
    emit("tiny_diff", origin, p, npre, c, n);
}

static fz_world w;
static uint8_t plain[MK_MAX_MSG];
/* the real exchange's records, for the sequence seeds */
static uint8_t auth_rec[MK_MAX_MSG + 2], req_rec[4][MK_MAX_MSG + 2];
static size_t auth_rec_len, req_rec_len[4];

static void start(const mk_peer_script *script)
{
    fzt_mk_config(&w.cfg, variant);
    fzt_peer_config(&w.pcfg, &w.cfg);
    if (script)
        w.pcfg.script = *script;
    fz_env_init(&w.env_i, &w.rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w.env_p, &w.rng_p, FZ_SEED_PEER);
    fz_set_addr(&w.from_i, 1, MK_PORT_IKE);
    memset(&w.ike, 0, sizeof(w.ike));
    if (mk_init(&w.ike, &w.cfg, &w.env_i) != MK_E_OK ||
        (w.peer = mk_peer_new(&w.pcfg, &w.env_p)) == NULL ||
        mk_start(&w.ike, FZ_NOW_MS) != MK_E_OK) {
        fprintf(stderr, "gen_seeds_tiny: the exchange does not start\n");
        exit(1);
    }
}

static void stop(void)
{
    mk_peer_free(w.peer);
    w.peer = NULL;
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A sequence input (fuzz_tiny.h): [0x80 | state] then records [len16][record]. */
static uint8_t seq[16384];
static size_t seq_len;

static void seq_start(uint8_t state)
{
    seq[0] = (uint8_t)(0x80 | state);
    seq_len = 1;
}

static void seq_rec(const uint8_t *pre, size_t npre, const uint8_t *d, size_t n)
{
    if (seq_len + 2 + npre + n > sizeof seq)
        exit(1);
    put16(seq + seq_len, npre + n);
    memcpy(seq + seq_len + 2, pre, npre);
    if (n)
        memcpy(seq + seq_len + 2 + npre, d, n);
    seq_len += 2 + npre + n;
}

static void seq_timers(int k)
{
    for (int i = 0; i < k; i++)
        seq_rec(NULL, 0, NULL, 0);
}

/* A sequence from INIT_SENT: every datagram the peer sends until our initiator leaves INIT_SENT
 * (a COOKIE and the answer to the retry, a forgery and the real answer), then k timer calls. */
static void seq_init(const char *origin, const mk_peer_script *script, int k)
{
    static const uint8_t ctl = 0;
    const uint8_t *out;
    uint16_t port;
    size_t n;
    start(script);
    seq_start(FZT_INIT_SENT);
    for (int round = 0; round < 4 && mk_state_get(&w.ike) == MK_ST_INIT_SENT; round++) {
        if ((n = mk_tx_peek(&w.ike, &out, &port)) != 0) {
            (void)mk_peer_on_dgram(w.peer, out, n, port, &w.from_i, FZ_NOW_MS);
            mk_tx_done(&w.ike);
        }
        while ((n = mk_peer_tx_peek(w.peer, &out, &port)) != 0) {
            static uint8_t c[MK_MAX_MSG];
            memcpy(c, out, n);
            seq_rec(&ctl, 1, c, n);
            mk_peer_tx_done(w.peer);
            (void)mk_on_dgram(&w.ike, c, n, port, FZ_NOW_MS);
        }
    }
    seq_timers(k);
    if (origin != NULL)
        emit2(origin, NULL, 0, seq, seq_len);
    stop();
}

/* INIT_SENT: every datagram the peer answers our IKE_SA_INIT request with. */
static void init_seeds(const char *origin, const mk_peer_script *script)
{
    const uint8_t *out;
    uint16_t port;
    size_t n;
    start(script);
    n = mk_tx_peek(&w.ike, &out, &port);
    (void)mk_peer_on_dgram(w.peer, out, n, port, &w.from_i, FZ_NOW_MS);
    while ((n = mk_peer_tx_peek(w.peer, &out, &port)) != 0) {
        static const uint8_t pre[2] = {FZT_INIT_SENT, 0};
        emit2(origin, pre, 2, out, n);
        if (script == NULL) { /* the real answer: also with an all-zero KE (RFC 8031 §3.2) */
            static mk_msg m;
            static uint8_t c[MK_MAX_MSG];
            memcpy(c, out, n);
            if (mk_msg_parse(&m, out, n) == MK_E_OK) {
                const mk_pl *ke = mk_chain_find(&m.chain, MK_PT_KE);
                if (ke != NULL && ke->len > 4) {
                    memset(c + (ke->body - out) + 4, 0, ke->len - 4u);
                    emit2("zero-ke", pre, 2, c, n);
                }
            }
            static const uint8_t pre3[2] = {FZT_INIT_SENT, 3}; /* patch Length and SPIi */
            emit2("patched", pre3, 2, out, n);
            /* HDR, N(INVALID_KE_PAYLOAD, group 19): a group the tiny profile lacks (the peer
             * cannot be scripted to it here, the proposal offers X25519 only) */
            static uint8_t ike[38] = {0};
            memcpy(ike, out, 8); /* SPIi; SPIr 0 */
            memset(ike + 8, 0, 8);
            ike[16] = MK_PT_NOTIFY;
            ike[17] = 0x20;
            ike[18] = MK_EX_IKE_SA_INIT;
            ike[19] = MK_HDR_F_RESPONSE;
            fz_put32(ike + 24, sizeof ike);
            ike[31] = 10; /* payload length */
            ike[34] = 0;  /* notify type 17 */
            ike[35] = MK_N_INVALID_KE_PAYLOAD;
            ike[37] = 19; /* ECP-256 */
            emit2("invalid-ke19", pre, 2, ike, sizeof ike);
        }
        mk_peer_tx_done(w.peer);
    }
    stop();
}

/* AUTH_SENT: the plaintext of the peer's IKE_AUTH answer. */
static void auth_seeds(const char *origin, const mk_peer_script *script)
{
    mk_ike_keys keys;
    mk_sk_keys rk;
    uint8_t first;
    start(script);
    if (!fz_world_run(&w, MK_ST_AUTH_SENT)) {
        fprintf(stderr, "gen_seeds_tiny: %s: AUTH_SENT not reached\n", origin);
        exit(1);
    }
    long pl = fzd_genuine_answer(&w, plain, sizeof plain, &first, &keys, &rk);
    if (pl < 0) {
        fprintf(stderr, "gen_seeds_tiny: %s: no IKE_AUTH answer\n", origin);
        exit(1);
    }
    uint8_t pre[3] = {FZT_AUTH_SENT, 0, first};
    emit2(origin, pre, 3, plain, (size_t)pl);
    if (script == NULL) {
        /* ctl bit 4: the last octet is the Pad Length: 0 (the genuine answer), 255 (beyond) */
        static uint8_t padded[MK_MAX_MSG + 1];
        uint8_t pre_pad[3] = {FZT_AUTH_SENT, 0x10, first};
        memcpy(padded, plain, (size_t)pl);
        for (int v = 0; v < 2; v++) {
            padded[pl] = v ? 255 : 0;
            emit2(v ? "pad-255" : "pad-0", pre_pad, 3, padded, (size_t)pl + 1);
        }
        auth_rec[0] = 0;
        auth_rec[1] = first;
        memcpy(auth_rec + 2, plain, (size_t)pl);
        auth_rec_len = 2 + (size_t)pl;
        /* unsealed (ctl bit 6): HDR, N(AUTHENTICATION_FAILED) with the right SPIs and Message
         * ID, a forgery RFC 7296 §2.21.2 says to ignore */
        static uint8_t m[36];
        static const uint8_t raw[2] = {FZT_AUTH_SENT, 0x40};
        memcpy(m, keys.spi_i, 8);
        memcpy(m + 8, keys.spi_r, 8);
        m[16] = MK_PT_NOTIFY;
        m[17] = 0x20;
        m[18] = MK_EX_IKE_AUTH;
        m[19] = MK_HDR_F_RESPONSE;
        fz_put32(m + 20, 1);
        fz_put32(m + 24, 36);
        m[31] = 8;
        m[35] = MK_N_AUTHENTICATION_FAILED;
        emit2("unprotected-auth-failed", raw, 2, m, 36);
    }
    stop();
}

/* ESTABLISHED: the peer's own requests, opened; message IDs 0, and 1 / 2 for the snapshot that
 * has answered 0 and 1 already. */
static void est_seeds(void)
{
    static const struct {
        const char *origin;
        mk_err (*send)(mk_peer *, uint64_t);
        uint8_t ctl;
    } reqs[] = {
        {"liveness", mk_peer_send_liveness, 0},
        {"create-child", mk_peer_send_create_child, 1},
        {"unknown-critical", mk_peer_send_unknown_critical, 0},
        {"delete", mk_peer_send_delete, 0},
    };
    static mk_msg m;
    static mk_chain in;
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        mk_ike_keys keys;
        mk_sk_keys rk;
        const uint8_t *out;
        uint16_t port;
        start(NULL);
        if (!fz_world_run(&w, MK_ST_ESTABLISHED) || !mk_peer_keys_export(w.peer, &keys)) {
            fprintf(stderr, "gen_seeds_tiny: ESTABLISHED not reached\n");
            exit(1);
        }
        fzt_rk(&keys, &rk);
        if (reqs[i].send(w.peer, FZ_NOW_MS) != MK_E_OK ||
            (port = 0, mk_peer_tx_peek(w.peer, &out, &port)) == 0) {
            fprintf(stderr, "gen_seeds_tiny: %s not sent\n", reqs[i].origin);
            exit(1);
        }
        size_t n = mk_peer_tx_peek(w.peer, &out, &port);
        if (mk_msg_parse(&m, out, n) != MK_E_OK || !m.has_sk ||
            mk_sk_open(&m, &rk, plain, sizeof plain, &in) != MK_E_OK) {
            fprintf(stderr, "gen_seeds_tiny: %s does not open\n", reqs[i].origin);
            exit(1);
        }
        size_t ct = m.sk_len - rk.encr->iv_len - rk.encr->icv_len;
        size_t pl = ct - 1 - plain[ct - 1];
        uint8_t pre[3] = {FZT_ESTABLISHED, reqs[i].ctl, m.sk_first};
        emit2(reqs[i].origin, pre, 3, plain, pl);
        memcpy(req_rec[i], pre + 1, 2);
        memcpy(req_rec[i] + 2, plain, pl);
        req_rec_len[i] = 2 + pl;
        pre[1] = (uint8_t)(reqs[i].ctl | 0x20 | (2 << 1)); /* the next ID after 0 and 1 */
        emit2(reqs[i].origin, pre, 3, plain, pl);
        if (i == 0) {
            pre[1] = 0x20 | (1 << 1); /* the last answered again: the cached answer */
            emit2("resent", pre, 3, plain, pl);
            pre[1] = 0x20; /* older than the last answered */
            emit2("old", pre, 3, plain, pl);
            pre[1] = 0x08; /* a response where a request is due */
            emit2("response", pre, 3, plain, pl);
            uint8_t raw[2] = {FZT_ESTABLISHED, 0x40};
            emit2("raw", raw, 2, out, n);
        }
        stop();
    }
}

/* Sequences: the whole exchange from INIT_SENT (the peer's requests with message IDs 0, 1,
 * 2, ..., the Delete last), retransmissions and timeouts in each state, retries. */
static void seq_seeds(void)
{
    seq_start(FZT_INIT_SENT);
    seq_timers(12); /* INIT_SENT: retransmissions, then TIMEOUT */
    emit2("seq-init-timeout", NULL, 0, seq, seq_len);
    seq_init("seq-cookie", &(mk_peer_script){.cookie = true}, 2);
    { /* the same COOKIE five times: the retry limit, then the remembered reason at the end */
        static const uint8_t ctl = 0;
        const uint8_t *out;
        uint16_t port;
        size_t n;
        start(&(mk_peer_script){.cookie = true});
        n = mk_tx_peek(&w.ike, &out, &port);
        (void)mk_peer_on_dgram(w.peer, out, n, port, &w.from_i, FZ_NOW_MS);
        n = mk_peer_tx_peek(w.peer, &out, &port);
        seq_start(FZT_INIT_SENT);
        for (int i = 0; i < 5; i++)
            seq_rec(&ctl, 1, out, n);
        seq_timers(10);
        emit2("seq-cookie-limit", NULL, 0, seq, seq_len);
        stop();
    }
    seq_init("seq-forged", &(mk_peer_script){.forged_error_first = true}, 2);
    seq_init("seq-no-proposal", &(mk_peer_script){.no_proposal = true}, 12);
    /* the real answers from INIT_SENT to CLOSED */
    seq_init(NULL, NULL, 0);
    seq_rec(NULL, 0, auth_rec, auth_rec_len);
    for (size_t i = 0; i < 4; i++) {
        uint8_t r[MK_MAX_MSG + 2];
        memcpy(r, req_rec[i], req_rec_len[i]);
        r[0] = (uint8_t)((r[0] & 1) | (uint8_t)(i << 1)); /* message IDs 0, 1, 2, 3 */
        seq_rec(NULL, 0, r, req_rec_len[i]);
        if (i == 1)
            seq_rec(NULL, 0, r, req_rec_len[i]); /* the same again: the cached answer */
    }
    emit2("seq-all", NULL, 0, seq, seq_len);
    /* AUTH_SENT: retransmissions of IKE_AUTH, then the answer; or the timeout */
    seq_start(FZT_AUTH_SENT);
    seq_timers(3);
    seq_rec(NULL, 0, auth_rec, auth_rec_len);
    emit2("seq-auth-retransmit", NULL, 0, seq, seq_len);
    seq_start(FZT_AUTH_SENT);
    seq_timers(12);
    emit2("seq-auth-timeout", NULL, 0, seq, seq_len);
}

/* tiny_esp: a few records per mode. */
static void esp_seeds(void)
{
    static uint8_t b[4096];
    static const uint8_t ip[28] = {0x45, 0, 0,  28, 0, 1, 0, 0,  64, 17, 0, 0, 10, 0,
                                   0,    1, 10, 0,  0, 2, 0, 53, 0,  53, 0, 8, 0,  0};
    for (uint8_t mode = 0; mode < 4; mode++) {
        for (uint8_t transport = 0; transport < 2; transport++) {
            size_t o = 0;
            b[o++] = (uint8_t)(mode | (transport << 2));
            for (int r = 0; r < 3; r++) {
                if (mode == 1) { /* seq, the packet, 2 octets of padding 1 2, pad length 2, nh 4 */
                    put16(b + o, 4 + sizeof ip + 4);
                    o += 2;
                    fz_put32(b + o, (uint32_t)(r == 2 ? 1 : r + 1)); /* the third replays */
                    o += 4;
                    memcpy(b + o, ip, sizeof ip);
                    o += sizeof ip;
                    b[o++] = 1;
                    b[o++] = 2;
                    b[o++] = 2;
                    b[o++] = 4;
                } else if (mode == 0) { /* SPI, seq and junk */
                    put16(b + o, 8 + 8 + 16 + 16);
                    o += 2;
                    fz_put32(b + o, 0xc0ffee01u);
                    fz_put32(b + o + 4, (uint32_t)(r + 1));
                    memset(b + o + 8, r, 40);
                    o += 48;
                } else {
                    put16(b + o, sizeof ip - (size_t)r);
                    o += 2;
                    memcpy(b + o, ip, sizeof ip - (size_t)r);
                    o += sizeof ip - (size_t)r;
                }
            }
            char origin[32];
            snprintf(origin, sizeof origin, "mode%u%s", mode, transport ? "-transport" : "");
            emit("tiny_esp", origin, NULL, 0, b, o);
        }
    }
}

int main(int argc, char **argv)
{
    mk_peer_script s;
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);

    init_seeds("init", NULL);
#define SCRIPT(origin, field, value)                                                               \
    do {                                                                                           \
        memset(&s, 0, sizeof s);                                                                   \
        s.field = value;                                                                           \
        init_seeds(origin, &s);                                                                    \
    } while (0)
    SCRIPT("cookie", cookie, true);
    SCRIPT("no-proposal", no_proposal, true);
    SCRIPT("forged-error", forged_error_first, true);
    SCRIPT("unoffered", choose_unoffered, true);
#undef SCRIPT
#define SCRIPT(origin, field, value)                                                               \
    do {                                                                                           \
        memset(&s, 0, sizeof s);                                                                   \
        s.field = value;                                                                           \
        auth_seeds(origin, &s);                                                                    \
    } while (0)
    auth_seeds("auth", NULL);
    SCRIPT("auth-failed", auth_failed, true);
    SCRIPT("ts-unacceptable", ts_unacceptable, true);
    SCRIPT("wrong-auth", wrong_auth, true);
    SCRIPT("wrong-idr", wrong_idr, 1);
    SCRIPT("critical", unknown_critical_in_auth, true);
    SCRIPT("malformed-ts", malformed_ts_in_auth, true);
#undef SCRIPT
    est_seeds();
    seq_seeds();
    esp_seeds();
    /* the second configuration: the real answers and the whole exchange */
    variant = 1;
    init_seeds("v1-init", NULL);
    auth_seeds("v1-auth", NULL);
    est_seeds();
    seq_init(NULL, NULL, 0);
    seq_rec(NULL, 0, auth_rec, auth_rec_len);
    seq_rec(NULL, 0, req_rec[0], req_rec_len[0]);
    emit2("v1-seq-all", NULL, 0, seq, seq_len);
    printf("gen_seeds_tiny: %lu files written under %s\n", n_written, outdir);
    return 0;
}
