/* SPDX-License-Identifier: MIT */
/*
 * msg_tools: what of the payload codec the initiator core never calls, declared apart so that
 * the core's msg.h holds only what a device image compiles: the encoders and the Delete decoder
 * only tools use (msg_tools.c, never in the core) and the names for traces (msg_names.c, MK_TRACE).
 */
#ifndef MK_MSG_TOOLS_H
#define MK_MSG_TOOLS_H

#include "msg.h"

void mk_hdr_encode(mk_wr *w, const mk_hdr *h); /* writes 28 octets; length patched by caller */
/* Nonce (§3.9) and TS (§3.13) bodies, refusing (BAD_CONFIG, nothing written) what the decoders
 * would: a nonce outside 16..256 octets, 0 or more than MK_MAX_TS selectors, a selector type
 * that is not an address range. */
void mk_pl_encode_nonce(mk_wr *w, const uint8_t *n, size_t len);
void mk_pl_encode_ts(mk_wr *w, const mk_ts *ts, size_t n);
/* Notify (§3.10) body with an SPI; the core's notifies have none (mk_pl_notify). */
void mk_pl_encode_notify(mk_wr *w, uint8_t proto, const uint8_t *spi, uint8_t spi_len,
                         uint16_t type, const uint8_t *data, size_t data_len);
/* Delete (§3.11) view and decoder (the core only checks for an IKE SA Delete:
 * initiator_peer_req.c); the cap on SPIs is msg.h's MK_MAX_DELETE_SPIS. */
typedef struct mk_delete {
    uint8_t proto, spi_len;
    uint16_t n_spi;
    const uint8_t *spis; /* n_spi * spi_len octets */
} mk_deletev;            /* not "mk_delete": that name is the public mk_delete() in minike.h */
mk_err mk_pl_decode_delete(mk_deletev *d, const uint8_t *body, size_t len);
/* Delete (§3.11) body with n_spi SPIs of spi_len octets each. */
void mk_pl_encode_delete(mk_wr *w, uint8_t proto, uint8_t spi_len, const uint8_t *spis,
                         uint16_t n_spi);

/* Human-readable payload list for traces: "SA KE Nonce N(NAT_DETECTION_SOURCE_IP)", unknown
 * types as "?<n>", unknown notifies as "N(<n>)", plus " CRITICAL(<n>)" if one was recorded. Writes
 * a NUL-terminated string into out (truncated to cap). */
void mk_chain_describe(const mk_chain *c, char *out, size_t cap);
const char *mk_pt_name(uint8_t type);
const char *mk_notify_name(uint16_t type);
const char *mk_exchange_name(uint8_t ex);

#endif
