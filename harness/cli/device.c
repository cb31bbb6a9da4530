/* SPDX-License-Identifier: MIT */
/*
 * device: one initiator session as the garage-door remote lives it: wake up, open sockets,
 * IKE_SA_INIT + IKE_AUTH through mk_io_run(), then talk through the ESP child SA (ICMP echo,
 * UDP messages, the door protocol), then forget or delete the SA and sleep. Used by
 * `minike initiate` and `minike demo`. All I/O goes through mk_io; the IKE logic is the core's.
 * It must never act on an ESP packet that did not open, nor on one whose inner packet lies
 * outside the child SA's traffic selectors (RFC 4301 §5.2), and it wipes the SA copy on close.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ---- hooks ---------------------------------------------------------------------------------- */

static void refresh_keys(cli_dev *d)
{
    mk_ike_keys k;
    if (mk_keys_export(&d->ike, &k)) {
        /* SK_d/pi/pr are exported only before the child SA is keyed: keep the copy */
        bool same_sa = d->have_keys && memcmp(d->keys.spi_i, k.spi_i, 8) == 0;
        if (k.prf_len == 0 && same_sa && d->keys.prf_len != 0) {
            memcpy(k.sk_d, d->keys.sk_d, sizeof k.sk_d);
            memcpy(k.sk_pi, d->keys.sk_pi, sizeof k.sk_pi);
            memcpy(k.sk_pr, d->keys.sk_pr, sizeof k.sk_pr);
            k.prf_len = d->keys.prf_len;
        }
        d->keys = k;
        d->have_keys = true;
    }
    mk_wipe(&k, sizeof(k));
}

static void trace_flush(cli_dev *d)
{
    for (size_t i = 0; i < d->n_trace; i++)
        show_line(d->show, d->trace_q[i].ms, "core", "%s", d->trace_q[i].text);
    d->n_trace = 0;
}

static void on_ike_tx(void *ctx, const uint8_t *p, size_t n, uint16_t port, uint64_t now)
{
    cli_dev *d = ctx;
    size_t off = (port == MK_PORT_NATT && n >= MK_NATT_MARKER) ? MK_NATT_MARKER : 0;
    if (n >= off + 28)
        d->last_exchange = p[off + 18];
    refresh_keys(d);
    trace_flush(d); /* what the core did to build it, then the datagram */
    show_ike(d->show, now, d->who, true, p, n, d->have_keys ? &d->keys : NULL, NULL);
}

static void on_ike(void *ctx, const mk_io_dgram *g, mk_err e, uint64_t now)
{
    cli_dev *d = ctx;
    char note[64];
    size_t off = g->marker_socket ? MK_NATT_MARKER : 0;
    if (e == MK_E_OK && g->len >= off + 28 && (g->buf[off + 19] & MK_HDR_F_RESPONSE))
        d->ike_round_trips++;
    refresh_keys(d);
    if (g->len >= off + 28 && g->buf[off + 18] == MK_EX_IKE_AUTH && d->have_keys &&
        show_find_idr(g->buf, g->len, &d->keys, &d->seen_idr))
        d->have_seen_idr = true;
    /* the selectors the responder chose (RFC 7296 §2.9): the core checked them and keeps
     * none, so read them from the response it accepted, for the inbound check */
    if (e == MK_E_OK && mk_state_get(&d->ike) == MK_ST_ESTABLISHED && !d->ts_negotiated &&
        d->have_keys &&
        show_find_ts(g->buf, g->len, &d->keys, d->ts_ours, &d->n_ts_ours, d->ts_peer,
                     &d->n_ts_peer))
        d->ts_negotiated = true;
    if (e != MK_E_OK)
        snprintf(note, sizeof(note), "[%s: %s]",
                 mk_err_class(e) == MK_CLASS_DROP ? "dropped" : "failed", mk_err_name(e));
    show_ike(d->show, now, d->who, false, g->buf, g->len, d->have_keys ? &d->keys : NULL,
             e != MK_E_OK ? note : NULL);
    trace_flush(d); /* the datagram, then what the core made of it */
}

