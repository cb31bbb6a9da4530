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
    "  --auth psk|rpk       how both sides authenticate (default psk). rpk: raw public keys\n"
    "                       (RFC 7670 CERT(15), RFC 7427 method 14) in every case, and the\n"
    "                       raw-key cases run (N/A with psk); placeholders {keyfile} (the\n"
    "                       initiator's private key, DER), {keypub} (its public key, PEM),\n"
    "                       {peerpub} (the checker's public key, PEM: pin it)\n"
    "  --key F              the checker's private key (default: a fresh one per run)\n"
    "  --key-type rsa|ed25519  type of that fresh key (default rsa: the case with a hash\n"
    "                       the initiator did not announce needs RSA)\n"
    "  --initiator-pub F    the initiator's public key (default: the checker makes a fresh\n"
    "                       key pair, --initiator-key-type ed25519|rsa, for {keyfile})\n"
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
    O_REFUSE, O_AUTH, O_KEY, O_KEYTYPE, O_INIPUB, O_INITYPE
};
enum { O_NETNS = 0x300 };

/* Raw keys: the files of one run in a private directory, removed at the end. */
typedef struct rpk_files {
    char dir[64], keyfile[96], keypub[96], peerpub[96];
    chk_setup *su; /* its private keys are wiped at the end */
} rpk_files;

static void os_rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}

static void rpk_cleanup(rpk_files *f)
{
    if (f->su != NULL) {
        sodium_memzero(f->su->key, sizeof f->su->key);
        sodium_memzero(f->su->other, sizeof f->su->other);
        f->su = NULL;
    }
    if (f->dir[0] == 0)
        return;
    unlink(f->keyfile);
    unlink(f->keypub);
    unlink(f->peerpub);
    rmdir(f->dir);
    f->dir[0] = 0;
}

static int write_pem(const char *path, const uint8_t *spki, size_t len)
{
    char pem[2048];
    int n = cli_pem_encode("PUBLIC KEY", spki, len, pem, sizeof pem);
    if (n <= 0)
        return cli_fail(EX_INTERNAL, "raw keys", "cannot encode a public key", NULL);
    return cli_write_atomic(path, pem, (size_t)n, 0644, true, "raw key file");
}

static int key_type_arg(const char *v, uint8_t *t, const char *opt)
{
    if (!strcmp(v, "rsa"))
        *t = MK_KEY_RSA;
    else if (!strcmp(v, "ed25519"))
        *t = MK_KEY_ED25519;
    else
        return cli_fail(EX_USAGE, opt, "unknown key type", "rsa or ed25519");
    return 0;
}

/* The checker's key, the initiator's (trusted) key, an unrelated Ed25519 key, and the files the
 * template reads. */
