/* SPDX-License-Identifier: MIT */
/*
 * respond: the test responder as a UDP daemon (`minike respond`, whose options are parsed in
 * respond_cmd.c), and the garage door behind it (also embedded by `minike demo`). IKE goes to
 * harness/lib/peer (a full RFC 7296 responder, sans-I/O); ESP that opens with the peer's child
 * SA is answered: ICMP echo -> echo reply, UDP -> the garage-door server (OPEN/CLOSE -> ACK,
 * STATUS every second while the door moves, DONE) or a plain echo with --echo. Replies go back
 * to where the request came from (RFC 7296 §2.11). Inner packets outside the child SA's
 * selectors are dropped, counted and logged (RFC 4301 §5.2), and every initiator the peer
 * refuses gets one log line saying why. Test/demo code: it must never be mistaken for a
 * production responder.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *door_names[] = {"closed", "opening", "open", "closing"};

const char *door_state_name(int door)
{
    return door >= 0 && door < 4 ? door_names[door] : "?";
}

/* ---- ESP out -------------------------------------------------------------------------------- */

static void esp_seal_send(cli_server *s, const uint8_t *pkt, size_t len, uint8_t nh, uint64_t now,
                          const char *what)
{
    uint8_t out[MK_IO_MAX_DGRAM];
    size_t olen = 0;
    mk_err e;
    e = mk_esp_seal(&s->sa, &s->env, nh, pkt, len, out, sizeof(out), &olen);
    if (e != MK_E_OK)
        return;
    (void)mk_io_send(&s->io, s->esp_cls, &s->esp_peer, out, olen);
    if (s->show != NULL && s->show_dgrams)
        show_line(s->show, now, s->who, "-> ESP  spi %08x seq %-3u %4zu B  %s", s->sa.spi_out,
                  s->sa.seq_out, olen, what);
}

/* --misbehave forge-inner (test only): before a tunnel-mode reply, the same packet from
 * 192.0.2.66 (TEST-NET-1, outside our TSr), sealed with the SA's keys: the initiator must drop
 * it (RFC 4301 §5.2) and still take the real reply that follows. */
static void forge_inner(cli_server *s, const uint8_t *pkt, size_t len, uint64_t now)
{
    static const uint8_t bogus[4] = {192, 0, 2, 66};
    uint8_t f[MK_IO_MAX_DGRAM];
    size_t n = 0;
    mk_inner v;
    if (!mk_inner_parse4(pkt, len, &v))
        return;
    if (v.proto == MK_IPPROTO_ICMP)
        n = mk_inner_icmp4_echo(f, sizeof(f), bogus, v.dst, v.icmp_type, v.icmp_id, v.icmp_seq,
                                v.data, v.len, v.ip_id);
    else if (v.proto == MK_IPPROTO_UDP)
        n = mk_inner_udp4(f, sizeof(f), bogus, v.dst, v.sport, v.dport, v.data, v.len, v.ip_id);
    if (n != 0)
        esp_seal_send(s, f, n, MK_IPPROTO_IPIP, now, "forged: from 192.0.2.66 (misbehave)");
}

static void esp_send(cli_server *s, const uint8_t *pkt, size_t len, uint8_t nh, uint64_t now,
                     const char *what)
{
    if (!s->sa_ok)
        return;
    if (s->forge_inner && nh == MK_IPPROTO_IPIP)
        forge_inner(s, pkt, len, now);
    esp_seal_send(s, pkt, len, nh, now, what);
}

static void door_say(cli_server *s, const char *text, uint64_t now)
{
    uint8_t pkt[512];
    size_t n;
    char what[120];
    if (s->door_transport)
        n = mk_inner_udp_seg(pkt, sizeof(pkt), &s->io.local[s->esp_cls], &s->esp_peer, s->door_port,
                             s->dev_port, (const uint8_t *)text, strlen(text));
    else
        n = mk_inner_udp4(pkt, sizeof(pkt), s->door_ip, s->dev_ip, s->door_port, s->dev_port,
                          (const uint8_t *)text, strlen(text), ++s->ip_id);
    snprintf(what, sizeof(what), "UDP \"%s\"", text);
    if (n != 0)
        esp_send(s, pkt, n, s->door_transport ? MK_IPPROTO_UDP : MK_IPPROTO_IPIP, now, what);
}

