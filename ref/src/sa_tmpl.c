/* SPDX-License-Identifier: MIT */
/*
 * sa_tmpl: the minimal profile's one suite as the octets of its SA payload body (RFC 7296 §3.3),
 * written as they are and checked against the responder's answer by walking that answer with
 * the bounds-checked reader. No mk_proposal structures: the answer is compared transform by
 * transform with the template. The walk makes the generic decoder's framing checks (msg_sa.c
 * decode_proposal / decode_transform) in the same order, so a malformed answer gets the same
 * DROP-class error in both profiles; fuzz/fuzz_sa_tmpl.c holds the two against each other.
 * It must never read outside the given bytes and never act on them: it only answers.
 */
#include <string.h>

#include "sa_tmpl.h"

/* Last Substructure values (RFC 7296 §3.3.1, §3.3.2); limits of the generic decoder (msg_sa.h),
 * repeated so that both refuse the same over-long lists with TOO_MANY. */
enum { LAST_NONE = 0, LAST_MORE_PROPOSALS = 2, LAST_MORE_TRANSFORMS = 3 };
enum { MAX_PROPOSALS = 8, MAX_TRANSFORMS = 32, T_LEN = 8 };

/* Proposal 1: Last 0 | RESERVED | Proposal Length | Num 1 | Protocol ID | SPI Size | #Transforms
 * | [SPI] then Transforms of 8 octets: Last | RESERVED | Length 8 | Type | RESERVED | ID. No
 * attributes: ChaCha20-Poly1305 has a fixed 256-bit key, RFC 7634 §3: "the Key Length attribute
 * MUST NOT be sent". The order is the generic encoder's (ENCR, PRF, [INTEG], DH / ESN). */
/* One substructure per line. */
/* clang-format off */
const uint8_t mk_sa_tmpl_ike[MK_SA_TMPL_IKE_LEN] = {
    LAST_NONE, 0, 0, MK_SA_TMPL_IKE_LEN, 1, MK_PROTO_IKE, 0, 3, /* §3.3.1: SPI Size 0 */
    LAST_MORE_TRANSFORMS, 0, 0, T_LEN, MK_TT_ENCR, 0, 0, MK_ENCR_CHACHA20_POLY1305,
    LAST_MORE_TRANSFORMS, 0, 0, T_LEN, MK_TT_PRF, 0, 0, MK_PRF_HMAC_SHA2_256,
    LAST_NONE, 0, 0, T_LEN, MK_TT_DH, 0, 0, MK_DH_X25519};
/* An AEAD suite has no INTEG transform; only "no ESN" is offered (esp.c has 32-bit numbers).
 * Octets 8..11: our inbound SPI, filled in by mk_sa_tmpl_write. */
const uint8_t mk_sa_tmpl_esp[MK_SA_TMPL_ESP_LEN] = {
    LAST_NONE, 0, 0, MK_SA_TMPL_ESP_LEN, 1, MK_PROTO_ESP, 4, 2, 0, 0, 0, 0,
    LAST_MORE_TRANSFORMS, 0, 0, T_LEN, MK_TT_ENCR, 0, 0, MK_ENCR_CHACHA20_POLY1305,
    LAST_NONE, 0, 0, T_LEN, MK_TT_ESN, 0, 0, MK_ESN_NONE};
/* clang-format on */

void mk_sa_tmpl_write(mk_wr *w, const uint8_t *tmpl, uint32_t spi)
{
    size_t spi_len = tmpl[6], len = tmpl[3];
    mk_wr_bytes(w, tmpl, 8);
    mk_wr_be(w, spi, spi_len); /* 4 octets for ESP, nothing for IKE */
    mk_wr_bytes(w, tmpl + 8 + spi_len, len - 8 - spi_len);
}

/* One Transform substructure of the answer from pr: a DROP-class error, or OK with the bit of
 * the template transform it equals (same type, same ID, no attribute) added to *seen. */
static mk_err walk_transform(mk_rd *pr, bool is_last, const uint8_t *tmpl, unsigned *seen)
{
    uint8_t last = mk_rd_u8(pr);
    (void)mk_rd_u8(pr); /* RESERVED: ignored on receipt */
    uint16_t tlen = mk_rd_u16(pr);
    /* RFC 7296 §3.3.2: Last Substructure is 0 for the last Transform, 3 if more follow */
    if (last != (is_last ? LAST_NONE : LAST_MORE_TRANSFORMS))
        mk_rd_fail(pr, MK_E_BAD_SYNTAX);
    /* RFC 7296 §3.3.2: Transform Length includes the 8-octet header */
    if (tlen < T_LEN)
        mk_rd_fail(pr, MK_E_BAD_LENGTH);
    /* Each check keeps an earlier error (mk_rd_fail), and after one the window is empty */
    mk_rd tr = mk_rd_sub(pr, (size_t)tlen - 4);
    const uint8_t *v = mk_rd_bytes(&tr, 4); /* Type | RESERVED | Transform ID */
    for (bool first = true; mk_rd_left(&tr) > 0; first = false) {
        uint16_t at = mk_rd_u16(&tr);
        /* RFC 7296 §3.3.5: Key Length (14) is the only attribute, in TV format (AF = 1), at
         * most once and nonzero; anything else is refused, not skipped. A TV value is read
         * (TRUNCATED if short) before its type is looked at, as the generic decoder does. */
        if (at < 0x8000 || mk_rd_u16(&tr) == 0 || at != (0x8000 | MK_ATTR_KEY_LENGTH) || !first)
            mk_rd_fail(&tr, MK_E_BAD_SYNTAX);
    }
    /* RFC 7296 §3.3.6: "Any attributes of a selected transform MUST be returned unmodified":
     * the template's carry none, so only an 8-octet transform can be one of them */
    const uint8_t *t = tmpl + 8 + tmpl[6];
    for (unsigned k = 0; k < tmpl[7] && tr.err == MK_E_OK && tlen == T_LEN; k++, t += T_LEN)
        if (t[4] == v[0] && t[6] == v[2] && t[7] == v[3])
            *seen |= 1u << k;
    return tr.err;
}

