/* SPDX-License-Identifier: MIT */
/*
 * chk_engine: how the CLI drives the checker: options of one run and the per-case entry point.
 * Kept apart from chk.h so the responder and judges never see sockets or processes.
 */
#ifndef MK_CHK_ENGINE_H
#define MK_CHK_ENGINE_H

#include "chk.h"
#include "mk_io.h"

/* Impairments of soak mode, in percent per datagram; delay: up to delay_ms added. */
typedef struct chk_soak_opts {
    uint32_t n;
    uint8_t loss, dup, reorder;
    uint32_t delay_ms;
} chk_soak_opts;

typedef struct chk_opts {
    const char *cmd;    /* --initiator-cmd template; NULL with external */
    bool external;      /* --external: wait for an initiator someone else starts */
    uint32_t cue_ms;    /* how long to wait for it per case */
    mk_addr listen;     /* our address and port */
    const char *psk_path, *idi_str, *idr_str; /* placeholder values */
    /* raw keys (--auth rpk): the initiator's private and public key files and the checker's
     * public key file ({keyfile} {keypub} {peerpub}); NULL: not available */
    const char *keyfile, *keypub, *peerpub;
    uint32_t window_ms; /* default case length cap */
    int verbose;
    const char *initiator_log; /* initiator output appended here, NULL: /dev/null */
    uint64_t seed;
    const chk_soak_opts *imp; /* soak impairments, NULL: none */
    const char *ini_netns;    /* --netns: the initiator's namespace (chk_netns.h), NULL: ours */
} chk_opts;

/* 0, or 2 for a setup error (res->v is then CHK_ERROR with the reason). */
int chk_run_case(const chk_case *c, const chk_setup *su, const chk_opts *o, mk_io *io,
                 chk_result *res);
/* 0 if every placeholder of the template is known. */
int chk_check_template(const char *tpl);

#endif
