/* SPDX-License-Identifier: MIT */
/*
 * The garage-door opener on the template core (ref/tiny, minike_tiny.h): the same remote as
 * main.c, built on the core written for exactly this device's profile. Per button press: wake,
 * a fresh IKE SA (IKE_SA_INIT + IKE_AUTH on UDP 500), the command inside ESP, the door's ACK,
 * STATUS lines and DONE, then wipe the SA and sleep.
 *
 * No NAT-T: IKE stays on UDP 500 and ESP leaves the device as ESP, IP protocol 50 (link class
 * LINK_ESP). The bridge, playing the radio gateway, carries those packets to the responder's
 * UDP port for ESP-in-UDP (RFC 3948 framing) because the host has no kernel ESP; the device's
 * SA is plain ESP either way (README.md says why that is honest and what it would not reach).
 * The "metric ..." lines have main.c's format, so bench/device.sh reads both images alike.
 * Everything lives in static storage: no heap anywhere (board/syscalls.c makes _sbrk fail).
 */
#include <stdio.h>
#include <string.h>

#include <sodium/utils.h>

#include "inner.h"
#include "minike_tiny.h"

#include "../board/board.h"
#include "console.h"
#include "drbg.h"
#include "link.h"
#include "prov.h"

/* Link classes (fw/link.h 'D' frames): a UDP port, or here also the IP protocol of raw ESP */
enum { LINK_IKE = MT_PORT, LINK_ESP = 50, IPPROTO_IPIP = 4 };

static fw_prov prov;
static fw_drbg drbg;
static const mt_env env = {&drbg, fw_drbg_rng};
static mt_config cfg;
static mt_ike ike;
static mt_esp_sa sa;
static mk_ts tsi, tsr; /* the configured selectors, for the inner packet check (inner.h) */
static uint8_t frame[LINK_MAX];
static uint8_t pkt[LINK_MAX];

/* The template core has no error text (a device does not print): the names, for the timeline */
static const char *err_name(mt_err e)
{
    static const char *const names[] = {
        [MT_E_OK] = "OK",
        [MT_E_MALFORMED] = "MALFORMED",
        [MT_E_UNEXPECTED] = "UNEXPECTED",
        [MT_E_ICV] = "ICV",
        [MT_E_OLD_REQUEST] = "OLD_REQUEST",
        [MT_E_UNAUTH] = "UNAUTH",
        [MT_E_CRITICAL] = "CRITICAL",
        [MT_E_REPLAY] = "REPLAY",
        [MT_E_NO_PROPOSAL_CHOSEN] = "NO_PROPOSAL_CHOSEN",
        [MT_E_BAD_PROPOSAL] = "BAD_PROPOSAL",
        [MT_E_INVALID_KE] = "INVALID_KE",
        [MT_E_DH_ZERO] = "DH_ZERO",
        [MT_E_TOO_MANY_RETRIES] = "TOO_MANY_RETRIES",
        [MT_E_AUTH_FAILED] = "AUTH_FAILED",
        [MT_E_PEER_AUTH_FAILED] = "PEER_AUTH_FAILED",
        [MT_E_ID_MISMATCH] = "ID_MISMATCH",
        [MT_E_TS_UNACCEPTABLE] = "TS_UNACCEPTABLE",
        [MT_E_NO_CHILD_SA] = "NO_CHILD_SA",
        [MT_E_PEER_ERROR] = "PEER_ERROR",
        [MT_E_MALFORMED_RESP] = "MALFORMED_RESP",
        [MT_E_PEER_DELETED] = "PEER_DELETED",
        [MT_E_TIMEOUT] = "TIMEOUT",
        [MT_E_CRYPTO] = "CRYPTO",
        [MT_E_BAD_CONFIG] = "BAD_CONFIG",
        [MT_E_BAD_STATE] = "BAD_STATE",
        [MT_E_BUF_TOO_SMALL] = "BUF_TOO_SMALL",
    };
    _Static_assert(sizeof names / sizeof names[0] == MT_E_BUF_TOO_SMALL + 1, "one name each");
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}

