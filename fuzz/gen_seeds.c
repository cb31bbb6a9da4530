/* SPDX-License-Identifier: MIT */
/*
 * gen_seeds: write the seed corpora of every fuzz target from our own material only: the
 * datagrams of the deterministic exchange of fuzz_ike.h (initiator vs in-process responder),
 * once per scripted misbehaviour of the responder (COOKIE, INVALID_KE, NO_PROPOSAL_CHOSEN,
 * forged error, AUTHENTICATION_FAILED, TS_UNACCEPTABLE, wrong AUTH / IDr, unknown critical
 * payload, unoffered transform), the peer-initiated requests after ESTABLISHED, the SK
 * plaintexts of all of them (opened with the exported keys), every payload body found, and
 * hand-built bodies from our encoders. Seeds are named <origin>-<fnv64 of the bytes>, so
 * re-running is idempotent. Wireshark-derived seeds are made by gen_seeds.py, at build time
 * and into the build directory only.
 *   usage: fuzz_gen_seeds <corpus dir>      (normally fuzz/corpus)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_ike.h"
#include "msg_cert.h"

static const char *outdir;
static unsigned long n_written;

static void emit(const char *target, const char *origin, const uint8_t *pre, size_t npre,
                 const uint8_t *d, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < npre; i++)
        h = (h ^ pre[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 0x100000001b3ull;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s-%016llx", outdir, target, origin,
             (unsigned long long)h);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    if ((npre && fwrite(pre, 1, npre, f) != npre) || (n && fwrite(d, 1, n, f) != n)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    n_written++;
}

static const char *pl_target(uint8_t type)
{
    switch (type) {
    case MK_PT_SA:
        return "pl_sa";
    case MK_PT_KE:
    case MK_PT_NONCE:
        return "pl_ke";
    case MK_PT_IDI:
    case MK_PT_IDR:
        return "pl_id";
    case MK_PT_CERT:
    case MK_PT_CERTREQ:
        return "pl_cert";
    case MK_PT_AUTH:
        return "pl_auth";
    case MK_PT_NOTIFY:
        return "pl_notify";
    case MK_PT_DELETE:
        return "pl_delete";
    case MK_PT_TSI:
    case MK_PT_TSR:
        return "pl_ts";
    default:
        return NULL;
    }
}

static void emit_chain_bodies(const mk_chain *c, const char *origin)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *t = pl_target(c->pl[i].type);
        if (t)
            emit(t, origin, NULL, 0, c->pl[i].body, c->pl[i].len);
    }
}

/* ---- one scripted exchange ------------------------------------------------------------------ */

typedef struct rec {
    int from_i;
    uint16_t port;
    size_t n;
    uint8_t d[MK_MAX_MSG + MK_NATT_MARKER];
} rec;
static rec recs[64];
static size_t n_recs;

static void record(void *ctx, int from_initiator, const uint8_t *d, size_t n, uint16_t port)
{
    (void)ctx;
    if (n_recs < sizeof recs / sizeof recs[0] && n <= sizeof recs[0].d) {
        recs[n_recs].from_i = from_initiator;
        recs[n_recs].port = port;
        recs[n_recs].n = n;
        memcpy(recs[n_recs].d, d, n);
        n_recs++;
    }
}

/* Open the SK payload of `m` and return the inner plaintext length (0 on failure). */
static size_t open_inner(const mk_msg *m, const mk_sk_keys *k, uint8_t *plain, mk_chain *in)
{
    if (mk_sk_open(m, k, plain, MK_MAX_MSG, in) != MK_E_OK)
        return 0;
    size_t icv = k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
    size_t ct = m->sk_len - k->encr->iv_len - icv;
    return ct - 1 - plain[ct - 1];
}

