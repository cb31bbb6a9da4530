/* SPDX-License-Identifier: MIT */
/*
 * gen_seeds_deep: the seeds of the deep-state targets of issue 14 (auth_resp_rpk,
 * auth_resp_suites, init_resp_suites, delete_resp, timer, sig_sign, config) and of the widened
 * sk_inner and esp_open, from our own exchanges only (fuzz_deep.h): the real IKE_SA_INIT and
 * IKE_AUTH responses of each suite and raw-key kind (their SK plaintexts, opened with the
 * exported keys), the real answer to our Delete, timer walks, signing inputs, configurations
 * (accepted ones of every suite and raw-key variant, and refused ones) and every ENCR class. Named
 * <origin>-<fnv64>, so re-running is idempotent. usage: fuzz_gen_seeds_deep <corpus dir> (normally
 * fuzz/corpus)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_deep.h"

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
    snprintf(path, sizeof path, "%s/%s/%s-%016llx", outdir, target, origin, (unsigned long long)h);
    f = fopen(path, "wb");
    if (f == NULL || (npre && fwrite(pre, 1, npre, f) != npre) || (n && fwrite(d, 1, n, f) != n)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    n_written++;
}

/* The IKE_SA_INIT response `d` (n octets) with the data of its KE payload changed: zeroed
 * (X25519: a low-order point, the all-zero shared secret of RFC 8031 §3.2; MODP: 0, outside
 * 2..p-2) or with its last octet flipped (P-256: a point off the curve). */
static void emit_bad_ke(const char *target, const uint8_t *pre, size_t npre, const uint8_t *d,
                        size_t n)
{
    static mk_msg m;
    static uint8_t c[MK_MAX_MSG];
    if (n > sizeof c || mk_msg_parse(&m, d, n) != MK_E_OK)
        exit(1);
    const mk_pl *ke = mk_chain_find(&m.chain, MK_PT_KE);
    if (ke == NULL || ke->len <= 4)
        exit(1);
    size_t at = (size_t)(ke->body - d) + 4;
    for (int v = 0; v < 2; v++) {
        memcpy(c, d, n);
        if (v == 0)
            memset(c + at, 0, ke->len - 4u);
        else
            c[at + ke->len - 5] ^= 1;
        emit(target, "gen-bad-ke", pre, npre, c, n);
    }
}

static fz_world w;
static uint8_t plain[MK_MAX_MSG];

static void auth_seeds(void)
{
    static const char *names[FZD_N_KINDS] = {"gcm-p256", "cbc-modp", "gcm-x25519", "ed25519",
                                             "rsa"};
    for (int k = 0; k < FZD_N_KINDS; k++) {
        mk_ike_keys keys;
        mk_sk_keys rk;
        uint8_t first;
        char origin[64];
        if (!fzd_world_start(&w, k)) {
            fprintf(stderr, "gen_seeds_deep: %s refused\n", names[k]);
            exit(1);
        }
        /* the IKE_SA_INIT response, for init_resp_suites */
        if (k < FZD_N_SUITES) {
            const uint8_t *out;
            uint16_t port;
            size_t n = mk_tx_peek(&w.ike, &out, &port);
            (void)mk_peer_on_dgram(w.peer, out, n, port, &w.from_i, FZ_NOW_MS);
            n = mk_peer_tx_peek(w.peer, &out, &port);
            uint8_t pre[2] = {(uint8_t)k, 0};
            snprintf(origin, sizeof origin, "gen-%s", names[k]);
            emit("init_resp_suites", origin, pre, 2, out, n);
            emit_bad_ke("init_resp_suites", pre, 2, out, n);
            mk_peer_free(w.peer);
            if (!fzd_world_start(&w, k))
                exit(1);
        }
        if (!fz_world_run(&w, MK_ST_AUTH_SENT)) {
            fprintf(stderr, "gen_seeds_deep: %s did not reach AUTH_SENT\n", names[k]);
            exit(1);
        }
        long pl = fzd_genuine_answer(&w, plain, sizeof plain, &first, &keys, &rk);
        if (pl <= 0) {
            fprintf(stderr, "gen_seeds_deep: %s: no IKE_AUTH answer\n", names[k]);
            exit(1);
        }
        uint8_t pre[3] = {(uint8_t)(k < FZD_N_SUITES ? k : k - FZD_N_SUITES), 0, first};
        snprintf(origin, sizeof origin, "gen-%s", names[k]);
        emit(k < FZD_N_SUITES ? "auth_resp_suites" : "auth_resp_rpk", origin, pre, 3, plain,
             (size_t)pl);
        mk_peer_free(w.peer);
        w.peer = NULL;
    }
}