/* Instructions spent inside the core and its crypto for the current press (not the polling
 * loop, which a real device spends asleep). */
static uint64_t press_insns;
#define COUNTED(expr)                                                                              \
    __extension__({                                                                                \
        uint64_t c0_ = board_insns();                                                              \
        __typeof__(expr) r_ = (expr);                                                              \
        press_insns += board_insns() - c0_;                                                        \
        r_;                                                                                        \
    })

static uint32_t air_bytes; /* IKE and ESP octets both ways for this press */

static void send_dgram(uint16_t cls, const uint8_t *p, size_t n)
{
    uint8_t hdr[2] = {(uint8_t)(cls >> 8), (uint8_t)cls};
    link_send2('D', hdr, 2, p, n);
    air_bytes += (uint32_t)n;
}

static void drain_tx(void)
{
    const uint8_t *p;
    size_t n;
    while ((n = mt_tx(&ike, &p)) > 0) {
        con_ike_line("->", p, n, 0);
        send_dgram(LINK_IKE, p, n);
        mt_tx_done(&ike);
    }
}

/* Handle one received datagram; returns the inner packet when it was ESP that opened and
 * passed the selector check (NULL otherwise). */
static const mk_inner *on_datagram(uint8_t *p, size_t n, mk_inner *v)
{
    if (n < 2)
        return NULL;
    uint16_t cls = (uint16_t)(p[0] << 8 | p[1]);
    uint8_t *d = p + 2;
    size_t len = n - 2;
    air_bytes += (uint32_t)len;
    if (cls == LINK_IKE) {
        con_ike_line("<-", d, len, 0);
        mt_err e = COUNTED(mt_on_dgram(&ike, d, len, semi_clock_ms()));
        if (mt_err_class(e) == MT_CLASS_FATAL)
            say("   IKE failed: %s", err_name(e));
        drain_tx();
        return NULL;
    }
    if (cls != LINK_ESP)
        return NULL;
    uint8_t nh = 0;
    const uint8_t *inner = NULL;
    size_t ilen = 0;
    uint32_t spi =
        len >= 8 ? (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3] : 0;
    unsigned seq =
        len >= 8 ? (unsigned)d[4] << 24 | (unsigned)d[5] << 16 | (unsigned)d[6] << 8 | d[7] : 0;
    mt_err e = COUNTED(mt_esp_open(&sa, d, len, &nh, &inner, &ilen));
    if (e != MT_E_OK) {
        say("<- ESP  spi %08x  dropped: %s", (unsigned)spi, err_name(e));
        return NULL;
    }
    /* RFC 4301 §5.2: the inner packet must lie inside the SA's selectors */
    if (nh != IPPROTO_IPIP || !mk_inner_parse4(inner, ilen, v) || !v->csum_ok ||
        mk_inner_ts_check(v, &tsr, 1, &tsi, 1) != MK_TSM_OK) {
        say("<- ESP  spi %08x  inner packet dropped (malformed or outside the selectors)",
            (unsigned)spi);
        return NULL;
    }
    say("<- ESP  spi %08x seq %u %5u B  %s", (unsigned)spi, seq, (unsigned)len,
        v->proto == MK_IPPROTO_UDP ? "UDP" : "ICMP");
    return v;
}

static bool esp_send_inner(const uint8_t *inner, size_t ilen, const char *what)
{
    size_t n;
    mt_err e = COUNTED(mt_esp_seal(&sa, IPPROTO_IPIP, inner, ilen, pkt, sizeof pkt, &n));
    if (e != MT_E_OK) {
        say("   ESP seal failed: %s", err_name(e));
        return false;
    }
    say("-> ESP  spi %08x seq %u %5u B  %s", (unsigned)sa.spi_out, (unsigned)sa.seq_out,
        (unsigned)n, what);
    send_dgram(LINK_ESP, pkt, n);
    return true;
}

