/* SPDX-License-Identifier: MIT */
/*
 * inner: IPv4 + UDP / ICMP echo packets for the inside of ESP tunnels, and UDP segments for
 * transport mode over IPv4 or IPv6, with real Internet checksums (RFC 1071, RFC 768, RFC 792,
 * RFC 8200 §8.1), plus the traffic-selector check of an opened packet (RFC 4301 §5.2).
 * Builders write into caller buffers and return 0 when the packet does not fit; parsers check
 * every length against the buffer before reading. It must never read past `len` or accept a
 * fragment.
 */
#include "inner.h"

#include <string.h>

uint32_t mk_csum_add(uint32_t acc, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2) {
        acc += (uint32_t)p[i] << 8 | p[i + 1];
        if (acc & 0x80000000u)
            acc = (acc & 0xffff) + (acc >> 16);
    }
    if (i < n)
        acc += (uint32_t)p[i] << 8;
    return acc;
}

uint16_t mk_csum_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void ip4_header(uint8_t *h, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                       size_t total, uint16_t ip_id)
{
    h[0] = 0x45;
    h[1] = 0;
    put16(h + 2, (uint16_t)total);
    put16(h + 4, ip_id);
    put16(h + 6, 0);
    h[8] = 64;
    h[9] = proto;
    put16(h + 10, 0);
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    put16(h + 10, mk_csum_fold(mk_csum_add(0, h, MK_IPV4_HDR)));
}

/* The pseudo-header sum of a UDP segment of `len` octets: RFC 768 for IPv4 (addresses, zero,
 * protocol, 16-bit length), RFC 8200 §8.1 for IPv6 (16-octet addresses, 32-bit length, three
 * zero octets, next header). */
static uint32_t udp_pseudo(uint8_t family, const uint8_t *src, const uint8_t *dst, size_t len)
{
    uint8_t ph[40];
    if (family == 6) {
        memcpy(ph, src, 16);
        memcpy(ph + 16, dst, 16);
        put16(ph + 32, (uint16_t)(len >> 16));
        put16(ph + 34, (uint16_t)len);
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = MK_IPPROTO_UDP;
        return mk_csum_add(0, ph, 40);
    }
    memcpy(ph, src, 4);
    memcpy(ph + 4, dst, 4);
    ph[8] = 0;
    ph[9] = MK_IPPROTO_UDP;
    put16(ph + 10, (uint16_t)len);
    return mk_csum_add(0, ph, 12);
}

/* A UDP segment with its checksum over the pseudo-header; 0 is sent as 0xffff. */
static size_t udp_seg(uint8_t *out, size_t cap, uint8_t family, const uint8_t *src,
                      const uint8_t *dst, uint16_t sport, uint16_t dport, const uint8_t *data,
                      size_t len)
{
    size_t n = MK_UDP_HDR + len;
    uint16_t c;
    if (len > 65535 - MK_IPV4_HDR - MK_UDP_HDR || n > cap)
        return 0;
    put16(out, sport);
    put16(out + 2, dport);
    put16(out + 4, (uint16_t)n);
    put16(out + 6, 0);
    if (len > 0)
        memmove(out + MK_UDP_HDR, data, len);
    c = mk_csum_fold(mk_csum_add(udp_pseudo(family, src, dst, n), out, n));
    put16(out + 6, c == 0 ? 0xffff : c);
    return n;
}

size_t mk_inner_udp_seg(uint8_t *out, size_t cap, const mk_addr *src, const mk_addr *dst,
                        uint16_t sport, uint16_t dport, const uint8_t *data, size_t len)
{
    if (src->family != dst->family || (src->family != 4 && src->family != 6))
        return 0;
    return udp_seg(out, cap, src->family, src->ip, dst->ip, sport, dport, data, len);
}

size_t mk_inner_udp4(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4],
                     uint16_t sport, uint16_t dport, const uint8_t *data, size_t len,
                     uint16_t ip_id)
{
    size_t n;
    if (cap < MK_IPV4_HDR)
        return 0;
    n = udp_seg(out + MK_IPV4_HDR, cap - MK_IPV4_HDR, 4, src, dst, sport, dport, data, len);
    if (n == 0)
        return 0;
    ip4_header(out, src, dst, MK_IPPROTO_UDP, MK_IPV4_HDR + n, ip_id);
    return MK_IPV4_HDR + n;
}

size_t mk_inner_icmp4_echo(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4],
                           uint8_t type, uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
                           uint16_t ip_id)
{
    size_t n = MK_IPV4_HDR + MK_ICMP_HDR + len;
    uint8_t *m = out + MK_IPV4_HDR;
    if (len > 65535 - MK_IPV4_HDR - MK_ICMP_HDR || n > cap)
        return 0;
    if (len > 0)
        memmove(m + MK_ICMP_HDR, data, len);
    m[0] = type;
    m[1] = 0;
    put16(m + 2, 0);
    put16(m + 4, id);
    put16(m + 6, seq);
    put16(m + 2, mk_csum_fold(mk_csum_add(0, m, MK_ICMP_HDR + len)));
    ip4_header(out, src, dst, MK_IPPROTO_ICMP, n, ip_id);
    return n;
}

