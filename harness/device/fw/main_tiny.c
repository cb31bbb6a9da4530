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
 * The remote itself (boot, the press timeline, the door's answers, the metric lines) is
 * fw/door.c, the same as main.c's, so bench/device.sh reads both images alike; this file is
 * what is particular to the template core.
 */
#include <stdio.h>
#include <string.h>

#include "inner.h"
#include "minike_tiny.h"

#include "../board/board.h"
#include "console.h"
#include "door.h"
#include "link.h"

/* Link classes (fw/link.h 'D' frames): a UDP port, or here also the IP protocol of raw ESP */
enum { LINK_IKE = MT_PORT, LINK_ESP = 50, IPPROTO_IPIP = 4 };

static const mt_env env = {&door_drbg, fw_drbg_rng};
static mt_config cfg;
static mt_ike ike;
static mt_esp_sa sa;
static mk_ts tsi, tsr; /* the configured selectors, for the inner packet check (inner.h) */
static uint8_t pkt[LINK_MAX];

/* The template core has no error text (a device does not print): the names, for the timeline */
__attribute__((noinline)) static const char *err_name(mt_err e)
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

static void drain_tx(void)
{
    const uint8_t *p;
    size_t n;
    while ((n = mt_tx(&ike, &p)) > 0) {
        con_ike_line("->", p, n, 0);
        door_send(LINK_IKE, p, n);
        mt_tx_done(&ike);
    }
}

/* door.h: a datagram from the link; IKE on UDP 500, ESP as IP protocol 50 */
const mk_inner *door_core_rx(uint16_t cls, uint8_t *d, size_t len, mk_inner *v)
{
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
    mt_err e = COUNTED(mt_esp_open(&sa, d, len, &nh, &inner, &ilen));
    return door_esp_rx(d, len, e == MT_E_OK ? NULL : err_name(e), nh, inner, ilen, &tsi, &tsr, v);
}

bool door_core_seal(const uint8_t *inner, size_t ilen, const char *what)
{
    size_t n;
    mt_err e = COUNTED(mt_esp_seal(&sa, IPPROTO_IPIP, inner, ilen, pkt, sizeof pkt, &n));
    if (e != MT_E_OK) {
        say("   ESP seal failed: %s", err_name(e));
        return false;
    }
    door_esp_tx(LINK_ESP, pkt, n, what);
    return true;
}

void door_core_timer(void)
{
    (void)COUNTED(mt_on_timer(&ike, semi_clock_ms()));
    drain_tx();
}

uint64_t door_core_deadline(void)
{
    return mt_deadline(&ike);
}

/* a fresh IKE SA: its first request queued */
static mt_err start(void)
{
    mt_err e = mt_init(&ike, &cfg, &env);
    return e == MT_E_OK ? mt_start(&ike, semi_clock_ms()) : e;
}

static bool press(unsigned i)
{
    door_press_start(i);
    mt_err e = COUNTED(start());
    if (e != MT_E_OK) {
        say("   cannot start: %s", err_name(e));
        return false;
    }
    drain_tx();
    while (mt_state_get(&ike) == MT_ST_INIT_SENT || mt_state_get(&ike) == MT_ST_AUTH_SENT)
        door_step();
    if (!mt_child(&ike, &sa)) {
        say("   IKE SA failed: %s", err_name(mt_last_error(&ike)));
        mt_ike_wipe(&ike);
        return false;
    }
    uint32_t hs_insns = door_insns;
    say("   SA up: ESP out %08x / in %08x (plain ESP, IP protocol 50); sending %s",
        (unsigned)sa.spi_out, (unsigned)sa.spi_in, door_prov.cmds[i]);
    bool done = door_command(i);
    /* the core's counters: mt_stats is its documented record, kept in the SA */
    door_press_end(i, hs_insns, (unsigned)(ike.stats.tx_dgrams + ike.stats.rx_dgrams),
                   (unsigned)ike.stats.retransmits);
    mt_ike_wipe(&ike);
    mt_esp_wipe(&sa);
    return done;
}

/* ---- boot ---------------------------------------------------------------------------------- */

/* the provisioning's IPv4 range as both cores' selector types: into the config, which
 * mt_config_defaults() gave type 7 (IPv4 range), any protocol and all ports, and into the
 * zeroed static mk_ts the inner packet check reads */
__attribute__((noinline)) static void set_ts(const prov_ts *p, mt_ts *t, mk_ts *m)
{
    memcpy(t->start, p->lo, 4);
    memcpy(t->end, p->hi, 4);
    m->type = MK_TS_IPV4_RANGE;
    m->end_port = 0xFFFF;
    memcpy(m->start, p->lo, 4);
    memcpy(m->end, p->hi, 4);
}

int main(void)
{
    if (!door_boot("template core, ", "mt_ike", sizeof ike))
        return 2;
    const fw_prov *p = &door_prov;
    if (p->mode != MODE_DOOR || p->idi.len > MT_MAX_ID || p->idr.len > MT_MAX_ID) {
        say("boot: the template-core image runs the door with identities up to %u octets",
            (unsigned)MT_MAX_ID);
        return 2;
    }
    mt_config_defaults(&cfg);
    cfg.psk = p->psk;
    cfg.psk_len = p->psk_len;
    cfg.idi_type = p->idi.type;
    cfg.idi_len = p->idi.len;
    memcpy(cfg.idi, p->idi.data, p->idi.len);
    cfg.idr_type = p->idr.type;
    cfg.idr_len = p->idr.len;
    memcpy(cfg.idr, p->idr.data, p->idr.len);
    set_ts(&p->tsi, &cfg.tsi, &tsi);
    set_ts(&p->tsr, &cfg.tsr, &tsr);
    say("boot: seeded by the host, %u press(es), IKE chacha20poly1305-prfsha256-x25519, "
        "ESP chacha20poly1305, UDP 500 and ESP (no NAT-T)",
        p->presses);

    unsigned ok = 0;
    for (unsigned i = 0; i < p->presses; i++)
        ok += press(i) ? 1u : 0u;
    return door_exit(ok, 0, 0);
}