/* ---- the garage door ------------------------------------------------------------------------ */

static uint64_t door_deadline(const cli_server *s)
{
    uint64_t end;
    if (s->door != 1 && s->door != 3)
        return UINT64_MAX;
    end = s->move_start_ms + s->travel_ms;
    return s->next_status_ms < end ? s->next_status_ms : end;
}

static void door_tick(cli_server *s, uint64_t now)
{
    char msg[64];
    uint64_t end;
    if (s->door != 1 && s->door != 3)
        return;
    end = s->move_start_ms + s->travel_ms;
    if (now >= end) {
        s->door = s->door == 1 ? 2 : 0;
        snprintf(msg, sizeof(msg), "DONE %s", door_state_name(s->door));
        show_line(s->show, now, s->who, "   door is %s", door_state_name(s->door));
        door_say(s, msg, now);
        return;
    }
    if (now >= s->next_status_ms) {
        unsigned pct =
            (unsigned)((now - s->move_start_ms) * 100 / (s->travel_ms ? s->travel_ms : 1));
        snprintf(msg, sizeof(msg), "STATUS %s %u%%", door_state_name(s->door), pct);
        show_line(s->show, now, s->who, "   door %s %u%%", door_state_name(s->door), pct);
        door_say(s, msg, now);
        s->next_status_ms += 1000;
    }
}

static void door_command(cli_server *s, const uint8_t *data, size_t len, uint64_t now)
{
    char cmd[32];
    size_t k;
    for (k = 0; k < len && k + 1 < sizeof(cmd) && data[k] != '\n' && data[k] != '\r'; k++)
        cmd[k] = (char)data[k];
    cmd[k] = '\0';
    if (!strcmp(cmd, "OPEN") || !strcmp(cmd, "CLOSE")) {
        bool open = cmd[0] == 'O';
        char ack[48];
        snprintf(ack, sizeof(ack), "ACK %s", cmd);
        door_say(s, ack, now);
        if ((open && s->door == 2) || (!open && s->door == 0)) {
            snprintf(ack, sizeof(ack), "DONE %s", door_state_name(s->door));
            door_say(s, ack, now);
            return;
        }
        if ((open && s->door == 1) || (!open && s->door == 3))
            return; /* already moving that way */
        s->door = open ? 1 : 3;
        s->move_start_ms = now;
        s->next_status_ms = now + 1000;
        show_line(s->show, now, s->who, "   door %s (%u ms travel)", door_state_name(s->door),
                  s->travel_ms);
    } else if (!strcmp(cmd, "STATUS")) {
        char st[40];
        snprintf(st, sizeof(st), "STATUS %s", door_state_name(s->door));
        door_say(s, st, now);
    } else {
        door_say(s, "ERR unknown command (OPEN, CLOSE, STATUS)", now);
    }
}

/* ---- ESP in --------------------------------------------------------------------------------- */

/* Several initiators at once (the peer holds a table of SAs): the child SA in use is s->sa;
 * the others wait in s->park with their sequence numbers and replay windows, so switching
 * never reuses an outbound sequence number (an AEAD nonce) nor forgets what was received. */
static void park_current(cli_server *s)
{
    size_t i;
    if (!s->sa_ok)
        return;
    for (i = 0; i < s->n_park && s->park[i].sa.spi_in != s->sa.spi_in; i++)
        ;
    if (i == s->n_park) {
        if (s->n_park < sizeof s->park / sizeof s->park[0])
            s->n_park++;
        else
            i = (size_t)(s->sa.spi_in % s->n_park); /* full: one waiting SA starts over */
    }
    s->park[i].sa = s->sa;
    s->park[i].ts_i = s->ts_i;
    s->park[i].ts_r = s->ts_r;
    s->park[i].ts_ok = s->ts_ok;
}