static void harvest(const char *origin, const mk_ike_keys *keys, int have_keys,
                    const mk_config *cfg)
{
    static uint8_t plain[MK_MAX_MSG];
    static mk_msg m;
    static mk_chain in;
    mk_sk_keys ki, kr;
    int ok_i = have_keys && fz_sk_keys(cfg, keys, 0, &ki);
    int ok_r = have_keys && fz_sk_keys(cfg, keys, 1, &kr);

    for (size_t i = 0; i < n_recs; i++) {
        const rec *r = &recs[i];
        const uint8_t *d = r->d;
        size_t n = r->n;
        if (r->port == MK_PORT_NATT) {
            d += MK_NATT_MARKER;
            n -= MK_NATT_MARKER;
        }
        emit("msg_parse", origin, NULL, 0, d, n);
        if (mk_msg_parse(&m, d, n) != MK_E_OK)
            continue;
        emit_chain_bodies(&m.chain, origin);
        bool resp = (m.hdr.flags & MK_HDR_F_RESPONSE) != 0;
        if (m.hdr.exchange == MK_EX_IKE_SA_INIT) {
            static const uint8_t c0 = 0;
            if (r->from_i)
                emit("peer_dgram", origin, &c0, 1, d, n);
            else
                emit("init_resp", origin, &c0, 1, d, n);
            continue;
        }
        if (!m.has_sk || !(r->from_i ? ok_i : ok_r))
            continue;
        size_t pl = open_inner(&m, r->from_i ? &ki : &kr, plain, &in);
        if (pl == 0 && in.n == 0)
            continue;
        emit_chain_bodies(&in, origin);
        for (uint8_t s = 0; s < 4; s++) {
            uint8_t pre[2] = {s, m.sk_first};
            emit("sk_inner", origin, pre, 2, plain, pl);
        }
        if (r->from_i && m.hdr.exchange == MK_EX_IKE_AUTH && !resp) {
            uint8_t pre[2] = {1, m.sk_first};
            emit("peer_dgram", origin, pre, 2, plain, pl);
        } else if (!r->from_i && m.hdr.exchange == MK_EX_IKE_AUTH && resp) {
            uint8_t pre[2] = {0, m.sk_first};
            emit("auth_resp", origin, pre, 2, plain, pl);
        } else if (!r->from_i && !resp) {
            uint8_t ctl = (uint8_t)((m.hdr.exchange == MK_EX_CREATE_CHILD_SA ? 1 : 0) |
                                    ((m.hdr.msgid & 3) << 1));
            uint8_t pre[2] = {ctl, m.sk_first};
            emit("established", origin, pre, 2, plain, pl);
        }
    }
}

static void scenario(const char *origin, const mk_peer_script *script, int after)
{
    static fz_world w;
    mk_ike_keys keys;
    int have_keys = 0;

    memset(&w, 0, sizeof w);
    n_recs = 0;
    w.record = record;
    fz_config(&w.cfg);
    fz_peer_config(&w.pcfg, &w.cfg);
    if (script)
        w.pcfg.script = *script;
    fz_env_init(&w.env_i, &w.rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w.env_p, &w.rng_p, FZ_SEED_PEER);
    fz_set_addr(&w.from_i, 1, MK_PORT_IKE);
    if (mk_init(&w.ike, &w.cfg, &w.env_i) != MK_E_OK || mk_start(&w.ike, FZ_NOW_MS) != MK_E_OK ||
        (w.peer = mk_peer_new(&w.pcfg, &w.env_p)) == NULL) {
        fprintf(stderr, "gen_seeds: %s: cannot start\n", origin);
        exit(1);
    }
    if (fz_world_run(&w, MK_ST_AUTH_SENT))
        have_keys = mk_keys_export(&w.ike, &keys);
    fz_world_run(&w, MK_ST_ESTABLISHED);
    if (mk_state_get(&w.ike) == MK_ST_ESTABLISHED) {
        switch (after) {
        case 1:
            (void)mk_peer_send_liveness(w.peer, FZ_NOW_MS);
            fz_world_run(&w, MK_ST_IDLE);
            (void)mk_peer_send_create_child(w.peer, FZ_NOW_MS);
            fz_world_run(&w, MK_ST_IDLE);
            (void)mk_peer_send_unknown_critical(w.peer, FZ_NOW_MS);
            fz_world_run(&w, MK_ST_IDLE);
            (void)mk_peer_send_delete(w.peer, FZ_NOW_MS);
            fz_world_run(&w, MK_ST_IDLE);
            break;
#if MK_DELETE
        case 2:
            (void)mk_delete(&w.ike, FZ_NOW_MS);
            fz_world_run(&w, MK_ST_IDLE);
            break;
#endif
        default:
            break;
        }
    }
    printf("gen_seeds: %-22s %zu datagrams, initiator %s\n", origin, n_recs,
           mk_state_name(mk_state_get(&w.ike)));
    harvest(origin, &keys, have_keys, &w.cfg);
    mk_peer_free(w.peer);
}

