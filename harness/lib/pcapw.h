/* SPDX-License-Identifier: MIT */
/*
 * pcapw: write IKE and ESP datagrams to a classic pcap file (LINKTYPE_RAW) with real IPv4/IPv6
 * and UDP headers and correct checksums, so Wireshark shows the real addresses and ports
 * (500/4500 or whatever was used). The file is written under a temporary name and renamed into
 * place by mk_pcapw_close(), so a reader never sees a half-written capture.
 * Test/CLI code: it allocates, and never sees keys.
 */
#ifndef MK_PCAPW_H
#define MK_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minike.h"

typedef struct mk_pcapw mk_pcapw;

/* Open `path` (written as `path.tmp.<pid>` until close). NULL on failure (errno kept). */
mk_pcapw *mk_pcapw_open(const char *path);

/* Append one UDP datagram src -> dst with this payload at wall time ts_us (microseconds since
 * the epoch). Both addresses must be of the same family. false on write failure. */
bool mk_pcapw_udp(mk_pcapw *w, const mk_addr *src, const mk_addr *dst, const uint8_t *payload,
                  size_t len, uint64_t ts_us);

/* Flush, close and rename into place. Returns false (and removes the temp file) on failure.
 * NULL is accepted. */
bool mk_pcapw_close(mk_pcapw *w);
/* Close and remove the temp file without publishing it. */
void mk_pcapw_abort(mk_pcapw *w);
size_t mk_pcapw_count(const mk_pcapw *w);

/* Build IPv4/IPv6 + UDP headers around a payload into out; returns the packet length or 0 if
 * it does not fit (or families differ). */
size_t mk_pcapw_build_udp(uint8_t *out, size_t cap, const mk_addr *src, const mk_addr *dst,
                          const uint8_t *payload, size_t len, uint16_t ip_id);

#endif
