/* SPDX-License-Identifier: MIT */
/*
 * door: the garage-door remote itself, once for both firmware images: main.c on the general core
 * (minike.h) and main_tiny.c on the template core (minike_tiny.h). Here: boot (console,
 * calibration, provisioning), the press timeline and its "metric" lines, the link's datagrams and
 * their octet count, the ESP lines and the inner packet's selector check, the command packet, the
 * door's ACK / STATUS / DONE, and the receive loops. Nothing here knows either core: each main
 * file implements the four door_core_* hooks below and passes in what its core reported.
 */
#ifndef MK_FW_DOOR_H
#define MK_FW_DOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inner.h"

#include "drbg.h"
#include "prov.h"

extern fw_prov door_prov; /* what the bridge provisioned at boot (door_boot) */
extern fw_drbg door_drbg; /* seeded by the bridge at boot: the core's RNG */

/* Instructions spent inside the core and its crypto for the current press (not the polling
 * loop, which a real device spends asleep): wrap every core call in COUNTED(). Two calls, not
 * the arithmetic inline: it is flash on every core call, for a dozen instructions counted more. */
extern uint32_t door_insns; /* mod 2^32: a press spends a few million */
void door_count_start(void);
void door_count_stop(void);
#define COUNTED(expr)                                                                              \
    __extension__({                                                                                \
        door_count_start();                                                                        \
        __typeof__(expr) r_ = (expr);                                                              \
        door_count_stop();                                                                         \
        r_;                                                                                        \
    })

/* ---- the hooks each main file implements for its core ---- */
/* One datagram from the link, of link class cls (fw/link.h: a UDP port, or 50 for raw ESP):
 * IKE to the core, ESP opened and checked (door_esp_rx). Returns the inner packet that passed
 * the selector check, else NULL. */
const mk_inner *door_core_rx(uint16_t cls, uint8_t *d, size_t len, mk_inner *v);
/* Seal the inner packet into ESP and send it (door_esp_tx); false (with a line) if not sealed. */
bool door_core_seal(const uint8_t *inner, size_t ilen, const char *what);
void door_core_timer(void);        /* the core's deadline passed: its timer, then what it sends */
uint64_t door_core_deadline(void); /* the core's next deadline, ms */

/* ---- the remote ---- */
/* Console, counter, the boot line ("boot: minike garage-door opener, <core>Cortex-M4 ...; <ike>
 * <ike_size> B static"), the calibration metric, then the seed and provisioning. false: no
 * usable provisioning (prov_boot said why). */
bool door_boot(const char *core, const char *ike, size_t ike_size);
/* A datagram to the link (class, payload), counted as air octets */
void door_send(uint16_t cls, const uint8_t *p, size_t n);
/* The ESP lines both ways. door_esp_rx: err is the open's error name, NULL when it opened; then
 * the inner packet (next header nh) must be IPv4-in-IPv4 inside the selectors (RFC 4301 §5.2). */
const mk_inner *door_esp_rx(const uint8_t *d, size_t len, const char *err, uint8_t nh,
                            const uint8_t *inner, size_t ilen, const mk_ts *tsi, const mk_ts *tsr,
                            mk_inner *v);
/* door_esp_tx: the sealed packet p to the link (SPI and sequence number read from its header) */
void door_esp_tx(uint16_t cls, const uint8_t *p, size_t n, const char *what);
/* Press i: the line that starts it, and the counters reset */
void door_press_start(unsigned i);
/* One poll of the link until the core's deadline: a datagram to the core, or its timer */
void door_step(void);
/* The next inner packet before until_ms, answering the core's timers meanwhile; NULL (with a
 * line) when none came in time */
const mk_inner *door_next(uint64_t until_ms, mk_inner *v);
/* Awake quiet_ms more for late packets (none is expected), answering nothing */
void door_quiet(void);
/* Press i's command to the door in UDP inside ESP (door_core_seal), then its ACK, STATUS lines
 * and DONE within wait_ms (true at DONE), then door_quiet() */
bool door_command(unsigned i);
/* Press i ended: stack high-water, the "sleep" line, the press's metric line */
void door_press_end(unsigned i, uint32_t hs_insns, unsigned ike_dgrams, unsigned retransmits);
/* After the presses: the PSK wiped, the summary metric line, the exit frame; the exit code */
int door_exit(unsigned ok, size_t pool_max, size_t pool_size);

#endif
