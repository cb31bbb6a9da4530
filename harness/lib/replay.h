/* SPDX-License-Identifier: MIT */
/*
 * replay: what the capture replays (harness/replay/test_replay*.c) share, whichever initiator
 * core they drive. The scenario files: the .expect lines (pcaps/README.md) and the values of a
 * .keys block (identities, selectors, addresses, proposals); and the checks every replay makes
 * the same way, over a small table of the core's calls (mk_rp_core): a retransmission at the
 * deadline, a sent datagram equal to the captured one, a state named by the .expect line, a DROP
 * that changes nothing but the counters, the clock run out to the END state.
 * Test code: results come back as false/non-zero with the reason in `why`, never as asserts.
 */
#ifndef MK_REPLAY_H
#define MK_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minike.h"
#include "minike_tools.h"
#include "pcapread.h"
#include "vec.h"

/* ---- .expect files ----------------------------------------------------------------------------
 */

enum { MK_RP_MAX_STEPS = 128 };

typedef enum {
    MK_RP_TX,      /* ours: the core must send this datagram */
    MK_RP_RX,      /* the peer's, taken: RX OK A->B */
    MK_RP_DROP,    /* the peer's, dropped: DROP ERR STATE */
    MK_RP_FAIL,    /* the peer's, fatal: FAIL ERR A->B (interop) */
    MK_RP_ESP_OUT, /* ESP OUT / ESP IN (interop) */
    MK_RP_ESP_IN,
    MK_RP_OTHER, /* not fed: another flow or SA (interop) */
    MK_RP_AFTER, /* not fed: arrived after the SA was final (interop) */
} mk_rp_kind;

typedef struct mk_rp_step {
    mk_rp_kind kind;
    char exch[24];   /* TX */
    bool retransmit; /* TX RETRANSMIT: after the timer at the deadline */
    bool app_delete; /* TX DELETE: after the application's Delete */
    char err[32];    /* DROP, FAIL (RX: "OK") */
    char from[16], to[16];
} mk_rp_step;

typedef struct mk_rp_expect {
    mk_rp_step st[MK_RP_MAX_STEPS];
    size_t n;
    char end_state[16], end_err[32];
} mk_rp_expect;

/* GOLDEN: pcaps/<s>.expect (TX, RX, DROP); INTEROP: pcaps/interop/<s>/<s>.expect (also FAIL,
 * ESP, OTHER, AFTER). */
typedef enum { MK_RP_GOLDEN, MK_RP_INTEROP } mk_rp_format;

/* Reads `path` (absolute). false with the reason (file and line) in why. */
bool mk_rp_load_expect(const char *path, mk_rp_format f, mk_rp_expect *out, char *why, size_t cap);

/* A scenario name (a Criterion parameter: no pointers) */
typedef struct mk_rp_name {
    char name[64];
} mk_rp_name;

/* The scenario names under MK_SOURCE_DIR, sorted: GOLDEN the <s> of pcaps/<s><ext>, INTEROP the
 * <s> of pcaps/interop/<s>/<s><ext> (ext ".expect" or ".keys"). Returns how many (<= cap). */
size_t mk_rp_list(mk_rp_format f, const char *ext, mk_rp_name *out, size_t cap);

/* A scenario's files: its .expect lines and its .keys block (replay_cr.h loads them). */
typedef struct mk_rp_files {
    char name[64];      /* the .expect's scenario */
    char keys_name[64]; /* the .keys' (the same but for test_replay_tiny.c's transplants) */
    mk_rp_expect x;
    mk_vec_file *keys; /* one block */
    uint64_t seed;     /* the CLI's --seed, and its RNG stream octet */
    uint8_t stream;
} mk_rp_files;

/* ---- .keys values ------------------------------------------------------------------------------
 */

/* "fqdn:x", "email:x", "keyid:<hex>", "ipv4:a.b.c.d" into type, data (cap octets) and length */
bool mk_rp_parse_id(const char *v, uint8_t *type, uint8_t *data, size_t cap, size_t *len);
/* "a.b.c.d/bits" into the IPv4 range start..end */
bool mk_rp_parse_cidr(const char *v, uint8_t start[4], uint8_t end[4]);
/* "a.b.c.d:port" */
bool mk_rp_parse_addr(const char *v, mk_addr *a);
/* the same into the general core's types (an IPv4 range, all ports, any protocol) */
bool mk_rp_parse_mk_id(const char *v, mk_id *id);
bool mk_rp_parse_mk_ts(const char *v, mk_ts *ts);
/* ike.N = encr,bits,prf,integ,dh and esp.N = encr,bits,integ into c->ike/esp; false if malformed
 * or none */
bool mk_rp_parse_suites(const mk_vec_block *b, mk_config *c, char *why, size_t cap);

/* ---- the replay's checks ------------------------------------------------------------------------
 */

/* The calls of an initiator core the checks need; ike is the core's context. */
typedef struct mk_rp_core {
    void *ike;
    size_t (*tx)(void *ike, const uint8_t **p); /* the datagram waiting, 0: none */
    uint64_t (*deadline)(void *ike);            /* UINT64_MAX: none */
    void (*on_timer)(void *ike, uint64_t now);
    uint32_t (*retransmits)(void *ike);
    const char *(*state)(void *ike); /* the general core's state names */
} mk_rp_core;

mk_rp_core mk_rp_general(mk_ike *ike);

/* Formats the reason into why; returns 1 (so `return mk_rp_fail(...)` reports a failure). */
int mk_rp_fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "IKE_SA_INIT", ...; "?" for an unknown exchange type */
const char *mk_rp_exch_name(uint8_t x);

/* TX RETRANSMIT at capture time now (t0: the first datagram's): nothing queued, the deadline
 * within the captures' 150 ms rounding of now, and the timer there counts one retransmission. */
int mk_rp_retransmit(const mk_rp_core *c, uint64_t now, uint64_t t0, char *why, size_t cap);
/* TX: the n octets the core sends (hdr: non-ESP marker length) are the captured datagram, of
 * exchange exch. */
int mk_rp_same_tx(const uint8_t *p, size_t n, size_t hdr, const mk_pcap_udp *d, const char *exch,
                  char *why, size_t cap);
/* A peer's datagram at now: no timer of the core may have been due before (150 ms rounding). */
int mk_rp_not_late(const mk_rp_core *c, uint64_t now, uint64_t t0, char *why, size_t cap);
/* The core's state is `want` (`what`: "state" or "state after" in the reason). */
int mk_rp_state_is(const mk_rp_core *c, const char *want, const char *what, char *why, size_t cap);
/* A DROP: the context after equals the one before but for the counters at [skip_off, +skip_len) */
bool mk_rp_same_but(const void *after, const void *before, size_t size, size_t skip_off,
                    size_t skip_len);
/* After IKE_SA_INIT: the general core's SPIi, SPIr and negotiated encr/encr_bits/integ are the
 * .keys block's (spi_i, spi_r, encr, encr_bits, integ). */
int mk_rp_same_spis(const mk_vec_block *b, const mk_ike_keys *k, char *why, size_t cap);
/* After the last datagram: the timers run until the state is end_state or nothing is due; no
 * datagram may appear; then the state must be end_state. 0, or -1 with the reason. */
int mk_rp_run_out(const mk_rp_core *c, const char *end_state, char *why, size_t cap);

#endif
