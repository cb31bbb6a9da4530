/* SPDX-License-Identifier: MIT */
/*
 * initiator_int: what the files of the initiator state machine share (initiator.c: API, dispatch
 * table, timers and the transmit slot; initiator_init.c: IKE_SA_INIT; initiator_auth.c: IKE_AUTH;
 * initiator_peer_req.c: requests from the peer; initiator_delete.c: our Delete (MK_DELETE);
 * initiator_trace.c: trace text).
 * Nothing outside those files includes it. Handlers take a parsed message, validate everything into
 * locals first and only then commit to `mk_ike`: a handler that returns a DROP-class error must not
 * have written to the SA (only mk_on_dgram touches stats; ike->scratch may be used but is wiped on
 * return). Message-sized working buffers live in ike->scratch, never on the stack (bench/README.md
 * has the stack figures); one handler uses it at a time and wipes it on every exit path.
 */
#ifndef MK_INITIATOR_INT_H
#define MK_INITIATOR_INT_H

#include "keysched.h"
#include "msg.h"
#include "sa.h"
#include "sk.h"
#include "suite.h"
/* What a minimal core does not name: the text traces print (mk_err_name, mk_state_name) and the
 * full registry's numbers (mk_config_defaults). Only the profiles that need them include it. */
#if MK_TRACE || MK_SUITES_ALL
#include "minike_tools.h"
#endif
#if MK_RPK
#include "sig.h"
#endif

/* The negotiated (or, before that, configured) crypto classes of the IKE SA. */
typedef struct mk_ini_cls {
    const mk_prf_class *prf;
    const mk_integ_class *integ; /* NULL with AEAD */
    const mk_encr_class *encr;
    const mk_dh_class *dh;
} mk_ini_cls;

/* Classes for an IKE suite from the registry; false if any is not registered. */
bool mk_ini_ike_classes(const mk_suites *s, const mk_ike_suite *su, mk_ini_cls *c);
/* The classes of the chosen suite ike->sel (checked when it was chosen). */
void mk_ini_sel_cls(const mk_ike *ike, mk_ini_cls *c);
/* Classes for an ESP suite; false if not registered. */
bool mk_ini_esp_classes(const mk_suites *s, const mk_esp_suite *su, const mk_encr_class **encr,
                        const mk_integ_class **integ);

/* The IKE_SA_INIT request is built with this cap rather than MK_MAX_MSG, so that RealMessage1 |
 * NonceRData | MACedIDForI (what an Ed25519 AUTH signs whole) always fits ike->scratch. A real
 * request is far smaller (8 proposals, a MODP-2048 KE and a cookie are about 900 octets). */
enum {
    MK_INI_MAX_INIT_REQ = MK_MAX_MSG - MK_MAX_NONCE - MK_MAX_PRF_OUT < MK_MAX_REQ
                              ? MK_MAX_MSG - MK_MAX_NONCE - MK_MAX_PRF_OUT
                              : MK_MAX_REQ
};

/* After a handler has committed to the SA, an error may no longer be a DROP (the dispatcher
 * would report "nothing changed"): a DROP-class error from our own encoder becomes
 * BUF_TOO_SMALL, which fails the exchange. */
mk_err mk_ini_after_commit(mk_err e);

/* FATAL: sticky first error, state FAILED, secrets and buffers wiped. Returns the sticky error. */
mk_err mk_ini_fail(mk_ike *ike, mk_err e);
/* Wipe keys, DH, nonces and message buffers (not cfg/env/state/err/stats/tx). */
void mk_ini_wipe_secrets(mk_ike *ike);
/* The transmit slot is a view (mk_ike.tx_what): of the request in req, or of our answer in
 * peer_resp, whose length and port it shows; initiator.c alone sets it. */
enum { MK_INI_TX_NONE = 0, MK_INI_TX_REQ = 1, MK_INI_TX_RESP = 2 };
void mk_ini_tx(mk_ike *ike, uint8_t what);
void mk_ini_set_state(mk_ike *ike, mk_state st);
/* initiator_trace.c: the text of env->trace (nothing is built when no callback is set) */
#if MK_TRACE
void mk_ini_trace(const mk_ike *ike, mk_event ev, const char *detail);
/* Trace "EXCHANGE request|response: <outer payloads> [SK{<inner>}]" for a message. */
void mk_ini_trace_msg(const mk_ike *ike, mk_event ev, const uint8_t *msg, size_t len,
                      const mk_chain *inner);

/* Trace a message we send; inner_buf/inner_off: its plaintext inner chain (mk_ini_inner_init
 * layout) or NULL. */