#if MK_DELETE /* our own Delete: the delete_resp target exists only with it */
static void delete_seeds(void)
{
    mk_ike_keys keys;
    mk_sk_keys rk;
    uint8_t first;
    if (!fz_world_start(&w) || !fz_world_run(&w, MK_ST_ESTABLISHED) ||
        mk_delete(&w.ike, FZ_NOW_MS) != MK_E_OK)
        exit(1);
    long pl = fzd_genuine_answer(&w, plain, sizeof plain, &first, &keys, &rk);
    if (pl < 0) {
        fprintf(stderr, "gen_seeds_deep: no answer to the Delete\n");
        exit(1);
    }
    uint8_t pre[2] = {0, first};
    emit("delete_resp", "gen-answer", pre, 2, plain, (size_t)pl);
    uint8_t req[2] = {4, MK_PT_DELETE};           /* a crossing Delete request of its own */
    static const uint8_t d_ike[4] = {1, 0, 0, 0}; /* D: protocol IKE, SPI size 0, 0 SPIs */
    uint8_t body[8] = {0, 0, 0, 8};               /* generic header: next 0, length 8 */
    memcpy(body + 4, d_ike, 4);
    emit("delete_resp", "gen-crossing", req, 2, body, sizeof body);
    mk_peer_free(w.peer);
    w.peer = NULL;
}
#endif

static void timer_seeds(void)
{
    for (uint8_t k = 0; k < 3; k++) {
        uint8_t walk[1 + 3 * 16], steps[1 + 3 * 12];
        walk[0] = steps[0] = k;
        for (int i = 0; i < 16; i++) { /* timer exactly at each deadline, to the end */
            walk[1 + 3 * i] = 2;
            walk[2 + 3 * i] = walk[3 + 3 * i] = 0;
        }
        emit("timer", "gen-deadlines", NULL, 0, walk, sizeof walk);
        for (int i = 0; i < 12; i++) { /* 700 ms steps, every third one a step back */
            steps[1 + 3 * i] = (uint8_t)(i % 3 == 2 ? 1 : 0);
            steps[2 + 3 * i] = 0x02;
            steps[3 + 3 * i] = 0xbc;
        }
        emit("timer", "gen-steps", NULL, 0, steps, sizeof steps);
        uint8_t junk[1 + 3 + 40 + 3] = {k, 3, 0, 0};
        memset(junk + 4, 0x41, 40);
        junk[44] = 2;
        emit("timer", "gen-junk", NULL, 0, junk, sizeof junk);
    }
    /* INIT_SENT: an unprotected NO_PROPOSAL_CHOSEN answer (dropped, remembered), then timers at
     * each deadline until the budget ends: the exchange fails with NO_PROPOSAL_CHOSEN. The
     * datagram fills the 64 octets the target takes: HDR 28 + N 36 (28 octets of data). */
    if (!fz_world_start(&w))
        exit(1);
    uint8_t npc[1 + 3 + 64 + 3 * 16] = {0, 3, 0, 0};
    uint8_t *d = npc + 4;
    memcpy(d, w.ike.spi_i, 8);
    d[16] = MK_PT_NOTIFY;
    d[17] = 0x20;
    d[18] = MK_EX_IKE_SA_INIT;
    d[19] = MK_HDR_F_RESPONSE;
    d[27] = 64;
    d[31] = 36;
    d[35] = MK_N_NO_PROPOSAL_CHOSEN;
    for (int i = 0; i < 16; i++)
        npc[4 + 64 + 3 * i] = 2;
    emit("timer", "gen-unauth-npc", NULL, 0, npc, sizeof npc);
    mk_peer_free(w.peer);
    w.peer = NULL;
}

static void sig_seeds(void)
{
    static const uint8_t msg[] = "RealMessage2 | NonceIData | prf(SK_pr, IDr') stand-in";
    /* hash bits: bit h for RFC 7427 hash ID h (2 SHA2-256, 5 Identity) */
    static const uint8_t pre[][3] = {{0, 0, 7},  {2, 1u << 5, 9}, {3, 1u << 2, 13},
                                     {1, 0, 17}, {2, 1u << 2, 0}, {3, (1u << 2) | (1u << 5), 40}};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        emit("sig_sign", "gen-sign", pre[i], 3, msg, sizeof msg - 1);
}

