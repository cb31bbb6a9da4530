/* SPDX-License-Identifier: MIT */
/*
 * minike.h: the public header of the minimal IKEv2 initiator (RFC 7815): what a device needs to
 * run the exchange. What only tools, tests and the full profile use (error and state text, key
 * export, the full suite registry's numbers, raw-public-key helpers) is in minike_tools.h.
 *
 * The core is sans-I/O: the caller owns every buffer, feeds datagrams, the current time in
 * milliseconds and (through mk_env) randomness; the core answers with datagrams to send and the
 * next deadline. It allocates nothing, keeps no globals, and never touches sockets or clocks.
 *
 *   mk_init(&ike, &cfg, &env);  mk_start(&ike, now);
 *   loop: send every mk_tx_peek() datagram (then mk_tx_done()), wait for a datagram or for
 *         mk_deadline(), call mk_on_dgram() or mk_on_timer(); stop when mk_state() is
 *         MK_ST_ESTABLISHED (use mk_child() for the ESP SA), MK_ST_CLOSED or MK_ST_FAILED.
 *
 * Error classes: DROP (datagram ignored, state/timers/retransmit count untouched),
 * FATAL (sticky, first one wins, state becomes MK_ST_FAILED, secrets wiped), USAGE (caller bug).
 */
#ifndef MINIKE_H
#define MINIKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Build options. Every switch is 0 or 1 and is tested with #if, never #ifdef, so -DMK_NATT=0
 * means off. CMake sets them from MK_PROFILE (minimal|full) and the per-feature options; a
 * compiler invoked by hand gets these defaults. They change sizeof(mk_ike), so a program and the
 * library must be built with the same values (CMake passes them as PUBLIC definitions).
 *   MK_PROFILE_MINIMAL  1: the RFC 7815 device profile: PSK, one suite, no NAT-T, no raw keys,
 *                       1280-octet messages, no trace text.
 *   MK_NATT             NAT traversal (RFC 7296 §2.23, RFC 3948); off: cfg.natt is BAD_CONFIG
 *   MK_RPK              raw public keys (RFC 7427, 7670, 8420); off: MK_AUTH_DIGSIG is BAD_CONFIG
 *   MK_TRACE            env->trace gets text (payload lists, error and state names); off: no name
 *                       table is referenced by the core, so a --gc-sections link drops them
 *   MK_SUITES_ALL       the full registry (AES-GCM/CCM/CBC, P-256, MODP-2048, SHA2-512 via
 *                       libsodium and mbedTLS); off: ChaCha20-Poly1305 + X25519 + PRF-HMAC-SHA2-256
 *   MK_DELETE           mk_delete(), our own Delete of the IKE SA (RFC 7815 App. B.1, optional);
 *                       off: not declared (the peer's Delete is still answered)
 *   MK_X25519_LADDER    1: the X25519 public key is X25519(a, 9) by the Montgomery ladder, not
 *                       crypto_scalarmult_base(), whose 30 KB table a device image then need not
 *                       carry (harness/device sets it; costs ~2 % more instructions per handshake)
 *   MK_MAX_MSG          the largest IKE message sent or accepted (RFC 7296 §2: "All IKEv2
 *                       implementations MUST be able to send, receive, and process IKE messages
 *                       that are up to 1280 octets long, and they SHOULD be able to send,
 *                       receive, and process messages that are up to 3000 octets long.")
 */
#ifndef MK_PROFILE_MINIMAL
#define MK_PROFILE_MINIMAL 0
#endif
#ifndef MK_NATT
#define MK_NATT (!MK_PROFILE_MINIMAL)
#endif
#ifndef MK_RPK
#define MK_RPK (!MK_PROFILE_MINIMAL)
#endif
#ifndef MK_TRACE
#define MK_TRACE (!MK_PROFILE_MINIMAL)
#endif
#ifndef MK_SUITES_ALL
#define MK_SUITES_ALL (!MK_PROFILE_MINIMAL)
#endif
#ifndef MK_DELETE
#define MK_DELETE (!MK_PROFILE_MINIMAL)
#endif
#ifndef MK_X25519_LADDER
#define MK_X25519_LADDER 0
#endif
#ifndef MK_MAX_MSG
#if MK_PROFILE_MINIMAL
#define MK_MAX_MSG 1280
#else
#define MK_MAX_MSG 3000
#endif
#endif
/* MK_MAX_REQ: the largest request we build (mk_ike.req). Responses are what MK_MAX_MSG bounds;
 * our own requests are bounded by the config. With one ChaCha20-Poly1305/X25519 suite (no raw
 * keys) the longest possible IKE_AUTH request is 767 octets (IDi and IDr of 255 octets, IPv6
 * selectors, transport mode, INITIAL_CONTACT; test_initiator.c longest_request_fits) and
 * IKE_SA_INIT with a 64-octet cookie 196, so the minimal profile keeps 800. A config that does
 * not fit fails with BUF_TOO_SMALL, never overflows. */
#ifndef MK_MAX_REQ
#if MK_PROFILE_MINIMAL && !MK_SUITES_ALL && !MK_RPK
#define MK_MAX_REQ 800
#else
#define MK_MAX_REQ MK_MAX_MSG
#endif
#endif

/* ---------------------------------------------------------------------------------------------
 * Errors: one list generates the enum, mk_err_class() and the text of minike_tools.h's
 * mk_err_str() / mk_err_name(). Names are stable: tests and .expect files use the names, never
 * the numbers.
 */
/* Only raw public keys (key files, pins, signatures) produce these: without MK_RPK they do not
 * exist, so neither the enum nor the class table carries them. They sit where they always did, so
 * a full build numbers every error as before. */
#if MK_RPK
#define MK_ERRORS_RPK(X)                                                                           \
    X(NO_PEER_KEY, FATAL, "peer sent no raw public key and none is pinned: pin its key")           \
    X(IMPRINT_REFUSED, FATAL, "the peer's raw public key was not accepted for imprinting")         \
    X(SIG_HASH_UNSUPPORTED, FATAL, "peer announced no signature hash our key can use")             \
    X(BAD_KEY, FATAL, "public key or signature encoding malformed or unsupported")                 \
    X(WEAK_KEY, FATAL, "RSA key shorter than 2048 bits refused")
#else
#define MK_ERRORS_RPK(X)
#endif
#define MK_ERRORS(X)                                                                               \
    X(OK, NONE, "ok")                                                                              \
    X(TRUNCATED, DROP, "input shorter than a length field says")                                   \
    X(BAD_LENGTH, DROP, "length field inconsistent")                                               \
    X(BAD_VERSION, DROP, "IKE major version is not 2")                                             \
    X(BAD_SYNTAX, DROP, "payload syntax invalid")                                                  \
    X(TOO_MANY, DROP, "more items than the fixed limits allow")                                    \
    X(UNSUPPORTED_CRITICAL, DROP, "unknown payload with the critical bit set")                     \
    X(SK_NOT_LAST, DROP, "SK payload is not the last payload")                                     \
    X(ICV_MISMATCH, DROP, "SK or ESP integrity check failed")                                      \
    X(UNEXPECTED_MSG, DROP, "not a response we are waiting for")                                   \
    X(WRONG_SPI, DROP, "IKE SPIs do not match this SA")                                            \
    X(WRONG_MSGID, DROP, "message ID does not match the outstanding request")                      \
    X(OLD_REQUEST, DROP, "peer request older than the one last answered (replay)")                 \
    X(UNAUTH_NOTIFY, DROP, "unauthenticated error notify ignored (RFC 7296 2.21)")                 \
    X(UNAUTH_FAILURE, DROP, "unprotected IKE_SA_INIT response not acted on (RFC 7296 2.21.1)")     \
    X(REPLAY, DROP, "ESP sequence number replayed or too old")                                     \
    X(BAD_DH_PUBLIC, DROP, "peer DH public value invalid")                                         \
    X(NO_PROPOSAL_CHOSEN, FATAL, "peer rejected our SA proposal")                                  \
    X(BAD_PROPOSAL, FATAL, "peer chose a proposal we did not offer")                               \
    X(INVALID_KE, FATAL, "peer wants a DH group we are not configured for")                        \
    X(AUTH_FAILED, FATAL, "peer AUTH payload did not verify")                                      \
    X(PEER_AUTH_FAILED, FATAL, "peer rejected our authentication (AUTHENTICATION_FAILED)")         \
    MK_ERRORS_RPK(X)                                                                               \
    X(ID_MISMATCH, FATAL, "peer identity is not the one configured")                               \
    X(TS_UNACCEPTABLE, FATAL, "peer refused the traffic selectors")                                \
    X(NO_CHILD_SA, FATAL, "IKE SA built but the peer refused the child SA")                        \
    X(PEER_ERROR, FATAL, "peer answered with an error notify")                                     \
    X(UNSUPPORTED_CRITICAL_RESP, FATAL, "authenticated response with an unknown critical payload") \
    X(MALFORMED_RESP, FATAL, "authenticated response is malformed (peer bug)")                     \
    X(PEER_DELETED, FATAL, "peer deleted the IKE SA")                                              \
    X(TOO_MANY_RETRIES, FATAL, "too many COOKIE or INVALID_KE round trips")                        \
    X(TIMEOUT, FATAL, "retransmissions exhausted")                                                 \
    X(CRYPTO, FATAL, "crypto library failure")                                                     \
    X(DH_ZERO, FATAL, "DH shared secret is all zero (RFC 8031 3.2)")                               \
    X(BAD_CONFIG, USAGE, "configuration invalid")                                                  \
    X(BAD_STATE, USAGE, "call not valid in this state")                                            \
    X(BUF_TOO_SMALL, USAGE, "caller buffer too small")

typedef enum {
#define MK_X_ENUM(name, cls, str) MK_E_##name,
    MK_ERRORS(MK_X_ENUM)
#undef MK_X_ENUM
        MK_E__COUNT
} mk_err;

typedef enum { MK_CLASS_NONE, MK_CLASS_DROP, MK_CLASS_FATAL, MK_CLASS_USAGE } mk_err_class_t;

mk_err_class_t mk_err_class(mk_err e); /* MK_CLASS_DROP etc. */

/* ---------------------------------------------------------------------------------------------
 * Fixed limits (enums, so they are usable as array sizes).
 */
enum {
    /* payloads in one message (outer chain or inside SK). strongSwan's richest IKE_SA_INIT
     * response has 12 (SA KE Nonce, two NAT-D, CERTREQ and six status notifies); the minimal
     * profile keeps 16, which takes 128 octets off the stack of every receive path */
    MK_MAX_PAYLOADS = MK_PROFILE_MINIMAL ? 16 : 24,
    MK_MAX_NONCE = 256, /* RFC 7296 §3.9 */
    /* room for our nonce (half the largest PRF key, at least 16); length: mk_ike.ni_len */
    MK_NONCE_LEN = MK_SUITES_ALL ? 32 : 16,
    MK_MIN_NONCE = 16,  /* RFC 7296 §2.10: "at least 128 bits in size" */
    MK_MAX_COOKIE = 64, /* RFC 7296 §2.6 */
    /* MODP-2048 public value and exponent (we use 32 octets, stored padded); X25519: 32 */
    MK_MAX_DH_PUB = MK_SUITES_ALL ? 256 : 32,
    MK_MAX_DH_PRIV = MK_SUITES_ALL ? 256 : 32,
    MK_MAX_PRF_OUT = MK_SUITES_ALL ? 64 : 32, /* HMAC-SHA2-512, or -256 */
    /* a running prf (libsodium's HMAC-SHA-512 or -256 state): see mk_prf_class.init */
    MK_PRF_STATE_LEN = MK_SUITES_ALL ? 416 : 208,
    MK_MAX_ENCR_KEY = 36, /* 32-octet key + 4-octet salt */
    /* HMAC-SHA2-512-256 key; the minimal profile has no INTEG (AEAD only): 1, as C has no
     * empty arrays, so mk_ike and mk_esp_sa carry no integrity keys and prf+ cuts none */
    MK_MAX_INTEG_KEY = MK_SUITES_ALL ? 64 : 1,
    MK_MAX_ID = 256, /* identification data */
    MK_MAX_PSK = 256,
    MK_MIN_PSK = 16,    /* refuse shorter secrets: RFC 7296 §2.15 warns against weak keys */
    MK_MAX_SUITES = 8,  /* IKE or ESP proposals in a config */
    MK_NATT_MARKER = 4, /* non-ESP marker on UDP 4500, RFC 3948 §2.2 */
    MK_PORT_IKE = 500,
    MK_PORT_NATT = 4500,
    MK_MAX_RETRY_INIT = 4, /* COOKIE / INVALID_KE round trips before giving up */
    /* Our answer to a peer request, kept for its retransmission: marker 4 + HDR 28 + SK 4 +
     * IV <= 16 + inner (one 10-octet notify) padded <= 16 + ICV <= 32 = 100 */
    MK_MAX_PEER_RESP = MK_SUITES_ALL ? 112 : 72, /* one suite: IV 8, no padding, ICV 16: 71 */
};

/* ---------------------------------------------------------------------------------------------
 * IANA numbers (RFC 7296 §3 and the IKEv2 registries), written out: those the minimal profile's
 * core sends or checks. The full registry's ciphers and groups, raw-key and NAT-T values, the
 * other payload, notify and ID types are in minike_tools.h. (The codec knows every payload type
 * from MK_PT_SA to MK_PT_EAP by range, so the types between need no name here.)
 */
enum {
    MK_EX_IKE_SA_INIT = 34,
    MK_EX_IKE_AUTH = 35,
    MK_EX_CREATE_CHILD_SA = 36,
    MK_EX_INFORMATIONAL = 37,
};
enum { MK_HDR_F_INITIATOR = 0x08, MK_HDR_F_VERSION = 0x10, MK_HDR_F_RESPONSE = 0x20 };
enum {
    MK_PT_NONE = 0,
    MK_PT_SA = 33,
    MK_PT_KE = 34,
    MK_PT_IDI = 35,
    MK_PT_IDR = 36,
    MK_PT_AUTH = 39,
    MK_PT_NONCE = 40,
    MK_PT_NOTIFY = 41,
    MK_PT_DELETE = 42,
    MK_PT_TSI = 44,
    MK_PT_TSR = 45,
    MK_PT_SK = 46,
    MK_PT_EAP = 48,
};
enum { MK_PROTO_IKE = 1, MK_PROTO_AH = 2, MK_PROTO_ESP = 3 };
enum { MK_TT_ENCR = 1, MK_TT_PRF = 2, MK_TT_INTEG = 3, MK_TT_DH = 4, MK_TT_ESN = 5 };
/* the one suite a core without MK_SUITES_ALL registers (ChaCha20-Poly1305, X25519, SHA2-256) */
enum { MK_ENCR_CHACHA20_POLY1305 = 28, MK_PRF_HMAC_SHA2_256 = 5, MK_INTEG_NONE = 0 };
enum { MK_DH_X25519 = 31 };
enum { MK_ESN_NONE = 0 };
enum { MK_ATTR_KEY_LENGTH = 14 };
/* the ID type RFC 7815 A.5 suggests (mk_config_defaults); the others are in minike_tools.h */
enum { MK_ID_KEY_ID = 11 };
enum { MK_AUTH_PSK = 2 };
enum { MK_TS_IPV4_RANGE = 7, MK_TS_IPV6_RANGE = 8 };
/* the notify types the core sends or acts on (RFC 7296 §3.10.1) */
enum {
    MK_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
    MK_N_NO_PROPOSAL_CHOSEN = 14,
    MK_N_INVALID_KE_PAYLOAD = 17,
    MK_N_AUTHENTICATION_FAILED = 24,
    MK_N_NO_ADDITIONAL_SAS = 35,
    MK_N_TS_UNACCEPTABLE = 38,
    MK_N_INITIAL_CONTACT = 16384,
    MK_N_USE_TRANSPORT_MODE = 16391,
    MK_N_COOKIE = 16390,
};
/* Notify types below this are errors (RFC 7296 §3.10.1) */
enum { MK_N_FIRST_STATUS = 16384 };

/* ---------------------------------------------------------------------------------------------
 * Environment: everything the core needs from the outside world, injected (picotls style).
 */
typedef enum {
    MK_EV_TX,         /* detail: exchange and payload list of a datagram we queued */
    MK_EV_RX,         /* detail: exchange and payload list of an accepted datagram */
    MK_EV_DROP,       /* detail: mk_err_name() of the reason */
    MK_EV_STATE,      /* detail: new state name */
    MK_EV_RETRANSMIT, /* detail: retransmission number */
    MK_EV_INFO,       /* detail: free text (selected proposal, retry reasons) */
} mk_event;

typedef struct mk_env {
    void *ctx;
    /* Fill out[0..n) with cryptographically strong random bytes. Required. */
    void (*rng)(void *ctx, uint8_t *out, size_t n);
    /* Optional diagnostics; never passed secrets. */
    void (*trace)(void *ctx, mk_event ev, const char *detail);
} mk_env;

/* ---------------------------------------------------------------------------------------------
 * Configuration. The caller owns it; it must outlive the mk_ike that points at it.
 */
typedef struct mk_suites mk_suites; /* registry of crypto classes; see mk_suites_default() */

/* One IKE proposal: ENCR (+ key bits), PRF, INTEG (0 with AEAD), DH group. */
typedef struct mk_ike_suite {
    uint16_t encr, encr_bits, prf, integ, dh;
} mk_ike_suite;

/* One ESP proposal: ENCR (+ key bits), INTEG (0 with AEAD); ESN is always "no". */
typedef struct mk_esp_suite {
    uint16_t encr, encr_bits, integ;
} mk_esp_suite;

typedef struct mk_id {
    uint8_t type; /* MK_ID_* */
    uint8_t len;  /* 0: not configured */
    uint8_t data[MK_MAX_ID - 1];
} mk_id;

/* Traffic selector: an address range and a port range, RFC 7296 §3.13.1. */
typedef struct mk_ts {
    uint8_t type;  /* MK_TS_IPV4_RANGE or MK_TS_IPV6_RANGE */
    uint8_t proto; /* 0: any */
    uint16_t start_port, end_port;
    uint8_t start[16], end[16]; /* IPv4 uses the first 4 octets */
} mk_ts;

typedef struct mk_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16];
    uint16_t port; /* UDP port, host order */
} mk_addr;

