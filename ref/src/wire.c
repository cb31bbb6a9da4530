/* SPDX-License-Identifier: MIT */
/*
 * wire: the one bounds-checked cursor over untrusted bytes (reader) and over our own output
 * buffers (writer). It knows nothing about IKE. Every bound is checked as `n > len - off` on
 * size_t values that cannot wrap (off <= len is an invariant), so no pointer past the end is
 * ever formed. Errors are sticky and the first one wins: after a failure reads return zeros or
 * NULL and writes do nothing, so a decoder checks once, at mk_rd_end(). It must never read or
 * write outside [p, p + len) / [p, p + cap), and never allocate.
 */
#include <string.h>

#include "wire.h"

/* ---- reader ---------------------------------------------------------------------------------- */

/* What a reader over no buffer points at: NULL + 0 is undefined in C, and NULL is mk_rd_bytes's
 * error value, so an empty view must point somewhere. */
static const uint8_t no_bytes[1];

/* A NULL buffer is clamped to length 0 so a (NULL, n) pair from a caller's error path can never be
 * dereferenced: the first read fails with TRUNCATED instead. */
mk_rd mk_rd_init(const uint8_t *p, size_t len)
{
    return (mk_rd){.p = p != NULL ? p : no_bytes, .len = p != NULL ? len : 0, .err = MK_E_OK};
}

/* First error wins because it is the root cause: once a read has failed, later fields decode as
 * zeros and would report misleading secondary errors (a zero length, an unknown type 0). */
mk_err mk_rd_fail(mk_rd *r, mk_err e)
{
    if (r->err == MK_E_OK)
        r->err = e;
    return r->err;
}

/* The integer reader takes its octets through mk_rd_bytes, the one place that checks the
 * remaining length: a short read returns 0 with TRUNCATED and does not move the cursor.
 * Most significant octet first: IKE, ESP and DER all use network byte order. Assembled octet by
 * octet into a uint32_t, so the input needs no alignment, the host's endianness never matters,
 * and no octet is shifted as a (signed) int into the sign bit (undefined in C11). */
uint32_t mk_rd_be(mk_rd *r, size_t n)
{
    const uint8_t *q = mk_rd_bytes(r, n);
    uint32_t v = 0;
    for (size_t i = 0; q != NULL && i < n; i++)
        v = v << 8 | q[i];
    return v;
}

/* The one bounds check of the reader: n more octets available? TRUNCATED if not.
 * Why `n > len - off` and not `off + n > len`: n often comes straight from a wire length field
 * (up to 2^32 - 1 from the IKE header), and on a 32-bit device `off + n` can wrap to a small
 * value and pass. `len - off` cannot wrap because off <= len always holds, so this form is
 * correct for every n. Vendors porting this to other cursors should keep the subtraction.
 * Returns a view into the caller's input, not a copy: the pointer is valid only as long as that
 * buffer is, and must be treated as attacker-controlled bytes that were length-checked only.
 * Skipping a field is reading it and ignoring the view: a RESERVED field or an unknown payload
 * body that runs past the end of the input is TRUNCATED, not silently accepted. */
const uint8_t *mk_rd_bytes(mk_rd *r, size_t n)
{
    if (r->err != MK_E_OK || n > r->len - r->off) {
        (void)mk_rd_fail(r, MK_E_TRUNCATED); /* keeps an earlier error: it is the root cause */
        return NULL;
    }
    r->off += n;
    return r->p + (r->off - n);
}

bool mk_rd_copy(mk_rd *r, uint8_t *out, size_t n)
{
    const uint8_t *q = mk_rd_bytes(r, n);
    /* memcpy with n == 0 is still undefined for a NULL pointer (C11 7.24.1p2 with 7.1.4), so
     * the guard makes copying an empty field into a NULL `out` legal. */
    if (q != NULL && n != 0)
        memcpy(out, q, n);
    return q != NULL;
}

/* The child window is how a length field becomes a hard wall: a payload parser given the child
 * cannot read into the next payload however wrong its own field lengths are. The parent moves
 * past all n octets whatever the child consumes, so it is the child's mk_rd_end() that rejects
 * trailing octets inside a payload; a parser that forgets to call it accepts them silently. */
