/* SPDX-License-Identifier: MIT */
/*
 * mk_fault_shim: a test-only UDP shim that makes minike's own initiator misbehave on purpose, so
 * `minike check` can prove its cases fail. It runs the initiator command, receives what the
 * initiator sends to 127.0.0.1:PORT and passes it on to the checker after applying one fault
 * (header fields, IKE_SA_INIT payloads rebuilt with ref/'s codec, retransmissions, dropped
 * answers); the checker's datagrams go back unchanged. ref/ itself is never changed.
 *
 *   mk_fault_shim --fault NAME --port PORT --to ADDR:PORT -- COMMAND [ARGS...]
 *
 * It exits with the command's status (with `retx-forever` it keeps replaying until killed).
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "minike_tools.h"
#include "msg_sa.h"
#include "msg_tools.h"

enum { BUF = 4096, MARK = 4 };

static const char *fault;
static int is(const char *f)
{
    return strcmp(fault, f) == 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* state across datagrams */
static uint8_t first_ke[300];
static size_t first_ke_len;
static uint16_t invalid_ke_group;
static uint8_t last_sent[2][BUF];
static size_t last_sent_len[2];

/* Rebuild an IKE_SA_INIT request with one payload-level fault. Returns the new length. */
static size_t rebuild_init(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    mk_msg m;
    static mk_sa sa;
    if (mk_msg_parse(&m, in, len) != MK_E_OK)
        return 0;
    mk_wr w = mk_wr_init(out, cap);
    mk_hdr h = m.hdr;
    mk_hdr_encode(&w, &h);
    size_t slot = 16, at;
    size_t first = 0, nn = m.chain.n;
    mk_notify nt;
    bool cookie_first = nn > 0 && m.chain.pl[0].type == MK_PT_NOTIFY &&
                        mk_pl_decode_notify(&nt, m.chain.pl[0].body, m.chain.pl[0].len) ==
                            MK_E_OK &&
                        nt.type == MK_N_COOKIE;
    if (is("cookie-last") && cookie_first)
        first = 1;
    for (size_t k = 0; k < nn + first; k++) {
        const mk_pl *p = &m.chain.pl[(k + first) % nn];
        uint8_t body[BUF];
        size_t bl = p->len;
        memcpy(body, p->body, bl);
        if (p->type == MK_PT_NONCE && is("nonce-short"))
            bl = 8;
        if (p->type == MK_PT_NONCE && is("drop-nonce"))
            continue;
        if (p->type == MK_PT_KE) {
            if (first_ke_len == 0) {
                memcpy(first_ke, body, bl);
                first_ke_len = bl;
            }
            if (is("ke-group")) {
                body[0] = 0;
                body[1] = 19;
            }
            if (is("ke-len"))
                bl--;
            if (is("ke-keep")) {
                memcpy(body, first_ke, first_ke_len);
                bl = first_ke_len;
            }
            if (is("ke-unoffered") && invalid_ke_group) {
                body[0] = (uint8_t)(invalid_ke_group >> 8);
                body[1] = (uint8_t)invalid_ke_group;
            }
        }
        if (p->type == MK_PT_SA && (is("propnum") || is("ike-spi-size") || is("drop-prf")) &&
            mk_pl_decode_sa(&sa, body, bl) == MK_E_OK) {
            for (size_t j = 0; j < sa.n; j++) {
                mk_proposal *pr = &sa.p[j];
                if (is("propnum"))
                    pr->num = (uint8_t)(pr->num + 1);
                if (is("ike-spi-size")) {
                    pr->spi_len = 8;
                    memset(pr->spi, 0x5a, 8);
                }
                if (is("drop-prf")) {
                    size_t q = 0;
                    for (size_t i = 0; i < pr->n_t; i++)
                        if (pr->t[i].type != MK_TT_PRF)
                            pr->t[q++] = pr->t[i];
                    pr->n_t = (uint8_t)q;
                }
            }
            mk_wr sw = mk_wr_init(body, sizeof body);
            mk_pl_encode_sa(&sw, &sa);
            bl = sw.off;
        }
        if (p->type == MK_PT_NOTIFY && is("natd-len") &&
            mk_pl_decode_notify(&nt, body, bl) == MK_E_OK &&
            nt.type == MK_N_NAT_DETECTION_SOURCE_IP)
            bl--;
        at = mk_pl_begin(&w, &slot, p->type, p->critical);
        mk_wr_bytes(&w, body, bl);
        mk_pl_end(&w, at);
        if (is("cookie-last") && cookie_first && k + first == nn)
            break;
    }
    if (is("crit-payload") || is("big-init")) {
        static uint8_t junk[1300];
        at = mk_pl_begin(&w, &slot, 250, is("crit-payload"));
        mk_wr_bytes(&w, junk, is("big-init") ? sizeof junk : 4);
        mk_pl_end(&w, at);
    }
    if (w.err != MK_E_OK)
        return 0;
    put32(out + 24, (uint32_t)w.off);
    return w.off;
}

