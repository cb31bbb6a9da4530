/* SPDX-License-Identifier: MIT */
/*
 * The garage-door opener (Tero Kivinen, "Minimal IKEv2", 2011) as Cortex-M4 firmware: at boot it
 * asks the host bridge for its DRBG seed and its provisioning (PSK, identities, selectors,
 * addresses: what a real remote keeps in flash), then for each button press: wake, a fresh IKE SA
 * (IKE_SA_INIT + IKE_AUTH through the sans-I/O core), the command ("OPEN", "CLOSE") inside ESP,
 * print the ACK and each STATUS, and after DONE (and a quiet timeout) wipe the SA and sleep.
 * In `ping` mode (strongSwan, which has no door) the press is one ICMP echo through the tunnel.
 * Everything lives in static storage: no heap anywhere (board/syscalls.c makes _sbrk fail).
 * Lines starting with "metric " are read by bench/device.sh and the tests.
 */
#include <stdio.h>
#include <string.h>

#include "minike_tools.h"
#include "inner.h"

#include "../board/board.h"
#include "console.h"
#include "drbg.h"
#include "link.h"
#include "prov.h"
#if FW_MBEDTLS_POOL
#include "mbedtls_pool.h"
#else
/* No mbedTLS bignum in this image (Makefile FW_MBEDTLS_POOL=0): no pool; metric size 0. */
static void mbedtls_pool_init(void)
{
}
static size_t mbedtls_pool_max(void)
{
    return 0;
}
static size_t mbedtls_pool_size(void)
{
    return 0;
}
#endif

static fw_prov prov;

/* ---- the timeline -------------------------------------------------------------------------- */

static void on_trace(void *ctx, mk_event ev, const char *detail)
{
    (void)ctx;
    if (ev == MK_EV_TX)
        say("-> %s", detail);
    else if (ev == MK_EV_RX)
        say("<- %s", detail);
    else if (ev == MK_EV_DROP)
        say("   dropped: %s", detail);
    else if (ev == MK_EV_RETRANSMIT)
        say("   retransmission %s", detail);
}

/* ---- one press ----------------------------------------------------------------------------- */

static fw_drbg drbg;
static const mk_env env = {&drbg, fw_drbg_rng, on_trace};
static mk_config cfg;
static mk_ike ike;
static mk_esp_sa sa;
static mk_ike_keys keys;
static uint8_t frame[LINK_MAX];
static uint8_t pkt[LINK_MAX];

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

static uint32_t air_bytes; /* UDP payload octets both ways for this press */

static void send_dgram(uint16_t port, const uint8_t *p, size_t n)
{
    uint8_t hdr[2] = {(uint8_t)(port >> 8), (uint8_t)port};
    link_send2('D', hdr, 2, p, n);
    air_bytes += (uint32_t)n;
}

/* The timeline's IKE lines when the core has no trace text (MK_TRACE=0, the minimal profile) */
static void ike_line(const char *dir, const uint8_t *d, size_t len, uint16_t port)
{
#if MK_TRACE
    (void)dir, (void)d, (void)len, (void)port;
#else
    con_ike_line(dir, d, len, port == MK_PORT_NATT ? MK_NATT_MARKER : 0);
#endif
}

static void drain_tx(void)
{
    const uint8_t *p;
    uint16_t port;
    size_t n;
    while ((n = mk_tx_peek(&ike, &p, &port)) > 0) {
        ike_line("->", p, n, port);
        send_dgram(port, p, n);
        mk_tx_done(&ike);
    }
}

/* Keys for the bridge's --keys tables: SK_d/SK_pi/SK_pr exist only between the IKE_SA_INIT and
 * IKE_AUTH responses, so they are caught then; the rest once the SA is up. Binary, fixed
 * layout (bridge.py KEYS_FMT). */
static bool have_prf_keys;
static void keys_refresh(void)
{
    mk_ike_keys k;
    if (!mk_keys_export(&ike, &k))
        return;
    if (k.prf_len == 0 && have_prf_keys) {
        memcpy(k.sk_d, keys.sk_d, sizeof k.sk_d);
        memcpy(k.sk_pi, keys.sk_pi, sizeof k.sk_pi);
        memcpy(k.sk_pr, keys.sk_pr, sizeof k.sk_pr);
        k.prf_len = keys.prf_len;
    }
    have_prf_keys = k.prf_len != 0;
    keys = k;
    mk_wipe(&k, sizeof k);
}

