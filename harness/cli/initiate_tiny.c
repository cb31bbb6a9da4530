/* SPDX-License-Identifier: MIT */
/*
 * initiate_tiny: `minike initiate --core tiny`, the same command run by the template core
 * (ref/tiny, minike_tiny.h) instead of the general core: what the minimal profile's device
 * links. It goes through the same I/O layer (ref/io: sockets, clock, OS RNG or the --seed DRBG),
 * prints the same timeline, and fails with the same exit codes and lines (cli_fail_err in
 * main.c, fed the core's mt_err mapped to mk_err).
 *
 * The template core has one profile, so options outside it are refused (exit 2, one line):
 * --ike/--esp other than chacha20poly1305-prfsha256-x25519 / chacha20poly1305, raw public keys
 * (--key, --peer-key, --peer-fp, --state, --send-cert), --nat-port, --delete. It does no NAT-T:
 * on UDP port 500 it sends plain IKE and cannot carry ESP (that would need NAT-T's UDP 4500 or
 * raw ESP), so --ping/--send are refused there. With a peer on any other port (`minike
 * respond`, `minike check` on loopback) this file, not the core, frames every IKE datagram
 * with the non-ESP marker (RFC 3948 §2.2) as the general core does on such ports, and ESP
 * travels UDP-encapsulated on that socket: --ping and --send work.
 * It never prints the PSK or keys (those go only to --keys when asked).
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "minike_tiny.h"

enum {
    TINY_MARKER = MK_NATT_MARKER,
    TINY_PING_MS = 500, /* as device.c: a ping every 0.5 s, 1 s for the last reply */
    TINY_SEND_MS = 200, /* a message every 0.2 s */
    TINY_WAIT_MS = 1000,
    TINY_DOOR_MS = 5000, /* awake while the door moves */
};

int cli_core_arg(int argc, char **argv)
{
    int core = 0; /* the last --core wins, as with any option given twice */
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--core") == 0)
            v = i + 1 < argc ? argv[i + 1] : "";
        else if (strncmp(argv[i], "--core=", 7) == 0)
            v = argv[i] + 7;
        if (v == NULL)
            continue;
        if (strcmp(v, "tiny") != 0 && strcmp(v, "general") != 0)
            return -cli_fail(EX_USAGE, "--core", "expects general or tiny",
                             "e.g. --core tiny for the template core (ref/tiny)");
        core = strcmp(v, "tiny") == 0;
        i += argv[i][6] == '\0'; /* "--core VALUE": skip the value */
    }
    return core;
}

/* The template core's errors under the general core's names, so every message is shared. */
static mk_err tiny_to_mk(mt_err e)
{
    switch (e) {
    case MT_E_OK:
        return MK_E_OK;
    case MT_E_MALFORMED:
        return MK_E_BAD_SYNTAX;
    case MT_E_UNEXPECTED:
        return MK_E_UNEXPECTED_MSG;
    case MT_E_ICV:
        return MK_E_ICV_MISMATCH;
    case MT_E_OLD_REQUEST:
        return MK_E_OLD_REQUEST;
    case MT_E_UNAUTH:
        return MK_E_UNAUTH_FAILURE;
    case MT_E_CRITICAL:
        return MK_E_UNSUPPORTED_CRITICAL;
    case MT_E_REPLAY:
        return MK_E_REPLAY;
    case MT_E_NO_PROPOSAL_CHOSEN:
        return MK_E_NO_PROPOSAL_CHOSEN;
    case MT_E_BAD_PROPOSAL:
        return MK_E_BAD_PROPOSAL;
    case MT_E_INVALID_KE:
        return MK_E_INVALID_KE;
    case MT_E_DH_ZERO:
        return MK_E_DH_ZERO;
    case MT_E_TOO_MANY_RETRIES:
        return MK_E_TOO_MANY_RETRIES;
    case MT_E_AUTH_FAILED:
        return MK_E_AUTH_FAILED;
    case MT_E_PEER_AUTH_FAILED:
        return MK_E_PEER_AUTH_FAILED;
    case MT_E_ID_MISMATCH:
        return MK_E_ID_MISMATCH;
    case MT_E_TS_UNACCEPTABLE:
        return MK_E_TS_UNACCEPTABLE;
    case MT_E_NO_CHILD_SA:
        return MK_E_NO_CHILD_SA;
    case MT_E_PEER_ERROR:
        return MK_E_PEER_ERROR;
    case MT_E_MALFORMED_RESP:
        return MK_E_MALFORMED_RESP;
    case MT_E_PEER_DELETED:
        return MK_E_PEER_DELETED;
    case MT_E_TIMEOUT:
        return MK_E_TIMEOUT;
    case MT_E_CRYPTO:
        return MK_E_CRYPTO;
    case MT_E_BAD_CONFIG:
        return MK_E_BAD_CONFIG;
    case MT_E_BAD_STATE:
        return MK_E_BAD_STATE;
    case MT_E_BUF_TOO_SMALL:
        return MK_E_BUF_TOO_SMALL;
    }
    return MK_E_BAD_STATE;
}

/* One run: the SA, its I/O and what the timeline and the outputs need. */
typedef struct tiny_dev {
    mt_ike ike;
    mt_config cfg;
    mt_env env;
    bool seeded;
    mk_io_drbg drbg;
    mk_io io;
    bool marker; /* IKE carries the non-ESP marker: neither port is 500 */
    cli_show *show;
    cli_capture *cap;
    const char *who;
    char peer_str[80];
    uint8_t last_exchange;
    mk_ike_keys keys; /* for -v's SK view and --keys, taken while the SA holds them */
    bool have_keys;
    mk_id seen_idr;
    bool have_seen_idr;
    mt_esp_sa sa;
    bool sa_ok;
    mk_ts ts_ours, ts_peer; /* RFC 4301 §5.2 inbound check: the configured selectors */
    uint32_t ts_drops;
    /* traffic */
    app_mode mode;
    uint8_t inner_src[4], inner_dst[4];
    uint16_t sport, dport, icmp_id, ip_id;
    const char *text;
    uint32_t count, sent, received, bad, quiet_ms;
    uint64_t next_send_ms, quiet_until_ms, send_ms[64];
    bool done, got_done;
    /* per-session counters (the demo's summary) */
    uint32_t esp_tx, esp_rx, ike_round_trips, led_blinks;
} tiny_dev;

static void tiny_rng(void *ctx, uint8_t *out, size_t n)
{
    tiny_dev *d = ctx;
    if (d->seeded)
        mk_io_rng_drbg(&d->drbg, out, n);
    else
        mk_io_rng_os(NULL, out, n);
}

