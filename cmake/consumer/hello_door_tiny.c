/* SPDX-License-Identifier: MIT */
/*
 * hello_door_tiny: hello_door for the template core (minike_tiny.h, libmk_tiny.a), the way a
 * device port drives it: its own socket, clock and RNG around the sans-I/O core, one IKE SA
 * with a responder (PSK, ChaCha20-Poly1305 + X25519, UDP to the peer's IKE port). Built twice
 * by cmake/test_install.sh: with `pkg-config minike-tiny` and with find_package(minike).
 * The template core has no NAT-T, so it speaks IKE without the non-ESP marker, which a peer
 * expects on a port pair without 500 (RFC 3948 §2.2): against `minike respond` on a test port
 * it sends from LOCAL_IPV4:500 (root), like a device whose IKE port is 500.
 * usage: hello_door_tiny PEER_IPV4 IKE_PORT PSK_TEXT [LOCAL_IPV4]   exit 0 once established
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <minike_tiny.h>
#include <sodium.h>

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}

int main(int argc, char **argv)
{
    static mt_config cfg;
    static mt_ike ike;
    static const mt_env env = {NULL, rng};
    struct sockaddr_in peer = {.sin_family = AF_INET};
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(500)};
    if ((argc != 4 && argc != 5) || inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1 ||
        (argc == 5 && inet_pton(AF_INET, argv[4], &local.sin_addr) != 1) || sodium_init() < 0) {
        fprintf(stderr, "usage: hello_door_tiny PEER_IPV4 IKE_PORT PSK_TEXT [LOCAL_IPV4]\n");
        return 2;
    }
    peer.sin_port = htons((uint16_t)atoi(argv[2]));
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || (argc == 5 && bind(fd, (struct sockaddr *)&local, sizeof local) != 0) ||
        connect(fd, (struct sockaddr *)&peer, sizeof peer) != 0) {
        perror("hello_door_tiny: socket");
        return 1;
    }
    mt_config_defaults(&cfg);
    cfg.psk = (const uint8_t *)argv[3];
    cfg.psk_len = strlen(argv[3]);
    cfg.idi_type = 2; /* ID_FQDN */
    cfg.idi_len = (uint8_t)strlen("hello.consumer.example");
    memcpy(cfg.idi, "hello.consumer.example", cfg.idi_len);
    mt_err e = mt_init(&ike, &cfg, &env);
    if (e == MT_E_OK)
        e = mt_start(&ike, now_ms());
    while (e == MT_E_OK || mt_err_class(e) == MT_CLASS_DROP) {
        const uint8_t *out;
        size_t n = mt_tx(&ike, &out);
        if (n != 0) {
            (void)send(fd, out, n, 0); /* a lost datagram is retransmitted on the timer */
            mt_tx_done(&ike);
        }
        if (mt_state_get(&ike) == MT_ST_ESTABLISHED) {
            mt_esp_sa sa;
            (void)mt_child(&ike, &sa);
            printf("established, ESP SPIs %08x/%08x\n", (unsigned)sa.spi_out, (unsigned)sa.spi_in);
            mt_esp_wipe(&sa);
            mt_ike_wipe(&ike);
            return 0;
        }
        uint64_t now = now_ms(), due = mt_deadline(&ike);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int wait = due == UINT64_MAX ? 1000 : due > now ? (int)(due - now) : 0;
        static uint8_t buf[MT_MAX_MSG];
        ssize_t got = poll(&p, 1, wait) > 0 ? recv(fd, buf, sizeof buf, 0) : -1;
        e = got > 0 ? mt_on_dgram(&ike, buf, (size_t)got, now_ms()) : mt_on_timer(&ike, now_ms());
    }
    fprintf(stderr, "hello_door_tiny: failed (error %d, state %d)\n", (int)e,
            (int)mt_state_get(&ike));
    mt_ike_wipe(&ike);
    return 1;
}
