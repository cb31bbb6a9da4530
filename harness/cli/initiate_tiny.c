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
 * The options are parsed and checked by initiate_opts.c and the traffic is built, read and
 * judged by dev_shared.c: the same code the general core's command runs, with this core's
 * refusals as hooks.
 * It never prints the PSK or keys (those go only to --keys when asked).
 */
#define _DEFAULT_SOURCE

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
    cli_app app;            /* traffic */
    /* per-session counters (the demo's summary) */
    uint32_t esp_tx, esp_rx, ike_round_trips;
} tiny_dev;

static void tiny_rng(void *ctx, uint8_t *out, size_t n)
{
    tiny_dev *d = ctx;
    cli_rng(d->seeded ? &d->drbg : NULL, out, n);
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
    return cli_io_fail(st, d->io.last_errno, what, d->peer_str);
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
    uint8_t pkt[2048], out[MK_IO_MAX_DGRAM], nh;
    size_t olen = 0, n;
    char what[200];
    mt_err e;

    n = cli_app_request(&d->app, d->cfg.tunnel, &d->io.local[MK_IO_IKE], &d->io.remote[MK_IO_IKE],
                        now, pkt, sizeof(pkt), &nh, what, sizeof(what));
    if (n == 0)
        return;
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
    uint32_t spi, seq;
    mt_err e;

    if (!d->sa_ok)
        return;
    cli_esp_spi_seq(g->buf, g->len, &spi, &seq);
    e = mt_esp_open(&d->sa, g->buf, g->len, &nh, &in, &il);
    if (e != MT_E_OK) {
        cli_esp_drop_line(d->show, now, d->who, spi, seq, g->len, mk_err_name(tiny_to_mk(e)));
        return;
    }
    d->esp_rx++;
    cli_app_esp(&d->app, d->show, d->who, now, g, spi, seq, nh, in, il, &d->ts_peer, 1, &d->ts_ours,
                1, TINY_DOOR_MS);
}

static uint64_t app_deadline(const tiny_dev *d)
{
    if (d->app.mode == APP_NONE || d->app.done || !d->sa_ok)
        return UINT64_MAX;
    return d->app.sent < d->app.count ? d->app.next_send_ms : d->app.quiet_until_ms;
}

static void app_timer(tiny_dev *d, uint64_t now)
{
    if (d->app.sent < d->app.count) {
        if (now >= d->app.next_send_ms) {
            send_next(d, now);
            d->app.next_send_ms = now + (d->app.mode == APP_PING ? TINY_PING_MS : TINY_SEND_MS);
            d->app.quiet_until_ms = now + (d->app.mode == APP_PING   ? TINY_WAIT_MS
                                           : d->app.mode == APP_DOOR ? TINY_DOOR_MS
                                                                     : d->app.quiet_ms);
        }
    } else if (now >= d->app.quiet_until_ms)
        d->app.done = true;
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
    if (d->app.mode == APP_PING && d->app.sent == d->app.count && d->app.received >= d->app.count)
        d->app.done = true;
    return d->app.done || mt_state_get(&d->ike) != MT_ST_ESTABLISHED;
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
    uint64_t now = mk_io_now_ms(), n = d->app.count, sched;
    mk_io_status st;

    if (d->app.mode == APP_NONE)
        return 0;
    if (!d->sa_ok)
        return cli_fail(EX_PROPOSAL, "ESP", "no child SA was set up",
                        "check --esp and the traffic selectors");
    d->app.icmp_id = 0x4d4b; /* "MK" */
    d->app.next_send_ms = now;
    sched = (n - 1) * (d->app.mode == APP_PING ? TINY_PING_MS : TINY_SEND_MS) +
            (d->app.mode == APP_PING   ? TINY_WAIT_MS
             : d->app.mode == APP_DOOR ? TINY_DOOR_MS
                                       : d->app.quiet_ms);
    st = run(d, now + sched + timeout_ms, traffic_done);
    if (st == MK_IO_E_IKE)
        return tiny_fail_ike(d);
    if (st != MK_IO_OK && st != MK_IO_E_DEADLINE)
        return io_fail(d, st, "ESP traffic");
    if (mt_state_get(&d->ike) == MT_ST_CLOSED)
        return cli_fail(EX_PEER, "ESP traffic", "the responder deleted the IKE SA", "try again");
    return cli_app_result(&d->app);
}

