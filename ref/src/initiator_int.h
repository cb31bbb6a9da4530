/* SPDX-License-Identifier: MIT */
/*
 * initiator_int: what the files of the initiator state machine share (initiator.c: API, dispatch
 * table, timers and the transmit slot; initiator_init.c: IKE_SA_INIT; initiator_auth.c: IKE_AUTH;
 * initiator_peer_req.c: requests from the peer and our Delete). Nothing outside those files
 * includes it. Handlers take a parsed message, validate everything into locals first and only
 * then commit to `mk_ike`: a handler that returns a DROP-class error must not have written to
 * the SA (only mk_on_dgram touches stats; ike->scratch may be used but is wiped on return).
 * Message-sized working buffers live in ike->scratch, never on the stack (bench/README.md has
 * the stack figures); one handler uses it at a time and wipes it on every exit path.
 */
#ifndef MK_INITIATOR_INT_H
#define MK_INITIATOR_INT_H

#include "keysched.h"
#include "msg.h"
#include "sig.h" /* MK_RPK */
#include "sk.h"
#include "suite.h"

/* The negotiated (or, before that, configured) crypto classes of the IKE SA. */
typedef struct mk_ini_cls {
    const mk_prf_class *prf;
    const mk_integ_class *integ; /* NULL with AEAD */
    const mk_encr_class *encr;
    const mk_dh_class *dh;
} mk_ini_cls;

/* Classes for an IKE suite from the registry; false if any is not registered. */
bool mk_ini_ike_classes(const mk_suites *s, const mk_ike_suite *su, mk_ini_cls *c);
/* Classes for an ESP suite; false if not registered. */
bool mk_ini_esp_classes(const mk_suites *s, const mk_esp_suite *su, const mk_encr_class **encr,
                        const mk_integ_class **integ);
/* The Key Length attribute value we send for this class (0: none, RFC 7296 §3.3.5). */
uint16_t mk_ini_key_attr(const mk_encr_class *encr, uint16_t bits);

/* The IKE_SA_INIT request is built with this cap rather than MK_MAX_MSG, so that RealMessage1 |
 * NonceRData | MACedIDForI (what an Ed25519 AUTH signs whole) always fits ike->scratch. A real
 * request is far smaller (8 proposals, a MODP-2048 KE and a cookie are about 900 octets). */
enum { MK_INI_MAX_INIT_REQ = MK_MAX_MSG - MK_MAX_NONCE - MK_MAX_PRF_OUT };

/* After a handler has committed to the SA, an error may no longer be a DROP (the dispatcher
 * would report "nothing changed"): a DROP-class error from our own encoder becomes
 * BUF_TOO_SMALL, which fails the exchange. */
mk_err mk_ini_after_commit(mk_err e);

/* FATAL: sticky first error, state FAILED, secrets and buffers wiped. Returns the sticky error. */
mk_err mk_ini_fail(mk_ike *ike, mk_err e);
/* Wipe keys, DH, nonces and message buffers (not cfg/env/state/err/stats/tx). */
void mk_ini_wipe_secrets(mk_ike *ike);
/* Wipe mk_ike.peer_auth (either method) as far as it was written. */
void mk_ini_wipe_peer_auth(mk_ike *ike);
/* The transmit slot is a view (mk_ike.tx_what): of the request in req, or of our answer in
 * peer_resp; initiator.c alone sets it. */
enum { MK_INI_TX_NONE = 0, MK_INI_TX_REQ = 1, MK_INI_TX_RESP = 2 };
void mk_ini_tx_resp(mk_ike *ike);
void mk_ini_tx_clear(mk_ike *ike);
void mk_ini_set_state(mk_ike *ike, mk_state st);
#if MK_TRACE
void mk_ini_trace(const mk_ike *ike, mk_event ev, const char *detail);
/* Trace "EXCHANGE request|response: <outer payloads> [SK{<inner>}]" for a message. */
void mk_ini_trace_msg(const mk_ike *ike, mk_event ev, const uint8_t *msg, size_t len,
                      const mk_chain *inner);

/* Trace a message we send; inner_buf/inner_off: its plaintext inner chain (mk_ini_inner_init
 * layout) or NULL. */
void mk_ini_trace_tx(const mk_ike *ike, const uint8_t *msg, size_t len, const uint8_t *inner_buf,
                     size_t inner_off);
#else
/* MK_TRACE off: the detail arguments are not even evaluated, so no name table is referenced. */
#define mk_ini_trace(ike, ev, detail) ((void)(ike))
#define mk_ini_trace_msg(ike, ev, msg, len, inner) ((void)(ike))
#define mk_ini_trace_tx(ike, msg, len, inner_buf, inner_off)                                     \
    ((void)(ike), (void)(len), (void)(inner_buf), (void)(inner_off))
#endif
/* Make msg[0..len) (an IKE message built in ike->req after the marker room) the outstanding
 * request: marker prepended on 4500, copied to the transmit slot, retransmission timer reset. */
