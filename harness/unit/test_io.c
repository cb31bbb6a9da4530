/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ref/io (mk_io): the seeded DRBG against libsodium's own
 * randombytes_buf_deterministic(), address parsing, and on 127.0.0.1 the non-ESP marker rule
 * (RFC 3948 §2.2), NAT-keepalive drop, waiting with a deadline, port-in-use and ICMP
 * port-unreachable reporting.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "mk_io.h"

Test(io, drbg_is_the_deterministic_keystream)
{
    mk_io_drbg d;
    uint8_t got[200], want[200], key[32] = {0};
    size_t sizes[] = {7, 64, 100, 1, 28}, off = 0;
    cr_assert_eq(sodium_init() >= 0, 1);
    mk_io_drbg_init(&d, 42, 1);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        mk_io_rng_drbg(&d, got + off, sizes[i]);
        off += sizes[i];
    }
    key[0] = 42; /* seed, 8 octets little-endian */
    key[8] = 1;  /* stream */
    randombytes_buf_deterministic(want, off, key);
    cr_assert_arr_eq(got, want, off);
}

Test(io, drbg_streams_and_seeds_differ)
{
    mk_io_drbg a, b, c;
    uint8_t x[32], y[32], z[32];
    mk_io_drbg_init(&a, 7, 0);
    mk_io_drbg_init(&b, 7, 1);
    mk_io_drbg_init(&c, 8, 0);
    mk_io_rng_drbg(&a, x, 32);
    mk_io_rng_drbg(&b, y, 32);
    mk_io_rng_drbg(&c, z, 32);
    cr_assert_neq(memcmp(x, y, 32), 0);
    cr_assert_neq(memcmp(x, z, 32), 0);
}

Test(io, parse_addr_table)
{
    static const struct {
        const char *s;
        bool ok;
        uint8_t fam;
        uint16_t port;
    } t[] = {
        /* 1 */ {"1.2.3.4", true, 4, 500},
        /* 2 */ {"1.2.3.4:4500", true, 4, 4500},
        /* 3 */ {"::1", true, 6, 500},
        /* 4 */ {"[::1]:15000", true, 6, 15000},
        /* 5 */ {"[2001:db8::1]", true, 6, 500},
        /* 6 */ {"1.2.3.4:", false, 0, 0},
        /* 7 */ {"1.2.3.4:70000", false, 0, 0},
        /* 8 */ {"[::1", false, 0, 0},
        /* 9 */ {"gateway.example", false, 0, 0},
        /* 10 */ {"", false, 0, 0},
        /* 11 */ {"[::1]x", false, 0, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        mk_addr a;
        bool ok = mk_io_parse_addr(t[i].s, 500, &a);
        cr_assert_eq(ok, t[i].ok, "case %zu '%s'", i + 1, t[i].s);
        if (ok) {
            cr_assert_eq(a.family, t[i].fam, "case %zu", i + 1);
            cr_assert_eq(a.port, t[i].port, "case %zu", i + 1);
        }
    }
    {
        mk_addr a;
        char buf[64];
        cr_assert(mk_io_parse_addr("[::1]:9", 0, &a));
        mk_io_format_addr(&a, true, buf, sizeof(buf));
        cr_assert_str_eq(buf, "[::1]:9");
    }
}

static void open_pair(mk_io *a, mk_io *b)
{
    mk_addr lo;
    cr_assert(mk_io_parse_addr("127.0.0.1", 0, &lo));
    memset(a, 0, sizeof(*a));
    memset(b, 0, sizeof(*b));
    cr_assert_eq(mk_io_open(a, &lo, 0), MK_IO_OK);
    cr_assert_eq(mk_io_open(b, &lo, 0), MK_IO_OK);
    cr_assert_neq(a->local[MK_IO_IKE].port, 0);
    cr_assert_neq(a->local[MK_IO_NATT].port, 0);
}

Test(io, non_esp_marker_sorts_ike_from_esp)
{
    mk_io a, b;
    mk_io_dgram d;
    static const uint8_t ike[8] = {0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44};
    static const uint8_t esp[8] = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1};
    static const uint8_t keepalive[1] = {0xff};
    open_pair(&a, &b);
    cr_assert_eq(mk_io_send(&a, MK_IO_NATT, &b.local[MK_IO_NATT], ike, sizeof(ike)), MK_IO_OK);
    cr_assert_eq(mk_io_wait(&b, mk_io_now_ms() + 1000, &d), 1);
    cr_assert(d.marker_socket);
    cr_assert_not(d.esp);
    cr_assert_eq(d.cls, MK_IO_NATT);
    cr_assert_eq(d.from.port, a.local[MK_IO_NATT].port);
    cr_assert_eq(mk_io_send(&a, MK_IO_NATT, &b.local[MK_IO_NATT], esp, sizeof(esp)), MK_IO_OK);
    cr_assert_eq(mk_io_wait(&b, mk_io_now_ms() + 1000, &d), 1);
    cr_assert(d.esp);
    /* the NAT-keepalive is swallowed, the next datagram comes through */
    cr_assert_eq(mk_io_send(&a, MK_IO_NATT, &b.local[MK_IO_NATT], keepalive, 1), MK_IO_OK);
    cr_assert_eq(mk_io_send(&a, MK_IO_NATT, &b.local[MK_IO_NATT], ike, sizeof(ike)), MK_IO_OK);
    cr_assert_eq(mk_io_wait(&b, mk_io_now_ms() + 1000, &d), 1);
    cr_assert_eq(d.len, sizeof(ike));
    /* neither port is 500: the marker rule applies on the IKE-class socket too */
    cr_assert_eq(mk_io_send(&a, MK_IO_IKE, &b.local[MK_IO_IKE], esp, sizeof(esp)), MK_IO_OK);
    cr_assert_eq(mk_io_wait(&b, mk_io_now_ms() + 1000, &d), 1);
    cr_assert_eq(d.cls, MK_IO_IKE);
    cr_assert(d.marker_socket);
    cr_assert(d.esp);
    mk_io_close(&a);
    mk_io_close(&b);
}

