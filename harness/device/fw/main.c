/* SPDX-License-Identifier: MIT */
/*
 * The garage-door opener (Tero Kivinen, "Minimal IKEv2", 2011) as Cortex-M4 firmware: at boot it
 * asks the host bridge for its DRBG seed and its provisioning (PSK, identities, selectors,
 * addresses: what a real remote keeps in flash), then for each button press: wake, a fresh IKE SA
 * (IKE_SA_INIT + IKE_AUTH through the sans-I/O core), the command ("OPEN", "CLOSE") inside ESP,
 * print the ACK and each STATUS, and after DONE (and a quiet timeout) wipe the SA and sleep.
 * In `ping` mode (strongSwan, which has no door) the press is one ICMP echo through the tunnel.
 * The remote itself (boot, the press timeline, the door's answers, the metric lines) is
 * fw/door.c, shared with main_tiny.c; this file is what is particular to the general core: its
 * config, NAT-T's UDP 4500, the key export for --keys, and `ping` mode.
 */
#include <stdio.h>
#include <string.h>

#include "minike_tools.h"
#include "inner.h"

#include "../board/board.h"
#include "console.h"
#include "door.h"
#include "link.h"
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

/* ---- the core ------------------------------------------------------------------------------ */

static const mk_env env = {&door_drbg, fw_drbg_rng, on_trace};
static mk_config cfg;
static mk_ike ike;
static mk_esp_sa sa;
static mk_ike_keys keys;
static uint8_t pkt[LINK_MAX];

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
        door_send(port, p, n);
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

/* door.h: a datagram from the link; IKE on 500, or on 4500 behind the non-ESP marker; ESP on
 * 4500 without it (RFC 3948 §2.2) */
const mk_inner *door_core_rx(uint16_t port, uint8_t *d, size_t len, mk_inner *v)
{
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
    return door_esp_rx(d, len, e == MK_E_OK ? NULL : mk_err_name(e), nh, inner, ilen, &cfg.tsi,
                       &cfg.tsr, v);
}

bool door_core_seal(const uint8_t *inner, size_t ilen, const char *what)
{
    size_t n;
    mk_err e = COUNTED(mk_esp_seal(&sa, &env, MK_IPPROTO_IPIP, inner, ilen, pkt, sizeof pkt, &n));
    if (e != MK_E_OK) {
        say("   ESP seal failed: %s", mk_err_name(e));
        return false;
    }
    door_esp_tx(sa.udp_encap ? MK_PORT_NATT : MK_PORT_IKE, pkt, n, what);
    return true;
}

void door_core_timer(void)
{
    (void)COUNTED(mk_on_timer(&ike, semi_clock_ms()));
    drain_tx();
}

uint64_t door_core_deadline(void)
{
    return mk_deadline(&ike);
}

/* "a.b.c.d" in buf, for the timeline */
static const char *ip4(char buf[16], const uint8_t ip[4])
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return buf;
}

/* ---- one press ----------------------------------------------------------------------------- */

/* ping mode (strongSwan has no door): one ICMP echo through the tunnel, and its reply */
static bool ping(unsigned i)
{
    const fw_prov *p = &door_prov;
    static uint8_t ib[128];
    char what[64];
    size_t ilen = mk_inner_icmp4_echo(ib, sizeof ib, p->src, p->dst, MK_ICMP_ECHO_REQUEST, 0x4d4b,
                                      (uint16_t)(i + 1), (const uint8_t *)"minike device", 13,
                                      (uint16_t)(i + 1));
    char a[16], b[16];
    snprintf(what, sizeof what, "ICMP echo %s -> %s", ip4(a, p->src), ip4(b, p->dst));
    if (!door_core_seal(ib, ilen, what))
        return false;
    uint64_t until = semi_clock_ms() + p->wait_ms;
    mk_inner v;
    while (door_next(until, &v) != NULL) {
        if (v.proto == MK_IPPROTO_ICMP && v.icmp_type == MK_ICMP_ECHO_REPLY &&
            v.icmp_seq == i + 1) {
            say("   echo reply from %s, %u octets", ip4(a, v.src), (unsigned)v.len);
            door_quiet(); /* stay awake a little for late packets, then sleep */
            return true;
        }
    }
    return false;
}

