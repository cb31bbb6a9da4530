/* SPDX-License-Identifier: MIT */
/*
 * reader_path_tiny: bench/reader_path.c for the template core (ref/tiny), run by
 * `bash bench/reader_path.sh minimal`. Pass 1 runs the template initiator against the in-process
 * responder peer (general core, minimal profile's suite) with a seeded RNG and records the
 * peer's datagrams; the gcov counters are then reset and pass 2 replays the initiator alone
 * (same seed, so the same messages) against the recording, so only the template core's calls
 * for one PSK handshake are counted.
 */
#include <sodium.h>
#include <string.h>

#include "minike_tiny.h"
#include "peer.h"
#include "test_rng.h"

void __gcov_reset(void);
void __gcov_dump(void);

enum { MAX_RX = 8 };
static uint8_t rx[MAX_RX][MT_MAX_MSG];
static size_t rx_len[MAX_RX];
static size_t n_rx;
static uint8_t work[MT_MAX_MSG]; /* mt_on_dgram decrypts in the caller's buffer */

static void config(mt_config *cfg)
{
    static const uint8_t psk[] = "reader-path-psk-0123456789abcdef";
    mt_config_defaults(cfg);
    cfg->psk = psk;
    cfg->psk_len = sizeof psk - 1;
    cfg->idi_type = MK_ID_FQDN;
    cfg->idi_len = 14;
    memcpy(cfg->idi, "device.example", 14);
    cfg->initial_contact = false;
}

static mt_err feed(mt_ike *ike, const uint8_t *d, size_t n)
{
    if (n > sizeof work)
        return MT_E_MALFORMED;
    memcpy(work, d, n);
    return mt_on_dgram(ike, work, n, 1000);
}

int main(void)
{
    static mk_trng si, sp; /* harness/lib/test_rng.h: a seeded ChaCha20 stream */
    static mt_env ei = {&si, mk_trng_fill};
    static mk_env ep = {&sp, mk_trng_fill, NULL};
    static mt_ike ike;
    static mt_config cfg;
    static mk_config mk; /* the peer's suites: the minimal profile's one */
    static mk_peer_config pc;
    if (sodium_init() < 0)
        return 1;
    memset(si.key, 0x11, 32);
    memset(sp.key, 0x22, 32);
    config(&cfg);
    mk_config_defaults(&mk);
    pc.suites = mk.suites;
    pc.ike[0] = mk.ike[0]; /* ChaCha20-Poly1305, PRF-HMAC-SHA2-256, X25519 */
    pc.n_ike = 1;
    pc.esp[0] = mk.esp[0]; /* ChaCha20-Poly1305 */
    pc.n_esp = 1;
    pc.psk = cfg.psk;
    pc.psk_len = cfg.psk_len;
    pc.idr.type = MK_ID_FQDN;
    pc.idr.len = 12;
    memcpy(pc.idr.data, "door.example", 12);
    pc.tsr = mk.tsr;
    mk_peer *peer = mk_peer_new(&pc, &ep);
    mk_addr from = {4, {192, 0, 2, 1}, 500};
    const uint8_t *d;
    uint16_t port;
    size_t n;

    /* pass 1: record */
    if (peer == NULL || mt_init(&ike, &cfg, &ei) != MT_E_OK || mt_start(&ike, 1000) != MT_E_OK)
        return 1;
    for (int guard = 0; guard < 16 && (mt_state_get(&ike) == MT_ST_INIT_SENT ||
                                       mt_state_get(&ike) == MT_ST_AUTH_SENT);
         guard++) {
        if ((n = mt_tx(&ike, &d)) != 0) {
            mk_peer_on_dgram(peer, d, n, MT_PORT, &from, 1000);
            mt_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0 && n_rx < MAX_RX && n <= MT_MAX_MSG) {
            memcpy(rx[n_rx], d, n);
            rx_len[n_rx++] = n;
            (void)feed(&ike, d, n);
            mk_peer_tx_done(peer);
        }
    }
    if (mt_state_get(&ike) != MT_ST_ESTABLISHED)
        return 2;
    mk_peer_free(peer);

    /* pass 2: the initiator alone, counted */
    memset(&si, 0, sizeof si);
    memset(si.key, 0x11, 32);
    __gcov_reset();
    if (mt_init(&ike, &cfg, &ei) != MT_E_OK || mt_start(&ike, 1000) != MT_E_OK)
        return 3;
    for (size_t i = 0; i < n_rx; i++) {
        if (mt_tx(&ike, &d) != 0)
            mt_tx_done(&ike);
        if (feed(&ike, rx[i], rx_len[i]) != MT_E_OK)
            return 4;
    }
    mt_esp_sa sa;
    if (mt_state_get(&ike) != MT_ST_ESTABLISHED || !mt_child(&ike, &sa))
        return 5;
    __gcov_dump();
    __gcov_reset(); /* nothing after this is counted */
    return 0;
}
