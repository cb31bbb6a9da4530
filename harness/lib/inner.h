/* SPDX-License-Identifier: MIT */
/*
 * inner: the packets that travel inside ESP in tunnel mode (and the segments in transport
 * mode): IPv4 + UDP and IPv4 + ICMP echo, built and parsed with the real Internet checksum
 * (RFC 1071; UDP over the RFC 768 pseudo-header, or over IPv6 the RFC 8200 §8.1 one, ICMP over
 * the message, IPv4 over the header), and the check of a packet against an SA's traffic
 * selectors (RFC 4301 §5.2). Parsing is bounds-checked and never trusts a length field beyond
 * the buffer. Test/CLI code: no keys, no I/O.
 */
#ifndef MK_INNER_H
#define MK_INNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minike_tools.h"

enum { MK_IPPROTO_ICMP = 1, MK_IPPROTO_IPIP = 4, MK_IPPROTO_UDP = 17, MK_IPPROTO_IPV6 = 41 };
enum { MK_ICMP_ECHO_REPLY = 0, MK_ICMP_ECHO_REQUEST = 8 };
enum { MK_IPV4_HDR = 20, MK_UDP_HDR = 8, MK_ICMP_HDR = 8 };

/* Internet checksum: add 16-bit big-endian words (odd tail padded with zero) to acc. */
uint32_t mk_csum_add(uint32_t acc, const uint8_t *p, size_t n);
/* Fold carries and complement. */
uint16_t mk_csum_fold(uint32_t acc);

/* IPv4 header (20 octets, no options, DF clear, TTL 64) + UDP. Returns total length or 0. */
size_t mk_inner_udp4(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4],
                     uint16_t sport, uint16_t dport, const uint8_t *data, size_t len,
                     uint16_t ip_id);
/* IPv4 + ICMP echo (type 8 request / 0 reply). Returns total length or 0. */
size_t mk_inner_icmp4_echo(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4],
                           uint8_t type, uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
                           uint16_t ip_id);
/* A bare UDP segment for transport mode; the checksum covers the pseudo-header of the outer
 * addresses: RFC 768 for IPv4, RFC 8200 §8.1 for IPv6 (16-octet addresses, 32-bit length,
 * next header 17). The addresses must be of one family. Returns the length or 0. */
size_t mk_inner_udp_seg(uint8_t *out, size_t cap, const mk_addr *src, const mk_addr *dst,
                        uint16_t sport, uint16_t dport, const uint8_t *data, size_t len);

typedef struct mk_inner {
    uint8_t family; /* 4 or 6: the addresses below use 4 or 16 octets */
    uint8_t src[16], dst[16];
    uint8_t proto; /* MK_IPPROTO_UDP / MK_IPPROTO_ICMP / other */
    uint8_t ttl;
    uint16_t ip_id;
    bool csum_ok; /* every checksum present verified */
    /* UDP */
    uint16_t sport, dport;
    /* ICMP */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;
    const uint8_t *data; /* UDP payload / ICMP echo data, points into the packet */
    size_t len;
} mk_inner;

/* Parse an IPv4 packet: version 4, IHL >= 5, total length <= len (trailing octets such as
 * ESP padding ignored), no fragments. false when malformed; csum_ok says whether the IP, UDP
 * (if non-zero) and ICMP checksums are right. */
bool mk_inner_parse4(const uint8_t *pkt, size_t len, mk_inner *out);
/* Parse a bare UDP segment (transport mode), checksum over the given outer addresses (of one
 * family; they are copied into out). Over IPv6 a zero checksum is not valid (RFC 8200 §8.1):
 * csum_ok is then false. */
bool mk_inner_parse_udp_seg(const uint8_t *seg, size_t len, const mk_addr *src, const mk_addr *dst,
                            mk_inner *out);

/* RFC 4301 §5.2: after an inbound ESP packet opens, its inner packet must match the selectors
 * of the SA it arrived on, else it is dropped. The source must lie in one of `src_ts` and the
 * destination in one of `dst_ts`: address family and range, the selector's protocol (0: any)
 * and port range. UDP checks the source port against the source selector and the destination
 * port against the destination one; ICMP's Type and Code form one 16-bit "port" (RFC 7296
 * §3.13.1) that must lie in both ranges; a protocol without ports matches only full ranges
 * (0-65535). */
typedef enum { MK_TSM_OK, MK_TSM_SRC, MK_TSM_DST } mk_tsm;
mk_tsm mk_inner_ts_check(const mk_inner *v, const mk_ts *src_ts, size_t n_src, const mk_ts *dst_ts,
                         size_t n_dst);

#endif
