/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for harness/lib/inner: the Internet checksum (RFC 1071 §3 numeric example), IPv4 +
 * UDP and IPv4 + ICMP echo packets compared byte for byte with packets built by an independent
 * python3 implementation (struct + the RFC 1071 sum), and the parser's refusals.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "inner.h"

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static const uint8_t dev[4] = {10, 99, 20, 1}, door[4] = {10, 99, 10, 1};

Test(inner, rfc1071_numeric_example)
{
    /* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 after folding; checksum = ~sum */
    static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    cr_assert_eq(mk_csum_fold(mk_csum_add(0, b, sizeof(b))), 0x220d);
    /* the odd tail is padded with a zero octet */
    cr_assert_eq(mk_csum_fold(mk_csum_add(0, b, 7)), 0x2304); /* 0001+f203+f4f5+f600 */
}

Test(inner, udp4_matches_python)
{
    /* source: python3 struct, RFC 1071 checksum (see the commit that added this test) */
    uint8_t want[64], got[64];
    size_t wn = unhex("4500002000010000401148050a6314010a630a019c401e61000c7dce4f50454e", want);
    size_t n = mk_inner_udp4(got, sizeof(got), dev, door, 40000, 7777, (const uint8_t *)"OPEN", 4, 1);
    cr_assert_eq(n, wn);
    cr_assert_arr_eq(got, want, n);
}

Test(inner, icmp_echo_matches_python)
{
    uint8_t want[64], got[64];
    size_t wn = unhex("4500002000020000400148140a6314010a630a010800cbe24d4b000170696e67", want);
    size_t n = mk_inner_icmp4_echo(got, sizeof(got), dev, door, MK_ICMP_ECHO_REQUEST, 0x4d4b, 1,
                                   (const uint8_t *)"ping", 4, 2);
    cr_assert_eq(n, wn);
    cr_assert_arr_eq(got, want, n);
}

Test(inner, parse_roundtrip_and_padding_ignored)
{
    uint8_t p[80];
    mk_inner v;
    size_t n = mk_inner_udp4(p, sizeof(p), dev, door, 1234, 7777, (const uint8_t *)"STATUS", 6, 9);
    memset(p + n, 0xaa, 3); /* trailing octets (ESP padding) are not part of the packet */
    cr_assert(mk_inner_parse4(p, n + 3, &v));
    cr_assert(v.csum_ok);
    cr_assert_eq(v.proto, MK_IPPROTO_UDP);
    cr_assert_eq(v.sport, 1234);
    cr_assert_eq(v.dport, 7777);
    cr_assert_eq(v.len, 6);
    cr_assert_arr_eq(v.data, "STATUS", 6);
    cr_assert_arr_eq(v.src, dev, 4);
}

Test(inner, bad_checksums_are_reported)
{
    uint8_t p[80];
    mk_inner v;
    size_t n = mk_inner_icmp4_echo(p, sizeof(p), dev, door, 8, 1, 1, (const uint8_t *)"x", 1, 1);
    p[n - 1] ^= 1; /* ICMP data */
    cr_assert(mk_inner_parse4(p, n, &v));
    cr_assert_not(v.csum_ok);
    n = mk_inner_udp4(p, sizeof(p), dev, door, 1, 2, (const uint8_t *)"yy", 2, 1);
    p[12] ^= 1; /* source address: both the IP and the UDP checksum break */
    cr_assert(mk_inner_parse4(p, n, &v));
    cr_assert_not(v.csum_ok);
}

Test(inner, malformed_is_refused)
{
    uint8_t p[80];
    mk_inner v;
    size_t n = mk_inner_udp4(p, sizeof(p), dev, door, 1, 2, (const uint8_t *)"hello", 5, 1);
    cr_assert_not(mk_inner_parse4(p, n - 1, &v), "total length beyond the buffer");
    cr_assert_not(mk_inner_parse4(p, 19, &v), "shorter than a header");
    p[0] = 0x44;
    cr_assert_not(mk_inner_parse4(p, n, &v), "IHL < 5");
    p[0] = 0x65;
    cr_assert_not(mk_inner_parse4(p, n, &v), "version 6");
    n = mk_inner_udp4(p, sizeof(p), dev, door, 1, 2, (const uint8_t *)"hello", 5, 1);
    p[6] = 0x20; /* more fragments */
    cr_assert_not(mk_inner_parse4(p, n, &v), "fragment");
    n = mk_inner_udp4(p, sizeof(p), dev, door, 1, 2, (const uint8_t *)"hello", 5, 1);
    p[24] = 0xff; /* UDP length beyond the packet */
    cr_assert_not(mk_inner_parse4(p, n, &v));
    cr_assert_eq(mk_inner_udp4(p, 27, dev, door, 1, 2, (const uint8_t *)"hello", 5, 1), 0,
                 "does not fit");
}