static void trace(void *ctx, mk_event ev, const char *detail)
{
    cli_dev *d = ctx;
    static const char *names[] = {"tx", "rx", "drop", "state", "retransmit", "info"};
    if (d->show == NULL || !d->show->verbose)
        return;
    if (d->n_trace == sizeof(d->trace_q) / sizeof(d->trace_q[0]))
        trace_flush(d);
    d->trace_q[d->n_trace].ms = mk_io_now_ms();
    snprintf(d->trace_q[d->n_trace].text, sizeof(d->trace_q[0].text), "%s: %s",
             (unsigned)ev < sizeof(names) / sizeof(names[0]) ? names[ev] : "?",
             detail ? detail : "");
    d->n_trace++;
}

static void dev_rng(void *ctx, uint8_t *out, size_t n)
{
    cli_dev *d = ctx;
    cli_rng(d->seeded ? &d->drbg : NULL, out, n);
}

/* ---- connect / establish -------------------------------------------------------------------- */

int dev_connect(cli_dev *d, const mk_addr *local, const mk_addr *peer_ike, const mk_addr *peer_natt)
{
    char a[80];
    int rc =
        cli_io_open(&d->io, d->cap, d->stop, local, d->cfg.force_4500 ? NULL : peer_ike, peer_natt);
    if (rc != 0)
        return rc;
    /* NAT_DETECTION hashes use the addresses and ports IKE_SA_INIT travels with. */
    {
        int cls = d->cfg.force_4500 ? MK_IO_NATT : MK_IO_IKE;
        d->cfg.local = d->io.local[cls];
        d->cfg.remote = d->io.remote[cls];
    }
    addr_str(d->cfg.force_4500 ? peer_natt : peer_ike, a, sizeof(a));
    snprintf(d->peer_str, sizeof(d->peer_str), "%s", a);
    d->env.ctx = d;
    d->env.rng = dev_rng;
    d->env.trace = trace;
    return 0;
}

static mk_io_hooks base_hooks(cli_dev *d)
{
    mk_io_hooks h;
    memset(&h, 0, sizeof(h));
    h.ctx = d;
    h.on_ike = on_ike;
    h.on_ike_tx = on_ike_tx;
    return h;
}

static int io_fail(cli_dev *d, mk_io_status st, const char *what)
{
    return cli_io_fail(st, d->io.last_errno, what, d->peer_str);
}

#if MK_RPK
/* The imprint callback said no: the key changed since it was imprinted, or the state file could
 * not be written. */
static int imprint_fail(cli_dev *d)
{
    char what[160], why[400], todo[300], was[2 * MK_FP_LEN + 1], now[2 * MK_FP_LEN + 1];
    const cli_imprint *im = d->imprint;
    snprintf(what, sizeof(what), "IKE_AUTH with %s", d->peer_str);
    cli_format_fp(im->fp, was);
    cli_format_fp(im->seen_fp, now);
    if (im->changed) {
        snprintf(why, sizeof(why),
                 "the responder's raw public key changed since it was imprinted "
                 "(imprinted sha256:%s, now sha256:%s)",
                 was, now);
        if (im->path != NULL)
            snprintf(todo, sizeof(todo),
                     "if the change is expected, forget the old key with: "
                     "minike reset --state %s",
                     im->path);
        else
            snprintf(todo, sizeof(todo), "if the change is expected, run minike reset");
        return cli_fail(EX_AUTH, what, why, todo);
    }
    snprintf(why, sizeof(why), "cannot save the imprinted key sha256:%.16s... to %s: %s", now,
             im->path != NULL ? im->path : "?", strerror(im->write_errno));
    return cli_fail(EX_CONFIG, what, why, "check --state: its directory must be writable");
}
#endif