static void keys_send(void)
{
    uint8_t b[400];
    size_t o = 0;
#define PUT(p, n) (memcpy(b + o, (p), (n)), o += (n))
    uint8_t lens[4] = {keys.encr_len, keys.integ_len, keys.prf_len, sa.ek_len};
    PUT(keys.spi_i, 8);
    PUT(keys.spi_r, 8);
    PUT(lens, 4);
    PUT(keys.sk_ei, keys.encr_len);
    PUT(keys.sk_er, keys.encr_len);
    PUT(keys.sk_ai, keys.integ_len);
    PUT(keys.sk_ar, keys.integ_len);
    PUT(keys.sk_d, keys.prf_len);
    PUT(keys.sk_pi, keys.prf_len);
    PUT(keys.sk_pr, keys.prf_len);
    uint8_t spis[8] = {(uint8_t)(sa.spi_out >> 24), (uint8_t)(sa.spi_out >> 16),
                       (uint8_t)(sa.spi_out >> 8),  (uint8_t)sa.spi_out,
                       (uint8_t)(sa.spi_in >> 24),  (uint8_t)(sa.spi_in >> 16),
                       (uint8_t)(sa.spi_in >> 8),   (uint8_t)sa.spi_in};
    PUT(spis, 8);
    PUT(sa.ek_out, sa.ek_len);
    PUT(sa.ek_in, sa.ek_len);
#undef PUT
    link_send('K', b, o);
    mk_wipe(b, sizeof b);
}

/* Handle one received datagram; returns the inner packet's payload when it was ESP that
 * opened and passed the selector check (NULL otherwise). */
static const mk_inner *on_datagram(const uint8_t *p, size_t n, mk_inner *v)
{
    if (n < 2)
        return NULL;
    uint16_t port = (uint16_t)(p[0] << 8 | p[1]);
    uint8_t *d = (uint8_t *)p + 2;
    size_t len = n - 2;
    air_bytes += (uint32_t)len;
    static const uint8_t marker[MK_NATT_MARKER] = {0};
    bool esp = port == MK_PORT_NATT && len >= MK_NATT_MARKER && memcmp(d, marker, 4) != 0;
    if (!esp) {
        ike_line("<-", d, len, port);
        mk_err e = COUNTED(mk_on_dgram(&ike, d, len, port, semi_clock_ms()));
        if (e != MK_E_OK && mk_err_class(e) != MK_CLASS_DROP && mk_state_get(&ike) == MK_ST_FAILED)
            say("   IKE failed: %s", mk_err_name(e));
        keys_refresh();
        drain_tx();
        return NULL;
    }
    uint8_t nh = 0;
    const uint8_t *inner = NULL;
    size_t ilen = 0;
    mk_err e = COUNTED(mk_esp_open(&sa, d, len, &nh, &inner, &ilen));
    uint32_t spi = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    if (e != MK_E_OK) {
        say("<- ESP  spi %08x  dropped: %s", (unsigned)spi, mk_err_name(e));
        return NULL;
    }
    /* RFC 4301 §5.2: the inner packet must lie inside the SA's selectors */
    if (nh != MK_IPPROTO_IPIP || !mk_inner_parse4(inner, ilen, v) || !v->csum_ok ||
        mk_inner_ts_check(v, &cfg.tsr, 1, &cfg.tsi, 1) != MK_TSM_OK) {
        say("<- ESP  spi %08x  inner packet dropped (malformed or outside the selectors)",
            (unsigned)spi);
        return NULL;
    }
    say("<- ESP  spi %08x seq %u %5u B  %s", (unsigned)spi,
        (unsigned)((uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7]),
        (unsigned)len, v->proto == MK_IPPROTO_UDP ? "UDP" : "ICMP");
    return v;
}

static bool esp_send_inner(const uint8_t *inner, size_t ilen, const char *what)
{
    size_t n;
    mk_err e = COUNTED(mk_esp_seal(&sa, &env, MK_IPPROTO_IPIP, inner, ilen, pkt, sizeof pkt, &n));
    if (e != MK_E_OK) {
        say("   ESP seal failed: %s", mk_err_name(e));
        return false;
    }
    say("-> ESP  spi %08x seq %u %5u B  %s", (unsigned)sa.spi_out, (unsigned)sa.seq_out,
        (unsigned)n, what);
    send_dgram(sa.udp_encap ? MK_PORT_NATT : MK_PORT_IKE, pkt, n);
    return true;
}

