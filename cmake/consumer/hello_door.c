/* SPDX-License-Identifier: MIT */
/*
 * hello_door: the smallest program a vendor writes against the installed minike package: one
 * IKE SA (IKE_SA_INIT + IKE_AUTH, PSK, ChaCha20-Poly1305 + X25519) with a responder, through the
 * core (minike.h) and its POSIX loop (mk_io.h). Built twice by cmake/test_install.sh: with
 * `pkg-config minike` and with `find_package(minike)`.
 * usage: hello_door PEER_IP:IKE_PORT NATT_PORT PSK_TEXT   exit 0 once established
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minike.h>
#include <minike_tools.h> /* mk_err_str */
#include <mk_io.h>

static void set_fqdn(mk_id *id, const char *name)
{
    id->type = MK_ID_FQDN;
    id->len = (uint8_t)strlen(name);
    memcpy(id->data, name, id->len);
}

static void set_ts(mk_ts *ts, uint8_t net)
{
    memset(ts, 0, sizeof(*ts));
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 65535;
    memcpy(ts->start, (uint8_t[]){10, 99, net, 0}, 4);
    memcpy(ts->end, (uint8_t[]){10, 99, net, 255}, 4);
}

int main(int argc, char **argv)
{
    static mk_io io;
    static mk_config cfg;
    static mk_ike ike;
    mk_addr peer, natt, local;
    if (argc != 4 || !mk_io_parse_addr(argv[1], MK_PORT_IKE, &peer) ||
        !mk_io_parse_addr("127.0.0.1", 0, &local)) {
        fprintf(stderr, "usage: hello_door PEER_IP:IKE_PORT NATT_PORT PSK_TEXT\n");
        return 2;
    }
    natt = peer;
    natt.port = (uint16_t)atoi(argv[2]);
    if (mk_io_open(&io, &local, 0) != MK_IO_OK || mk_io_connect(&io, &peer, &natt) != MK_IO_OK) {
        fprintf(stderr, "hello_door: sockets failed\n");
        return 1;
    }
    mk_config_defaults(&cfg);
    cfg.ike[0] =
        (mk_ike_suite){MK_ENCR_CHACHA20_POLY1305, 0, MK_PRF_HMAC_SHA2_256, 0, MK_DH_X25519};
    cfg.n_ike = 1;
    cfg.esp[0] = (mk_esp_suite){MK_ENCR_CHACHA20_POLY1305, 0, 0};
    cfg.n_esp = 1;
    cfg.psk = (const uint8_t *)argv[3];
    cfg.psk_len = strlen(argv[3]);
    set_fqdn(&cfg.idi, "hello.consumer.example");
    set_fqdn(&cfg.idr, "door.garage.example");
    set_ts(&cfg.tsi, 20);
    set_ts(&cfg.tsr, 10);
#if MK_NATT
    cfg.force_4500 = peer.port != MK_PORT_IKE; /* a responder on a test port: start on NAT-T */
#endif
    cfg.local = io.local[MK_IO_IKE];
    cfg.remote = peer;
    static const mk_env env = {NULL, mk_io_rng_os, NULL};
    mk_io_hooks hooks = {0};
    uint64_t now = mk_io_now_ms();
    mk_err e = mk_init(&ike, &cfg, &env);
    if (e == MK_E_OK)
        e = mk_start(&ike, now);
    if (e != MK_E_OK) {
        fprintf(stderr, "hello_door: %s\n", mk_err_str(e));
        return 1;
    }
    mk_io_status st = mk_io_drain(&io, &ike, &hooks, now);
    if (st == MK_IO_OK)
        st = mk_io_run(&io, &ike, &hooks, now + 10000);
    mk_esp_sa sa;
    if (mk_state_get(&ike) != MK_ST_ESTABLISHED || !mk_child(&ike, &sa)) {
        fprintf(stderr, "hello_door: no IKE SA: %s / %s\n", mk_io_status_str(st),
                mk_err_str(mk_last_error(&ike)));
        return 1;
    }
    printf("hello_door: established, ESP SPIs out %08x in %08x\n", (unsigned)sa.spi_out,
           (unsigned)sa.spi_in);
    mk_esp_wipe(&sa);
    mk_ike_wipe(&ike);
    mk_io_close(&io);
    return 0;
}