void mk_ini_trace_tx(const mk_ike *ike, const uint8_t *msg, size_t len, const uint8_t *inner_buf,
                     size_t inner_off);
/* Trace a number (the retransmission count). */
void mk_ini_trace_u32(const mk_ike *ike, mk_event ev, uint32_t v);
#else
/* MK_TRACE off: the detail arguments are not even evaluated, so no name table is referenced. */
#define mk_ini_trace(ike, ev, detail) ((void)(ike))
#define mk_ini_trace_msg(ike, ev, msg, len, inner) ((void)(ike))
#define mk_ini_trace_u32(ike, ev, v) ((void)(ike))
#define mk_ini_trace_tx(ike, msg, len, inner_buf, inner_off)                                       \
    ((void)(ike), (void)(len), (void)(inner_buf), (void)(inner_off))
#endif
/* Make msg[0..len) (an IKE message built in ike->req after the marker room) the outstanding
 * request: marker prepended on 4500, copied to the transmit slot, retransmission timer reset. */
void mk_ini_send_req(mk_ike *ike, size_t len, uint32_t msgid, uint8_t exchange, uint64_t now,
                     const uint8_t *inner_buf, size_t inner_off);
/* Where a request is built: ike->req after room for the non-ESP marker. */
uint8_t *mk_ini_req_buf(mk_ike *ike);

/* Verify and decrypt the SK payload into ike->sk_plain (caller wipes m->len octets), trace it. */
mk_err mk_ini_open(mk_ike *ike, const mk_msg *m, mk_chain *in);
/* An inner-chain writer: offset 0 is a scratch "previous Next Payload" octet, so the first
 * inner payload's type ends up in buf[0] and the chain starts at buf + 1. */
mk_wr mk_ini_inner_init(uint8_t *buf, size_t cap, size_t *slot);
/* Our IKE header (I flag set, resp: MK_HDR_F_RESPONSE or 0, Length 0 until patched). */
void mk_ini_hdr(const mk_ike *ike, mk_wr *w, uint8_t next, uint8_t exchange, uint8_t resp,
                uint32_t msgid);
/* Build HDR | SK{inner} into out; returns its length, 0 on error (*err set). */
size_t mk_ini_seal(mk_ike *ike, uint8_t exchange, uint8_t resp, uint32_t msgid,
                   const uint8_t *inner_buf, size_t inner_off, uint8_t *out, size_t cap,
                   mk_err *err);

/* ---- the spine (handshake.c): RFC 7815's exchange in message order ---------------------- */
/* The mk_ini_on_* handlers are called only through mk_on_dgram's dispatch table, which has
 * matched the state, the exchange and the Response flag and checked the header: they do not
 * check those again. */
mk_err mk_ini_start_init(mk_ike *ike, uint64_t now); /* SPIi, Ni, DH pair, then the request */
mk_err mk_ini_build_init(mk_ike *ike, uint64_t now);
/* The IKE_SA_INIT response: a retry (extension), or validated and committed, then IKE_AUTH. */
mk_err mk_ini_on_init_resp(mk_ike *ike, const mk_msg *m, uint64_t now);
mk_err mk_ini_build_auth(mk_ike *ike, uint64_t now);
mk_err mk_ini_on_auth_resp(mk_ike *ike, const mk_msg *m, uint64_t now);
mk_err mk_ini_on_peer_req(mk_ike *ike, const mk_msg *m, uint64_t now);

/* ---- extension points --------------------------------------------------------------------
 * Everything the minimal PSK handshake does not need plugs into the spine here, the way crypto
 * classes plug in through mk_suites: the spine calls every hook of every registered extension
 * (ext.c, the one place where build options decide what is registered), and a hook that does
 * not apply to the configuration does nothing. No handler has an #if. (The SA payloads are an
 * extension point of their own, chosen at link time: sa.h, sa_list.c or sa_one.c.) */

/* What extensions learn from an IKE_SA_INIT response before it is accepted (validated into
 * this, committed by init_commit once nothing can DROP any more). */
typedef struct mk_ini_init_x {
    uint8_t peer_hashes; /* raw keys: bit h for hash ID h (RFC 7427 §4) */
    bool peer_sha;       /* raw keys: N(SIGNATURE_HASH_ALGORITHMS) was there */
    bool certreq_rpk;    /* raw keys: CERTREQ(15) was there */
} mk_ini_init_x;

