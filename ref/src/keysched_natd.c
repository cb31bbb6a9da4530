/* SPDX-License-Identifier: MIT */
/*
 * keysched_natd: the NAT_DETECTION hash (RFC 7296 §2.23), needed only with NAT-T (MK_NATT), so a
 * core without it links no SHA-1. Declared in keysched.h with the other derivations.
 */
#include "keysched.h"

/* NAT_DETECTION_*_IP data = SHA-1(SPIi | SPIr | IP address | port)   (RFC 7296 §2.23)
 * IP: 4 octets (IPv4) or 16 (IPv6); port: 2 octets, network order. */
/* SHA-1 is fixed by the protocol here; NAT detection compares hashes and needs no collision
 * resistance, so this is not a use of SHA-1 as a security function. */
void mk_ks_natd(const uint8_t spi_i[8], const uint8_t spi_r[8], const mk_addr *a, uint8_t out[20])
{
    uint8_t port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};
    const mk_iov in[4] = {{spi_i, 8}, {spi_r, 8}, {a->ip, a->family == 6 ? 16u : 4u}, {port, 2}};
    mk_sha1(in, 4, out);
}
