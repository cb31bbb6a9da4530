/* SPDX-License-Identifier: MIT */
/*
 * udp: the I/O shell of minike (see mk_io.h). Two UDP sockets per endpoint (IKE class and NAT-T
 * class), the non-ESP marker rule for sorting IKE from ESP, a poll() loop that drives the
 * sans-I/O initiator by its deadline, the monotonic and wall clocks, the OS RNG and a seeded
 * ChaCha20 DRBG. This is the only file allowed sockets, clock_gettime and randombytes_buf.
 * It must never parse IKE beyond the 4-octet marker, never keep secrets, and never block
 * without a deadline.
 */
/* POSIX.1-2008 for clock_gettime and inet_pton without glibc's catch-all _GNU_SOURCE; SOCK_NONBLOCK
 * and SOCK_CLOEXEC below are Linux/BSD extensions that glibc still exposes under this setting. */
#define _POSIX_C_SOURCE 200809L

#include "mk_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- addresses ------------------------------------------------------------------------------ */

/* Digits only: strtoul would accept leading spaces and a sign (" -1" wraps to ULONG_MAX), and a
 * silently different port is a hard-to-find misconfiguration. The range is checked after every
 * digit, so a long digit string cannot overflow v first. */
static bool parse_port(const char *s, uint16_t *port)
{
    unsigned long v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return false;
    }
    *port = (uint16_t)v;
    return true;
}

/* Numeric addresses only, by design: getaddrinfo may block on DNS without a deadline, which this
 * file must never do. Accepted forms: "v4",
 * "v4:port", "v6" and "[v6]:port"; a bare IPv6 address has several colons and so never takes the
 * v4:port branch. host[64] is longer than any textual address (INET6_ADDRSTRLEN is 46). */
bool mk_io_parse_addr(const char *s, uint16_t def_port, mk_addr *out)
{
    char host[64];
    const char *port = NULL;
    size_t n;

    memset(out, 0, sizeof(*out));
    out->port = def_port;
    if (s == NULL)
        return false;
    if (s[0] == '[') { /* [v6]:port */
        const char *end = strchr(s, ']');
        if (end == NULL)
            return false;
        n = (size_t)(end - s - 1);
        if (n >= sizeof(host))
            return false;
        memcpy(host, s + 1, n);
        host[n] = '\0';
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return false;
    } else {
        const char *c = strchr(s, ':');
        if (c != NULL && strchr(c + 1, ':') == NULL) { /* exactly one colon: v4:port */
            n = (size_t)(c - s);
            port = c + 1;
        } else {
            n = strlen(s);
        }
        if (n >= sizeof(host))
            return false;
        memcpy(host, s, n);
        host[n] = '\0';
    }
    if (port != NULL && !parse_port(port, &out->port))
        return false;
    if (inet_pton(AF_INET, host, out->ip) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, host, out->ip) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

/* snprintf is fine here: this file is outside mk_core, whose purity check forbids it. Bracketing
 * IPv6 keeps "addr:port" unambiguous and matches what mk_io_parse_addr reads back. */
void mk_io_format_addr(const mk_addr *a, bool with_port, char *out, size_t cap)
{
    char h[INET6_ADDRSTRLEN] = "?";
    if (cap == 0)
        return;
    if (a->family == 4)
        inet_ntop(AF_INET, a->ip, h, sizeof(h));
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->ip, h, sizeof(h));
    if (!with_port)
        snprintf(out, cap, "%s", h);
    else if (a->family == 6)
        snprintf(out, cap, "[%s]:%u", h, (unsigned)a->port);
    else
        snprintf(out, cap, "%s:%u", h, (unsigned)a->port);
}

/* mk_addr <-> sockaddr. sockaddr_storage is large and aligned enough for either family, which is
 * what makes the casts below well-defined. Ports are host order in mk_addr, network order in the
 * sockaddr. 0 = unknown family, which every caller turns into an error. */
