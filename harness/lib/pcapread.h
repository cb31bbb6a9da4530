/* SPDX-License-Identifier: MIT */
/*
 * pcapread: read the UDP payloads of a capture (pcap or pcapng, through libpcap's
 * pcap_open_offline) for replay and vector tests. Link types: Ethernet (with 802.1Q tags),
 * raw IP, BSD loopback (NULL/LOOP) and Linux cooked (SLL); IPv4 (options, no fragments) and
 * IPv6 (no extension headers). Non-UDP frames are skipped. Test code: it allocates.
 */
#ifndef MK_PCAPREAD_H
#define MK_PCAPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mk_pcap_udp {
    uint8_t *data; /* the UDP payload */
    size_t len;
    uint8_t family; /* 4 or 6 */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint64_t ts_ms; /* capture time, milliseconds since the epoch */
    size_t frame;   /* 1-based frame number in the file (as Wireshark counts) */
} mk_pcap_udp;

typedef struct mk_pcap_list {
    mk_pcap_udp *pkt;
    size_t n;
} mk_pcap_list;

/* Read every UDP datagram of `path`. false on failure with a message in err. */
bool mk_pcap_read_udp(const char *path, mk_pcap_list *out, char *err, size_t errcap);
void mk_pcap_list_free(mk_pcap_list *l);

#endif
