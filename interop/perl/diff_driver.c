/* SPDX-License-Identifier: MIT */
/*
 * diff_driver: the C side of the Perl/C differential tests (interop/perl/diff-test.sh). Given
 * fixed SPIs, nonce, DH private key, ESP SPI and a seed for the responder's randomness, it
 *   run      runs the C initiator (mk_init/mk_start) against the in-process responder
 *            (harness/lib/peer.h) in memory, and prints the four messages and every key as
 *            "name = hex" lines (SKEYSEED recomputed from the fixed DH key with the C key
 *            schedule's own functions, SK_* from the SA, KEYMAT from the child SA);
 *   respond  serves the same responder, with the same seeded randomness, on a UDP loopback
 *            port (non-ESP marker from the start, RFC 3948 §2.2), so the Perl initiator gets the
 *            same IKE_SA_INIT response the C initiator got; it answers one ICMP echo through ESP
 *            and prints the responder's keys when the SA is up.
 * Test code: it allocates, prints and reads the clock; it must never be linked into mk_core,
 * and its fixed "randomness" must never be used for anything but these tests.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "keysched.h"
#include "minike_tools.h"
#include "msg.h"
#include "peer.h"
#include "suite.h"

typedef struct stream {
    uint8_t buf[8192];
    size_t len, off;
} stream;

/* env->rng: serve the scripted octets in order; running out is a test bug. */
static void stream_rng(void *ctx, uint8_t *out, size_t n)
{
    stream *s = ctx;
    if (n > s->len - s->off) {
        fprintf(stderr, "diff_driver: scripted randomness exhausted\n");
        exit(2);
    }
    memcpy(out, s->buf + s->off, n);
    s->off += n;
}

