/* SPDX-License-Identifier: MIT */
/*
 * respond: `minike respond`, the test responder as a UDP daemon, and the garage door behind
 * it (also embedded by `minike demo`). IKE goes to harness/lib/peer (a full RFC 7296 responder,
 * sans-I/O); ESP that opens with the peer's child SA is answered: ICMP echo -> echo reply,
 * UDP -> the garage-door server (OPEN/CLOSE -> ACK, STATUS every second while the door moves,
 * DONE) or a plain echo with --echo. Replies go back to where the request came from
 * (RFC 7296 §2.11). Test/demo code: it must never be mistaken for a production responder.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <getopt.h>
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

static void esp_send(cli_server *s, const uint8_t *pkt, size_t len, uint8_t nh, uint64_t now,
                     const char *what)
{
    uint8_t out[MK_IO_MAX_DGRAM];
    size_t olen = 0;
    mk_err e;
    if (!s->sa_ok)
        return;
    e = mk_esp_seal(&s->sa, &s->env, nh, pkt, len, out, sizeof(out), &olen);
    if (e != MK_E_OK)
        return;
    (void)mk_io_send(&s->io, s->esp_cls, &s->esp_peer, out, olen);
    if (s->show != NULL && s->show_dgrams)
        show_line(s->show, now, s->who, "-> ESP  spi %08x seq %-3u %4zu B  %s", s->sa.spi_out,
                  s->sa.seq_out, olen, what);
}

static void door_say(cli_server *s, const char *text, uint64_t now)
{
    uint8_t pkt[512];
    size_t n;
    char what[120];
    if (s->door_transport)
        n = mk_inner_udp_seg(pkt, sizeof(pkt), s->io.local[s->esp_cls].ip, s->esp_peer.ip,
                             s->door_port, s->dev_port, (const uint8_t *)text, strlen(text));
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
        unsigned pct = (unsigned)((now - s->move_start_ms) * 100 / (s->travel_ms ? s->travel_ms : 1));
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

static void refresh_sa(cli_server *s)
{
    mk_esp_sa t;
    if (mk_peer_child(s->peer, &t) && (!s->sa_ok || t.spi_in != s->sa.spi_in)) {
        s->sa = t;
        s->sa_ok = true;
    }
    mk_esp_wipe(&t);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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

    if (!s->sa_ok || get32(g->buf) != s->sa.spi_in)
        refresh_sa(s);
    if (!s->sa_ok || get32(g->buf) != s->sa.spi_in) {
        if (s->show && s->show_dgrams)
            show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: no such SA]",
                      get32(g->buf), seq, g->len);
        return;
    }
    e = mk_esp_open(&s->sa, g->buf, g->len, &nh, &in, &il);
    if (e != MK_E_OK) {
        show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  [dropped: %s]",
                  s->sa.spi_in, seq, g->len, mk_err_name(e));
        return;
    }
    s->esp_cls = g->cls;
    s->esp_peer = g->from;
    s->last_activity_ms = now;
    s->door_transport = nh != MK_IPPROTO_IPIP;
    if (nh == MK_IPPROTO_IPIP)
        ok = mk_inner_parse4(in, il, &v);
    else if (nh == MK_IPPROTO_UDP)
        ok = mk_inner_parse_udp_seg(in, il, g->from.ip, g->to.ip, &v);
    else if (nh == MK_IPPROTO_ICMP && il >= MK_ICMP_HDR && il <= sizeof(pkt)) {
        memset(&v, 0, sizeof(v));
        v.proto = MK_IPPROTO_ICMP;
        v.icmp_type = in[0];
        v.icmp_id = (uint16_t)(in[4] << 8 | in[5]);
        v.icmp_seq = (uint16_t)(in[6] << 8 | in[7]);
        v.csum_ok = mk_csum_fold(mk_csum_add(0, in, il)) == 0;
        v.data = in + MK_ICMP_HDR;
        v.len = il - MK_ICMP_HDR;
        ok = true;
    } else
        ok = false;
    if (s->show && s->show_dgrams)
        show_line(s->show, now, s->who, "<- ESP  spi %08x seq %-3u %4zu B  %s", s->sa.spi_in, seq, g->len,
                  !ok ? "inner packet not understood"
                  : !v.csum_ok ? "bad inner checksum"
                  : v.proto == MK_IPPROTO_ICMP ? "ICMP"
                  : v.proto == MK_IPPROTO_UDP  ? "UDP"
                                               : "IP (ignored)");
    if (!ok || !v.csum_ok)
        return;
    if (v.proto == MK_IPPROTO_ICMP && v.icmp_type == MK_ICMP_ECHO_REQUEST) {
        if (nh == MK_IPPROTO_IPIP) {
            n = mk_inner_icmp4_echo(pkt, sizeof(pkt), v.dst, v.src, MK_ICMP_ECHO_REPLY,
                                    v.icmp_id, v.icmp_seq, v.data, v.len, ++s->ip_id);
            if (n)
                esp_send(s, pkt, n, MK_IPPROTO_IPIP, now, "ICMP echo reply");
        } else {
            n = mk_inner_icmp4_echo(pkt, sizeof(pkt), v.dst, v.src, MK_ICMP_ECHO_REPLY,
                                    v.icmp_id, v.icmp_seq, v.data, v.len, ++s->ip_id);
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
            n = mk_inner_udp_seg(pkt, sizeof(pkt), g->to.ip, g->from.ip, v.dport, v.sport, data,
                                 dl);
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
            if (s->cap && s->cap->keys)
                (void)mk_keysw_ike(s->cap->keys, &k);
        }
    }
    mk_wipe(&k, sizeof(k));
    {
        uint32_t old = s->sa_ok ? s->sa.spi_in : 0;
        refresh_sa(s);
        if (s->sa_ok && s->sa.spi_in != old && s->cap && s->cap->keys)
            (void)mk_keysw_child(s->cap->keys, &s->sa, &s->io.local[s->route_cls[1]],
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
                mk_err e = mk_peer_on_dgram(s->peer, g->buf, g->len,
                                            c ? MK_PORT_NATT : MK_PORT_IKE, &g->from, now);
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
                    show_line(s->show, now, s->who, "   IKE SA with %s established; ESP SPIs "
                              "in %08x out %08x", a, s->sa.spi_in, s->sa.spi_out);
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
    s->sa_ok = false;
    mk_wipe(&s->last_keys, sizeof(s->last_keys));
    mk_io_close(&s->io);
}

/* ---- `minike respond` ----------------------------------------------------------------------- */

