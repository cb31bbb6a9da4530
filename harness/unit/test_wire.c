/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of wire: the bounds-checked reader and writer. Edge lengths (0, 1, exactly the
 * remaining length, one more), sticky first-error-wins, sub-windows that must be consumed
 * exactly, and length patches that overflow their slot. Inputs sit in sodium_malloc buffers so
 * any read past the end hits a guard page.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "msg_sa.h" /* mk_wr_mark16 */
#include "wire.h"

/* A guarded copy of `n` octets: the byte after the last one is a guard page. */
static uint8_t *guarded(const uint8_t *src, size_t n)
{
    cr_assert(sodium_init() >= 0);
    uint8_t *p = sodium_malloc(n == 0 ? 1 : n);
    cr_assert_not_null(p);
    /* sodium_malloc places the region so that it ends right before a guard page. */
    if (n != 0)
        memcpy(p, src, n);
    return p;
}

static const uint8_t b8[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

Test(wire, integers_are_big_endian)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    cr_assert_eq(mk_rd_u8(&r), 0x01);
    cr_assert_eq(mk_rd_u16(&r), 0x0203);
    cr_assert_eq(mk_rd_u32(&r), 0x04050607u);
    cr_assert_eq(mk_rd_u8(&r), 0x08);
    cr_assert(mk_rd_end(&r));
    r = mk_rd_init(p, 8);
    cr_assert_eq(mk_rd_u32(&r), 0x01020304u);
    cr_assert_eq(mk_rd_u32(&r), 0x05060708u);
    cr_assert(mk_rd_end(&r));
    sodium_free(p);
}

/* Reading exactly what is left works; one more fails, for every width. */
Test(wire, read_edge_lengths)
{
    uint8_t *p = guarded(b8, 8);
    static const size_t widths[] = {1, 2, 4};
    for (size_t i = 0; i < 3; i++) {
        size_t w = widths[i];
        mk_rd ok = mk_rd_init(p, w);
        mk_rd short_ = mk_rd_init(p, w - 1);
        switch (w) {
        case 1:
            (void)mk_rd_u8(&ok);
            cr_assert_eq(mk_rd_u8(&short_), 0);
            break;
        case 2:
            (void)mk_rd_u16(&ok);
            cr_assert_eq(mk_rd_u16(&short_), 0);
            break;
        default:
            (void)mk_rd_u32(&ok);
            cr_assert_eq(mk_rd_u32(&short_), 0);
            break;
        }
        cr_assert(mk_rd_end(&ok), "width %zu", w);
        cr_assert_eq(short_.err, MK_E_TRUNCATED, "width %zu", w);
        cr_assert_eq(short_.off, 0, "a failed read does not move the cursor");
    }
    sodium_free(p);
}

Test(wire, bytes_zero_one_max_maxplus1)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    cr_assert_not_null(mk_rd_bytes(&r, 0), "n = 0 is a valid, empty view");
    cr_assert_eq(r.off, 0);
    const uint8_t *one = mk_rd_bytes(&r, 1);
    cr_assert_eq(one, p);
    cr_assert_null(mk_rd_bytes(&r, 8), "max + 1 (7 left)");
    cr_assert_eq(r.err, MK_E_TRUNCATED);

    r = mk_rd_init(p, 8);
    cr_assert_eq(mk_rd_bytes(&r, 8), p, "exactly max");
    cr_assert(mk_rd_end(&r));
    cr_assert_eq(mk_rd_left(&r), 0);

    r = mk_rd_init(p, 8);
    (void)mk_rd_u8(&r);
    cr_assert_null(mk_rd_bytes(&r, SIZE_MAX), "huge n must not wrap the bound");
    cr_assert_eq(r.err, MK_E_TRUNCATED);

    r = mk_rd_init(p, 8);
    (void)mk_rd_u8(&r);
    cr_assert_null(mk_rd_bytes(&r, SIZE_MAX - 0), "n = SIZE_MAX");
    sodium_free(p);
}