static void stream_seeded(stream *s, const uint8_t *prefix, size_t prefix_len, const char *seed)
{
    uint8_t key[randombytes_SEEDBYTES];
    crypto_generichash(key, sizeof key, (const uint8_t *)seed, strlen(seed), NULL, 0);
    if (prefix_len != 0) /* memcpy from NULL is undefined even for 0 octets */
        memcpy(s->buf, prefix, prefix_len);
    randombytes_buf_deterministic(s->buf + prefix_len, sizeof s->buf - prefix_len, key);
    s->len = sizeof s->buf;
    s->off = 0;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "diff_driver: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static void print_hex(const char *name, const uint8_t *p, size_t n)
{
    printf("%s = ", name);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static size_t parse_hex(const char *h, uint8_t *out, size_t cap, const char *what)
{
    size_t n = strlen(h);
    if (n % 2 || n / 2 > cap)
        die("bad hex", what);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            die("bad hex", what);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

static void parse_id(const char *s, mk_id *id)
{
    const char *c = strchr(s, ':');
    if (c == NULL || strlen(c + 1) == 0 || strlen(c + 1) >= sizeof id->data)
        die("bad ID", s);
    if (strncmp(s, "fqdn:", 5) == 0)
        id->type = MK_ID_FQDN;
    else if (strncmp(s, "email:", 6) == 0)
        id->type = MK_ID_RFC822_ADDR;
    else if (strncmp(s, "keyid:", 6) == 0)
        id->type = MK_ID_KEY_ID;
    else
        die("bad ID type", s);
    id->len = (uint8_t)strlen(c + 1);
    memcpy(id->data, c + 1, id->len);
}

static void parse_cidr(const char *s, mk_ts *ts)
{
    char a[32];
    unsigned bits = 32;
    const char *sl = strchr(s, '/');
    size_t n = sl ? (size_t)(sl - s) : strlen(s);
    if (n >= sizeof a)
        die("bad CIDR", s);
    memcpy(a, s, n);
    a[n] = 0;
    if (sl && (sscanf(sl + 1, "%u", &bits) != 1 || bits > 32))
        die("bad CIDR", s);
    struct in_addr in;
    if (inet_pton(AF_INET, a, &in) != 1)
        die("bad CIDR", s);
    uint32_t ip = ntohl(in.s_addr), mask = bits ? 0xffffffffu << (32 - bits) : 0;
    uint32_t lo = htonl(ip & mask), hi = htonl((ip & mask) | ~mask);
    memset(ts, 0, sizeof *ts);
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 0xffff;
    memcpy(ts->start, &lo, 4);
    memcpy(ts->end, &hi, 4);
}

static void parse_addr(const char *s, mk_addr *a)
{
    char ip[32];
    unsigned port;
    if (sscanf(s, "%31[0-9.]:%u", ip, &port) != 2 || port > 65535)
        die("bad ADDR:PORT", s);
    memset(a, 0, sizeof *a);
    a->family = 4;
    a->port = (uint16_t)port;
    if (inet_pton(AF_INET, ip, a->ip) != 1)
        die("bad address", s);
}

/* "chacha,gcm256,gcm128" -> suites (X25519, PRF-HMAC-SHA2-256, no INTEG) */
static size_t parse_suites(const char *list, mk_ike_suite *ike, mk_esp_suite *esp)
{
    size_t n = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t != NULL && n < MK_MAX_SUITES; t = strtok(NULL, ","), n++) {
        uint16_t encr = MK_ENCR_AES_GCM_16, bits;
        if (strcmp(t, "chacha") == 0) {
            encr = MK_ENCR_CHACHA20_POLY1305;
            bits = 256;
        } else if (strcmp(t, "gcm256") == 0) {
            bits = 256;
        } else if (strcmp(t, "gcm128") == 0) {
            bits = 128;
        } else {
            die("unknown cipher", t);
        }
        if (ike)
            ike[n] = (mk_ike_suite){encr, bits, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE, MK_DH_X25519};
        if (esp)
            esp[n] = (mk_esp_suite){encr, bits, MK_INTEG_NONE};
    }
    return n;
}

typedef struct opts {
    const char *mode;
    uint8_t spi[8], nonce[MK_NONCE_LEN], dh[32], esp_spi[4];
    size_t nonce_len; /* RFC 7296 §2.10: 16 with PRF-HMAC-SHA2-256 suites (mk_ike.ni_len) */
    const char *peer_seed, *ike, *esp, *psk, *idi, *idr, *tsi, *tsr;
    mk_addr local, remote;
    int timeout_s;
} opts;

static void parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->peer_seed = "minike differential responder";
    o->ike = o->esp = "chacha,gcm256";
    o->idi = "fqdn:init.diff";
    o->idr = "fqdn:resp.diff";
    o->tsi = "10.99.20.0/24";
    o->tsr = "10.99.10.0/24";
    o->timeout_s = 20;
    parse_addr("127.0.0.1:40000", &o->local);
    parse_addr("127.0.0.1:40001", &o->remote);
    int have = 0;
    if (argc < 2)
        die("usage: diff_driver run|respond --spi H --nonce H --dh-priv H --esp-spi H --psk S "
            "[--peer-seed S --ike L --esp L --idi T:V --idr T:V --tsi C --tsr C "
            "--local A:P --remote A:P --timeout S]", NULL);
    o->mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--spi"))
            have |= parse_hex(v, o->spi, 8, k) == 8 ? 1 : 0;
        else if (!strcmp(k, "--nonce")) {
            o->nonce_len = parse_hex(v, o->nonce, MK_NONCE_LEN, k);
            have |= o->nonce_len >= 16 && o->nonce_len <= MK_NONCE_LEN ? 2 : 0;
        } else if (!strcmp(k, "--dh-priv"))
            have |= parse_hex(v, o->dh, 32, k) == 32 ? 4 : 0;
        else if (!strcmp(k, "--esp-spi"))
            have |= parse_hex(v, o->esp_spi, 4, k) == 4 ? 8 : 0;
        else if (!strcmp(k, "--peer-seed"))
            o->peer_seed = v;
        else if (!strcmp(k, "--ike"))
            o->ike = v;
        else if (!strcmp(k, "--esp"))
            o->esp = v;
        else if (!strcmp(k, "--psk"))
            o->psk = v;
        else if (!strcmp(k, "--idi"))
            o->idi = v;
        else if (!strcmp(k, "--idr"))
            o->idr = v;
        else if (!strcmp(k, "--tsi"))
            o->tsi = v;
        else if (!strcmp(k, "--tsr"))
            o->tsr = v;
        else if (!strcmp(k, "--local"))
            parse_addr(v, &o->local);
        else if (!strcmp(k, "--remote"))
            parse_addr(v, &o->remote);
        else if (!strcmp(k, "--timeout"))
            o->timeout_s = atoi(v);
        else
            die("unknown option", k);
    }
    if (have != 15 || o->psk == NULL)
        die("need --spi (8), --nonce (16..32), --dh-priv (32), --esp-spi (4) and --psk", NULL);
}