/* The IKE SA keys as mk_keys_export() gives them for this suite: SPIs and SK_e (ChaCha20
 * key | salt, no SK_a). The template core keeps them in the SA from the IKE_SA_INIT response
 * on and wipes them when it fails, so they are copied while they exist. */
static void refresh_keys(tiny_dev *d)
{
    mt_state st = mt_state_get(&d->ike);
    if (st != MT_ST_AUTH_SENT && st != MT_ST_ESTABLISHED)
        return;
    memset(&d->keys, 0, sizeof d->keys);
    memcpy(d->keys.spi_i, d->ike.spi_i, 8);
    memcpy(d->keys.spi_r, d->ike.spi_r, 8);
    d->keys.encr = MK_ENCR_CHACHA20_POLY1305;
    d->keys.encr_bits = 256;
    d->keys.encr_len = MT_KEY_LEN + MT_SALT_LEN;
    memcpy(d->keys.sk_ei, d->ike.sk_ei, MT_KEY_LEN + MT_SALT_LEN);
    memcpy(d->keys.sk_er, d->ike.sk_er, MT_KEY_LEN + MT_SALT_LEN);
    d->have_keys = true;
}

static int tiny_fail_ike(tiny_dev *d)
{
    const mt_stats *t = &d->ike.stats;
    mk_stats st;
    memset(&st, 0, sizeof st);
    st.tx_dgrams = t->tx_dgrams;
    st.rx_dgrams = t->rx_dgrams;
    st.retransmits = t->retransmits;
    st.dropped = t->dropped;
    st.answered_requests = t->answered_requests;
    st.resent_responses = t->resent_responses;
    st.last_drop = tiny_to_mk(t->last_drop);
    if (mt_last_error(&d->ike) == MT_E_ID_MISMATCH && d->have_seen_idr) {
        char what[160], msg[400], got[300], want[300];
        mk_id idr = {.type = d->cfg.idr_type, .len = d->cfg.idr_len};
        memcpy(idr.data, d->cfg.idr, d->cfg.idr_len);
        cli_format_id(&d->seen_idr, got, sizeof(got));
        cli_format_id(&idr, want, sizeof(want));
        snprintf(what, sizeof(what), "IKE_AUTH with %s", d->peer_str);
        snprintf(msg, sizeof(msg), "the responder identified as %.200s, not %.150s", got, want);
        return cli_fail(EX_AUTH, what, msg,
                        "check --remote-id; strongSwan reads user@host as email:, @name as fqdn:");
    }
    return cli_fail_err(tiny_to_mk(mt_last_error(&d->ike)), &st, NULL, d->peer_str,
                        d->last_exchange);
}

static int io_fail(tiny_dev *d, mk_io_status st, const char *what)
{
    char w[160], why[200];
    snprintf(w, sizeof(w), "%s with %s", what, d->peer_str);
    if (st == MK_IO_E_STOPPED)
        return cli_fail(EX_SIGNAL, w, "interrupted by a signal", "");
    if (st == MK_IO_E_UNREACHABLE) {
        snprintf(why, sizeof(why), "peer unreachable: %s (ICMP error)", strerror(d->io.last_errno));
        return cli_fail(EX_NET, w, why, "is a responder running there? check --peer and the port");
    }
    if (st == MK_IO_E_DEADLINE)
        return cli_fail(EX_TIMEOUT, w, "no answer in time",
                        "is a responder running there? --timeout SEC waits longer");
    snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(d->io.last_errno));
    return cli_fail(EX_NET, w, why, "check the network and --local");
}

/* Send what the core queued (a request, a retransmission or an answer), marker first. */
static mk_io_status drain(tiny_dev *d, uint64_t now)
{
    const uint8_t *p;
    uint8_t buf[TINY_MARKER + MT_MAX_MSG];
    size_t n = mt_tx(&d->ike, &p), off = d->marker ? TINY_MARKER : 0;
    mk_io_status st;
    if (n == 0)
        return MK_IO_OK;
    memset(buf, 0, off);
    memcpy(buf + off, p, n);
    if (n >= 28)
        d->last_exchange = p[18];
    refresh_keys(d);
    show_ike(d->show, now, d->who, true, buf, n + off, d->have_keys ? &d->keys : NULL, NULL);
    st = mk_io_send(&d->io, MK_IO_IKE, NULL, buf, n + off);
    mt_tx_done(&d->ike);
    mk_wipe(buf, sizeof buf);
    return st;
}

/* An IKE datagram: shown as received (the core decrypts it in place), then fed to the core. */
static void on_ike(tiny_dev *d, mk_io_dgram *g, uint64_t now)
{
    static uint8_t copy[MK_IO_MAX_DGRAM];
    size_t off = g->marker_socket ? TINY_MARKER : 0;
    char note[64];
    mt_err e;
    bool auth_resp;

    memcpy(copy, g->buf, g->len);
    auth_resp = g->len >= off + 28 && g->buf[off + 18] == MK_EX_IKE_AUTH;
    if (auth_resp && d->have_keys && show_find_idr(copy, g->len, &d->keys, &d->seen_idr))
        d->have_seen_idr = true;
    e = mt_on_dgram(&d->ike, g->buf + off, g->len - off, now);
    if (e == MT_E_OK && g->len >= off + 28 && (copy[off + 19] & MK_HDR_F_RESPONSE))
        d->ike_round_trips++;
    refresh_keys(d);
    if (e != MT_E_OK)
        snprintf(note, sizeof(note), "[%s: %s]",
                 mt_err_class(e) == MT_CLASS_DROP ? "dropped" : "failed",
                 mk_err_name(tiny_to_mk(e)));
    show_ike(d->show, now, d->who, false, copy, g->len, d->have_keys ? &d->keys : NULL,
             e != MT_E_OK ? note : NULL);
    mk_wipe(copy, g->len);
    mk_wipe(g->buf, g->len); /* it may hold decrypted payloads */
}

/* ---- traffic through the child SA --------------------------------------------------------- */