void mk_ini_send_req(mk_ike *ike, size_t len, uint32_t msgid, uint8_t exchange, uint64_t now,
                     const uint8_t *inner_buf, size_t inner_off);
/* Where a request is built: ike->req after room for the non-ESP marker. */
uint8_t *mk_ini_req_buf(mk_ike *ike);

/* SK keys of one direction from the SA. */
void mk_ini_sk_keys(const mk_ike *ike, bool outbound, mk_sk_keys *k);
/* An inner-chain writer: offset 0 is a scratch "previous Next Payload" octet, so the first
 * inner payload's type ends up in buf[0] and the chain starts at buf + 1. */
mk_wr mk_ini_inner_init(uint8_t *buf, size_t cap, size_t *slot);
/* Build HDR | SK{inner} into out; returns its length, 0 on error (*err set). */
size_t mk_ini_seal(mk_ike *ike, uint8_t exchange, uint8_t flags, uint32_t msgid,
                   const uint8_t *inner_buf, size_t inner_off, uint8_t *out, size_t cap,
                   mk_err *err);

/* initiator_init.c */
mk_err mk_ini_start_init(mk_ike *ike, uint64_t now); /* SPIi, Ni, DH pair, then the request */
mk_err mk_ini_build_init(mk_ike *ike, uint64_t now);
/* Validate and commit the IKE_SA_INIT response; *keyed: the SA is keyed, IKE_AUTH is next. */
mk_err mk_ini_accept_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now, bool *keyed);
/* mk_ini_accept_init_resp, then (if keyed) mk_ini_build_auth: two frames, never both. */
mk_err mk_ini_on_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now);
/* initiator_auth.c */
mk_err mk_ini_build_auth(mk_ike *ike, uint64_t now);
mk_err mk_ini_on_auth_resp(mk_ike *ike, const mk_msg *m, uint64_t now);
/* Room for the Authentication Data of our AUTH payload: a PSK MAC, or with MK_RPK a signature
 * with its RFC 7427 §3 prefix (1-octet length | AlgorithmIdentifier). */
#if MK_RPK
enum { MK_INI_AUTH_CAP = 1 + 15 + MK_MAX_SIG };
#else
enum { MK_INI_AUTH_CAP = MK_MAX_PRF_OUT };
#endif
/* initiator_rpk.c, only with MK_RPK; used when cfg->auth_method == MK_AUTH_DIGSIG */
#if MK_RPK
/* The signature half of mk_init's config check. BAD_CONFIG. */
mk_err mk_ini_rpk_check_config(const mk_config *cfg);
/* IKE_SA_INIT request: N(SIGNATURE_HASH_ALGORITHMS) with the hashes we verify. */
void mk_ini_rpk_init_payloads(mk_wr *w, size_t *slot);
/* IKE_SA_INIT response, before commit: the responder's announced hashes (bit h for ID h) and
 * whether it sent CERTREQ(15). DROP class (BAD_SYNTAX...) on a malformed notify or CERTREQ. */
mk_err mk_ini_rpk_parse_init(const mk_chain *c, uint8_t *hashes, bool *certreq);
/* IKE_AUTH request after IDi: [CERT(15)] [CERTREQ(15)]. */
void mk_ini_rpk_build_certs(const mk_ike *ike, mk_wr *w, size_t *slot);
/* IKE_AUTH request: the AUTH method and data, signed over InitiatorSignedOctets (IDi body =
 * id_rest), into auth[0..cap). RealMessage1 is read from ike->req; Ed25519 assembles the octets
 * in ike->scratch (wiped before return), RSA hashes them piecewise. Call before the inner chain
 * is built in scratch. FATAL: SIG_HASH_UNSUPPORTED, BAD_KEY, CRYPTO. */
mk_err mk_ini_rpk_build_auth(mk_ike *ike, const uint8_t *id_rest, size_t id_rest_len,
                             uint8_t *method, uint8_t *auth, size_t cap, size_t *auth_len);
/* IKE_AUTH response (ICV verified): the responder's key (pin, fingerprint or imprint) and its
 * AUTH. Ed25519 appends NonceIData | MACedIDForR to ike->init_resp for the check and wipes that
 * tail again before returning. FATAL: AUTH_FAILED, NO_PEER_KEY, IMPRINT_REFUSED, BAD_KEY,
 * WEAK_KEY. */
mk_err mk_ini_rpk_verify(mk_ike *ike, const mk_chain *in, const mk_idv *id, const mk_authv *av);
#endif

/* initiator_peer_req.c */
mk_err mk_ini_on_peer_req(mk_ike *ike, const mk_msg *m, uint64_t now);
mk_err mk_ini_on_delete_resp(mk_ike *ike, const mk_msg *m, uint64_t now);

#if MK_TRACE
/* A small string builder for trace details (no snprintf in the core). */
typedef struct mk_sb {
    char *p;
    size_t cap, off;
} mk_sb;
void mk_sb_str(mk_sb *b, const char *s);
void mk_sb_u32(mk_sb *b, uint32_t v);
#endif

#endif
