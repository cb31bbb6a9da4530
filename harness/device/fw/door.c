/* SPDX-License-Identifier: MIT */
/* door: see door.h. Everything lives in static storage: no heap anywhere (board/syscalls.c makes
 * _sbrk fail). Lines starting with "metric " are read by bench/device.sh and the tests. */
#include <stdio.h>
#include <string.h>

#include <sodium/utils.h>

#include "../board/board.h"
#include "console.h"
#include "door.h"
#include "link.h"

fw_prov door_prov;
fw_drbg door_drbg;
uint32_t door_insns;

static uint8_t frame[LINK_MAX];
/* the press's and the run's counters, one block */
static struct {
    uint64_t sum_insns;
    uint32_t air_bytes; /* datagram payload octets both ways for this press */
    unsigned max_stack, handshakes;
} run;

extern unsigned board_sbrk_calls;

/* door_insns += stop - start, in two halves (unsigned: the wrap in between cancels) */
void door_count_start(void)
{
    door_insns -= (uint32_t)board_insns();
}

void door_count_stop(void)
{
    door_insns += (uint32_t)board_insns();
}

bool door_boot(const char *core, const char *ike, size_t ike_size)
{
    uart_init();
    board_counter_start();
    con_start();
    say("boot: minike garage-door opener, %sCortex-M4 (mps2-an386); %s %u B static", core, ike,
        (unsigned)ike_size);
    char b[21];
    metric("metric calib_insns=%s calib_expected=2000000", u64(con_calibrate(), b));
    return prov_boot(&door_prov, &door_drbg, frame, sizeof frame);
}

void door_send(uint16_t cls, const uint8_t *p, size_t n)
{
    uint8_t hdr[2] = {(uint8_t)(cls >> 8), (uint8_t)cls};
    link_send2('D', hdr, 2, p, n);
    run.air_bytes += (uint32_t)n;
}

__attribute__((always_inline)) static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

const mk_inner *door_esp_rx(const uint8_t *d, size_t len, const char *err, uint8_t nh,
                            const uint8_t *inner, size_t ilen, const mk_ts *tsi, const mk_ts *tsr,
                            mk_inner *v)
{
    unsigned spi = len >= 4 ? (unsigned)be32(d) : 0;
    if (err != NULL) {
        say("<- ESP  spi %08x  dropped: %s", spi, err);
        return NULL;
    }
    /* RFC 4301 §5.2: the inner packet must lie inside the SA's selectors */
    if (nh != MK_IPPROTO_IPIP || !mk_inner_parse4(inner, ilen, v) || !v->csum_ok ||
        mk_inner_ts_check(v, tsr, 1, tsi, 1) != MK_TSM_OK) {
        say("<- ESP  spi %08x  inner packet dropped (malformed or outside the selectors)", spi);
        return NULL;
    }
    /* it opened, so the 8-octet header is there */
    say("<- ESP  spi %08x seq %u %5u B  %s", spi, (unsigned)be32(d + 4), (unsigned)len,
        v->proto == MK_IPPROTO_UDP ? "UDP" : "ICMP");
    return v;
}

void door_esp_tx(uint16_t cls, const uint8_t *p, size_t n, const char *what)
{
    /* RFC 4303 §2: SPI and Sequence Number lead the packet */
    say("-> ESP  spi %08x seq %u %5u B  %s", (unsigned)be32(p), (unsigned)be32(p + 4), (unsigned)n,
        what);
    door_send(cls, p, n);
}

/* One poll of the link until deadline_ms: 0 at the deadline, else the frame's type. A datagram
 * ('D': class | payload) goes to the core; its inner packet, if any, in *got. */
static uint8_t poll(uint64_t deadline_ms, mk_inner *v, const mk_inner **got)
{
    size_t n;
    uint8_t type = link_poll(frame, sizeof frame, &n, deadline_ms);
    *got = NULL;
    if (type == 'D' && n >= 2) {
        run.air_bytes += (uint32_t)(n - 2);
        *got = door_core_rx((uint16_t)(frame[0] << 8 | frame[1]), frame + 2, n - 2, v);
    }
    return type;
}