static const char respond_help[] =
    "usage: minike respond --listen ADDR[:PORT] --psk-file F --id ID [options]\n"
    "       minike respond --listen ADDR[:PORT] --key FILE [--peer-key FILE] --id ID [options]\n"
    "\n"
    "Run the test responder (harness/lib/peer: a full RFC 7296 responder for PSK) as a UDP\n"
    "daemon, and answer traffic inside its ESP SAs: ICMP echo -> echo reply; UDP -> the\n"
    "garage door (OPEN / CLOSE -> ACK, STATUS every second while moving, DONE; STATUS) or an\n"
    "echo with --echo. Stops cleanly on SIGINT / SIGTERM.\n"
    "\n"
    "  --listen ADDR[:PORT]   IKE socket (default port 500)\n"
    "  --natt-port N          NAT-T socket (default 4500 when PORT is 500, else PORT+1).\n"
    "                         On any port but 500 the non-ESP marker applies (RFC 3948).\n"
    "  --psk-file F           pre-shared key (0x-hex or text, >= 16 octets); or env MINIKE_PSK\n"
    "  --key FILE             authenticate with this raw public key instead (Ed25519 or RSA;\n"
    "                         RFC 7427 signatures, CERT encoding 15 per RFC 7670)\n"
    "  --peer-key FILE        accept only the initiator with this public key (without it, any\n"
    "                         key the initiator sends in CERT(15) is accepted: tests only)\n"
    "  --send-cert            always send our key in CERT(15) (default: when asked by CERTREQ)\n"
    "  --no-cert              never send CERT(15), as strongSwan (imprinting then fails)\n"
    "  --id ID                our identity: fqdn:NAME, @NAME, email:U@H, keyid:HEX, ipv4:A, ipv6:A\n"
    "  --remote-id ID         accept only this initiator identity\n"
    "  --ike P,...            acceptable IKE proposals, our preference first\n"
    "                         (default: all supported of aes128gcm16-prfsha256-x25519,\n"
    "                         chacha20poly1305-prfsha256-x25519, aes256-sha256-modp2048,\n"
    "                         aes128gcm16-prfsha256-ecp256, aes128ccm8-prfsha256-x25519)\n"
    "  --esp P,...            acceptable ESP proposals (default: aes128gcm16, chacha20poly1305,\n"
    "                         aes256-sha256, aes128ccm8)\n"
    "  --tsr CIDR             what we protect (default 10.99.10.0/24)\n"
    "  --travel SEC           garage door travel time (default 3)\n"
    "  --echo                 UDP echo instead of the garage door\n"
    "  --once                 exit after the first IKE SA is deleted, replaced or idle 3 s\n"
    "  --pcap FILE            write every datagram to FILE (pcap, IPv4/IPv6 + UDP)\n"
    "  --pcap-raw-ports       keep the real ports (default: non-500/4500 ports shown as\n"
    "                         500 / 4500 so Wireshark dissects them)\n"
    "  --keys DIR             write Wireshark decryption tables into DIR\n"
    "  --seed N               deterministic SPIs, nonces and DH keys\n"
    "  --misbehave LIST       test only: script the responder to misbehave, comma list of\n"
    "                         cookie, no-proposal, forged-error, bad-icv, wrong-auth,\n"
    "                         auth-failed, ts-unacceptable, unknown-critical,\n"
    "                         choose-unoffered, want-dh=N, wrong-idr=TYPE, drop-rx=MASK,\n"
    "                         drop-tx=MASK, dup-tx=MASK (bit n-1: the n-th datagram received)\n"
    "  -q, --quiet            no timeline\n"
    "  -v                     hex dumps\n"
    "exit codes: see minike --help\n";

