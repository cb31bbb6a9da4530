/* SPDX-License-Identifier: MIT */
/*
 * initiate_opts: the options of `minike initiate`, parsed and checked once for both cores
 * (initiate.c: the general core; initiate_tiny.c: --core tiny). A core says what it cannot do
 * through cli_initiate_core's hooks, so every shared check prints the same line, in the same
 * order, with the same exit code whichever core runs.
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static bool ts_has4(const mk_ts *ts, const uint8_t ip[4])
{
    return ts->type == MK_TS_IPV4_RANGE && memcmp(ts->start, ip, 4) <= 0 &&
           memcmp(ip, ts->end, 4) <= 0;
}

/* One option of the command's own (not cli_common_opt's): 0 or an exit code. */
static int initiate_opt(cli_initiate_opts *o, int opt, const char *arg, char **argv)
{
    int r = 0;
    switch (opt) {
    case OPT_CORE: /* checked by cli_core_arg */
        break;
    case 'p':
        r = cli_parse_addr(arg, MK_PORT_IKE, &o->peer, "--peer");
        if (!r)
            r = cli_check_remote(&o->peer, "--peer", arg);
        o->have_peer = !r;
        break;
    case 'L':
        r = cli_parse_addr(arg, 0, &o->local, "--local");
        o->have_local = !r;
        break;
    case 'S':
        if (inet_pton(AF_INET, arg, o->inner_src) != 1)
            r = cli_fail(EX_USAGE, "--inner-src", "not an IPv4 address",
                         "inner packets are IPv4, e.g. --inner-src 10.99.20.1");
        o->have_src = !r;
        break;
    case 'n':
        o->no_natt = true;
        break;
    case 'N':
        o->nat_port = true;
        break;
    case 1001: /* --initial-contact */
        if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
            o->initial_contact = strcmp(arg, "on") == 0;
        else
            r = cli_fail(EX_USAGE, "--initial-contact", "expects on or off",
                         "e.g. --initial-contact off");
        break;
    case 't':
        o->transport = true;
        break;
    case 'g':
        r = cli_parse_addr(arg, 0, &o->ping, "--ping");
        if (!r && o->ping.family != 4)
            r = cli_fail(EX_USAGE, "--ping", "only IPv4 inner packets are supported",
                         "give an IPv4 address behind the responder");
        o->have_ping = !r;
        break;
    case 'x':
        o->send = arg;
        break;
    case 'o':
        r = cli_parse_addr(arg, 0, &o->to, "--to");
        if (!r && (o->to.family != 4 || o->to.port == 0))
            r = cli_fail(EX_USAGE, "--to", "needs an IPv4 ADDR:PORT", "e.g. --to 10.99.10.1:7777");
        o->have_to = !r;
        break;
    case 'C':
        r = cli_parse_range(arg, 1, 64, &o->count, "--count");
        o->have_count = true;
        break;
    case 'D':
        o->del = true;
        r = cli_check_delete(); /* before the SA: a build without MK_DELETE refuses it */
        break;
    case 'w':
        r = cli_parse_range(arg, 1, 3600, &o->timeout, "--timeout");
        break;
    case 'Q':
        r = cli_parse_u64(arg, 3600, &o->quiet, "--quiet-timeout");
        o->have_quiet = true;
        break;
    default:
        r = cli_usage_error(argv, opt, "initiate");
        break;
    }
    return r;
}

/* The options taken together, first failure wins; a core's hooks at their places. */
static int initiate_check(int argc, char **argv, const cli_initiate_core *core, const cli_common *c,
                          const cli_initiate_opts *o)
{
    const char *send = o->send;
    bool traffic = send != NULL || o->have_ping;
    int r;

    if (optind < argc)
        return cli_unexpected_arg(argv[optind], "see minike initiate --help");
    if (core->check_options != NULL && (r = core->check_options(c)) != 0)
        return r;
    if (!o->have_peer)
        return cli_fail(EX_USAGE, "initiate", "--peer is required", "e.g. --peer 192.0.2.1");
    if (!c->have_id)
        return cli_fail(EX_USAGE, "initiate", "--id is required", "e.g. --id @device.example");
    if (send != NULL && !o->have_to)
        return cli_fail(EX_USAGE, "--send", "needs --to ADDR:PORT", "e.g. --to 10.99.10.1:7777");
    if (send == NULL && o->have_to)
        return cli_fail(EX_USAGE, "--to", "needs --send TEXT", "e.g. --send OPEN");
    if (send != NULL && o->have_ping)
        return cli_fail(EX_USAGE, "--ping and --send", "only one kind of traffic per run",
                        "drop one of them");
    if (send != NULL && strlen(send) > 1000)
        return cli_fail(EX_USAGE, "--send", "message longer than 1000 octets", "send less");
    if (core->check_traffic != NULL && (r = core->check_traffic(o)) != 0)
        return r;
    if (o->no_natt && !o->nat_port && o->peer.port == MK_PORT_IKE && traffic)
        return cli_fail(EX_USAGE, "--no-natt with --ping/--send",
                        "ESP travels UDP-encapsulated (RFC 3948) and needs the NAT-T port",
                        "drop --no-natt");
    if (o->have_local && o->local.family != o->peer.family)
        return cli_fail(EX_USAGE, "--local", "address family differs from --peer",
                        "use the same family");
    if (o->transport && o->have_src)
        return cli_fail(EX_USAGE, "--inner-src with --transport",
                        "transport mode has no inner header: packets carry the outer addresses",
                        "drop --inner-src, or drop --transport for tunnel mode");
    if (o->transport && traffic && o->peer.family != 4)
        return cli_fail(EX_USAGE, "--transport with --ping/--send over IPv6",
                        "traffic in transport mode is built for IPv4 outer addresses only",
                        "drop --transport for tunnel mode, or use an IPv4 --peer");
    if (o->transport && o->have_ping && memcmp(o->ping.ip, o->peer.ip, 4) != 0)
        return cli_fail(EX_USAGE, "--ping with --transport",
                        "transport mode protects traffic to the responder itself only",
                        "ping the --peer address, or drop --transport for tunnel mode");
    if (o->transport && send && memcmp(o->to.ip, o->peer.ip, 4) != 0)
        return cli_fail(EX_USAGE, "--to with --transport",
                        "transport mode protects traffic to the responder itself only",
                        "send --to the --peer address, or drop --transport for tunnel mode");
    /* options that only shape traffic would otherwise be ignored without a word */
    if ((o->have_count || o->have_src) && !traffic)
        return cli_fail(EX_USAGE, o->have_count ? "--count" : "--inner-src",
                        "only applies to traffic through the tunnel, and none was asked for",
                        "add --ping ADDR or --send TEXT --to ADDR:PORT, or drop the option");
    if (o->have_quiet && send != NULL && o->quiet == 0)
        return cli_fail(EX_USAGE, "--quiet-timeout 0",
                        "the run would stop before any reply to --send could arrive",
                        "give 1 or more seconds");
    if (o->have_quiet && send == NULL)
        return cli_fail(EX_USAGE, "--quiet-timeout", "only applies to --send",
                        o->have_ping ? "drop it: --ping waits 1 s for each reply"
                                     : "add --send TEXT --to ADDR:PORT, or drop the option");
    return 0;
}

