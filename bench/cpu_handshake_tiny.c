/* SPDX-License-Identifier: MIT */
/* cpu_handshake_tiny: bench/cpu_handshake.c for the template core (ref/tiny): one in-process PSK
 * handshake against the responder peer, for `valgrind --tool=callgrind --toggle-collect=mt_init
 * --toggle-collect=mt_start --toggle-collect=mt_on_dgram`, so only the initiator's own API calls
 * are counted. The configuration is bench_pair()'s (pair.h) with the template core's one suite;
 * it prints the same line as cpu_handshake, which bench/cpu_floor takes:
 *   sizes SUITE INIT_REQ INIT_RESP AUTH_REQ AUTH_RESP NI NR IDI_REST IDR_REST
 * Usage: cpu_handshake_tiny chacha20poly1305-prfsha256-x25519 (the only suite it has) */
#include <stdio.h>

#include "minike_tiny.h"
#include "pair.h"

static const char suite[] = "chacha20poly1305-prfsha256-x25519";

/* the Nonce payload's body length in the IKE_SA_INIT response (a trusted in-process peer) */
static size_t nonce_len(const uint8_t *m, size_t n)
{
    uint8_t next = n > 16 ? m[16] : 0;
    for (size_t off = 28, len; next != 0 && off + 4 <= n; next = m[off], off += len) {
        len = ((size_t)m[off + 2] << 8) | m[off + 3];
        if (len < 4 || off + len > n)
            return 0;
        if (next == MK_PT_NONCE)
            return len - 4;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const struct bench_suite *s = NULL;
    for (size_t i = 0; i < sizeof bench_suites / sizeof bench_suites[0]; i++)
        if (argc == 2 && strcmp(argv[1], suite) == 0 && strcmp(bench_suites[i].name, suite) == 0)
            s = &bench_suites[i];
    if (s == NULL || sodium_init() < 0) {
        fprintf(stderr, "usage: cpu_handshake_tiny %s\n", suite);
        return 2;
    }
    static const mk_env penv = {NULL, bench_rng, NULL};
    static const mt_env env = {NULL, bench_rng};
    static mt_ike ike;
    mk_config gcfg;
    mk_peer_config pc;
    bench_configs(&gcfg, &pc, &s->ike, &s->esp);
    /* the same identity and selectors as the general core's run */
    mt_config cfg;
    mt_config_defaults(&cfg);
    cfg.psk = gcfg.psk;
    cfg.psk_len = gcfg.psk_len;
    cfg.idi_type = gcfg.idi.type;
    cfg.idi_len = gcfg.idi.len;
    memcpy(cfg.idi, gcfg.idi.data, gcfg.idi.len);
    cfg.initial_contact = gcfg.initial_contact;
    cfg.tunnel = gcfg.tunnel;
    memcpy(&cfg.tsi, &gcfg.tsi, sizeof cfg.tsi);
    memcpy(&cfg.tsr, &gcfg.tsr, sizeof cfg.tsr);
    _Static_assert(sizeof(mt_ts) == sizeof(mk_ts), "the two selector layouts are the same");
    mk_peer *peer = mk_peer_new(&pc, &penv);
    if (!peer)
        return 1;
    mk_addr from = {4, {127, 0, 0, 1}, 500};
    uint8_t buf[MT_MAX_MSG];
    size_t sz[4] = {0}, nr = 0;
    int k = 0;
    if (mt_init(&ike, &cfg, &env) != MT_E_OK || mt_start(&ike, 1000) != MT_E_OK)
        return 1;
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mt_tx(&ike, &d);
        if (n) {
            if (k < 4)
                sz[k++] = n;
            mk_peer_on_dgram(peer, d, n, MK_PORT_IKE, &from, 1000);
            mt_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0 && n <= sizeof buf) {
            if (k == 1)
                nr = nonce_len(d, n);
            if (k < 4)
                sz[k++] = n;
            memcpy(buf, d, n); /* the template core decrypts in the caller's buffer */
            mt_on_dgram(&ike, buf, n, 1000);
            mk_peer_tx_done(peer);
        }
        mt_state st = mt_state_get(&ike);
        if (st == MT_ST_ESTABLISHED || st == MT_ST_FAILED)
            break;
    }
    mk_peer_free(peer);
    if (mt_state_get(&ike) != MT_ST_ESTABLISHED || k != 4) {
        fprintf(stderr, "cpu_handshake_tiny: did not establish\n");
        return 1;
    }
    printf("sizes %s %zu %zu %zu %zu %d %zu %zu %zu\n", suite, sz[0], sz[1], sz[2], sz[3],
           MT_NONCE_LEN, nr, 4 + strlen("device.example"), 4 + strlen("gateway.example"));
    return 0;
}