/* --misbehave a,b=N,...: the peer's test script (harness/lib/peer.h), for exercising the
 * initiator's error paths from the command line. */
static int parse_misbehave(const char *arg, mk_peer_script *sc)
{
    char buf[256], *save = NULL, *tok;
    if (strlen(arg) >= sizeof(buf))
        return cli_fail(EX_USAGE, "--misbehave", "list too long", "see minike respond --help");
    strcpy(buf, arg);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        unsigned long v = 0;
        if (eq != NULL) {
            char *end;
            *eq = '\0';
            v = strtoul(eq + 1, &end, 0);
            if (*end || eq[1] == '\0' || v > 0xffffffffUL)
                return cli_fail(EX_USAGE, "--misbehave", "bad number", "e.g. want-dh=19");
        }
        if (!strcmp(tok, "cookie")) sc->cookie = true;
        else if (!strcmp(tok, "no-proposal")) sc->no_proposal = true;
        else if (!strcmp(tok, "forged-error")) sc->forged_error_first = true;
        else if (!strcmp(tok, "bad-icv")) sc->bad_icv = true;
        else if (!strcmp(tok, "wrong-auth")) sc->wrong_auth = true;
        else if (!strcmp(tok, "auth-failed")) sc->auth_failed = true;
        else if (!strcmp(tok, "ts-unacceptable")) sc->ts_unacceptable = true;
        else if (!strcmp(tok, "unknown-critical")) sc->unknown_critical_in_auth = true;
        else if (!strcmp(tok, "choose-unoffered")) sc->choose_unoffered = true;
        else if (!strcmp(tok, "want-dh") && eq) sc->want_dh = (uint16_t)v;
        else if (!strcmp(tok, "wrong-idr") && eq) sc->wrong_idr = (uint8_t)v;
        else if (!strcmp(tok, "drop-rx") && eq) sc->drop_rx_mask = (uint32_t)v;
        else if (!strcmp(tok, "drop-tx") && eq) sc->drop_tx_mask = (uint32_t)v;
        else if (!strcmp(tok, "dup-tx") && eq) sc->dup_tx_mask = (uint32_t)v;
        else {
            char why[120];
            snprintf(why, sizeof(why), "unknown item '%.60s'", tok);
            return cli_fail(EX_USAGE, "--misbehave", why, "see minike respond --help");
        }
    }
    return 0;
}