/* One datagram from the initiator: returns the length to forward (0: drop). */
static size_t mutate(uint8_t *d, size_t n, int *send_marker)
{
    static uint8_t tmp[BUF];
    *send_marker = 1;
    if (n < MARK + MK_HDR_LEN || d[0] | d[1] | d[2] | d[3])
        return n; /* ESP or noise: as is */
    uint8_t *m = d + MARK;
    size_t ml = n - MARK;
    uint8_t ex = m[18], fl = m[19];
    bool init = ex == MK_EX_IKE_SA_INIT, resp = fl & MK_HDR_F_RESPONSE;
    if (is("no-marker")) {
        memmove(d, m, ml);
        *send_marker = 0;
        return ml;
    }
    if (is("drop-answers") && resp)
        return 0;
    if (!resp) {
        if (is("version"))
            m[17] = 0x21;
        if (is("flags-r"))
            m[19] |= MK_HDR_F_RESPONSE;
        if (is("reserved"))
            m[19] |= 0x01;
        if (is("msgid"))
            m[27] = (uint8_t)(m[27] + 1);
        if (is("spir"))
            m[15] ^= 0x01;
        if (is("spii"))
            init ? memset(m, 0, 8) : (void)(m[7] ^= 0x01);
    }
    if (init && !resp) {
        size_t l = rebuild_init(m, ml, tmp, sizeof tmp);
        if (l > 0 && l + MARK <= BUF &&
            (is("nonce-short") || is("ke-group") || is("ke-len") || is("propnum") ||
             is("ike-spi-size") || is("drop-prf") || is("natd-len") || is("crit-payload") ||
             is("big-init") || is("cookie-last") || is("ke-keep") || is("ke-unoffered") ||
             is("drop-nonce"))) {
            memcpy(m, tmp, l);
            ml = l;
        }
    }
    if (ex == MK_EX_IKE_AUTH && !resp && is("auth-clear-payload") && ml + 8 <= BUF - MARK) {
        /* a clear status notify in front of SK */
        memmove(m + MK_HDR_LEN + 8, m + MK_HDR_LEN, ml - MK_HDR_LEN);
        uint8_t *q = m + MK_HDR_LEN;
        q[0] = m[16]; /* the notify's Next Payload: what the header named (SK) */
        q[1] = 0;
        q[2] = 0;
        q[3] = 8;
        q[4] = 0;
        q[5] = 0;
        q[6] = 0x9c;
        q[7] = 0x40; /* 40000: an unknown status notify */
        m[16] = MK_PT_NOTIFY;
        ml += 8;
        put32(m + 24, (uint32_t)ml);
    }
    if (is("retx-change") && !resp && (init || ex == MK_EX_IKE_AUTH)) {
        int k = init ? 0 : 1;
        if (last_sent_len[k] == ml && memcmp(last_sent[k], m, ml) == 0)
            m[ml - 1] ^= 0x01; /* a retransmission that is not bitwise identical */
        else {
            memcpy(last_sent[k], m, ml);
            last_sent_len[k] = ml;
        }
    }
    return ml + MARK;
}

static uint8_t last_init[BUF];
static size_t last_init_len;
static int to_checker = -1;