typedef struct mk_config {
    const mk_suites *suites; /* only classes registered here can be negotiated */
    mk_ike_suite ike[MK_MAX_SUITES];
    size_t n_ike; /* the KE is sent for ike[0].dh */
    mk_esp_suite esp[MK_MAX_SUITES];
    size_t n_esp;
    const uint8_t *psk; /* pre-shared key, MK_MIN_PSK..MK_MAX_PSK octets */
    size_t psk_len;
    mk_id idi;             /* our identity (RFC 7815 A.5 suggests ID_KEY_ID) */
    mk_id idr;             /* expected responder identity; len 0 accepts any; sent as IDr */
    mk_ts tsi, tsr;        /* one selector each */
    bool tunnel;           /* ESP tunnel mode (else N(USE_TRANSPORT_MODE)) */
    bool natt;             /* NAT_DETECTION_* and the move to UDP 4500 (RFC 7296 §2.23) */
    bool force_4500;       /* start on 4500 with the non-ESP marker (peer on a non-500 port) */
    bool initial_contact;  /* send N(INITIAL_CONTACT) in IKE_AUTH */
    mk_addr local, remote; /* for NAT_DETECTION hashes; ports as seen on the wire */
    uint32_t rto_ms;       /* first retransmission timeout (default 500 when 0) */
    uint32_t rto_max_ms;   /* cap of one timeout (default 4000 when 0) */
    uint32_t total_ms;     /* give up on an exchange after this (default 30000 when 0) */
    /* Raw public keys (RFC 7670 CERT encoding 15; RFC 7427 AUTH method 14, or 1 for RSA with a
     * responder that sends no SIGNATURE_HASH_ALGORITHMS; RFC 8420 Ed25519). With auth_method 0
     * or MK_AUTH_PSK nothing below is read and both sides use the PSK. With MK_AUTH_DIGSIG both
     * sides sign: we with priv_key, the responder with a raw key that is pinned (peer_spki or
     * peer_fp) or, with neither, imprinted. All pointers are the caller's and must outlive the
     * mk_ike. Without MK_RPK, MK_AUTH_DIGSIG is BAD_CONFIG and the fields after auth_method are
     * not there (a PSK device carries no key pointers). */
    uint8_t auth_method; /* 0 / MK_AUTH_PSK, or MK_AUTH_DIGSIG */
#if MK_RPK
    const uint8_t *priv_key; /* Ed25519: the 32-octet seed; RSA: DER RSAPrivateKey or PKCS#8 */
    size_t priv_key_len;
    const uint8_t *spki; /* our DER SubjectPublicKeyInfo; mk_init checks it matches priv_key */
    size_t spki_len;
    bool send_cert;           /* send CERT(15, spki) even if the responder sent no CERTREQ(15) */
    const uint8_t *peer_spki; /* pinned responder key (DER SPKI), or NULL */
    size_t peer_spki_len;
    const uint8_t *peer_fp; /* or: pinned SHA-256 of the responder's SPKI (MK_FP_LEN), or NULL */
    /* Imprinting, used only when nothing is pinned: the first responder whose AUTH verifies
     * under the raw key it sent in CERT(15) is offered here (spki valid during the call only).
     * Return true to accept it (the caller stores it and pins it next time), false to fail with
     * IMPRINT_REFUSED. Required when nothing is pinned (else BAD_CONFIG). */
    bool (*imprint)(void *ctx, const uint8_t *spki, size_t len);
    void *imprint_ctx;
#endif
} mk_config;

