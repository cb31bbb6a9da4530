/* SPDX-License-Identifier: MIT */
/*
 * check: `minike check`, the conformance suite for any IKEv2 initiator (harness/check). Parses
 * the options, opens the UDP socket, runs the selected cases one by one (progress line each,
 * the datagrams behind every FAIL), prints the final table and writes JSON / JUnit reports.
 * Exit: 0 no FAIL, 1 at least one FAIL, 2 a setup error (bad option, socket, initiator).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chk_engine.h"
#include "chk_netns.h"
#include "chk_soak.h"
#include "cli.h"

static const char help[] =
    "usage: minike check (--initiator-cmd 'TEMPLATE' | --external) [options]\n"
    "       minike check --list [-v]\n"
    "\n"
    "An adversarial IKEv2 responder that runs a catalogue of numbered cases against an\n"
    "initiator and judges what it puts on the wire: PASS, FAIL, INFO (allowed either way,\n"
    "explained) or N/A (the initiator's configuration makes the case inapplicable).\n"
    "\n"
    "  --initiator-cmd TPL  shell command started once per case in its own process group and\n"
    "                       stopped by that id at the end; placeholders: {addr} {port}\n"
    "                       {pskfile} {idi} {idr} {case}\n"
    "  --external           wait for an initiator someone else starts (a cue per case)\n"
    "  --cue-timeout SEC    how long to wait for it (default 120)\n"
    "  --listen ADDR:PORT   where the checker listens (default 127.0.0.1:15300); on a port\n"
    "                       other than 500 IKE carries the non-ESP marker (RFC 3948)\n"
    "  --netns              port-500 semantics, as root: make two network namespaces (veth,\n"
    "                       10.77.30.0/30), listen on " CHK_NETNS_R_ADDR ":500 (and 4500) in one, start\n"
    "                       the initiator command in the other; both removed at exit\n"
    "  --psk-file F         the PSK (default: a fresh random one in a temporary file)\n"
    "  --idi ID --idr ID    initiator / responder identities (fqdn:initiator.check,\n"
    "                       fqdn:responder.check)\n"
    "  --ike P,...          IKE suites the checker accepts, preferred first (AEAD only;\n"
    "                       default aes128gcm16-prfsha256-x25519,aes256gcm16-prfsha256-x25519,\n"
    "                       chacha20poly1305-prfsha256-x25519,aes128gcm16-prfsha256-ecp256)\n"
    "  --cases LIST         e.g. 1-20,33 (default: all)\n"
    "  --window MS          longest a case runs (default 8000; a few cases set their own)\n"
    "  --name NAME          the initiator's name in reports\n"
    "  --json F --junit F   reports\n"
    "  --initiator-log F    append the initiator's output here\n"
    "  --refuse-child       answer every child SA (but in the child cases) with\n"
    "                       TS_UNACCEPTABLE: for initiators that cannot install ESP\n"
    "  --soak N             soak mode: the handshake N times with loss/dup/reorder/delay\n"
    "  --loss P --dup P --reorder P --delay MS   soak impairments (percent, max delay)\n"
    "  --seed N             responder randomness and soak impairments\n"
    "  --list               the catalogue (-v: with quotes and expectations)\n"
    "  -v                   responder trace (-vv: datagrams of every case in reports)\n"
    "\n"
    "exit: 0 no FAIL, 1 a FAIL, 2 setup error\n";

static int parse_cases(const char *s, bool *sel)
{
    char *dup = strdup(s), *save = NULL;
    if (dup == NULL)
        return -1;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long a = strtol(t, &end, 10), b = a;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        if (*end != 0 || a < 1 || b < a || b > 65535) {
            free(dup);
            return -1;
        }
        for (long i = a; i <= b; i++)
            sel[i] = true;
    }
    free(dup);
    return 0;
}

enum {
    O_CMD = 0x200, O_EXT, O_LISTEN, O_PSK, O_IDI, O_IDR, O_IKE, O_CASES, O_WINDOW, O_NAME,
    O_JSON, O_JUNIT, O_LOG, O_SEED, O_LIST, O_CUE, O_SOAK, O_LOSS, O_DUP, O_REORDER, O_DELAY,
    O_REFUSE
};
enum { O_NETNS = 0x300 };

int cmd_check(int argc, char **argv)
{
    static const struct option lo[] = {
        {"initiator-cmd", 1, 0, O_CMD}, {"external", 0, 0, O_EXT},  {"listen", 1, 0, O_LISTEN},
        {"psk-file", 1, 0, O_PSK},      {"idi", 1, 0, O_IDI},       {"idr", 1, 0, O_IDR},
        {"ike", 1, 0, O_IKE},           {"cases", 1, 0, O_CASES},   {"window", 1, 0, O_WINDOW},
        {"name", 1, 0, O_NAME},         {"json", 1, 0, O_JSON},     {"junit", 1, 0, O_JUNIT},
        {"initiator-log", 1, 0, O_LOG}, {"seed", 1, 0, O_SEED},     {"list", 0, 0, O_LIST},
        {"netns", 0, 0, O_NETNS},
        {"cue-timeout", 1, 0, O_CUE},   {"soak", 1, 0, O_SOAK},     {"loss", 1, 0, O_LOSS},
        {"dup", 1, 0, O_DUP},           {"reorder", 1, 0, O_REORDER}, {"delay", 1, 0, O_DELAY},
        {"refuse-child", 0, 0, O_REFUSE},
        {"verbose", 0, 0, 'v'},         {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    chk_opts o;
    static chk_setup su;
    static cli_common cc;
    static bool sel[65536];
    const char *listen = "127.0.0.1:15300", *psk_path = NULL, *ike = NULL, *cases = NULL;
    const char *json = NULL, *junit = NULL, *name = NULL;
    bool list = false, any_sel = false;
    uint64_t v64;
    chk_soak_opts so = {0};
    int opt, rc = 0;
    bool netns = false;

    memset(&o, 0, sizeof o);
    memset(&su, 0, sizeof su);
    o.window_ms = 8000;
    o.cue_ms = 120000;
    o.idi_str = "fqdn:initiator.check";
    o.idr_str = "fqdn:responder.check";
    o.seed = 1;
    so.delay_ms = 300;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
        switch (opt) {
        case O_CMD: o.cmd = optarg; break;
        case O_EXT: o.external = true; break;
        case O_LISTEN: listen = optarg; break;
        case O_PSK: psk_path = optarg; break;
        case O_IDI: o.idi_str = optarg; break;
        case O_IDR: o.idr_str = optarg; break;
        case O_IKE: ike = optarg; break;
        case O_CASES: cases = optarg; break;
        case O_NAME: name = optarg; break;
        case O_NETNS: netns = true; break;
        case O_JSON: json = optarg; break;
        case O_JUNIT: junit = optarg; break;
        case O_LOG: o.initiator_log = optarg; break;
        case O_LIST: list = true; break;
        case O_REFUSE: su.refuse_child = MK_N_TS_UNACCEPTABLE; break;
        case O_WINDOW:
            if ((rc = cli_parse_range(optarg, 500, 600000, &v64, "--window")))
                return rc;
            o.window_ms = (uint32_t)v64;
            break;
        case O_CUE:
            if ((rc = cli_parse_range(optarg, 1, 3600, &v64, "--cue-timeout")))
                return rc;
            o.cue_ms = (uint32_t)v64 * 1000u;
            break;
        case O_SEED:
            if ((rc = cli_parse_u64(optarg, UINT64_MAX, &o.seed, "--seed")))
                return rc;
            break;
        case O_SOAK:
            if ((rc = cli_parse_range(optarg, 1, 100000, &v64, "--soak")))
                return rc;
            so.n = (uint32_t)v64;
            break;
        case O_LOSS:
        case O_DUP:
        case O_REORDER:
            if ((rc = cli_parse_range(optarg, 0, 90, &v64, "--loss/--dup/--reorder")))
                return rc;
            if (opt == O_LOSS)
                so.loss = (uint8_t)v64;
            else if (opt == O_DUP)
                so.dup = (uint8_t)v64;
            else
                so.reorder = (uint8_t)v64;
            break;
        case O_DELAY:
            if ((rc = cli_parse_range(optarg, 0, 10000, &v64, "--delay")))
                return rc;
            so.delay_ms = (uint32_t)v64;
            break;
        case 'v': o.verbose++; break;
        case 'h': fputs(help, stdout); return EX_OK;
        default: return cli_usage_error(argv, opt, "check");
        }
    }
    if (optind < argc)
        return cli_unexpected_arg(argv[optind], "see minike check --help");
    if (list) {
        chk_list(stdout, o.verbose > 0);
        return EX_OK;
    }
    if ((o.cmd == NULL) == !o.external)
        return cli_fail(EX_USAGE, "command line", "give --initiator-cmd or --external",
                        "see minike check --help");
    if (o.cmd && chk_check_template(o.cmd) != 0)
        return cli_fail(EX_USAGE, "--initiator-cmd", "unknown {placeholder} or too long",
                        "placeholders: {addr} {port} {pskfile} {idi} {idr} {case}");
    if (cases && parse_cases(cases, sel) != 0)
        return cli_fail(EX_USAGE, "--cases", "want numbers and ranges such as 1-20,33", NULL);
    if (netns) {
        char why[160];
        if (o.external || strcmp(listen, "127.0.0.1:15300") != 0)
            return cli_fail(EX_USAGE, "--netns", "cannot go with --external or --listen",
                            "--netns picks " CHK_NETNS_R_ADDR ":500 itself");
        if (chk_netns_up(why, sizeof why) != 0)
            return cli_fail(EX_USAGE, "--netns", why,
                            "run as root, or use --listen 127.0.0.1:PORT (non-ESP marker)");
        listen = CHK_NETNS_R_ADDR ":500";
        o.ini_netns = chk_netns_initiator();
    }
    if (!mk_io_parse_addr(listen, 15300, &o.listen) || o.listen.port == 0)
        return cli_fail(EX_USAGE, "--listen", "want ADDR:PORT (numeric)", NULL);
    if ((rc = cli_parse_id(o.idi_str, &su.idi, "--idi")) ||
        (rc = cli_parse_id(o.idr_str, &su.idr, "--idr")))
        return rc;
    const char *ikes = ike ? ike
                           : "aes128gcm16-prfsha256-x25519,aes256gcm16-prfsha256-x25519,"
                             "chacha20poly1305-prfsha256-x25519,aes128gcm16-prfsha256-ecp256";
    size_t n_ike = 0;
    mk_ike_suite tmp[MK_MAX_SUITES];
    if ((rc = cli_parse_ike(ikes, tmp, &n_ike)))
        return rc;
    su.n_ike = n_ike > 4 ? 4 : n_ike;
    memcpy(su.ike, tmp, su.n_ike * sizeof tmp[0]);
    su.suites = mk_suites_default();
    for (size_t i = 0; i < su.n_ike; i++) {
        const mk_encr_class *e = mk_suite_encr(su.suites, su.ike[i].encr,
                                               su.ike[i].encr_bits ? su.ike[i].encr_bits : 256);
        if (e == NULL || !e->aead)
            return cli_fail(EX_CONFIG, "--ike", "the checker serves AEAD IKE suites only",
                            "aes128gcm16, aes256gcm16, chacha20poly1305");
    }

    /* the PSK: given, or a fresh one in a private temporary file removed at the end */
    char tmpl[] = "/tmp/minike-check-psk-XXXXXX";
    bool own_psk = psk_path == NULL;
    if (own_psk) {
        /* text, not 0x-hex: every initiator reads the file's octets as the key */
        uint8_t k[24];
        char hex[2 + 49];
        int fd = mkstemp(tmpl);
        if (fd < 0)
            return cli_fail(EX_CONFIG, "PSK file", strerror(errno), "check /tmp");
        randombytes_buf(k, sizeof k);
        sodium_bin2hex(hex, sizeof hex, k, sizeof k);
        sodium_memzero(k, sizeof k);
        if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex)) {
            close(fd);
            unlink(tmpl);
            return cli_fail(EX_CONFIG, "PSK file", strerror(errno), "check /tmp");
        }
        close(fd);
        sodium_memzero(hex, sizeof hex);
        psk_path = tmpl;
    }
    if ((rc = cli_load_psk_file(psk_path, &cc))) {
        if (own_psk)
            unlink(tmpl);
        return rc;
    }
    memcpy(su.psk, cc.psk, cc.psk_len);
    su.psk_len = cc.psk_len;
    sodium_memzero(cc.psk, sizeof cc.psk);
    o.psk_path = psk_path;
    su.local = o.listen;

    static mk_io io;
    memset(&io, 0, sizeof io);
    io.stop = &cli_stop_flag;
    mk_io_status st = mk_io_open(&io, &o.listen, o.listen.port == MK_PORT_IKE ? MK_PORT_NATT : 0);
    if (st != MK_IO_OK) {
        if (own_psk)
            unlink(tmpl);
        return cli_fail(EX_USAGE, "--listen", strerror(io.last_errno),
                        "pick a free port (as root for 500)");
    }

    if (so.n > 0) {
        rc = chk_soak(&so, &su, &o, &io);
        mk_io_close(&io);
        if (own_psk)
            unlink(tmpl);
        return rc;
    }

    for (size_t i = 0; i < chk_n_cases; i++)
        any_sel = any_sel || sel[chk_cases[i].id];
    chk_result *res = calloc(chk_n_cases, sizeof *res);
    size_t n = 0;
    bool fail = false, err = false;
    if (res == NULL) {
        mk_io_close(&io);
        if (own_psk)
            unlink(tmpl);
        return cli_fail(EX_INTERNAL, "memory", "out of memory", NULL);
    }
    for (size_t i = 0; i < chk_n_cases && !cli_stop_flag; i++) {
        const chk_case *c = &chk_cases[i];
        if (any_sel && !sel[c->id])
            continue;
        chk_result *r = &res[n++];
        (void)chk_run_case(c, &su, &o, &io, r);
        printf("C%03u %-10s %-5s %s: %s (%u ms)\n", (unsigned)c->id, c->cat,
               chk_verdict_name(r->v), c->title, r->why, r->ms);
        if (r->v == CHK_FAIL) {
            printf("     %s: \"%s\"\n", c->rfc, c->quote);
            if (r->trace)
                fputs(r->trace, stdout);
        }
        fflush(stdout);
        fail = fail || r->v == CHK_FAIL;
        err = err || r->v == CHK_ERROR;
    }
    mk_io_close(&io);
    if (own_psk)
        unlink(tmpl);
    chk_print_table(stdout, res, n);
    const char *who = name ? name : o.cmd ? o.cmd : "external";
    if (json && chk_write_json(json, who, res, n) != 0)
        err = true, cli_fail(EX_CONFIG, "--json", "cannot write the report", json);
    if (junit && chk_write_junit(junit, who, res, n) != 0)
        err = true, cli_fail(EX_CONFIG, "--junit", "cannot write the report", junit);
    for (size_t i = 0; i < n; i++)
        free(res[i].trace);
    free(res);
    if (cli_stop_flag)
        return EX_SIGNAL;
    return err ? 2 : fail ? 1 : 0;
}
