/* SPDX-License-Identifier: MIT */
/*
 * respond_cmd: the `minike respond` subcommand: its options (strongSwan-style proposals, the
 * responder's --tsr, raw keys, the test-only --misbehave script), the checks between them and
 * the start of the daemon in respond.c. It prints the one-line failure format and never logs
 * the PSK or a private key.
 */
#define _DEFAULT_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    "  --id ID                our identity: fqdn:NAME, @NAME, email:U@H, keyid:HEX, ipv4:A, "
    "ipv6:A\n"
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
    "  --force                replace an existing --pcap file or a non-empty --keys DIR\n"
    "  --seed N               deterministic SPIs, nonces and DH keys\n"
    "  --misbehave LIST       test only: script the responder to misbehave, comma list of\n"
    "                         cookie, no-proposal, forged-error, bad-icv, wrong-auth,\n"
    "                         auth-failed, ts-unacceptable, unknown-critical,\n"
    "                         choose-unoffered, want-dh=N, wrong-idr=TYPE, drop-rx=MASK,\n"
    "                         evil-id (IDr with ESC and a newline),\n"
    "                         drop-tx=MASK, dup-tx=MASK (bit n-1: the n-th datagram received);\n"
    "                         forge-inner: each tunnel reply is preceded by a copy from\n"
    "                         192.0.2.66, outside --tsr, that the initiator must drop\n"
    "  -q, --quiet            no timeline\n"
    "  -v                     hex dumps\n"
    "exit codes: see minike --help\n";

/* --misbehave a,b=N,...: the peer's test script (harness/lib/peer.h), for exercising the
 * initiator's error paths from the command line. */
static int parse_misbehave(const char *arg, mk_peer_script *sc, bool *forge)
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
        if (!strcmp(tok, "cookie"))
            sc->cookie = true;
        else if (!strcmp(tok, "no-proposal"))
            sc->no_proposal = true;
        else if (!strcmp(tok, "forged-error"))
            sc->forged_error_first = true;
        else if (!strcmp(tok, "bad-icv"))
            sc->bad_icv = true;
        else if (!strcmp(tok, "wrong-auth"))
            sc->wrong_auth = true;
        else if (!strcmp(tok, "auth-failed"))
            sc->auth_failed = true;
        else if (!strcmp(tok, "ts-unacceptable"))
            sc->ts_unacceptable = true;
        else if (!strcmp(tok, "unknown-critical"))
            sc->unknown_critical_in_auth = true;
        else if (!strcmp(tok, "choose-unoffered"))
            sc->choose_unoffered = true;
        else if (!strcmp(tok, "forge-inner"))
            *forge = true;
        else if (!strcmp(tok, "evil-id"))
            sc->wrong_idr = 0xff; /* marker, turned into the identity below (respond_evil_id) */
        else if (!strcmp(tok, "want-dh") && eq)
            sc->want_dh = (uint16_t)v;
        else if (!strcmp(tok, "wrong-idr") && eq)
            sc->wrong_idr = (uint8_t)v;
        else if (!strcmp(tok, "drop-rx") && eq)
            sc->drop_rx_mask = (uint32_t)v;
        else if (!strcmp(tok, "drop-tx") && eq)
            sc->drop_tx_mask = (uint32_t)v;
        else if (!strcmp(tok, "dup-tx") && eq)
            sc->dup_tx_mask = (uint32_t)v;
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
    static const struct option lo[] = {{"listen", 1, 0, 'l'},
                                       {"natt-port", 1, 0, 'N'},
                                       {"psk-file", 1, 0, 'P'},
                                       {"id", 1, 0, 'i'},
                                       {"remote-id", 1, 0, 'r'},
                                       {"ike", 1, 0, 'I'},
                                       {"esp", 1, 0, 'E'},
                                       {"tsr", 1, 0, 'R'},
                                       {"pcap", 1, 0, 'c'},
                                       {"keys", 1, 0, 'k'},
                                       {"seed", 1, 0, 's'},
                                       {"once", 0, 0, 'o'},
                                       {"echo", 0, 0, 'e'},
                                       {"travel", 1, 0, 't'},
                                       {"quiet", 0, 0, 'q'},
                                       {"help", 0, 0, 'h'},
                                       {"pcap-raw-ports", 0, 0, 'W'},
                                       {"tsi", 1, 0, 'T'},
                                       {"misbehave", 1, 0, 'm'},
                                       {"key", 1, 0, OPT_KEY},
                                       {"peer-key", 1, 0, OPT_PEER_KEY},
                                       {"send-cert", 0, 0, OPT_SEND_CERT},
                                       {"no-cert", 0, 0, OPT_NO_CERT},
                                       {"peer-fp", 1, 0, OPT_PEER_FP},
                                       {"state", 1, 0, OPT_STATE},
                                       {"force", 0, 0, OPT_FORCE},
                                       {0, 0, 0, 0}};
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
        case 'h':
            fputs(respond_help, stdout);
            free(s);
            return EX_OK;
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
            if ((r = parse_misbehave(optarg, &s->pcfg.script, &s->forge_inner)) != 0) {
                free(s);
                return r;
            }
            break;
        case 'o':
            s->once = true;
            break;
        case OPT_NO_CERT:
            no_cert = true;
            break;
        case 'e':
            s->echo = true;
            break;
        case 'q':
            quiet = true;
            break;
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
        return cli_unexpected_arg(argv[optind], "see minike respond --help");
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
    if (s->pcfg.script.wrong_idr == 0xff) {
        /* --misbehave evil-id: an identity no user could give with --id (ESC, a colour
         * sequence, a newline and a forged "minike:" line), to test that the initiator shows
         * peer text only escaped */
        static const char evil[] = "door.test\x1b[31m\nminike: forged line\x1b[0m";
        s->pcfg.script.wrong_idr = 0;
        s->pcfg.idr.type = MK_ID_FQDN;
        s->pcfg.idr.len = (uint8_t)(sizeof evil - 1);
        memcpy(s->pcfg.idr.data, evil, sizeof evil - 1);
    }
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
                      no_cert       ? ", never sent in CERT"
                      : c.send_cert ? ", always sent in CERT"
                                    : "",
                      c.have_peer_key ? "key pinned, sha256:"
                                      : "key: ANY key it sends in CERT(15) "
                                        "(no --peer-key; test only)",
                      pin, c.have_peer_key ? "..." : "");
        }
        show.quiet = quiet;
        r = server_run(s);
        if (s->ts_drops > 0)
            show_line(&show, mk_io_now_ms(), s->who,
                      "stopped; %u inbound ESP packets dropped outside the traffic selectors",
                      s->ts_drops);
        else
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