Test(wire, empty_input)
{
    mk_rd r = mk_rd_init(NULL, 0);
    cr_assert(mk_rd_end(&r), "nothing to consume");
    cr_assert_eq(mk_rd_u8(&r), 0);
    cr_assert_eq(r.err, MK_E_TRUNCATED);
    cr_assert(!mk_rd_end(&r));
    mk_rd r2 = mk_rd_init(NULL, 5); /* NULL with a length is treated as empty */
    cr_assert_eq(r2.len, 0);
}

Test(wire, errors_are_sticky_first_wins)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    cr_assert_eq(mk_rd_fail(&r, MK_E_BAD_SYNTAX), MK_E_BAD_SYNTAX);
    cr_assert_eq(mk_rd_fail(&r, MK_E_BAD_LENGTH), MK_E_BAD_SYNTAX, "first error wins");
    cr_assert_eq(mk_rd_u8(&r), 0, "reads after an error give zeros");
    cr_assert_eq(mk_rd_u16(&r), 0);
    cr_assert_eq(mk_rd_u32(&r), 0);
    cr_assert_null(mk_rd_bytes(&r, 0), "even an empty view fails");
    cr_assert_eq(r.off, 0);
    cr_assert_eq(mk_rd_left(&r), 0);
    uint8_t out[2] = {0xaa, 0xaa};
    cr_assert(!mk_rd_copy(&r, out, 2));
    cr_assert_eq(out[0], 0xaa, "a failed copy writes nothing");

    r = mk_rd_init(p, 3);
    (void)mk_rd_u32(&r); /* TRUNCATED */
    mk_rd_fail(&r, MK_E_BAD_SYNTAX);
    cr_assert_eq(r.err, MK_E_TRUNCATED);
    cr_assert_eq(mk_rd_u8(&r), 0, "a short read poisons later reads that would fit");
    sodium_free(p);
}

/* Skipping a field (RESERVED, an unknown payload) is a view that is ignored: bounds-checked too. */
Test(wire, copy_and_skip)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    uint8_t out[3];
    cr_assert(mk_rd_copy(&r, out, 3));
    cr_assert_eq(memcmp(out, b8, 3), 0);
    cr_assert_eq(mk_rd_bytes(&r, 5), p + 3);
    cr_assert(mk_rd_end(&r));
    cr_assert_null(mk_rd_bytes(&r, 1));
    cr_assert_eq(r.err, MK_E_TRUNCATED);
    sodium_free(p);
}

Test(wire, sub_window_must_be_consumed_exactly)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    (void)mk_rd_u8(&r);
    mk_rd s = mk_rd_sub(&r, 4);
    cr_assert_eq(r.off, 5, "the parent skips the window");
    cr_assert_eq(s.len, 4);
    cr_assert_eq(mk_rd_u16(&s), 0x0203);
    cr_assert(!mk_rd_end(&s), "two octets left: not consumed exactly");
    cr_assert_eq(mk_rd_u16(&s), 0x0405);
    cr_assert(mk_rd_end(&s));
    cr_assert_eq(mk_rd_u8(&s), 0, "a window never reads into the parent's bytes");
    cr_assert_eq(s.err, MK_E_TRUNCATED);
    cr_assert_eq(r.err, MK_E_OK, "the child's error is the child's");
    cr_assert_eq(mk_rd_u8(&r), 0x06);
    sodium_free(p);
}

Test(wire, sub_window_edges)
{
    uint8_t *p = guarded(b8, 8);
    mk_rd r = mk_rd_init(p, 8);
    mk_rd s0 = mk_rd_sub(&r, 0);
    cr_assert(mk_rd_end(&s0), "empty window is consumed");
    mk_rd all = mk_rd_sub(&r, 8);
    cr_assert_eq(all.len, 8);
    cr_assert(mk_rd_end(&r));

    r = mk_rd_init(p, 8);
    mk_rd over = mk_rd_sub(&r, 9);
    cr_assert_eq(r.err, MK_E_TRUNCATED, "max + 1 fails the parent");
    cr_assert_eq(over.err, MK_E_TRUNCATED, "and the child inherits the failure");
    cr_assert(!mk_rd_end(&over));
    cr_assert_eq(mk_rd_u8(&over), 0);
    sodium_free(p);
}

