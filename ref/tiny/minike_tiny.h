/* SPDX-License-Identifier: MIT */
/*
 * minike_tiny.h: the template core, a second implementation of the minimal IKEv2 initiator
 * (RFC 7815) for one fixed profile: PSK, ChaCha20-Poly1305 + PRF-HMAC-SHA2-256 + X25519 for the
 * IKE SA, ChaCha20-Poly1305 without ESN for the one ESP SA, UDP 500 only (no NAT-T), messages up
 * to 1280 octets. It is what the general core (minike.h) compiled for that profile does, written
 * for a device instead of for every option: the two requests are octet templates with a few
 * fields patched in, each response is checked in one walk over its payloads, libsodium is called
 * directly, and the received datagram is decrypted in the caller's buffer. The general core stays
 * the reference: harness/unit/test_tiny.c runs both against the same responder with the same
 * random octets and requires the same datagrams, octet for octet, and the same outcome.
 *
 * Sans-I/O, no heap, no globals, like the general core:
 *   mt_init(&ike, &cfg, &env);  mt_start(&ike, now);
 *   loop: send mt_tx() (then mt_tx_done()) to the peer's UDP port 500, wait for a datagram or
 *         mt_deadline(), call mt_on_dgram() or mt_on_timer(); stop when mt_state() is
 *         MT_ST_ESTABLISHED (mt_child() gives the ESP SA), MT_ST_CLOSED or MT_ST_FAILED.
 */
#ifndef MINIKE_TINY_H
#define MINIKE_TINY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors. DROP: the datagram was ignored and nothing but the counters changed. FATAL: sticky,
 * the first one wins, the state becomes MT_ST_FAILED and every secret is wiped. USAGE: a caller
 * bug. The class is the range an error falls in (mt_err_class). */
typedef enum {
    MT_E_OK,
    /* DROP */
    MT_E_MALFORMED,   /* a length, a version or a payload is not what RFC 7296 §3 allows */
    MT_E_UNEXPECTED,  /* not the response we wait for (SPI, Message ID, exchange, flags) */
    MT_E_ICV,         /* SK or ESP integrity check failed */
    MT_E_OLD_REQUEST, /* a peer request older than the one last answered */
    MT_E_UNAUTH,      /* an unprotected answer that would end the exchange (RFC 7296 §2.21.1) */
    MT_E_CRITICAL,    /* unprotected, with an unknown critical payload (RFC 7296 §2.5) */
    MT_E_REPLAY,      /* ESP sequence number replayed or too old */
    MT_E_DROP_LAST = MT_E_REPLAY,
    /* FATAL */
    MT_E_NO_PROPOSAL_CHOSEN, /* the peer refused our proposal (remembered, reported at the end) */
    MT_E_BAD_PROPOSAL,       /* the peer chose what we did not offer (idem) */
    MT_E_INVALID_KE,         /* the peer wants a group we do not have (idem) */
    MT_E_DH_ZERO,            /* g^ir all zero, RFC 8031 §3.2 (idem) */
    MT_E_TOO_MANY_RETRIES,   /* COOKIE round trips (idem) */
    MT_E_AUTH_FAILED,        /* the responder's AUTH did not verify */
    MT_E_PEER_AUTH_FAILED,   /* the responder refused ours: N(AUTHENTICATION_FAILED) */
    MT_E_ID_MISMATCH,        /* IDr is not the configured one */
    MT_E_TS_UNACCEPTABLE,    /* N(TS_UNACCEPTABLE): IKE SA up, no child */
    MT_E_NO_CHILD_SA,        /* another error notify or no acceptable SAr2/TS: no child */
    MT_E_PEER_ERROR,         /* an error notify instead of IDr/AUTH */
    MT_E_MALFORMED_RESP,     /* an authenticated response that is malformed or critical */
    MT_E_PEER_DELETED,       /* the peer deleted the IKE SA (state CLOSED, not FAILED) */
    MT_E_TIMEOUT,            /* retransmissions exhausted */
    MT_E_CRYPTO,             /* libsodium failed */
    MT_E_FATAL_LAST = MT_E_CRYPTO,
    /* USAGE */
    MT_E_BAD_CONFIG,
    MT_E_BAD_STATE,
    MT_E_BUF_TOO_SMALL,
} mt_err;

