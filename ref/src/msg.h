/* SPDX-License-Identifier: MIT */
/*
 * msg: the IKEv2 payload codec (RFC 7296 §3). Pass 1 (mk_msg_parse / mk_chain_parse) checks the
 * header and walks the payload chain into views that point into the caller's bytes; pass 2 has
 * one decoder and one encoder per payload. Decoders are pure: they never act, never copy secrets,
 * and return a DROP-class error for anything malformed. Encoders write through mk_wr and patch
 * lengths; the caller checks w->err once.
 */
#ifndef MK_MSG_H
#define MK_MSG_H

#include "wire.h"

enum { MK_HDR_LEN = 28, MK_GEN_HDR_LEN = 4 };

typedef struct mk_hdr {
    uint8_t spi_i[8], spi_r[8];
    uint8_t next;    /* first payload type */
    uint8_t version; /* 0x20 */
    uint8_t exchange;
    uint8_t flags;
    uint32_t msgid;
    uint32_t length;
} mk_hdr;

/* One payload of a chain: type, critical bit, and its body (generic header excluded). */
/* Pointer first: 16 octets on x86-64 and 8 on Cortex-M4 instead of 24 and 12 (a chain holds
 * MK_MAX_PAYLOADS of them, on the stack of every receive path). */
typedef struct mk_pl {
    const uint8_t *body;
    uint16_t len;
    uint8_t type;
    bool critical;
} mk_pl;

typedef struct mk_chain {
    mk_pl pl[MK_MAX_PAYLOADS];
    size_t n;
    uint8_t unsupported_critical; /* type of the first unknown critical payload, 0 if none */
} mk_chain;

/* A parsed message. If the chain ends in SK, `sk` views its body and `sk_first` is the type of
 * the first inner payload (the SK header's Next Payload). sk_hdr_off is the offset of the SK
 * generic header in the datagram: AAD and ICV spans are computed from it. */
typedef struct mk_msg {
    mk_hdr hdr;
    mk_chain chain; /* payloads before SK (SK itself not included) */
    const uint8_t *dgram;
    size_t len;
    bool has_sk;
    uint8_t sk_first;
    const uint8_t *sk_body; /* IV | ciphertext | ICV */
    uint16_t sk_len;
    size_t sk_hdr_off;
} mk_msg;

/* Walk a payload chain starting with type `first` over `r` (which must be consumed exactly).
 * Known types: SA KE IDi IDr CERT CERTREQ AUTH Nonce N D V TSi TSr SK CP EAP. Unknown and not
 * critical: skipped (not stored). Unknown and critical: recorded in unsupported_critical (the
 * walk continues, the caller decides: RFC 7296 §2.5). SK must be the last payload: SK_NOT_LAST.
 * More than MK_MAX_PAYLOADS: TOO_MANY. An SK payload sets has_sk and the sk_* fields of `sk`
 * (its other fields are not touched); when `sk` is NULL (an inner chain) SK is BAD_SYNTAX. */
mk_err mk_chain_parse(mk_chain *c, uint8_t first, mk_rd *r, mk_msg *sk);

/* Header + chain of a whole datagram (without any non-ESP marker). */
mk_err mk_msg_parse(mk_msg *m, const uint8_t *dgram, size_t len);
/* Decode the 28-octet header (mk_msg_parse's first step; tests and fuzzers call it alone).
 * RFC 7296 §3.1: Length must equal the datagram length; major version 2 else BAD_VERSION. */
mk_err mk_hdr_decode(mk_hdr *h, mk_rd *r); /* r: over the whole datagram, at its start */

/* First payload of `type` in the chain, or NULL. */
const mk_pl *mk_chain_find(const mk_chain *c, uint8_t type);
/* First Notify payload with this notify type, or NULL. */
const mk_pl *mk_chain_find_notify(const mk_chain *c, uint16_t ntype);
/* The type of the first well-formed error Notify (RFC 7296 §3.10.1: types below 16384), 0 if
 * none. Status types, known or not, are not errors; a malformed Notify is skipped. */
uint16_t mk_chain_first_error(const mk_chain *c);

/* KE, ID and AUTH bodies (and a Notify's without SPI) share one layout: a 4-octet head, a
 * type or group followed by RESERVED zeros, then the data. One encoder writes them all. */
void mk_pl_encode_head(mk_wr *w, uint32_t head, const uint8_t *data, size_t len);