static void from_checker(const uint8_t *d, size_t n)
{
    mk_msg m;
    if (n < MARK + MK_HDR_LEN || mk_msg_parse(&m, d + MARK, n - MARK) != MK_E_OK)
        return;
    const mk_pl *p = mk_chain_find_notify(&m.chain, MK_N_INVALID_KE_PAYLOAD);
    mk_notify nt;
    if (p && mk_pl_decode_notify(&nt, p->body, p->len) == MK_E_OK && nt.data_len == 2) {
        invalid_ke_group = (uint16_t)(nt.data[0] << 8 | nt.data[1]);
        /* fault ke-unoffered: retry at once with a KE of the named group, offered or not */
        if (is("ke-unoffered") && last_init_len > MARK) {
            static uint8_t out[BUF];
            size_t l = rebuild_init(last_init + MARK, last_init_len - MARK, out + MARK,
                                    sizeof out - MARK);
            memset(out, 0, MARK);
            if (l > 0)
                (void)send(to_checker, out, l + MARK, 0);
        }
    }
}

int main(int argc, char **argv)
{
    int port = 0, i;
    const char *to = NULL;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fault") && i + 1 < argc)
            fault = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--to") && i + 1 < argc)
            to = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else
            break;
    }
    if (fault == NULL || port <= 0 || to == NULL || i >= argc) {
        fprintf(stderr, "usage: mk_fault_shim --fault NAME --port PORT --to ADDR:PORT -- CMD...\n");
        return 2;
    }
    char host[64];
    snprintf(host, sizeof host, "%s", to);
    char *colon = strrchr(host, ':');
    if (colon == NULL)
        return 2;
    *colon = 0;
    struct sockaddr_in chk = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    struct sockaddr_in loc = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &chk.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &loc.sin_addr);
    int sa = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int sb = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(sa, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa < 0 || sb < 0 || bind(sa, (struct sockaddr *)&loc, sizeof loc) != 0 ||
        connect(sb, (struct sockaddr *)&chk, sizeof chk) != 0) {
        perror("mk_fault_shim: socket");
        return 2;
    }
    to_checker = sb;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[i], argv + i);
        _exit(127);
    }
    struct sockaddr_in ini;
    socklen_t il = 0;
    bool have_ini = false;
    uint8_t buf[BUF], replay[BUF];
    size_t replay_len = 0;
    uint64_t next_replay = 0;
    int status = 0;
    bool child_done = false;
    for (;;) {
        struct pollfd pf[2] = {{sa, POLLIN, 0}, {sb, POLLIN, 0}};
        int r = poll(pf, 2, 20);
        if (r < 0 && errno != EINTR)
            break;
        if (pf[0].revents & POLLIN) {
            il = sizeof ini;
            ssize_t n = recvfrom(sa, buf, sizeof buf, 0, (struct sockaddr *)&ini, &il);
            if (n > 0) {
                have_ini = true;
                int mk;
                size_t out = mutate(buf, (size_t)n, &mk);
                if (out > MARK + MK_HDR_LEN && buf[MARK + 18] == MK_EX_IKE_SA_INIT) {
                    memcpy(last_init, buf, out);
                    last_init_len = out;
                }
                if (is("retx-forever") && n >= MARK + MK_HDR_LEN && !(buf[MARK + 19] & 0x20)) {
                    memcpy(replay, buf, out);
                    replay_len = out;
                    next_replay = now_ms() + 500;
                }
                if (out > 0)
                    (void)send(sb, buf, out, 0);
                (void)mk;
            }
        }
        if (pf[1].revents & POLLIN) {
            ssize_t n = recv(sb, buf, sizeof buf, 0);
            if (n > 0) {
                from_checker(buf, (size_t)n);
                if (have_ini)
                    (void)sendto(sa, buf, (size_t)n, 0, (struct sockaddr *)&ini, il);
            }
        }
        if (replay_len && now_ms() >= next_replay) {
            (void)send(sb, replay, replay_len, 0); /* fault: never stop retransmitting */
            next_replay = now_ms() + 500;
        }
        if (!child_done && waitpid(pid, &status, WNOHANG) == pid) {
            child_done = true;
            if (!is("retx-forever"))
                break;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