/* The responder's SA body: every Proposal substructure is walked with the generic decoder's
 * checks, in its order (a malformed one is a DROP-class error wherever it is); the answer is
 * the template's proposal if the only one equals it: its number, protocol, SPI size, and
 * exactly its transforms, each once, in any order. */
mk_err mk_sa_tmpl_check(const uint8_t *tmpl, const uint8_t *body, size_t len, uint32_t *spi)
{
    mk_rd r = mk_rd_init(body, len);
    uint8_t n = 0, num = 0;
    bool match = false;
    if (len > UINT16_MAX)
        return MK_E_BAD_LENGTH;
    for (; mk_rd_left(&r) > 0; n++) {
        if (n == MAX_PROPOSALS)
            return MK_E_TOO_MANY;
        uint8_t last = mk_rd_u8(&r), prev = num;
        (void)mk_rd_u8(&r); /* RESERVED: ignored on receipt */
        uint16_t plen = mk_rd_u16(&r);
        /* RFC 7296 §3.3.1: Proposal Length includes the 8-octet fixed part */
        if (plen < 8)
            mk_rd_fail(&r, MK_E_BAD_LENGTH);
        mk_rd pr = mk_rd_sub(&r, (size_t)plen - 4);
        /* RFC 7296 §3.3.1: Last Substructure is 0 for the last Proposal, 2 if more follow */
        if (last != (mk_rd_left(&r) == 0 ? LAST_NONE : LAST_MORE_PROPOSALS))
            mk_rd_fail(&r, MK_E_BAD_SYNTAX);
        if (r.err != MK_E_OK)
            return r.err;
        /* Proposal Num | Protocol ID | SPI Size | # of Transforms: 4 octets, as plen >= 8 */
        const uint8_t *h = mk_rd_bytes(&pr, 4);
        uint8_t proto = h[1], spi_len = h[2], n_t = h[3];
        num = h[0];
        /* RFC 7296 §3.3.1: "The first Proposal MUST have a Proposal Num of one (1). Each
         * subsequent Proposal MUST have a Proposal Num one more than the previous one." (a lone
         * proposal in an answer keeps the number it was offered with, checked below) */
        bool ok = num != 0 && (n == 0 || num == (uint8_t)(prev + 1)) && (n != 1 || prev == 1);
        /* RFC 7296 §3.3.1: SPI Size 0 (8 when rekeyed) for IKE, 4 for AH and ESP */
        if (proto == MK_PROTO_IKE)
            ok = ok && (spi_len == 0 || spi_len == 8);
        else
            ok = ok && (proto == MK_PROTO_AH || proto == MK_PROTO_ESP) && spi_len == 4;
        if (!ok || n_t == 0)
            return MK_E_BAD_SYNTAX;
        mk_rd s = mk_rd_sub(&pr, spi_len); /* TRUNCATED as mk_rd_bytes would be */
        if (n_t > MAX_TRANSFORMS)
            return MK_E_TOO_MANY;
        unsigned seen = 0;
        for (uint8_t i = 0; i < n_t; i++) {
            mk_err e = walk_transform(&pr, i + 1 == n_t, tmpl, &seen);
            if (e != MK_E_OK)
                return e;
        }
        /* "# of Transforms" and the Proposal Length must agree: the window ends exactly */
        if (mk_rd_left(&pr) > 0)
            return MK_E_BAD_LENGTH;
        /* RFC 7296 §3.3.1: "the proposal number in the SA payload MUST match the number on the
         * proposal sent that was accepted"; protocol, SPI size and transform count are the
         * offered ones. RFC 7296 §2.7: "The accepted cryptographic suite MUST contain exactly
         * one transform of each type included in the proposal": as many transforms as the
         * template, each equal to one of its transforms, all of them seen, so each once. */
        match = memcmp(h, tmpl + 4, 4) == 0 && seen == (1u << tmpl[7]) - 1;
        if (match && spi != NULL)
            *spi = mk_rd_u32(&s); /* the template's SPI Size: 4 */
    }
    if (n == 0)
        return MK_E_BAD_SYNTAX;
    /* RFC 7296 §2.7: "The responder MUST accept a single proposal or reject them all";
     * RFC 7296 §3.3.6: "The initiator of an exchange MUST check that the accepted offer is
     * consistent with one of its proposals, and if not MUST terminate the exchange." */
    return n == 1 && match ? MK_E_OK : MK_E_BAD_PROPOSAL;
}