/* Make the child SA with inbound SPI `spi` current (0: the one the peer last used). */
static void use_sa(cli_server *s, uint32_t spi)
{
    mk_esp_sa t;
    mk_ts ti, tr;
    bool found = spi == 0 ? mk_peer_child(s->peer, &t) && mk_peer_child_ts(s->peer, &ti, &tr)
                          : mk_peer_child_find(s->peer, spi, &t, &ti, &tr);
    if (!found || (s->sa_ok && t.spi_in == s->sa.spi_in)) {
        mk_esp_wipe(&t);
        return;
    }
    park_current(s);
    s->sa = t;
    s->ts_i = ti;
    s->ts_r = tr;
    s->ts_ok = true;
    s->sa_ok = true;
    for (size_t i = 0; i < s->n_park; i++) {
        if (s->park[i].sa.spi_in == t.spi_in && s->park[i].sa.spi_out == t.spi_out) {
            s->sa = s->park[i].sa; /* it was in use before: keep its counters */
            s->ts_i = s->park[i].ts_i;
            s->ts_r = s->park[i].ts_r;
            s->ts_ok = s->park[i].ts_ok;
            break;
        }
    }
    mk_esp_wipe(&t);
}

static void refresh_sa(cli_server *s)
{
    use_sa(s, 0);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* RFC 4301 §5.2: after the ESP packet opened, its inner packet must come from the initiator's
 * TSi and go to our (narrowed) TSr, else it is dropped, counted and logged in one line. In
 * transport mode the inner addresses are the outer ones; when we listen on the wildcard
 * address our own is unknown, but the packet reached this host, so only source, protocol and
 * ports are checked then. */
static bool ts_allowed(cli_server *s, const mk_inner *v, bool transport, const mk_io_dgram *g,
                       uint64_t now, uint32_t seq)
{
    static const uint8_t zero[16] = {0};
    mk_ts dst = s->ts_r;
    char why[240];
    if (transport && memcmp(g->to.ip, zero, sizeof(zero)) == 0) {
        memset(dst.start, 0, sizeof(dst.start));
        memset(dst.end, 0xff, sizeof(dst.end));
    }
    if (!s->ts_ok)
        snprintf(why, sizeof(why), "the child SA has no traffic selectors");
    else if (cli_ts_inbound(v, &s->ts_i, 1, "TSi", &dst, 1, "TSr", why, sizeof(why)))
        return true;
    s->ts_drops++;
    if (s->show != NULL && (s->show_dgrams || s->show->verbose))
        show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]",
                  s->sa.spi_in, seq, g->len, why);
    return false;
}