/* Wait for the door's ACK, STATUS lines and DONE (or wait_ms), answering IKE meanwhile */
static bool door_wait(void)
{
    uint64_t until = semi_clock_ms() + prov.wait_ms;
    mk_inner v;
    size_t n;
    for (;;) {
        uint64_t dl = mt_deadline(&ike);
        uint8_t type = link_poll(frame, sizeof frame, &n, dl < until ? dl : until);
        if (type == 0) {
            if (semi_clock_ms() >= until) {
                say("   no answer within %u ms", prov.wait_ms);
                return false;
            }
            (void)COUNTED(mt_on_timer(&ike, semi_clock_ms()));
            drain_tx();
            continue;
        }
        if (type != 'D' || on_datagram(frame, n, &v) == NULL || v.proto != MK_IPPROTO_UDP)
            continue;
        char text[64];
        size_t tl = v.len < sizeof text - 1 ? v.len : sizeof text - 1;
        for (size_t k = 0; k < tl; k++)
            text[k] = (v.data[k] >= 0x20 && v.data[k] < 0x7f) ? (char)v.data[k] : '.';
        text[tl] = '\0';
        bool status = !strncmp(text, "STATUS", 6);
        say("   %s door says: %s", status ? "LED blink" : "         ", text);
        if (!strncmp(text, "DONE", 4))
            return true;
    }
}

static unsigned max_stack, handshakes;
static uint64_t sum_insns;

static bool press(unsigned i)
{
    const char *cmd = prov.cmds[i];
    size_t n;
    bool ok = false;

    mk_inner v;
    press_insns = 0;
    air_bytes = 0;
    say("== press %u (%s): wake up, new IKE SA ==", i + 1, cmd);
    mt_err e = COUNTED(mt_init(&ike, &cfg, &env));
    if (e == MT_E_OK)
        e = COUNTED(mt_start(&ike, semi_clock_ms()));
    if (e != MT_E_OK) {
        say("   cannot start: %s", err_name(e));
        return false;
    }
    drain_tx();
    while (mt_state_get(&ike) == MT_ST_INIT_SENT || mt_state_get(&ike) == MT_ST_AUTH_SENT) {
        uint8_t type = link_poll(frame, sizeof frame, &n, mt_deadline(&ike));
        if (type == 'D')
            (void)on_datagram(frame, n, &v);
        else if (type == 0) {
            (void)COUNTED(mt_on_timer(&ike, semi_clock_ms()));
            drain_tx();
        }
    }
    if (!mt_child(&ike, &sa)) {
        say("   IKE SA failed: %s", err_name(mt_last_error(&ike)));
        mt_ike_wipe(&ike);
        return false;
    }
    uint64_t hs_insns = press_insns;
    say("   SA up: ESP out %08x / in %08x (plain ESP, IP protocol 50); sending %s",
        (unsigned)sa.spi_out, (unsigned)sa.spi_in, cmd);

    static uint8_t ib[128];
    char what[64];
    size_t ilen = mk_inner_udp4(ib, sizeof ib, prov.src, prov.dst, prov.sport, prov.dport,
                                (const uint8_t *)cmd, strlen(cmd), (uint16_t)(i + 1));
    snprintf(what, sizeof what, "UDP %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u \"%s\"", prov.src[0],
             prov.src[1], prov.src[2], prov.src[3], prov.sport, prov.dst[0], prov.dst[1],
             prov.dst[2], prov.dst[3], prov.dport, cmd);
    ok = esp_send_inner(ib, ilen, what) && door_wait();
    if (ok && prov.quiet_ms > 0) { /* stay awake a little for late packets, then sleep */
        uint64_t q = semi_clock_ms() + prov.quiet_ms;
        uint8_t type;
        while ((type = link_poll(frame, sizeof frame, &n, q)) != 0)
            if (type == 'D')
                (void)on_datagram(frame, n, &v);
    }
    size_t hw = board_stack_high_water();
    if (hw > max_stack)
        max_stack = (unsigned)hw;
    handshakes++;
    sum_insns += hs_insns;
    say("   sleep (SA forgotten, no Delete sent)");
    char b1[21], b2[21];
    /* the core's counters: mt_stats is its documented record, kept in the SA */
    metric("metric press=%u handshake_insns=%s press_insns=%s air_bytes=%u ike_dgrams=%u "
           "retransmits=%u",
           i + 1, u64(hs_insns, b1), u64(press_insns, b2), (unsigned)air_bytes,
           (unsigned)(ike.stats.tx_dgrams + ike.stats.rx_dgrams), (unsigned)ike.stats.retransmits);
    mt_ike_wipe(&ike);
    mt_esp_wipe(&sa);
    return ok;
}