/* fuzz_config inputs (layout in fuzz_config.c): [f0][f1][n_ike]{5}[n_esp]{3}[psk][ids][ts][rto]
 * [err]; transform octets index the target's tables (encr 0 ChaCha20, 1-3 GCM-16/12/8, 4-6
 * CCM-16/12/8, 7 CBC; bits 0 none, 1 128, 2 256; prf 0 SHA2-256, 1 SHA2-512; integ 0 none,
 * 1 SHA2-256-128, 2 SHA2-512-256; dh 0 X25519, 1 P-256, 2 MODP-2048). */
static void cfg_seed(uint8_t f0, uint8_t f1, const uint8_t *ike, uint8_t n_ike, const uint8_t *esp,
                     uint8_t n_esp, uint8_t psk, uint8_t ids, uint8_t ts, uint8_t rto)
{
    uint8_t b[3 + 5 * 9 + 1 + 3 * 9 + 5];
    size_t n = 0;
    b[n++] = f0;
    b[n++] = f1;
    b[n++] = n_ike;
    for (size_t i = 0; i < n_ike && i < 8; i++, n += 5)
        memcpy(b + n, ike + 5 * i, 5);
    b[n++] = n_esp;
    for (size_t i = 0; i < n_esp && i < 8; i++, n += 3)
        memcpy(b + n, esp + 3 * i, 3);
    b[n++] = psk;
    b[n++] = ids;
    b[n++] = ts;
    b[n++] = rto;
    b[n++] = (uint8_t)(n_written % 64u); /* the error whose name is looked up */
    emit("config", "gen-config", NULL, 0, b, n);
}

static void config_seeds(void)
{
    enum { RUN = 0x20 | 0x10 | 0x08 | 0x02 | 0x01 }; /* run, trace, INITIAL_CONTACT, natt, tunnel */
    static const uint8_t ike[][5] = {
        {0, 0, 0, 0, 0}, {1, 2, 1, 0, 1}, {7, 1, 1, 2, 2}, {4, 1, 0, 0, 0}, {2, 1, 0, 0, 1},
        {5, 2, 1, 0, 0}, {6, 2, 0, 0, 0}, {3, 2, 0, 0, 0}, {7, 2, 0, 1, 0}, {1, 1, 0, 0, 0},
    };
    static const uint8_t esp[][3] = {
        {0, 0, 0}, {1, 2, 0}, {7, 1, 2}, {6, 2, 0}, {3, 1, 0},
        {4, 1, 0}, {5, 2, 0}, {2, 2, 0}, {7, 2, 1}, {1, 1, 0},
    };
    for (size_t i = 0; i < sizeof ike / sizeof ike[0]; i++)
        cfg_seed(RUN, 0, ike[i], 1, esp[i], 1, 32, 0, 0, 0);
    /* two proposals each way (the responder picks its first); transport mode; port 4500 from
     * the start; NAT detected; IPv6 selectors with a protocol; other ID types; any IDr */
    cfg_seed(RUN, 0, ike[0], 2, esp[0], 2, 32, 0, 0, 0);
    cfg_seed(RUN & ~1, 0, ike[0], 1, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN | 4, 0, ike[0], 1, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN, 0x80, ike[0], 1, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 0, 0x15, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 1, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 2 | 4, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 8, 0, 0x35); /* IDr mismatch, timers set */
    /* raw keys: Ed25519 / RSA pinned, fingerprint, wrong fingerprint, imprint (accepted,
     * refused, no CERT sent), our CERT unasked, a key pair that does not match, SHA-512 PRF,
     * no hash announced */
    static const uint8_t rpk[] = {
        1, 2, 1 | 4, 2 | 4, 1 | 8, 1 | 12, 1 | 12 | 0x10, 1 | 12 | 0x40, 1 | 0x20, 3, 1 | 0x80};
    for (size_t i = 0; i < sizeof rpk; i++)
        cfg_seed(RUN & ~2, rpk[i], ike[0], 1, esp[0], 1, 0, 0, 0, 0);
    cfg_seed(RUN & ~2, 2, ike[0], 1, esp[0], 1, 0, 0x10, 0, 0);
    cfg_seed(RUN & ~2, 1, ike[0], 1, esp[0], 1, 0, 0x10, 0, 0);
    /* refused configurations: no suite, too many, unregistered transforms, short / long /
     * missing PSK, empty IDi, bad selector types, no registry, no RNG */
    static const uint8_t bad_ike[][5] = {{8, 0, 0, 0, 0}, {1, 3, 0, 0, 0}, {0, 0, 3, 0, 0},
                                         {0, 0, 0, 3, 0}, {0, 0, 0, 0, 3}, {0, 0, 0, 1, 0},
                                         {7, 1, 0, 0, 0}, {0, 0, 2, 0, 0}};
    for (size_t i = 0; i < sizeof bad_ike / sizeof bad_ike[0]; i++)
        cfg_seed(RUN, 0, bad_ike[i], 1, esp[0], 1, 32, 0, 0, 0);
    static const uint8_t bad_esp[][3] = {{8, 0, 0}, {7, 1, 0}, {0, 0, 1}, {1, 3, 0}};
    for (size_t i = 0; i < sizeof bad_esp / sizeof bad_esp[0]; i++)
        cfg_seed(RUN, 0, ike[0], 1, bad_esp[i], 1, 32, 0, 0, 0);
    static const uint8_t many[9 * 5] = {0};
    cfg_seed(RUN, 0, many, 0, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN, 0, many, 9, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, many, 0, 32, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, many, 9, 32, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 8, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 255, 0, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 0, 1, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 12, 0, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 0, 2, 0);
    cfg_seed(RUN, 0, ike[0], 1, esp[0], 1, 32, 0, 8, 0);
    cfg_seed(RUN | 0x40, 0, ike[0], 1, esp[0], 1, 32, 0, 0, 0);
    cfg_seed(RUN | 0x80, 0, ike[0], 1, esp[0], 1, 32, 0, 0, 0);
}

