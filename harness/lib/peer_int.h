/* SPDX-License-Identifier: MIT */
/*
 * peer_int: the private state of the test/demo responder (peer.c, peer_init.c, peer_auth.c) and
 * the helpers those files share. Nothing outside harness/lib/peer*.c includes this header; the
 * contract is peer.h. A peer_sa engine owns one IKE SA, a small FIFO of datagrams to send, the
 * last response per request direction (RFC 7296 §2.1 retransmission cache) and, when it is the
 * requester itself, one outstanding request with its back-off timer; the public mk_peer is a
 * table of such engines (peer_table.c).
 */
#ifndef MK_PEER_INT_H
#define MK_PEER_INT_H

#include "keysched_tools.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "peer.h"
#include "sk.h"
#include "suite.h"

enum {
    PEER_TXQ = 8, /* FIFO slots: forged + real + duplicate answers fit */
    PEER_BUF = MK_MAX_MSG + MK_NATT_MARKER,
    PEER_COOKIE_LEN = 33, /* version octet | SHA-256 */
    PEER_NONCE_LEN = 32,
    PEER_PT_UNKNOWN = 250,   /* a private-use payload type nobody implements */
    PEER_N_REKEY_SA = 16393, /* RFC 7296 §3.10.1 */
    PEER_N_IPCOMP_SUPPORTED = 16387,
    PEER_RTO_MS = 500,
    PEER_RTO_MAX_MS = 8000,
    PEER_MAX_RETX = 6,
};

/* One IKE SA's engine: everything below is per SA. The public mk_peer (peer_table.c) is a
 * bounded table of these, keyed by SPIs and address. */
typedef struct peer_sa peer_sa;

typedef struct peer_tx {
    uint8_t buf[PEER_BUF];
    uint16_t len;
    uint16_t port;
    mk_addr to;
} peer_tx;

struct peer_sa {
    mk_peer_config cfg;
    mk_env env;
    mk_peer_state st;
    mk_err err;               /* mk_peer_last_error: the last refusal's reason, or TIMEOUT */
    uint32_t refusals;        /* mk_peer_refusals: initiators (or child SAs) refused so far */
    uint8_t refused_spi_i[8]; /* SPIi of the last refusal: a retransmission is not counted */
    mk_stats stats;
    uint32_t rx_count; /* IKE datagrams received: index for the script masks */
    bool want_cookie;  /* the table asks for a COOKIE (RFC 7296 §2.6): too many half-open SAs */
    uint8_t cookie_secret[32];
    /* our raw public key (MK_AUTH_DIGSIG): the type and the SPKI, copied or derived */
    uint8_t key_type;
    uint8_t spki[MK_MAX_SPKI];
    uint16_t spki_len;

    /* the IKE SA */
    bool have_sa;
    uint8_t spi_i[8], spi_r[8];
    mk_ike_suite sel;
    const mk_prf_class *prf;
    const mk_integ_class *integ;
    const mk_encr_class *encr;
    uint8_t ni[MK_MAX_NONCE];
    uint16_t ni_len;
    uint8_t nr[PEER_NONCE_LEN];
    mk_ike_sa_keys keys;
    uint8_t init_req[MK_MAX_MSG]; /* RealMessage1 (no marker) */
    uint16_t init_req_len;
    uint8_t init_resp[MK_MAX_MSG]; /* RealMessage2 */
    uint16_t init_resp_len;
    bool on_4500;
    mk_addr remote;
    /* raw public keys: what the initiator's IKE_SA_INIT said (peer_rpk.c) */
    bool ini_sha;                  /* it sent N(SIGNATURE_HASH_ALGORITHMS) */
    uint8_t ini_hashes;            /* bit h: hash ID h announced */
    bool ini_certreq;              /* it sent CERTREQ(15) */
    uint8_t ini_spki[MK_MAX_SPKI]; /* the key its AUTH verified under (ini_spki_len 0: none) */
    uint16_t ini_spki_len;
    mk_id ini_id;      /* the initiator's authenticated IDi (established SAs) */
    bool ini_contact;  /* its IKE_AUTH carried INITIAL_CONTACT (RFC 7296 §2.4) */