static int rpk_setup(chk_setup *su, chk_opts *o, rpk_files *f, const char *key_path,
                     uint8_t key_type, const char *ini_pub, uint8_t ini_type)
{
    static cli_key k;
    static uint8_t der[CLI_MAX_PRIV];
    size_t dl = 0;
    int rc;
    if (key_path != NULL)
        rc = cli_load_private_key(key_path, &k, "--key");
    else
        rc = cli_keygen_mem(key_type, 2048, os_rng, NULL, &k, der, sizeof der, &dl);
    if (rc)
        return rc;
    if (k.priv_len > sizeof su->key || k.spki_len > sizeof su->spki)
        return cli_fail(EX_USAGE, "--key", "key too large for the checker", "RSA up to 4096");
    f->su = su;
    su->rpk = true;
    su->key_type = k.type;
    memcpy(su->key, k.priv, k.priv_len);
    su->key_len = k.priv_len;
    memcpy(su->spki, k.spki, k.spki_len);
    su->spki_len = k.spki_len;
    sodium_memzero(&k, sizeof k);
    /* the unrelated key of the wrong-key cases */
    if ((rc = cli_keygen_mem(MK_KEY_ED25519, 0, os_rng, NULL, &k, der, sizeof der, &dl)))
        return rc;
    memcpy(su->other, k.priv, sizeof su->other);
    memcpy(su->other_spki, k.spki, k.spki_len);
    su->other_spki_len = k.spki_len;
    sodium_memzero(&k, sizeof k);
    snprintf(f->dir, sizeof f->dir, "/tmp/minike-check-rpk-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        f->dir[0] = 0;
        return cli_fail(EX_CONFIG, "raw key files", strerror(errno), "check /tmp");
    }
    snprintf(f->keyfile, sizeof f->keyfile, "%s/initiator.key", f->dir);
    snprintf(f->keypub, sizeof f->keypub, "%s/initiator.pub.pem", f->dir);
    snprintf(f->peerpub, sizeof f->peerpub, "%s/checker.pub.pem", f->dir);
    if ((rc = write_pem(f->peerpub, su->spki, su->spki_len)))
        return rc;
    o->peerpub = f->peerpub;
    if (ini_pub != NULL) {
        size_t n = 0;
        if ((rc = cli_load_public_key(ini_pub, su->ini_spki, &n, "--initiator-pub")))
            return rc;
        su->ini_spki_len = n;
        o->keypub = ini_pub;
        return 0;
    }
    if ((rc = cli_keygen_mem(ini_type, 2048, os_rng, NULL, &k, der, sizeof der, &dl)))
        return rc;
    memcpy(su->ini_spki, k.spki, k.spki_len);
    su->ini_spki_len = k.spki_len;
    sodium_memzero(&k, sizeof k);
    rc = cli_write_atomic(f->keyfile, der, dl, 0600, true, "raw key file");
    sodium_memzero(der, sizeof der);
    if (rc || (rc = write_pem(f->keypub, su->ini_spki, su->ini_spki_len)))
        return rc;
    o->keyfile = f->keyfile;
    o->keypub = f->keypub;
    return 0;
}

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
        {"refuse-child", 0, 0, O_REFUSE}, {"auth", 1, 0, O_AUTH},   {"key", 1, 0, O_KEY},
        {"key-type", 1, 0, O_KEYTYPE},  {"initiator-pub", 1, 0, O_INIPUB},
        {"initiator-key-type", 1, 0, O_INITYPE},
        {"verbose", 0, 0, 'v'},         {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    chk_opts o;
    static chk_setup su;
    static cli_common cc;
    static bool sel[65536];
    const char *listen = "127.0.0.1:15300", *psk_path = NULL, *ike = NULL, *cases = NULL;
    const char *json = NULL, *junit = NULL, *name = NULL;
    bool list = false, any_sel = false, rpk = false;
    const char *key_path = NULL, *ini_pub = NULL;
    uint8_t key_type = MK_KEY_RSA, ini_type = MK_KEY_ED25519;
    static rpk_files rf;
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
        case O_AUTH:
            if (strcmp(optarg, "psk") != 0 && strcmp(optarg, "rpk") != 0)
                return cli_fail(EX_USAGE, "--auth", "unknown method", "psk or rpk");
            rpk = !strcmp(optarg, "rpk");
            break;
        case O_KEY: key_path = optarg; break;
        case O_INIPUB: ini_pub = optarg; break;
        case O_KEYTYPE:
        case O_INITYPE:
            if ((rc = key_type_arg(optarg, opt == O_KEYTYPE ? &key_type : &ini_type,
                                   opt == O_KEYTYPE ? "--key-type" : "--initiator-key-type")))
                return rc;
            break;
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
                        "placeholders: {addr} {port} {pskfile} {idi} {idr} {case} {keyfile} "
                        "{keypub} {peerpub}");
    if (o.cmd && !rpk && (strstr(o.cmd, "{keyfile}") || strstr(o.cmd, "{keypub}") ||
                          strstr(o.cmd, "{peerpub}")))
        return cli_fail(EX_USAGE, "--initiator-cmd", "raw-key placeholders with --auth psk",
                        "add --auth rpk");
    if (!rpk && (key_path || ini_pub))
        return cli_fail(EX_USAGE, "--key / --initiator-pub", "raw keys need --auth rpk",
                        "add --auth rpk");
    if (o.cmd && ini_pub && strstr(o.cmd, "{keyfile}"))
        return cli_fail(EX_USAGE, "{keyfile}", "with --initiator-pub the checker has no "
                        "private key for the initiator", "put your key's path in the template");
#if !MK_RPK
    if (rpk)
        return cli_fail(EX_USAGE, "--auth rpk", "built without raw public keys (MK_RPK)", NULL);
#endif
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
        rpk_cleanup(&rf);
        return rc;
    }
    memcpy(su.psk, cc.psk, cc.psk_len);
    su.psk_len = cc.psk_len;
    sodium_memzero(cc.psk, sizeof cc.psk);
    o.psk_path = psk_path;
    su.local = o.listen;
    if (rpk && (rc = rpk_setup(&su, &o, &rf, key_path, key_type, ini_pub, ini_type))) {
        if (own_psk)
            unlink(tmpl);
        rpk_cleanup(&rf);
        return rc;
    }

    static mk_io io;
    memset(&io, 0, sizeof io);
    io.stop = &cli_stop_flag;
    mk_io_status st = mk_io_open(&io, &o.listen, o.listen.port == MK_PORT_IKE ? MK_PORT_NATT : 0);
    if (st != MK_IO_OK) {
        if (own_psk)
            unlink(tmpl);
        rpk_cleanup(&rf);
        return cli_fail(EX_USAGE, "--listen", strerror(io.last_errno),
                        "pick a free port (as root for 500)");
    }

    if (so.n > 0) {
        rc = chk_soak(&so, &su, &o, &io);
        mk_io_close(&io);
        if (own_psk)
            unlink(tmpl);
        rpk_cleanup(&rf);
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
        rpk_cleanup(&rf);
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
    rpk_cleanup(&rf);
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