/* ---- writer ---------------------------------------------------------------------------------- */

Test(wire, write_integers)
{
    uint8_t buf[15];
    mk_wr w = mk_wr_init(buf, sizeof buf);
    mk_wr_u8(&w, 0x01);
    mk_wr_u16(&w, 0x0203);
    mk_wr_u32(&w, 0x04050607);
    mk_wr_u32(&w, 0x08090a0b);
    mk_wr_u32(&w, 0x0c0d0e0f);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq(w.off, 15);
    for (int i = 0; i < 15; i++)
        cr_assert_eq(buf[i], i + 1);
}

Test(wire, write_edge_lengths)
{
    uint8_t buf[4];
    memset(buf, 0xee, sizeof buf);
    mk_wr w = mk_wr_init(buf, 4);
    mk_wr_bytes(&w, b8, 0);
    cr_assert_eq(w.off, 0);
    mk_wr_bytes(&w, b8, 4);
    cr_assert_eq(w.err, MK_E_OK, "exactly cap");
    mk_wr_bytes(&w, b8, 0);
    cr_assert_eq(w.err, MK_E_OK, "zero more at cap is fine");
    mk_wr_u8(&w, 9);
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL, "cap + 1");
    cr_assert_eq(w.off, 4);

    memset(buf, 0xee, sizeof buf);
    w = mk_wr_init(buf, 3);
    mk_wr_u32(&w, 0x01020304);
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL);
    cr_assert_eq(buf[0], 0xee, "a write that does not fit writes nothing");
    mk_wr_u8(&w, 1);
    cr_assert_eq(w.off, 0, "sticky: later writes that would fit are ignored");
    cr_assert_null(mk_wr_reserve(&w, 0));

    w = mk_wr_init(buf, 4);
    mk_wr_u8(&w, 1);
    mk_wr_bytes(&w, b8, SIZE_MAX);
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL, "huge n does not wrap");
}

Test(wire, reserve_zeroes)
{
    uint8_t buf[8];
    memset(buf, 0xee, sizeof buf);
    mk_wr w = mk_wr_init(buf, sizeof buf);
    cr_assert_eq(mk_wr_reserve(&w, 2), buf);
    uint8_t *slot = mk_wr_reserve(&w, 3);
    cr_assert_eq(slot, buf + 2);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(buf[i], 0);
    cr_assert_null(mk_wr_reserve(&w, 4));
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL);
}

/* mk_wr_bytes is the one writer path: without data it zero-fills (that is mk_wr_reserve), with
 * data it copies; both return the slot, and the integer writer writes its octets big-endian over
 * a slot taken the same way. */
Test(wire, bytes_without_data_zero_fill)
{
    static const uint8_t data[3] = {0xa1, 0xa2, 0xa3};
    uint8_t buf[12];
    memset(buf, 0xee, sizeof buf);
    mk_wr w = mk_wr_init(buf, sizeof buf);
    cr_assert_eq(mk_wr_bytes(&w, NULL, 2), buf);
    cr_assert_eq(mk_wr_bytes(&w, data, 3), buf + 2);
    mk_wr_be(&w, 0x0102, 3);
    static const uint8_t want[8] = {0, 0, 0xa1, 0xa2, 0xa3, 0x00, 0x01, 0x02};
    cr_assert_eq(w.off, 8);
    cr_assert_eq(memcmp(buf, want, 8), 0);
    cr_assert_eq(buf[8], 0xee, "nothing written past the slots");
    cr_assert_null(mk_wr_bytes(&w, NULL, 5));
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL);
    cr_assert_eq(buf[8], 0xee, "a write that does not fit writes nothing");
}