int dev_establish(cli_dev *d, uint32_t timeout_ms)
{
    mk_io_hooks h = base_hooks(d);
    mk_io_status st;
    mk_err e;
    char why[160];

    d->ts_negotiated = false; /* a new SA: its selectors come from its own IKE_AUTH */
    d->n_ts_ours = d->n_ts_peer = 0;
    if ((e = mk_init(&d->ike, &d->cfg, &d->env)) != MK_E_OK) {
        snprintf(why, sizeof(why), "the IKE core rejected the configuration: %s", mk_err_str(e));
        return cli_fail(EX_CONFIG, "configuration", why, "check --ike, --esp, --id and the PSK");
    }
    if ((e = mk_start(&d->ike, mk_io_now_ms())) != MK_E_OK) {
        snprintf(why, sizeof(why), "could not build IKE_SA_INIT: %s", mk_err_str(e));
        return cli_fail(EX_INTERNAL, "IKE_SA_INIT", why, "report this bug");
    }
    st = mk_io_run(&d->io, &d->ike, &h, mk_io_now_ms() + timeout_ms + 1000);
    trace_flush(d);
#if MK_RPK
    if ((st == MK_IO_E_IKE || mk_state_get(&d->ike) == MK_ST_FAILED) && d->imprint != NULL &&
        mk_last_error(&d->ike) == MK_E_IMPRINT_REFUSED)
        return imprint_fail(d);
#endif
    if ((st == MK_IO_E_IKE || mk_state_get(&d->ike) == MK_ST_FAILED) &&
        mk_last_error(&d->ike) == MK_E_ID_MISMATCH && d->have_seen_idr) {
        char what[160], msg[400], got[300], want[300];
        cli_format_id(&d->seen_idr, got, sizeof(got));
        cli_format_id(&d->cfg.idr, want, sizeof(want));
        snprintf(what, sizeof(what), "IKE_AUTH with %s", d->peer_str);
        snprintf(msg, sizeof(msg), "the responder identified as %.200s, not %.150s", got, want);
        return cli_fail(EX_AUTH, what, msg,
                        "check --remote-id; strongSwan reads user@host as "
                        "email:, @name as fqdn:");
    }
    if (st == MK_IO_E_IKE || mk_state_get(&d->ike) == MK_ST_FAILED)
        return cli_fail_ike(&d->ike, d->peer_str, d->last_exchange);
    if (st != MK_IO_OK)
        return io_fail(d, st, d->last_exchange == MK_EX_IKE_AUTH ? "IKE_AUTH" : "IKE_SA_INIT");
    if (mk_state_get(&d->ike) != MK_ST_ESTABLISHED)
        return cli_fail(EX_PEER, "IKE", "the SA closed before it was established", "try again");
    refresh_keys(d);
    if (d->imprint != NULL && d->imprint->seen) {
        char hex[2 * MK_FP_LEN + 1];
        cli_format_fp(d->imprint->seen_fp, hex);
        if (d->imprint->imprinted)
            show_line(d->show, mk_io_now_ms(), d->who,
                      "imprinted the responder's raw public key sha256:%s%s%s", hex,
                      d->imprint->path ? " into " : " (in memory)",
                      d->imprint->path ? d->imprint->path : "");
        else if (d->imprint->matched)
            show_line(d->show, mk_io_now_ms(), d->who,
                      "responder key sha256:%.16s... matches the imprinted one", hex);
    }
    d->sa_ok = mk_child(&d->ike, &d->sa);
    if (d->sa_ok && !d->ts_negotiated) {
        /* not readable (cannot happen with a response the core accepted): our own */
        d->ts_ours[0] = d->cfg.tsi;
        d->ts_peer[0] = d->cfg.tsr;
        d->n_ts_ours = d->n_ts_peer = 1;
    }
    if (d->sa_ok && d->show != NULL && d->show->verbose) {
        char a[120], b[120];
        show_line(d->show, mk_io_now_ms(), d->who,
                  "inbound ESP must come from TSr %s%s to TSi %s%s (%s)",
                  cli_ts_str(&d->ts_peer[0], a, sizeof(a)), d->n_ts_peer > 1 ? " (+more)" : "",
                  cli_ts_str(&d->ts_ours[0], b, sizeof(b)), d->n_ts_ours > 1 ? " (+more)" : "",
                  d->ts_negotiated ? "as negotiated" : "as configured");
    }
    if (d->sa_ok && d->cap != NULL && capture_keys(d->cap) != NULL)
        (void)mk_keysw_child(capture_keys(d->cap), &d->sa, &d->io.local[MK_IO_NATT],
                             &d->io.remote[MK_IO_NATT]);
    return 0;
}

/* ---- traffic -------------------------------------------------------------------------------- */