    /* responder side: requests of the initiator */
    uint32_t expect_msgid; /* next request Message ID we accept */
    bool resp_valid;       /* resp holds the answer to request resp_msgid */
    uint32_t resp_msgid;
    uint8_t resp_req_hash[32]; /* SHA-256 of that request, to recognise a retransmission */
    uint8_t resp[MK_MAX_MSG];
    uint16_t resp_len;

    /* requester side: our own requests */
    uint32_t my_msgid; /* RFC 7296 §2.2: each side counts its own requests from 0 */
    bool req_outstanding;
    uint8_t req[MK_MAX_MSG];
    uint16_t req_len;
    uint8_t req_exchange;
    uint8_t req_kind; /* PEER_REQ_* */
    uint64_t req_next_ms;
    uint32_t req_rto_ms;
    uint8_t req_retx;
    mk_peer_answer answer;

    /* the child SA */
    bool child_ok;
    mk_esp_sa child;
    mk_ts child_tsi, child_tsr;

    /* outgoing FIFO */
    peer_tx txq[PEER_TXQ];
    uint8_t tx_head, tx_n;
};

enum { PEER_REQ_LIVENESS = 1, PEER_REQ_CREATE_CHILD, PEER_REQ_UNKNOWN_CRIT, PEER_REQ_DELETE };

/* peer.c: the engine of one IKE SA (the public mk_peer_* of peer.h, for one SA) */
peer_sa *sa_new(const mk_peer_config *cfg, const mk_env *env);
void sa_free(peer_sa *p);
mk_err sa_on_dgram(peer_sa *p, const uint8_t *dgram, size_t len, uint16_t local_port,
                   const mk_addr *from, uint64_t now_ms);
size_t sa_tx_peek_to(const peer_sa *p, const uint8_t **out, uint16_t *port, mk_addr *to);
size_t sa_tx_peek(const peer_sa *p, const uint8_t **out, uint16_t *port);
void sa_tx_done(peer_sa *p);
mk_peer_state sa_state_get(const peer_sa *p);
const mk_peer_answer *sa_last_answer(const peer_sa *p);
bool sa_initiator_spki(const peer_sa *p, const uint8_t **spki, size_t *len);
bool sa_child(const peer_sa *p, mk_esp_sa *out);
bool sa_child_ts(const peer_sa *p, mk_ts *tsi, mk_ts *tsr);
bool sa_keys_export(const peer_sa *p, mk_ike_keys *out);
const mk_stats *sa_stats(const peer_sa *p);
mk_err sa_last_error(const peer_sa *p);
uint32_t sa_refusals(const peer_sa *p);
bool sa_remote(const peer_sa *p, mk_addr *out, uint16_t *port);
/* peer_req.c */
mk_err sa_send_liveness(peer_sa *p, uint64_t now_ms);
mk_err sa_send_unknown_critical(peer_sa *p, uint64_t now_ms);
mk_err sa_send_delete(peer_sa *p, uint64_t now_ms);
mk_err sa_send_create_child(peer_sa *p, uint64_t now_ms);
mk_err sa_on_timer(peer_sa *p, uint64_t now_ms);
uint64_t sa_deadline(const peer_sa *p);

/* peer.c helpers */
void peer_trace(peer_sa *p, mk_event ev, const char *detail);
mk_err peer_drop(peer_sa *p, mk_err e);
/* We refuse the initiator's request `m` (an error notify goes back): record why (p->err) and
 * count it, so a daemon can log one line per refusal; the same refusal again for the same SPIi
 * (a retransmitted IKE_SA_INIT, answered statelessly) is not counted twice. */
void peer_refuse(peer_sa *p, const mk_msg *m, mk_err why);
/* Queue `msg` (an IKE message without marker) to `to`; prepends the marker on 4500. */
void peer_queue(peer_sa *p, const uint8_t *msg, size_t len, uint16_t port, const mk_addr *to);
/* Queue an answer honouring drop_tx/dup_tx for received datagram number `n`. */
void peer_answer(peer_sa *p, const uint8_t *msg, size_t len, uint16_t port, const mk_addr *to,
                 uint32_t n);