/* ---- hand-built bodies and messages from our encoders ------------------------------------- */

static void body(const char *target, const char *origin, void (*fn)(mk_wr *w))
{
    static uint8_t b[MK_MAX_MSG];
    mk_wr w = mk_wr_init(b, sizeof b);
    fn(&w);
    if (w.err == MK_E_OK)
        emit(target, origin, NULL, 0, b, w.off);
}

static void sa_multi(mk_wr *w)
{
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 3;
    const mk_transform ike1[] = {{MK_TT_ENCR, MK_ENCR_AES_GCM_16, 256},
                                 {MK_TT_ENCR, MK_ENCR_AES_GCM_16, 128},
                                 {MK_TT_PRF, MK_PRF_HMAC_SHA2_256, 0},
                                 {MK_TT_DH, MK_DH_X25519, 0},
                                 {MK_TT_DH, MK_DH_ECP256, 0}};
    const mk_transform ike2[] = {{MK_TT_ENCR, MK_ENCR_AES_CBC, 256},
                                 {MK_TT_PRF, MK_PRF_HMAC_SHA2_512, 0},
                                 {MK_TT_INTEG, MK_INTEG_HMAC_SHA2_512_256, 0},
                                 {MK_TT_DH, MK_DH_MODP2048, 0}};
    const mk_transform ike3[] = {{MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0},
                                 {MK_TT_PRF, MK_PRF_HMAC_SHA2_256, 0},
                                 {MK_TT_DH, MK_DH_X25519, 0}};
    const mk_transform *ts[] = {ike1, ike2, ike3};
    const uint8_t nt[] = {5, 4, 3};
    for (uint8_t i = 0; i < 3; i++) {
        sa.p[i].num = (uint8_t)(i + 1);
        sa.p[i].proto = MK_PROTO_IKE;
        sa.p[i].n_t = nt[i];
        memcpy(sa.p[i].t, ts[i], nt[i] * sizeof(mk_transform));
    }
    mk_pl_encode_sa(w, &sa);
}

static void sa_esp(mk_wr *w)
{
    mk_sa sa;
    memset(&sa, 0, sizeof sa);
    sa.n = 2;
    const mk_transform t1[] = {{MK_TT_ENCR, MK_ENCR_CHACHA20_POLY1305, 0},
                               {MK_TT_ESN, MK_ESN_NONE, 0}};
    const mk_transform t2[] = {{MK_TT_ENCR, MK_ENCR_AES_CBC, 128},
                               {MK_TT_INTEG, MK_INTEG_HMAC_SHA2_256_128, 0},
                               {MK_TT_ESN, MK_ESN_NONE, 0}};
    for (uint8_t i = 0; i < 2; i++) {
        sa.p[i].num = (uint8_t)(i + 1);
        sa.p[i].proto = MK_PROTO_ESP;
        sa.p[i].spi_len = 4;
        fz_fill(sa.p[i].spi, 4, (uint8_t)(0xa0 + i));
    }
    sa.p[0].n_t = 2;
    memcpy(sa.p[0].t, t1, sizeof t1);
    sa.p[1].n_t = 3;
    memcpy(sa.p[1].t, t2, sizeof t2);
    mk_pl_encode_sa(w, &sa);
}

static void ts_v4v6(mk_wr *w)
{
    mk_ts ts[2];
    memset(ts, 0, sizeof ts);
    fz_set_ts(&ts[0], 7);
    ts[0].proto = 17;
    ts[0].start_port = ts[0].end_port = 500;
    ts[1].type = MK_TS_IPV6_RANGE;
    ts[1].end_port = 65535;
    memset(ts[1].end, 0xff, 16);
    mk_pl_encode_ts(w, ts, 2);
}