/* ---- KE (§3.4) ---- */
typedef struct mk_ke {
    uint16_t group;
    const uint8_t *data;
    uint16_t len;
} mk_ke;
mk_err mk_pl_decode_ke(mk_ke *ke, const uint8_t *body, size_t len);
/* DH Group Num | RESERVED(2) | Key Exchange Data */
#define mk_pl_encode_ke(w, group, d, n) mk_pl_encode_head(w, (uint32_t)(group) << 16, d, n)

/* ---- Nonce (§3.9): 16..256 octets. The body is the nonce: the core writes it with mk_wr_bytes
 * (mk_init bounds its length), tools with mk_pl_encode_nonce (msg_tools.h), which checks. ---- */
mk_err mk_pl_decode_nonce(const uint8_t **n, uint16_t *nlen, const uint8_t *body, size_t len);

/* ---- ID (§3.5): body = type | RESERVED(3) | data ---- */
typedef struct mk_idv {
    uint8_t type;
    const uint8_t *data;
    uint16_t len;
} mk_idv; /* RestOfIDPayload, MACed into the AUTH octets (§2.15), is the payload's whole body */
mk_err mk_pl_decode_id(mk_idv *id, const uint8_t *body, size_t len);
/* ID Type | RESERVED(3) | Identification Data */
#define mk_pl_encode_id(w, type, d, n) mk_pl_encode_head(w, (uint32_t)(type) << 24, d, n)

/* ---- AUTH (§3.8) ---- */
typedef struct mk_authv {
    uint8_t method;
    const uint8_t *data;
    uint16_t len;
} mk_authv;
mk_err mk_pl_decode_auth(mk_authv *a, const uint8_t *body, size_t len);
/* Auth Method | RESERVED(3) | Authentication Data */
#define mk_pl_encode_auth(w, method, d, n) mk_pl_encode_head(w, (uint32_t)(method) << 24, d, n)

/* CERT / CERTREQ (§3.6, §3.7): msg_cert.h, raw public keys only (MK_RPK). */

/* ---- Notify (§3.10) ---- */
typedef struct mk_notify {
    uint8_t proto, spi_len;
    uint16_t type;
    const uint8_t *spi;
    const uint8_t *data;
    uint16_t data_len;
} mk_notify;
mk_err mk_pl_decode_notify(mk_notify *n, const uint8_t *body, size_t len);

/* ---- Delete (§3.11): the core asks one question, does it delete the IKE SA
 * (mk_ini_deletes_ike_sa); the decoder of any Delete is mk_pl_decode_delete (msg_tools.h). A
 * minimal initiator has one IKE SA and one child SA, so a Delete naming more SPIs than this cannot
 * concern us: both refuse it. ---- */
enum { MK_MAX_DELETE_SPIS = 8 };

/* ---- TS (§3.13) ---- */
enum { MK_MAX_TS = 4 };
typedef struct mk_tsl {
    mk_ts ts[MK_MAX_TS];
    uint8_t n;
} mk_tsl;
mk_err mk_pl_decode_ts(mk_tsl *l, const uint8_t *body, size_t len); /* l->n = 0 on error */
/* n selectors as given, unchecked (mk_init checked the core's); tools: mk_pl_encode_ts. */
void mk_pl_write_ts(mk_wr *w, const mk_ts *ts, size_t n);

/* ---- Generic payload framing for encoders ----
 * Every encoder above writes only the payload *body*. A message is built as:
 *   size_t at = mk_pl_begin(&w, &prev_next_slot, type, critical);   (writes generic header)
 *   mk_pl_encode_x(&w, ...);
 *   mk_pl_end(&w, at);                                             (patches Payload Length)
 * `*prev_next_slot` is the offset of the previous Next Payload octet (the IKE header's at first);
 * mk_pl_begin fills it with `type` and points it at this payload's own Next Payload octet. */
#define MK_PL_NO_SLOT SIZE_MAX /* *prev_next_slot value: nothing to chain (first inner payload) */
size_t mk_pl_begin(mk_wr *w, size_t *prev_next_slot, uint8_t type, bool critical);
void mk_pl_end(mk_wr *w, size_t at);
/* A whole Notify payload without SPI (begin, body, end): the only kind an initiator sends. */
void mk_pl_notify(mk_wr *w, size_t *prev_next_slot, uint16_t type, const uint8_t *data,
                  size_t data_len);

/* The header decoder on its own, the encoders only tools use (mk_hdr_encode, checked Nonce and TS
 * bodies, a Notify with an SPI, a Delete with SPIs) and the names for traces: msg_tools.h. */

#endif
