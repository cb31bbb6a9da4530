/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for harness/lib/inner: the Internet checksum (RFC 1071 §3 numeric example), IPv4 +
 * UDP and IPv4 + ICMP echo packets and a transport-mode UDP segment over IPv6 (RFC 8200 §8.1
 * pseudo-header) compared byte for byte with packets built by an independent python3
 * implementation (struct + the RFC 1071 sum), the parser's refusals, and the RFC 4301 §5.2
 * traffic-selector check as a numbered table.
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
    size_t n =
        mk_inner_udp4(got, sizeof(got), dev, door, 40000, 7777, (const uint8_t *)"OPEN", 4, 1);
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

/* ---- transport mode over IPv6 (RFC 8200 §8.1) --------------------------------------------- */

/* 2001:db8::1 -> 2001:db8::1:0:2 (the addresses differ only after their first 4 octets) */
static const mk_addr v6a = {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0};
static const mk_addr v6b = {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2}, 0};

Test(inner, udp6_transport_segment_matches_python)
{
    /* source: python3 struct: seg = pack('!HHHH', 40000, 7, 16, 0) + b'hello-v6'; checksum =
     * RFC 1071 sum over src(16) | dst(16) | pack('!I', 16) | 0 0 0 | 17 | seg, folded and
     * complemented: 0x4ddb. The pseudo-header of the first 4 address octets would give 0x4ddf. */
    uint8_t want[32], got[64];
    size_t wn = unhex("9c40000700104ddb68656c6c6f2d7636", want);
    size_t n =
        mk_inner_udp_seg(got, sizeof(got), &v6a, &v6b, 40000, 7, (const uint8_t *)"hello-v6", 8);
    cr_assert_eq(n, wn);
    cr_assert_arr_eq(got, want, n);
}

Test(inner, udp6_transport_segment_parse_checks_all_16_octets)
{
    uint8_t p[64];
    mk_inner v;
    mk_addr other = v6b;
    size_t n = mk_inner_udp_seg(p, sizeof(p), &v6a, &v6b, 1234, 9, (const uint8_t *)"x", 1);
    cr_assert(mk_inner_parse_udp_seg(p, n, &v6a, &v6b, &v));
    cr_assert(v.csum_ok);
    cr_assert_eq(v.family, 6);
    cr_assert_arr_eq(v.src, v6a.ip, 16);
    cr_assert_arr_eq(v.dst, v6b.ip, 16);
    other.ip[9] ^= 1; /* beyond the first 4 octets */
    cr_assert(mk_inner_parse_udp_seg(p, n, &v6a, &other, &v));
    cr_assert_not(v.csum_ok, "octet 9 of the destination is covered");
    p[6] = p[7] = 0; /* RFC 8200 §8.1: no "no checksum" over IPv6 */
    cr_assert(mk_inner_parse_udp_seg(p, n, &v6a, &v6b, &v));
    cr_assert_not(v.csum_ok);
    cr_assert_eq(mk_inner_udp_seg(p, sizeof(p), &v6a, &(mk_addr){4, {127, 0, 0, 1}, 0}, 1, 2,
                                  (const uint8_t *)"x", 1),
                 0, "mixed families");
}

Test(inner, udp4_transport_segment_is_the_tunnel_packets_udp_part)
{
    uint8_t want[64], got[64];
    mk_addr a = {4, {10, 99, 20, 1}, 0}, b = {4, {10, 99, 10, 1}, 0};
    mk_inner v;
    size_t wn = unhex("4500002000010000401148050a6314010a630a019c401e61000c7dce4f50454e", want);
    size_t n = mk_inner_udp_seg(got, sizeof(got), &a, &b, 40000, 7777, (const uint8_t *)"OPEN", 4);
    cr_assert_eq(n, wn - 20);
    cr_assert_arr_eq(got, want + 20, n);
    cr_assert(mk_inner_parse_udp_seg(got, n, &a, &b, &v));
    cr_assert(v.csum_ok);
}

/* ---- RFC 4301 §5.2: inbound packets against the SA's selectors ----------------------------- */

