/* SPDX-License-Identifier: MIT */
/*
 * demo: `minike demo`, the garage door of the 2011 "Minimal IKEv2" talk, end to end on
 * loopback. The door (harness/lib/peer + the door server of respond.c) runs in a thread on
 * 127.0.0.1 with ephemeral ports; the device presses 1 (OPEN) and 2 (CLOSE). Each press:
 * wake, IKE_SA_INIT + IKE_AUTH, the command inside ESP, ACK, a STATUS a second while the door
 * moves (the LED blinks), DONE, a quiet timeout, then sleep forgetting (or --delete: deleting)
 * the SA. The next press builds a fresh IKE SA. No root, no config: the PSK is made on the spot.
 */
#define _DEFAULT_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char demo_help[] =
    "usage: minike demo [options]\n"
    "\n"
    "The garage-door opener from the 2011 Minimal IKEv2 talk, on loopback UDP: the door\n"
    "(a full IKEv2 responder) runs in-process on 127.0.0.1, the device presses OPEN then\n"
    "CLOSE, each time waking up, building a fresh IKE SA + ESP SA, sending the command in ESP,\n"
    "blinking on every STATUS, and going back to sleep after DONE and a quiet timeout.\n"
    "\n"
    "  --travel SEC           door travel time (default 3)\n"
    "  --quiet-timeout SEC    stay awake this long after DONE (default 2; 0 allowed)\n"
    "  --delete               delete the IKE SA before sleeping (RFC 7815 B.1) instead of\n"
    "                         forgetting it\n"
    "  --ike P / --esp P      proposals (default aes128gcm16-prfsha256-x25519 / aes128gcm16)\n"
    "  --auth psk|ed25519|rsa authentication (default psk). ed25519 / rsa: raw public keys\n"
    "                         made on the spot (RFC 7815 B.2); the door pins the device's key,\n"
    "                         the device imprints the door's on press 1 and requires it on 2\n"
    "  --pcap FILE            capture (ports shown as 500/4500 unless --pcap-raw-ports)\n"
    "  --pcap-raw-ports       keep the real (ephemeral) ports in the capture\n"
    "  --keys DIR             Wireshark decryption tables\n"
    "  --force                replace an existing --pcap file or a non-empty --keys DIR\n"
    "  --seed N               reproducible SPIs, nonces, DH keys and PSK\n"
    "  -v                     hex dumps in hexl_print style, and the core's trace\n"
    "  --core general|tiny    tiny: the device runs the template core (ref/tiny): PSK and\n"
    "                         chacha20poly1305-prfsha256-x25519 only, no --delete\n"
    "  --device               the device is the Cortex-M4 firmware in QEMU (harness/device;\n"
    "                         with --travel --quiet-timeout --pcap --keys --seed only)\n"
    "exit codes: see minike --help\n";

typedef struct press_stats {
    const char *cmd;
    uint64_t ike_bytes, esp_bytes, ike_dgrams, esp_dgrams, ms;
    uint32_t ike_rt, esp_tx, esp_rx, blinks;
    int rc;
} press_stats;

/* What the capture counted since the press began (ib, eb, id, ed: its counts then); the door's
 * thread adds to them, hence the lock. */
static void press_traffic(press_stats *p, cli_capture *cap, uint64_t ib, uint64_t eb, uint64_t id,
                          uint64_t ed)
{
    pthread_mutex_lock(&cap->lock);
    p->ike_bytes = cap->ike_bytes - ib;
    p->esp_bytes = cap->esp_bytes - eb;
    p->ike_dgrams = cap->ike_dgrams - id;
    p->esp_dgrams = cap->esp_dgrams - ed;
    pthread_mutex_unlock(&cap->lock);
}

static volatile sig_atomic_t door_stop;

static void *door_thread(void *arg)
{
    cli_server *s = arg;
    (void)server_run(s);
    return NULL;
}

int cli_demo_device(int argc, char **argv); /* demo_device.c */