/* The responder defaults: every listed suite the registry serves. */
static void responder_suites(cli_common *c)
{
    static const char *ike[] = {"aes128gcm16-prfsha256-x25519", "chacha20poly1305-prfsha256-x25519",
                                "aes256-sha256-modp2048", "aes128gcm16-prfsha256-ecp256",
                                "aes128ccm8-prfsha256-x25519"};
    static const char *esp[] = {"aes128gcm16", "chacha20poly1305", "aes256-sha256", "aes128ccm8"};
    cli_common one;
    if (c->n_ike == 0)
        for (size_t i = 0; i < 5; i++) {
            memset(&one, 0, sizeof(one));
            if (cli_parse_ike(ike[i], one.ike, &one.n_ike) == 0 && cli_check_suites_quiet(&one))
                c->ike[c->n_ike++] = one.ike[0];
        }
    if (c->n_esp == 0)
        for (size_t i = 0; i < 4; i++) {
            memset(&one, 0, sizeof(one));
            if (cli_parse_esp(esp[i], one.esp, &one.n_esp) == 0 && cli_check_suites_quiet(&one))
                c->esp[c->n_esp++] = one.esp[0];
        }
}

int cmd_respond(int argc, char **argv)
{
    static const struct option lo[] = {
        {"listen", 1, 0, 'l'},   {"natt-port", 1, 0, 'N'}, {"psk-file", 1, 0, 'P'},
        {"id", 1, 0, 'i'},       {"remote-id", 1, 0, 'r'}, {"ike", 1, 0, 'I'},
        {"esp", 1, 0, 'E'},      {"tsr", 1, 0, 'R'},       {"pcap", 1, 0, 'c'},
        {"keys", 1, 0, 'k'},     {"seed", 1, 0, 's'},      {"once", 0, 0, 'o'},
        {"echo", 0, 0, 'e'},     {"travel", 1, 0, 't'},    {"quiet", 0, 0, 'q'},
        {"help", 0, 0, 'h'},     {"pcap-raw-ports", 0, 0, 'W'}, {"tsi", 1, 0, 'T'},
        {"misbehave", 1, 0, 'm'}, {"key", 1, 0, OPT_KEY}, {"peer-key", 1, 0, OPT_PEER_KEY},
        {"send-cert", 0, 0, OPT_SEND_CERT}, {"no-cert", 0, 0, OPT_NO_CERT},
        {"peer-fp", 1, 0, OPT_PEER_FP}, {"state", 1, 0, OPT_STATE}, {0, 0, 0, 0}};
    static cli_common c; /* large (keys): not on the stack */
    bool no_cert = false;
    cli_server *s = NULL;
    cli_capture cap;
    cli_show show;
    mk_addr listen;
    bool have_listen = false, quiet = false;
    uint64_t natt = 0, travel = 3;
    int opt, r;

    memset(&c, 0, sizeof(c));
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return cli_fail(EX_INTERNAL, "respond", "out of memory", "");
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":vqh", lo, NULL)) != -1) {
        r = cli_common_opt(&c, opt, optarg);
        if (r < 0) {
            cli_common_wipe(&c);
            free(s);
            return -r;
        }
        if (r == 1)
            continue;
        switch (opt) {
        case 'h': fputs(respond_help, stdout); free(s); return EX_OK;
        case 'l':
            if ((r = cli_parse_addr(optarg, MK_PORT_IKE, &listen, "--listen")) != 0) {
                free(s);
                return r;
            }
            have_listen = true;
            break;
        case 'N':
            if ((r = cli_parse_u64(optarg, 65535, &natt, "--natt-port")) != 0) {
                free(s);
                return r;
            }
            break;
        case 'm':
            if ((r = parse_misbehave(optarg, &s->pcfg.script)) != 0) {
                free(s);
                return r;
            }
            break;
        case 'o': s->once = true; break;
        case OPT_NO_CERT: no_cert = true; break;
        case 'e': s->echo = true; break;
        case 'q': quiet = true; break;
        case 't':
            if ((r = cli_parse_u64(optarg, 3600, &travel, "--travel")) != 0) {
                free(s);
                return r;
            }
            break;
        default:
            cli_common_wipe(&c);
            free(s);
            return cli_usage_error(argv, opt, "respond");
        }
    }
    if (optind < argc) {
        free(s);
        return cli_unexpected_arg(argv[optind],
                        "see minike respond --help");
    }
    if (!have_listen) {
        free(s);
        return cli_fail(EX_USAGE, "respond", "--listen is required",
                        "e.g. --listen 127.0.0.1:15000; see minike respond --help");
    }
    r = 0;
    if (c.have_tsi)
        r = cli_fail(EX_USAGE, "respond --tsi", "the responder takes the initiator's TSi as is",
                     "drop --tsi; --tsr sets what the responder protects");
    else if (c.have_peer_fp || c.state != NULL)
        r = cli_fail(EX_USAGE, "respond", "--peer-fp and --state are for initiate",
                     "pin the initiator's key with --peer-key FILE");
    else if (!c.have_key && (c.have_peer_key || c.send_cert || no_cert))
        r = cli_fail(EX_USAGE, "respond", "--peer-key, --send-cert and --no-cert need --key",
                     "add --key FILE; make one with: minike keygen --type ed25519 --out PREFIX");
    else if (c.have_key && c.have_psk)
        r = cli_fail(EX_USAGE, "--key and --psk-file", "choose one authentication method",
                     "drop --psk-file to authenticate with the raw public key");
    else if (c.send_cert && no_cert)
        r = cli_fail(EX_USAGE, "--send-cert and --no-cert", "contradict each other",
                     "drop one of them");
    if (r != 0) {
        cli_common_wipe(&c);
        free(s);
        return r;
    }
    if (!c.have_psk && !c.have_key && (r = cli_load_psk_env(&c)) != 0) {
        free(s);
        return r;
    }
    if (!c.have_id) {
        cli_common_wipe(&c);
        free(s);
        return cli_fail(EX_USAGE, "respond", "--id is required", "e.g. --id @door.example");
    }
    responder_suites(&c);
    if ((r = cli_check_suites(&c)) != 0) {
        cli_common_wipe(&c);
        free(s);
        return r;
    }
    if (natt != 0 && natt == listen.port) {
        cli_common_wipe(&c);
        free(s);
        return cli_fail(EX_USAGE, "--natt-port", "the same port as --listen",
                        "IKE and NAT-T need two ports, e.g. 500 and 4500");
    }
    if (natt == 0)
        natt = listen.port == MK_PORT_IKE ? MK_PORT_NATT : (listen.port ? listen.port + 1u : 0);
    if (natt > 65535)
        natt = 0;
    if (!c.have_tsr)
        (void)cli_parse_ts("10.99.10.0/24", &c.tsr, "--tsr");

    show_init(&show, c.verbose);
    show.quiet = quiet;
    if ((r = capture_open(&cap, &c)) != 0) {
        cli_common_wipe(&c);
        free(s);
        return r;
    }
    s->pcfg.suites = mk_suites_default();
    memcpy(s->pcfg.ike, c.ike, sizeof(c.ike));
    s->pcfg.n_ike = c.n_ike;
    memcpy(s->pcfg.esp, c.esp, sizeof(c.esp));
    s->pcfg.n_esp = c.n_esp;
    s->pcfg.psk = c.psk;
    s->pcfg.psk_len = c.psk_len;
    s->pcfg.idr = c.id;
    s->pcfg.idi = c.remote_id;
    s->pcfg.tsr = c.tsr;
    s->pcfg.natt = true;
    if (c.have_key) {
        s->pcfg.auth_method = MK_AUTH_DIGSIG;
        s->pcfg.priv_key = c.key.priv;
        s->pcfg.priv_key_len = c.key.priv_len;
        s->pcfg.spki = c.key.spki;
        s->pcfg.spki_len = c.key.spki_len;
        s->pcfg.psk = NULL;
        s->pcfg.psk_len = 0;
        if (c.have_peer_key) {
            s->pcfg.peer_spki = c.peer_spki;
            s->pcfg.peer_spki_len = c.peer_spki_len;
        }
        s->pcfg.send_cert = c.send_cert;
        s->pcfg.no_cert = no_cert;
    }
    if (c.seeded) {
        mk_io_drbg_init(&s->drbg, c.seed, 1);
        s->env.ctx = &s->drbg;
        s->env.rng = mk_io_rng_drbg;
    } else {
        s->env.rng = mk_io_rng_os;
    }
    s->cap = &cap;
    s->show = &show;
    s->who = "resp";
    s->show_dgrams = true;
    s->travel_ms = (uint32_t)travel * 1000u;
    s->stop = &cli_stop_flag;
    if ((r = server_start(s, &listen, (uint16_t)natt)) == 0) {
        char a[80], b[80];
        /* always printed, even with --quiet: scripts wait for it and read the port */
        show.quiet = false;
        show_line(&show, mk_io_now_ms(), s->who, "listening on %s (IKE) and %s (NAT-T), %s",
                  addr_str(&s->io.local[MK_IO_IKE], a, sizeof(a)),
                  addr_str(&s->io.local[MK_IO_NATT], b, sizeof(b)),
                  s->echo ? "UDP echo" : "garage door");
        if (c.have_key) {
            uint8_t fp[MK_FP_LEN];
            char hex[2 * MK_FP_LEN + 1], pin[2 * MK_FP_LEN + 1] = "";
            mk_spki_fingerprint(c.key.spki, c.key.spki_len, fp);
            cli_format_fp(fp, hex);
            if (c.have_peer_key) {
                mk_spki_fingerprint(c.peer_spki, c.peer_spki_len, fp);
                cli_format_fp(fp, pin);
            }
            show_line(&show, mk_io_now_ms(), s->who,
                      "auth: %s key sha256:%s%s; initiator %s%.16s%s",
                      cli_key_type_name(c.key.type), hex,
                      no_cert ? ", never sent in CERT" : c.send_cert ? ", always sent in CERT" : "",
                      c.have_peer_key ? "key pinned, sha256:" : "key: ANY key it sends in CERT(15) "
                                                                 "(no --peer-key; test only)",
                      pin, c.have_peer_key ? "..." : "");
        }
        show.quiet = quiet;
        r = server_run(s);
        show_line(&show, mk_io_now_ms(), s->who, "stopped");
    }
    server_stop(s);
    {
        int r2 = capture_close(&cap);
        if (r == 0)
            r = r2;
    }
    cli_common_wipe(&c);
    free(s);
    return r;
}
