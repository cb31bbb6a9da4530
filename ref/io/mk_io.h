/* SPDX-License-Identifier: MIT */
/*
 * mk_io: the thin outer loop around the sans-I/O core, and the only code in minike that touches
 * sockets, the clock (clock_gettime) and the OS RNG (randombytes_buf). It binds one UDP socket of
 * the IKE class (port 500, or any port) and one of the NAT-T class (port 4500, or any port) on a
 * given local address, sorts what arrives into IKE and ESP by the non-ESP marker (RFC 3948 §2.2),
 * and runs the BearSSL-style loop: wait until min(mk_deadline(), next application event), feed
 * mk_on_dgram()/mk_on_timer(), drain mk_tx_peek(). It also provides the seeded deterministic RNG
 * used by `--seed N` (a ChaCha20 keystream, so runs are reproducible).
 * It must never interpret IKE payloads or hold keys beyond what it is handed; it knows only
 * minike.h.
 */
#ifndef MK_IO_H
#define MK_IO_H

#include <signal.h>

#include "minike.h"

/* Socket classes: index into mk_io.fd[]. */
enum { MK_IO_IKE = 0, MK_IO_NATT = 1, MK_IO_NSOCK = 2 };

/* Largest UDP payload we receive; bigger datagrams are dropped as truncated. */
enum { MK_IO_MAX_DGRAM = 4096 };

/* Results of mk_io calls (negative errno-like classes; 0 = ok). The failing errno is kept in
 * io->last_errno for the message the caller prints. */
typedef enum {
    MK_IO_OK = 0,
    MK_IO_E_ADDR = -1,        /* address family or syntax unusable */
    MK_IO_E_BIND = -2,        /* socket() or bind() failed (port in use, not permitted) */
    MK_IO_E_SEND = -3,        /* sendto() failed for a reason other than an ICMP error */
    MK_IO_E_RECV = -4,        /* recv/poll failed */
    MK_IO_E_UNREACHABLE = -5, /* ICMP error reported on a connected socket (port unreachable) */
    MK_IO_E_STOPPED = -6,     /* the stop flag was raised (SIGINT/SIGTERM) */
    MK_IO_E_DEADLINE = -7,    /* mk_io_run(): until_ms passed first */
    MK_IO_E_IKE = -8,         /* mk_io_run(): the IKE SA failed: see mk_last_error() */
} mk_io_status;

typedef struct mk_io {
    int fd[MK_IO_NSOCK];         /* -1: not open */
    mk_addr local[MK_IO_NSOCK];  /* bound address with the actual port */
    mk_addr remote[MK_IO_NSOCK]; /* connected peer per class (port 0: not connected) */
    bool connected;
    int last_errno;
    uint32_t icmp_errors;        /* ICMP errors seen on connected sockets */
    uint32_t icmp_limit;         /* fail with E_UNREACHABLE after this many (default 2) */
    volatile sig_atomic_t *stop; /* optional: set by a signal handler to end waits */
    /* Optional tap on every UDP payload sent or received (pcap writers, timelines). */
    void (*tap)(void *ctx, bool tx, const mk_addr *src, const mk_addr *dst, const uint8_t *p,
                size_t n);
    void *tap_ctx;
} mk_io;

/* One received datagram, classified. */
typedef struct mk_io_dgram {
    uint8_t buf[MK_IO_MAX_DGRAM];
    size_t len;
    int cls;            /* MK_IO_IKE or MK_IO_NATT: the socket it arrived on */
    bool marker_socket; /* a socket where the non-ESP marker applies */
    bool esp;           /* marker socket and the first 4 octets are not zero */
    mk_addr from;
    mk_addr to; /* our bound address on that socket */
} mk_io_dgram;

/* ---- addresses ---- */
/* "1.2.3.4", "1.2.3.4:500", "::1", "[::1]:500". Port stays `def_port` when absent. */
bool mk_io_parse_addr(const char *s, uint16_t def_port, mk_addr *out);
/* Text form, "1.2.3.4:500" / "[::1]:500" (port omitted when with_port is false). */
void mk_io_format_addr(const mk_addr *a, bool with_port, char *out, size_t cap);