static void send_inner(cli_dev *d, const uint8_t *pkt, size_t len, uint8_t nh, uint64_t now,
                       const char *what)
{
    uint8_t out[MK_IO_MAX_DGRAM];
    size_t olen = 0;
    mk_err e = mk_esp_seal(&d->sa, &d->env, nh, pkt, len, out, sizeof(out), &olen);
    mk_io_status st;
    if (e != MK_E_OK) {
        show_line(d->show, now, d->who, "-> ESP  not sent: %s", mk_err_name(e));
        return;
    }
    /* the line first: the peer's reaction (the demo's door) must not appear before it */
    show_line(d->show, now, d->who, "-> ESP  spi %08x seq %-3u %4zu B  %s", d->sa.spi_out,
              d->sa.seq_out, olen, what);
    if (d->show != NULL && d->show->verbose)
        show_hex(d->show, "Sending Packet", out, olen);
    st = mk_io_send(&d->io, MK_IO_NATT, NULL, out, olen);
    d->esp_tx++;
    if (st != MK_IO_OK)
        show_line(d->show, now, d->who, "   ESP send failed: %s", mk_io_status_str(st));
}

static void send_next(cli_dev *d, uint64_t now)
{
    uint8_t pkt[2048], nh;
    char what[200];
    size_t n =
        cli_app_request(&d->app, d->cfg.tunnel, &d->io.local[MK_IO_NATT], &d->io.remote[MK_IO_NATT],
                        now, pkt, sizeof(pkt), &nh, what, sizeof(what));

    if (n == 0)
        return;
    send_inner(d, pkt, n, nh, now, what);
}

static void on_esp(void *ctx, mk_io_dgram *g, uint64_t now)
{
    cli_dev *d = ctx;
    uint8_t nh = 0;
    const uint8_t *in = NULL;
    size_t il = 0;
    mk_err e;
    uint32_t spi, seq;

    if (!d->sa_ok)
        return;
    cli_esp_spi_seq(g->buf, g->len, &spi, &seq);
    e = mk_esp_open(&d->sa, g->buf, g->len, &nh, &in, &il);
    if (e != MK_E_OK) {
        cli_esp_drop_line(d->show, now, d->who, spi, seq, g->len, mk_err_name(e));
        return;
    }
    d->esp_rx++;
    cli_app_esp(&d->app, d->show, d->who, now, g, spi, seq, nh, in, il, d->ts_peer, d->n_ts_peer,
                d->ts_ours, d->n_ts_ours, 5000);
}

static uint64_t app_deadline(void *ctx)
{
    cli_dev *d = ctx;
    uint64_t t = UINT64_MAX;
    if (d->app.done)
        return UINT64_MAX;
    if (d->app.sent < d->app.count)
        t = d->app.next_send_ms;
    else if (d->app.quiet_until_ms < t)
        t = d->app.quiet_until_ms;
    return t;
}

static void app_timer(void *ctx, uint64_t now)
{
    cli_dev *d = ctx;
    if (d->app.sent < d->app.count) {
        if (now >= d->app.next_send_ms) {
            send_next(d, now);
            d->app.next_send_ms = now + d->interval_ms;
            d->app.quiet_until_ms = now + (d->app.mode == APP_PING   ? d->reply_wait_ms
                                           : d->app.mode == APP_DOOR ? 5000
                                                                     : d->app.quiet_ms);
        }
        return;
    }
    if (now >= d->app.quiet_until_ms)
        d->app.done = true;
}

static bool app_done(void *ctx, const mk_ike *ike)
{
    cli_dev *d = ctx;
    mk_state st = mk_state_get(ike);
    if (d->app.mode == APP_PING && d->app.sent == d->app.count && d->app.received >= d->app.count)
        d->app.done = true;
    return d->app.done || st == MK_ST_CLOSED || st == MK_ST_FAILED;
}

uint64_t dev_traffic_ms(const cli_dev *d)
{
    uint64_t n = d->app.count ? d->app.count : 1;
    uint64_t interval = d->interval_ms ? d->interval_ms : (d->app.mode == APP_PING ? 500 : 200);
    uint64_t wait = d->app.mode == APP_PING   ? (d->reply_wait_ms ? d->reply_wait_ms : 1000)
                    : d->app.mode == APP_DOOR ? 5000
                                              : d->app.quiet_ms;
    return (n - 1) * interval + wait;
}