static mk_ts sel4(const char *lo, const char *hi, uint8_t proto, uint16_t p0, uint16_t p1)
{
    mk_ts t;
    unsigned a[4], b[4];
    memset(&t, 0, sizeof t);
    t.type = MK_TS_IPV4_RANGE;
    t.proto = proto;
    t.start_port = p0;
    t.end_port = p1;
    sscanf(lo, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    sscanf(hi, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    for (int i = 0; i < 4; i++) {
        t.start[i] = (uint8_t)a[i];
        t.end[i] = (uint8_t)b[i];
    }
    return t;
}

static mk_inner pkt4(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp)
{
    mk_inner v;
    unsigned a[4], b[4];
    memset(&v, 0, sizeof v);
    v.family = 4;
    v.proto = proto;
    sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    sscanf(dst, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    for (int i = 0; i < 4; i++) {
        v.src[i] = (uint8_t)a[i];
        v.dst[i] = (uint8_t)b[i];
    }
    if (proto == MK_IPPROTO_ICMP) {
        v.icmp_type = (uint8_t)sp;
        v.icmp_code = (uint8_t)dp;
    } else {
        v.sport = sp;
        v.dport = dp;
    }
    return v;
}

Test(inner, ts_check_table)
{
    mk_ts tsi = sel4("10.99.20.0", "10.99.20.255", 0, 0, 65535);
    mk_ts tsr = sel4("10.99.10.0", "10.99.10.255", 0, 0, 65535);
    mk_ts tsr_udp = sel4("10.99.10.1", "10.99.10.1", MK_IPPROTO_UDP, 7777, 7777);
    mk_ts tsr_echo = sel4("10.99.10.0", "10.99.10.255", MK_IPPROTO_ICMP, 0x0800, 0x08ff);
    mk_ts two[2] = {sel4("192.0.2.0", "192.0.2.255", 0, 0, 65535), tsr};
    mk_ts v6 = tsr;
    v6.type = MK_TS_IPV6_RANGE;
    static const struct {
        int n;
        const char *src, *dst;
        uint8_t proto;
        uint16_t sp, dp;
        int which; /* 0: tsr, 1: tsr_udp, 2: tsr_echo, 3: two, 4: v6 */
        mk_tsm want;
    } t[] = {
        {1, "10.99.20.1", "10.99.10.1", MK_IPPROTO_ICMP, 8, 0, 0, MK_TSM_OK},
        {2, "10.99.20.1", "10.99.99.1", MK_IPPROTO_ICMP, 8, 0, 0, MK_TSM_DST}, /* the QA case */
        {3, "10.99.21.1", "10.99.10.1", MK_IPPROTO_UDP, 1, 2, 0, MK_TSM_SRC},
        {4, "10.99.20.0", "10.99.10.255", MK_IPPROTO_UDP, 1, 2, 0, MK_TSM_OK}, /* range ends */
        {5, "10.99.20.1", "10.99.11.0", MK_IPPROTO_UDP, 1, 2, 0, MK_TSM_DST},
        {6, "10.99.20.1", "10.99.10.1", MK_IPPROTO_UDP, 40000, 7777, 1, MK_TSM_OK},
        {7, "10.99.20.1", "10.99.10.1", MK_IPPROTO_UDP, 40000, 7778, 1, MK_TSM_DST}, /* port */
        {8, "10.99.20.1", "10.99.10.1", MK_IPPROTO_ICMP, 8, 0, 1, MK_TSM_DST},       /* protocol */
        {9, "10.99.20.1", "10.99.10.1", MK_IPPROTO_ICMP, 8, 0, 2, MK_TSM_OK},   /* echo request */
        {10, "10.99.20.1", "10.99.10.1", MK_IPPROTO_ICMP, 0, 0, 2, MK_TSM_DST}, /* echo reply */
        {11, "10.99.20.1", "10.99.10.1", 47, 0, 0, 0, MK_TSM_OK}, /* no ports: ANY matches */
        {12, "10.99.20.1", "10.99.10.1", 47, 0, 0, 1, MK_TSM_DST},
        {13, "10.99.20.1", "192.0.2.7", MK_IPPROTO_UDP, 1, 2, 3, MK_TSM_OK}, /* either one */
        {14, "10.99.20.1", "10.99.10.7", MK_IPPROTO_UDP, 1, 2, 3, MK_TSM_OK},
        {15, "10.99.20.1", "10.99.10.1", MK_IPPROTO_UDP, 1, 2, 4, MK_TSM_DST}, /* family */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        mk_inner v = pkt4(t[i].src, t[i].dst, t[i].proto, t[i].sp, t[i].dp);
        const mk_ts *d = t[i].which == 0   ? &tsr
                         : t[i].which == 1 ? &tsr_udp
                         : t[i].which == 2 ? &tsr_echo
                         : t[i].which == 3 ? two
                                           : &v6;
        size_t nd = t[i].which == 3 ? 2 : 1;
        cr_assert_eq(mk_inner_ts_check(&v, &tsi, 1, d, nd), t[i].want, "case %d", t[i].n);
    }
    /* IPv6 addresses compare over all 16 octets */
    mk_ts s6, d6;
    mk_inner v;
    memset(&s6, 0, sizeof s6);
    s6.type = MK_TS_IPV6_RANGE;
    s6.end_port = 65535;
    memcpy(s6.start, v6a.ip, 16);
    memcpy(s6.end, v6a.ip, 16);
    d6 = s6;
    memcpy(d6.start, v6b.ip, 16);
    memcpy(d6.end, v6b.ip, 16);
    uint8_t p[64];
    size_t n = mk_inner_udp_seg(p, sizeof(p), &v6a, &v6b, 1, 2, (const uint8_t *)"x", 1);
    cr_assert(mk_inner_parse_udp_seg(p, n, &v6a, &v6b, &v));
    cr_assert_eq(mk_inner_ts_check(&v, &s6, 1, &d6, 1), MK_TSM_OK);
    d6.start[15] = d6.end[15] = 3;
    cr_assert_eq(mk_inner_ts_check(&v, &s6, 1, &d6, 1), MK_TSM_DST);
}