/* The widened sk_inner (bit 7 of [suite]: every ENCR class, damage 0-3 in bits 4-5) and esp_open
 * (bit 4 of ctl: the other ESP classes in bits 5-7) of fuzz_sk_inner.c / fuzz_esp_open.c. */
static void wide_seeds(void)
{
    /* N(INITIAL_CONTACT) as the only inner payload */
    static const uint8_t notify[] = {0, 0, 0, 8, 0, 0, 0x40, 0x00};
    for (uint8_t i = 0; i < 10; i++)
        for (uint8_t dmg = 0; dmg < 4; dmg++) {
            uint8_t pre[2] = {(uint8_t)(0x80 | (dmg << 4) | i), MK_PT_NOTIFY};
            emit("sk_inner", "gen-wide", pre, 2, notify, sizeof notify);
        }
    /* esp_open: mode 2 (seal then open) and mode 1 (crafted: "ping" | pad 1 2 | 2 | IPv4) */
    static const uint8_t sealed[] = {0, 20, 0x45, 0,  0, 20, 0, 0,  0, 0, 64,
                                     1, 0,  0,    10, 0, 0,  1, 10, 0, 0, 2};
    static const uint8_t crafted[] = {0, 12, 0, 0, 0, 1, 'p', 'i', 'n', 'g', 1, 2, 2, 4};
    for (uint8_t i = 0; i < 8; i++) {
        uint8_t c2 = (uint8_t)(0x10 | (i << 5) | (2 << 2)),
                c1 = (uint8_t)(0x10 | (i << 5) | (1 << 2));
        emit("esp_open", "gen-wide", &c2, 1, sealed, sizeof sealed);
        emit("esp_open", "gen-wide", &c1, 1, crafted, sizeof crafted);
    }
    /* esp_open mode 0 (raw): AES-CBC-128 + HMAC-SHA2-256-128 and AES-CBC-256 +
     * HMAC-SHA2-512-256 packets of a valid shape (SPI, sequence 1, IV, one block, ICV) whose
     * ICV is wrong */
    for (uint8_t v = 0; v < 2; v++) {
        uint8_t raw[1 + 2 + 8 + 16 + 16 + 32] = {
            v ? 0x10 | (5 << 5) : 2, 0, v ? 72 : 56, 0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1};
        memset(raw + 11, 0x33, sizeof raw - 11);
        emit("esp_open", "gen-raw-cbc", NULL, 0, raw, v ? sizeof raw : sizeof raw - 16);
    }
    /* established after an answered liveness check (ID 2): the same ID again, an older one, the
     * next one (fuzz_established.c bit 5; empty INFORMATIONAL requests) */
    static const uint8_t again[][2] = {{0x24, 0}, {0x20, 0}, {0x22, 0}, {0x26, 0}};
    for (size_t i = 0; i < sizeof again / sizeof again[0]; i++)
        emit("established", "gen-window", again[i], 2, NULL, 0);
    /* pl_sa: n proposals of one ENCR transform each (9 is one more than MK_MAX_PROPOSALS), and
     * one whose Key Length attribute is 0 */
    for (uint8_t n = 8; n <= 9; n++) {
        uint8_t sa[9 * 16];
        for (uint8_t i = 0; i < n; i++) {
            static const uint8_t prop[16] = {2, 0, 0, 16, 1, 1, 0, 1, 0, 0, 0, 8, 1, 0, 0, 28};
            memcpy(sa + 16 * i, prop, 16);
            sa[16 * i] = i + 1 == n ? 0 : 2;
            sa[16 * i + 4] = (uint8_t)(i + 1);
        }
        emit("pl_sa", "gen-many", NULL, 0, sa, 16u * n);
    }
    static const uint8_t zero_bits[] = {0, 0,  0, 20, 1, 1,  0,    1,  0, 0,
                                        0, 12, 1, 0,  0, 12, 0x80, 14, 0, 0};
    emit("pl_sa", "gen-keylen0", NULL, 0, zero_bits, sizeof zero_bits);
    static const uint8_t two_bits[] = {0, 0, 0, 24, 1,    1,  0, 1,   0,    0,  0, 16,
                                       1, 0, 0, 12, 0x80, 14, 0, 128, 0x80, 14, 0, 128};
    emit("pl_sa", "gen-keylen2", NULL, 0, two_bits, sizeof two_bits);
    emit("pl_sa", "gen-empty", NULL, 0, NULL, 0);
}