static void send_next(tiny_dev *d, uint64_t now)
{
    static const uint8_t payload[] = "minike ping (RFC 7815 garage door)";
    uint8_t pkt[2048], out[MK_IO_MAX_DGRAM];
    size_t n, olen = 0;
    char what[200];
    uint8_t nh;
    mt_err e;

    if (d->mode == APP_PING) {
        uint16_t seq = (uint16_t)(d->sent + 1);
        n = mk_inner_icmp4_echo(pkt, sizeof(pkt), d->inner_src, d->inner_dst, MK_ICMP_ECHO_REQUEST,
                                d->icmp_id, seq, payload, sizeof(payload) - 1, ++d->ip_id);
        nh = MK_IPPROTO_IPIP;
        if (!d->cfg.tunnel) { /* transport mode: no inner IP header */
            memmove(pkt, pkt + MK_IPV4_HDR, n - MK_IPV4_HDR);
            n -= MK_IPV4_HDR;
            nh = MK_IPPROTO_ICMP;
        }
        snprintf(what, sizeof(what), "ICMP echo request %u.%u.%u.%u -> %u.%u.%u.%u seq %u",
                 d->inner_src[0], d->inner_src[1], d->inner_src[2], d->inner_src[3],
                 d->inner_dst[0], d->inner_dst[1], d->inner_dst[2], d->inner_dst[3], seq);
    } else {
        const uint8_t *t = (const uint8_t *)d->text;
        size_t tl = strlen(d->text);
        if (d->cfg.tunnel) {
            n = mk_inner_udp4(pkt, sizeof(pkt), d->inner_src, d->inner_dst, d->sport, d->dport, t,
                              tl, ++d->ip_id);
            nh = MK_IPPROTO_IPIP;
        } else {
            n = mk_inner_udp_seg(pkt, sizeof(pkt), &d->io.local[MK_IO_IKE],
                                 &d->io.remote[MK_IO_IKE], d->sport, d->dport, t, tl);
            nh = MK_IPPROTO_UDP;
        }
        snprintf(what, sizeof(what), "UDP %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u \"%.60s\"",
                 d->inner_src[0], d->inner_src[1], d->inner_src[2], d->inner_src[3], d->sport,
                 d->inner_dst[0], d->inner_dst[1], d->inner_dst[2], d->inner_dst[3], d->dport,
                 d->text);
    }
    if (n == 0)
        return;
    if (d->sent < sizeof(d->send_ms) / sizeof(d->send_ms[0]))
        d->send_ms[d->sent] = now;
    d->sent++;
    e = mt_esp_seal(&d->sa, nh, pkt, n, out, sizeof(out), &olen);
    if (e != MT_E_OK) {
        show_line(d->show, now, d->who, "-> ESP  not sent: %s", mk_err_name(tiny_to_mk(e)));
        return;
    }
    show_line(d->show, now, d->who, "-> ESP  spi %08x seq %-3u %4zu B  %s", d->sa.spi_out,
              d->sa.seq_out, olen, what);
    if (d->show != NULL && d->show->verbose)
        show_hex(d->show, "Sending Packet", out, olen);
    /* RFC 3948 §2.1: UDP-encapsulated ESP on the marker socket, the SPI where the marker is */
    d->esp_tx++;
    if (mk_io_send(&d->io, MK_IO_IKE, NULL, out, olen) != MK_IO_OK)
        show_line(d->show, now, d->who, "   ESP send failed");
}

static void on_esp(tiny_dev *d, mk_io_dgram *g, uint64_t now)
{
    uint8_t nh = 0;
    const uint8_t *in = NULL;
    size_t il = 0;
    uint32_t spi = 0, seq = 0;
    mk_inner v;
    char why[240], text[200];
    bool ok;
    mt_err e;

    if (!d->sa_ok)
        return;
    if (g->len >= 8) {
        spi = (uint32_t)g->buf[0] << 24 | (uint32_t)g->buf[1] << 16 | (uint32_t)g->buf[2] << 8 |
              g->buf[3];
        seq = (uint32_t)g->buf[4] << 24 | (uint32_t)g->buf[5] << 16 | (uint32_t)g->buf[6] << 8 |
              g->buf[7];
    }
    e = mt_esp_open(&d->sa, g->buf, g->len, &nh, &in, &il);
    if (e != MT_E_OK) {
        show_line(d->show, now, d->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]", spi, seq,
                  g->len, mk_err_name(tiny_to_mk(e)));
        return;
    }
    d->esp_rx++;
    memset(&v, 0, sizeof v);
    if (nh == MK_IPPROTO_IPIP)
        ok = mk_inner_parse4(in, il, &v);
    else if (nh == MK_IPPROTO_UDP)
        ok = mk_inner_parse_udp_seg(in, il, &g->from, &g->to, &v);
    else if (nh == MK_IPPROTO_ICMP && il >= MK_ICMP_HDR) { /* transport mode */
        ok = true;
        v.family = g->from.family;
        v.proto = MK_IPPROTO_ICMP;
        v.icmp_type = in[0];
        v.icmp_id = (uint16_t)(in[4] << 8 | in[5]);
        v.icmp_seq = (uint16_t)(in[6] << 8 | in[7]);
        v.csum_ok = mk_csum_fold(mk_csum_add(0, in, il)) == 0;
        v.data = in + MK_ICMP_HDR;
        v.len = il - MK_ICMP_HDR;
        memcpy(v.src, g->from.ip, sizeof(v.src));
        memcpy(v.dst, g->to.ip, sizeof(v.dst));
    } else
        ok = false;
    /* RFC 4301 §5.2: from the responder's TSr to our TSi, whatever key sealed it */
    if (ok && v.csum_ok &&
        !cli_ts_inbound(&v, &d->ts_peer, 1, "TSr", &d->ts_ours, 1, "TSi", why, sizeof(why))) {
        d->ts_drops++;
        show_line(d->show, now, d->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]", spi, seq,
                  g->len, why);
        return;
    }
    show_line(d->show, now, d->who, "<- ESP  spi %08x seq %-3u %4zu B  %s%s", spi, seq, g->len,
              !ok                          ? "inner packet not understood"
              : v.proto == MK_IPPROTO_ICMP ? "ICMP"
              : v.proto == MK_IPPROTO_UDP  ? "UDP"
                                           : "IP",
              ok && !v.csum_ok ? " [bad checksum]" : "");
    if (d->show != NULL && d->show->verbose)
        show_hex(d->show, "Received Packet (decrypted)", in, il);
    if (!ok || !v.csum_ok) {
        d->bad++;
        return;
    }
    if (d->mode == APP_PING && v.proto == MK_IPPROTO_ICMP && v.icmp_type == MK_ICMP_ECHO_REPLY &&
        v.icmp_id == d->icmp_id && v.icmp_seq >= 1 && v.icmp_seq <= d->sent) {
        uint64_t at = v.icmp_seq <= 64 ? d->send_ms[v.icmp_seq - 1] : now;
        d->received++;
        show_line(d->show, now, d->who, "   echo reply from %u.%u.%u.%u: seq=%u time=%llu ms",
                  v.src[0], v.src[1], v.src[2], v.src[3], v.icmp_seq,
                  (unsigned long long)(now - at));
    } else if ((d->mode == APP_SEND || d->mode == APP_DOOR) && v.proto == MK_IPPROTO_UDP) {
        d->received++;
        cli_escape(v.data, v.len, text, sizeof text); /* peer text: \xNN for the rest */
        if (d->mode == APP_SEND)
            show_line(d->show, now, d->who, "   reply: %s", text);
        else if (!strncmp(text, "STATUS", 6)) {
            d->led_blinks++;
            show_line(d->show, now, d->who, "   LED *blink*  door says: %s", text);
        } else if (!strncmp(text, "DONE", 4)) {
            d->got_done = true;
            show_line(d->show, now, d->who, "   LED on       door says: %s (quiet timeout %u ms)",
                      text, d->quiet_ms);
        } else
            show_line(d->show, now, d->who, "   door says: %s", text);
        /* the door: keep awake while it moves (a STATUS a second), sleep `quiet` after DONE */
        d->quiet_until_ms =
            now + (d->mode == APP_DOOR && !d->got_done ? TINY_DOOR_MS : d->quiet_ms);
    }
}