static void handle_esp(cli_server *s, mk_io_dgram *g, uint64_t now)
{
    uint8_t nh = 0, pkt[MK_IO_MAX_DGRAM];
    const uint8_t *in = NULL;
    size_t il = 0, n;
    mk_inner v;
    mk_err e;
    bool ok;

    uint32_t seq = g->len >= 8 ? get32(g->buf + 4) : 0;

    if (g->len >= 4 && (!s->sa_ok || get32(g->buf) != s->sa.spi_in))
        use_sa(s, get32(g->buf));
    if (!s->sa_ok || get32(g->buf) != s->sa.spi_in) {
        if (s->show && s->show_dgrams)
            show_line(s->show, now, s->who,
                      "<- ESP  spi %08x seq %-3u %4zu B  [dropped: no such SA]", get32(g->buf), seq,
                      g->len);
        return;
    }
    e = mk_esp_open(&s->sa, g->buf, g->len, &nh, &in, &il);
    if (e != MK_E_OK) {
        show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]",
                  s->sa.spi_in, seq, g->len, mk_err_name(e));
        return;
    }
    if (nh == MK_IPPROTO_IPIP)
        ok = mk_inner_parse4(in, il, &v);
    else if (nh == MK_IPPROTO_UDP)
        ok = mk_inner_parse_udp_seg(in, il, &g->from, &g->to, &v);
    else if (nh == MK_IPPROTO_ICMP && il >= MK_ICMP_HDR && il <= sizeof(pkt)) {
        memset(&v, 0, sizeof(v));
        v.proto = MK_IPPROTO_ICMP;
        v.icmp_type = in[0];
        v.icmp_code = in[1];
        v.icmp_id = (uint16_t)(in[4] << 8 | in[5]);
        v.icmp_seq = (uint16_t)(in[6] << 8 | in[7]);
        v.csum_ok = mk_csum_fold(mk_csum_add(0, in, il)) == 0;
        v.data = in + MK_ICMP_HDR;
        v.len = il - MK_ICMP_HDR;
        v.family = g->from.family;
        memcpy(v.src, g->from.ip, sizeof(v.src));
        memcpy(v.dst, g->to.ip, sizeof(v.dst));
        ok = true;
    } else
        ok = false;
    if (ok && v.csum_ok && !ts_allowed(s, &v, nh != MK_IPPROTO_IPIP, g, now, seq))
        return; /* nothing about it is acted on, not even the reply address */
    s->esp_cls = g->cls;
    s->esp_peer = g->from;
    s->last_activity_ms = now;
    s->door_transport = nh != MK_IPPROTO_IPIP;
    if (s->show && s->show_dgrams)
        show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  %s", s->sa.spi_in, seq,
                  g->len,
                  !ok                          ? "inner packet not understood"
                  : !v.csum_ok                 ? "bad inner checksum"
                  : v.proto == MK_IPPROTO_ICMP ? "ICMP"
                  : v.proto == MK_IPPROTO_UDP  ? "UDP"
                                               : "IP (ignored)");
    if (!ok || !v.csum_ok)
        return;
    if (v.proto == MK_IPPROTO_ICMP && v.icmp_type == MK_ICMP_ECHO_REQUEST) {
        if (nh == MK_IPPROTO_IPIP) {
            n = mk_inner_icmp4_echo(pkt, sizeof(pkt), v.dst, v.src, MK_ICMP_ECHO_REPLY, v.icmp_id,
                                    v.icmp_seq, v.data, v.len, ++s->ip_id);
            if (n)
                esp_send(s, pkt, n, MK_IPPROTO_IPIP, now, "ICMP echo reply");
        } else {
            n = mk_inner_icmp4_echo(pkt, sizeof(pkt), v.dst, v.src, MK_ICMP_ECHO_REPLY, v.icmp_id,
                                    v.icmp_seq, v.data, v.len, ++s->ip_id);
            if (n) {
                memmove(pkt, pkt + MK_IPV4_HDR, n - MK_IPV4_HDR);
                esp_send(s, pkt, n - MK_IPV4_HDR, MK_IPPROTO_ICMP, now, "ICMP echo reply");
            }
        }
        return;
    }
    if (v.proto != MK_IPPROTO_UDP)
        return;
    memcpy(s->dev_ip, v.src, 4);
    memcpy(s->door_ip, v.dst, 4);
    s->dev_port = v.sport;
    s->door_port = v.dport;
    if (s->echo) {
        uint8_t data[MK_IO_MAX_DGRAM];
        size_t dl = v.len < sizeof(data) ? v.len : sizeof(data);
        memcpy(data, v.data, dl);
        if (s->door_transport)
            n = mk_inner_udp_seg(pkt, sizeof(pkt), &g->to, &g->from, v.dport, v.sport, data, dl);
        else
            n = mk_inner_udp4(pkt, sizeof(pkt), v.dst, v.src, v.dport, v.sport, data, dl,
                              ++s->ip_id);
        if (n)
            esp_send(s, pkt, n, s->door_transport ? MK_IPPROTO_UDP : MK_IPPROTO_IPIP, now,
                     "UDP echo");
        return;
    }
    door_command(s, v.data, v.len, now);
}

/* ---- the daemon ----------------------------------------------------------------------------- */

int server_start(cli_server *s, const mk_addr *listen, uint16_t natt_port)
{
    mk_io_status st;
    char a[80], why[200], what[120];

    s->io.tap = s->cap != NULL ? capture_tap : NULL;
    s->io.tap_ctx = s->cap;
    s->io.stop = s->stop;
    st = mk_io_open(&s->io, listen, natt_port);
    if (st != MK_IO_OK) {
        snprintf(what, sizeof(what), "listening on %s (NAT-T port %u)",
                 addr_str(listen, a, sizeof(a)), (unsigned)natt_port);
        snprintf(why, sizeof(why), "%s", strerror(s->io.last_errno));
        return cli_fail(EX_NET, what, why,
                        s->io.last_errno == EADDRINUSE
                            ? "another program uses the port: stop it or pick another --listen port"
                        : s->io.last_errno == EACCES
                            ? "ports below 1024 need root: run as root or use a port >= 1024"
                            : "check --listen (an address of this host)");
    }
    s->pcfg.local = s->io.local[MK_IO_IKE];
    s->peer = mk_peer_new(&s->pcfg, &s->env);
    if (s->peer == NULL) {
        mk_io_close(&s->io);
        return cli_fail(EX_CONFIG, "responder", "configuration rejected by the peer engine",
                        "check --ike, --esp, --id and the PSK");
    }
    return 0;
}

