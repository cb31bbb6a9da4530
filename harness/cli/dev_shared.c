/* SPDX-License-Identifier: MIT */
/*
 * dev_shared: what the two device loops share, device.c (the general core, under mk_io_run)
 * and initiate_tiny.c (the template core, its own loop over the same ref/io). The SA seals and
 * opens; this file builds the inner ICMP echo or UDP message, reads what came back, prints the
 * timeline's lines and the failures, so both cores show the same run the same way.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

size_t cli_app_request(cli_app *a, bool tunnel, const mk_addr *local, const mk_addr *remote,
                       uint64_t now, uint8_t *pkt, size_t cap, uint8_t *nh, char *what, size_t wcap)
{
    static const uint8_t payload[] = "minike ping (RFC 7815 garage door)";
    const uint8_t *s = a->inner_src, *d = a->inner_dst;
    uint16_t seq = (uint16_t)(a->sent + 1);
    size_t n;

    if (a->mode == APP_PING) {
        n = mk_inner_icmp4_echo(pkt, cap, s, d, MK_ICMP_ECHO_REQUEST, a->icmp_id, seq, payload,
                                sizeof(payload) - 1, ++a->ip_id);
        *nh = MK_IPPROTO_IPIP;
        if (!tunnel && n >= MK_IPV4_HDR) { /* transport mode: no inner IP header */
            memmove(pkt, pkt + MK_IPV4_HDR, n - MK_IPV4_HDR);
            n -= MK_IPV4_HDR;
            *nh = MK_IPPROTO_ICMP;
        }
        snprintf(what, wcap, "ICMP echo request %u.%u.%u.%u -> %u.%u.%u.%u seq %u", s[0], s[1],
                 s[2], s[3], d[0], d[1], d[2], d[3], seq);
    } else {
        const uint8_t *t = (const uint8_t *)a->text;
        size_t tl = strlen(a->text);
        if (tunnel) {
            n = mk_inner_udp4(pkt, cap, s, d, a->sport, a->dport, t, tl, ++a->ip_id);
            *nh = MK_IPPROTO_IPIP;
        } else {
            n = mk_inner_udp_seg(pkt, cap, local, remote, a->sport, a->dport, t, tl);
            *nh = MK_IPPROTO_UDP;
        }
        snprintf(what, wcap, "UDP %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u \"%.60s\"", s[0], s[1], s[2],
                 s[3], a->sport, d[0], d[1], d[2], d[3], a->dport, a->text);
    }
    if (n == 0)
        return 0;
    if (a->sent < sizeof(a->send_ms) / sizeof(a->send_ms[0]))
        a->send_ms[a->sent] = now;
    if (a->sent == 0)
        a->first_send_ms = now;
    a->sent++;
    return n;
}

void cli_esp_spi_seq(const uint8_t *p, size_t n, uint32_t *spi, uint32_t *seq)
{
    *spi = *seq = 0;
    if (n < 8)
        return;
    *spi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    *seq = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
}

static bool inner_decode(uint8_t nh, const uint8_t *in, size_t il, const mk_io_dgram *g,
                         mk_inner *v)
{
    memset(v, 0, sizeof(*v));
    if (nh == MK_IPPROTO_IPIP)
        return mk_inner_parse4(in, il, v);
    if (nh == MK_IPPROTO_UDP)
        return mk_inner_parse_udp_seg(in, il, &g->from, &g->to, v);
    if (nh != MK_IPPROTO_ICMP || il < MK_ICMP_HDR)
        return false;
    /* transport-mode ICMP: no inner IP header, the outer addresses stand for it */
    v->proto = MK_IPPROTO_ICMP;
    v->icmp_type = in[0];
    v->icmp_code = in[1];
    v->icmp_id = (uint16_t)(in[4] << 8 | in[5]);
    v->icmp_seq = (uint16_t)(in[6] << 8 | in[7]);
    v->csum_ok = mk_csum_fold(mk_csum_add(0, in, il)) == 0;
    v->data = in + MK_ICMP_HDR;
    v->len = il - MK_ICMP_HDR;
    v->family = g->from.family;
    memcpy(v->src, g->from.ip, sizeof(v->src));
    memcpy(v->dst, g->to.ip, sizeof(v->dst));
    return true;
}