typedef enum { MT_CLASS_NONE, MT_CLASS_DROP, MT_CLASS_FATAL, MT_CLASS_USAGE } mt_err_class_t;
mt_err_class_t mt_err_class(mt_err e);

enum {
    MT_MAX_MSG = 1280, /* RFC 7296 §2: every implementation MUST take 1280 octets */
    MT_MAX_REQ = 392,  /* our longest request, IKE_AUTH: 385 (tiny_handshake.c checks it) */
    MT_MAX_ID = 64,    /* identification data we send or expect */
    MT_MIN_PSK = 16,   /* as the general core: refuse short secrets (RFC 7296 §2.15) */
    MT_MAX_PSK = 256,
    MT_NONCE_LEN = 16, /* RFC 7296 §2.10: at least 128 bits and half the PRF key (32 / 2) */
    MT_KEY_LEN = 32,   /* X25519 values, PRF output, ChaCha20 keys */
    MT_SALT_LEN = 4,   /* RFC 7634 §2: the AEAD key is 32 octets of key and 4 of salt */
    MT_ICV_LEN = 16,
    MT_IV_LEN = 8,
    MT_MAX_COOKIE = 64, /* RFC 7296 §2.6 */
    MT_MAX_RETRIES = 4, /* COOKIE round trips before giving up */
    MT_MAX_ANSWER = 72, /* our cached answer to a peer request: HDR SK{one notify} */
    MT_PORT = 500,
    MT_REPLAY_WINDOW = 64,
};

typedef enum {
    MT_ST_IDLE,
    MT_ST_INIT_SENT,
    MT_ST_AUTH_SENT,
    MT_ST_ESTABLISHED,
    MT_ST_CLOSED,
    MT_ST_FAILED
} mt_state;

typedef struct mt_env {
    void *ctx;
    void (*rng)(void *ctx, uint8_t *out, size_t n); /* cryptographically strong; required */
} mt_env;

/* One traffic selector, RFC 7296 §3.13.1: IPv4 (type 7) or IPv6 (type 8) range. */
typedef struct mt_ts {
    uint8_t type, proto;
    uint16_t start_port, end_port;
    uint8_t start[16], end[16]; /* IPv4: the first 4 octets */
} mt_ts;

typedef struct mt_config {
    const uint8_t *psk; /* MT_MIN_PSK..MT_MAX_PSK octets, the caller's */
    size_t psk_len;
    uint8_t idi_type; /* our identity, sent as IDi (RFC 7815 A.5: ID_KEY_ID, 11) */
    uint8_t idi_len;  /* 1..MT_MAX_ID */
    uint8_t idr_type; /* the responder's expected identity, sent as IDr; idr_len 0: any */
    uint8_t idr_len;
    uint8_t idi[MT_MAX_ID], idr[MT_MAX_ID];
    mt_ts tsi, tsr;       /* one selector each; the responder may narrow them */
    bool tunnel;          /* ESP tunnel mode, else N(USE_TRANSPORT_MODE) */
    bool initial_contact; /* send N(INITIAL_CONTACT) (a device after a reboot) */
    uint32_t rto_ms;      /* first retransmission timeout (0: 500) */
    uint32_t rto_max_ms;  /* cap of one timeout (0: 4000) */
    uint32_t total_ms;    /* one exchange's budget (0: 30000) */
} mt_config;

/* tunnel mode, INITIAL_CONTACT, ID_KEY_ID, both selectors all of IPv4; timers 0 (defaults) */
void mt_config_defaults(mt_config *cfg);

/* The ESP SA (RFC 4303, RFC 7634 ChaCha20-Poly1305, 64-bit IV = the sequence number). */
typedef struct mt_esp_sa {
    uint32_t spi_out, spi_in;
    uint8_t k_out[MT_KEY_LEN + MT_SALT_LEN], k_in[MT_KEY_LEN + MT_SALT_LEN];
    uint32_t seq_out, replay_top;
    uint64_t replay_bitmap; /* bit i: replay_top - i was accepted */
    uint32_t dropped;
    bool tunnel;
} mt_esp_sa;