static socklen_t to_sa(const mk_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->ip, 4);
        return sizeof(*s4);
    }
    if (a->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a->port);
        memcpy(&s6->sin6_addr, a->ip, 16);
        return sizeof(*s6);
    }
    return 0;
}

/* Any other family (it cannot happen on an AF_INET/AF_INET6 socket) leaves family 0, which no
 * comparison with a configured peer matches. */
static void from_sa(const struct sockaddr_storage *ss, mk_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = 4;
        a->port = ntohs(s4->sin_port);
        memcpy(a->ip, &s4->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = 6;
        a->port = ntohs(s6->sin6_port);
        memcpy(a->ip, &s6->sin6_addr, 16);
    }
}

/* ---- sockets -------------------------------------------------------------------------------- */

/* errno is kept in io->last_errno for the caller's message, because the close() calls that
 * follow a failure may overwrite errno itself. */
static mk_io_status fail(mk_io *io, mk_io_status st)
{
    io->last_errno = errno;
    return st;
}

/* Re-read the local address after bind/connect: with port 0 the kernel picks the port, and after
 * connect it picks the source address; both are what the peer sees and what traces must show. */
static void sockname(mk_io *io, int i)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(io->fd[i], (struct sockaddr *)&ss, &sl) == 0)
        from_sa(&ss, &io->local[i]);
}

/* Both sockets exist from the start: after NAT detection the exchange floats to the NAT-T port
 * (RFC 7296 §2.23), and ESP-in-UDP for the child SA shares that socket, so opening it late would
 * add a failure point in the middle of a handshake. fd[] is -1 until opened, for mk_io_close. */