/* ---- boot ---------------------------------------------------------------------------------- */

extern unsigned board_sbrk_calls;

/* the provisioning's IPv4 range as both cores' selector types */
static void set_ts(const prov_ts *p, mt_ts *t, mk_ts *m)
{
    *t = (mt_ts){.type = 7, .end_port = 0xFFFF};
    memcpy(t->start, p->lo, 4);
    memcpy(t->end, p->hi, 4);
    *m = (mk_ts){.type = MK_TS_IPV4_RANGE, .end_port = 0xFFFF};
    memcpy(m->start, p->lo, 4);
    memcpy(m->end, p->hi, 4);
}

int main(void)
{
    uart_init();
    board_counter_start();
    con_start();
    say("boot: minike garage-door opener, template core, Cortex-M4 (mps2-an386); mt_ike %u B "
        "static",
        (unsigned)sizeof ike);
    {
        char b[21];
        metric("metric calib_insns=%s calib_expected=2000000", u64(con_calibrate(), b));
    }
    if (!prov_boot(&prov, &drbg, frame, sizeof frame))
        return 2;
    if (prov.mode != MODE_DOOR || prov.idi.len > MT_MAX_ID || prov.idr.len > MT_MAX_ID) {
        say("boot: the template-core image runs the door with identities up to %u octets",
            (unsigned)MT_MAX_ID);
        return 2;
    }
    mt_config_defaults(&cfg);
    cfg.psk = prov.psk;
    cfg.psk_len = prov.psk_len;
    cfg.idi_type = prov.idi.type;
    cfg.idi_len = prov.idi.len;
    memcpy(cfg.idi, prov.idi.data, prov.idi.len);
    cfg.idr_type = prov.idr.type;
    cfg.idr_len = prov.idr.len;
    memcpy(cfg.idr, prov.idr.data, prov.idr.len);
    set_ts(&prov.tsi, &cfg.tsi, &tsi);
    set_ts(&prov.tsr, &cfg.tsr, &tsr);
    say("boot: seeded by the host, %u press(es), IKE chacha20poly1305-prfsha256-x25519, "
        "ESP chacha20poly1305, UDP 500 and ESP (no NAT-T)",
        prov.presses);

    unsigned ok = 0, presses = prov.presses;
    for (unsigned i = 0; i < presses; i++)
        ok += press(i) ? 1u : 0u;
    sodium_memzero(&prov, sizeof prov); /* the PSK, before sleeping for good */

    char b[21];
    metric("metric stack_high_water=%u stack_size=%u sbrk_calls=%u mbedtls_pool_max=0 "
           "mbedtls_pool_size=0 handshakes=%u mean_handshake_insns=%s presses_ok=%u",
           max_stack, (unsigned)board_stack_size(), board_sbrk_calls, handshakes,
           u64(handshakes ? sum_insns / handshakes : 0, b), ok);
    int code = ok == presses && board_sbrk_calls == 0 ? 0 : 1;
    uint8_t c = (uint8_t)code;
    link_send('X', &c, 1);
    return code;
}
