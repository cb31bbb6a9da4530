/* SPDX-License-Identifier: MIT */
/*
 * gen_seeds_deep: the seeds of the deep-state targets of issue 14 (auth_resp_rpk,
 * auth_resp_suites, init_resp_suites, delete_resp, timer, sig_sign), from our own exchanges
 * only (fuzz_deep.h): the real IKE_SA_INIT and IKE_AUTH responses of each suite and raw-key
 * kind (their SK plaintexts, opened with the exported keys), the real answer to our Delete,
 * timer walks and signing inputs. Named <origin>-<fnv64>, so re-running is idempotent.
 *   usage: fuzz_gen_seeds_deep <corpus dir>      (normally fuzz/corpus)
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);
    auth_seeds();
    delete_seeds();
    timer_seeds();
    sig_seeds();
    printf("gen_seeds_deep: %lu files written under %s\n", n_written, outdir);
    return 0;
}