void door_press_start(unsigned i)
{
    door_insns = 0;
    run.air_bytes = 0;
    say("== press %u (%s): wake up, new IKE SA ==", i + 1, door_prov.cmds[i]);
}

void door_step(void)
{
    mk_inner v;
    const mk_inner *got;
    if (poll(door_core_deadline(), &v, &got) == 0)
        door_core_timer();
}

/* the command of press i to the door in UDP inside ESP */
static bool send_cmd(unsigned i)
{
    const fw_prov *p = &door_prov;
    const char *cmd = p->cmds[i];
    uint8_t ib[128];
    char what[64];
    size_t ilen = mk_inner_udp4(ib, sizeof ib, p->src, p->dst, p->sport, p->dport,
                                (const uint8_t *)cmd, strlen(cmd), (uint16_t)(i + 1));
    snprintf(what, sizeof what, "UDP %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u \"%s\"", p->src[0], p->src[1],
             p->src[2], p->src[3], p->sport, p->dst[0], p->dst[1], p->dst[2], p->dst[3], p->dport,
             cmd);
    return door_core_seal(ib, ilen, what);
}

const mk_inner *door_next(uint64_t until, mk_inner *v)
{
    for (;;) {
        uint64_t dl = door_core_deadline();
        const mk_inner *got;
        if (poll(dl < until ? dl : until, v, &got) != 0) {
            if (got != NULL)
                return got;
        } else if (semi_clock_ms() >= until) {
            say("   no answer within %u ms", door_prov.wait_ms);
            return NULL;
        } else {
            door_core_timer();
        }
    }
}

/* the door's ACK, STATUS lines and DONE within wait_ms: true at DONE */
static bool wait_done(void)
{
    uint64_t until = semi_clock_ms() + door_prov.wait_ms;
    mk_inner v;
    while (door_next(until, &v) != NULL) {
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
            return true;
    }
    return false;
}

void door_quiet(void)
{
    if (door_prov.quiet_ms == 0)
        return;
    uint64_t q = semi_clock_ms() + door_prov.quiet_ms;
    mk_inner v;
    const mk_inner *got;
    while (poll(q, &v, &got) != 0)
        ;
}

bool door_command(unsigned i)
{
    bool done = send_cmd(i) && wait_done();
    if (done) /* stay awake a little for late packets, then sleep */
        door_quiet();
    return done;
}

void door_press_end(unsigned i, uint32_t hs_insns, unsigned ike_dgrams, unsigned retransmits)
{
    size_t hw = board_stack_high_water();
    if (hw > run.max_stack)
        run.max_stack = (unsigned)hw;
    run.handshakes++;
    run.sum_insns += hs_insns;
    say("   sleep (SA forgotten, no Delete sent)");
    char b1[21], b2[21];
    metric("metric press=%u handshake_insns=%s press_insns=%s air_bytes=%u ike_dgrams=%u "
           "retransmits=%u",
           i + 1, u64(hs_insns, b1), u64(door_insns, b2), (unsigned)run.air_bytes, ike_dgrams,
           retransmits);
}

int door_exit(unsigned ok, size_t pool_max, size_t pool_size)
{
    unsigned presses = door_prov.presses;
    sodium_memzero(&door_prov, sizeof door_prov); /* the PSK, before sleeping for good */
    char b[21];
    metric("metric stack_high_water=%u stack_size=%u sbrk_calls=%u mbedtls_pool_max=%u "
           "mbedtls_pool_size=%u handshakes=%u mean_handshake_insns=%s presses_ok=%u",
           run.max_stack, (unsigned)board_stack_size(), board_sbrk_calls, (unsigned)pool_max,
           (unsigned)pool_size, run.handshakes,
           u64(run.handshakes ? run.sum_insns / run.handshakes : 0, b), ok);
    int code = ok == presses && board_sbrk_calls == 0 ? 0 : 1;
    uint8_t c = (uint8_t)code;
    link_send('X', &c, 1);
    return code;
}
