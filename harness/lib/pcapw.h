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

#include "minike_tools.h"

typedef struct mk_pcapw mk_pcapw;

/* Open `path` (written as `path.tmp.<pid>` until close; through a symbolic link, its target
 * and the target's directory). NULL on failure (errno kept), and at once when `path` is not a
 * regular file (see mk_pcapw_target): rename() would replace a directory entry such as
 * /dev/null rather than write into it. */
mk_pcapw *mk_pcapw_open(const char *path);

/* The file that a write by temporary name + rename() into `path` really replaces: `path`
 * itself when it is missing or a regular file; for a symbolic link (up to 8 in a row, relative
 * targets taken from the link's directory) its final target, which may be missing, so the link
 * stays a link. NULL with errno EISDIR (a directory), EINVAL (a device, FIFO or socket), ELOOP
 * or ENOMEM. The caller frees the result. Also used by keysfile.c. */
char *mk_pcapw_target(const char *path);

/* Append one UDP datagram src -> dst with this payload at wall time ts_us (microseconds since
 * the epoch). Both addresses must be of the same family. false on write failure. */
bool mk_pcapw_udp(mk_pcapw *w, const mk_addr *src, const mk_addr *dst, const uint8_t *payload,
                  size_t len, uint64_t ts_us);

/* Flush, close and rename into place; the target is checked again first (still missing or a
 * regular file). Returns false (and removes the temp file, errno kept) on failure. NULL is
 * accepted. */
bool mk_pcapw_close(mk_pcapw *w);
/* Close and remove the temp file without publishing it. */
void mk_pcapw_abort(mk_pcapw *w);
size_t mk_pcapw_count(const mk_pcapw *w);

/* Build IPv4/IPv6 + UDP headers around a payload into out; returns the packet length or 0 if
 * it does not fit (or families differ). */
size_t mk_pcapw_build_udp(uint8_t *out, size_t cap, const mk_addr *src, const mk_addr *dst,
                          const uint8_t *payload, size_t len, uint16_t ip_id);

#endif