void peer_cache_response(peer_sa *p, const mk_msg *req, const uint8_t *resp, size_t len);
void peer_sk_keys(const peer_sa *p, bool from_initiator, mk_sk_keys *k);
/* Build a protected message: header from the arguments, inner chain `inner` (first type
 * `first`). Returns the length or 0 on error. */
size_t peer_seal(peer_sa *p, uint8_t exchange, uint8_t flags, uint32_t msgid, uint8_t first,
                 const uint8_t *inner, size_t inner_len, uint8_t *out, size_t cap);
/* An inner-chain writer: offset 0 is a scratch "previous Next Payload" octet. */
mk_wr peer_inner_init(uint8_t *buf, size_t cap, size_t *slot);
/* The registered class for (id, bits); bits 0 also finds a class that needs no Key Length. */
const mk_encr_class *peer_encr_class(const mk_suites *s, uint16_t id, uint16_t bits);
void peer_reset_sa(peer_sa *p);

/* peer_init.c */
mk_err peer_on_init(peer_sa *p, const mk_msg *m, uint16_t port, const mk_addr *from, uint32_t n);

/* peer_auth.c */
mk_err peer_on_auth(peer_sa *p, const mk_msg *m, const mk_chain *in, uint16_t port,
                    const mk_addr *from, uint32_t n);
/* INFORMATIONAL and CREATE_CHILD_SA requests of the initiator on the established SA. */
mk_err peer_on_info(peer_sa *p, const mk_msg *m, const mk_chain *in, uint16_t port,
                    const mk_addr *from, uint32_t n);
bool peer_ts_intersect(const mk_ts *a, const mk_ts *b, mk_ts *out);
/* The transform of (type, id) in a proposal; `bits` must match the Key Length attribute, or
 * when bits_optional an absent attribute (0) matches too. NULL if not offered. */
const mk_transform *peer_find_transform(const mk_proposal *pr, uint8_t type, uint16_t id,
                                        uint16_t bits, bool bits_optional);
/* Integrity transform acceptable: `integ` offered, or for 0 (AEAD) none or NONE offered. */
bool peer_integ_ok(const mk_proposal *pr, uint16_t integ);

/* peer_rpk.c: signature authentication with raw public keys (RFC 7427, 7670, 8420). Without
 * MK_RPK, config rejects MK_AUTH_DIGSIG and nothing else is ever called. */
bool peer_digsig(const peer_sa *p);
/* Check the signature part of cfg and fill p->key_type / p->spki. false: bad config. */
bool peer_rpk_setup(peer_sa *p, const mk_peer_config *cfg);
/* Read the initiator's hash list and CERTREQ(15) from its IKE_SA_INIT (no state is touched);
 * BAD_SYNTAX for an odd-length hash list or a malformed CERTREQ. */
mk_err peer_rpk_parse_init(const mk_chain *c, bool *sha, uint8_t *hashes, bool *certreq);
/* Our N(SIGNATURE_HASH_ALGORITHMS) and CERTREQ(15) for the IKE_SA_INIT response. */
void peer_rpk_init_payloads(const peer_sa *p, mk_wr *w, size_t *slot);
/* Verify the initiator's AUTH (ICV already checked): OK, or why not: NO_PEER_KEY (no CERT(15)
 * and nothing pinned), AUTH_FAILED (signature wrong, or the key is not the pinned one), BAD_KEY
 * or WEAK_KEY (its key unusable, or a hash we did not announce). */
mk_err peer_rpk_verify(peer_sa *p, const mk_chain *in, const mk_pl *idi, const mk_authv *av);
/* Append [CERT(15)] AUTH for our identity body idr (RestOfRespIDPayload). SIG_HASH_UNSUPPORTED
 * when the initiator announced no hash our key can use; BAD_KEY/CRYPTO from signing. */
mk_err peer_rpk_auth(peer_sa *p, const mk_chain *in, mk_wr *w, size_t *slot, const uint8_t *idr,
                     size_t idr_len);

/* peer_req.c */
mk_err peer_on_response(peer_sa *p, const mk_msg *m, uint16_t port, const mk_addr *from);

#endif