mk_rd mk_rd_sub(mk_rd *r, size_t n)
{
    const uint8_t *q = mk_rd_bytes(r, n);
    mk_rd c = mk_rd_init(q, n); /* q NULL: an empty window */
    /* On failure the child inherits the parent's error: reading from it yields zeros, and
     * mk_rd_end() on it is false, so a caller that checks only the child still fails. */
    c.err = r->err;
    return c;
}

/* 0 after an error, so `while (mk_rd_left(&r) > 0)` loops over list entries terminate on the
 * first malformed entry instead of spinning on zeros. */
size_t mk_rd_left(const mk_rd *r)
{
    return r->err == MK_E_OK ? r->len - r->off : 0;
}

/* Exact consumption, not just "no error": a structure whose length field claims more than its
 * fields use must be rejected, or two parsers (ours and the peer's) could disagree about which
 * octets belong to which field of a message that is then authenticated as a whole. */
bool mk_rd_end(const mk_rd *r)
{
    return r->err == MK_E_OK && r->off == r->len;
}

/* ---- writer ---------------------------------------------------------------------------------- */

mk_wr mk_wr_init(uint8_t *p, size_t cap)
{
    return (mk_wr){.p = p, .cap = p != NULL ? cap : 0, .err = MK_E_OK};
}

/* Big-endian store of the low `n` octets of v (n <= 4): one place for every integer width. */
static void put_be(uint8_t *q, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        q[i] = (uint8_t)(v >> 8 * (n - 1 - i));
}

/* The one bounds check of the writer: room for n more octets? BUF_TOO_SMALL if not. Same
 * subtraction form as mk_rd_bytes (off <= cap is the invariant). A message that does not fit is a
 * sizing bug on our side, not peer input, hence a USAGE-class error and not TRUNCATED.
 * Without `b` the slot is zeroed, so that a slot the caller forgets to fill never carries stale
 * bytes; this is also how a RESERVED field is written: RFC 7815 App. A, "those MUST be sent as
 * zero and MUST be ignored on receipt" (the reader side reads them with mk_rd_bytes and ignores
 * the view). */
uint8_t *mk_wr_bytes(mk_wr *w, const uint8_t *b, size_t n)
{
    if (w->err == MK_E_OK && n > w->cap - w->off)
        w->err = MK_E_BUF_TOO_SMALL;
    if (w->err != MK_E_OK)
        return NULL;
    w->off += n;
    uint8_t *q = w->p + (w->off - n);
    if (n != 0 && b != NULL)
        memmove(q, b, n); /* b may alias the buffer (in-place builders) */
    else if (n != 0)
        memset(q, 0, n);
    return q;
}

void mk_wr_be(mk_wr *w, uint32_t v, size_t n)
{
    uint8_t *q = mk_wr_reserve(w, n);
    if (q != NULL)
        put_be(q, v, n);
}

/* Lengths are written after their body is known: reserve the slot (zeroed, so a failed build
 * never leaves stale octets), build the structure, then patch it. This avoids computing nested
 * sizes twice (SA -> Proposal -> Transform -> Attribute each carry their own length).
 * Patch the `width`-octet slot at `mark` with w->off - from. The slot must lie before w->off and
 * `from` must not be after it: a bad mark is a bug in a builder, never peer input, and becomes
 * BAD_LENGTH instead of a write outside the buffer; the sticky error keeps the half-built
 * message from being sent. A value that does not fit the slot is refused rather than truncated:
 * a length silently taken mod 2^16 would make the peer parse our message differently from how
 * we built it (and signed it). Below MK_MAX_MSG neither can happen, so reaching it is a bug. */
void mk_wr_patch(mk_wr *w, size_t mark, size_t from, size_t width)
{
    if (w->err == MK_E_OK && (mark > w->off || width > w->off - mark || from > w->off ||
                              w->off - from > SIZE_MAX >> 8 * (sizeof(size_t) - width)))
        w->err = MK_E_BAD_LENGTH;
    if (w->err == MK_E_OK)
        put_be(w->p + mark, (uint32_t)(w->off - from), width);
}
