/* SPDX-License-Identifier: MIT */
/* cpu_handshake: exactly one in-process PSK handshake of the initiator against the responder peer,
 * for `valgrind --tool=callgrind --toggle-collect=mk_init --toggle-collect=mk_start
 * --toggle-collect=mk_on_dgram`: only the initiator's own API calls are counted, the peer's work
 * (called from this loop, outside those functions) is not. It prints the sizes bench/cpu_floor
 * needs to make the same primitive calls on the same message sizes:
 *   sizes SUITE INIT_REQ INIT_RESP AUTH_REQ AUTH_RESP NI NR IDI_REST IDR_REST
 * (whole IKE messages in octets, nonce lengths, ID payload bodies after the generic header).
 * Usage: cpu_handshake SUITE   (a name from pair.h, e.g. chacha20poly1305-prfsha256-x25519) */
#include <stdio.h>

#include "pair.h"

/* Length of the first payload of type `want` in an unencrypted IKE message (body only), 0 if
 * none. Our own datagrams from a trusted in-process peer: minimal checks suffice. */
static size_t payload_body(const uint8_t *m, size_t n, uint8_t want)
{
    uint8_t next = n > 16 ? m[16] : 0;
    size_t off = 28;
    while (next != 0 && off + 4 <= n) {
        size_t len = ((size_t)m[off + 2] << 8) | m[off + 3];
        if (len < 4 || off + len > n)
            return 0;
        if (next == want)
            return len - 4;
        next = m[off];
        off += len;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: cpu_handshake SUITE\n");
        return 2;
    }
    const struct bench_suite *s = NULL;
    for (size_t i = 0; i < sizeof bench_suites / sizeof bench_suites[0]; i++)
        if (strcmp(bench_suites[i].name, argv[1]) == 0)
            s = &bench_suites[i];
    if (s == NULL) {
        fprintf(stderr, "cpu_handshake: unknown suite %s\n", argv[1]);
        return 2;
    }
    /* the configuration of bench_pair() (pair.h); the exchange is written out to see every
     * datagram */
    static const mk_env env = {NULL, bench_rng, NULL};
    static mk_ike ike;
    mk_config cfg;
    mk_peer_config pc;
    bench_configs(&cfg, &pc, &s->ike, &s->esp);
    mk_peer *peer = mk_peer_new(&pc, &env);
    if (!peer)
        return 1;
    mk_addr from = {4, {127, 0, 0, 1}, 500};
    size_t sz[4] = {0}, nr = 0;
    int k = 0;
    mk_init(&ike, &cfg, &env);
    mk_start(&ike, 1000);
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mk_tx_peek(&ike, &d, &port);
        if (n) {
            if (k < 4)
                sz[k++] = n;
            mk_peer_on_dgram(peer, d, n, port, &from, 1000);
            mk_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0) {
            if (k == 1)
                nr = payload_body(d, n, MK_PT_NONCE);
            if (k < 4)
                sz[k++] = n;
            mk_on_dgram(&ike, d, n, port, 1000);
            mk_peer_tx_done(peer);
        }
        mk_state st = mk_state_get(&ike);
        if (st == MK_ST_ESTABLISHED || st == MK_ST_FAILED)
            break;
    }
    mk_peer_free(peer);
    if (mk_state_get(&ike) != MK_ST_ESTABLISHED || k != 4) {
        fprintf(stderr, "cpu_handshake: %s did not establish\n", s->name);
        return 1;
    }
    printf("sizes %s %zu %zu %zu %zu %d %zu %zu %zu\n", s->name, sz[0], sz[1], sz[2], sz[3],
           MK_NONCE_LEN, nr, 4 + strlen("device.example"), 4 + strlen("gateway.example"));
    return 0;
}
