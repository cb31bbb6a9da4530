/* SPDX-License-Identifier: MIT */
/*
 * footprint_m4_tiny: bench/footprint_m4.c for the template core (ref/tiny, minike_tiny.h), the
 * driver `bash bench/footprint.sh minimal` links mk_tiny's objects against. The same calls in the
 * same order: config, init, start, the transmit slot, one datagram in, the timer, the deadline,
 * the child SA, one ESP packet each way, the wipes. So --gc-sections keeps what a device
 * running one handshake keeps, and the two cores' m4_text_kept compare like for like. The radio
 * and the RNG are extern functions the linker leaves unresolved; it is never run, only linked.
 * mt_footprint_probe's size is sizeof(mt_ike) on the device (printed as sizeof_mk_ike).
 */
#include "minike_tiny.h"

extern size_t radio_rx(uint8_t *buf, size_t cap, uint16_t *port, uint64_t *now);
extern void radio_tx(const uint8_t *p, size_t n, uint16_t port);
extern void rng_fill(void *ctx, uint8_t *out, size_t n);

/* Its size is what the device budgets for one IKE SA (nm --print-size reads it). */
uint8_t mt_footprint_probe[sizeof(mt_ike)];

static mt_ike ike;
static mt_config cfg;
static uint8_t buf[MT_MAX_MSG];

int main(void)
{
    static const uint8_t psk[] = "a device key of at least 16 octets";
    static const mt_env env = {0, rng_fill};
    const uint8_t *out;
    uint16_t port;
    uint64_t now = 0;
    size_t n;

    mt_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    cfg.idi_len = 6;
    cfg.initial_contact = false;
    if (mt_init(&ike, &cfg, &env) != MT_E_OK || mt_start(&ike, now) != MT_E_OK)
        return 1;
    while (mt_state_get(&ike) != MT_ST_ESTABLISHED && mt_state_get(&ike) != MT_ST_FAILED) {
        if ((n = mt_tx(&ike, &out)) != 0) {
            radio_tx(out, n, MT_PORT);
            mt_tx_done(&ike);
        }
        if ((n = radio_rx(buf, sizeof buf, &port, &now)) != 0)
            (void)mt_on_dgram(&ike, buf, n, now);
        else if (now >= mt_deadline(&ike))
            (void)mt_on_timer(&ike, now);
    }
    mt_esp_sa sa;
    if (!mt_child(&ike, &sa))
        return 2;
    /* "open", then the ACK */
    static const uint8_t open[] = {'o', 'p', 'e', 'n'};
    if (mt_esp_seal(&sa, 4, open, sizeof open, buf, sizeof buf, &n) == MT_E_OK)
        radio_tx(buf, n, MT_PORT);
    uint8_t nh;
    const uint8_t *inner;
    size_t inner_len;
    if ((n = radio_rx(buf, sizeof buf, &port, &now)) != 0)
        (void)mt_esp_open(&sa, buf, n, &nh, &inner, &inner_len);
    mt_esp_wipe(&sa);
    mt_ike_wipe(&ike);
    return mt_footprint_probe[0];
}