/* Seal SPI | Seq | IV | E(payload | pad | padlen | next_header) | ICV into out.
 * USAGE: BUF_TOO_SMALL, BAD_STATE (the sequence number is exhausted, RFC 4303 §3.3.3). */
mt_err mt_esp_seal(mt_esp_sa *sa, uint8_t next_header, const uint8_t *payload, size_t len,
                   uint8_t *out, size_t cap, size_t *out_len);
/* Open one ESP packet in place; *inner points into pkt. DROP: MALFORMED, UNEXPECTED (SPI), ICV,
 * REPLAY; a dropped packet changes nothing but sa->dropped. */
mt_err mt_esp_open(mt_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *next_header,
                   const uint8_t **inner, size_t *inner_len);
void mt_esp_wipe(mt_esp_sa *sa);

typedef struct mt_stats {
    uint32_t tx_dgrams, rx_dgrams, retransmits, dropped, answered_requests, resent_responses;
    mt_err last_drop;
    /* RFC 7296 §2.21.1: the FATAL error an unprotected IKE_SA_INIT answer would have caused;
     * reported instead of TIMEOUT if no real answer comes */
    mt_err unauth_reason;
} mt_stats;

/* One IKE SA. Its fields are private; its size is what a device budgets. */
typedef struct mt_ike {
    const mt_config *cfg;
    const mt_env *env;
    mt_state st;
    mt_err err;
    mt_stats stats;
    uint8_t spi_i[8], spi_r[8];
    uint8_t cookie[MT_MAX_COOKIE];
    uint8_t cookie_len, retries;
    /* secrets: from dh_priv to sk_er one block, one wipe */
    uint8_t dh_priv[MT_KEY_LEN];
    uint8_t ni[MT_NONCE_LEN];
    uint8_t sk_pr[MT_KEY_LEN];
    uint8_t sk_ei[MT_KEY_LEN + MT_SALT_LEN], sk_er[MT_KEY_LEN + MT_SALT_LEN];
    /* the responder's AUTH, running over RealMessage2 | Ni (HMAC-SHA-256 state, 208 octets) */
    uint64_t auth_r[26];
    /* the outstanding request, bitwise identical for every retransmission (RFC 7296 §2.1) */
    uint8_t req[MT_MAX_REQ];
    uint16_t req_len;
    bool req_outstanding;
    uint8_t tx_what; /* 0 nothing, 1 req, 2 answer */
    uint32_t rto_ms;
    uint64_t first_ms, next_ms;
    /* the answer to the peer's last request, resent when that request comes again */
    uint8_t answer[MT_MAX_ANSWER];
    uint8_t answer_len;
    uint32_t peer_msgid; /* the Message ID of the request `answer` answers */
    mt_esp_sa child;     /* keyed when IKE_SA_INIT completes, valid once child_ok */
    bool child_ok;
} mt_ike;

/* Check the config and prepare. USAGE: BAD_CONFIG. */
mt_err mt_init(mt_ike *ike, const mt_config *cfg, const mt_env *env);
/* Build and queue IKE_SA_INIT. USAGE: BAD_STATE. */
mt_err mt_start(mt_ike *ike, uint64_t now_ms);
/* One received UDP payload (from port 500). The buffer is the core's working space during the
 * call: an authenticated message is decrypted in it (so it is left changed, wipe it if it held
 * anything secret). OK when accepted, a DROP error, or the sticky FATAL error. */
mt_err mt_on_dgram(mt_ike *ike, uint8_t *dgram, size_t len, uint64_t now_ms);
mt_err mt_on_timer(mt_ike *ike, uint64_t now_ms);
uint64_t mt_deadline(const mt_ike *ike);              /* UINT64_MAX: none */
size_t mt_tx(const mt_ike *ike, const uint8_t **out); /* the datagram to send, 0: none */
void mt_tx_done(mt_ike *ike);
mt_state mt_state_get(const mt_ike *ike);
mt_err mt_last_error(const mt_ike *ike);
bool mt_child(const mt_ike *ike, mt_esp_sa *out);
void mt_ike_wipe(mt_ike *ike);

#endif