static void peer_config(const opts *o, mk_peer_config *pc)
{
    memset(pc, 0, sizeof *pc);
    pc->suites = mk_suites_default();
    pc->n_ike = parse_suites(o->ike, pc->ike, NULL);
    pc->n_esp = parse_suites(o->esp, NULL, pc->esp);
    pc->psk = (const uint8_t *)o->psk;
    pc->psk_len = strlen(o->psk);
    parse_id(o->idr, &pc->idr);
    parse_id(o->idi, &pc->idi);
    parse_cidr(o->tsr, &pc->tsr);
    pc->natt = true;
    pc->local = o->remote;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- run: C initiator against the in-process responder ------------------------------------- */

static int mode_run(const opts *o)
{
    static stream ini_rng, peer_rng;
    uint8_t prefix[8 + MK_NONCE_LEN + 32 + 4];
    /* the order the core draws them: SPIi, Ni, DH private key, then (IKE_AUTH) our ESP SPI */
    memcpy(prefix, o->spi, 8);
    memcpy(prefix + 8, o->nonce, o->nonce_len);
    memcpy(prefix + 8 + o->nonce_len, o->dh, 32);
    memcpy(prefix + 8 + o->nonce_len + 32, o->esp_spi, 4);
    stream_seeded(&ini_rng, prefix, 8 + o->nonce_len + 32 + 4, "minike differential initiator IVs");
    stream_seeded(&peer_rng, NULL, 0, o->peer_seed);
    mk_env ienv = {.ctx = &ini_rng, .rng = stream_rng, .trace = NULL};
    mk_env penv = {.ctx = &peer_rng, .rng = stream_rng, .trace = NULL};

    static mk_config cfg;
    mk_config_defaults(&cfg);
    cfg.n_ike = parse_suites(o->ike, cfg.ike, NULL);
    cfg.n_esp = parse_suites(o->esp, NULL, cfg.esp);
    cfg.psk = (const uint8_t *)o->psk;
    cfg.psk_len = strlen(o->psk);
    parse_id(o->idi, &cfg.idi);
    parse_id(o->idr, &cfg.idr);
    parse_cidr(o->tsi, &cfg.tsi);
    parse_cidr(o->tsr, &cfg.tsr);
    cfg.natt = true;
    cfg.force_4500 = true; /* the responder is on a non-500 port: marker from the start */
    cfg.local = o->local;
    cfg.remote = o->remote;

    mk_peer_config pc;
    peer_config(o, &pc);
    mk_peer *peer = mk_peer_new(&pc, &penv);
    if (peer == NULL)
        die("mk_peer_new failed", NULL);
    static mk_ike ike;
    mk_err e = mk_init(&ike, &cfg, &ienv);
    if (e != MK_E_OK)
        die("mk_init", mk_err_name(e));
    if (ike.ni_len != o->nonce_len) /* the core draws ni_len octets of the prefix as Ni */
        die("--nonce has the wrong length for these suites (RFC 7296 §2.10: max(16, PRF/2))",
            NULL);
    uint64_t t = 1000;
    if ((e = mk_start(&ike, t)) != MK_E_OK)
        die("mk_start", mk_err_name(e));

    static const char *const names[4] = {"IKE_SA_INIT_request", "IKE_SA_INIT_response",
                                          "IKE_AUTH_request", "IKE_AUTH_response"};
    static uint8_t msgs[4][MK_MAX_MSG];
    size_t msg_len[4] = {0};
    uint8_t sk_d[MK_MAX_PRF_OUT], sk_pi[MK_MAX_PRF_OUT], sk_pr[MK_MAX_PRF_OUT];
    size_t prf_len = 0;
    for (int round = 0; round < 2; round++) {
        const uint8_t *d;
        uint16_t port;
        size_t n = mk_tx_peek(&ike, &d, &port);
        if (n == 0 || port != MK_PORT_NATT || n < MK_NATT_MARKER)
            die("initiator sent nothing (or not with the marker)", NULL);
        memcpy(msgs[2 * round], d + MK_NATT_MARKER, n - MK_NATT_MARKER);
        msg_len[2 * round] = n - MK_NATT_MARKER;
        e = mk_peer_on_dgram(peer, d, n, MK_PORT_NATT, &o->local, t);
        mk_tx_done(&ike);
        if (e != MK_E_OK)
            die("the responder refused the C initiator's request", mk_err_name(e));
        n = mk_peer_tx_peek(peer, &d, &port);
        if (n == 0)
            die("responder sent nothing", NULL);
        memcpy(msgs[2 * round + 1], d + MK_NATT_MARKER, n - MK_NATT_MARKER);
        msg_len[2 * round + 1] = n - MK_NATT_MARKER;
        e = mk_on_dgram(&ike, d, n, MK_PORT_NATT, t);
        mk_peer_tx_done(peer);
        if (e != MK_E_OK)
            die("the C initiator refused the response", mk_err_name(e));
        if (round == 0) { /* SK_d/pi/pr are wiped once the SA is up: copy them now */
            mk_ike_keys k0;
            if (!mk_keys_export(&ike, &k0))
                die("no keys after IKE_SA_INIT", NULL);
            prf_len = k0.prf_len;
            memcpy(sk_d, k0.sk_d, prf_len);
            memcpy(sk_pi, k0.sk_pi, prf_len);
            memcpy(sk_pr, k0.sk_pr, prf_len);
        }
    }
    if (mk_state_get(&ike) != MK_ST_ESTABLISHED)
        die("not established", mk_state_name(mk_state_get(&ike)));
    for (int i = 0; i < 4; i++)
        print_hex(names[i], msgs[i], msg_len[i]);

    /* g^ir and SKEYSEED: the fixed private key with the responder's KE, through the core's own
     * DH class and mk_ks_skeyseed (the SA keeps neither). */
    mk_msg m;
    if (mk_msg_parse(&m, msgs[1], msg_len[1]) != MK_E_OK)
        die("cannot parse the IKE_SA_INIT response", NULL);
    const mk_pl *ke = mk_chain_find(&m.chain, MK_PT_KE);
    uint8_t gir[32], skeyseed[MK_MAX_PRF_OUT];
    if (ke == NULL || ke->len != 36 || mk_dh_x25519.shared(o->dh, ke->body + 4, 32, gir) != MK_E_OK)
        die("no usable KE in the response", NULL);
    mk_ks_skeyseed(&mk_prf_hmac_sha2_256, ike.ni, ike.ni_len, ike.nr, ike.nr_len, gir, 32,
                   skeyseed);
    mk_ike_keys k;
    mk_esp_sa child;
    if (!mk_keys_export(&ike, &k) || !mk_child(&ike, &child))
        die("no keys", NULL);
    print_hex("SPIi", k.spi_i, 8);
    print_hex("SPIr", k.spi_r, 8);
    print_hex("Ni", ike.ni, ike.ni_len);
    print_hex("Nr", ike.nr, ike.nr_len);
    print_hex("g^ir", gir, 32);
    print_hex("SKEYSEED", skeyseed, mk_prf_hmac_sha2_256.out_len);
    print_hex("SK_d", sk_d, prf_len);
    print_hex("SK_ai", k.sk_ai, k.integ_len);
    print_hex("SK_ar", k.sk_ar, k.integ_len);
    print_hex("SK_ei", k.sk_ei, k.encr_len);
    print_hex("SK_er", k.sk_er, k.encr_len);
    print_hex("SK_pi", sk_pi, prf_len);
    print_hex("SK_pr", sk_pr, prf_len);
    uint8_t spi_in[4] = {(uint8_t)(child.spi_in >> 24), (uint8_t)(child.spi_in >> 16),
                         (uint8_t)(child.spi_in >> 8), (uint8_t)child.spi_in};
    uint8_t spi_out[4] = {(uint8_t)(child.spi_out >> 24), (uint8_t)(child.spi_out >> 16),
                          (uint8_t)(child.spi_out >> 8), (uint8_t)child.spi_out};
    print_hex("ESP_SPI_in", spi_in, 4);
    print_hex("ESP_SPI_out", spi_out, 4);
    print_hex("KEYMAT_ei", child.ek_out, child.ek_len);
    print_hex("KEYMAT_er", child.ek_in, child.ek_len);
    /* the responder's view of the same SA: a C-internal consistency check */
    mk_ike_keys pk;
    mk_esp_sa pchild;
    if (mk_peer_keys_export(peer, &pk) && mk_peer_child(peer, &pchild)) {
        print_hex("peer_SK_ei", pk.sk_ei, pk.encr_len);
        print_hex("peer_SK_er", pk.sk_er, pk.encr_len);
        print_hex("peer_KEYMAT_ei", pchild.ek_in, pchild.ek_len);
        print_hex("peer_KEYMAT_er", pchild.ek_out, pchild.ek_len);
    }
    sodium_memzero(gir, sizeof gir);
    sodium_memzero(skeyseed, sizeof skeyseed);
    mk_ike_wipe(&ike);
    mk_peer_free(peer);
    return 0;
}

/* ---- respond: the same responder on a UDP loopback port ------------------------------------- */

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Turn an ICMP echo request (inner IPv4) into the echo reply, in place. */
static bool echo_reply(uint8_t *ip, size_t n)
{
    if (n < 28 || ip[0] != 0x45 || ip[9] != 1 || ip[20] != 8 || (size_t)(ip[2] << 8 | ip[3]) != n)
        return false;
    uint8_t tmp[4];
    memcpy(tmp, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, tmp, 4);
    ip[8] = 64;
    ip[10] = ip[11] = 0;
    uint16_t c = csum(ip, 20);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    ip[20] = 0;
    ip[22] = ip[23] = 0;
    c = csum(ip + 20, n - 20);
    ip[22] = (uint8_t)(c >> 8);
    ip[23] = (uint8_t)c;
    return true;
}

static int mode_respond(const opts *o)
{
    static stream peer_rng;
    stream_seeded(&peer_rng, NULL, 0, o->peer_seed);
    mk_env penv = {.ctx = &peer_rng, .rng = stream_rng, .trace = NULL};
    mk_peer_config pc;
    peer_config(o, &pc);
    mk_peer *peer = mk_peer_new(&pc, &penv);
    if (peer == NULL)
        die("mk_peer_new failed", NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(o->remote.port)};
    memcpy(&sa.sin_addr, o->remote.ip, 4);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("bind", strerror(errno));
    printf("listening on 127.0.0.1:%u\n", (unsigned)o->remote.port);
    fflush(stdout);

    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    mk_esp_sa child;
    bool have_child = false, printed = false;
    int pings = 0;
    uint64_t end = now_ms() + (uint64_t)o->timeout_s * 1000u;
    static uint8_t buf[4096], out[4096];
    while (now_ms() < end && mk_peer_state_get(peer) != MK_PEER_CLOSED) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        flen = sizeof from;
        ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        if (r <= 0)
            continue;
        size_t n = (size_t)r;
        mk_addr fa = {.family = 4, .port = ntohs(from.sin_port)};
        memcpy(fa.ip, &from.sin_addr, 4);
        if (n >= 8 && memcmp(buf, "\0\0\0\0", 4) != 0) { /* ESP in UDP (RFC 3948) */
            uint8_t nh;
            const uint8_t *inner;
            size_t inner_len, olen;
            mk_err e;
            if (!have_child || (e = mk_esp_open(&child, buf, n, &nh, &inner, &inner_len)) != MK_E_OK) {
                printf("ESP dropped\n");
                continue;
            }
            uint8_t ip[1500];
            if (nh != 4 || inner_len > sizeof ip)
                continue;
            memcpy(ip, inner, inner_len);
            if (!echo_reply(ip, inner_len))
                continue;
            if ((e = mk_esp_seal(&child, &penv, 4, ip, inner_len, out, sizeof out, &olen)) != MK_E_OK)
                die("mk_esp_seal", mk_err_name(e));
            sendto(fd, out, olen, 0, (struct sockaddr *)&from, flen);
            printf("ESP echo request %d answered\n", ++pings);
            fflush(stdout);
            continue;
        }
        mk_err e = mk_peer_on_dgram(peer, buf, n, MK_PORT_NATT, &fa, now_ms());
        if (e != MK_E_OK)
            printf("responder dropped a datagram: %s\n", mk_err_name(e));
        const uint8_t *d;
        uint16_t port;
        size_t dn;
        while ((dn = mk_peer_tx_peek(peer, &d, &port)) > 0) {
            sendto(fd, d, dn, 0, (struct sockaddr *)&from, flen);
            mk_peer_tx_done(peer);
        }
        if (!printed && mk_peer_state_get(peer) == MK_PEER_ESTABLISHED) {
            mk_ike_keys pk;
            if (mk_peer_keys_export(peer, &pk) && mk_peer_child(peer, &child)) {
                have_child = true;
                printf("ESTABLISHED\n");
                print_hex("peer_SK_ei", pk.sk_ei, pk.encr_len);
                print_hex("peer_SK_er", pk.sk_er, pk.encr_len);
                print_hex("peer_KEYMAT_ei", child.ek_in, child.ek_len);
                print_hex("peer_KEYMAT_er", child.ek_out, child.ek_len);
            }
            printed = true;
        }
        fflush(stdout);
    }
    printf("responder state at exit: %s\n",
           mk_peer_state_get(peer) == MK_PEER_CLOSED ? "CLOSED (deleted by the initiator)"
           : printed                                 ? "ESTABLISHED"
                                                     : "not established");
    mk_esp_wipe(&child);
    mk_peer_free(peer);
    return printed ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        die("sodium_init", NULL);
    opts o;
    parse_opts(argc, argv, &o);
    if (!strcmp(o.mode, "run"))
        return mode_run(&o);
    if (!strcmp(o.mode, "respond"))
        return mode_respond(&o);
    die("mode must be run or respond", o.mode);
    return 2;
}