static uint64_t app_deadline(const tiny_dev *d)
{
    if (d->mode == APP_NONE || d->done || !d->sa_ok)
        return UINT64_MAX;
    return d->sent < d->count ? d->next_send_ms : d->quiet_until_ms;
}

static void app_timer(tiny_dev *d, uint64_t now)
{
    if (d->sent < d->count) {
        if (now >= d->next_send_ms) {
            send_next(d, now);
            d->next_send_ms = now + (d->mode == APP_PING ? TINY_PING_MS : TINY_SEND_MS);
            d->quiet_until_ms = now + (d->mode == APP_PING   ? TINY_WAIT_MS
                                       : d->mode == APP_DOOR ? TINY_DOOR_MS
                                                             : d->quiet_ms);
        }
    } else if (now >= d->quiet_until_ms)
        d->done = true;
}

/* The loop of mk_io_run() for the template core: wait until the earliest of the core's
 * deadline, the traffic's and until_ms; feed the datagram or the timer; send what is queued.
 * Returns MK_IO_OK when `done` says so, MK_IO_E_IKE when the SA failed. */
static mk_io_status run(tiny_dev *d, uint64_t until_ms, bool (*done)(tiny_dev *))
{
    static mk_io_dgram g; /* 4 KiB: not on the stack */
    mk_io_status st = drain(d, mk_io_now_ms());
    if (st != MK_IO_OK)
        return st;
    for (;;) {
        uint64_t wake = mt_deadline(&d->ike), app = app_deadline(d), now;
        int r;
        if (mt_state_get(&d->ike) == MT_ST_FAILED)
            return MK_IO_E_IKE;
        if (done(d))
            return MK_IO_OK;
        if (mk_io_now_ms() >= until_ms)
            return MK_IO_E_DEADLINE;
        if (app < wake)
            wake = app;
        if (until_ms < wake)
            wake = until_ms;
        r = mk_io_wait(&d->io, wake, &g);
        now = mk_io_now_ms();
        if (r < 0)
            return (mk_io_status)r;
        if (r == 1 && g.esp)
            on_esp(d, &g, now);
        else if (r == 1)
            on_ike(d, &g, now);
        if (now >= mt_deadline(&d->ike))
            (void)mt_on_timer(&d->ike, now);
        if (app != UINT64_MAX && now >= app)
            app_timer(d, now);
        if ((st = drain(d, now)) != MK_IO_OK)
            return st;
    }
}

static bool handshake_done(tiny_dev *d)
{
    mt_state s = mt_state_get(&d->ike);
    return s == MT_ST_ESTABLISHED || s == MT_ST_CLOSED || s == MT_ST_FAILED;
}

static bool traffic_done(tiny_dev *d)
{
    if (d->mode == APP_PING && d->sent == d->count && d->received >= d->count)
        d->done = true;
    return d->done || mt_state_get(&d->ike) != MT_ST_ESTABLISHED;
}

static int establish(tiny_dev *d, uint32_t timeout_ms)
{
    mt_err e;
    mk_io_status st;
    char why[160];

    if ((e = mt_init(&d->ike, &d->cfg, &d->env)) != MT_E_OK) {
        snprintf(why, sizeof(why), "the IKE core rejected the configuration: %s",
                 mk_err_str(tiny_to_mk(e)));
        return cli_fail(EX_CONFIG, "configuration", why, "check --ike, --esp, --id and the PSK");
    }
    if ((e = mt_start(&d->ike, mk_io_now_ms())) != MT_E_OK) {
        snprintf(why, sizeof(why), "could not build IKE_SA_INIT: %s", mk_err_str(tiny_to_mk(e)));
        return cli_fail(EX_INTERNAL, "IKE_SA_INIT", why, "report this bug");
    }
    st = run(d, mk_io_now_ms() + timeout_ms + 1000, handshake_done);
    if (st == MK_IO_E_IKE || mt_state_get(&d->ike) == MT_ST_FAILED)
        return tiny_fail_ike(d);
    if (st != MK_IO_OK)
        return io_fail(d, st, d->last_exchange == MK_EX_IKE_AUTH ? "IKE_AUTH" : "IKE_SA_INIT");
    if (mt_state_get(&d->ike) != MT_ST_ESTABLISHED)
        return cli_fail(EX_PEER, "IKE", "the SA closed before it was established", "try again");
    d->sa_ok = mt_child(&d->ike, &d->sa);
    if (d->sa_ok && d->show != NULL && d->show->verbose) {
        char a[120], b[120];
        show_line(d->show, mk_io_now_ms(), d->who,
                  "inbound ESP must come from TSr %s to TSi %s (as configured)",
                  cli_ts_str(&d->ts_peer, a, sizeof(a)), cli_ts_str(&d->ts_ours, b, sizeof(b)));
    }
    if (d->sa_ok && d->cap != NULL && capture_keys(d->cap) != NULL) {
        mk_esp_sa k;
        memset(&k, 0, sizeof k);
        k.spi_out = d->sa.spi_out;
        k.spi_in = d->sa.spi_in;
        k.encr = MK_ENCR_CHACHA20_POLY1305;
        k.encr_bits = 256;
        k.ek_len = MT_KEY_LEN + MT_SALT_LEN;
        memcpy(k.ek_out, d->sa.k_out, k.ek_len);
        memcpy(k.ek_in, d->sa.k_in, k.ek_len);
        k.tunnel = d->sa.tunnel;
        k.udp_encap = d->marker;
        (void)mk_keysw_child(capture_keys(d->cap), &k, &d->io.local[MK_IO_IKE],
                             &d->io.remote[MK_IO_IKE]);
        mk_wipe(&k, sizeof k);
    }
    return 0;
}

