/* SPDX-License-Identifier: MIT */
/*
 * initiate: `minike initiate`, the minimal initiator against a real responder (strongSwan,
 * `minike respond`): IKE_SA_INIT + IKE_AUTH with PSK, one ESP child SA, optional ICMP echo or
 * UDP through it, optional Delete (RFC 7815 B.1), optional capture and key tables. Exit codes
 * tell what failed (see main.c). It never prints or logs the PSK or SA keys (those go only to
 * --keys when asked).
 */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char initiate_help[] =
    "usage: minike initiate --peer ADDR[:PORT] --psk-file F --id ID [options]\n"
    "       minike initiate --peer ADDR[:PORT] --key FILE [--peer-key F | --peer-fp HEX]\n"
    "                       --id ID [options]\n"
    "\n"
    "Set up an IKE SA and one ESP child SA with a responder (RFC 7815 minimal initiator),\n"
    "optionally send traffic through it, then forget (default) or delete it.\n"
    "\n"
    "  --peer ADDR[:PORT]     responder, an IPv4 or IPv6 address (names are not resolved;\n"
    "                         [v6]:PORT); default port 500; any other port means the non-ESP\n"
    "                         marker from the first message on, as strongSwan expects\n"
    "  --local ADDR[:PORT]    local address (default: any; port default ephemeral; with\n"
    "                         port 500 the NAT-T socket binds 4500)\n"
    "  --psk-file F           pre-shared key: 0x-hex or text, >= 16 octets (or env MINIKE_PSK)\n"
    "  --key FILE             authenticate with this raw public key instead (Ed25519 or RSA\n"
    "                         >= 2048 bits, DER or PEM; RFC 7427 signature, RFC 7815 B.2);\n"
    "                         the responder must then be pinned or is imprinted:\n"
    "  --peer-key FILE        pin the responder's public key (DER/PEM SubjectPublicKeyInfo)\n"
    "  --peer-fp HEX          pin the SHA-256 of the responder's key (as keygen prints it);\n"
    "                         the responder must then send its key in CERT (RFC 7670)\n"
    "  --state FILE           imprint state when nothing is pinned (default\n"
    "                         $XDG_STATE_HOME/minike/imprint-ADDR_PORT.fp, else\n"
    "                         ~/.local/state/minike/...): the first responder whose AUTH\n"
    "                         verifies under the key it sent is remembered there, later\n"
    "                         runs accept only that key; minike reset --state FILE forgets it\n"
    "  --send-cert            send our key in CERT(15) even if the responder did not ask\n"
    "  --id ID                our identity: fqdn:NAME, @NAME (= fqdn), email:USER@HOST,\n"
    "                         keyid:HEX, ipv4:ADDR, ipv6:ADDR\n"
    "  --remote-id ID         the responder identity we expect (and send as IDr)\n"
    "  --ike P,...            IKE proposals, strongSwan syntax (default\n"
    "                         aes128gcm16-prfsha256-x25519); also chacha20poly1305-prfsha256-\n"
    "                         x25519, aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256,\n"
    "                         aes128ccm8-prfsha256-x25519\n"
    "  --esp P,...            ESP proposals (default aes128gcm16); also chacha20poly1305,\n"
    "                         aes256-sha256, aes128ccm8\n"
    "  --tsi CIDR             our traffic selector (default 10.99.20.0/24)\n"
    "  --tsr CIDR             the responder's traffic selector (default 10.99.10.0/24)\n"
    "  --inner-src ADDR       source address inside the tunnel (default: first host of --tsi;\n"
    "                         must lie in --tsi)\n"
    "  --no-natt              no NAT_DETECTION notifies, stay on the IKE port\n"
    "  --nat-port             start on the NAT-T port with the non-ESP marker\n"
    "  --initial-contact on|off  send N(INITIAL_CONTACT) in IKE_AUTH (default on: a device\n"
    "                         that reboots has no other SA with the peer)\n"
    "  --transport            transport mode instead of tunnel mode (selectors = the outer\n"
    "                         addresses; --ping / --to must then be the --peer address, IPv4)\n"
    "  --ping ADDR            ICMP echo inside ESP to ADDR (IPv4, inside --tsr); checks replies\n"
    "  --send TEXT --to ADDR:PORT   a UDP message inside ESP (ADDR inside --tsr); prints the\n"
    "                         replies\n"
    "  --count N              pings / messages to send, 1 to 64 (default 1): pings go out\n"
    "                         every 0.5 s and wait 1 s for the last reply, messages every\n"
    "                         0.2 s; this schedule (up to 32.5 s) does not count against\n"
    "                         --timeout, which is added after it for late replies\n"
    "  --quiet-timeout SEC    after --send, stop after SEC without a reply, 1 to 3600\n"
    "                         (default 2)\n"
    "  --delete               delete the IKE SA at the end (RFC 7815 B.1) instead of forgetting "
    "it\n"
    "  --pcap FILE            write every datagram to FILE (pcap with IPv4/IPv6 + UDP headers)\n"
    "  --pcap-raw-ports       keep the real ports in the capture (default: ports other than\n"
    "                         500/4500 are shown as 500 or 4500 by class)\n"
    "  --keys DIR             write Wireshark decryption tables (ikev2_decryption_table, esp_sa,\n"
    "                         preferences) into DIR: WIRESHARK_CONFIG_DIR=DIR tshark -r FILE\n"
    "  --force                replace an existing --pcap file or the tables in a non-empty\n"
    "                         --keys DIR (never an input file); outputs are written atomically\n"
    "                         and only when the run has something to put in them\n"
    "  --seed N               deterministic SPIs, nonces and DH keys (ChaCha20 DRBG)\n"
    "  --timeout SEC          give up on an exchange after SEC, 1 to 3600 (default 30); with\n"
    "                         --ping/--send, also how long after the --count schedule late\n"
    "                         replies are waited for\n"
    "  -v                     core trace and hex dumps (hexl_print style)\n"
    "  --core general|tiny    tiny: the template core (ref/tiny), PSK and\n"
    "                         chacha20poly1305-prfsha256-x25519 only, no NAT-T, no --delete;\n"
    "                         --ping/--send only with a peer not on port 500 (harness/cli/README)\n"
    "exit codes: 0 ok, 1 internal, 2 usage, 3 config/file, 4 network, 5 timeout,\n"
    "            6 authentication failed, 7 no proposal chosen / child refused, 8 other peer "
    "error\n";