/* A config with defaults: suites = mk_suites_default() (all it registers), tunnel mode,
 * initial_contact, natt = MK_NATT, timers 500 / 4000 / 30000 ms (see mk_config). */
void mk_config_defaults(mk_config *cfg);

/* Built-in crypto registry (libsodium + mbedTLS). AES-GCM-256 via libsodium only if the CPU
 * has AES-NI; otherwise mbedTLS serves it. */
const mk_suites *mk_suites_default(void);

/* ---------------------------------------------------------------------------------------------
 * The ESP child SA (RFC 4303, RFC 9333 minimal ESP), usable without the rest of the core.
 */
typedef struct mk_esp_sa {
    uint32_t spi_out, spi_in;        /* spi_in is the SPI we chose and the peer sends to */
    uint16_t encr, encr_bits, integ; /* negotiated transforms */
    uint8_t ek_out[MK_MAX_ENCR_KEY], ek_in[MK_MAX_ENCR_KEY]; /* key || salt for AEAD */
    uint8_t ak_out[MK_MAX_INTEG_KEY], ak_in[MK_MAX_INTEG_KEY];
    uint8_t ek_len, ak_len;
    bool tunnel;
    bool udp_encap;         /* RFC 3948: sealed packets go to UDP 4500, no marker */
    uint32_t seq_out;       /* last sequence number sent (starts at 0) */
    uint32_t replay_top;    /* highest sequence number accepted */
    uint32_t dropped;       /* packets dropped (ICV, replay, syntax) */
    uint64_t replay_bitmap; /* bit i: replay_top - i was accepted */
    /* The registry the transforms are looked up in: mk_child sets the one the IKE SA was
     * negotiated from (cfg->suites), so an image links only the classes its registry names. An
     * SA built by hand must set it (e.g. mk_suites_default()); NULL is BAD_CONFIG. It must
     * outlive the SA (registries are static const). Placed last: no padding added. */
    const mk_suites *suites;
} mk_esp_sa;