/* a fresh IKE SA: its first request queued */
static mk_err start(void)
{
    mk_err e = mk_init(&ike, &cfg, &env);
    return e == MK_E_OK ? mk_start(&ike, semi_clock_ms()) : e;
}

static bool press(unsigned i)
{
    door_press_start(i);
    have_prf_keys = false;
    mk_err e = COUNTED(start());
    if (e != MK_E_OK) {
        say("   cannot start: %s", mk_err_name(e));
        return false;
    }
    drain_tx();
    while (mk_state_get(&ike) != MK_ST_ESTABLISHED && mk_state_get(&ike) != MK_ST_FAILED)
        door_step();
    if (mk_state_get(&ike) == MK_ST_FAILED || !mk_child(&ike, &sa)) {
        say("   IKE SA failed: %s (%s)", mk_err_name(mk_last_error(&ike)),
            mk_err_str(mk_last_error(&ike)));
        mk_ike_wipe(&ike);
        return false;
    }
    uint32_t hs_insns = door_insns;
    keys_refresh();
    say("   SA up: ESP out %08x / in %08x (%s); sending %s", (unsigned)sa.spi_out,
        (unsigned)sa.spi_in, sa.udp_encap ? "UDP-encapsulated" : "plain ESP",
        door_prov.mode == MODE_PING ? "ICMP echo" : door_prov.cmds[i]);
    if (door_prov.keys)
        keys_send();
    mk_wipe(&keys, sizeof keys);

    /* wait for the answer: the echo reply, or the door's ACK, STATUS lines and DONE */
    bool done = door_prov.mode == MODE_PING ? ping(i) : door_command(i);
    const mk_stats *st = mk_stats_get(&ike);
    door_press_end(i, hs_insns, (unsigned)(st->tx_dgrams + st->rx_dgrams),
                   (unsigned)st->retransmits);
    mk_ike_wipe(&ike);
    mk_esp_wipe(&sa);
    return done;
}

/* ---- boot ---------------------------------------------------------------------------------- */

/* the provisioning's plain octets into the general core's config, which mk_config_defaults()
 * zeroed: written in place, not returned by value (flash: no struct copies) */
static void set_id(mk_id *id, const prov_id *p)
{
    id->type = p->type;
    id->len = p->len;
    memcpy(id->data, p->data, p->len);
}

static void set_ts(mk_ts *ts, const prov_ts *p)
{
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 0xFFFF;
    memcpy(ts->start, p->lo, 4);
    memcpy(ts->end, p->hi, 4);
}

static void set_addr(mk_addr *a, const prov_addr *p)
{
    a->family = 4;
    a->port = p->port;
    memcpy(a->ip, p->ip, 4);
}

int main(void)
{
    mbedtls_pool_init();
    if (!door_boot("", "mk_ike", sizeof ike))
        return 2;
    const fw_prov *p = &door_prov;
    mk_config_defaults(&cfg);
    cfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 0, 0};
    cfg.n_esp = 1;
    cfg.psk = p->psk;
    cfg.psk_len = p->psk_len;
    set_id(&cfg.idi, &p->idi);
    set_id(&cfg.idr, &p->idr);
    set_ts(&cfg.tsi, &p->tsi);
    set_ts(&cfg.tsr, &p->tsr);
    cfg.tunnel = true;
    cfg.natt = true; /* ESP must travel in UDP here (no kernel ESP on the host side) */
    cfg.force_4500 = p->force_4500;
    set_addr(&cfg.local, &p->local);
    set_addr(&cfg.remote, &p->remote);
    say("boot: seeded by the host, %u press(es), IKE chacha20poly1305-prfsha256-x25519, "
        "ESP chacha20poly1305",
        p->presses);

    unsigned ok = 0;
    for (unsigned i = 0; i < p->presses; i++)
        ok += press(i) ? 1u : 0u;
    return door_exit(ok, mbedtls_pool_max(), mbedtls_pool_size());
}
