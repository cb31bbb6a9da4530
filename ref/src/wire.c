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

mk_rd mk_rd_init(const uint8_t *p, size_t len)
{
    mk_rd r;
    r.p = p;
    r.len = p != NULL ? len : 0;
    r.off = 0;
    r.err = MK_E_OK;
    return r;
}

mk_err mk_rd_fail(mk_rd *r, mk_err e)
{
    if (r->err == MK_E_OK)
        r->err = e;
    return r->err;
}

/* The one bounds check: n more octets available? Sets TRUNCATED if not. */
static bool rd_need(mk_rd *r, size_t n)
{
    if (r->err != MK_E_OK)
        return false;
    if (n > r->len - r->off) {
        r->err = MK_E_TRUNCATED;
        return false;
    }
    return true;
}

uint8_t mk_rd_u8(mk_rd *r)
{
    if (!rd_need(r, 1))
        return 0;
    return r->p[r->off++];
}

uint16_t mk_rd_u16(mk_rd *r)
{
    if (!rd_need(r, 2))
        return 0;
    const uint8_t *q = r->p + r->off;
    r->off += 2;
    return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

uint32_t mk_rd_u32(mk_rd *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *q = r->p + r->off;
    r->off += 4;
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

uint64_t mk_rd_u64(mk_rd *r)
{
    if (!rd_need(r, 8))
        return 0;
    uint64_t hi = mk_rd_u32(r);
    return hi << 32 | mk_rd_u32(r);
}

const uint8_t *mk_rd_bytes(mk_rd *r, size_t n)
{
    if (!rd_need(r, n))
        return NULL;
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

bool mk_rd_copy(mk_rd *r, uint8_t *out, size_t n)
{
    const uint8_t *q = mk_rd_bytes(r, n);
    if (q == NULL)
        return false;
    if (n != 0)
        memcpy(out, q, n);
    return true;
}

void mk_rd_skip(mk_rd *r, size_t n)
{
    (void)mk_rd_bytes(r, n);
}

mk_rd mk_rd_sub(mk_rd *r, size_t n)
{
    mk_rd c;
    const uint8_t *q = mk_rd_bytes(r, n);
    c.p = q;
    c.off = 0;
    if (q == NULL) {
        /* The child inherits the parent's error: reading from it yields zeros, and
         * mk_rd_end() on it is false, so a caller that checks only the child still fails. */
        c.len = 0;
        c.err = r->err;
    } else {
        c.len = n;
        c.err = MK_E_OK;
    }
    return c;
}

size_t mk_rd_left(const mk_rd *r)
{
    return r->err == MK_E_OK ? r->len - r->off : 0;
}

bool mk_rd_end(const mk_rd *r)
{
    return r->err == MK_E_OK && r->off == r->len;
}

/* ---- writer ---------------------------------------------------------------------------------- */

mk_wr mk_wr_init(uint8_t *p, size_t cap)
{
    mk_wr w;
    w.p = p;
    w.cap = p != NULL ? cap : 0;
    w.off = 0;
    w.err = MK_E_OK;
    return w;
}

/* Room for n more octets? Sets BUF_TOO_SMALL if not; returns the slot or NULL. */
static uint8_t *wr_take(mk_wr *w, size_t n)
{
    if (w->err != MK_E_OK)
        return NULL;
    if (n > w->cap - w->off) {
        w->err = MK_E_BUF_TOO_SMALL;
        return NULL;
    }
    uint8_t *q = w->p + w->off;
    w->off += n;
    return q;
}

void mk_wr_u8(mk_wr *w, uint8_t v)
{
    uint8_t *q = wr_take(w, 1);
    if (q != NULL)
        q[0] = v;
}

void mk_wr_u16(mk_wr *w, uint16_t v)
{
    uint8_t *q = wr_take(w, 2);
    if (q != NULL) {
        q[0] = (uint8_t)(v >> 8);
        q[1] = (uint8_t)v;
    }
}

void mk_wr_u32(mk_wr *w, uint32_t v)
{
    uint8_t *q = wr_take(w, 4);
    if (q != NULL) {
        q[0] = (uint8_t)(v >> 24);
        q[1] = (uint8_t)(v >> 16);
        q[2] = (uint8_t)(v >> 8);
        q[3] = (uint8_t)v;
    }
}

void mk_wr_u64(mk_wr *w, uint64_t v)
{
    uint8_t *q = wr_take(w, 8);
    if (q != NULL) {
        for (int i = 7; i >= 0; i--) {
            q[i] = (uint8_t)v;
            v >>= 8;
        }
    }
}

void mk_wr_bytes(mk_wr *w, const uint8_t *b, size_t n)
{
    uint8_t *q = wr_take(w, n);
    if (q != NULL && n != 0)
        memmove(q, b, n); /* b may alias the buffer (in-place builders) */
}

void mk_wr_zero(mk_wr *w, size_t n)
{
    uint8_t *q = wr_take(w, n);
    if (q != NULL && n != 0)
        memset(q, 0, n);
}

uint8_t *mk_wr_reserve(mk_wr *w, size_t n)
{
    uint8_t *q = wr_take(w, n);
    if (q != NULL && n != 0)
        memset(q, 0, n); /* never leave stale bytes if the caller forgets to fill */
    return q;
}

size_t mk_wr_mark16(mk_wr *w)
{
    size_t at = w->off;
    mk_wr_zero(w, 2);
    return at;
}

size_t mk_wr_mark32(mk_wr *w)
{
    size_t at = w->off;
    mk_wr_zero(w, 4);
    return at;
}

/* A slot is valid if its `width` octets lie before w->off and `from` is not after w->off. */
static bool patch_ok(mk_wr *w, size_t mark, size_t from, size_t width)
{
    if (w->err != MK_E_OK)
        return false;
    if (mark > w->off || width > w->off - mark || from > w->off) {
        w->err = MK_E_BAD_LENGTH;
        return false;
    }
    return true;
}

void mk_wr_patch16(mk_wr *w, size_t mark, size_t from)
{
    if (!patch_ok(w, mark, from, 2))
        return;
    size_t v = w->off - from;
    if (v > UINT16_MAX) {
        w->err = MK_E_BAD_LENGTH;
        return;
    }
    w->p[mark] = (uint8_t)(v >> 8);
    w->p[mark + 1] = (uint8_t)v;
}

void mk_wr_patch32(mk_wr *w, size_t mark, size_t from)
{
    if (!patch_ok(w, mark, from, 4))
        return;
    size_t v = w->off - from;
    if (v > UINT32_MAX) {
        w->err = MK_E_BAD_LENGTH;
        return;
    }
    w->p[mark] = (uint8_t)(v >> 24);
    w->p[mark + 1] = (uint8_t)(v >> 16);
    w->p[mark + 2] = (uint8_t)(v >> 8);
    w->p[mark + 3] = (uint8_t)v;
}
