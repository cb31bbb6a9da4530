/* SPDX-License-Identifier: MIT */
/*
 * peer: an IKEv2 *responder* on the same codec and key schedule as the initiator, sans-I/O like
 * the core. It serves any RFC 7296 initiator with PSK or raw public keys (RFC 7670, RFC 7427
 * methods 14 and 1, RFC 8420 Ed25519): IKE_SA_INIT, IKE_AUTH with one ESP child SA,
 * retransmitted requests answered from a cache, INFORMATIONAL requests (Delete) answered.
 * It can itself send an INFORMATIONAL request (liveness check), a CREATE_CHILD_SA request and a
 * Delete, and it can be scripted to misbehave so conformance tests exercise the initiator.
 * It lives in harness/ (test and demo code), so ref/ stays initiator-only as RFC 7815 intends.
 * A bounded table of IKE SAs (peer_table.c) keyed by SPIs and address: up to 64 established
 * and 64 half-open. A new IKE_SA_INIT never replaces another initiator's SA; half-open SAs
 * never evict an established one (a newly authenticated SA replaces the least recently active
 * when 64 are up), expire after 30 s, and past 16 of them every new IKE_SA_INIT must return a
 * COOKIE (RFC 7296 §2.6);
 * an IKE_AUTH with INITIAL_CONTACT replaces the SAs of the same identity (RFC 7296 §2.4: the
 * device that slept and woke up again). The single-SA accessors below (state, child, keys,
 * remote, our own requests) act on the SA that last accepted a datagram.
 */
#ifndef MK_PEER_H
#define MK_PEER_H

#include "minike_tools.h"

/* Scripted misbehaviour. Datagram counters count IKE datagrams the peer *received* (1-based)
 * since mk_peer_new; bit n-1 of a mask selects the n-th datagram. */
typedef struct mk_peer_script {
    uint32_t drop_rx_mask;         /* ignore the n-th received datagram (as if lost) */
    uint32_t drop_tx_mask;         /* build but do not send the answer to the n-th datagram */
    uint32_t dup_tx_mask;          /* send the answer to the n-th datagram twice */
    bool cookie;                   /* answer IKE_SA_INIT without a valid cookie with N(COOKIE) */
    uint16_t want_dh;              /* answer a KE of any other group with N(INVALID_KE_PAYLOAD) */
    bool no_proposal;              /* answer IKE_SA_INIT with N(NO_PROPOSAL_CHOSEN) */
    bool forged_error_first;       /* before the real IKE_SA_INIT answer, send an unprotected
                                      N(NO_PROPOSAL_CHOSEN) (a spoofer's packet) */
    bool bad_icv;                  /* corrupt the ICV of the IKE_AUTH response */
    bool wrong_auth;               /* send an AUTH value computed with the wrong key */
    bool auth_failed;              /* answer IKE_AUTH with N(AUTHENTICATION_FAILED) */
    bool ts_unacceptable;          /* IKE SA up, child refused with N(TS_UNACCEPTABLE) */
    bool unknown_critical_in_auth; /* add an unknown critical payload to the IKE_AUTH response */
    bool malformed_ts_in_auth;     /* IKE_AUTH response TSr says 2 selectors but holds 1 */
    bool choose_unoffered;         /* pick a transform the initiator did not offer */
    uint8_t wrong_idr;             /* nonzero: send IDr of this type with other data */
} mk_peer_script;