static int traffic(tiny_dev *d, uint32_t timeout_ms)
{
    uint64_t now = mk_io_now_ms(), n = d->count, sched;
    mk_io_status st;

    if (d->mode == APP_NONE)
        return 0;
    if (!d->sa_ok)
        return cli_fail(EX_PROPOSAL, "ESP", "no child SA was set up",
                        "check --esp and the traffic selectors");
    d->icmp_id = 0x4d4b; /* "MK" */
    d->next_send_ms = now;
    sched = (n - 1) * (d->mode == APP_PING ? TINY_PING_MS : TINY_SEND_MS) +
            (d->mode == APP_PING   ? TINY_WAIT_MS
             : d->mode == APP_DOOR ? TINY_DOOR_MS
                                   : d->quiet_ms);
    st = run(d, now + sched + timeout_ms, traffic_done);
    if (st == MK_IO_E_IKE)
        return tiny_fail_ike(d);
    if (st != MK_IO_OK && st != MK_IO_E_DEADLINE)
        return io_fail(d, st, "ESP traffic");
    if (mt_state_get(&d->ike) == MT_ST_CLOSED)
        return cli_fail(EX_PEER, "ESP traffic", "the responder deleted the IKE SA", "try again");
    if (d->mode == APP_PING && d->received < d->count) {
        char why[120];
        snprintf(why, sizeof(why), "%u of %u echo requests unanswered%s", d->count - d->received,
                 d->count,
                 d->ts_drops ? "; replies outside the traffic selectors were dropped" : "");
        return cli_fail(EX_TIMEOUT, "ping through the ESP tunnel", why,
                        "is the address inside the responder's --tsr? does it answer?");
    }
    if ((d->mode == APP_SEND || d->mode == APP_DOOR) && d->received == 0)
        return cli_fail(EX_TIMEOUT, "UDP through the ESP tunnel", "no reply",
                        "is --to inside the responder's --tsr and is something listening?");
    return 0;
}

/* Open the sockets (ref/io), connect to the peer; the marker when neither port is 500. */
static int tiny_connect(tiny_dev *d, const mk_addr *local, const mk_addr *peer)
{
    mk_io_status st;
    char why[200];

    d->io.tap = d->cap != NULL ? capture_tap : NULL;
    d->io.tap_ctx = d->cap;
    d->io.stop = &cli_stop_flag;
    st = mk_io_open(&d->io, local, local->port == MK_PORT_IKE ? MK_PORT_NATT : 0);
    if (st != MK_IO_OK) {
        snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(d->io.last_errno));
        return cli_fail(EX_NET, "binding local sockets", why,
                        d->io.last_errno == EADDRINUSE
                            ? "another program uses the port; pick another --local port"
                            : "check --local: it must be an address of this host");
    }
    if ((st = mk_io_connect(&d->io, peer, NULL)) != MK_IO_OK) {
        snprintf(why, sizeof(why), "%s: %s", mk_io_status_str(st), strerror(d->io.last_errno));
        mk_io_close(&d->io);
        return cli_fail(EX_NET, "connecting to the peer", why,
                        "check --peer and --local: same address family, and a route to the peer");
    }
    /* RFC 3948 §2.2, as ref/io sorts what arrives: the marker when neither port is 500 */
    d->marker =
        d->io.local[MK_IO_IKE].port != MK_PORT_IKE && d->io.remote[MK_IO_IKE].port != MK_PORT_IKE;
    addr_str(peer, d->peer_str, sizeof(d->peer_str));
    d->env.ctx = d;
    d->env.rng = tiny_rng;
    return 0;
}

/* Record the IKE keys (--keys), wipe the SA and close the sockets. */
static void tiny_close(tiny_dev *d)
{
    if (d->have_keys && d->cap != NULL && capture_keys(d->cap) != NULL)
        (void)mk_keysw_ike(capture_keys(d->cap), &d->keys);
    mk_wipe(&d->keys, sizeof d->keys);
    d->have_keys = false;
    mt_esp_wipe(&d->sa);
    d->sa_ok = false;
    mt_ike_wipe(&d->ike);
    mk_wipe(&d->drbg, sizeof d->drbg);
    mk_io_close(&d->io);
}

static int refuse(const char *opt, const char *why, const char *todo)
{
    return cli_fail(EX_USAGE, opt, why, todo);
}

static int set_id(uint8_t *type, uint8_t *len, uint8_t *out, const mk_id *id, const char *opt)
{
    if (id->len > MT_MAX_ID)
        return refuse(opt, "longer than the template core's 64 octets",
                      "use a shorter identity, or drop --core tiny");
    *type = id->type;
    *len = id->len;
    memcpy(out, id->data, id->len);
    return 0;
}

static void to_mt_ts(mt_ts *o, const mk_ts *t)
{
    o->type = t->type;
    o->proto = t->proto;
    o->start_port = t->start_port;
    o->end_port = t->end_port;
    memcpy(o->start, t->start, 16);
    memcpy(o->end, t->end, 16);
}

/* ---- the demo's device ---------------------------------------------------------------------- */

int tiny_demo_options(cli_common *c, bool rpk, bool del)
{
    char ik[96] = "", es[64] = "";
    if (c->n_ike != 0)
        cli_format_ike(&c->ike[0], ik, sizeof ik);
    if (c->n_esp != 0)
        cli_format_esp(&c->esp[0], es, sizeof es);
    if (rpk)
        return refuse("--auth", "the template core authenticates with a PSK only",
                      "drop --auth, or drop --core tiny for raw public keys");
    if (del)
        return refuse("--delete", "the template core sends no Delete (it forgets the SA)",
                      "drop --delete, or drop --core tiny");
    if (c->n_ike > 1 || (c->n_ike == 1 && strcmp(ik, "chacha20poly1305-prfsha256-x25519")))
        return refuse("--ike",
                      "the template core has one IKE suite, chacha20poly1305-prfsha256-x25519",
                      "drop --ike, or drop --core tiny for other suites");
    if (c->n_esp > 1 || (c->n_esp == 1 && strcmp(es, "chacha20poly1305")))
        return refuse("--esp", "the template core has one ESP suite, chacha20poly1305",
                      "drop --esp, or drop --core tiny for other suites");
    c->n_ike = c->n_esp = 0;
    (void)cli_parse_ike("chacha20poly1305-prfsha256-x25519", c->ike, &c->n_ike);
    (void)cli_parse_esp("chacha20poly1305", c->esp, &c->n_esp);
    return 0;
}

