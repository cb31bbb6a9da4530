/* SPDX-License-Identifier: MIT */
/*
 * footprint_m4: the tiny Cortex-M4 driver bench/footprint.sh links the core against. It makes
 * exactly the API calls one PSK handshake makes (config, init, start, the transmit slot, one
 * datagram in, the timer, the deadline, the child SA, one ESP packet each way), so that
 * --gc-sections keeps what a device running the handshake keeps and nothing else. The
 * "radio" is two extern functions the linker leaves unresolved, like the crypto libraries; it
 * is never run, only linked. mk_footprint_probe's size is sizeof(mk_ike) on the device.
 */
#include "minike.h"

extern size_t radio_rx(uint8_t *buf, size_t cap, uint16_t *port, uint64_t *now);
extern void radio_tx(const uint8_t *p, size_t n, uint16_t port);
extern void rng_fill(void *ctx, uint8_t *out, size_t n);

/* Its size is what the device budgets for one IKE SA (nm --print-size reads it). */
uint8_t mk_footprint_probe[sizeof(mk_ike)];

static mk_ike ike;
static mk_config cfg;
static uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];

int main(void)
{
    static const uint8_t psk[] = "a device key of at least 16 octets";
    static const mk_env env = {0, rng_fill, 0};
    const uint8_t *out;
    uint16_t port;
    uint64_t now = 0;
    size_t n;

    mk_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cfg.idi.len = 6;
    cfg.initial_contact = false;
    if (mk_init(&ike, &cfg, &env) != MK_E_OK || mk_start(&ike, now) != MK_E_OK)
        return 1;
    while (mk_state_get(&ike) != MK_ST_ESTABLISHED && mk_state_get(&ike) != MK_ST_FAILED) {
        if ((n = mk_tx_peek(&ike, &out, &port)) != 0) {
            radio_tx(out, n, port);
            mk_tx_done(&ike);
        }
        if ((n = radio_rx(buf, sizeof buf, &port, &now)) != 0)
            (void)mk_on_dgram(&ike, buf, n, port, now);
        else if (now >= mk_deadline(&ike))
            (void)mk_on_timer(&ike, now);
    }
    mk_esp_sa sa;
    if (!mk_child(&ike, &sa))
        return 2;
    /* "open", then the ACK */
    static const uint8_t open[] = {'o', 'p', 'e', 'n'};
    if (mk_esp_seal(&sa, &env, 4, open, sizeof open, buf, sizeof buf, &n) == MK_E_OK)
        radio_tx(buf, n, MK_PORT_NATT);
    uint8_t nh;
    const uint8_t *inner;
    size_t inner_len;
    if ((n = radio_rx(buf, sizeof buf, &port, &now)) != 0)
        (void)mk_esp_open(&sa, buf, n, &nh, &inner, &inner_len);
    mk_esp_wipe(&sa);
    mk_ike_wipe(&ike);
    return mk_footprint_probe[0];
}