Test(io, wait_honours_the_deadline)
{
    mk_io a, b;
    mk_io_dgram d;
    uint64_t t0;
    open_pair(&a, &b);
    t0 = mk_io_now_ms();
    cr_assert_eq(mk_io_wait(&a, t0 + 60, &d), 0);
    cr_assert_geq(mk_io_now_ms() - t0, 60);
    cr_assert_lt(mk_io_now_ms() - t0, 1000);
    mk_io_close(&a);
    mk_io_close(&b);
}

Test(io, port_in_use_is_a_bind_error)
{
    mk_io a, b;
    mk_addr lo;
    open_pair(&a, &b);
    lo = a.local[MK_IO_IKE];
    memset(&b, 0, sizeof(b));
    cr_assert_eq(mk_io_open(&b, &lo, 0), MK_IO_E_BIND);
    cr_assert_neq(b.last_errno, 0);
    mk_io_close(&a);
}

Test(io, icmp_port_unreachable_is_reported)
{
    mk_io a, b;
    mk_io_dgram d;
    mk_addr gone;
    static const uint8_t x[4] = {1, 2, 3, 4};
    int r = 0;
    open_pair(&a, &b);
    gone = b.local[MK_IO_IKE];
    mk_io_close(&b); /* nobody listens there any more */
    cr_assert_eq(mk_io_connect(&a, &gone, NULL), MK_IO_OK);
    for (int i = 0; i < 4 && r >= 0; i++) {
        mk_io_status st = mk_io_send(&a, MK_IO_IKE, NULL, x, sizeof(x));
        if (st == MK_IO_E_UNREACHABLE) {
            r = st;
            break;
        }
        r = mk_io_wait(&a, mk_io_now_ms() + 100, &d);
    }
    cr_assert_eq(r, MK_IO_E_UNREACHABLE);
    mk_io_close(&a);
}