typedef struct mk_ini_ext {
    const char *name;
    /* mk_init: refuse what this extension cannot run (BAD_CONFIG) */
    mk_err (*check_config)(const mk_config *cfg);
    /* IKE_SA_INIT request: payloads before SAi1 (COOKIE) and after Ni (NAT-D, hashes) */
    void (*init_first)(const mk_ike *ike, mk_wr *w, size_t *slot);
    void (*init_last)(const mk_ike *ike, mk_wr *w, size_t *slot);
    /* IKE_SA_INIT response that asks for a new request (COOKIE, INVALID_KE): *taken and the
     * result (the retry is sent, or a DROP); untouched *taken: not this extension's answer */
    mk_err (*init_retry)(mk_ike *ike, const mk_msg *m, uint64_t now, bool *taken);
    /* IKE_SA_INIT response, before commit (DROP class errors), and after it */
    mk_err (*init_check)(const mk_ike *ike, const mk_chain *c, mk_ini_init_x *x);
    void (*init_commit)(mk_ike *ike, const mk_msg *m, const mk_ini_init_x *x);
    /* Another AUTH method (RFC 7296 §2.15) for cfg->auth_method == auth_method: our AUTH over
     * InitiatorSignedOctets (IDi body = id_rest), the payloads after IDi (CERT, CERTREQ), and
     * the check of the responder's AUTH */
    uint8_t auth_method;
    mk_err (*auth_sign)(mk_ike *ike, const uint8_t *id_rest, size_t id_rest_len, uint8_t *method,
                        uint8_t *auth, size_t cap, size_t *auth_len);
    void (*auth_certs)(const mk_ike *ike, mk_wr *w, size_t *slot);
    mk_err (*auth_verify)(mk_ike *ike, const mk_chain *in, const mk_pl *idr, const mk_authv *av);
} mk_ini_ext;

/* The registered extensions, NULL-terminated (ext.c). */
extern const mk_ini_ext *const mk_ini_exts[];
/* The extension serving cfg->auth_method, NULL for PSK (the spine's own method). */
const mk_ini_ext *mk_ini_auth_ext(const mk_config *cfg);
extern const mk_ini_ext mk_ini_ext_retry, mk_ini_ext_natt, mk_ini_ext_rpk;

/* ---- helpers of the spine ---------------------------------------------------------------- */
/* initiator_init.c: the IKE SA's keys and DH (the SA payloads themselves: sa.h) */
/* A fresh key pair of `group` into ike->dh_priv/dh_pub, and ike->dh = group */
mk_err mk_ini_new_keypair(mk_ike *ike, uint16_t group);
mk_err mk_ini_ike_keys(mk_ike *ike, const mk_ini_cls *cls, const uint8_t *skeyseed,
                       const uint8_t *nr, size_t nr_len, const uint8_t spi_r[8]);
/* RFC 7296 §2.21.1: remember why an unprotected answer would have ended the exchange */
mk_err mk_ini_remember(mk_ike *ike, mk_err reason, mk_err drop);
/* initiator_auth.c: the child SA of IKE_AUTH */
/* Validate SAr2, TSi, TSr (and the mode) of an authenticated response and key the child SA
 * into ike->child; FATAL or DROP class errors, nothing written on error. */
mk_err mk_ini_take_child(mk_ike *ike, const mk_chain *in);
/* Room for the Authentication Data of our AUTH payload: a PSK MAC, or with MK_RPK a signature
 * with its RFC 7427 §3 prefix (1-octet length | AlgorithmIdentifier). */
#if MK_RPK
enum { MK_INI_AUTH_CAP = 1 + 15 + MK_MAX_SIG };
#else
enum { MK_INI_AUTH_CAP = MK_MAX_PRF_OUT };
#endif

/* initiator_peer_req.c: after IKE_AUTH (answers, their cache and window) */
/* The window of 1 for the peer's requests: OK (new), OLD_REQUEST (drop), WRONG_MSGID (again) */
mk_err mk_ini_peer_req_window(const mk_ike *ike, uint32_t msgid);
/* Our answer, sealed into the answer cache and shown in the transmit slot; returns its length */
size_t mk_ini_seal_answer(mk_ike *ike, const mk_msg *m, const uint8_t *inner, size_t inner_off,
                          mk_err *e);
/* The peer deleted the IKE SA: keep only the answer, state CLOSED (err PEER_DELETED) */
void mk_ini_close(mk_ike *ike);
/* Does the chain delete the IKE SA (RFC 7296 §3.11, protocol 1)? */
bool mk_ini_deletes_ike_sa(const mk_chain *in);
#if MK_DELETE
/* initiator_delete.c: the answer to our own Delete (MK_ST_DELETE_SENT) closes the SA */
mk_err mk_ini_on_delete_resp(mk_ike *ike, const mk_msg *m, uint64_t now);
#endif

#endif
