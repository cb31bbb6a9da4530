/* SPDX-License-Identifier: MIT */
/*
 * prov: the boot handshake with the bridge (bridge.py): 'H' hello, then the DRBG seed ('S') and
 * the provisioning ('C', "key=value" lines: PSK, identities, selectors, inner addresses, the
 * presses), what a real remote keeps in flash. Parsed into plain octets, so both firmware
 * variants (main.c on the general core, main_tiny.c on the template core) share it and each
 * fills its own core's config.
 */
#ifndef MK_FW_PROV_H
#define MK_FW_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drbg.h"

enum { PROV_MAX_PRESSES = 4, PROV_MAX_CMD = 16, PROV_MAX_PSK = 256, PROV_MAX_ID = 255 };
enum { PROV_ID_FQDN = 2 }; /* RFC 7296 §3.5 */
enum { MODE_DOOR, MODE_PING };

typedef struct prov_id {
    uint8_t type, len; /* len 0: not configured */
    uint8_t data[PROV_MAX_ID];
} prov_id;

typedef struct prov_ts { /* an IPv4 range, any protocol and port */
    uint8_t lo[4], hi[4];
} prov_ts;

typedef struct prov_addr {
    uint8_t ip[4];
    uint16_t port;
} prov_addr;

typedef struct fw_prov {
    uint8_t psk[PROV_MAX_PSK];
    size_t psk_len;
    prov_id idi, idr;
    prov_ts tsi, tsr;
    uint8_t src[4], dst[4]; /* inner addresses: ours, the door's (or the ping target) */
    uint16_t sport, dport;
    prov_addr local, remote; /* outer, for NAT_DETECTION (the general core's NAT-T) */
    bool force_4500;
    int mode;
    unsigned presses, quiet_ms, wait_ms;
    char cmds[PROV_MAX_PRESSES][PROV_MAX_CMD];
    bool keys; /* send the keys to the bridge (it writes them only when asked: --keys) */
} fw_prov;

/* Say hello and wait up to 10 s for the seed (into *drbg) and the provisioning (into *p), using
 * frame (cap octets) as the receive buffer. false (with a console line): nothing usable came. */
bool prov_boot(fw_prov *p, fw_drbg *drbg, uint8_t *frame, size_t cap);

#endif
