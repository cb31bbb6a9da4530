/* SPDX-License-Identifier: MIT */
/*
 * link: frames over the UART between the firmware and the host bridge (harness/device/bridge.py).
 * A frame is  type (1 octet) | length (2 octets, big-endian) | length octets.  Types:
 *   host -> device: 'S' 32-octet DRBG seed, 'C' configuration text, 'D' datagram
 *   device -> host: 'H' hello (asks for S and C), 'D' datagram, 'K' keys (only for --keys),
 *                   'X' end (exit code in the payload)
 * A datagram payload is  port class (2 octets: 500 or 4500) | the UDP payload.  The UART is a
 * byte pipe without loss (QEMU holds bytes back while the receive register is full), so there is
 * no checksum; a frame whose length exceeds the buffer is read and dropped.
 */
#ifndef MK_FW_LINK_H
#define MK_FW_LINK_H

#include <stddef.h>
#include <stdint.h>

enum { LINK_MAX = 1600 }; /* the largest frame payload: an MTU-sized datagram plus its port */

void link_send(uint8_t type, const uint8_t *p, size_t n);
void link_send2(uint8_t type, const uint8_t *a, size_t na, const uint8_t *b, size_t nb);
/* Poll for one frame until `deadline_ms` (semihosting clock). Returns its type and fills
 * buf/len, or 0 at the deadline. Partial frames survive across calls. */
uint8_t link_poll(uint8_t *buf, size_t cap, size_t *len, uint64_t deadline_ms);

#endif
