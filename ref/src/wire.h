/* SPDX-License-Identifier: MIT */
/*
 * wire: the one bounds-checked reader and writer for untrusted bytes. It knows nothing about IKE.
 * Errors are sticky: after the first failure every read returns zeros/NULL and every write is a
 * no-op, so callers check once at the end (mk_rd_end / w->err). Bounds are always checked as
 * `n > len - off`, never by forming a pointer past the end.
 */
#ifndef MK_WIRE_H
#define MK_WIRE_H

#include "minike.h"

typedef struct mk_rd {
    const uint8_t *p;
    size_t len, off;
    mk_err err;
} mk_rd;

mk_rd mk_rd_init(const uint8_t *p, size_t len);
/* An n-octet (n <= 4) big-endian integer; 0 + TRUNCATED if short. One reader for every width:
 * the three names below only say the width and cast to it. */
uint32_t mk_rd_be(mk_rd *r, size_t n);
#define mk_rd_u8(r) ((uint8_t)mk_rd_be((r), 1))
#define mk_rd_u16(r) ((uint16_t)mk_rd_be((r), 2))
#define mk_rd_u32(r) mk_rd_be((r), 4)
const uint8_t *mk_rd_bytes(mk_rd *r, size_t n); /* view into the input; NULL on error */
bool mk_rd_copy(mk_rd *r, uint8_t *out, size_t n);
mk_rd mk_rd_sub(mk_rd *r, size_t n); /* child window of n octets; parent skips n */
size_t mk_rd_left(const mk_rd *r);
bool mk_rd_end(const mk_rd *r); /* err == OK && off == len: consumed exactly */
/* Sets the sticky error (first one wins) and returns it, for callers' own checks. */
mk_err mk_rd_fail(mk_rd *r, mk_err e);

typedef struct mk_wr {
    uint8_t *p;
    size_t cap, off;
    mk_err err; /* BUF_TOO_SMALL once a write did not fit */
} mk_wr;

mk_wr mk_wr_init(uint8_t *p, size_t cap);
void mk_wr_be(mk_wr *w, uint32_t v, size_t n); /* the low n (<= 4) octets of v, big-endian */
#define mk_wr_u8(w, v) mk_wr_be((w), (v), 1)
#define mk_wr_u16(w, v) mk_wr_be((w), (v), 2)
#define mk_wr_u32(w, v) mk_wr_be((w), (v), 4)
/* n octets of b, or n zero octets without b (RESERVED, or a slot filled later): the slot, or
 * NULL once the writer has failed. */
uint8_t *mk_wr_bytes(mk_wr *w, const uint8_t *b, size_t n);
#define mk_wr_reserve(w, n) mk_wr_bytes((w), NULL, (n))
/* Patch the n-octet slot at `mark` with (w->off - from): IKE lengths count from the start of
 * the structure that holds them, generic header included. BAD_LENGTH if it does not fit. */
void mk_wr_patch(mk_wr *w, size_t mark, size_t from, size_t n);
#define mk_wr_patch16(w, mark, from) mk_wr_patch((w), (mark), (from), 2)
#define mk_wr_patch32(w, mark, from) mk_wr_patch((w), (mark), (from), 4)

#endif