/* init_resp: the real IKE_SA_INIT response with its proposal changed in ways the SA decoder
 * accepts but the initiator must refuse (an IKE proposal with an 8-octet SPI, an ESP proposal):
 * `spi` octets are spliced in behind the proposal header, the Proposal and SA lengths grow, and
 * ctl bit 0 makes the target patch the header Length. */
static void init_variants(void)
{
    static mk_msg m;
    static uint8_t d[1 + MK_MAX_MSG + 16];
    const uint8_t *out;
    uint16_t port;
    if (!fz_world_start(&w))
        exit(1);
    size_t n = mk_tx_peek(&w.ike, &out, &port);
    (void)mk_peer_on_dgram(w.peer, out, n, port, &w.from_i, FZ_NOW_MS);
    n = mk_peer_tx_peek(w.peer, &out, &port);
    if (n == 0 || n + 8 > MK_MAX_MSG || mk_msg_parse(&m, out, n) != MK_E_OK)
        exit(1);
    const mk_pl *sa = mk_chain_find(&m.chain, MK_PT_SA);
    if (sa == NULL)
        exit(1);
    static const uint8_t ctl0 = 0;
    emit_bad_ke("init_resp", &ctl0, 1, out, n);
    size_t at = (size_t)(sa->body - out); /* the proposal header */
    static const uint8_t proto_spi[][2] = {{MK_PROTO_IKE, 8}, {MK_PROTO_ESP, 4}};
    for (size_t v = 0; v < 2; v++) {
        uint8_t k = proto_spi[v][1];
        d[0] = 1;
        memcpy(d + 1, out, at + 8);
        memset(d + 1 + at + 8, 0x5a, k);
        memcpy(d + 1 + at + 8 + k, out + at + 8, n - at - 8);
        uint8_t *sah = d + 1 + at - 4, *prop = d + 1 + at;
        uint16_t sl = (uint16_t)((sah[2] << 8 | sah[3]) + k);
        uint16_t pl = (uint16_t)((prop[2] << 8 | prop[3]) + k);
        sah[2] = (uint8_t)(sl >> 8);
        sah[3] = (uint8_t)sl;
        prop[2] = (uint8_t)(pl >> 8);
        prop[3] = (uint8_t)pl;
        prop[5] = proto_spi[v][0];
        prop[6] = k;
        emit("init_resp", "gen-proposal", NULL, 0, d, 1 + n + k);
    }
    mk_peer_free(w.peer);
    w.peer = NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);
    auth_seeds();
#if MK_DELETE
    delete_seeds();
#endif
    timer_seeds();
    sig_seeds();
    config_seeds();
    wide_seeds();
    init_variants();
    printf("gen_seeds_deep: %lu files written under %s\n", n_written, outdir);
    return 0;
}
