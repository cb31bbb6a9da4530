/* SPDX-License-Identifier: MIT */
/*
 * reader_path: the code a reader follows for one PSK handshake, counted by gcov (see
 * bench/reader_path.sh). Pass 1 runs a handshake against the in-process responder peer with a
 * seeded RNG and records the peer's datagrams; the gcov counters are then reset and pass 2
 * replays the initiator alone (same seed, so the same messages) against the recording, so only
 * the initiator's own calls are counted, not the peer's use of the same modules.
 */
#include <sodium.h>
#include <string.h>

#include "peer.h"
#include "test_rng.h"

void __gcov_reset(void);
void __gcov_dump(void);

enum { MAX_RX = 8 };
static uint8_t rx[MAX_RX][MK_MAX_MSG + MK_NATT_MARKER];
static size_t rx_len[MAX_RX];
static uint16_t rx_port[MAX_RX];
static size_t n_rx;

static void config(mk_config *cfg)
{
    static const uint8_t psk[] = "reader-path-psk-0123456789abcdef";
    mk_config_defaults(cfg); /* the profile's suites and NAT-T setting */
    cfg->psk = psk;
    cfg->psk_len = sizeof psk - 1;
    cfg->idi.type = MK_ID_FQDN;
    cfg->idi.len = 14;
    memcpy(cfg->idi.data, "device.example", 14);
    cfg->initial_contact = false;
}

int main(void)
{
    static mk_trng si, sp; /* harness/lib/test_rng.h: a seeded ChaCha20 stream */
    static mk_env ei = {&si, mk_trng_fill, NULL}, ep = {&sp, mk_trng_fill, NULL};
    static mk_ike ike;
    static mk_config cfg;
    static mk_peer_config pc;
    if (sodium_init() < 0)
        return 1;
    memset(si.key, 0x11, 32);
    memset(sp.key, 0x22, 32);
    config(&cfg);
    pc.suites = cfg.suites;
    memcpy(pc.ike, cfg.ike, sizeof cfg.ike);
    pc.n_ike = cfg.n_ike;
    memcpy(pc.esp, cfg.esp, sizeof cfg.esp);
    pc.n_esp = cfg.n_esp;
    pc.psk = cfg.psk;
    pc.psk_len = cfg.psk_len;
    pc.idr.type = MK_ID_FQDN;
    pc.idr.len = 12;
    memcpy(pc.idr.data, "door.example", 12);
    pc.tsr = cfg.tsr;
    pc.natt = cfg.natt;
    mk_peer *peer = mk_peer_new(&pc, &ep);
    mk_addr from = {4, {192, 0, 2, 1}, 500};
    const uint8_t *d;
    uint16_t port;
    size_t n;

    /* pass 1: record */
    if (peer == NULL || mk_init(&ike, &cfg, &ei) != MK_E_OK || mk_start(&ike, 1000) != MK_E_OK)
        return 1;
    for (int guard = 0; guard < 16 && (mk_state_get(&ike) == MK_ST_INIT_SENT ||
                                       mk_state_get(&ike) == MK_ST_AUTH_SENT);
         guard++) {
        if ((n = mk_tx_peek(&ike, &d, &port)) != 0) {
            mk_peer_on_dgram(peer, d, n, port, &from, 1000);
            mk_tx_done(&ike);
        }
        while ((n = mk_peer_tx_peek(peer, &d, &port)) != 0 && n_rx < MAX_RX) {
            memcpy(rx[n_rx], d, n);
            rx_len[n_rx] = n;
            rx_port[n_rx++] = port;
            mk_on_dgram(&ike, d, n, port, 1000);
            mk_peer_tx_done(peer);
        }
    }
    if (mk_state_get(&ike) != MK_ST_ESTABLISHED)
        return 2;
    mk_peer_free(peer);

    /* pass 2: the initiator alone, counted */
    memset(&si, 0, sizeof si);
    memset(si.key, 0x11, 32);
    __gcov_reset();
    if (mk_init(&ike, &cfg, &ei) != MK_E_OK || mk_start(&ike, 1000) != MK_E_OK)
        return 3;
    for (size_t i = 0; i < n_rx; i++) {
        if (mk_tx_peek(&ike, &d, &port) != 0)
            mk_tx_done(&ike);
        if (mk_on_dgram(&ike, rx[i], rx_len[i], rx_port[i], 1000) != MK_E_OK)
            return 4;
    }
    mk_esp_sa sa;
    if (mk_state_get(&ike) != MK_ST_ESTABLISHED || !mk_child(&ike, &sa))
        return 5;
    __gcov_dump();
    __gcov_reset(); /* nothing after this is counted */
    return 0;
}