void cli_esp_drop_line(cli_show *s, uint64_t now, const char *who, uint32_t spi, uint32_t seq,
                       size_t len, const char *why)
{
    show_line(s, now, who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]", spi, seq, len, why);
}

static void esp_rx_line(cli_show *s, uint64_t now, const char *who, uint32_t spi, uint32_t seq,
                        size_t len, bool ok, const mk_inner *v)
{
    show_line(s, now, who, "<- ESP  spi %08x seq %-3u %4zu B  %s%s", spi, seq, len,
              !ok                           ? "inner packet not understood"
              : v->proto == MK_IPPROTO_ICMP ? "ICMP"
              : v->proto == MK_IPPROTO_UDP  ? "UDP"
                                            : "IP",
              ok && !v->csum_ok ? " [bad checksum]" : "");
}

static void reply_text(cli_show *s, uint64_t now, const char *who, app_mode mode,
                       const uint8_t *data, size_t len, uint32_t quiet_ms, uint32_t *blinks,
                       bool *got_done)
{
    char text[200];
    cli_escape(data, len, text, sizeof text); /* peer text: non-printable octets as \xNN */
    if (mode != APP_DOOR)
        show_line(s, now, who, "   reply: %s", text);
    else if (!strncmp(text, "STATUS", 6)) {
        ++*blinks;
        show_line(s, now, who, "   LED *blink*  door says: %s", text);
    } else if (!strncmp(text, "DONE", 4)) {
        *got_done = true;
        show_line(s, now, who, "   LED on       door says: %s (quiet timeout %u ms)", text,
                  quiet_ms);
    } else
        show_line(s, now, who, "   door says: %s", text);
}

static void echo_line(cli_show *s, uint64_t now, const char *who, const mk_inner *v,
                      uint64_t rtt_ms)
{
    show_line(s, now, who, "   echo reply from %u.%u.%u.%u: seq=%u time=%llu ms", v->src[0],
              v->src[1], v->src[2], v->src[3], v->icmp_seq, (unsigned long long)rtt_ms);
}

static void app_inbound(cli_app *a, cli_show *s, const char *who, const mk_inner *v, uint64_t now,
                        uint32_t door_ms)
{
    if (a->mode == APP_PING && v->proto == MK_IPPROTO_ICMP && v->icmp_type == MK_ICMP_ECHO_REPLY &&
        v->icmp_id == a->icmp_id && v->icmp_seq >= 1 && v->icmp_seq <= a->sent) {
        uint64_t sent_at = v->icmp_seq <= 64 ? a->send_ms[v->icmp_seq - 1] : now;
        a->received++;
        echo_line(s, now, who, v, now - sent_at);
    } else if ((a->mode == APP_SEND || a->mode == APP_DOOR) && v->proto == MK_IPPROTO_UDP) {
        a->received++;
        reply_text(s, now, who, a->mode, v->data, v->len, a->quiet_ms, &a->led_blinks,
                   &a->got_done);
        /* the door: keep awake while it moves (a STATUS a second), sleep `quiet` after DONE */
        a->quiet_until_ms = now + (a->mode == APP_DOOR && !a->got_done ? door_ms : a->quiet_ms);
    }
}

void cli_app_door(cli_app *a, const char *cmd, uint32_t quiet_ms)
{
    mk_addr x;
    a->mode = APP_DOOR;
    a->text = cmd;
    (void)mk_io_parse_addr("10.99.20.1", 0, &x);
    memcpy(a->inner_src, x.ip, 4);
    (void)mk_io_parse_addr("10.99.10.1", 0, &x);
    memcpy(a->inner_dst, x.ip, 4);
    a->sport = 40000;
    a->dport = DOOR_PORT;
    a->count = 1;
    a->quiet_ms = quiet_ms;
}

