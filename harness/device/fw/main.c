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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "minike_tools.h"
#include "inner.h"

#include "../board/board.h"
#include "drbg.h"
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

enum { MAX_PRESSES = 4, MAX_CMD = 16 };
enum { MODE_DOOR, MODE_PING };

/* ---- provisioning ------------------------------------------------------------------------- */

static struct {
    uint8_t psk[MK_MAX_PSK];
    size_t psk_len;
    mk_id idi, idr;
    mk_ts tsi, tsr;
    uint8_t src[4], dst[4]; /* inner addresses: ours, the door's (or the ping target) */
    uint16_t sport, dport;
    mk_addr local, remote; /* outer, for the NAT_DETECTION hashes */
    bool force_4500;
    int mode;
    unsigned presses, quiet_ms, wait_ms;
    char cmds[MAX_PRESSES][MAX_CMD];
    bool keys; /* send the keys to the bridge (it writes them only when asked: --keys) */
} prov;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_ip4(const char **s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, nd = 0;
        while (**s >= '0' && **s <= '9' && nd < 4) {
            v = v * 10 + (unsigned)(*(*s)++ - '0');
            nd++;
        }
        if (nd == 0 || v > 255 || (i < 3 && *(*s)++ != '.'))
            return false;
        ip[i] = (uint8_t)v;
    }
    return true;
}

static unsigned parse_uint(const char **s)
{
    unsigned v = 0;
    while (**s >= '0' && **s <= '9')
        v = v * 10 + (unsigned)(*(*s)++ - '0');
    return v;
}

/* a.b.c.d/len -> an IPv4 range selector, any protocol and port */
static bool parse_ts(const char *s, mk_ts *ts)
{
    uint8_t ip[4];
    if (!parse_ip4(&s, ip) || *s++ != '/')
        return false;
    unsigned len = parse_uint(&s);
    if (len > 32)
        return false;
    uint32_t a = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
    uint32_t mask = len == 0 ? 0 : 0xFFFFFFFFu << (32 - len);
    uint32_t lo = a & mask, hi = lo | ~mask;
    memset(ts, 0, sizeof *ts);
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 0xFFFF;
    for (int i = 0; i < 4; i++) {
        ts->start[i] = (uint8_t)(lo >> (24 - 8 * i));
        ts->end[i] = (uint8_t)(hi >> (24 - 8 * i));
    }
    return true;
}

static bool parse_addr(const char *s, mk_addr *a)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    if (!parse_ip4(&s, a->ip) || *s++ != ':')
        return false;
    a->port = (uint16_t)parse_uint(&s);
    return true;
}

static bool parse_id(const char *s, mk_id *id)
{
    if (strncmp(s, "fqdn:", 5) != 0 || strlen(s + 5) == 0 || strlen(s + 5) >= sizeof id->data)
        return false;
    id->type = MK_ID_FQDN;
    id->len = (uint8_t)strlen(s + 5);
    memcpy(id->data, s + 5, id->len);
    return true;
}

/* One "key=value" line of the 'C' frame. */
static bool provision_line(char *line)
{
    char *v = strchr(line, '=');
    if (v == NULL)
        return false;
    *v++ = '\0';
    const char *p = v;
    if (!strcmp(line, "psk")) {
        size_t n = strlen(v);
        if (n % 2 || n / 2 > sizeof prov.psk)
            return false;
        for (size_t i = 0; i < n / 2; i++) {
            int h = hexval(v[2 * i]), l = hexval(v[2 * i + 1]);
            if (h < 0 || l < 0)
                return false;
            prov.psk[i] = (uint8_t)(h << 4 | l);
        }
        prov.psk_len = n / 2;
        return true;
    }
    if (!strcmp(line, "idi"))
        return parse_id(v, &prov.idi);
    if (!strcmp(line, "idr"))
        return parse_id(v, &prov.idr);
    if (!strcmp(line, "tsi"))
        return parse_ts(v, &prov.tsi);
    if (!strcmp(line, "tsr"))
        return parse_ts(v, &prov.tsr);
    if (!strcmp(line, "src"))
        return parse_ip4(&p, prov.src) && *p++ == ':' && (prov.sport = (uint16_t)parse_uint(&p));
    if (!strcmp(line, "dst"))
        return parse_ip4(&p, prov.dst) && *p++ == ':' &&
               ((prov.dport = (uint16_t)parse_uint(&p)), 1);
    if (!strcmp(line, "local"))
        return parse_addr(v, &prov.local);
    if (!strcmp(line, "remote"))
        return parse_addr(v, &prov.remote);
    if (!strcmp(line, "force4500"))
        return (prov.force_4500 = v[0] == '1'), true;
    if (!strcmp(line, "keys"))
        return (prov.keys = v[0] == '1'), true;
    if (!strcmp(line, "mode")) {
        prov.mode = !strcmp(v, "ping") ? MODE_PING : MODE_DOOR;
        return true;
    }
    if (!strcmp(line, "quiet_ms"))
        return (prov.quiet_ms = parse_uint(&p)), true;
    if (!strcmp(line, "wait_ms"))
        return (prov.wait_ms = parse_uint(&p)), true;
    if (!strcmp(line, "cmds")) { /* OPEN,CLOSE: one press each */
        prov.presses = 0;
        for (char *c = v; *c && prov.presses < MAX_PRESSES;) {
            char *e = strchr(c, ',');
            size_t n = e ? (size_t)(e - c) : strlen(c);
            if (n == 0 || n >= MAX_CMD)
                return false;
            memcpy(prov.cmds[prov.presses], c, n);
            prov.cmds[prov.presses++][n] = '\0';
            c += n + (e != NULL);
        }
        return prov.presses > 0;
    }
    return false;
}

