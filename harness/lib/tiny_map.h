/* SPDX-License-Identifier: MIT */
/*
 * tiny_map: the template core's (ref/tiny, minike_tiny.h) errors and states against the general
 * core's, one table for the tests that hold one to the other (harness/unit/test_tiny.c) and
 * replay the general core's captures through it (harness/replay/test_replay_tiny.c).
 * The template core has coarser DROP reasons: MALFORMED for every malformed input (TRUNCATED,
 * BAD_LENGTH, ...), UNEXPECTED for every "not the response we wait for" (SPI, Message ID),
 * UNAUTH for both unprotected refusals (RFC 7296 §2.21.1); every FATAL and USAGE error keeps its
 * name but UNSUPPORTED_CRITICAL_RESP (an authenticated response it calls MALFORMED_RESP). Raw-key
 * errors have no counterpart (the template core is PSK only): MK_TINY_NO_MT.
 * Built into mk_harness when mk_tiny exists (CMakeLists.txt).
 */
#ifndef MK_TINY_MAP_H
#define MK_TINY_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "minike.h"
#include "minike_tiny.h"
#include "replay.h"

#define MK_TINY_NO_MT ((mt_err)-1)

typedef struct mk_tiny_err_row {
    mk_err mk;
    mt_err mt; /* MK_TINY_NO_MT: none */
} mk_tiny_err_row;

extern const mk_tiny_err_row mk_tiny_err_map[]; /* one row per mk_err of this build */
extern const size_t mk_tiny_err_map_n;

/* the template core's error for a general-core one; MK_TINY_NO_MT if none */
mt_err mk_tiny_map_err(mk_err e);
/* the same by the general core's name (the .expect files'); false if none */
bool mk_tiny_map_err_name(const char *mk_name, mt_err *out);
/* "MALFORMED", ...; "?" out of range */
const char *mk_tiny_err_name(mt_err e);
/* mk_state -> mt_state; -1 for DELETE_SENT (the template core sends no Delete) */
int mk_tiny_map_state(mk_state s);
/* the template core's states by the general core's names ("AUTH_SENT"); "?" out of range */
const char *mk_tiny_state_name(mt_state s);

/* The template core's configuration saying what the general core's says: PSK (a view), IDi, IDr,
 * TSi, TSr, mode, INITIAL_CONTACT, timers. false if an identity is longer than MT_MAX_ID. */
bool mk_tiny_config_from(mt_config *t, const mk_config *g);
/* one traffic selector, general -> template core */
void mk_tiny_ts_from(mt_ts *t, const mk_ts *g);

/* The template core's calls for the replay checks (replay.h). */
mk_rp_core mk_rp_tiny(mt_ike *ike);

#endif