bool cli_initiate_parse(int argc, char **argv, const cli_initiate_core *core, cli_common *c,
                        cli_initiate_opts *o, int *rc)
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
    int opt, r;

    memset(c, 0, sizeof(*c));
    memset(o, 0, sizeof(*o));
    o->initial_contact = true;
    o->count = 1;
    o->timeout = 30;
    o->quiet = 2;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
        /* an option the core lacks is refused where it stands, before it is read */
        if (core->refuse != NULL && (r = core->refuse(opt)) != 0)
            return cli_common_wipe(c), *rc = r, false;
        r = cli_common_opt(c, opt, optarg);
        if (r < 0)
            return cli_common_wipe(c), *rc = -r, false;
        if (r == 1)
            continue;
        if (opt == 'h') {
            fputs(core->help, stdout);
            return cli_common_wipe(c), *rc = EX_OK, false;
        }
        if ((r = initiate_opt(o, opt, optarg, argv)) != 0)
            return cli_common_wipe(c), *rc = r, false;
    }
    if ((r = initiate_check(argc, argv, core, c, o)) != 0)
        return cli_common_wipe(c), *rc = r, false;
    if (!c->have_psk && !c->have_key && (r = cli_load_psk_env(c)) != 0)
        return cli_common_wipe(c), *rc = r, false;
    return true;
}

int cli_initiate_selectors(cli_common *c, cli_initiate_opts *o)
{
    char what[64], tsb[80], tb[40], ab[32];
    const uint8_t *dst = o->have_ping ? o->ping.ip : o->to.ip;
    int r = 0;

    if (!c->have_tsi)
        (void)cli_parse_ts("10.99.20.0/24", &c->tsi, "--tsi");
    if (!c->have_tsr)
        (void)cli_parse_ts("10.99.10.0/24", &c->tsr, "--tsr");
    if (!o->have_src) {
        memcpy(o->inner_src, c->tsi.start, 4);
        if (memcmp(c->tsi.start, c->tsi.end, 4) != 0)
            o->inner_src[3] = (uint8_t)(o->inner_src[3] + 1);
    }
    /* tunnel-mode traffic must lie inside the selectors, or any real responder drops it */
    if (o->transport || (!o->have_ping && o->send == NULL))
        return 0;
    if (c->tsi.type != MK_TS_IPV4_RANGE || c->tsr.type != MK_TS_IPV4_RANGE)
        r = cli_fail(EX_USAGE, "--ping/--send with IPv6 traffic selectors",
                     "packets inside the tunnel are IPv4 only", "give IPv4 --tsi and --tsr");
    else if (!ts_has4(&c->tsr, dst)) {
        snprintf(what, sizeof(what), "%s %s", o->have_ping ? "--ping" : "--to",
                 inet_ntop(AF_INET, dst, ab, sizeof(ab)));
        snprintf(tsb, sizeof(tsb), "outside --tsr %s", cli_ts_str(&c->tsr, tb, sizeof(tb)));
        r = cli_fail(EX_USAGE, what, tsb,
                     "give an address inside the responder's selector, or widen --tsr to "
                     "match the responder's configuration");
    } else if (!ts_has4(&c->tsi, o->inner_src)) {
        snprintf(what, sizeof(what), "--inner-src %s",
                 inet_ntop(AF_INET, o->inner_src, ab, sizeof(ab)));
        snprintf(tsb, sizeof(tsb), "outside --tsi %s", cli_ts_str(&c->tsi, tb, sizeof(tb)));
        r = cli_fail(EX_USAGE, what, tsb, "give an address inside --tsi");
    }
    if (r != 0)
        cli_common_wipe(c);
    return r;
}

void cli_initiate_local(cli_initiate_opts *o)
{
    if (!o->have_local) {
        memset(&o->local, 0, sizeof(o->local));
        o->local.family = o->peer.family;
    }
}

int cli_initiate_finish(int rc, cli_capture *cap, cli_common *c)
{
    int r2 = capture_close(cap);
    cli_common_wipe(c);
    return rc == 0 ? r2 : rc;
}