int cli_app_result(const cli_app *a)
{
    char why[120];
    if (a->mode == APP_PING && a->received < a->count) {
        snprintf(why, sizeof(why), "%u of %u echo requests unanswered%s", a->count - a->received,
                 a->count,
                 a->ts_drops ? "; replies outside the traffic selectors were dropped" : "");
        return cli_fail(EX_TIMEOUT, "ping through the ESP tunnel", why,
                        "is the address inside the responder's --tsr? does it answer?");
    }
    if ((a->mode == APP_SEND || a->mode == APP_DOOR) && a->received == 0)
        return cli_fail(EX_TIMEOUT, "UDP through the ESP tunnel", "no reply",
                        "is --to inside the responder's --tsr and is something listening?");
    return 0;
}

int cli_io_fail(mk_io_status st, int err, const char *what, const char *peer)
{
    char w[160], why[200];
    snprintf(w, sizeof(w), "%s with %s", what, peer);
    if (st == MK_IO_E_STOPPED)
        return cli_fail(EX_SIGNAL, w, "interrupted by a signal", "");
    if (st == MK_IO_E_UNREACHABLE) {
        snprintf(why, sizeof(why), "peer unreachable: %s (ICMP error)", strerror(err));
        return cli_fail(EX_NET, w, why, "is a responder running there? check --peer and the port");
    }
    if (st == MK_IO_E_DEADLINE)
        return cli_fail(EX_TIMEOUT, w, "no answer in time",
                        "is a responder running there? --timeout SEC waits longer");
    snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(err));
    return cli_fail(EX_NET, w, why, "check the network and --local");
}

void cli_app_esp(cli_app *a, cli_show *s, const char *who, uint64_t now, const mk_io_dgram *g,
                 uint32_t spi, uint32_t seq, uint8_t nh, const uint8_t *in, size_t il,
                 const mk_ts *tsr, size_t n_tsr, const mk_ts *tsi, size_t n_tsi, uint32_t door_ms)
{
    mk_inner v;
    char why[240];
    bool ok = inner_decode(nh, in, il, g, &v);

    /* RFC 4301 §5.2: the inner packet must come from the responder's TSr and go to our TSi;
     * anything else is dropped, counted and logged, whatever key sealed it */
    if (ok && v.csum_ok &&
        !cli_ts_inbound(&v, tsr, n_tsr, "TSr", tsi, n_tsi, "TSi", why, sizeof(why))) {
        a->ts_drops++;
        cli_esp_drop_line(s, now, who, spi, seq, g->len, why);
        return;
    }
    esp_rx_line(s, now, who, spi, seq, g->len, ok, &v);
    if (s != NULL && s->verbose)
        show_hex(s, "Received Packet (decrypted)", in, il);
    if (!ok || !v.csum_ok) {
        a->bad++;
        return;
    }
    app_inbound(a, s, who, &v, now, door_ms);
}

void cli_rng(mk_io_drbg *drbg, uint8_t *out, size_t n)
{
    if (drbg != NULL)
        mk_io_rng_drbg(drbg, out, n);
    else
        mk_io_rng_os(NULL, out, n);
}

int cli_io_open(mk_io *io, cli_capture *cap, volatile sig_atomic_t *stop, const mk_addr *local,
                const mk_addr *peer_ike, const mk_addr *peer_natt)
{
    mk_io_status st;
    char why[200];

    io->tap = cap != NULL ? capture_tap : NULL;
    io->tap_ctx = cap;
    io->stop = stop;
    st = mk_io_open(io, local, local->port == MK_PORT_IKE ? MK_PORT_NATT : 0);
    if (st != MK_IO_OK) {
        snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(io->last_errno));
        return cli_fail(EX_NET, "binding local sockets", why,
                        io->last_errno == EADDRINUSE
                            ? "another program uses the port; pick another --local port"
                            : "check --local: it must be an address of this host");
    }
    if ((st = mk_io_connect(io, peer_ike, peer_natt)) != MK_IO_OK) {
        snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(io->last_errno));
        mk_io_close(io);
        return cli_fail(EX_NET, "connecting to the peer", why,
                        "check --peer and --local: same address family, and a route to the peer");
    }
    return 0;
}