static unsigned max_stack, handshakes;
static uint64_t sum_insns;

static bool press(unsigned i)
{
    const char *cmd = prov.cmds[i];
    mk_inner v;
    size_t n;
    uint8_t type;
    bool ok = false;

    press_insns = 0;
    air_bytes = 0;
    have_prf_keys = false;
    say("== press %u (%s): wake up, new IKE SA ==", i + 1, cmd);
    mk_err e = COUNTED(mk_init(&ike, &cfg, &env));
    if (e == MK_E_OK)
        e = COUNTED(mk_start(&ike, semi_clock_ms()));
    if (e != MK_E_OK) {
        say("   cannot start: %s", mk_err_name(e));
        return false;
    }
    drain_tx();
    while (mk_state_get(&ike) != MK_ST_ESTABLISHED && mk_state_get(&ike) != MK_ST_FAILED) {
        uint64_t dl = mk_deadline(&ike);
        type = link_poll(frame, sizeof frame, &n, dl);
        if (type == 'D')
            (void)on_datagram(frame, n, &v);
        else if (type == 0) {
            (void)COUNTED(mk_on_timer(&ike, semi_clock_ms()));
            drain_tx();
        }
    }
    if (mk_state_get(&ike) == MK_ST_FAILED || !mk_child(&ike, &sa)) {
        say("   IKE SA failed: %s (%s)", mk_err_name(mk_last_error(&ike)),
            mk_err_str(mk_last_error(&ike)));
        mk_ike_wipe(&ike);
        return false;
    }
    uint64_t hs_insns = press_insns;
    keys_refresh();
    say("   SA up: ESP out %08x / in %08x (%s); sending %s", (unsigned)sa.spi_out,
        (unsigned)sa.spi_in, sa.udp_encap ? "UDP-encapsulated" : "plain ESP",
        prov.mode == MODE_PING ? "ICMP echo" : cmd);
    if (prov.keys)
        keys_send();
    mk_wipe(&keys, sizeof keys);

    size_t ilen = 0;
    char what[64];
    if (prov.mode == MODE_PING) {

        static uint8_t ib[128];
        ilen = mk_inner_icmp4_echo(ib, sizeof ib, prov.src, prov.dst, MK_ICMP_ECHO_REQUEST, 0x4d4b,
                                   (uint16_t)(i + 1), (const uint8_t *)"minike device", 13,
                                   (uint16_t)(i + 1));
        snprintf(what, sizeof what, "ICMP echo %u.%u.%u.%u -> %u.%u.%u.%u", prov.src[0],
                 prov.src[1], prov.src[2], prov.src[3], prov.dst[0], prov.dst[1], prov.dst[2],
                 prov.dst[3]);
        ok = esp_send_inner(ib, ilen, what);
    } else {
        static uint8_t ib[128];
        ilen = mk_inner_udp4(ib, sizeof ib, prov.src, prov.dst, prov.sport, prov.dport,
                             (const uint8_t *)cmd, strlen(cmd), (uint16_t)(i + 1));
        snprintf(what, sizeof what, "UDP %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u \"%s\"", prov.src[0],
                 prov.src[1], prov.src[2], prov.src[3], prov.sport, prov.dst[0], prov.dst[1],
                 prov.dst[2], prov.dst[3], prov.dport, cmd);
        ok = esp_send_inner(ib, ilen, what);
    }
    /* wait for the answer: the echo reply, or the door's ACK, STATUS lines and DONE */
    bool done = false;
    uint64_t until = semi_clock_ms() + prov.wait_ms;
    while (ok && !done) {
        uint64_t dl = mk_deadline(&ike);
        type = link_poll(frame, sizeof frame, &n, dl < until ? dl : until);
        if (type == 0) {
            if (semi_clock_ms() >= until) {
                say("   no answer within %u ms", prov.wait_ms);
                ok = false;
                break;
            }
            (void)COUNTED(mk_on_timer(&ike, semi_clock_ms()));
            drain_tx();
            continue;
        }
        if (type != 'D' || on_datagram(frame, n, &v) == NULL)
            continue;
        if (prov.mode == MODE_PING) {
            if (v.proto == MK_IPPROTO_ICMP && v.icmp_type == MK_ICMP_ECHO_REPLY &&
                v.icmp_seq == i + 1) {
                say("   echo reply from %u.%u.%u.%u, %u octets", v.src[0], v.src[1], v.src[2],
                    v.src[3], (unsigned)v.len);
                done = true;
            }
            continue;
        }
        if (v.proto != MK_IPPROTO_UDP)
            continue;
        char text[64];
        size_t tl = v.len < sizeof text - 1 ? v.len : sizeof text - 1;
        for (size_t k = 0; k < tl; k++)
            text[k] = (v.data[k] >= 0x20 && v.data[k] < 0x7f) ? (char)v.data[k] : '.';
        text[tl] = '\0';
        bool status = !strncmp(text, "STATUS", 6);
        say("   %s door says: %s", status ? "LED blink" : "         ", text);
        if (!strncmp(text, "DONE", 4))
            done = true;
    }
    if (done && prov.quiet_ms > 0) { /* stay awake a little for late packets, then sleep */
        uint64_t q = semi_clock_ms() + prov.quiet_ms;
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
    metric("metric press=%u handshake_insns=%s press_insns=%s air_bytes=%u ike_dgrams=%u "
           "retransmits=%u",
           i + 1, u64(hs_insns, b1), u64(press_insns, b2), (unsigned)air_bytes,
           (unsigned)(mk_stats_get(&ike)->tx_dgrams + mk_stats_get(&ike)->rx_dgrams),
           (unsigned)mk_stats_get(&ike)->retransmits);
    mk_ike_wipe(&ike);
    mk_esp_wipe(&sa);
    return ok && done;
}

/* ---- boot ---------------------------------------------------------------------------------- */

extern unsigned board_sbrk_calls;

/* the provisioning's plain octets as the general core's config types */
static mk_id to_id(const prov_id *p)
{
    mk_id id = {.type = p->type, .len = p->len};
    memcpy(id.data, p->data, p->len);
    return id;
}

static mk_ts to_ts(const prov_ts *p)
{
    mk_ts ts = {.type = MK_TS_IPV4_RANGE, .end_port = 0xFFFF};
    memcpy(ts.start, p->lo, 4);
    memcpy(ts.end, p->hi, 4);
    return ts;
}

static mk_addr to_addr(const prov_addr *p)
{
    mk_addr a = {.family = 4, .port = p->port};
    memcpy(a.ip, p->ip, 4);
    return a;
}

int main(void)
{
    uart_init();
    board_counter_start();
    mbedtls_pool_init();
    con_start();
    say("boot: minike garage-door opener, Cortex-M4 (mps2-an386); mk_ike %u B static",
        (unsigned)sizeof ike);
    {
        char b[21];
        metric("metric calib_insns=%s calib_expected=2000000", u64(con_calibrate(), b));
    }
    if (!prov_boot(&prov, &drbg, frame, sizeof frame))
        return 2;
    mk_config_defaults(&cfg);
    cfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 0, 0};
    cfg.n_esp = 1;
    cfg.psk = prov.psk;
    cfg.psk_len = prov.psk_len;
    cfg.idi = to_id(&prov.idi);
    cfg.idr = to_id(&prov.idr);
    cfg.tsi = to_ts(&prov.tsi);
    cfg.tsr = to_ts(&prov.tsr);
    cfg.tunnel = true;
    cfg.natt = true; /* ESP must travel in UDP here (no kernel ESP on the host side) */
    cfg.force_4500 = prov.force_4500;
    cfg.local = to_addr(&prov.local);
    cfg.remote = to_addr(&prov.remote);
    say("boot: seeded by the host, %u press(es), IKE chacha20poly1305-prfsha256-x25519, "
        "ESP chacha20poly1305",
        prov.presses);

    unsigned ok = 0;
    for (unsigned i = 0; i < prov.presses; i++)
        ok += press(i) ? 1u : 0u;

    char b[21];
    metric("metric stack_high_water=%u stack_size=%u sbrk_calls=%u mbedtls_pool_max=%u "
           "mbedtls_pool_size=%u handshakes=%u mean_handshake_insns=%s presses_ok=%u",
           max_stack, (unsigned)board_stack_size(), board_sbrk_calls, (unsigned)mbedtls_pool_max(),
           (unsigned)mbedtls_pool_size(), handshakes,
           u64(handshakes ? sum_insns / handshakes : 0, b), ok);
    int code = ok == prov.presses && board_sbrk_calls == 0 ? 0 : 1;
    uint8_t c = (uint8_t)code;
    link_send('X', &c, 1);
    return code;
}