/* Open the sockets (ref/io), connect to the peer; the marker when neither port is 500. */
static int tiny_connect(tiny_dev *d, const mk_addr *local, const mk_addr *peer)
{
    int rc = cli_io_open(&d->io, d->cap, &cli_stop_flag, local, peer, NULL);
    if (rc != 0)
        return rc;
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

/* The one suite (RFC 7815 §2.1's profile as ref/tiny builds it): --ike and --esp may only
 * name it. 0 or an exit code. */
static int tiny_check_suites(const cli_common *c)
{
    char ik[96] = "", es[64] = "";
    if (c->n_ike != 0)
        cli_format_ike(&c->ike[0], ik, sizeof ik);
    if (c->n_esp != 0)
        cli_format_esp(&c->esp[0], es, sizeof es);
    if (c->n_ike > 1 || (c->n_ike == 1 && strcmp(ik, "chacha20poly1305-prfsha256-x25519")))
        return refuse("--ike",
                      "the template core has one IKE suite, chacha20poly1305-prfsha256-x25519",
                      "drop --ike, or drop --core tiny for other suites");
    if (c->n_esp > 1 || (c->n_esp == 1 && strcmp(es, "chacha20poly1305")))
        return refuse("--esp", "the template core has one ESP suite, chacha20poly1305",
                      "drop --esp, or drop --core tiny for other suites");
    return 0;
}

int tiny_demo_options(cli_common *c, bool rpk, bool del)
{
    int r;
    if (rpk)
        return refuse("--auth", "the template core authenticates with a PSK only",
                      "drop --auth, or drop --core tiny for raw public keys");
    if (del)
        return refuse("--delete", "the template core sends no Delete (it forgets the SA)",
                      "drop --delete, or drop --core tiny");
    if ((r = tiny_check_suites(c)) != 0)
        return r;
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
        cli_app_door(&d->app, cmd, quiet_ms);
        rc = traffic(d, travel_ms + 15000u);
        if (rc == 0 && !d->app.got_done)
            rc = cli_fail(EX_TIMEOUT, "garage door", "no DONE from the door", "");
    }
    if (rc == 0)
        show_line(show, mk_io_now_ms(), "device", "   sleep (SA forgotten, no Delete sent)");
    out->ike_rt = d->ike_round_trips;
    out->esp_tx = d->esp_tx;
    out->esp_rx = d->esp_rx;
    out->blinks = d->app.led_blinks;
    if (drbg != NULL)
        *drbg = d->drbg;
    tiny_close(d);
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */

/* Options outside the template core's profile, refused where they stand (exit 2). */
static int tiny_refuse_opt(int opt)
{
    static const char rpk_why[] = "the template core authenticates with a PSK only";
    static const char rpk_todo[] = "use --psk-file, or drop --core tiny for raw public keys";
    switch (opt) {
    case OPT_KEY:
        return refuse("--key", rpk_why, rpk_todo);
    case OPT_PEER_KEY:
        return refuse("--peer-key", rpk_why, rpk_todo);
    case OPT_PEER_FP:
        return refuse("--peer-fp", rpk_why, rpk_todo);
    case OPT_STATE:
        return refuse("--state", rpk_why, rpk_todo);
    case OPT_SEND_CERT:
        return refuse("--send-cert", rpk_why, rpk_todo);
    case 'N':
        return refuse("--nat-port", "the template core does no NAT-T (UDP 500 only)",
                      "drop --nat-port, or drop --core tiny");
    case 'D':
        return refuse("--delete", "the template core sends no Delete (it forgets the SA)",
                      "drop --delete, or drop --core tiny");
    default:
        return 0;
    }
}

/* No NAT-T: ESP needs a peer off UDP 500 (the marker socket carries it). */
static int tiny_check_traffic(const cli_initiate_opts *o)
{
    if ((o->send || o->have_ping) &&
        (o->peer.port == MK_PORT_IKE || (o->have_local && o->local.port == MK_PORT_IKE)))
        return refuse("--ping/--send with --core tiny on UDP 500",
                      "the template core does no NAT-T, and ESP beside IKE on port 500 would "
                      "need UDP 4500",
                      "drop the traffic option (IKE only), or drop --core tiny");
    return 0;
}

int cmd_initiate_tiny(int argc, char **argv)
{
    static const cli_initiate_core tiny = {
        .help = "usage: minike initiate --core tiny --peer ADDR[:PORT] --psk-file F --id ID "
                "[options]\n(the options of minike initiate --help that apply to the "
                "template core; see harness/cli/README.md)\n",
        .refuse = tiny_refuse_opt,
        .check_options = tiny_check_suites,
        .check_traffic = tiny_check_traffic,
    };
    static cli_common c;
    static tiny_dev dv;
    tiny_dev *d = &dv;
    cli_initiate_opts o;
    cli_capture cap;
    cli_show show;
    int r, rc;

    memset(d, 0, sizeof(*d));
    if (!cli_initiate_parse(argc, argv, &tiny, &c, &o, &rc))
        return rc;
    if ((r = cli_initiate_selectors(&c, &o)) != 0)
        return r;
    mt_config_defaults(&d->cfg);
    if ((r = set_id(&d->cfg.idi_type, &d->cfg.idi_len, d->cfg.idi, &c.id, "--id")) != 0 ||
        (r = set_id(&d->cfg.idr_type, &d->cfg.idr_len, d->cfg.idr, &c.remote_id, "--remote-id")))
        return cli_common_wipe(&c), r;
    cli_initiate_local(&o);
    show_init(&show, c.verbose);
    if ((r = capture_open(&cap, &c)) != 0)
        return cli_common_wipe(&c), r;
    d->cfg.psk = c.psk;
    d->cfg.psk_len = c.psk_len;
    d->cfg.tunnel = !o.transport;
    d->cfg.initial_contact = o.initial_contact;
    d->cfg.total_ms = (uint32_t)o.timeout * 1000u;
    d->seeded = c.seeded;
    if (c.seeded)
        mk_io_drbg_init(&d->drbg, c.seed, 0);
    d->show = &show;
    d->cap = &cap;
    d->who = "minike";
    rc = tiny_connect(d, &o.local, &o.peer);
    if (rc == 0) {
        const mk_addr *la = &d->io.local[MK_IO_IKE], *ra = &d->io.remote[MK_IO_IKE];
        char ip[80], id[300];
        if (o.transport) { /* the selectors are the outer addresses */
            size_t al = la->family == 4 ? 4 : 16;
            memset(&c.tsi, 0, sizeof c.tsi);
            c.tsi.type = la->family == 4 ? MK_TS_IPV4_RANGE : MK_TS_IPV6_RANGE;
            c.tsi.end_port = 65535;
            c.tsr = c.tsi;
            memcpy(c.tsi.start, la->ip, al);
            memcpy(c.tsi.end, la->ip, al);
            memcpy(c.tsr.start, ra->ip, al);
            memcpy(c.tsr.end, ra->ip, al);
            memcpy(o.inner_src, la->ip, 4);
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
        rc = establish(d, (uint32_t)o.timeout * 1000u);
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
        d->app.mode = o.have_ping ? APP_PING : o.send != NULL ? APP_SEND : APP_NONE;
        memcpy(d->app.inner_src, o.inner_src, 4);
        memcpy(d->app.inner_dst, o.have_ping ? o.ping.ip : o.to.ip, 4);
        d->app.text = o.send;
        d->app.dport = o.to.port;
        d->app.sport = (uint16_t)(40000u + (mk_io_now_ms() % 20000u));
        d->app.count = (uint32_t)o.count;
        d->app.quiet_ms = (uint32_t)o.quiet * 1000u;
        rc = traffic(d, (uint32_t)o.timeout * 1000u);
    }
    if (rc == 0)
        show_line(&show, mk_io_now_ms(), d->who, "done; IKE SA forgotten (no Delete sent)");
    tiny_close(d);
    return cli_initiate_finish(rc, &cap, &c);
}