int dev_traffic(cli_dev *d, uint32_t timeout_ms)
{
    mk_io_hooks h = base_hooks(d);
    mk_io_status st;
    uint64_t now = mk_io_now_ms();

    if (d->app.mode == APP_NONE)
        return 0;
    if (!d->sa_ok)
        return cli_fail(EX_PROPOSAL, "ESP", "no child SA was set up",
                        "check --esp and the traffic selectors");
    h.on_esp = on_esp;
    h.app_deadline = app_deadline;
    h.app_timer = app_timer;
    h.done = app_done;
    if (d->interval_ms == 0)
        d->interval_ms = d->app.mode == APP_PING ? 500 : 200;
    if (d->reply_wait_ms == 0)
        d->reply_wait_ms = 1000;
    if (d->app.count == 0)
        d->app.count = 1;
    if (d->app.icmp_id == 0)
        d->app.icmp_id = (uint16_t)(0x4d4b); /* "MK" */
    d->app.next_send_ms = now;
    d->app.done = false;
    if (d->cfg.tunnel) {
        /* outbound: a responder checks our packets against the selectors it chose (RFC 4301
         * §5.2), so say so when the traffic asked for lies outside them; it is sent anyway */
        mk_inner o;
        char why[240];
        memset(&o, 0, sizeof(o));
        o.family = 4;
        memcpy(o.src, d->app.inner_src, 4);
        memcpy(o.dst, d->app.inner_dst, 4);
        o.proto = d->app.mode == APP_PING ? MK_IPPROTO_ICMP : MK_IPPROTO_UDP;
        o.icmp_type = MK_ICMP_ECHO_REQUEST;
        o.sport = d->app.sport;
        o.dport = d->app.dport;
        if (!cli_ts_inbound(&o, d->ts_ours, d->n_ts_ours, "TSi", d->ts_peer, d->n_ts_peer, "TSr",
                            why, sizeof(why)))
            show_line(d->show, now, d->who, "   note: %s: the responder will drop it", why);
    }
    /* The schedule itself (one ping every 500 ms, one message every 200 ms, then the reply
     * wait) is not an exchange: --timeout is added after it, so every --count works with
     * every --timeout (64 pings take 32 s; the default --timeout 30 used to cut them at 60). */
    st = mk_io_run(&d->io, &d->ike, &h, now + dev_traffic_ms(d) + timeout_ms);
    trace_flush(d);
    if (st == MK_IO_E_IKE)
        return cli_fail_ike(&d->ike, d->peer_str, d->last_exchange);
    if (st != MK_IO_OK && st != MK_IO_E_DEADLINE)
        return io_fail(d, st, "ESP traffic");
    if (mk_state_get(&d->ike) == MK_ST_CLOSED)
        return cli_fail(EX_PEER, "ESP traffic", "the responder deleted the IKE SA", "try again");
    return cli_app_result(&d->app);
}

int dev_delete(cli_dev *d, uint32_t timeout_ms)
{
#if !MK_DELETE /* --delete was refused when parsed (initiate.c, demo.c) */
    (void)d;
    (void)timeout_ms;
    return cli_check_delete();
#else
    mk_io_hooks h = base_hooks(d);
    mk_io_status st;
    mk_err e = mk_delete(&d->ike, mk_io_now_ms());
    if (e != MK_E_OK)
        return cli_fail(EX_INTERNAL, "INFORMATIONAL (Delete)", mk_err_str(e), "report this bug");
    st = mk_io_run(&d->io, &d->ike, &h, mk_io_now_ms() + timeout_ms + 1000);
    trace_flush(d);
    if (st == MK_IO_E_IKE)
        return cli_fail_ike(&d->ike, d->peer_str, d->last_exchange);
    if (st != MK_IO_OK)
        return io_fail(d, st, "INFORMATIONAL (Delete)");
    return 0;
#endif
}

void dev_close(cli_dev *d)
{
    if (d->have_keys && !d->keys_written && d->cap != NULL && capture_keys(d->cap) != NULL) {
        (void)mk_keysw_ike(capture_keys(d->cap), &d->keys);
        d->keys_written = true;
    }
    mk_wipe(&d->keys, sizeof(d->keys));
    d->have_keys = false;
    mk_esp_wipe(&d->sa);
    d->sa_ok = false;
    mk_ike_wipe(&d->ike);
    mk_io_close(&d->io);
}