int cmd_demo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* the firmware as the device: harness/device/demo.sh */
        if (!strcmp(argv[i], "--device"))
            return cli_demo_device(argc, argv);
    static const struct option lo[] = {
        {"travel", 1, 0, 't'}, {"quiet-timeout", 1, 0, 'Q'}, {"delete", 0, 0, 'D'},
        {"pcap", 1, 0, 'c'},   {"keys", 1, 0, 'k'},           {"seed", 1, 0, 's'},
        {"ike", 1, 0, 'I'},    {"esp", 1, 0, 'E'},            {"help", 0, 0, 'h'},
        {"pcap-raw-ports", 0, 0, 'W'}, {"auth", 1, 0, OPT_AUTH},
        {"force", 0, 0, OPT_FORCE},    {"core", 1, 0, OPT_CORE},
        {0, 0, 0, 0}};
    static const char *cmds[2] = {"OPEN", "CLOSE"};
    static cli_common c; /* large (keys): not on the stack */
    static cli_key door_key;
    cli_imprint imprint;
    uint8_t key_type = MK_KEY_NONE;
    cli_server *door;
    cli_dev *d;
    cli_capture cap;
    cli_show show;
    pthread_t th;
    mk_addr lo_addr;
    press_stats ps[2];
    uint64_t travel = 3, quiet = 2;
    bool del = false, tiny;
    int opt, r, rc = 0;
    mk_io_drbg psk_drbg;

    if ((r = cli_core_arg(argc, argv)) < 0)
        return -r;
    tiny = r == 1; /* --core tiny: the device is the template core (initiate_tiny.c) */
    memset(&c, 0, sizeof(c));
    memset(&imprint, 0, sizeof(imprint));
    memset(ps, 0, sizeof(ps));
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
        r = cli_common_opt(&c, opt, optarg);
        if (r < 0)
            return -r;
        if (r == 1)
            continue;
        r = 0;
        switch (opt) {
        case 'h': fputs(demo_help, stdout); return EX_OK;
        case OPT_CORE: break; /* checked by cli_core_arg */
        case 't':
            r = cli_parse_u64(optarg, 60, &travel, "--travel");
            if (!r && travel == 0)
                r = cli_fail(EX_USAGE, "--travel '0'", "the door needs some travel time",
                             "give 1 to 60 seconds");
            break;
        case 'Q': r = cli_parse_u64(optarg, 60, &quiet, "--quiet-timeout"); break;
        case 'D':
            del = true;
            r = cli_check_delete(); /* before the SA: a build without MK_DELETE refuses it */
            break;
        case OPT_AUTH:
            if (!strcmp(optarg, "psk"))
                key_type = MK_KEY_NONE;
            else if (!strcmp(optarg, "ed25519"))
                key_type = MK_KEY_ED25519;
            else if (!strcmp(optarg, "rsa"))
                key_type = MK_KEY_RSA;
            else
                r = cli_fail(EX_USAGE, "--auth", "unknown method", "use psk, ed25519 or rsa");
            break;
        default: r = cli_usage_error(argv, opt, "demo"); break;
        }
        if (r != 0)
            return r;
    }
    if (optind < argc)
        return cli_unexpected_arg(argv[optind], "see minike demo --help");
    if (tiny && (r = tiny_demo_options(&c, key_type != MK_KEY_NONE, del)) != 0)
        return r; /* the template core's one profile, which the door then serves */
    cli_set_default_suites(&c);
    if ((r = cli_check_suites(&c)) != 0)
        return r;

    /* No config: a fresh 32-octet PSK shared by the two ends, identities from the talk. */
    c.psk_len = 32;
    if (c.seeded) {
        mk_io_drbg_init(&psk_drbg, c.seed, 2);
        mk_io_rng_drbg(&psk_drbg, c.psk, c.psk_len);
        mk_wipe(&psk_drbg, sizeof(psk_drbg));
    } else {
        mk_io_rng_os(NULL, c.psk, c.psk_len);
    }
    /* Raw public keys (RFC 7815 B.2, the talk's "raw RSA keys"): both made on the spot. The door
     * knows the device's key (its fingerprint is what gets distributed); the device imprints the
     * door's key on press 1 and accepts only that key on press 2. */
    if (key_type != MK_KEY_NONE) {
        uint8_t der[CLI_MAX_PRIV];
        size_t dl;
        mk_io_drbg kd;
        mk_io_drbg_init(&kd, c.seeded ? c.seed : 0, 3);
        if (!c.seeded)
            r = cli_keygen_mem(key_type, 2048, mk_io_rng_os, NULL, &c.key, der, sizeof der, &dl);
        else
            r = cli_keygen_mem(key_type, 2048, mk_io_rng_drbg, &kd, &c.key, der, sizeof der, &dl);
        if (r == 0) {
            mk_io_drbg_init(&kd, c.seeded ? c.seed : 0, 4);
            r = c.seeded ? cli_keygen_mem(key_type, 2048, mk_io_rng_drbg, &kd, &door_key, der,
                                          sizeof der, &dl)
                         : cli_keygen_mem(key_type, 2048, mk_io_rng_os, NULL, &door_key, der,
                                          sizeof der, &dl);
        }
        mk_wipe(der, sizeof der);
        mk_wipe(&kd, sizeof kd);
        if (r != 0) {
            cli_common_wipe(&c);
            mk_wipe(&door_key, sizeof door_key);
            return r;
        }
        c.have_key = true;
        mk_wipe(c.psk, sizeof c.psk);
        c.psk_len = 0;
    }
    (void)cli_parse_id("keyid:6761726167652d72656d6f7465", &c.id, "--id"); /* "garage-remote" */
    (void)cli_parse_id("@door.garage.example", &c.remote_id, "--remote-id");
    (void)cli_parse_ts("10.99.20.0/24", &c.tsi, "--tsi");
    (void)cli_parse_ts("10.99.10.0/24", &c.tsr, "--tsr");

    door = calloc(1, sizeof(*door));
    d = calloc(1, sizeof(*d));
    if (door == NULL || d == NULL) {
        free(door);
        free(d);
        return cli_fail(EX_INTERNAL, "demo", "out of memory", "");
    }
    show_init(&show, c.verbose);
    if ((r = capture_open(&cap, &c)) != 0) {
        free(door);
        free(d);
        return r;
    }

    /* the door */
    door->pcfg.suites = mk_suites_default();
    memcpy(door->pcfg.ike, c.ike, sizeof(c.ike));
    door->pcfg.n_ike = c.n_ike;
    memcpy(door->pcfg.esp, c.esp, sizeof(c.esp));
    door->pcfg.n_esp = c.n_esp;
    door->pcfg.psk = c.psk;
    door->pcfg.psk_len = c.psk_len;
    door->pcfg.idr = c.remote_id;
    door->pcfg.idi = c.id;
    door->pcfg.tsr = c.tsr;
    door->pcfg.natt = true;
    if (key_type != MK_KEY_NONE) {
        door->pcfg.auth_method = MK_AUTH_DIGSIG;
        door->pcfg.priv_key = door_key.priv;
        door->pcfg.priv_key_len = door_key.priv_len;
        door->pcfg.spki = door_key.spki;
        door->pcfg.spki_len = door_key.spki_len;
        door->pcfg.peer_spki = c.key.spki; /* the device's key, distributed like a PSK */
        door->pcfg.peer_spki_len = c.key.spki_len;
        door->pcfg.psk = NULL;
        door->pcfg.psk_len = 0;
    }
    if (c.seeded) {
        mk_io_drbg_init(&door->drbg, c.seed, 1);
        door->env.ctx = &door->drbg;
        door->env.rng = mk_io_rng_drbg;
    } else {
        door->env.rng = mk_io_rng_os;
    }
    door->show = &show;
    door->who = "door";
    door->travel_ms = (uint32_t)travel * 1000u;
    door->stop = &door_stop;
    (void)mk_io_parse_addr("127.0.0.1", 0, &lo_addr);
    if ((rc = server_start(door, &lo_addr, 0)) != 0)
        goto out_cap;
    door_stop = 0;
    if (pthread_create(&th, NULL, door_thread, door) != 0) {
        rc = cli_fail(EX_INTERNAL, "demo", "cannot start the door thread", "");
        server_stop(door);
        goto out_cap;
    }
    {
        char a[80], ik[96], es[64];
        cli_format_ike(&c.ike[0], ik, sizeof(ik));
        cli_format_esp(&c.esp[0], es, sizeof(es));
        if (key_type == MK_KEY_NONE) {
            show_line(&show, mk_io_now_ms(), "demo",
                      "door listening on %s (loopback, non-ESP marker); PSK: 32 fresh random "
                      "octets; IKE %s, ESP %s",
                      addr_str(&door->io.local[MK_IO_IKE], a, sizeof(a)), ik, es);
        } else {
            uint8_t fp[MK_FP_LEN];
            char dh[2 * MK_FP_LEN + 1], kh[2 * MK_FP_LEN + 1];
            mk_spki_fingerprint(door_key.spki, door_key.spki_len, fp);
            cli_format_fp(fp, dh);
            mk_spki_fingerprint(c.key.spki, c.key.spki_len, fp);
            cli_format_fp(fp, kh);
            show_line(&show, mk_io_now_ms(), "demo",
                      "door listening on %s (loopback, non-ESP marker); raw %s keys: door "
                      "sha256:%.16s..., device sha256:%.16s... (the door knows the device's key; "
                      "the device imprints the door's); IKE %s, ESP %s",
                      addr_str(&door->io.local[MK_IO_IKE], a, sizeof(a)),
                      cli_key_type_name(key_type), dh, kh, ik, es);
        }
    }

    d->seeded = c.seeded;
    if (c.seeded)
        mk_io_drbg_init(&d->drbg, c.seed, 0);
    for (int press = 0; press < 2 && rc == 0 && !cli_stop_flag; press++) {
        uint64_t t0 = mk_io_now_ms(), ib, eb, id, ed;
        mk_addr door_addr = door->io.local[MK_IO_IKE];
        bool seeded = d->seeded;
        mk_io_drbg drbg = d->drbg;

        memset(d, 0, sizeof(*d));
        d->seeded = seeded;
        d->drbg = drbg;
        mk_wipe(&drbg, sizeof(drbg));
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
        d->cfg.tunnel = true;
        d->cfg.natt = true;
        d->cfg.force_4500 = true; /* the door is not on port 500: marker from the start */
        d->cfg.total_ms = 10000;
        if (key_type != MK_KEY_NONE) {
            imprint.seen = imprint.imprinted = imprint.matched = imprint.changed = false;
            if ((rc = cli_rpk_config(&c, &d->cfg, &imprint)) != 0)
                break;
            d->imprint = &imprint;
        }
        d->show = &show;
        d->cap = &cap;
        d->who = "device";
        d->stop = &cli_stop_flag;
        pthread_mutex_lock(&cap.lock);
        ib = cap.ike_bytes, eb = cap.esp_bytes, id = cap.ike_dgrams, ed = cap.esp_dgrams;
        pthread_mutex_unlock(&cap.lock);

        show_line(&show, t0, "device", "== press %d (%s): wake up, new IKE SA ==", press + 1,
                  cmds[press]);
        if (tiny) { /* the template core presses instead (initiate_tiny.c) */
            tiny_press_out o = {0};
            rc = tiny_demo_press(&c, &lo_addr, &door_addr, cmds[press], (uint32_t)travel * 1000u,
                                 (uint32_t)quiet * 1000u, &show, &cap,
                                 d->seeded ? &d->drbg : NULL, &o);
            ps[press] = (press_stats){.cmd = cmds[press], .ike_rt = o.ike_rt, .esp_tx = o.esp_tx,
                                      .esp_rx = o.esp_rx, .blinks = o.blinks, .rc = rc};
            ps[press].ms = mk_io_now_ms() - t0;
            press_traffic(&ps[press], &cap, ib, eb, id, ed);
            continue;
        }
        rc = dev_connect(d, &lo_addr, &door_addr, &door_addr);
        if (rc == 0)
            rc = dev_establish(d, 10000);
        if (rc == 0) {
            show_line(&show, mk_io_now_ms(), "device",
                      "   SA up: ESP out %08x / in %08x; sending %s", d->sa.spi_out,
                      d->sa.spi_in, cmds[press]);
            cli_app_door(&d->app, cmds[press], (uint32_t)quiet * 1000u);
            rc = dev_traffic(d, (uint32_t)travel * 1000u + 15000u);
            if (rc == 0 && !d->app.got_done)
                rc = cli_fail(EX_TIMEOUT, "garage door", "no DONE from the door", "");
        }
        if (rc == 0) {
            if (del) {
                show_line(&show, mk_io_now_ms(), "device", "   quiet: deleting the IKE SA");
                rc = dev_delete(d, 10000);
            }
            show_line(&show, mk_io_now_ms(), "device", "   sleep (%s)",
                      del ? "SA deleted" : "SA forgotten, no Delete sent");
        }
        ps[press].cmd = cmds[press];
        ps[press].ike_rt = d->ike_round_trips;
        ps[press].esp_tx = d->esp_tx;
        ps[press].esp_rx = d->esp_rx;
        ps[press].blinks = d->app.led_blinks;
        ps[press].ms = mk_io_now_ms() - t0;
        ps[press].rc = rc;
        dev_close(d);
        press_traffic(&ps[press], &cap, ib, eb, id, ed);
    }
    door_stop = 1;
    pthread_join(th, NULL);
    server_stop(door);

    if (rc == 0 && cli_stop_flag)
        rc = cli_fail(EX_SIGNAL, "demo", "interrupted by a signal", "");
    if (rc == 0) {
        printf("\nsummary (UDP payload octets; add 28 per datagram for IPv4 + UDP headers)\n");
        printf("  press  cmd    IKE dgrams  IKE bytes  IKE RTs  ESP out/in  ESP bytes  blinks"
               "  total bytes  time\n");
        for (int i = 0; i < 2; i++) {
            uint64_t tb = ps[i].ike_bytes + ps[i].esp_bytes;
            uint64_t dg = ps[i].ike_dgrams + ps[i].esp_dgrams;
            printf("  %-5d  %-5s  %10llu  %9llu  %7u  %4u/%-5u  %9llu  %6u  %11llu  %.1f s\n",
                   i + 1, ps[i].cmd, (unsigned long long)ps[i].ike_dgrams,
                   (unsigned long long)ps[i].ike_bytes, ps[i].ike_rt, ps[i].esp_tx,
                   ps[i].esp_rx, (unsigned long long)ps[i].esp_bytes, ps[i].blinks,
                   (unsigned long long)tb, (double)ps[i].ms / 1000.0);
            (void)dg;
        }
    }
out_cap:
    {
        int r2 = capture_close(&cap);
        if (rc == 0)
            rc = r2;
    }
    cli_common_wipe(&c);
    mk_wipe(&door_key, sizeof door_key);
    mk_wipe(d, sizeof(*d));
    free(door);
    free(d);
    return rc;
}