typedef struct mk_peer_config {
    const mk_suites *suites;
    mk_ike_suite ike[MK_MAX_SUITES]; /* acceptable IKE suites, in the peer's preference order */
    size_t n_ike;
    mk_esp_suite esp[MK_MAX_SUITES];
    size_t n_esp;
    const uint8_t *psk;
    size_t psk_len;
    mk_id idr;     /* our (the responder's) identity */
    mk_id idi;     /* expected initiator identity; len 0: any */
    mk_ts tsr;     /* what we protect; the initiator's TSi is accepted as is */
    bool natt;     /* answer NAT_DETECTION_* and accept the move to 4500 */
    mk_addr local; /* our address, for NAT_DETECTION hashes */
    mk_peer_script script;
    /* Signature authentication with raw public keys (RFC 7427, RFC 7670, RFC 8420). With
     * auth_method MK_AUTH_DIGSIG the peer signs its AUTH with priv_key (Ed25519: 32-octet seed;
     * RSA: DER private key) and verifies the initiator against peer_spki (its SPKI, DER) or, if
     * that is NULL, against the raw key the initiator sends in CERT(15). It announces
     * SIGNATURE_HASH_ALGORITHMS and asks for the initiator's key with CERTREQ(15). The PSK
     * fields are then unused. */
    uint8_t auth_method; /* 0 or MK_AUTH_PSK: PSK; MK_AUTH_DIGSIG: raw keys */
    const uint8_t *priv_key;
    size_t priv_key_len;
    const uint8_t *spki; /* our public key (derived from priv_key when NULL) */
    size_t spki_len;
    const uint8_t *peer_spki; /* the initiator's pinned key; NULL: take its CERT(15) */
    size_t peer_spki_len;
    const uint8_t *peer_fp;   /* or: SHA-256 of the initiator's SPKI (MK_FP_LEN), checked against
                                 its CERT(15); with neither pin any key the initiator proves it
                                 holds is accepted (only IDi is then checked) */
    bool send_cert;           /* send CERT(15) even without the initiator's CERTREQ(15) */
    bool no_cert;             /* never send CERT(15) (as strongSwan, which has no encoding 15) */
    bool no_hash_notify;      /* do not announce SIGNATURE_HASH_ALGORITHMS (forces method 1) */
    bool sign_with_wrong_key; /* script: sign with a fresh unrelated key */
    /* The data of our N(SIGNATURE_HASH_ALGORITHMS) (2-octet hash IDs, RFC 7427 §4); NULL: the
     * core's list, SHA2-256 and Identity (mk_sig_our_hashes). The initiator's method-14 AUTH
     * is accepted only with a hash announced here (none at all with no_hash_notify). */
    const uint8_t *hash_notify;
    size_t hash_notify_len;
} mk_peer_config;

typedef struct mk_peer mk_peer;

typedef enum {
    MK_PEER_IDLE,
    MK_PEER_INIT_DONE,
    MK_PEER_ESTABLISHED,
    MK_PEER_REQ_SENT,
    MK_PEER_CLOSED
} mk_peer_state;

/* Allocates the peer and copies cfg and env (cfg->psk and cfg->suites must outlive it; with
 * MK_AUTH_DIGSIG so must priv_key, peer_spki and hash_notify, while spki is copied). NULL on a
 * bad config: no suite, an IKE/ESP suite whose classes are not registered, a PSK shorter than
 * MK_MIN_PSK (PSK only), no IDr, or an env without rng; with MK_AUTH_DIGSIG: no priv_key, a
 * priv_key that is neither a 32-octet Ed25519 seed nor a DER RSA key of 2048..4096 bits, a
 * spki that is not its public half, a malformed peer_spki or hash_notify, or a build without
 * MK_RPK. */
mk_peer *mk_peer_new(const mk_peer_config *cfg, const mk_env *env);
void mk_peer_free(mk_peer *p); /* wipes; NULL is fine */

/* Feed one UDP payload received on `local_port` from `from` (on 4500 with the non-ESP marker).
 * Returns OK if it was accepted (or "lost" by script.drop_rx_mask), else the DROP reason
 * (counted in stats.dropped / last_drop; the SA is untouched); BAD_STATE when a new SA found
 * no room (every slot established). Answers are queued for
 * mk_peer_tx_peek and go back to `from` on the port class it arrived on. */
mk_err mk_peer_on_dgram(mk_peer *p, const uint8_t *dgram, size_t len, uint16_t local_port,
                        const mk_addr *from, uint64_t now_ms);
/* Retransmits our outstanding request (bitwise identical, timeout doubling from 500 ms up to
 * 8 s); after 6 retransmissions: TIMEOUT, sticky in mk_peer_last_error, state CLOSED. The peer
 * never retransmits answers on its own (RFC 7296 §2.1): a repeated request gets the cache. */
mk_err mk_peer_on_timer(mk_peer *p, uint64_t now_ms);
uint64_t mk_peer_deadline(const mk_peer *p); /* UINT64_MAX: no request outstanding */

/* Queued datagrams, oldest first (a small FIFO: duplicates and forged packets need more than
 * one slot). *port: the local port class it leaves from (500 or 4500, with marker on 4500). */
size_t mk_peer_tx_peek(const mk_peer *p, const uint8_t **out, uint16_t *port);
/* The same, plus the destination: the address the answered request came from (for our own
 * requests, the initiator's last authenticated address). For a UDP daemon. */
size_t mk_peer_tx_peek_to(const mk_peer *p, const uint8_t **out, uint16_t *port, mk_addr *to);
void mk_peer_tx_done(mk_peer *p);

/* Peer-initiated requests on an established SA (the initiator must answer them, RFC 7815 §2.1).
 * Message IDs count from 0, flags I and R clear. One at a time: BAD_STATE unless
 * MK_PEER_ESTABLISHED with nothing outstanding (create_child also needs a child SA). The state
 * is MK_PEER_REQ_SENT until the answer arrives, then ESTABLISHED (CLOSED after the delete). */