/* ---- sockets ---- */
/* Bind the IKE socket on local (local->port, 0 = ephemeral) and the NAT-T socket on natt_port
 * (0 = ephemeral). Sockets are non-blocking. */
mk_io_status mk_io_open(mk_io *io, const mk_addr *local, uint16_t natt_port);
/* Connect both sockets to the peer (initiator side): ICMP errors then surface as
 * E_UNREACHABLE, and the bound local address becomes concrete. Either may be NULL. */
mk_io_status mk_io_connect(mk_io *io, const mk_addr *peer_ike, const mk_addr *peer_natt);
void mk_io_close(mk_io *io);

/* Send one UDP payload from socket `cls` to `to` (NULL: the connected peer of that socket).
 * The payload is sent as given: IKE on a marker socket must already carry its marker. */
mk_io_status mk_io_send(mk_io *io, int cls, const mk_addr *to, const uint8_t *p, size_t n);

/* Wait for one datagram until `until_ms` (mk_io_now_ms() clock). Returns 1 with *d filled,
 * 0 on timeout, or a negative mk_io_status. */
int mk_io_wait(mk_io *io, uint64_t until_ms, mk_io_dgram *d);

/* ---- clock and randomness ---- */
uint64_t mk_io_now_ms(void);  /* CLOCK_MONOTONIC in milliseconds */
uint64_t mk_io_wall_us(void); /* CLOCK_REALTIME in microseconds (pcap timestamps) */
/* The OS RNG in mk_env form (randombytes_buf); ctx unused. */
void mk_io_rng_os(void *ctx, uint8_t *out, size_t n);

/* Seeded deterministic RNG: the ChaCha20 keystream of randombytes_buf_deterministic() (IETF
 * ChaCha20, nonce "LibsodiumDRG", block counter from 0) under key = seed as 8 octets
 * little-endian, then `stream` in octet 8, zeros after. The concatenation of every output equals
 * randombytes_buf_deterministic(total, key): calls never reuse keystream. */
typedef struct mk_io_drbg {
    uint8_t key[32];
    uint64_t off; /* octets of keystream consumed */
} mk_io_drbg;
void mk_io_drbg_init(mk_io_drbg *d, uint64_t seed, uint8_t stream);
void mk_io_rng_drbg(void *ctx, uint8_t *out, size_t n); /* ctx: mk_io_drbg * */

/* ---- the loop ---- */
typedef struct mk_io_hooks {
    void *ctx;
    /* An IKE datagram was fed to mk_on_dgram() (after the call, with its result). */
    void (*on_ike)(void *ctx, const mk_io_dgram *d, mk_err result, uint64_t now_ms);
    /* An IKE datagram left (after mk_tx_peek; `p` includes any marker). */
    void (*on_ike_tx)(void *ctx, const uint8_t *p, size_t n, uint16_t port_class, uint64_t now_ms);
    /* An ESP datagram arrived on a marker socket (the buffer may be decrypted in place). */
    void (*on_esp)(void *ctx, mk_io_dgram *d, uint64_t now_ms);
    /* The next application event (UINT64_MAX: none) and its handler. */
    uint64_t (*app_deadline)(void *ctx);
    void (*app_timer)(void *ctx, uint64_t now_ms);
    /* Stop condition checked after every step; NULL: stop once the state is ESTABLISHED,
     * CLOSED or FAILED. */
    bool (*done)(void *ctx, const mk_ike *ike);
} mk_io_hooks;

/* Send everything the core has queued (mk_tx_peek / mk_tx_done), to the connected peer of the
 * socket of the datagram's port class. */
mk_io_status mk_io_drain(mk_io *io, mk_ike *ike, const mk_io_hooks *h, uint64_t now_ms);

/* Run until hooks->done() says so (MK_IO_OK), the IKE SA fails (MK_IO_E_IKE), `until_ms`
 * passes (MK_IO_E_DEADLINE), the stop flag rises, or a socket error happens. */
mk_io_status mk_io_run(mk_io *io, mk_ike *ike, const mk_io_hooks *h, uint64_t until_ms);

const char *mk_io_status_str(mk_io_status s);

#endif
