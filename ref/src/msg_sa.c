/* SPDX-License-Identifier: MIT */
/*
 * msg_sa: the generic SA payload codec (RFC 7296 §3.3), moved out of msg.c so that only the
 * profiles that negotiate among several suites compile it into the core (sources.txt). Every
 * nested structure (proposal -> transform -> attribute) is read through an mk_rd sub-window that
 * must be consumed exactly, so a count and a length that disagree are always caught. Decoders are
 * pure and return a DROP-class error for anything malformed; encoders write through mk_wr.
 */
#include <string.h>

#include "msg_sa.h"

/* ---- SA (RFC 7296 §3.3) ---------------------------------------------------------------------- */

/* The "more" values are ISAKMP's payload numbers for Proposal (2) and Transform (3). The field
 * is redundant with the lengths, but it is checked both ways so that an SA whose framing and
 * flags disagree fails here instead of being read as a different list of proposals. */
enum { LAST_NONE = 0, LAST_MORE_PROPOSALS = 2, LAST_MORE_TRANSFORMS = 3 };

/* Lengths are written after their body is known: the slot is zeroed, so a failed build never
 * leaves stale octets. */
size_t mk_wr_mark16(mk_wr *w)
{
    size_t at = w->off;
    (void)mk_wr_reserve(w, 2);
    return at;
}

/* One transform substructure from `pr`; `is_last` says whether it must carry Last = 0. */
static void decode_transform(mk_rd *pr, mk_transform *t, bool is_last)
{
    uint8_t last = mk_rd_u8(pr);
    (void)mk_rd_u8(pr); /* RESERVED: ignored on receipt */
    uint16_t tlen = mk_rd_u16(pr);
    if (pr->err != MK_E_OK)
        return;
    /* RFC 7296 §3.3.2: "Last Substructure (1 octet) - Specifies whether or not this is the last
     * Transform Substructure in the Proposal. This field has a value of 0 if this was the last
     * Transform Substructure, and a value of 3 if there are more Transform Substructures." */
    if (last != (is_last ? LAST_NONE : LAST_MORE_TRANSFORMS)) {
        mk_rd_fail(pr, MK_E_BAD_SYNTAX);
        return;
    }
    /* RFC 7296 §3.3.2: Transform Length is "the length in octets of the Transform Substructure
     * including Header and Attributes": at least the 8-octet fixed part. */
    if (tlen < 8) {
        mk_rd_fail(pr, MK_E_BAD_LENGTH);
        return;
    }
    /* tlen - 4: Last, RESERVED and Transform Length are already read. Every attribute in the
     * window is 4 octets (TV form), so the loop below also ends by consumption. */
    mk_rd tr = mk_rd_sub(pr, (size_t)tlen - 4);
    t->type = mk_rd_u8(&tr);
    (void)mk_rd_u8(&tr);
    t->id = mk_rd_u16(&tr);
    t->key_bits = 0;
    bool have_key_len = false;
    while (tr.err == MK_E_OK && mk_rd_left(&tr) > 0) {
        uint16_t at = mk_rd_u16(&tr);
        uint16_t atype = at & 0x7fff;
        /* RFC 7296 §3.3.5: the only attribute defined is Key Length (14), and it is a
         * fixed-length (TV, AF = 1) attribute; a TLV attribute (AF = 0) is therefore unknown. */
        if ((at & 0x8000) == 0) {
            mk_rd_fail(&tr, MK_E_BAD_SYNTAX);
            break;
        }
        uint16_t val = mk_rd_u16(&tr);
        /* RFC 7296 §3.3.5: unknown attribute types are not skipped (the transform would then
         * mean something we cannot check); Key Length appears at most once and a zero-bit key
         * is meaningless. Whether this transform may carry it at all ("MUST NOT be used with
         * transforms that use a fixed-length key") is policy, checked by mk_suite_encr. */
        if (atype != MK_ATTR_KEY_LENGTH || have_key_len || val == 0) {
            mk_rd_fail(&tr, MK_E_BAD_SYNTAX);
            break;
        }
        have_key_len = true;
        t->key_bits = val;
    }
    if (tr.err != MK_E_OK)
        mk_rd_fail(pr, tr.err);
    else if (!mk_rd_end(&tr))
        mk_rd_fail(pr, MK_E_BAD_LENGTH);
}

/* One Proposal substructure from r into p. `idx` is its position in the SA payload and `prev`
 * the number of the proposal before it (unused for the first). Errors are set on r. */