mk_err mk_peer_send_liveness(mk_peer *p, uint64_t now_ms);         /* INFORMATIONAL, SK{} */
mk_err mk_peer_send_create_child(mk_peer *p, uint64_t now_ms);     /* CREATE_CHILD_SA rekey */
mk_err mk_peer_send_unknown_critical(mk_peer *p, uint64_t now_ms); /* INFORMATIONAL w/ critical */
mk_err mk_peer_send_delete(mk_peer *p, uint64_t now_ms);           /* Delete of the IKE SA */

mk_peer_state mk_peer_state_get(const mk_peer *p);
/* The last answer to a peer-initiated request: exchange type and payload types inside SK. */
typedef struct mk_peer_answer {
    bool valid;
    uint8_t exchange;
    uint8_t n_types;
    uint8_t types[MK_MAX_PAYLOADS];
    uint16_t notify; /* first notify type in it, 0 if none */
    uint8_t notify_data[4];
    uint8_t notify_data_len;
} mk_peer_answer;
const mk_peer_answer *mk_peer_last_answer(const mk_peer *p);

/* With MK_AUTH_DIGSIG, while the IKE SA is established: the DER SPKI the initiator's AUTH
 * verified under (the pinned key or the CERT(15) key). false otherwise. */
bool mk_peer_initiator_spki(const mk_peer *p, const uint8_t **spki, size_t *len);

/* The child SA from the responder's point of view (spi_in is the responder's inbound SPI). */
bool mk_peer_child(const mk_peer *p, mk_esp_sa *out);
/* The child SA (and its selectors, as mk_peer_child_ts) of whichever established SA has this
 * inbound SPI: for a daemon serving several initiators. false if none. */
bool mk_peer_child_find(const mk_peer *p, uint32_t spi_in, mk_esp_sa *out, mk_ts *tsi,
                        mk_ts *tsr);
/* The SA table, for load measurements and tests. */
typedef struct mk_peer_table_info {
    uint32_t capacity, half_open_capacity, cookie_threshold;
    uint32_t established, half_open; /* now */
    uint32_t cookies_sent;           /* IKE_SA_INITs answered with N(COOKIE) by the table */
    uint32_t evicted_half_open;      /* the oldest half-open SA made room for a new one */
    uint32_t expired_half_open;      /* half-open SAs older than 30 s forgotten */
    uint32_t full_drops;             /* new SAs dropped: no memory for an engine */
    uint32_t evicted_idle;           /* established SAs forgotten for a newly authenticated
                                        one (the least recently active) */
    uint32_t replaced_by_contact;    /* established SAs replaced by INITIAL_CONTACT */
} mk_peer_table_info;
void mk_peer_table(const mk_peer *p, mk_peer_table_info *out);
bool mk_peer_keys_export(const mk_peer *p, mk_ike_keys *out);
const mk_stats *mk_peer_stats(const mk_peer *p);
/* Why the peer last refused an initiator: an IKE_SA_INIT answered with NO_PROPOSAL_CHOSEN
 * (NO_PROPOSAL_CHOSEN) or UNSUPPORTED_CRITICAL_PAYLOAD (UNSUPPORTED_CRITICAL); an IKE_AUTH
 * answered with AUTHENTICATION_FAILED because of its identity (ID_MISMATCH), its PSK AUTH or
 * its signature (AUTH_FAILED), no raw key to check it with (NO_PEER_KEY), an unusable key or
 * signature format (BAD_KEY, WEAK_KEY), or because we cannot sign for it
 * (SIG_HASH_UNSUPPORTED); a malformed IKE_AUTH (BAD_SYNTAX); or a child SA refused with
 * NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE or INVALID_SYNTAX (the IKE SA stays up). TIMEOUT after
 * our own request went unanswered. OK again when a new IKE SA is set up. */
mk_err mk_peer_last_error(const mk_peer *p);
/* How many refusals (as above) so far: a daemon logs mk_peer_last_error once per increment. */
uint32_t mk_peer_refusals(const mk_peer *p);
/* The traffic selectors of the child SA as the peer negotiated them: the initiator's first TSi
 * (the only one answered) and TSr narrowed to our cfg.tsr. false without a child SA. Inbound
 * ESP must come from tsi and go to tsr (RFC 4301 §5.2). */
bool mk_peer_child_ts(const mk_peer *p, mk_ts *tsi, mk_ts *tsr);
/* The initiator's address as last seen on an authenticated request and the port class our own
 * requests use (4500 once the initiator moved there). false without an IKE SA. */
bool mk_peer_remote(const mk_peer *p, mk_addr *out, uint16_t *port);

#endif