mk_io_status mk_io_open(mk_io *io, const mk_addr *local, uint16_t natt_port)
{
    /* The caller sets tap and stop before opening; keep them across the memset that resets
     * everything else. */
    void (*tap)(void *, bool, const mk_addr *, const mk_addr *, const uint8_t *, size_t) = io->tap;
    void *tap_ctx = io->tap_ctx;
    volatile sig_atomic_t *stop = io->stop;

    memset(io, 0, sizeof(*io));
    io->fd[0] = io->fd[1] = -1;
    io->tap = tap;
    io->tap_ctx = tap_ctx;
    io->stop = stop;
    io->icmp_limit = 2;
    if (local->family != 4 && local->family != 6) {
        errno = EAFNOSUPPORT;
        return fail(io, MK_IO_E_ADDR);
    }
    for (int i = 0; i < MK_IO_NSOCK; i++) {
        struct sockaddr_storage ss;
        mk_addr a = *local;
        socklen_t sl;
        int one = 1;

        a.port = i == MK_IO_IKE ? local->port : natt_port;
        sl = to_sa(&a, &ss);
        /* Non-blocking: the only place that waits is poll() in mk_io_wait, with a deadline. A
         * blocking recv could hang past a retransmission time. CLOEXEC: a child process (a
         * hook script) must not inherit the IKE sockets. */
        io->fd[i] = socket(local->family == 4 ? AF_INET : AF_INET6,
                           SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (io->fd[i] < 0) {
            mk_io_status st = fail(io, MK_IO_E_BIND);
            mk_io_close(io);
            return st;
        }
        /* V6ONLY: otherwise a v6 socket on the same port also receives v4-mapped traffic and
         * collides with a separate v4 instance; each mk_io serves exactly one family. */
        if (local->family == 6)
            (void)setsockopt(io->fd[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        /* The usual failure is EADDRINUSE: another IKE daemon (charon, pluto) already owns
         * 500/4500 on this host. No SO_REUSEADDR/SO_REUSEPORT: two processes on one IKE
         * port would each see only part of the peer's datagrams. */
        if (bind(io->fd[i], (struct sockaddr *)&ss, sl) != 0) {
            mk_io_status st = fail(io, MK_IO_E_BIND);
            int e = io->last_errno;
            mk_io_close(io);
            io->last_errno = e;
            io->local[i] = a; /* so the error message names the port that was busy */
            return st;
        }
        sockname(io, i);
    }
    return MK_IO_OK;
}

/* Connected UDP sockets, for the initiator: the kernel then filters out datagrams from any other
 * source (an off-path sender must also spoof the peer's address and port), and ICMP errors for
 * our sends are reported back on the socket, which is how an unreachable peer is noticed before
 * the whole retransmission budget runs out. An unconnected socket needs an explicit `to`. */
mk_io_status mk_io_connect(mk_io *io, const mk_addr *peer_ike, const mk_addr *peer_natt)
{
    const mk_addr *peers[MK_IO_NSOCK] = {peer_ike, peer_natt};
    for (int i = 0; i < MK_IO_NSOCK; i++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        if (peers[i] == NULL)
            continue;
        sl = to_sa(peers[i], &ss);
        if (sl == 0 || peers[i]->family != io->local[i].family) {
            errno = EAFNOSUPPORT;
            return fail(io, MK_IO_E_ADDR);
        }
        if (connect(io->fd[i], (struct sockaddr *)&ss, sl) != 0)
            return fail(io, MK_IO_E_BIND);
        io->remote[i] = *peers[i];
        sockname(io, i);
    }
    io->connected = true;
    return MK_IO_OK;
}

/* Idempotent: descriptors are reset to -1, so a second close cannot close an unrelated file
 * that the process opened in between and that reused the number. */
void mk_io_close(mk_io *io)
{
    for (int i = 0; i < MK_IO_NSOCK; i++) {
        if (io->fd[i] >= 0)
            close(io->fd[i]);
        io->fd[i] = -1;
    }
}

/* The errnos Linux reports on a connected UDP socket after ICMP port/host/net unreachable. */
static bool is_icmp_errno(int e)
{
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN;
}

/* One send attempt: the connected peer when `to` is NULL, else sendto(). */
static ssize_t send_once(mk_io *io, int cls, const mk_addr *to, const uint8_t *p, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (to == NULL)
        return send(io->fd[cls], p, n, 0);
    sl = to_sa(to, &ss);
    if (sl == 0) {
        errno = EDESTADDRREQ;
        return -1;
    }
    return sendto(io->fd[cls], p, n, 0, (struct sockaddr *)&ss, sl);
}

mk_io_status mk_io_send(mk_io *io, int cls, const mk_addr *to, const uint8_t *p, size_t n)
{
    ssize_t r;
    const mk_addr *dst;

    /* Checked before any syscall, so a closed or half-opened mk_io reports EBADF instead of
     * sending on descriptor -1 or indexing past fd[]. */
    if (cls < 0 || cls >= MK_IO_NSOCK || io->fd[cls] < 0) {
        errno = EBADF;
        return fail(io, MK_IO_E_SEND);
    }
    if (to == NULL && io->remote[cls].port == 0) {
        errno = EDESTADDRREQ;
        return fail(io, MK_IO_E_SEND);
    }
    dst = to != NULL ? to : &io->remote[cls];
    r = send_once(io, cls, to, p, n);
    if (r < 0 && is_icmp_errno(errno)) {
        /* A pending ICMP error from an earlier datagram (connected sockets only): count it
         * and try once more; a peer that keeps refusing is unreachable. */
        io->last_errno = errno;
        if (++io->icmp_errors >= io->icmp_limit)
            return MK_IO_E_UNREACHABLE;
        r = send_once(io, cls, to, p, n);
        if (r < 0 && is_icmp_errno(errno)) {
            io->last_errno = errno;
            return MK_IO_E_UNREACHABLE;
        }
    }
    /* ICMP is unauthenticated, which is why one error is not enough (icmp_limit, default 2): a
     * single forged "port unreachable" must not end a handshake that retransmission could save. */
    if (r < 0) {
        io->last_errno = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return MK_IO_OK; /* UDP: a full queue is loss; retransmission covers it */
        return MK_IO_E_SEND;
    }
    /* Tapped only after a successful send, so a capture shows what actually left the host;
     * a datagram lost to EAGAIN/ENOBUFS is not in it. */
    if (io->tap != NULL)
        io->tap(io->tap_ctx, true, &io->local[cls], dst, p, n);
    return MK_IO_OK;
}

/* Read one datagram from socket i into d. 1: got one, 0: nothing (EAGAIN), <0: error. */
static int read_one(mk_io *io, int i, mk_io_dgram *d)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    /* MSG_TRUNC makes Linux return the real datagram length even when it exceeded the buffer,
     * so an oversized datagram is recognised and dropped instead of being parsed cut short.
     * MK_IO_MAX_DGRAM (4096) is above MK_MAX_MSG (3000) + marker; the core drops the rest. */
    ssize_t r = recvfrom(io->fd[i], d->buf, sizeof(d->buf), MSG_TRUNC, (struct sockaddr *)&ss, &sl);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        io->last_errno = errno;
        if (is_icmp_errno(errno))
            return ++io->icmp_errors >= io->icmp_limit ? MK_IO_E_UNREACHABLE : 0;
        return MK_IO_E_RECV;
    }
    if ((size_t)r > sizeof(d->buf))
        return 0; /* truncated: drop */
    d->len = (size_t)r;
    d->cls = i;
    /* The source is kept per datagram: on an unconnected socket it is where an answer must go,
     * since IKE responses go back to the address and port the request came from. */
    from_sa(&ss, &d->from);
    d->to = io->local[i];
    /* RFC 3948 §2.2 and strongSwan's rule: the non-ESP marker is used on the NAT-T socket and
     * whenever neither port is 500. On such a socket 4 zero octets mean IKE, anything else
     * (an SPI, never 0) is ESP. A 1-octet 0xff is a NAT-keepalive (RFC 3948 §2.3): drop. */
    d->marker_socket =
        i == MK_IO_NATT || (io->local[i].port != MK_PORT_IKE && d->from.port != MK_PORT_IKE);
    if (d->marker_socket && d->len == 1 && d->buf[0] == 0xff)
        return 0;
    /* The one octet-level look at the payload this file allows: SPI 0 is reserved in ESP, so
     * a zero first word can only be the marker. ESP goes to the on_esp hook, IKE to the core. */
    d->esp = d->marker_socket && d->len >= MK_NATT_MARKER &&
             (d->buf[0] | d->buf[1] | d->buf[2] | d->buf[3]) != 0;
    /* 1 to 3 octets on a marker socket are neither a marker nor an ESP header: noise. */
    if (d->marker_socket && d->len < MK_NATT_MARKER)
        return 0;
    if (io->tap != NULL)
        io->tap(io->tap_ctx, false, &d->from, &d->to, d->buf, d->len);
    return 1;
}

/* Returns 1 with a datagram, 0 when until_ms passed, <0 on error or stop. Spurious wake-ups (a
 * keepalive, a truncated datagram, EINTR) loop back into poll with the remaining time, so the
 * caller sees either a datagram or its deadline, never an early empty return. */
int mk_io_wait(mk_io *io, uint64_t until_ms, mk_io_dgram *d)
{
    for (;;) {
        struct pollfd pfd[MK_IO_NSOCK];
        uint64_t now;
        int timeout, r;

        if (io->stop != NULL && *io->stop)
            return MK_IO_E_STOPPED;
        for (int i = 0; i < MK_IO_NSOCK; i++) {
            pfd[i].fd = io->fd[i];
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        /* A deadline already passed still polls once with timeout 0, so a datagram that is
         * already queued (often the response we are waiting for) wins over the timer. */
        now = mk_io_now_ms();
        if (until_ms <= now)
            timeout = 0;
        else if (until_ms - now > 1000)
            timeout = 1000; /* wake up now and then to look at the stop flag */
        else
            timeout = (int)(until_ms - now);
        r = poll(pfd, MK_IO_NSOCK, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            io->last_errno = errno;
            return MK_IO_E_RECV;
        }
        /* POLLERR too: a queued ICMP error is delivered by the next recvfrom, and not reading it
         * would make poll return at once forever (a busy loop). */
        for (int i = 0; i < MK_IO_NSOCK && r > 0; i++) {
            if (pfd[i].revents & (POLLIN | POLLERR)) {
                int got = read_one(io, i, d);
                if (got != 0)
                    return got;
            }
        }
        /* r == 0 with time left: poll woke for the stop-flag check (1 s cap); go round again. */
        if (r == 0 && mk_io_now_ms() >= until_ms)
            return 0;
    }
}

/* ---- clock and randomness ------------------------------------------------------------------- */

/* CLOCK_MONOTONIC for every protocol timer: it never jumps when NTP or the user sets the wall
 * clock, which on a device without an RTC happens shortly after boot, in the middle of the first
 * handshake. The return value is ignored: CLOCK_MONOTONIC cannot fail on Linux. */
uint64_t mk_io_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wall clock for timestamps humans and pcap files read; never used for a timeout. */
uint64_t mk_io_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The production env->rng. randombytes_buf (getrandom(2) on Linux) has no error return: libsodium
 * aborts the process rather than hand out unfilled output, so the core never sees weak SPIs,
 * nonces or DH keys. libsodium requires sodium_init() before the first call. */
void mk_io_rng_os(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
}

/* Deterministic generator for tests and reproducible captures ONLY: the key has at most 2^72
 * values that anyone who knows the seed can replay. `stream` separates generators that share a
 * seed (two endpoints in one test). Never give this to a deployed device. */
void mk_io_drbg_init(mk_io_drbg *d, uint64_t seed, uint8_t stream)
{
    memset(d, 0, sizeof(*d));
    for (int i = 0; i < 8; i++)
        d->key[i] = (uint8_t)(seed >> (8 * i));
    d->key[8] = stream;
}

void mk_io_rng_drbg(void *ctx, uint8_t *out, size_t n)
{
    /* The nonce randombytes_buf_deterministic() uses (libsodium 1.0.18 randombytes.c). */
    /* 12 characters fill the 12-octet array exactly; C (unlike C++) allows dropping the NUL. */
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = "LibsodiumDRG";
    mk_io_drbg *d = ctx;
    uint8_t block[64];
    size_t done = 0;

    /* Random access into one ChaCha20 keystream: d->off counts the octets handed out so far, the
     * 32-bit block counter addresses 64-octet blocks, so a sequence of calls returns the same
     * octets as one call of the total length, whatever the split. Encrypting zeros yields the
     * keystream. The counter would wrap after 256 GiB, far beyond any test. */
    while (done < n) {
        uint64_t blk = d->off / 64;
        size_t skip = (size_t)(d->off % 64), take = 64 - skip;
        if (take > n - done)
            take = n - done;
        memset(block, 0, sizeof(block));
        crypto_stream_chacha20_ietf_xor_ic(block, block, sizeof(block), nonce, (uint32_t)blk,
                                           d->key);
        memcpy(out + done, block + skip, take);
        done += take;
        d->off += take;
    }
    sodium_memzero(block, sizeof(block));
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* The core's transmit slot holds one datagram, so this normally runs once. The guard bounds the
 * loop should a bug keep refilling the slot; a send error still marks the datagram done, and the
 * retransmission timer, not this loop, decides when the request goes out again. */
mk_io_status mk_io_drain(mk_io *io, mk_ike *ike, const mk_io_hooks *h, uint64_t now_ms)
{
    for (int guard = 0; guard < 16; guard++) {
        const uint8_t *p;
        uint16_t port = 0;
        size_t n = mk_tx_peek(ike, &p, &port);
        mk_io_status st;
        if (n == 0)
            return MK_IO_OK;
        /* The core names the port class; on NAT-T the octets already begin with the marker. */
        st = mk_io_send(io, port == MK_PORT_NATT ? MK_IO_NATT : MK_IO_IKE, NULL, p, n);
        /* The hook sees the attempt even when the send failed, so a timeline shows it. */
        if (h != NULL && h->on_ike_tx != NULL)
            h->on_ike_tx(h->ctx, p, n, port, now_ms);
        mk_tx_done(ike);
        if (st != MK_IO_OK)
            return st;
    }
    return MK_IO_OK;
}

/* Without a done hook the loop ends at the first settled state (ESTABLISHED, CLOSED, FAILED); a
 * caller that must keep answering the peer's requests after that passes its own done hook. */
static bool default_done(const mk_ike *ike)
{
    mk_state st = mk_state_get(ike);
    return st == MK_ST_ESTABLISHED || st == MK_ST_CLOSED || st == MK_ST_FAILED;
}

mk_io_status mk_io_run(mk_io *io, mk_ike *ike, const mk_io_hooks *h, uint64_t until_ms)
{
    mk_io_dgram dg; /* on the stack: two threads (the demo's device and door) may each loop */
    mk_io_status st;
    uint64_t now = mk_io_now_ms();

    /* mk_start() may already have queued IKE_SA_INIT: send it before the first wait. */
    if ((st = mk_io_drain(io, ike, h, now)) != MK_IO_OK)
        return st;
    /* One iteration: wait until the earliest of core deadline, application deadline and the
     * caller's until_ms; feed a datagram or the timer; drain what the core queued. The core is
     * never called with a guessed time, only with what the monotonic clock says now. */
    for (;;) {
        uint64_t wake = mk_deadline(ike);
        uint64_t app =
            (h != NULL && h->app_deadline != NULL) ? h->app_deadline(h->ctx) : UINT64_MAX;
        int r;

        if (mk_state_get(ike) == MK_ST_FAILED)
            return MK_IO_E_IKE;
        if (h != NULL && h->done != NULL ? h->done(h->ctx, ike) : default_done(ike))
            return MK_IO_OK;
        /* until_ms is the caller's overall limit; the core's own budget is per exchange. */
        if (mk_io_now_ms() >= until_ms)
            return MK_IO_E_DEADLINE;
        /* The application's own deadline (ESP keepalives, a demo's next packet) shares the
         * wait, so one thread runs both without a second timer. */
        if (app < wake)
            wake = app;
        if (until_ms < wake)
            wake = until_ms;
        r = mk_io_wait(io, wake, &dg);
        now = mk_io_now_ms();
        if (r < 0)
            return (mk_io_status)r;
        if (r == 1) {
            if (dg.esp) {
                if (h != NULL && h->on_esp != NULL)
                    h->on_esp(h->ctx, &dg, now);
            } else {
                /* mk_on_dgram wants the port class; on a marker socket the marker stays on */
                uint16_t port = dg.marker_socket ? MK_PORT_NATT : MK_PORT_IKE;
                /* e is for the hook's log only: a DROP needs no action here, and a FATAL
                 * shows up as FAILED at the top of the next iteration. */
                mk_err e = mk_on_dgram(ike, dg.buf, dg.len, port, now);
                if (h != NULL && h->on_ike != NULL)
                    h->on_ike(h->ctx, &dg, e, now);
            }
        }
        /* Asked again after the datagram: a response that arrived may have cleared the timer.
         * mk_on_timer's error is not lost: a FATAL sets FAILED, which the next loop returns. */
        if (now >= mk_deadline(ike))
            (void)mk_on_timer(ike, now);
        if (h != NULL && h->app_timer != NULL && app != UINT64_MAX && now >= app)
            h->app_timer(h->ctx, now);
        if ((st = mk_io_drain(io, ike, h, now)) != MK_IO_OK)
            return st;
    }
}

const char *mk_io_status_str(mk_io_status s)
{
    switch (s) {
    case MK_IO_OK:
        return "ok";
    case MK_IO_E_ADDR:
        return "address unusable";
    case MK_IO_E_BIND:
        return "cannot bind socket";
    case MK_IO_E_SEND:
        return "send failed";
    case MK_IO_E_RECV:
        return "receive failed";
    case MK_IO_E_UNREACHABLE:
        return "peer unreachable (ICMP error)";
    case MK_IO_E_STOPPED:
        return "interrupted";
    case MK_IO_E_DEADLINE:
        return "deadline passed";
    case MK_IO_E_IKE:
        return "IKE SA failed";
    }
    return "unknown";
}