static void decode_proposal(mk_rd *r, mk_proposal *p, uint8_t idx, uint8_t prev)
{
    uint8_t last = mk_rd_u8(r);
    (void)mk_rd_u8(r);
    uint16_t plen = mk_rd_u16(r);
    if (r->err != MK_E_OK)
        return;
    /* RFC 7296 §3.3.1: Proposal Length includes the 8-octet fixed part. */
    if (plen < 8) {
        mk_rd_fail(r, MK_E_BAD_LENGTH);
        return;
    }
    /* plen - 4: the first four octets are read; the sub-window also keeps a lying Proposal
     * Length from reaching into the next proposal. The Last check below therefore asks the
     * outer window whether anything follows this proposal in the SA payload. */
    mk_rd pr = mk_rd_sub(r, (size_t)plen - 4);
    if (r->err != MK_E_OK)
        return;
    /* RFC 7296 §3.3.1: "This field has a value of 0 if this was the last Proposal
     * Substructure, and a value of 2 if there are more Proposal Substructures." */
    if (last != (mk_rd_left(r) == 0 ? LAST_NONE : LAST_MORE_PROPOSALS)) {
        mk_rd_fail(r, MK_E_BAD_SYNTAX);
        return;
    }
    p->num = mk_rd_u8(&pr);
    p->proto = mk_rd_u8(&pr);
    p->spi_len = mk_rd_u8(&pr);
    uint8_t n_t = mk_rd_u8(&pr);
    if (pr.err != MK_E_OK) {
        mk_rd_fail(r, pr.err);
        return;
    }
    /* RFC 7296 §3.3.1: "The first Proposal MUST have a Proposal Num of one (1). Each
     * subsequent Proposal MUST have a Proposal Num one more than the previous one." An
     * accepted proposal in a reply keeps the number it was offered with ("the proposal
     * number in the SA payload MUST match the number on the proposal sent that was
     * accepted"), so a lone proposal only needs a nonzero number. */
    if (p->num == 0 || (idx > 0 && p->num != (uint8_t)(prev + 1)) || (idx == 1 && prev != 1)) {
        mk_rd_fail(r, MK_E_BAD_SYNTAX);
        return;
    }
    /* RFC 7296 §3.3.1: SPI Size: "For an initial IKE SA negotiation, this field MUST be
     * zero"; 8 when an IKE SA is rekeyed; 4 for AH and ESP SAs. */
    bool spi_ok = p->proto == MK_PROTO_IKE ? (p->spi_len == 0 || p->spi_len == 8)
                  : p->proto == MK_PROTO_AH || p->proto == MK_PROTO_ESP ? p->spi_len == 4
                                                                        : false;
    if (!spi_ok || n_t == 0) {
        mk_rd_fail(r, MK_E_BAD_SYNTAX);
        return;
    }
    /* The SPI is copied (not viewed): for ESP it is the peer's inbound SPI, which outlives the
     * datagram as our outbound SPI. At most 8 octets, guaranteed by the check above. */
    mk_rd_copy(&pr, p->spi, p->spi_len);
    if (n_t > MK_MAX_TRANSFORMS) {
        mk_rd_fail(r, MK_E_TOO_MANY);
        return;
    }
    p->n_t = 0;
    for (uint8_t i = 0; i < n_t && pr.err == MK_E_OK; i++) {
        decode_transform(&pr, &p->t[i], i + 1 == n_t);
        p->n_t = (uint8_t)(i + 1);
    }
    /* "# of Transforms" and the Proposal Length must agree: the window ends exactly. */
    if (pr.err != MK_E_OK)
        mk_rd_fail(r, pr.err);
    else if (!mk_rd_end(&pr))
        mk_rd_fail(r, MK_E_BAD_LENGTH);
}

mk_err mk_pl_decode_sa(mk_sa *sa, const uint8_t *body, size_t len)
{
    mk_rd r = mk_rd_init(body, len);
    sa->n = 0;
    /* A body that came from mk_chain_parse cannot exceed 65531 octets; this guards direct
     * callers (tests, fuzzers) whose `len` no Payload Length has bounded. */
    if (len > UINT16_MAX)
        return MK_E_BAD_LENGTH;
    while (r.err == MK_E_OK && mk_rd_left(&r) > 0) {
        if (sa->n == MK_MAX_PROPOSALS)
            return mk_rd_fail(&r, MK_E_TOO_MANY);
        decode_proposal(&r, &sa->p[sa->n], sa->n, sa->n > 0 ? sa->p[sa->n - 1].num : 0);
        if (r.err == MK_E_OK)
            sa->n++;
    }
    if (r.err != MK_E_OK)
        return r.err;
    return sa->n == 0 ? MK_E_BAD_SYNTAX : MK_E_OK;
}