/* ---- the timeline -------------------------------------------------------------------------- */

static uint64_t t0;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[200];
    uint64_t t = semi_clock_ms() - t0;
    int n = snprintf(line, sizeof line, "%4u.%03u  device ", (unsigned)(t / 1000),
                     (unsigned)(t % 1000));
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    semi_write(line, (size_t)n);
}

/* "metric ..." lines for bench/device.sh. newlib-nano's printf has no %llu and stdio would
 * allocate its buffer (the heap this firmware does not have), so: snprintf + semihosting, and
 * 64-bit counters printed through u64(). */
static const char *u64(uint64_t v, char buf[21])
{
    char *p = buf + 20;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return p;
}

static void metric(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void metric(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    semi_write(line, (size_t)n);
}

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

/* The timeline's IKE lines when the core has no trace text (MK_TRACE=0, the minimal profile):
 * exchange and direction from the IKE header (RFC 7296 §3.1: Exchange Type at octet 18, the
 * Response flag 0x20 in octet 19), after the non-ESP marker on 4500. A label, nothing more:
 * whether a received message is accepted is the core's business. */
static void ike_line(const char *dir, const uint8_t *d, size_t len, uint16_t port)
{
#if MK_TRACE
    (void)dir, (void)d, (void)len, (void)port;
#else
    size_t off = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
    if (len < off + 28)
        return;
    static const char *const names[] = {"IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA",
                                        "INFORMATIONAL"};
    uint8_t x = d[off + 18];
    const char *name = x >= 34 && x <= 37 ? names[x - 34] : "exchange ?";
    say("%s %s %s  %u B", dir, name, (d[off + 19] & 0x20) ? "response" : "request", (unsigned)len);
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

/* The counter's calibration: a loop of exactly 2 instructions per turn (subs, bne) run 10^6
 * times must read 2,000,000 (+/- the 40-instruction tick and the few around it). Printed, and
 * checked by bench/device.sh, so a QEMU whose SysTick clock differs is caught. */
static uint64_t calibrate(void)
{
    uint32_t n = 1000000;
    uint64_t c0 = board_insns();
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return board_insns() - c0;
}

/* ---- boot ---------------------------------------------------------------------------------- */

extern unsigned board_sbrk_calls;

int main(void)
{
    static char ctext[1024];
    size_t n;
    bool seeded = false, provisioned = false;

    uart_init();
    board_counter_start();
    mbedtls_pool_init();
    t0 = semi_clock_ms();
    say("boot: minike garage-door opener, Cortex-M4 (mps2-an386); mk_ike %u B static",
        (unsigned)sizeof ike);
    {
        char b[21];
        metric("metric calib_insns=%s calib_expected=2000000", u64(calibrate(), b));
    }
    link_send('H', NULL, 0);
    /* no entropy on emulated hardware: the seed comes from the host, see drbg.h */
    while (!(seeded && provisioned)) {
        uint8_t type = link_poll(frame, sizeof frame, &n, t0 + 10000);
        if (type == 0) {
            say("boot: no seed/provisioning from the bridge within 10 s");
            return 2;
        }
        if (type == 'S' && n == 32) {
            fw_drbg_seed(&drbg, frame);
            mk_wipe(frame, 32);
            seeded = true;
        } else if (type == 'C' && n < sizeof ctext) {
            memcpy(ctext, frame, n);
            ctext[n] = '\0';
            prov.wait_ms = 15000;
            for (char *l = ctext, *e; l && *l; l = e) {
                e = strchr(l, '\n');
                if (e)
                    *e++ = '\0';
                if (*l && !provision_line(l)) {
                    say("boot: bad provisioning line '%s'", l);
                    return 2;
                }
            }
            provisioned = true;
        }
    }
    mk_config_defaults(&cfg);
    cfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 0, 0};
    cfg.n_esp = 1;
    cfg.psk = prov.psk;
    cfg.psk_len = prov.psk_len;
    cfg.idi = prov.idi;
    cfg.idr = prov.idr;
    cfg.tsi = prov.tsi;
    cfg.tsr = prov.tsr;
    cfg.tunnel = true;
    cfg.natt = true; /* ESP must travel in UDP here (no kernel ESP on the host side) */
    cfg.force_4500 = prov.force_4500;
    cfg.local = prov.local;
    cfg.remote = prov.remote;
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