static bool parse_udp(const uint8_t *seg, size_t len, mk_inner *o)
{
    size_t ulen;
    if (len < MK_UDP_HDR)
        return false;
    ulen = get16(seg + 4);
    if (ulen < MK_UDP_HDR || ulen > len)
        return false;
    o->sport = get16(seg);
    o->dport = get16(seg + 2);
    o->data = seg + MK_UDP_HDR;
    o->len = ulen - MK_UDP_HDR;
    if (get16(seg + 6) != 0) {
        uint32_t acc = udp_pseudo(o->family, o->src, o->dst, ulen);
        if (mk_csum_fold(mk_csum_add(acc, seg, ulen)) != 0)
            o->csum_ok = false;
    } else if (o->family == 6) {
        o->csum_ok = false; /* RFC 8200 §8.1: a zero UDP checksum over IPv6 is discarded */
    }
    return true;
}

bool mk_inner_parse_udp_seg(const uint8_t *seg, size_t len, const mk_addr *src, const mk_addr *dst,
                            mk_inner *out)
{
    size_t al = src->family == 6 ? 16 : 4;
    memset(out, 0, sizeof(*out));
    if (src->family != dst->family || (src->family != 4 && src->family != 6))
        return false;
    out->family = src->family;
    memcpy(out->src, src->ip, al);
    memcpy(out->dst, dst->ip, al);
    out->proto = MK_IPPROTO_UDP;
    out->csum_ok = true;
    return parse_udp(seg, len, out);
}

bool mk_inner_parse4(const uint8_t *pkt, size_t len, mk_inner *out)
{
    size_t ihl, total;
    const uint8_t *body;
    size_t blen;

    memset(out, 0, sizeof(*out));
    if (len < MK_IPV4_HDR || (pkt[0] >> 4) != 4)
        return false;
    ihl = (size_t)(pkt[0] & 0x0f) * 4;
    total = get16(pkt + 2);
    if (ihl < MK_IPV4_HDR || total < ihl || total > len)
        return false;
    if ((get16(pkt + 6) & 0x3fff) != 0) /* MF set or fragment offset: not supported */
        return false;
    out->family = 4;
    out->csum_ok = mk_csum_fold(mk_csum_add(0, pkt, ihl)) == 0;
    out->ip_id = get16(pkt + 4);
    out->ttl = pkt[8];
    out->proto = pkt[9];
    memcpy(out->src, pkt + 12, 4);
    memcpy(out->dst, pkt + 16, 4);
    body = pkt + ihl;
    blen = total - ihl;
    if (out->proto == MK_IPPROTO_UDP)
        return parse_udp(body, blen, out);
    if (out->proto == MK_IPPROTO_ICMP) {
        if (blen < MK_ICMP_HDR)
            return false;
        if (mk_csum_fold(mk_csum_add(0, body, blen)) != 0)
            out->csum_ok = false;
        out->icmp_type = body[0];
        out->icmp_code = body[1];
        out->icmp_id = get16(body + 4);
        out->icmp_seq = get16(body + 6);
        out->data = body + MK_ICMP_HDR;
        out->len = blen - MK_ICMP_HDR;
        return true;
    }
    out->data = body;
    out->len = blen;
    return true;
}

/* Does address `a` (family `fam`) and port `port` (or, has_port false, no port) fall in `ts`? */
static bool ts_has(const mk_ts *ts, uint8_t fam, const uint8_t *a, uint8_t proto, bool has_port,
                   uint16_t port)
{
    size_t al = fam == 6 ? 16 : 4;
    if (ts->type != (fam == 6 ? MK_TS_IPV6_RANGE : MK_TS_IPV4_RANGE))
        return false;
    if (memcmp(a, ts->start, al) < 0 || memcmp(a, ts->end, al) > 0)
        return false;
    if (ts->proto != 0 && ts->proto != proto)
        return false;
    if (!has_port) /* RFC 4301 §4.4.1.1: no ports to compare: only ANY matches */
        return ts->start_port == 0 && ts->end_port == 65535;
    return ts->start_port <= port && port <= ts->end_port;
}

mk_tsm mk_inner_ts_check(const mk_inner *v, const mk_ts *src_ts, size_t n_src, const mk_ts *dst_ts,
                         size_t n_dst)
{
    bool udp = v->proto == MK_IPPROTO_UDP, icmp = v->proto == MK_IPPROTO_ICMP;
    /* RFC 7296 §3.13.1: ICMP Type in the high, Code in the low octet of the port */
    uint16_t tc = (uint16_t)(v->icmp_type << 8 | v->icmp_code);
    bool ok = false;
    for (size_t i = 0; i < n_src && !ok; i++)
        ok = ts_has(&src_ts[i], v->family, v->src, v->proto, udp || icmp, udp ? v->sport : tc);
    if (!ok)
        return MK_TSM_SRC;
    ok = false;
    for (size_t i = 0; i < n_dst && !ok; i++)
        ok = ts_has(&dst_ts[i], v->family, v->dst, v->proto, udp || icmp, udp ? v->dport : tc);
    return ok ? MK_TSM_OK : MK_TSM_DST;
}