static void drain_peer(cli_server *s, uint64_t now)
{
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *p;
        uint16_t port = 0;
        size_t n = mk_peer_tx_peek(s->peer, &p, &port);
        int c = port == MK_PORT_NATT ? 1 : 0;
        if (n == 0)
            return;
        if (s->route_ok[c])
            (void)mk_io_send(&s->io, s->route_cls[c], &s->route_to[c], p, n);
        if (s->show && s->show_dgrams)
            show_ike(s->show, now, s->who, true, p, n, s->have_keys ? &s->last_keys : NULL,
                     s->route_ok[c] ? NULL : "[no route]");
        mk_peer_tx_done(s->peer);
    }
}

/* Why the peer refused an initiator, in the responder's words (mk_peer_last_error). */
static const char *refusal_text(mk_err e)
{
    switch (e) {
    case MK_E_NO_PROPOSAL_CHOSEN:
        return "none of its proposals is acceptable: see --ike / --esp";
    case MK_E_TS_UNACCEPTABLE:
        return "its traffic selectors miss --tsr; child SA refused";
    case MK_E_AUTH_FAILED:
        return "its AUTH did not verify: wrong PSK or key";
    case MK_E_ID_MISMATCH:
        return "unknown identity: not --remote-id";
#if MK_RPK /* errors only raw public keys produce */
    case MK_E_NO_PEER_KEY:
        return "no key to verify it: no CERT(15) sent and no --peer-key";
    case MK_E_BAD_KEY:
        return "its raw public key or signature format is unusable";
    case MK_E_WEAK_KEY:
        return "its RSA key is shorter than 2048 bits";
    case MK_E_SIG_HASH_UNSUPPORTED:
        return "it announced no signature hash our key can use";
#endif
    case MK_E_BAD_SYNTAX:
        return "malformed IKE_AUTH payloads";
    case MK_E_UNSUPPORTED_CRITICAL:
        return "an unknown payload marked critical";
    default:
        return mk_err_str(e);
    }
}

/* One timeline line per initiator (or child SA) the peer refused, with the reason. */
static void log_refusals(cli_server *s, const mk_addr *from, uint64_t now)
{
    uint32_t n = mk_peer_refusals(s->peer);
    mk_err e = mk_peer_last_error(s->peer);
    char a[80];
    if (n == s->refusals_seen)
        return;
    s->refusals_seen = n;
    if (s->show != NULL)
        show_line(s->show, now, s->who, "   refused %s: %s (%s)", addr_str(from, a, sizeof(a)),
                  mk_err_name(e), refusal_text(e));
}

static void note_keys(cli_server *s)
{
    mk_ike_keys k;
    if (mk_peer_keys_export(s->peer, &k)) {
        bool fresh = !s->have_keys || memcmp(k.spi_i, s->last_keys.spi_i, 8) != 0 ||
                     memcmp(k.spi_r, s->last_keys.spi_r, 8) != 0;
        s->last_keys = k;
        s->have_keys = true;
        if (fresh) {
            s->sas_seen++;
            if (s->cap && capture_keys(s->cap))
                (void)mk_keysw_ike(capture_keys(s->cap), &k);
        }
    }
    mk_wipe(&k, sizeof(k));
    {
        uint32_t old = s->sa_ok ? s->sa.spi_in : 0;
        refresh_sa(s);
        if (s->sa_ok && s->sa.spi_in != old && s->cap && capture_keys(s->cap))
            (void)mk_keysw_child(capture_keys(s->cap), &s->sa, &s->io.local[s->route_cls[1]],
                                 &s->route_to[1]);
    }
}