enum { MK_ESP_REPLAY_WINDOW = 64 };

/* Seal one inner packet: ESP header | IV | encrypted(payload | padding | padlen | next_header) |
 * ICV. `next_header` is 4 (IPv4) or 41 (IPv6) in tunnel mode, the transport protocol otherwise.
 * The IV comes from env->rng for CBC and from the sequence number for AEAD ciphers (RFC 4106 §3.1).
 * DROP: never. USAGE: BUF_TOO_SMALL, BAD_STATE (sequence number exhausted, RFC 4303 §3.3.3). */
mk_err mk_esp_seal(mk_esp_sa *sa, const mk_env *env, uint8_t next_header, const uint8_t *payload,
                   size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Open one ESP packet (starting at the SPI). On success *inner points into `pkt` (decrypted in
 * place) and the replay window advances. DROP: ICV_MISMATCH, REPLAY, TRUNCATED, BAD_SYNTAX,
 * WRONG_SPI; a dropped packet changes nothing but sa->dropped. */
mk_err mk_esp_open(mk_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *next_header,
                   const uint8_t **inner, size_t *inner_len);

void mk_esp_wipe(mk_esp_sa *sa);

/* ---------------------------------------------------------------------------------------------
 * The initiator.
 */
typedef enum {
    MK_ST_IDLE,
    MK_ST_INIT_SENT,
    MK_ST_AUTH_SENT,
    MK_ST_ESTABLISHED,
    MK_ST_DELETE_SENT,
    MK_ST_CLOSED,
    MK_ST_FAILED
} mk_state;

/* Counters a device can report; they never hold secrets. */
typedef struct mk_stats {
    uint32_t tx_dgrams, rx_dgrams, tx_bytes, rx_bytes;
    uint32_t retransmits, dropped, round_trips;
    uint32_t answered_requests; /* INFORMATIONAL / CREATE_CHILD_SA requests from the peer */
    uint32_t resent_responses;  /* a peer request came again: our cached answer went again */
    uint32_t old_requests;      /* peer requests older than the last answered: dropped */
    mk_err last_drop;
    uint32_t unauth_notifies;    /* unprotected error notifies ignored (RFC 7296 §2.21.1) */
    uint16_t last_unauth_notify; /* the last one's notify type, 0 if none */
    /* RFC 7296 §2.21.1: the first FATAL error an unprotected IKE_SA_INIT response would have
     * caused (NO_PROPOSAL_CHOSEN, BAD_PROPOSAL, INVALID_KE naming a group we lack, DH_ZERO,
     * TOO_MANY_RETRIES). Anyone can forge such a response, so it is a DROP (UNAUTH_NOTIFY or
     * UNAUTH_FAILURE); if no real answer comes before the budget ends, mk_on_timer fails with
     * this error instead of TIMEOUT. OK if none. */
    mk_err unauth_reason;
} mk_stats;

/* The whole state of one IKE SA. Its size is public so the caller can place it anywhere (no
 * heap); its fields are private: use the functions below. A DROP changes nothing in it but
 * `stats` (and `scratch`, which is all zero again when the call returns); a FATAL wipes every
 * secret and buffer. */
typedef struct mk_ike {
    const mk_config *cfg;
    const mk_env *env;
    mk_state st;
    mk_err err; /* sticky: first FATAL wins (or PEER_DELETED when CLOSED) */
    mk_stats stats;
    /* negotiated */
    uint8_t spi_i[8], spi_r[8];
    mk_ike_suite sel; /* selected IKE suite */
    uint16_t dh;      /* group of the KE we send */
    uint16_t dh_pub_len;
    uint16_t nr_len;
    uint8_t ni_len; /* max(16, half the largest configured PRF key), RFC 7296 §2.10 */
    uint8_t cookie_len;
    uint8_t init_retries; /* COOKIE + INVALID_KE round trips */
#if MK_NATT
    bool peer_natd;    /* peer sent NAT_DETECTION_*: move to 4500 */
    bool nat_detected; /* a NAT_DETECTION hash did not match (informational) */
#endif
    bool on_4500; /* we talk on UDP 4500 with the non-ESP marker */
    /* From dh_priv to sk_er: the secrets and what rebuilds them, one block so that one wipe
     * covers it (mk_ini_wipe_secrets). Nonces and the cookie are public, but with SK_d the
     * nonces rebuild KEYMAT = prf+(SK_d, Ni | Nr), so they go too. */
    uint8_t dh_priv[MK_MAX_DH_PRIV];
    uint8_t dh_pub[MK_MAX_DH_PUB];
    uint8_t ni[MK_NONCE_LEN];
    uint8_t nr[MK_MAX_NONCE];
    uint8_t cookie[MK_MAX_COOKIE];
    /* keys (RFC 7296 §2.14) */
    uint8_t sk_d[MK_MAX_PRF_OUT], sk_pi[MK_MAX_PRF_OUT], sk_pr[MK_MAX_PRF_OUT];
    uint8_t sk_ai[MK_MAX_INTEG_KEY], sk_ar[MK_MAX_INTEG_KEY];
    uint8_t sk_ei[MK_MAX_ENCR_KEY], sk_er[MK_MAX_ENCR_KEY];
    /* The responder's AUTH octets are RealMessage2 | NonceIData | MACedIDForR (RFC 7296 §2.15);
     * only the last part waits for the IKE_AUTH response. What is kept meanwhile depends on
     * the method, so the two share storage. */
    union {
        /* PSK: prf(prf(PSK, "Key Pad for IKEv2"), octets) runs as the parts arrive: RealMessage2
         * and Ni go in when the IKE_SA_INIT response is accepted, MACedIDForR with the IKE_AUTH
         * response. padkey = prf(PSK, "Key Pad for IKEv2") is computed once, there, and lives
         * only until our own AUTH is built in the same call. */
        struct {
            uint64_t auth_r[MK_PRF_STATE_LEN / 8];
            uint8_t padkey[MK_MAX_PRF_OUT];
        } psk;
#if MK_RPK
        /* Raw keys: RealMessage2 itself (a signature needs the octets), without any non-ESP
         * marker, with room behind it to append NonceIData | MACedIDForR for a check in place
         * (Ed25519 needs them whole; the tail is wiped right after). */
        struct {
            uint8_t init_resp[MK_MAX_MSG + MK_NONCE_LEN + MK_MAX_PRF_OUT];
            uint16_t init_resp_len;
        } rpk;
#endif
    } peer_auth;
    /* The outstanding request (kept bitwise identical for retransmission, RFC 7296 §2.1), after
     * MK_NATT_MARKER octets of room for the non-ESP marker. RealMessage1 needs no copy: it is
     * still here when the IKE_AUTH request is built. */
    uint8_t req[MK_MAX_REQ + MK_NATT_MARKER];
    uint16_t req_len;
    uint16_t req_port;
    uint32_t req_msgid;
    uint8_t req_exchange;
    bool req_outstanding;
    uint64_t req_first_ms, req_next_ms;
    uint32_t req_rto_ms;
    /* The datagram waiting for the caller (one slot: drain after every call). It is a view, not
     * a copy: the request in `req` or our answer in `peer_resp` (initiator.c owns it). */
    uint8_t tx_what; /* 0: none, 1: req, 2: peer_resp (their lengths and ports apply) */
    /* The answer to the peer's last request (RFC 7296 §2.1: the responder MUST remember each
     * response), resent byte for byte when that request is retransmitted. */
    uint8_t peer_resp[MK_MAX_PEER_RESP]; /* with the non-ESP marker when peer_resp_port is 4500 */
    uint8_t peer_resp_len;               /* 0: no request answered yet */
    uint16_t peer_resp_port;
    uint32_t peer_resp_msgid;
    /* the child SA: child.spi_in is drawn when IKE_AUTH is built (it goes into SAi2); the rest
     * is written, and child_ok set, only once the response's SAr2 and selectors are accepted */
    mk_esp_sa child;
    bool child_ok;
#if MK_RPK
    /* raw public keys (RFC 7427 §4, RFC 7670): what the IKE_SA_INIT response announced */
    uint8_t peer_hashes;   /* bit h: the responder announced hash ID h (1..5) */
    bool peer_certreq_rpk; /* the responder sent CERTREQ(15) in IKE_SA_INIT */
    bool peer_sha;         /* the responder sent SIGNATURE_HASH_ALGORITHMS */
#endif
    /* Working space for one call at a time, so that no handler keeps a message-sized buffer on
     * the stack. Each member names the one phase that owns it while a call runs. It may hold
     * secrets while in use and the part that was written is wiped before every return, so it
     * is all zero between calls. Like `stats` it is outside the "a DROP changes nothing"
     * comparison. */
    union {
        uint8_t scratch[MK_MAX_MSG];    /* the whole area (wipes, the DROP comparison) */
        uint8_t sk_plain[MK_MAX_MSG];   /* a received message: its decrypted SK payload */
        uint8_t auth_inner[MK_MAX_MSG]; /* our IKE_AUTH request: inner payloads before sealing */
#if MK_RPK
        uint8_t sig_octets[MK_MAX_MSG]; /* Ed25519: RealMessage1 | NonceRData | MACedIDForI */
#endif
        struct {
            uint8_t gir[MK_MAX_DH_PUB];       /* the IKE_SA_INIT response: g^ir */
            uint8_t skeyseed[MK_MAX_PRF_OUT]; /* and SKEYSEED */
        } init_keys;
    };
} mk_ike;

#ifndef __cplusplus
_Static_assert(MK_MAX_MSG >= 1280 && MK_MAX_MSG <= 65535, "RFC 7296 §2: at least 1280 octets");
#endif

/* The size is part of the ABI a device budgets for: keep it under 16 KiB. */
enum { MK_IKE_SIZE_CAP = 16384 };
#ifndef __cplusplus
_Static_assert(sizeof(mk_ike) <= MK_IKE_SIZE_CAP, "mk_ike grew past its size cap");
#endif

/* Prepare `ike` for one exchange; checks the config. USAGE: BAD_CONFIG. */
mk_err mk_init(mk_ike *ike, const mk_config *cfg, const mk_env *env);

/* Build and queue the IKE_SA_INIT request. USAGE: BAD_STATE. FATAL: CRYPTO. */
mk_err mk_start(mk_ike *ike, uint64_t now_ms);

/* Feed one received UDP payload. `local_port` is the port it arrived on (500 or 4500 class:
 * pass the port the peer sent to); on 4500 the datagram still carries its non-ESP marker.
 * Returns OK when accepted, a DROP error when ignored (nothing changed but stats; scratch is
 * used and wiped), or the sticky FATAL error. Unprotected IKE_SA_INIT answers that would end
 * the exchange are DROPs (RFC 7296 §2.21.1, see mk_stats.unauth_reason); an authenticated
 * response that must be rejected (e.g. an unknown critical payload, RFC 7296 §2.5) is FATAL
 * at once, since there is nothing to answer and waiting would only end in TIMEOUT. */
mk_err mk_on_dgram(mk_ike *ike, const uint8_t *dgram, size_t len, uint16_t local_port,
                   uint64_t now_ms);

/* Advance time: retransmits, or once the budget is spent fails with TIMEOUT (or, in
 * MK_ST_INIT_SENT, with the remembered mk_stats.unauth_reason if there is one). */
mk_err mk_on_timer(mk_ike *ike, uint64_t now_ms);

/* The next time mk_on_timer() must be called; UINT64_MAX: none. */
uint64_t mk_deadline(const mk_ike *ike);

/* The datagram to send now (0: none). *port is the remote port class: MK_PORT_IKE or
 * MK_PORT_NATT (the datagram then starts with the non-ESP marker). */
size_t mk_tx_peek(const mk_ike *ike, const uint8_t **out, uint16_t *port);
void mk_tx_done(mk_ike *ike);

#if MK_DELETE
/* Send the optional Delete of the IKE SA (RFC 7815 App. B.1) and wait for the reply:
 * state becomes MK_ST_DELETE_SENT, then MK_ST_CLOSED. USAGE: BAD_STATE. */
mk_err mk_delete(mk_ike *ike, uint64_t now_ms);
#endif

mk_state mk_state_get(const mk_ike *ike);
mk_err mk_last_error(const mk_ike *ike);
const mk_stats *mk_stats_get(const mk_ike *ike);

/* Copy the established child SA out (true once MK_ST_ESTABLISHED with a child). */
bool mk_child(const mk_ike *ike, mk_esp_sa *out);

/* Zero every secret and buffer. Called on FATAL errors too. */
void mk_ike_wipe(mk_ike *ike);

/* Secrets helpers (libsodium underneath). */
bool mk_ct_eq(const uint8_t *a, const uint8_t *b, size_t n);
void mk_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