/* IKE-style lengths: the slot counts from the start of the structure that holds it. */
Test(wire, mark_patch16_counts_from_header)
{
    uint8_t buf[32];
    mk_wr w = mk_wr_init(buf, sizeof buf);
    size_t start = w.off;
    mk_wr_u8(&w, 0x29);
    mk_wr_u8(&w, 0);
    size_t m = mk_wr_mark16(&w);
    cr_assert_eq(m, 2);
    mk_wr_bytes(&w, b8, 8);
    mk_wr_patch16(&w, m, start);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq(buf[2], 0x00);
    cr_assert_eq(buf[3], 12, "generic header (4) + body (8)");

    size_t m32 = w.off; /* a 32-bit slot (the IKE header's Length) */
    (void)mk_wr_reserve(&w, 4);
    mk_wr_u16(&w, 7);
    mk_wr_patch32(&w, m32, 0);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq((uint32_t)buf[12] << 24 | (uint32_t)buf[13] << 16 | buf[14] << 8 | buf[15], 18u);
}

Test(wire, patch16_overflow)
{
    size_t cap = 70000;
    uint8_t *buf = calloc(1, cap);
    cr_assert_not_null(buf);
    mk_wr w = mk_wr_init(buf, cap);
    size_t m = mk_wr_mark16(&w);
    (void)mk_wr_reserve(&w, UINT16_MAX - 2);
    mk_wr_patch16(&w, m, 0);
    cr_assert_eq(w.err, MK_E_OK, "65535 fits exactly");
    cr_assert_eq(buf[0], 0xff);
    cr_assert_eq(buf[1], 0xff);
    mk_wr_u8(&w, 0);
    mk_wr_patch16(&w, m, 0);
    cr_assert_eq(w.err, MK_E_BAD_LENGTH, "65536 does not");
    free(buf);
}

Test(wire, patch_bad_marks)
{
    uint8_t buf[8];
    mk_wr w = mk_wr_init(buf, sizeof buf);
    mk_wr_u8(&w, 0);
    mk_wr_patch16(&w, 0, 0);
    cr_assert_eq(w.err, MK_E_BAD_LENGTH, "slot extends past what was written");

    w = mk_wr_init(buf, sizeof buf);
    (void)mk_wr_reserve(&w, 4);
    mk_wr_patch16(&w, 2, 5);
    cr_assert_eq(w.err, MK_E_BAD_LENGTH, "`from` after the end");

    w = mk_wr_init(buf, sizeof buf);
    (void)mk_wr_reserve(&w, 4);
    mk_wr_patch32(&w, SIZE_MAX, 0);
    cr_assert_eq(w.err, MK_E_BAD_LENGTH, "mark far out of range");

    w = mk_wr_init(buf, 1);
    size_t m = mk_wr_mark16(&w);
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL);
    mk_wr_patch16(&w, m, 0);
    cr_assert_eq(w.err, MK_E_BUF_TOO_SMALL, "first error wins over the patch error");
}

Test(wire, bytes_may_alias)
{
    uint8_t buf[8] = {1, 2, 3, 4, 0, 0, 0, 0};
    mk_wr w = mk_wr_init(buf, sizeof buf);
    w.off = 2;
    mk_wr_bytes(&w, buf, 4); /* overlapping source */
    cr_assert_eq(w.err, MK_E_OK);
    const uint8_t want[6] = {1, 2, 1, 2, 3, 4};
    cr_assert_eq(memcmp(buf, want, 6), 0);
}

/* A reader over no buffer at all (NULL, 0) hands out empty views, never NULL + 0 (undefined in C;
 * UBSan's pointer-overflow check reports it), and a zero-length copy into NULL is legal. */
Test(wire, null_buffer_reader_yields_empty_views)
{
    mk_rd r = mk_rd_init(NULL, 0);
    cr_assert_not_null(mk_rd_bytes(&r, 0));
    cr_assert(mk_rd_copy(&r, NULL, 0));
    cr_assert(mk_rd_end(&r));
    cr_assert_null(mk_rd_bytes(&r, 1));
    cr_assert_eq(r.err, MK_E_TRUNCATED);
}