int server_run(cli_server *s)
{
    mk_io_dgram *g = malloc(sizeof(*g));
    int rc = 0;
    if (g == NULL)
        return cli_fail(EX_INTERNAL, "responder", "out of memory", "");
    s->last_activity_ms = mk_io_now_ms();
    for (;;) {
        uint64_t now = mk_io_now_ms(), wake = mk_peer_deadline(s->peer), dd = door_deadline(s);
        int r;
        if (dd < wake)
            wake = dd;
        if (s->once && s->sas_seen > 0) {
            uint64_t idle = s->last_activity_ms + 3000;
            mk_peer_state ps = mk_peer_state_get(s->peer);
            if (ps == MK_PEER_CLOSED || s->sas_seen > 1 || (now >= idle && dd == UINT64_MAX))
                break;
            if (idle < wake)
                wake = idle;
        }
        r = mk_io_wait(&s->io, wake, g);
        now = mk_io_now_ms();
        if (r == MK_IO_E_STOPPED)
            break;
        if (r < 0) {
            char why[160];
            snprintf(why, sizeof(why), "%s: %s", mk_io_status_str((mk_io_status)r),
                     strerror(s->io.last_errno));
            if (r == MK_IO_E_UNREACHABLE) { /* an initiator went away: not our problem */
                s->io.icmp_errors = 0;
                continue;
            }
            rc = cli_fail(EX_NET, "responder socket", why, "check the network");
            break;
        }
        if (r == 1) {
            if (g->esp) {
                handle_esp(s, g, now);
            } else {
                int c = g->marker_socket ? 1 : 0;
                mk_err e = mk_peer_on_dgram(s->peer, g->buf, g->len, c ? MK_PORT_NATT : MK_PORT_IKE,
                                            &g->from, now);
                s->last_activity_ms = now;
                if (e == MK_E_OK) {
                    s->route_cls[c] = g->cls;
                    s->route_to[c] = g->from;
                    s->route_ok[c] = true;
                }
                note_keys(s);
                if (s->show && s->show_dgrams) {
                    char note[140], a[80];
                    size_t off = c ? MK_NATT_MARKER : 0;
                    bool sa_init = g->len >= off + 28 && g->buf[off + 18] == MK_EX_IKE_SA_INIT;
                    addr_str(&g->from, a, sizeof(a));
                    if (e != MK_E_OK)
                        snprintf(note, sizeof(note), "[dropped: %s] from %s", mk_err_name(e), a);
                    else /* a new initiator shows up with IKE_SA_INIT: say who */
                        snprintf(note, sizeof(note), "from %s", a);
                    show_ike(s->show, now, s->who, false, g->buf, g->len,
                             s->have_keys ? &s->last_keys : NULL,
                             e != MK_E_OK || sa_init ? note : NULL);
                }
                log_refusals(s, &g->from, now);
            }
        }
        if (now >= mk_peer_deadline(s->peer))
            (void)mk_peer_on_timer(s->peer, now);
        door_tick(s, now);
        drain_peer(s, now);
        {
            /* one line when an IKE SA comes up: with whom, and its ESP SPIs */
            int ps = (int)mk_peer_state_get(s->peer);
            if (ps == MK_PEER_ESTABLISHED && s->last_pstate != MK_PEER_ESTABLISHED &&
                s->last_pstate != MK_PEER_REQ_SENT && s->show && s->show_dgrams) {
                char a[80] = "?";
                mk_addr ra;
                uint16_t rp;
                if (mk_peer_remote(s->peer, &ra, &rp))
                    addr_str(&ra, a, sizeof(a));
                if (s->sa_ok)
                    show_line(s->show, now, s->who,
                              "   IKE SA with %s established; ESP SPIs "
                              "in %08x out %08x",
                              a, s->sa.spi_in, s->sa.spi_out);
                else
                    show_line(s->show, now, s->who, "   IKE SA with %s established, no child SA",
                              a);
            }
            s->last_pstate = ps;
        }
    }
    free(g);
    return rc;
}

void server_stop(cli_server *s)
{
    if (s->peer != NULL)
        mk_peer_free(s->peer);
    s->peer = NULL;
    mk_esp_wipe(&s->sa);
    for (size_t i = 0; i < s->n_park; i++)
        mk_esp_wipe(&s->park[i].sa);
    s->sa_ok = false;
    mk_wipe(&s->last_keys, sizeof(s->last_keys));
    mk_io_close(&s->io);
}