int cmd_initiate(int argc, char **argv)
{
    static const cli_initiate_core general = {.help = initiate_help};
    static cli_common c; /* large (keys): not on the stack */
    cli_initiate_opts o;
    cli_imprint imprint;
    char state_path[4096];
    cli_dev *d;
    cli_capture cap;
    cli_show show;
    mk_addr peer_ike, peer_natt;
    int r, rc;

    /* --core tiny: the template core runs the whole command (initiate_tiny.c) */
    if ((r = cli_core_arg(argc, argv)) != 0)
        return r > 0 ? cmd_initiate_tiny(argc, argv) : -r;
    memset(&imprint, 0, sizeof(imprint));
    if (!cli_initiate_parse(argc, argv, &general, &c, &o, &rc))
        return rc;
    cli_set_default_suites(&c);
    if ((r = cli_check_suites(&c)) != 0)
        return cli_common_wipe(&c), r;
    /* raw public keys: the imprint state file when nothing is pinned */
    if (c.have_key && !c.have_peer_key && !c.have_peer_fp) {
        if (c.state != NULL) {
            if ((r = cli_output_path(c.state, state_path, sizeof(state_path), "--state")) != 0)
                return cli_common_wipe(&c), r;
        } else if ((r = cli_state_default(&o.peer, state_path, sizeof(state_path))) != 0)
            return cli_common_wipe(&c), r;
        imprint.path = state_path;
        addr_str(&o.peer, imprint.peer, sizeof(imprint.peer));
    }
    if ((r = cli_initiate_selectors(&c, &o)) != 0)
        return r;
    cli_initiate_local(&o);

    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return cli_common_wipe(&c), cli_fail(EX_INTERNAL, "initiate", "out of memory", "");
    show_init(&show, c.verbose);
    if ((r = capture_open(&cap, &c)) != 0) {
        cli_common_wipe(&c);
        free(d);
        return r;
    }
    mk_config_defaults(&d->cfg);
    d->cfg.suites = mk_suites_default();
    memcpy(d->cfg.ike, c.ike, sizeof(c.ike));
    d->cfg.n_ike = c.n_ike;
    memcpy(d->cfg.esp, c.esp, sizeof(c.esp));
    d->cfg.n_esp = c.n_esp;
    d->cfg.psk = c.psk;
    d->cfg.psk_len = c.psk_len;
    d->cfg.idi = c.id;
    d->cfg.idr = c.remote_id;
    d->cfg.tsi = c.tsi;
    d->cfg.tsr = c.tsr;
    d->cfg.tunnel = !o.transport;
    d->cfg.initial_contact = o.initial_contact;
    d->cfg.natt = MK_NATT && !o.no_natt; /* a build without NAT-T refuses cfg.natt */
    d->cfg.force_4500 = o.nat_port || o.peer.port != MK_PORT_IKE;
    d->cfg.total_ms = (uint32_t)o.timeout * 1000u;
    if ((r = cli_rpk_config(&c, &d->cfg, &imprint)) != 0) {
        (void)capture_close(&cap);
        cli_common_wipe(&c);
        free(d);
        return r;
    }
    if (c.have_key && !c.have_peer_key && !c.have_peer_fp)
        d->imprint = &imprint;
    d->seeded = c.seeded;
    if (c.seeded)
        mk_io_drbg_init(&d->drbg, c.seed, 0);
    d->show = &show;
    d->cap = &cap;
    d->who = "minike";
    d->stop = &cli_stop_flag;
    peer_ike = o.peer;
    peer_natt = o.peer;
    if (o.peer.port == MK_PORT_IKE)
        peer_natt.port = MK_PORT_NATT;
    rc = dev_connect(d, &o.local, &peer_ike, &peer_natt);
    if (rc == 0 && o.transport) {
        mk_ts *tl = &d->cfg.tsi, *tr = &d->cfg.tsr;
        const mk_addr *la = &d->io.local[MK_IO_NATT], *ra = &d->io.remote[MK_IO_NATT];
        size_t al = la->family == 4 ? 4 : 16;
        memset(tl, 0, sizeof(*tl));
        memset(tr, 0, sizeof(*tr));
        tl->type = tr->type = la->family == 4 ? MK_TS_IPV4_RANGE : MK_TS_IPV6_RANGE;
        tl->end_port = tr->end_port = 65535;
        memcpy(tl->start, la->ip, al);
        memcpy(tl->end, la->ip, al);
        memcpy(tr->start, ra->ip, al);
        memcpy(tr->end, ra->ip, al);
    }
    if (rc == 0) {
        char ip[80], ik[96], es[64], id[300];
        cli_format_ike(&c.ike[0], ik, sizeof(ik));
        cli_format_esp(&c.esp[0], es, sizeof(es));
        cli_format_id(&c.id, id, sizeof(id));
        show_line(&show, mk_io_now_ms(), d->who,
                  "IKE with %s from %s as %s; offering %s%s, ESP %s%s", d->peer_str,
                  addr_str(&d->cfg.local, ip, sizeof(ip)), id, ik, c.n_ike > 1 ? " (+more)" : "",
                  es, c.n_esp > 1 ? " (+more)" : "");
        if (c.have_key) {
            char desc[300];
            cli_rpk_describe(&c, d->imprint, desc, sizeof(desc));
            show_line(&show, mk_io_now_ms(), d->who, "%s", desc);
        }
        rc = dev_establish(d, (uint32_t)o.timeout * 1000u);
    }
    if (rc == 0) {
        mk_esp_sa *sa = &d->sa;
        mk_ike_suite is;
        mk_esp_suite es;
        char iname[96] = "?", ename[64] = "?";
        if (mk_suite_selected(&d->ike, &is, &es)) {
            cli_format_ike(&is, iname, sizeof(iname));
            cli_format_esp(&es, ename, sizeof(ename));
        }
        if (d->sa_ok)
            show_line(&show, mk_io_now_ms(), d->who,
                      "established: IKE SA %02x%02x%02x%02x%02x%02x%02x%02x_i, ESP SPIs "
                      "out %08x in %08x (%s, %s); IKE %s, ESP %s",
                      d->ike.spi_i[0], d->ike.spi_i[1], d->ike.spi_i[2], d->ike.spi_i[3],
                      d->ike.spi_i[4], d->ike.spi_i[5], d->ike.spi_i[6], d->ike.spi_i[7],
                      sa->spi_out, sa->spi_in, sa->tunnel ? "tunnel" : "transport",
                      sa->udp_encap ? "UDP-encapsulated" : "plain ESP", iname, ename);
        if (o.transport) /* no inner header: the timeline shows the outer addresses */
            memcpy(o.inner_src, d->io.local[MK_IO_NATT].ip, 4);
        if (o.have_ping) {
            d->app.mode = APP_PING;
            memcpy(d->app.inner_src, o.inner_src, 4);
            memcpy(d->app.inner_dst, o.ping.ip, 4);
        } else if (o.send != NULL) {
            d->app.mode = APP_SEND;
            d->app.text = o.send;
            memcpy(d->app.inner_src, o.inner_src, 4);
            memcpy(d->app.inner_dst, o.to.ip, 4);
            d->app.dport = o.to.port;
            d->app.sport = (uint16_t)(40000u + (mk_io_now_ms() % 20000u));
        }
        d->app.count = (uint32_t)o.count;
        d->app.quiet_ms = (uint32_t)o.quiet * 1000u;
        rc = dev_traffic(d, (uint32_t)o.timeout * 1000u);
    }
    if (rc == 0 && o.del) {
        rc = dev_delete(d, (uint32_t)o.timeout * 1000u);
        if (rc == 0)
            show_line(&show, mk_io_now_ms(), d->who, "IKE SA deleted");
    } else if (rc == 0) {
        show_line(&show, mk_io_now_ms(), d->who, "done; IKE SA forgotten (no Delete sent)");
    }
    dev_close(d);
    rc = cli_initiate_finish(rc, &cap, &c);
    free(d);
    return rc;
}