int tiny_demo_press(const cli_common *c, const mk_addr *local, const mk_addr *door, const char *cmd,
                    uint32_t travel_ms, uint32_t quiet_ms, cli_show *show, cli_capture *cap,
                    mk_io_drbg *drbg, tiny_press_out *out)
{
    static tiny_dev dv;
    tiny_dev *d = &dv;
    mk_addr a;
    int rc;

    memset(d, 0, sizeof *d);
    mt_config_defaults(&d->cfg);
    if ((rc = set_id(&d->cfg.idi_type, &d->cfg.idi_len, d->cfg.idi, &c->id, "--id")) != 0 ||
        (rc = set_id(&d->cfg.idr_type, &d->cfg.idr_len, d->cfg.idr, &c->remote_id, "--remote-id")))
        return rc;
    d->cfg.psk = c->psk;
    d->cfg.psk_len = c->psk_len;
    to_mt_ts(&d->cfg.tsi, &c->tsi);
    to_mt_ts(&d->cfg.tsr, &c->tsr);
    d->ts_ours = c->tsi;
    d->ts_peer = c->tsr;
    d->cfg.total_ms = 10000;
    d->seeded = drbg != NULL;
    if (drbg != NULL)
        d->drbg = *drbg; /* the stream goes on from press to press */
    d->show = show;
    d->cap = cap;
    d->who = "device";
    rc = tiny_connect(d, local, door);
    if (rc == 0)
        rc = establish(d, 10000);
    if (rc == 0) {
        show_line(show, mk_io_now_ms(), "device", "   SA up: ESP out %08x / in %08x; sending %s",
                  d->sa.spi_out, d->sa.spi_in, cmd);
        d->mode = APP_DOOR;
        d->text = cmd;
        (void)mk_io_parse_addr("10.99.20.1", 0, &a);
        memcpy(d->inner_src, a.ip, 4);
        (void)mk_io_parse_addr("10.99.10.1", 0, &a);
        memcpy(d->inner_dst, a.ip, 4);
        d->sport = 40000;
        d->dport = DOOR_PORT;
        d->count = 1;
        d->quiet_ms = quiet_ms;
        rc = traffic(d, travel_ms + 15000u);
        if (rc == 0 && !d->got_done)
            rc = cli_fail(EX_TIMEOUT, "garage door", "no DONE from the door", "");
    }
    if (rc == 0)
        show_line(show, mk_io_now_ms(), "device", "   sleep (SA forgotten, no Delete sent)");
    out->ike_rt = d->ike_round_trips;
    out->esp_tx = d->esp_tx;
    out->esp_rx = d->esp_rx;
    out->blinks = d->led_blinks;
    if (drbg != NULL)
        *drbg = d->drbg;
    tiny_close(d);
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */

static bool ts_has4(const mk_ts *ts, const uint8_t ip[4])
{
    return ts->type == MK_TS_IPV4_RANGE && memcmp(ts->start, ip, 4) <= 0 &&
           memcmp(ip, ts->end, 4) <= 0;
}

int cmd_initiate_tiny(int argc, char **argv)
{
    static const struct option lo[] = {{"peer", 1, 0, 'p'},
                                       {"local", 1, 0, 'L'},
                                       {"psk-file", 1, 0, 'P'},
                                       {"id", 1, 0, 'i'},
                                       {"remote-id", 1, 0, 'r'},
                                       {"ike", 1, 0, 'I'},
                                       {"esp", 1, 0, 'E'},
                                       {"tsi", 1, 0, 'T'},
                                       {"tsr", 1, 0, 'R'},
                                       {"inner-src", 1, 0, 'S'},
                                       {"no-natt", 0, 0, 'n'},
                                       {"nat-port", 0, 0, 'N'},
                                       {"initial-contact", 1, 0, 1001},
                                       {"transport", 0, 0, 't'},
                                       {"ping", 1, 0, 'g'},
                                       {"send", 1, 0, 'x'},
                                       {"to", 1, 0, 'o'},
                                       {"count", 1, 0, 'C'},
                                       {"delete", 0, 0, 'D'},
                                       {"pcap", 1, 0, 'c'},
                                       {"keys", 1, 0, 'k'},
                                       {"seed", 1, 0, 's'},
                                       {"timeout", 1, 0, 'w'},
                                       {"quiet-timeout", 1, 0, 'Q'},
                                       {"help", 0, 0, 'h'},
                                       {"pcap-raw-ports", 0, 0, 'W'},
                                       {"key", 1, 0, OPT_KEY},
                                       {"peer-key", 1, 0, OPT_PEER_KEY},
                                       {"peer-fp", 1, 0, OPT_PEER_FP},
                                       {"state", 1, 0, OPT_STATE},
                                       {"send-cert", 0, 0, OPT_SEND_CERT},
                                       {"force", 0, 0, OPT_FORCE},
                                       {"core", 1, 0, OPT_CORE},
                                       {0, 0, 0, 0}};
    static const char rpk_why[] = "the template core authenticates with a PSK only";
    static const char rpk_todo[] = "use --psk-file, or drop --core tiny for raw public keys";
    static cli_common c;
    static tiny_dev dv;
    tiny_dev *d = &dv;
    cli_capture cap;
    cli_show show;
    mk_addr peer, local, to, ping;
    bool have_peer = false, have_local = false, have_to = false, have_ping = false;
    bool transport = false, have_src = false, initial_contact = true, have_count = false;
    bool have_quiet = false;
    const char *send = NULL;
    uint64_t count = 1, timeout = 30, quiet = 2;
    uint8_t inner_src[4];
    int opt, r, rc;
    char b1[96] = "", b2[96] = "";

    memset(&c, 0, sizeof(c));
    memset(d, 0, sizeof(*d));
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
        r = 0;
        switch (opt) {
        case OPT_KEY:
            return cli_common_wipe(&c), refuse("--key", rpk_why, rpk_todo);
        case OPT_PEER_KEY:
            return cli_common_wipe(&c), refuse("--peer-key", rpk_why, rpk_todo);
        case OPT_PEER_FP:
            return cli_common_wipe(&c), refuse("--peer-fp", rpk_why, rpk_todo);
        case OPT_STATE:
            return cli_common_wipe(&c), refuse("--state", rpk_why, rpk_todo);
        case OPT_SEND_CERT:
            return cli_common_wipe(&c), refuse("--send-cert", rpk_why, rpk_todo);
        case 'N':
            return cli_common_wipe(&c),
                   refuse("--nat-port", "the template core does no NAT-T (UDP 500 only)",
                          "drop --nat-port, or drop --core tiny");
        case 'D':
            return cli_common_wipe(&c),
                   refuse("--delete", "the template core sends no Delete (it forgets the SA)",
                          "drop --delete, or drop --core tiny");
        default:
            break;
        }
        r = cli_common_opt(&c, opt, optarg);
        if (r < 0)
            return cli_common_wipe(&c), -r;
        if (r == 1)
            continue;
        r = 0;
        switch (opt) {
        case 'h':
            fputs("usage: minike initiate --core tiny --peer ADDR[:PORT] --psk-file F --id ID "
                  "[options]\n(the options of minike initiate --help that apply to the "
                  "template core; see harness/cli/README.md)\n",
                  stdout);
            return cli_common_wipe(&c), EX_OK;
        case OPT_CORE:
            break; /* checked by cli_core_arg */
        case 'p':
            r = cli_parse_addr(optarg, MK_PORT_IKE, &peer, "--peer");
            if (!r)
                r = cli_check_remote(&peer, "--peer", optarg);
            have_peer = !r;
            break;
        case 'L':
            r = cli_parse_addr(optarg, 0, &local, "--local");
            have_local = !r;
            break;
        case 'S':
            if (inet_pton(AF_INET, optarg, inner_src) != 1)
                r = cli_fail(EX_USAGE, "--inner-src", "not an IPv4 address",
                             "inner packets are IPv4, e.g. --inner-src 10.99.20.1");
            have_src = !r;
            break;
        case 'n':
            break; /* the template core never does NAT-T */
        case 1001:
            if (strcmp(optarg, "on") == 0 || strcmp(optarg, "off") == 0)
                initial_contact = strcmp(optarg, "on") == 0;
            else
                r = cli_fail(EX_USAGE, "--initial-contact", "expects on or off",
                             "e.g. --initial-contact off");
            break;
        case 't':
            transport = true;
            break;
        case 'g':
            r = cli_parse_addr(optarg, 0, &ping, "--ping");
            if (!r && ping.family != 4)
                r = cli_fail(EX_USAGE, "--ping", "only IPv4 inner packets are supported",
                             "give an IPv4 address behind the responder");
            have_ping = !r;
            break;
        case 'x':
            send = optarg;
            break;
        case 'o':
            r = cli_parse_addr(optarg, 0, &to, "--to");
            if (!r && (to.family != 4 || to.port == 0))
                r = cli_fail(EX_USAGE, "--to", "needs an IPv4 ADDR:PORT",
                             "e.g. --to 10.99.10.1:7777");
            have_to = !r;
            break;
        case 'C':
            r = cli_parse_range(optarg, 1, 64, &count, "--count");
            have_count = true;
            break;
        case 'w':
            r = cli_parse_range(optarg, 1, 3600, &timeout, "--timeout");
            break;
        case 'Q':
            r = cli_parse_u64(optarg, 3600, &quiet, "--quiet-timeout");
            have_quiet = true;
            break;
        default:
            r = cli_usage_error(argv, opt, "initiate");
            break;
        }
        if (r != 0)
            return cli_common_wipe(&c), r;
    }
    /* the one suite (RFC 7815 §2.1's profile as ref/tiny builds it) */
    if (c.n_ike != 0)
        cli_format_ike(&c.ike[0], b1, sizeof b1);
    if (c.n_esp != 0)
        cli_format_esp(&c.esp[0], b2, sizeof b2);
    if (optind < argc)
        r = cli_unexpected_arg(argv[optind], "see minike initiate --help");
    else if (c.n_ike > 1 || (c.n_ike == 1 && strcmp(b1, "chacha20poly1305-prfsha256-x25519")))
        r = refuse("--ike",
                   "the template core has one IKE suite, chacha20poly1305-prfsha256-x25519",
                   "drop --ike, or drop --core tiny for other suites");
    else if (c.n_esp > 1 || (c.n_esp == 1 && strcmp(b2, "chacha20poly1305")))
        r = refuse("--esp", "the template core has one ESP suite, chacha20poly1305",
                   "drop --esp, or drop --core tiny for other suites");
    else if (!have_peer)
        r = cli_fail(EX_USAGE, "initiate", "--peer is required", "e.g. --peer 192.0.2.1");
    else if (!c.have_id)
        r = cli_fail(EX_USAGE, "initiate", "--id is required", "e.g. --id @device.example");
    else if (send != NULL && !have_to)
        r = cli_fail(EX_USAGE, "--send", "needs --to ADDR:PORT", "e.g. --to 10.99.10.1:7777");
    else if (send == NULL && have_to)
        r = cli_fail(EX_USAGE, "--to", "needs --send TEXT", "e.g. --send OPEN");
    else if (send != NULL && have_ping)
        r = cli_fail(EX_USAGE, "--ping and --send", "only one kind of traffic per run",
                     "drop one of them");
    else if (send != NULL && strlen(send) > 1000)
        r = cli_fail(EX_USAGE, "--send", "message longer than 1000 octets", "send less");
    else if ((send || have_ping) &&
             (peer.port == MK_PORT_IKE || (have_local && local.port == MK_PORT_IKE)))
        r = refuse("--ping/--send with --core tiny on UDP 500",
                   "the template core does no NAT-T, and ESP beside IKE on port 500 would "
                   "need UDP 4500",
                   "drop the traffic option (IKE only), or drop --core tiny");
    else if (have_local && local.family != peer.family)
        r = cli_fail(EX_USAGE, "--local", "address family differs from --peer",
                     "use the same family");
    else if (transport && have_src)
        r = cli_fail(EX_USAGE, "--inner-src with --transport",
                     "transport mode has no inner header: packets carry the outer addresses",
                     "drop --inner-src, or drop --transport for tunnel mode");
    else if (transport && (send || have_ping) && peer.family != 4)
        r = cli_fail(EX_USAGE, "--transport with --ping/--send over IPv6",
                     "traffic in transport mode is built for IPv4 outer addresses only",
                     "drop --transport for tunnel mode, or use an IPv4 --peer");
    else if (transport && have_ping && memcmp(ping.ip, peer.ip, 4) != 0)
        r = cli_fail(EX_USAGE, "--ping with --transport",
                     "transport mode protects traffic to the responder itself only",
                     "ping the --peer address, or drop --transport for tunnel mode");
    else if (transport && send && memcmp(to.ip, peer.ip, 4) != 0)
        r = cli_fail(EX_USAGE, "--to with --transport",
                     "transport mode protects traffic to the responder itself only",
                     "send --to the --peer address, or drop --transport for tunnel mode");
    else if ((have_count || have_src) && send == NULL && !have_ping)
        r = cli_fail(EX_USAGE, have_count ? "--count" : "--inner-src",
                     "only applies to traffic through the tunnel, and none was asked for",
                     "add --ping ADDR or --send TEXT --to ADDR:PORT, or drop the option");
    else if (have_quiet && send != NULL && quiet == 0)
        r = cli_fail(EX_USAGE, "--quiet-timeout 0",
                     "the run would stop before any reply to --send could arrive",
                     "give 1 or more seconds");
    else if (have_quiet && send == NULL)
        r = cli_fail(EX_USAGE, "--quiet-timeout", "only applies to --send",
                     have_ping ? "drop it: --ping waits 1 s for each reply"
                               : "add --send TEXT --to ADDR:PORT, or drop the option");
    else
        r = 0;
    if (r != 0)
        return cli_common_wipe(&c), r;
    if (!c.have_psk && (r = cli_load_psk_env(&c)) != 0)
        return r;
    if (!c.have_tsi)
        (void)cli_parse_ts("10.99.20.0/24", &c.tsi, "--tsi");
    if (!c.have_tsr)
        (void)cli_parse_ts("10.99.10.0/24", &c.tsr, "--tsr");
    if (!have_src) {
        memcpy(inner_src, c.tsi.start, 4);
        if (memcmp(c.tsi.start, c.tsi.end, 4) != 0)
            inner_src[3] = (uint8_t)(inner_src[3] + 1);
    }
    if (!transport && (have_ping || send != NULL)) {
        const uint8_t *dst = have_ping ? ping.ip : to.ip;
        char what[64], tsb[80], tb[40], ab[32];
        r = 0;
        if (c.tsi.type != MK_TS_IPV4_RANGE || c.tsr.type != MK_TS_IPV4_RANGE)
            r = cli_fail(EX_USAGE, "--ping/--send with IPv6 traffic selectors",
                         "packets inside the tunnel are IPv4 only", "give IPv4 --tsi and --tsr");
        else if (!ts_has4(&c.tsr, dst)) {
            snprintf(what, sizeof(what), "%s %s", have_ping ? "--ping" : "--to",
                     inet_ntop(AF_INET, dst, ab, sizeof(ab)));
            snprintf(tsb, sizeof(tsb), "outside --tsr %s", cli_ts_str(&c.tsr, tb, sizeof(tb)));
            r = cli_fail(EX_USAGE, what, tsb,
                         "give an address inside the responder's selector, or widen --tsr to "
                         "match the responder's configuration");
        } else if (!ts_has4(&c.tsi, inner_src)) {
            snprintf(what, sizeof(what), "--inner-src %s",
                     inet_ntop(AF_INET, inner_src, ab, sizeof(ab)));
            snprintf(tsb, sizeof(tsb), "outside --tsi %s", cli_ts_str(&c.tsi, tb, sizeof(tb)));
            r = cli_fail(EX_USAGE, what, tsb, "give an address inside --tsi");
        }
        if (r != 0)
            return cli_common_wipe(&c), r;
    }
    mt_config_defaults(&d->cfg);
    if ((r = set_id(&d->cfg.idi_type, &d->cfg.idi_len, d->cfg.idi, &c.id, "--id")) != 0 ||
        (r = set_id(&d->cfg.idr_type, &d->cfg.idr_len, d->cfg.idr, &c.remote_id, "--remote-id")))
        return cli_common_wipe(&c), r;
    if (!have_local) {
        memset(&local, 0, sizeof(local));
        local.family = peer.family;
    }
    show_init(&show, c.verbose);
    if ((r = capture_open(&cap, &c)) != 0)
        return cli_common_wipe(&c), r;
    d->cfg.psk = c.psk;
    d->cfg.psk_len = c.psk_len;
    d->cfg.tunnel = !transport;
    d->cfg.initial_contact = initial_contact;
    d->cfg.total_ms = (uint32_t)timeout * 1000u;
    d->seeded = c.seeded;
    if (c.seeded)
        mk_io_drbg_init(&d->drbg, c.seed, 0);
    d->show = &show;
    d->cap = &cap;
    d->who = "minike";
    rc = tiny_connect(d, &local, &peer);
    if (rc == 0) {
        const mk_addr *la = &d->io.local[MK_IO_IKE], *ra = &d->io.remote[MK_IO_IKE];
        char ip[80], id[300];
        if (transport) { /* the selectors are the outer addresses */
            size_t al = la->family == 4 ? 4 : 16;
            memset(&c.tsi, 0, sizeof c.tsi);
            c.tsi.type = la->family == 4 ? MK_TS_IPV4_RANGE : MK_TS_IPV6_RANGE;
            c.tsi.end_port = 65535;
            c.tsr = c.tsi;
            memcpy(c.tsi.start, la->ip, al);
            memcpy(c.tsi.end, la->ip, al);
            memcpy(c.tsr.start, ra->ip, al);
            memcpy(c.tsr.end, ra->ip, al);
            memcpy(inner_src, la->ip, 4);
        }
        to_mt_ts(&d->cfg.tsi, &c.tsi);
        to_mt_ts(&d->cfg.tsr, &c.tsr);
        d->ts_ours = c.tsi;
        d->ts_peer = c.tsr;
        cli_format_id(&c.id, id, sizeof(id));
        show_line(&show, mk_io_now_ms(), d->who,
                  "IKE with %s from %s as %s; template core: chacha20poly1305-prfsha256-x25519, "
                  "ESP chacha20poly1305%s",
                  d->peer_str, addr_str(la, ip, sizeof(ip)), id,
                  d->marker ? " (non-ESP marker: peer not on port 500)" : "");
        rc = establish(d, (uint32_t)timeout * 1000u);
    }
    if (rc == 0) {
        if (d->sa_ok)
            show_line(&show, mk_io_now_ms(), d->who,
                      "established: IKE SA %02x%02x%02x%02x%02x%02x%02x%02x_i, ESP SPIs "
                      "out %08x in %08x (%s, %s); IKE chacha20poly1305-prfsha256-x25519, "
                      "ESP chacha20poly1305",
                      d->ike.spi_i[0], d->ike.spi_i[1], d->ike.spi_i[2], d->ike.spi_i[3],
                      d->ike.spi_i[4], d->ike.spi_i[5], d->ike.spi_i[6], d->ike.spi_i[7],
                      d->sa.spi_out, d->sa.spi_in, d->sa.tunnel ? "tunnel" : "transport",
                      d->marker ? "UDP-encapsulated" : "plain ESP");
        d->mode = have_ping ? APP_PING : send != NULL ? APP_SEND : APP_NONE;
        memcpy(d->inner_src, inner_src, 4);
        memcpy(d->inner_dst, have_ping ? ping.ip : to.ip, 4);
        d->text = send;
        d->dport = to.port;
        d->sport = (uint16_t)(40000u + (mk_io_now_ms() % 20000u));
        d->count = (uint32_t)count;
        d->quiet_ms = (uint32_t)quiet * 1000u;
        rc = traffic(d, (uint32_t)timeout * 1000u);
    }
    if (rc == 0)
        show_line(&show, mk_io_now_ms(), d->who, "done; IKE SA forgotten (no Delete sent)");
    tiny_close(d);
    {
        int r2 = capture_close(&cap);
        if (rc == 0)
            rc = r2;
    }
    cli_common_wipe(&c);
    return rc;
}