static void n_cookie(mk_wr *w)
{
    uint8_t c[16];
    fz_fill(c, sizeof c, 0x40);
    mk_pl_encode_notify(w, 0, NULL, 0, MK_N_COOKIE, c, sizeof c);
}
static void n_esp_spi(mk_wr *w)
{
    const uint8_t spi[4] = {1, 2, 3, 4}, grp[2] = {0, MK_DH_X25519};
    mk_pl_encode_notify(w, MK_PROTO_ESP, spi, 4, MK_N_INVALID_KE_PAYLOAD, grp, 2);
}
static void n_sha(mk_wr *w)
{
    const uint8_t algs[] = {0, 2, 0, 3, 0, 4, 0, 5};
    mk_pl_encode_notify(w, 0, NULL, 0, MK_N_SIGNATURE_HASH_ALGORITHMS, algs, sizeof algs);
}
static void d_esp(mk_wr *w)
{
    const uint8_t spis[8] = {0xc0, 0xff, 0xee, 1, 0xc0, 0xff, 0xee, 2};
    mk_pl_encode_delete(w, MK_PROTO_ESP, 4, spis, 2);
}
static void d_ike(mk_wr *w) { mk_pl_encode_delete(w, MK_PROTO_IKE, 0, NULL, 0); }
static void id_v4(mk_wr *w)
{
    const uint8_t a[4] = {192, 0, 2, 1};
    mk_pl_encode_id(w, MK_ID_IPV4_ADDR, a, 4);
}
static void id_v6(mk_wr *w)
{
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
    a[15] = 1;
    mk_pl_encode_id(w, MK_ID_IPV6_ADDR, a, 16);
}
static void id_keyid(mk_wr *w) { mk_pl_encode_id(w, MK_ID_KEY_ID, (const uint8_t *)"dev-0001", 8); }
static void ke_ecp(mk_wr *w)
{
    uint8_t k[64];
    fz_fill(k, sizeof k, 1);
    mk_pl_encode_ke(w, MK_DH_ECP256, k, sizeof k);
}
static void ke_modp(mk_wr *w)
{
    uint8_t k[256];
    fz_fill(k, sizeof k, 7);
    mk_pl_encode_ke(w, MK_DH_MODP2048, k, sizeof k);
}
static void auth_sig(mk_wr *w)
{
    uint8_t a[1 + 11 + 64] = {11, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
    fz_fill(a + 12, 64, 0x33);
    mk_pl_encode_auth(w, MK_AUTH_DIGSIG, a, sizeof a);
}
static void cert_rpk(mk_wr *w)
{
    uint8_t k[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    fz_fill(k + 12, 32, 0x55);
    mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, k, sizeof k);
}

/* A whole message from the encoders: header, then the payloads `types` with small bodies. */
static void message(const char *origin, uint8_t exchange, uint8_t flags, const uint8_t *types,
                    const bool *crit, size_t n)
{
    static uint8_t b[MK_MAX_MSG];
    mk_wr w = mk_wr_init(b, sizeof b);
    mk_hdr h;
    memset(&h, 0, sizeof h);
    fz_fill(h.spi_i, 8, 0x11);
    h.version = 0x20;
    h.exchange = exchange;
    h.flags = flags;
    mk_hdr_encode(&w, &h);
    size_t slot = 16;
    for (size_t i = 0; i < n; i++) {
        size_t at = mk_pl_begin(&w, &slot, types[i], crit ? crit[i] : false);
        switch (types[i]) {
        case MK_PT_SA:
            sa_multi(&w);
            break;
        case MK_PT_NOTIFY:
            n_cookie(&w);
            break;
        case MK_PT_TSI:
        case MK_PT_TSR:
            ts_v4v6(&w);
            break;
        case MK_PT_DELETE:
            d_esp(&w);
            break;
        default:
            mk_wr_bytes(&w, (const uint8_t *)"0123456789abcdef0123", 20);
            break;
        }
        mk_pl_end(&w, at);
    }
    if (w.err != MK_E_OK)
        return;
    fz_put32(b + 24, (uint32_t)w.off);
    emit("msg_parse", origin, NULL, 0, b, w.off);
    static const uint8_t c1 = 3; /* init_resp: patch Length and SPIi */
    emit("init_resp", origin, &c1, 1, b, w.off);
}

/* ESP: payloads to seal (mode 2) and plaintexts with valid trailers (mode 1). */
static void esp_seeds(void)
{
    uint8_t s[256];
    for (uint8_t suite = 0; suite < 3; suite++) {
        size_t o = 0;
        s[o++] = (uint8_t)(suite | (2 << 2)); /* mode 2: seal then open */
        for (uint8_t r = 0; r < 3; r++) {
            s[o++] = 0;
            s[o++] = 24;
            fz_fill(s + o, 24, (uint8_t)(0x45 + r));
            o += 24;
        }
        emit("esp_open", "gen-seal", NULL, 0, s, o);

        o = 0;
        s[o++] = (uint8_t)(suite | (1 << 2)); /* mode 1: crafted plaintext */
        const uint32_t seqs[] = {1, 3, 2, 3, 70};
        for (size_t r = 0; r < 5; r++) {
            s[o++] = 0;
            s[o++] = 4 + 32;
            fz_put32(s + o, seqs[r]);
            o += 4;
            fz_fill(s + o, 28, 0x45);  /* inner packet */
            s[o + 28] = 1;             /* padding 1, 2 */
            s[o + 29] = 2;
            s[o + 30] = 2;             /* pad length */
            s[o + 31] = 4;             /* next header: IPv4 */
            o += 32;
        }
        emit("esp_open", "gen-crafted", NULL, 0, s, o);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);

    mk_peer_script s;
    scenario("gen-ok", NULL, 1);
    scenario("gen-delete", NULL, 2);
#define SCRIPT(name, field, value)                                                                 \
    memset(&s, 0, sizeof s);                                                                       \
    s.field = value;                                                                               \
    scenario(name, &s, 0);
    SCRIPT("gen-cookie", cookie, true);
    SCRIPT("gen-invalid-ke", want_dh, MK_DH_ECP256);
    SCRIPT("gen-no-proposal", no_proposal, true);
    SCRIPT("gen-forged-error", forged_error_first, true);
    SCRIPT("gen-auth-failed", auth_failed, true);
    SCRIPT("gen-wrong-auth", wrong_auth, true);
    SCRIPT("gen-ts-unacceptable", ts_unacceptable, true);
    SCRIPT("gen-unknown-critical", unknown_critical_in_auth, true);
    SCRIPT("gen-unoffered", choose_unoffered, true);
    SCRIPT("gen-wrong-idr", wrong_idr, MK_ID_IPV4_ADDR);
#undef SCRIPT

    body("pl_sa", "enc-ike3", sa_multi);
    body("pl_sa", "enc-esp2", sa_esp);
    body("pl_ts", "enc-v4v6", ts_v4v6);
    body("pl_notify", "enc-cookie", n_cookie);
    body("pl_notify", "enc-spi", n_esp_spi);
    body("pl_notify", "enc-sha", n_sha);
    body("pl_delete", "enc-esp", d_esp);
    body("pl_delete", "enc-ike", d_ike);
    body("pl_id", "enc-v4", id_v4);
    body("pl_id", "enc-v6", id_v6);
    body("pl_id", "enc-keyid", id_keyid);
    body("pl_ke", "enc-ecp", ke_ecp);
    body("pl_ke", "enc-modp", ke_modp);
    body("pl_auth", "enc-sig", auth_sig);
    body("pl_cert", "enc-rpk", cert_rpk);

    const uint8_t all[] = {MK_PT_SA, MK_PT_KE, MK_PT_NONCE, MK_PT_NOTIFY, MK_PT_VENDOR,
                           MK_PT_TSI, MK_PT_TSR, MK_PT_DELETE, MK_PT_CP, MK_PT_EAP};
    message("enc-all", MK_EX_IKE_SA_INIT, MK_HDR_F_RESPONSE, all, NULL, sizeof all);
    const uint8_t unk[] = {MK_PT_SA, 200, 201};
    const bool unk_crit[] = {false, false, true};
    message("enc-unknown", MK_EX_IKE_SA_INIT, MK_HDR_F_RESPONSE, unk, unk_crit, 3);
    const uint8_t sk_mid[] = {MK_PT_NOTIFY, MK_PT_SK, MK_PT_NOTIFY};
    message("enc-sk-not-last", MK_EX_IKE_AUTH, MK_HDR_F_RESPONSE, sk_mid, NULL, 3);

    esp_seeds();
    printf("gen_seeds: %lu files written under %s\n", n_written, outdir);
    return 0;
}