/* For the responder's SA: RFC 7296 §3.3 lets it accept exactly one proposal, but every proposal
 * is still checked so that the count the caller tests is the real one. Only one scratch
 * mk_proposal (about 0.2 KB) is on the stack, instead of a whole mk_sa (about 1.7 KB). */
mk_err mk_pl_decode_sa_first(mk_proposal *first, uint8_t *n, const uint8_t *body, size_t len)
{
    mk_proposal later; /* proposals 2..: checked like the first, then forgotten */
    mk_rd r = mk_rd_init(body, len);
    uint8_t count = 0, prev = 0;
    *n = 0;
    if (len > UINT16_MAX)
        return MK_E_BAD_LENGTH;
    while (r.err == MK_E_OK && mk_rd_left(&r) > 0) {
        if (count == MK_MAX_PROPOSALS)
            return mk_rd_fail(&r, MK_E_TOO_MANY);
        mk_proposal *p = count == 0 ? first : &later;
        decode_proposal(&r, p, count, prev);
        if (r.err == MK_E_OK) {
            prev = p->num;
            count++;
        }
    }
    if (r.err != MK_E_OK)
        return r.err;
    *n = count;
    return count == 0 ? MK_E_BAD_SYNTAX : MK_E_OK;
}

void mk_pl_encode_proposal(mk_wr *w, const mk_proposal *p, bool last)
{
    if (p->n_t == 0 || p->n_t > MK_MAX_TRANSFORMS || p->spi_len > sizeof p->spi) {
        if (w->err == MK_E_OK)
            w->err = MK_E_BAD_CONFIG;
        return;
    }
    /* Proposal and Transform Lengths are reserved now and patched once their contents are
     * written, so the encoder never computes a length separately from the bytes it emits. */
    size_t pstart = w->off;
    mk_wr_u8(w, last ? LAST_NONE : LAST_MORE_PROPOSALS);
    mk_wr_u8(w, 0);
    size_t pmark = mk_wr_mark16(w);
    mk_wr_u8(w, p->num);
    mk_wr_u8(w, p->proto);
    mk_wr_u8(w, p->spi_len);
    mk_wr_u8(w, p->n_t);
    mk_wr_bytes(w, p->spi, p->spi_len);
    for (uint8_t j = 0; j < p->n_t; j++) {
        const mk_transform *t = &p->t[j];
        size_t tstart = w->off;
        mk_wr_u8(w, j + 1 == p->n_t ? LAST_NONE : LAST_MORE_TRANSFORMS);
        mk_wr_u8(w, 0);
        size_t tmark = mk_wr_mark16(w);
        mk_wr_u8(w, t->type);
        mk_wr_u8(w, 0);
        mk_wr_u16(w, t->id);
        if (t->key_bits != 0) {
            mk_wr_u16(w, 0x8000 | MK_ATTR_KEY_LENGTH); /* AF=1: TV format, §3.3.5 */
            mk_wr_u16(w, t->key_bits);
        }
        mk_wr_patch16(w, tmark, tstart);
    }
    mk_wr_patch16(w, pmark, pstart);
}

void mk_pl_encode_sa(mk_wr *w, const mk_sa *sa)
{
    if (sa->n == 0 || sa->n > MK_MAX_PROPOSALS) {
        if (w->err == MK_E_OK)
            w->err = MK_E_BAD_CONFIG;
        return;
    }
    for (uint8_t i = 0; i < sa->n && w->err == MK_E_OK; i++)
        mk_pl_encode_proposal(w, &sa->p[i], i + 1 == sa->n);
}

bool mk_proposal_count_types(const mk_proposal *p, uint8_t count[MK_TT_ESN + 1])
{
    memset(count, 0, MK_TT_ESN + 1);
    for (size_t i = 0; i < p->n_t && i < MK_MAX_TRANSFORMS; i++) {
        if (p->t[i].type == 0 || p->t[i].type > MK_TT_ESN)
            return false;
        count[p->t[i].type]++;
    }
    return true;
}

const mk_transform *mk_proposal_get(const mk_proposal *p, uint8_t type)
{
    for (uint8_t i = 0; i < p->n_t && i < MK_MAX_TRANSFORMS; i++)
        if (p->t[i].type == type)
            return &p->t[i];
    return NULL;
}
