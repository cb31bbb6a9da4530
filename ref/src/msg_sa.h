/* SPDX-License-Identifier: MIT */
/*
 * msg_sa: the generic SA payload codec (RFC 7296 §3.3): any number of proposals and transforms,
 * decoded into mk_proposal structures and encoded from them. The full profile negotiates with
 * it (sa_list.c) and the harness (peer, checker, fuzzers) uses it in every profile; the minimal
 * profile's core does not need it (sa_one.c checks the one suite against a byte template).
 * Pure like the rest of msg: nothing is acted on, nothing read outside the given bytes.
 */
#ifndef MK_MSG_SA_H
#define MK_MSG_SA_H

#include "msg.h"

/* Reserve a zeroed 16-bit length slot and return its offset, for mk_wr_patch16 once the nested
 * structure is built (proposal, transform); the SA encoder is its only user in the library. */
size_t mk_wr_mark16(mk_wr *w);

/* ---- SA (RFC 7296 §3.3) ---- */
/* 32 transforms: strongSwan's default IKE proposal carries about 20 in one proposal */
enum { MK_MAX_PROPOSALS = 8, MK_MAX_TRANSFORMS = 32 };
typedef struct mk_transform {
    uint8_t type;
    uint16_t id;
    uint16_t key_bits; /* Key Length attribute, 0 if absent */
} mk_transform;
typedef struct mk_proposal {
    uint8_t num, proto, spi_len;
    uint8_t spi[8];
    mk_transform t[MK_MAX_TRANSFORMS];
    uint8_t n_t;
} mk_proposal;
typedef struct mk_sa {
    mk_proposal p[MK_MAX_PROPOSALS];
    uint8_t n;
} mk_sa;
/* Nested proposal -> transform -> attribute windows must each be consumed exactly; proposal
 * numbers must start at 1 and go up by one (a lone proposal, as in a reply, may carry any nonzero
 * number: §3.3.1 keeps the offered number); Last-substructure flags must agree with position;
 * unknown attributes: BAD_SYNTAX (RFC 7296 §3.3.5 defines only Key Length). */
mk_err mk_pl_decode_sa(mk_sa *sa, const uint8_t *body, size_t len);
void mk_pl_encode_sa(mk_wr *w, const mk_sa *sa);
/* Added for small stacks (an mk_sa is 1.6 KB): the same checks as mk_pl_decode_sa, but only the
 * first proposal is kept (in *first, 206 octets) and *n counts them all. An answer must carry
 * exactly one (RFC 7296 §3.3), which the caller checks with n. */
mk_err mk_pl_decode_sa_first(mk_proposal *first, uint8_t *n, const uint8_t *body, size_t len);
/* One Proposal substructure (`last`: no more follow); mk_pl_encode_sa is a loop over it, so an
 * SA payload can be written one proposal at a time. BAD_CONFIG for an empty or oversized one. */
void mk_pl_encode_proposal(mk_wr *w, const mk_proposal *p, bool last);
/* count[t] = how many transforms of Transform Type t (1 ENCR .. 5 ESN) the proposal holds;
 * count[0] is 0. false if a transform has a type outside 1..5, which no IKE or ESP proposal we
 * could accept carries (RFC 7296 §3.3.2). */
bool mk_proposal_count_types(const mk_proposal *p, uint8_t count[MK_TT_ESN + 1]);
/* The transform of `type` in a proposal (first one), or NULL. */
const mk_transform *mk_proposal_get(const mk_proposal *p, uint8_t type);

#endif
